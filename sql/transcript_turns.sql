-- transcript_turns: One row per transcript entry, in the order the API sent them.
-- Loaded unchanged from parquet/transcript_turns/date=D/part-0.parquet, one file per day
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

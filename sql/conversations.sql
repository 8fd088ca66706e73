-- conversations: One row per conversation: its latest fetched state.
-- Loaded unchanged from parquet/conversations/date=D/part-0.parquet, one file per day
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

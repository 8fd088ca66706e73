-- tool_calls: One row per tool call, joined to its result by request_id.
-- Loaded unchanged from parquet/tool_calls/date=D/part-0.parquet, one file per day
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

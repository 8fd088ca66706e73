-- evaluation_results: One row per conversation and evaluation criterion.
-- Loaded unchanged from parquet/evaluation_results/date=D/part-0.parquet, one file per day
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

-- data_collection_results: One row per conversation and data collection item.
-- Loaded unchanged from parquet/data_collection_results/date=D/part-0.parquet, one file per day
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

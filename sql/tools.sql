-- tools: One row per workspace tool in the latest catalogue snapshot.
-- Loaded unchanged from parquet/tools/part-0.parquet
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

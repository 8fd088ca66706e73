-- agents: One row per agent in the latest catalogue snapshot.
-- Loaded unchanged from parquet/agents/part-0.parquet
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

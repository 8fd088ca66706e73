-- knowledge_base_documents: One row per knowledge-base document in the latest catalogue snapshot.
-- Loaded unchanged from parquet/knowledge_base_documents/part-0.parquet
-- (columns and types: assets/normalised/schemas.py).
SELECT * FROM read_parquet(getvariable('parquet_files'), hive_partitioning = false)

"""Typed Parquet -> warehouse.duckdb, from the SQL files in sql/."""

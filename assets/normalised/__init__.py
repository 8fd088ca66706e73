"""Raw lake -> typed Parquet tables (and quarantine for records that cannot be read)."""

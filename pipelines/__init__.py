"""Wiring of convai-lake: settings, lake primitives, the API client, Dagster definitions, CLI."""

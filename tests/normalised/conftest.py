"""Fixtures for the normaliser tests: an empty lake, the test day, and reading tables back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from assets.normalised.publish import quarantine_path, table_path
from pipelines.lake import Lake

DAY = dt.date(2025, 7, 14)  # the day of the shared samples (start 1752502211 = 14:10:11 UTC)

ReadTable = Callable[[str], pl.DataFrame]


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


@pytest.fixture
def read_table(lake: Lake) -> ReadTable:
    """Read one of the day's published tables back from its Parquet file."""

    def read(name: str) -> pl.DataFrame:
        return pl.read_parquet(lake.path(table_path(name, DAY)))

    return read


@pytest.fixture
def read_quarantine(lake: Lake) -> ReadTable:
    """Read the day's quarantine file of a table (empty frame when there is none)."""

    def read(name: str) -> pl.DataFrame:
        path = lake.path(quarantine_path(name, DAY))
        return pl.read_parquet(path) if path.exists() else pl.DataFrame()

    return read

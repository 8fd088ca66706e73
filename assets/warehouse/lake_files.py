"""The normalised Parquet files the warehouse loads, and what changed since the last build.

A file's fingerprint is its inode, size and modification time: the normaliser publishes every
file by rename (a new inode each time), so any republished partition differs from the one
loaded, while reading the fingerprints costs one `stat` per file whatever the lake's size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assets.normalised.schemas import CATALOGUE_TABLES, PARTITIONED_TABLES
from pipelines.lake import Lake

PARQUET_AREA = "parquet"
PART_FILE = "part-0.parquet"


@dataclass(frozen=True)
class LakeFile:
    """One Parquet file of a normalised table; `start_date` is None for a catalogue table."""

    table: str
    start_date: dt.date | None
    path: str  # relative to the lake root
    inode: int
    size_bytes: int
    mtime_ns: int

    @property
    def partition(self) -> tuple[str, dt.date | None]:
        return (self.table, self.start_date)


def _fingerprint(lake: Lake, table: str, start_date: dt.date | None, path: Path) -> LakeFile:
    stat = path.stat()
    return LakeFile(
        table, start_date, lake.relative(path), stat.st_ino, stat.st_size, stat.st_mtime_ns
    )


def scan_lake(lake: Lake) -> list[LakeFile]:
    """Fingerprint every published Parquet file of the normalised tables."""
    files = []
    for table in PARTITIONED_TABLES:
        for path in lake.glob(f"{PARQUET_AREA}/{table.name}", f"date=*/{PART_FILE}"):
            day = dt.date.fromisoformat(path.parent.name.removeprefix("date="))
            files.append(_fingerprint(lake, table.name, day, path))
    for table in CATALOGUE_TABLES:
        files.extend(
            _fingerprint(lake, table.name, None, path)
            for path in lake.glob(f"{PARQUET_AREA}/{table.name}", PART_FILE)
        )
    return files


def lake_files_frame(files: list[LakeFile]) -> pl.DataFrame:
    """`files` as a typed frame, one column per LakeFile field (the build stores it)."""
    return pl.DataFrame(
        [dataclasses.astuple(f) for f in files],
        schema={
            "table_name": pl.String,
            "start_date": pl.Date,
            "path": pl.String,
            "inode": pl.UInt64,
            "size_bytes": pl.Int64,
            "mtime_ns": pl.Int64,
        },
        orient="row",
    )


def changed_partitions(
    loaded: list[LakeFile], current: list[LakeFile]
) -> set[tuple[str, dt.date | None]]:
    """The (table, start_date) partitions whose file is new, republished or removed."""
    return {f.partition for f in set(loaded) ^ set(current)}


def lake_row_counts(lake: Lake) -> dict[str, int]:
    """Rows per normalised table, from the Parquet footers (no data is read)."""
    counts = {table.name: 0 for table in (*PARTITIONED_TABLES, *CATALOGUE_TABLES)}
    for file in scan_lake(lake):
        counts[file.table] += (
            pl.scan_parquet(lake.path(file.path)).select(pl.len()).collect().item()
        )
    return counts

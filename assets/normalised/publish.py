"""Where normalised tables live in the lake, and writing them: one Parquet file per table (and
day), written row group by row group, published by atomic rename, byte-identical for identical
rows (no timestamps in the files)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from assets.normalised.schemas import QUARANTINE, Table
from pipelines.lake import Lake, date_partition

PART = "part-0.parquet"
ROW_GROUP_ROWS = 256_000


def table_path(name: str, day: dt.date | None) -> str:
    """`parquet/<table>/date=D/part-0.parquet`, or `parquet/<table>/part-0.parquet` (catalogue)."""
    return _path("parquet", name, day)


def quarantine_path(name: str, day: dt.date | None) -> str:
    """`quarantine/<table>/date=D/part-0.parquet`, or without the date for the catalogue."""
    return _path("quarantine", name, day)


def _path(area: str, name: str, day: dt.date | None) -> str:
    directory = f"{area}/{name}" if day is None else date_partition(f"{area}/{name}", day)
    return f"{directory}/{PART}"


def sweep_killed_writes(lake: Lake, tables: tuple[Table, ...], day: dt.date | None) -> None:
    """Remove the hidden files that killed runs left where `tables` (of `day`) and their
    quarantine are written; call under the lock of the writers that work there."""
    for table in tables:
        for area in ("parquet", "quarantine"):
            lake.sweep_temp_files(_path(area, table.name, day).rsplit("/", 1)[0])


class RowGroupWriter:
    """Appends frames to one Parquet file as row groups of about ROW_GROUP_ROWS rows.

    Frames are turned into Arrow tables as they come: that copies their strings out of the
    buffers polars read them into, so a queued row group does not pin whole raw files.
    """

    def __init__(self, path: Path, table: Table) -> None:
        self.table = table
        self.rows = 0
        self._schema = pl.DataFrame(schema=table.schema).to_arrow().schema
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer = pq.ParquetWriter(
            path, self._schema, compression="zstd", compression_level=3, write_statistics=True
        )

    def write(self, frame: pl.DataFrame) -> None:
        """Queue `frame` (cast to the table's schema); a full row group goes to disk."""
        self._pending.append(self.table.conform(frame).to_arrow().cast(self._schema))
        self._pending_rows += frame.height
        self.rows += frame.height
        if self._pending_rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            rows = pa.concat_tables(self._pending).combine_chunks()
            self._writer.write_table(rows, row_group_size=max(rows.num_rows, 1))
        self._pending, self._pending_rows = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()


@contextlib.contextmanager
def parquet_writer(lake: Lake, relative: str, table: Table) -> Iterator[RowGroupWriter]:
    """A writer for `table` at `relative`, published when the block ends without error."""
    with lake.atomic_path(relative) as temp:
        writer = RowGroupWriter(temp, table)
        try:
            yield writer
        finally:
            writer.close()


def write_table(lake: Lake, relative: str, table: Table, frame: pl.DataFrame) -> int:
    """Publish `frame` as the whole of `table` at `relative`; returns the file's size."""
    with parquet_writer(lake, relative, table) as writer:
        writer.write(frame)
    return lake.path(relative).stat().st_size


def write_quarantine(
    lake: Lake, quarantine: pl.DataFrame, day: dt.date | None, tables: tuple[Table, ...]
) -> dict[str, int]:
    """Publish each table's quarantine rows; remove a stale file where there are none now.

    Returns the quarantined rows per table.
    """
    rows: dict[str, int] = {}
    for table in tables:
        mine = quarantine.filter(pl.col("table") == table.name)
        rows[table.name] = mine.height
        relative = quarantine_path(table.name, day)
        if mine.height:
            write_table(lake, relative, QUARANTINE, mine)
        else:
            lake.path(relative).unlink(missing_ok=True)
    return rows

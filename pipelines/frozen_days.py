"""Edits of a day's published Parquet that its raw files can no longer reproduce.

Once retention has removed a day's transcript text (`assets.raw.expiry`), the day's
conversations table keeps metrics that came from the words (lexicon sentiment) and from the
recordings (their length): re-normalising it would lose them. Such a day is frozen: the
normaliser leaves its files as they are, and retention and erasure edit its Parquet and
quarantine files in place (by atomic republication, with the normaliser's schemas and writer)
instead of rebuilding them from raw. A published day whose raw files are missing altogether is
treated the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import polars as pl

from assets.normalised.publish import quarantine_path, table_path, write_table
from assets.normalised.schemas import CONVERSATIONS, PARTITIONED_TABLES, QUARANTINE, Table
from assets.raw.erase import has_raw_details
from assets.raw.expiry import is_expired
from pipelines.lake import Lake

CONVERSATION_ID = "conversation_id"


def is_frozen(lake: Lake, day: dt.date) -> bool:
    """The day's tables are published but its raw files can no longer rebuild them: retention
    expired the day, or the raw files are gone."""
    published = lake.path(table_path(CONVERSATIONS.name, day)).is_file()
    return published and (is_expired(lake, day) or not has_raw_details(lake, day))


def day_files(day: dt.date) -> list[tuple[str, Table]]:
    """Each partitioned table's file of `day`, then each quarantine file, with its schema."""
    tables = [(table_path(t.name, day), t) for t in PARTITIONED_TABLES]
    return tables + [(quarantine_path(t.name, day), QUARANTINE) for t in PARTITIONED_TABLES]


def _read(lake: Lake, relative: str) -> pl.DataFrame | None:
    path = lake.path(relative)
    return pl.read_parquet(path) if path.is_file() else None


def _publish(lake: Lake, relative: str, table: Table, frame: pl.DataFrame) -> None:
    """Republish `frame`; a quarantine file left without rows is removed, as the normaliser
    does."""
    if table is QUARANTINE and frame.is_empty():
        lake.path(relative).unlink()
    else:
        write_table(lake, relative, table, frame)


def about(ids: Collection[str]) -> pl.Expr:
    """Rows of the conversations `ids`; a quarantine row also when its excerpt names one."""
    return pl.col(CONVERSATION_ID).is_in(list(ids))


def _mentions(table: Table, ids: Collection[str]) -> pl.Expr:
    matches = about(ids)
    if table is QUARANTINE:
        for cid in ids:
            matches |= pl.col("excerpt").str.contains(cid, literal=True)
    return matches.fill_null(False)


def rows_about(lake: Lake, day: dt.date, ids: Collection[str]) -> dict[str, pl.Series]:
    """Per file of the day, the conversation ids of its rows about `ids` (files with none are
    left out)."""
    found = {}
    for relative, table in day_files(day):
        frame = _read(lake, relative)
        if frame is not None:
            hits = frame.filter(_mentions(table, ids))[CONVERSATION_ID]
            if hits.len():
                found[relative] = hits
    return found


def drop_rows(lake: Lake, day: dt.date, ids: Collection[str]) -> None:
    """Remove the rows about `ids` from every file of a frozen day."""
    for relative, table in day_files(day):
        frame = _read(lake, relative)
        if frame is not None:
            matches = _mentions(table, ids)
            if frame.select(matches.any()).item():
                _publish(lake, relative, table, frame.filter(~matches))


def clear_columns(lake: Lake, relative: str, table: Table, columns: Collection[str]) -> int:
    """Set `columns` to NULL in one file; returns how many rows had a value there."""
    frame = _read(lake, relative)
    if frame is None:
        return 0
    valued = frame.select(pl.any_horizontal(pl.col(c).is_not_null() for c in columns).sum())
    rows = int(valued.item())
    if rows:
        cleared = frame.with_columns(pl.lit(None, frame.schema[c]).alias(c) for c in columns)
        _publish(lake, relative, table, cleared)
    return rows

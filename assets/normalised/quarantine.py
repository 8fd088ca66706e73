"""Records set aside because they cannot be read: one row each, saying why and where they are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from assets.normalised.schemas import QUARANTINE

EXCERPT_CHARS = 500
_COLUMNS = [c for c in QUARANTINE.column_names if c != "start_date"]


@dataclass(frozen=True)
class QuarantineRow:
    """One unreadable record: `raw_line` counts from 1, `raw_item` is its index in a list page."""

    table: str
    conversation_id: str | None
    reason: str
    raw_path: str
    raw_line: int | None
    excerpt: str
    raw_item: int | None = None


def excerpt(text: bytes | str) -> str:
    """The first characters of a record, decoded leniently (the record may not be UTF-8)."""
    if isinstance(text, bytes):
        text = text[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    return text[:EXCERPT_CHARS]


def quarantine_frame(rows: Iterable[QuarantineRow]) -> pl.DataFrame:
    """Rows in the QUARANTINE column order, without the partition column."""
    schema = {c: QUARANTINE.schema[c] for c in _COLUMNS}
    return pl.DataFrame([{c: getattr(row, c) for c in _COLUMNS} for row in rows], schema=schema)


def for_partition(rows: pl.DataFrame, day: dt.date | None) -> pl.DataFrame:
    """Quarantine rows with the partition date, in a fixed order, shaped exactly as QUARANTINE."""
    return (
        rows.with_columns(pl.lit(day, pl.Date()).alias("start_date"))
        .select(QUARANTINE.column_names)
        .sort("raw_path", "raw_line", "raw_item", nulls_last=False)
    )

"""Checks on a published day, run against the Parquet files as written (not the frames that
were meant to be written): unique ids, no orphan rows, row counts against raw, quarantine share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from assets.normalised.partition import PublishedDay
from assets.normalised.publish import table_path
from pipelines.lake import Lake

CHILD_TABLES = ("transcript_turns", "tool_calls", "evaluation_results", "data_collection_results")


@dataclass(frozen=True)
class CheckOutcome:
    """One check's verdict on one table, with the numbers behind it."""

    table: str
    name: str
    passed: bool
    description: str
    metadata: dict[str, float | int | str] = field(default_factory=dict)


def _scan(lake: Lake, table: str, day: dt.date) -> pl.LazyFrame:
    return pl.scan_parquet(lake.path(table_path(table, day)))


def unique_conversation_ids(lake: Lake, day: dt.date) -> CheckOutcome:
    """No conversation_id appears twice in the day's conversations file."""
    duplicated = (
        _scan(lake, "conversations", day)
        .select(pl.col("conversation_id").is_duplicated().sum())
        .collect()
        .item()
    )
    return CheckOutcome(
        table="conversations",
        name="conversation_id_unique",
        passed=duplicated == 0,
        description=f"{duplicated} rows share a conversation_id with another row",
        metadata={"duplicated_rows": int(duplicated)},
    )


def rows_belong_to_conversations(lake: Lake, day: dt.date, table: str) -> CheckOutcome:
    """Every row of a child table names a conversation of the day's conversations file."""
    ids = _scan(lake, "conversations", day).select("conversation_id")
    orphans = (
        _scan(lake, table, day)
        .select("conversation_id")
        .join(ids, on="conversation_id", how="anti", nulls_equal=False)
        .select(pl.len())
        .collect()
        .item()
    )
    return CheckOutcome(
        table=table,
        name="rows_belong_to_conversations",
        passed=orphans == 0,
        description=f"{orphans} rows name no conversation of the day",
        metadata={"orphan_rows": int(orphans)},
    )


def rows_match_raw(lake: Lake, day: dt.date, table: str, expected: int) -> CheckOutcome:
    """The file holds as many rows as the raw records promised (minus quarantine)."""
    actual = _scan(lake, table, day).select(pl.len()).collect().item()
    return CheckOutcome(
        table=table,
        name="rows_match_raw",
        passed=actual == expected,
        description=f"{actual} rows written, {expected} expected from the raw records",
        metadata={"rows": int(actual), "expected_rows": expected},
    )


def quarantine_share(quarantined: int, records_seen: int, threshold: float) -> CheckOutcome:
    """Fails when more than `threshold` of the day's raw records went to quarantine."""
    share = quarantined / records_seen if records_seen else 0.0
    return CheckOutcome(
        table="conversations",
        name="quarantine_share_under_threshold",
        passed=share <= threshold,
        description=f"{quarantined} of {records_seen} raw records quarantined "
        f"({share:.2%}; threshold {threshold:.2%})",
        metadata={
            "quarantined_records": quarantined,
            "records_seen": records_seen,
            "quarantine_share": share,
            "threshold": threshold,
        },
    )


def day_checks(lake: Lake, published: PublishedDay, threshold: float) -> list[CheckOutcome]:
    """Every check of a published day."""
    day = published.day
    return [
        unique_conversation_ids(lake, day),
        *(rows_belong_to_conversations(lake, day, table) for table in CHILD_TABLES),
        *(
            rows_match_raw(lake, day, table, rows)
            for table, rows in published.expected_rows.items()
        ),
        quarantine_share(sum(published.quarantined.values()), published.records_seen, threshold),
    ]

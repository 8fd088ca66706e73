"""Retention (`CONVAI_RETENTION_DAYS=N`): recordings and transcript text of days older than N
days are deleted; the metrics stay.

What goes, day by day under the day's lock (and nothing when the setting is unset):
- raw: the recordings, and the words of each detail's transcript (`assets.raw.expiry`);
- Parquet: `transcript_turns.message` and `original_message`, `tool_calls.params_json` and
  `result_value`, quarantine excerpts, and `conversations.audio_path` (the file is gone);
- the warehouse, rebuilt from scratch when anything went, so no old page keeps the text.
What stays: every other column, so `conversations` and the metric tables read the same. The day
is frozen from then on (`pipelines.frozen_days`). Days the nightly run still revisits (the
lookback window) are never expired, whatever N.

No `from __future__ import annotations` here: Dagster reads resource types from signatures.
"""

import datetime as dt
from dataclasses import dataclass

import dagster as dg

from assets.normalised.assets import key as normalised_key
from assets.normalised.publish import quarantine_path, table_path
from assets.normalised.schemas import CONVERSATIONS, PARTITIONED_TABLES, QUARANTINE, TABLES
from assets.raw.erase import partition_days, raw_days
from assets.raw.expiry import expire_day, needs_expiry
from assets.warehouse.build import build_warehouse
from pipelines.forget import NORMALISED_AREAS
from pipelines.frozen_days import clear_columns
from pipelines.lake import Lake
from pipelines.resources import LakeResource, RetentionResource

RETENTION = dg.AssetKey(["maintenance", "retention"])
# Columns that hold what was said, or point at a deleted recording.
CLEARED: dict[str, tuple[str, ...]] = {
    "transcript_turns": ("message", "original_message"),
    "tool_calls": ("params_json", "result_value"),
    CONVERSATIONS.name: ("audio_path",),
}


def first_kept_day(today: dt.date, keep_days: int, lookback_days: int) -> dt.date:
    """The oldest day retention keeps: N days back, or the lookback window's first day."""
    return min(today - dt.timedelta(days=keep_days), today - dt.timedelta(days=1 + lookback_days))


@dataclass(frozen=True)
class RetentionReport:
    """What one pass removed."""

    first_kept: dt.date | None
    days_expired: list[dt.date]
    recordings_removed: int
    raw_lines_redacted: int
    parquet_values_cleared: dict[str, int]
    warehouse_rebuilt: bool


def _clear_day(lake: Lake, day: dt.date, cleared: dict[str, int]) -> None:
    for name, columns in CLEARED.items():
        cleared[name] += clear_columns(lake, table_path(name, day), TABLES[name], columns)
    for table in PARTITIONED_TABLES:
        relative = quarantine_path(table.name, day)
        cleared["quarantine"] += clear_columns(lake, relative, QUARANTINE, ("excerpt",))


def apply_retention(
    lake: Lake, keep_days: int | None, today: dt.date, lookback_days: int
) -> RetentionReport:
    """Expire every day before `first_kept_day` that still holds recordings or text."""
    cleared = dict.fromkeys([*CLEARED, "quarantine"], 0)
    if keep_days is None:
        return RetentionReport(None, [], 0, 0, cleared, warehouse_rebuilt=False)
    first_kept = first_kept_day(today, keep_days, lookback_days)
    days = sorted(raw_days(lake) | partition_days(lake, NORMALISED_AREAS))
    expired, recordings, lines = [], 0, 0
    for day in (d for d in days if d < first_kept and needs_expiry(lake, d)):
        with lake.lock(f"day-{day.isoformat()}", wait=True):
            raw = expire_day(lake, day)
            _clear_day(lake, day, cleared)
        expired.append(day)
        recordings += raw.recordings_removed
        lines += raw.lines_redacted
    rebuilt = bool(expired) and lake.path("warehouse.duckdb").is_file()
    if rebuilt:
        build_warehouse(lake, full=True)
    return RetentionReport(first_kept, expired, recordings, lines, cleared, rebuilt)


@dg.asset(
    key=RETENTION,
    deps=[normalised_key(t.name) for t in PARTITIONED_TABLES],
    description="Days older than CONVAI_RETENTION_DAYS, without recordings or transcript "
    "text (metrics kept); nothing happens when the setting is unset.",
    group_name="maintenance",
    kinds={"python"},
)
def expire_old_days(lake: LakeResource, retention: RetentionResource) -> dg.MaterializeResult[None]:
    """Apply the retention setting to the whole lake."""
    today = dt.datetime.now(dt.UTC).date()
    report = apply_retention(lake.lake(), retention.days, today, retention.lookback_days)
    return dg.MaterializeResult(
        metadata={
            "retention_days": retention.days if retention.days is not None else "unset",
            "first_kept_day": str(report.first_kept or "all"),
            "days_expired": len(report.days_expired),
            "recordings_removed": report.recordings_removed,
            "raw_lines_redacted": report.raw_lines_redacted,
            "parquet_values_cleared": dg.MetadataValue.json(report.parquet_values_cleared),
            "warehouse_rebuilt": report.warehouse_rebuilt,
        }
    )

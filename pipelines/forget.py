"""Erase conversations from the whole lake, for erasure requests (`convai-lake forget`).

In order: the ids go to the tombstone (`forgotten/ids.txt`), so no later run lists, fetches
or stores them again; then, day by day under the day's lock, their list items, detail and
rejected lines and recordings leave the raw files; the day is re-normalised from the scrubbed
raw (a frozen day, past retention, has its rows removed from its Parquet instead, see
`pipelines.frozen_days`); last, the warehouse is rebuilt from scratch, so that no deleted row
survives in the free pages of the old file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from assets.normalised.partition import publish_day
from assets.normalised.schemas import PARTITIONED_TABLES
from assets.raw.erase import partition_days, raw_days, scrub_day
from assets.raw.forgotten import remember
from assets.warehouse.build import WAREHOUSE_FILE, build_warehouse
from pipelines.frozen_days import drop_rows, is_frozen, rows_about
from pipelines.lake import Lake, safe_id

NORMALISED_AREAS = [
    f"{area}/{t.name}" for area in ("parquet", "quarantine") for t in PARTITIONED_TABLES
]


@dataclass
class ForgetReport:
    """What `forget` did: the ids asked for, where it found them and what it removed."""

    ids: list[str]
    newly_recorded: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)
    removed: list[str] = field(default_factory=list)  # one line per file: path and what went
    warehouse_rebuilt: bool = False

    @property
    def not_found(self) -> list[str]:
        return [cid for cid in self.ids if cid not in self.found]


def checked_ids(ids: Sequence[str]) -> list[str]:
    """The ids, each safe as a file name (else UnsafeIdError), duplicates dropped."""
    return list(dict.fromkeys(safe_id(cid, "conversation id") for cid in ids))


def forget(lake: Lake, ids: Sequence[str]) -> ForgetReport:
    """Erase the conversations `ids` everywhere; safe to run again (it finds nothing twice)."""
    report = ForgetReport(checked_ids(ids))
    report.newly_recorded = remember(lake, report.ids)
    for day in sorted(raw_days(lake) | partition_days(lake, NORMALISED_AREAS)):
        _forget_on(lake, day, report)
    in_warehouse = _warehouse_rows(lake, report.ids)
    if in_warehouse or (report.removed and lake.path(WAREHOUSE_FILE).is_file()):
        build_warehouse(lake, full=True)
        report.warehouse_rebuilt = True
        report.removed.append(f"{WAREHOUSE_FILE}: {in_warehouse} row(s); rebuilt from scratch")
    return report


def _forget_on(lake: Lake, day: dt.date, report: ForgetReport) -> None:
    """Scrub one day's raw files, then its normalised ones."""
    with lake.lock(f"day-{day.isoformat()}", wait=True):
        scrub = scrub_day(lake, day, report.ids)
        rows = rows_about(lake, day, report.ids)
        frozen = is_frozen(lake, day)
        if frozen and rows:
            drop_rows(lake, day, report.ids)
    report.found |= scrub.found
    report.removed += [
        f"{path}: {n} line(s) removed or rewritten" for path, n in scrub.lines.items()
    ]
    report.removed += [f"{path}: removed" for path in scrub.audio]
    for relative, hits in rows.items():
        report.found.update(hits.drop_nulls())
        how = "rows deleted (day past retention)" if frozen else "re-normalised"
        report.removed.append(f"{relative}: {hits.len()} row(s), {how}")
    if not frozen and (rows or scrub.lines or scrub.audio):
        publish_day(lake, day)  # takes the day's lock itself


def _warehouse_rows(lake: Lake, ids: list[str]) -> int:
    """Rows about `ids` in the published warehouse's normalised tables."""
    path = lake.path(WAREHOUSE_FILE)
    if not path.is_file():
        return 0
    total = 0
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        tables = {
            name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        listed = duckdb.ColumnExpression("conversation_id").isin(
            *map(duckdb.ConstantExpression, ids)
        )
        for name in (t.name for t in PARTITIONED_TABLES if t.name in tables):
            [(rows,)] = con.table(name).filter(listed).aggregate("count(*)").fetchall()
            total += int(rows)
    return total

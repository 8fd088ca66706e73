"""Checks of a built warehouse, run on the new file before it is published.

Every check here is blocking: it fails only when the data would be wrong (rows lost or
doubled, a rate outside [0, 1], a median above its 95th percentile, daily metrics that do not
add up to the conversations), and a failed check keeps the previous warehouse in place.
The table and column names in their SQL come from sql/ and schemas.py, never from data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from assets.warehouse.lake_files import lake_row_counts
from assets.warehouse.sql_files import LOADED_TABLES, WAREHOUSE_TABLES
from pipelines.lake import Lake

# Columns that must lie in [0, 1], per derived table.
RATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "agent_daily_metrics": ("success_rate",),
    "agent_metrics": ("success_rate",),
    "agent_daily_termination_reasons": ("share_of_day",),
    "agent_language_mix": ("share", "success_rate"),
    "agent_daily_interruptions": ("interruption_rate", "user_interruption_rate"),
    "tool_metrics": ("error_rate",),
    "agent_tool_metrics": ("error_rate",),
}
# Measures with p50_<measure> and p95_<measure> columns, per derived table.
QUANTILE_MEASURES: dict[str, tuple[str, ...]] = {
    "agent_daily_metrics": ("duration_secs",),
    "agent_metrics": ("duration_secs",),
    "agent_daily_latency": ("llm_ttfb_secs", "tts_ttfb_secs"),
    "tool_metrics": ("latency_secs",),
    "agent_tool_metrics": ("latency_secs",),
}

_SUMS_BACK_TO_CONVERSATIONS = """
WITH actual AS (
    SELECT agent_id, start_date, count(*) AS rows FROM conversations GROUP BY ALL
)
SELECT count(*)
FROM agent_daily_metrics AS metrics
FULL JOIN actual
    ON metrics.agent_id IS NOT DISTINCT FROM actual.agent_id
    AND metrics.start_date = actual.start_date
WHERE (metrics.conversations + metrics.in_progress) IS DISTINCT FROM actual.rows
    OR metrics.successful + metrics.failed + metrics.unknown <> metrics.conversations
    OR metrics.positive + metrics.neutral + metrics.negative > metrics.conversations
"""


@dataclass(frozen=True)
class CheckSpec:
    """A check of one warehouse table; `blocking` keeps a failing build unpublished."""

    table: str
    name: str
    description: str
    blocking: bool = True


@dataclass(frozen=True)
class CheckOutcome:
    table: str
    name: str
    passed: bool
    detail: str
    blocking: bool


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    [(rows,)] = con.table(table).aggregate("count(*)").fetchall()
    return int(rows)


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    """The single number `query` returns (fetched whole: DuckDB 2 keeps partial results open)."""
    [(count,)] = con.execute(query).fetchall()
    return int(count)


def _outcome(spec: CheckSpec, bad_rows: int, what: str) -> CheckOutcome:
    detail = f"{bad_rows} {what}" if bad_rows else "ok"
    return CheckOutcome(spec.table, spec.name, bad_rows == 0, detail, spec.blocking)


Check = Callable[[duckdb.DuckDBPyConnection, dict[str, int]], CheckOutcome]


def _row_count(spec: CheckSpec) -> Check:
    def check(con: duckdb.DuckDBPyConnection, lake_counts: dict[str, int]) -> CheckOutcome:
        rows = row_count(con, spec.table)
        expected = lake_counts[spec.table]
        detail = f"{rows} rows, the normalised Parquet has {expected}"
        return CheckOutcome(spec.table, spec.name, rows == expected, detail, spec.blocking)

    return check


def _unique_key(spec: CheckSpec, key: tuple[str, ...]) -> Check:
    columns = ", ".join(f'"{column}"' for column in key)
    query = f"""SELECT count(*) FROM (
        SELECT 1 FROM "{spec.table}" GROUP BY {columns} HAVING count(*) > 1)"""  # noqa: S608
    return lambda con, _: _outcome(spec, _count(con, query), f"duplicated keys ({columns})")


def _bad_rows(spec: CheckSpec, condition: str, what: str) -> Check:
    query = f'SELECT count(*) FROM "{spec.table}" WHERE {condition}'  # noqa: S608
    return lambda con, _: _outcome(spec, _count(con, query), what)


def _sums_back(spec: CheckSpec) -> Check:
    return lambda con, _: _outcome(
        spec, _count(con, _SUMS_BACK_TO_CONVERSATIONS), "agent-days that do not add up"
    )


def _checks() -> list[tuple[CheckSpec, Check]]:
    checks: list[tuple[CheckSpec, Check]] = []
    for sql_file in LOADED_TABLES:
        spec = CheckSpec(sql_file.name, "row_count_matches_lake", "As many rows as the Parquet.")
        checks.append((spec, _row_count(spec)))
    for sql_file in WAREHOUSE_TABLES:
        key = ", ".join(sql_file.key)
        spec = CheckSpec(sql_file.name, "unique_key", f"No two rows share ({key}).")
        checks.append((spec, _unique_key(spec, sql_file.key)))
    for table, columns in RATE_COLUMNS.items():
        outside = " OR ".join(f"NOT ({c} BETWEEN 0 AND 1)" for c in columns)
        spec = CheckSpec(table, "rates_between_0_and_1", f"{', '.join(columns)} in [0, 1].")
        checks.append((spec, _bad_rows(spec, outside, "rows with a rate outside [0, 1]")))
    for table, measures in QUANTILE_MEASURES.items():
        above = " OR ".join(f"p50_{m} > p95_{m}" for m in measures)
        spec = CheckSpec(table, "p50_not_above_p95", f"p50 <= p95 for {', '.join(measures)}.")
        checks.append((spec, _bad_rows(spec, above, "rows with p50 above p95")))
    spec = CheckSpec(
        "agent_daily_metrics",
        "sums_back_to_conversations",
        "One row per agent-day of conversations; conversations + in_progress = its "
        "conversations, successful + failed + unknown = conversations, "
        "positive + neutral + negative <= conversations.",
    )
    checks.append((spec, _sums_back(spec)))
    return checks


CHECKS = _checks()
CHECK_SPECS: tuple[CheckSpec, ...] = tuple(spec for spec, _ in CHECKS)


def run_checks(con: duckdb.DuckDBPyConnection, lake: Lake) -> list[CheckOutcome]:
    """Run every check on the warehouse open in `con`, against the lake it was built from."""
    lake_counts = lake_row_counts(lake)
    return [check(con, lake_counts) for _, check in CHECKS]

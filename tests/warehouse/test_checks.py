"""The checks pass on a correct build, fail on each kind of wrong data, and block publication."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.normalised.schemas import AGENTS
from assets.warehouse.build import WAREHOUSE_FILE, WarehouseRejectedError, build_warehouse
from assets.warehouse.checks import CHECK_SPECS, QUANTILE_MEASURES, RATE_COLUMNS, run_checks
from pipelines.lake import Lake
from tests.warehouse.lake_fixtures import write_parquet


def test_every_check_passes_on_a_correct_build(built_lake: Lake) -> None:
    report = build_warehouse(built_lake)
    assert len(report.checks) == len(CHECK_SPECS)
    assert [c for c in report.checks if not c.passed] == []


@pytest.mark.parametrize(
    ("corruption", "failing"),
    [
        (
            "INSERT INTO agents SELECT * FROM agents LIMIT 1",
            {("agents", "unique_key"), ("agents", "row_count_matches_lake")},
        ),
        (
            "DELETE FROM transcript_turns WHERE turn_index = 0",
            {("transcript_turns", "row_count_matches_lake")},
        ),
        (
            "UPDATE agent_metrics SET success_rate = 1.5 WHERE success_rate IS NOT NULL",
            {("agent_metrics", "rates_between_0_and_1")},
        ),
        (
            "UPDATE agent_daily_latency SET p50_tts_ttfb_secs = p95_tts_ttfb_secs + 1",
            {("agent_daily_latency", "p50_not_above_p95")},
        ),
        (
            "UPDATE agent_daily_metrics SET unknown = unknown + 1 WHERE start_date = '2026-01-06'",
            {("agent_daily_metrics", "sums_back_to_conversations")},
        ),
        (
            "UPDATE agent_daily_metrics SET positive = conversations + 1",
            {("agent_daily_metrics", "sums_back_to_conversations")},
        ),
        (
            "DELETE FROM agent_daily_metrics WHERE agent_id = 'agent_001'",
            {("agent_daily_metrics", "sums_back_to_conversations")},
        ),
    ],
)
def test_each_kind_of_wrong_data_fails_its_check(
    built_lake: Lake, tmp_path: Path, corruption: str, failing: set[tuple[str, str]]
) -> None:
    copy = tmp_path / "corrupted.duckdb"
    shutil.copy(built_lake.path(WAREHOUSE_FILE), copy)
    with contextlib.closing(duckdb.connect(str(copy))) as con:
        con.execute(corruption)
        outcomes = run_checks(con, built_lake)
    assert {(c.table, c.name) for c in outcomes if not c.passed} == failing


def test_every_rate_and_quantile_column_is_checked(warehouse: Path) -> None:
    with contextlib.closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'"
        ).fetchall()
    rates = {(t, c) for t, c in columns if c.endswith("rate") or c.startswith("share")}
    medians = {(t, c.removeprefix("p50_")) for t, c in columns if c.startswith("p50_")}
    assert rates == {(t, c) for t, cs in RATE_COLUMNS.items() for c in cs}
    assert medians == {(t, m) for t, ms in QUANTILE_MEASURES.items() for m in ms}


def test_a_failing_blocking_check_keeps_the_previous_warehouse(built_lake: Lake) -> None:
    published = built_lake.path(WAREHOUSE_FILE)
    before = published.read_bytes()
    agents = pl.read_parquet(built_lake.path("parquet/agents/part-0.parquet"))
    write_parquet(built_lake, AGENTS, pl.concat([agents, agents.head(1)]), None)
    with pytest.raises(WarehouseRejectedError, match=r"agents\.unique_key") as rejected:
        build_warehouse(built_lake)
    assert published.read_bytes() == before
    failed = {(c.table, c.name) for c in rejected.value.report.failed_blocking_checks}
    assert ("agents", "unique_key") in failed
    assert [p for p in built_lake.root.iterdir() if p.name.startswith(".warehouse")] == []

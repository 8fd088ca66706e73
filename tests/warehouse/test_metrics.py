"""agent_daily_metrics and agent_metrics against a plain-Python reading of design.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from assets.normalised.schemas import CONVERSATIONS
from assets.warehouse.build import WAREHOUSE_FILE, build_warehouse
from tests.warehouse import reference
from tests.warehouse.compare import assert_same_rows, read_table
from tests.warehouse.lake_fixtures import (
    IDLE_AGENT,
    UNLISTED_AGENT,
    LakeSpec,
    frame,
    write_catalogue,
    write_lake,
    write_parquet,
)

SPECS = [
    LakeSpec(seed=1),
    LakeSpec(seed=2, days=5, agents=6, conversations_per_day=80),
    LakeSpec(seed=3, days=4, agents=3, conversations_per_day=5),  # sparse: in-progress-only days
    LakeSpec(seed=4, days=1, agents=1, conversations_per_day=200),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"seed{s.seed}")
def test_metrics_match_the_reference(tmp_path: Path, spec: LakeSpec) -> None:
    lake = write_lake(tmp_path, spec)
    build_warehouse(lake)
    warehouse = lake.path(WAREHOUSE_FILE)

    columns, daily = read_table(warehouse, "agent_daily_metrics")
    assert tuple(columns) == reference.DAILY_COLUMNS
    assert_same_rows(daily, reference.agent_daily_metrics(tmp_path), ("agent_id", "start_date"))

    columns, per_agent = read_table(warehouse, "agent_metrics")
    assert tuple(columns) == reference.AGENT_COLUMNS
    assert_same_rows(per_agent, reference.agent_metrics(tmp_path), ("agent_id",))


def test_the_sparse_lake_has_a_day_without_final_conversations(tmp_path: Path) -> None:
    lake = write_lake(tmp_path, SPECS[2])
    build_warehouse(lake)
    _, daily = read_table(lake.path(WAREHOUSE_FILE), "agent_daily_metrics")
    empty_days = [row for row in daily if row["conversations"] == 0]
    assert empty_days
    for row in empty_days:
        assert row["in_progress"] > 0
        assert (row["total_duration_secs"], row["total_cost_credits"]) == (0, 0)
        assert row["success_rate"] is row["avg_duration_secs"] is row["p95_duration_secs"] is None


def test_agents_without_conversations_and_missing_from_the_catalogue(warehouse: Path) -> None:
    _, rows = read_table(warehouse, "agent_metrics")
    by_agent = {row["agent_id"]: row for row in rows}
    idle = by_agent[IDLE_AGENT]
    assert idle["agent_name"] == f"Agent {IDLE_AGENT}"
    assert [idle[c] for c in ("conversations", "in_progress", "successful", "failed")] == [0] * 4
    assert (idle["total_duration_secs"], idle["total_cost_credits"]) == (0, 0)
    assert idle["success_rate"] is idle["avg_duration_secs"] is idle["p50_duration_secs"] is None
    assert by_agent[UNLISTED_AGENT]["conversations"] > 0
    _, daily = read_table(warehouse, "agent_daily_metrics")
    assert IDLE_AGENT not in {row["agent_id"] for row in daily}


def test_all_null_costs_and_missing_sentiment_stay_null(warehouse: Path, spec: LakeSpec) -> None:
    _, rows = read_table(warehouse, "agent_metrics")
    by_agent = {row["agent_id"]: row for row in rows}
    no_cost, no_sentiment = by_agent[spec.agent_ids[0]], by_agent[spec.agent_ids[-1]]
    assert no_cost["conversations"] > 0
    assert no_cost["total_cost_credits"] is None
    assert no_sentiment["conversations"] > 0
    assert (no_sentiment["positive"], no_sentiment["neutral"], no_sentiment["negative"]) == (
        0,
        0,
        0,
    )
    assert no_sentiment["avg_sentiment_score"] is None


def test_an_empty_lake_builds_empty_tables_and_lists_the_catalogue(tmp_path: Path) -> None:
    lake = write_lake(tmp_path, LakeSpec(days=0))
    build_warehouse(lake)
    _, daily = read_table(lake.path(WAREHOUSE_FILE), "agent_daily_metrics")
    _, agents = read_table(lake.path(WAREHOUSE_FILE), "agent_metrics")
    assert daily == []
    assert {row["agent_id"] for row in agents} == {*LakeSpec().agent_ids, IDLE_AGENT}
    assert all(row["conversations"] == 0 for row in agents)


def test_conversations_without_agent_id_are_counted_under_null(tmp_path: Path) -> None:
    spec = LakeSpec(days=0)
    lake = write_lake(tmp_path, spec)
    write_catalogue(lake, spec)
    day = dt.date(2026, 2, 1)
    start = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
    conversations = frame(
        CONVERSATIONS,
        {
            "conversation_id": ["a", "b"],
            "agent_id": [None, None],
            "start_time": [start, start],
            "start_date": [day, day],
            "is_final": [True, False],
            "duration_secs": [10.0, None],
            "call_successful": ["success", None],
        },
    )
    write_parquet(lake, CONVERSATIONS, conversations, day)
    build_warehouse(lake)
    warehouse = lake.path(WAREHOUSE_FILE)
    _, daily = read_table(warehouse, "agent_daily_metrics")
    _, agents = read_table(warehouse, "agent_metrics")
    assert [(r["agent_id"], r["conversations"], r["in_progress"]) for r in daily] == [(None, 1, 1)]
    null_agent = [r for r in agents if r["agent_id"] is None]
    assert [(r["conversations"], r["success_rate"]) for r in null_agent] == [(1, 1.0)]
    assert (
        pl.read_parquet(lake.path("parquet/conversations/date=2026-02-01/part-0.parquet")).height
        == 2
    )

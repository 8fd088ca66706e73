"""The whole graph against the emulator: the warehouse equals the emulator's ground truth.

Counts must match exactly and floats within 1e-9, for several seeds and both dialects.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from assets.normalised.assets import NORMALISED_ASSETS
from assets.raw.assets import RAW_ASSETS
from assets.warehouse.assets import warehouse
from emulator import AGENT_COLUMNS, AGENT_DAILY_COLUMNS, EmulatorConfig, running_emulator
from pipelines.resources import API_KEY_ENV_VAR, ElevenLabsResource, LakeResource

TODAY = dt.date(2026, 5, 20)
DAYS = 3
GRAPH = [*RAW_ASSETS, *NORMALISED_ASSETS, warehouse]


def assert_rows_equal(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        for column, value in want.items():
            actual = row[column]
            if isinstance(value, float) and actual is not None:
                assert math.isclose(actual, value, rel_tol=0, abs_tol=1e-9), (column, row)
            else:
                assert actual == value, (column, row, want)


def warehouse_rows(lake: Path, table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    order = "agent_id, start_date" if "start_date" in columns else "agent_id"
    with duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
        return [dict(zip(columns, r, strict=True)) for r in rows.fetchall()]


@pytest.mark.parametrize(
    ("seed", "dialect"), [(1, "elevenlabs"), (2, "seed"), (11, "elevenlabs"), (12, "seed")]
)
def test_warehouse_equals_ground_truth(
    seed: int, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, "sk_end_to_end")
    config = EmulatorConfig(
        seed=seed,
        agents=4,
        conversations_per_day=25,
        days=DAYS,
        today=TODAY,
        dialect=dialect,  # type: ignore[arg-type]
        api_key="sk_end_to_end",
        finalise_after_secs=None,
    )
    days = [TODAY - dt.timedelta(days=n) for n in range(DAYS, 0, -1)]
    with running_emulator(config) as emulator:
        resources = {
            "lake": LakeResource(lake_dir=str(tmp_path)),
            "elevenlabs": ElevenLabsResource(
                api_key=dg.EnvVar(API_KEY_ENV_VAR), base_url=emulator.base_url
            ),
        }
        for day in days:
            assert dg.materialize(GRAPH, partition_key=day.isoformat(), resources=resources)
        daily = emulator.truth.agent_daily_metrics(days[0], days[-1])
        totals = emulator.truth.agent_metrics(days[0], days[-1])

    assert any(row["in_progress"] for row in daily)  # pending conversations are covered
    assert_rows_equal(warehouse_rows(tmp_path, "agent_daily_metrics", AGENT_DAILY_COLUMNS), daily)
    assert_rows_equal(warehouse_rows(tmp_path, "agent_metrics", AGENT_COLUMNS), totals)

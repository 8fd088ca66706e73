"""The whole graph against the emulator: the warehouse equals the emulator's ground truth.

Counts must match exactly and floats within 1e-9, for several seeds and both dialects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from assets.normalised.assets import NORMALISED_ASSETS
from assets.raw.assets import RAW_ASSETS
from assets.warehouse.assets import warehouse
from assets.warehouse.build import WAREHOUSE_FILE
from emulator import AGENT_COLUMNS, AGENT_DAILY_COLUMNS, EmulatorConfig, running_emulator
from pipelines.resources import API_KEY_ENV_VAR, ElevenLabsResource, LakeResource
from tests.warehouse.compare import assert_same_rows, read_table

TODAY = dt.date(2026, 5, 20)
DAYS = 3
GRAPH = [*RAW_ASSETS, *NORMALISED_ASSETS, warehouse]


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
    warehouse_file = tmp_path / WAREHOUSE_FILE
    columns, rows = read_table(warehouse_file, "agent_daily_metrics")
    assert tuple(columns) == AGENT_DAILY_COLUMNS
    assert_same_rows(rows, daily, ("agent_id", "start_date"))
    columns, rows = read_table(warehouse_file, "agent_metrics")
    assert tuple(columns) == AGENT_COLUMNS
    assert_same_rows(rows, totals, ("agent_id",))

"""A backfill (one `daily` run per day, as the UI launches it) gives the same warehouse as
`sync` over the same range (the catalogue once, each day, the warehouse once)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from assets.warehouse.build import WAREHOUSE_FILE
from assets.warehouse.sql_files import WAREHOUSE_TABLES
from emulator import EmulatorConfig, running_emulator
from pipelines.definitions import build_definitions
from pipelines.resources import API_KEY_ENV_VAR
from pipelines.settings import Settings, load_settings
from pipelines.sync import QUIET, DaySummary, Runner, days_between
from tests.warehouse.compare import assert_same_rows, read_table

TODAY = dt.date(2026, 4, 2)
KEY = "sk_backfill"


def settings_for(base_url: str, lake: Path) -> Settings:
    return load_settings({"ELEVENLABS_BASE_URL": base_url, "CONVAI_LAKE_DIR": str(lake)})


def test_backfill_equals_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    config = EmulatorConfig(
        seed=9, agents=3, conversations_per_day=12, days=3, today=TODAY, api_key=KEY
    )
    days = days_between(TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=1))
    with running_emulator(config) as emulator:
        synced = settings_for(emulator.base_url, tmp_path / "synced")
        outcomes = list(Runner(synced, dg.DagsterInstance.ephemeral()).sync(days))
        assert all((o.outcome if isinstance(o, DaySummary) else o).succeeded for o in outcomes)

        backfilled = settings_for(emulator.base_url, tmp_path / "backfilled")
        daily = build_definitions(backfilled).resolve_job_def("daily")
        with dg.DagsterInstance.ephemeral() as instance:
            for day in days:
                result = daily.execute_in_process(
                    partition_key=day.isoformat(), instance=instance, run_config=QUIET
                )
                assert result.success

    for table in WAREHOUSE_TABLES:
        _, synced_rows = read_table(tmp_path / "synced" / WAREHOUSE_FILE, table.name)
        _, backfilled_rows = read_table(tmp_path / "backfilled" / WAREHOUSE_FILE, table.name)
        assert synced_rows, f"{table.name} is empty: the comparison would prove nothing"
        assert_same_rows(backfilled_rows, synced_rows, table.key)

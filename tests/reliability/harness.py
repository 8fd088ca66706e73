"""Shared pieces of the reliability suite: the real CLI in a subprocess, the whole graph under
`dg.materialize`, and fingerprints of a warehouse and a lake to compare runs by."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from assets.normalised.assets import NORMALISED_ASSETS
from assets.raw.assets import RAW_ASSETS
from assets.warehouse.assets import warehouse
from assets.warehouse.build import WAREHOUSE_FILE
from assets.warehouse.sql_files import WAREHOUSE_TABLES
from emulator import EmulatorHandle
from pipelines.lake import TEMP_SUFFIX
from pipelines.resources import API_KEY_ENV_VAR, ElevenLabsResource, LakeResource
from tests.warehouse.compare import assert_same_rows, read_table

KEY = "sk_reliability_suite"
GRAPH = [*RAW_ASSETS, *NORMALISED_ASSETS, warehouse]
ROOT = Path(__file__).resolve().parents[2]


def cli_env(emulator: EmulatorHandle, lake: Path, **extra: str) -> dict[str, str]:
    """The environment of a `convai-lake` subprocess against `emulator`, lake at `lake`."""
    return {
        **os.environ,
        "COLUMNS": "200",
        "ELEVENLABS_BASE_URL": emulator.base_url,
        "ELEVENLABS_API_KEY": KEY,
        "CONVAI_LAKE_DIR": str(lake),
        "DAGSTER_HOME": "",
        **extra,
    }


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *args]


def convai_lake(
    *args: str, env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `convai-lake ARGS` to completion, in the project's root."""
    return subprocess.run(
        cli_command(*args),
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def sync_args(days: list[dt.date]) -> list[str]:
    return ["sync", "--start", days[0].isoformat(), "--end", days[-1].isoformat()]


def start_sync(
    emulator: EmulatorHandle,
    lake: Path,
    days: list[dt.date] | None = None,
    *,
    capture_output: bool = False,
) -> subprocess.Popen[str]:
    """`convai-lake sync` of `days` (default: every day `emulator` serves) started in a
    subprocess of its own session, so that a signal reaches it alone; its output piped when
    `capture_output`, else discarded."""
    output = subprocess.PIPE if capture_output else subprocess.DEVNULL
    return subprocess.Popen(
        cli_command(*sync_args(days or emulator.config.day_list())),
        env=cli_env(emulator, lake, CONVAI_CONCURRENCY="8"),
        cwd=ROOT,
        stdout=output,
        stderr=output,
        text=True,
        start_new_session=True,
    )


def resources(emulator: EmulatorHandle, lake: Path, **client: Any) -> dict[str, Any]:
    """Resources of the whole graph against `emulator` (set API_KEY_ENV_VAR to KEY first)."""
    return {
        "lake": LakeResource(lake_dir=str(lake)),
        "elevenlabs": ElevenLabsResource(
            api_key=dg.EnvVar(API_KEY_ENV_VAR), base_url=emulator.base_url, **client
        ),
    }


def materialize_days(
    emulator: EmulatorHandle,
    lake: Path,
    days: Iterable[dt.date],
    *,
    instance: dg.DagsterInstance | None = None,
    **client: Any,
) -> list[dg.ExecuteInProcessResult]:
    """The whole graph once per day, as the nightly schedule runs it."""
    return [
        dg.materialize(
            GRAPH,
            partition_key=day.isoformat(),
            resources=resources(emulator, lake, **client),
            instance=instance,
            raise_on_error=False,
        )
        for day in days
    ]


def materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    """Metadata values of every asset materialized in `result`, by asset key path."""
    return {
        event.asset_key.to_user_string(): {
            name: value.value
            for name, value in event.step_materialization_data.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
        if event.asset_key is not None
    }


def assert_equals_truth(emulator: EmulatorHandle, lake: Path, days: list[dt.date]) -> None:
    """The warehouse's agent_daily_metrics equal the emulator's ground truth for `days`."""
    _, rows = read_table(lake / WAREHOUSE_FILE, "agent_daily_metrics")
    expected = emulator.truth.agent_daily_metrics(days[0], days[-1])
    assert expected, "the ground truth is empty: the test would prove nothing"
    assert_same_rows(rows, expected, ("agent_id", "start_date"))


def warehouse_digest(warehouse_file: Path) -> dict[str, str]:
    """A content hash of every warehouse table: its rows rendered and sorted, so that equal
    tables hash equal whatever their physical order, with floats to 12 significant digits."""
    digests = {}
    with contextlib.closing(duckdb.connect(str(warehouse_file), read_only=True)) as con:
        for sql_file in WAREHOUSE_TABLES:
            rows = con.execute(f'FROM "{sql_file.name}"').fetchall()
            rendered = sorted(repr(tuple(_settled(value) for value in row)) for row in rows)
            digest = hashlib.sha256("\n".join(rendered).encode()).hexdigest()
            digests[sql_file.name] = f"{len(rows)}:{digest[:16]}"
    return digests


def _settled(value: object) -> object:
    """A float to 12 significant digits (sums and means may differ in the last bits with the
    order DuckDB met the rows in); anything else as it is."""
    return f"{value:.12g}" if isinstance(value, float) else value


def temp_files(lake: Path) -> list[Path]:
    """Temporary files left anywhere in the lake (published files never end in TEMP_SUFFIX)."""
    return sorted(p for p in lake.rglob(f"*{TEMP_SUFFIX}") if p.is_file())

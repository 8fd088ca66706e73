"""Raw-layer tests: the raw assets under `dg.materialize` against the emulator over HTTP."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from assets.raw.assets import RAW_ASSETS, raw_conversations
from emulator import EmulatorConfig, EmulatorHandle, running_emulator
from pipelines.lake import Lake
from pipelines.resources import API_KEY_ENV_VAR, ElevenLabsResource, LakeResource

TODAY = dt.date(2026, 3, 10)
YESTERDAY = TODAY - dt.timedelta(days=1)
KEY = "sk_test_raw_layer"


@dataclass
class RawRun:
    """An emulator and a lake, with a way to materialize raw assets for a day."""

    emulator: EmulatorHandle
    lake: Lake

    def resources(self, **client: Any) -> dict[str, Any]:
        return {
            "lake": LakeResource(lake_dir=str(self.lake.root)),
            "elevenlabs": ElevenLabsResource(
                api_key=dg.EnvVar(API_KEY_ENV_VAR), base_url=self.emulator.base_url, **client
            ),
        }

    def day(self, day: dt.date = YESTERDAY, **client: Any) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [raw_conversations],
            partition_key=day.isoformat(),
            resources=self.resources(**client),
            raise_on_error=False,
        )

    def catalogue(self) -> dg.ExecuteInProcessResult:
        return dg.materialize(RAW_ASSETS[1:], resources=self.resources())

    def route(self, name: str) -> int:
        """Requests the emulator has answered on route `name` so far."""
        return self.route_status(name, "requests")

    def route_status(self, name: str, status: str) -> int:
        """Answers with `status` on route `name` so far ("requests": all of them)."""
        routes: dict[str, dict[str, int]] = self.emulator.stats()["routes"]
        return routes.get(name, {}).get(status, 0)


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    """The metadata values of the last materialization of `raw/<asset>` in `result`."""
    key = dg.AssetKey(["raw", asset])
    events = [
        e.step_materialization_data.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == key
    ]
    return {k: v.value for k, v in events[-1].metadata.items()}


@pytest.fixture
def raw_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`raw_run(config)` starts an emulator (with the test key) and returns a RawRun."""
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    with contextlib.ExitStack() as stack:

        def start(config: EmulatorConfig) -> RawRun:
            emulator = stack.enter_context(running_emulator(config))
            return RawRun(emulator, Lake(tmp_path / "lake"))

        yield start


def config(**overrides: Any) -> EmulatorConfig:
    settings: dict[str, Any] = {
        "seed": 5,
        "agents": 2,
        "conversations_per_day": 30,
        "days": 2,
        "today": TODAY,
        "api_key": KEY,
        "pending_per_agent": 0,
    }
    return EmulatorConfig(**{**settings, **overrides})

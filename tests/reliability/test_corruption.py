"""Files damaged after they were published (a disk error, a copy cut short, a stray edit):
each is detected with a message naming it, its rows are never silently dropped, and the next
run of its day repairs it (raw: refetched from the API; Parquet and warehouse: rebuilt).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.normalised.assets import normalised_day
from assets.warehouse.assets import warehouse
from assets.warehouse.build import WAREHOUSE_FILE
from emulator import EmulatorConfig, EmulatorHandle, running_emulator
from pipelines.resources import API_KEY_ENV_VAR
from tests.reliability.harness import (
    KEY,
    assert_equals_truth,
    materializations,
    materialize_days,
    resources,
    temp_files,
    warehouse_digest,
)
from tests.warehouse.compare import read_table

TODAY = dt.date(2026, 4, 15)
DAYS = [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1)]
DAY = DAYS[-1]


@dataclass
class Lake:
    emulator: EmulatorHandle
    root: Path

    def run(self, assets: list[dg.AssetsDefinition], day: dt.date | None = DAY) -> Run:
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            assets,
            partition_key=None if day is None else day.isoformat(),
            resources=resources(self.emulator, self.root),
            instance=instance,
            raise_on_error=False,
        )
        logs = [entry.user_message for entry in instance.all_logs(result.run_id)]
        return Run(result, logs)

    def graph(self, day: dt.date = DAY) -> Run:
        instance = dg.DagsterInstance.ephemeral()
        [result] = materialize_days(self.emulator, self.root, [day], instance=instance)
        return Run(result, [entry.user_message for entry in instance.all_logs(result.run_id)])

    def quarantined(self, table: str = "conversations") -> pl.DataFrame:
        path = self.root / f"quarantine/{table}/date={DAY}/part-0.parquet"
        return pl.read_parquet(path) if path.exists() else pl.DataFrame()

    def conversations(self) -> int:
        _, rows = read_table(self.root / WAREHOUSE_FILE, "conversations")
        return len(rows)


@dataclass
class Run:
    result: dg.ExecuteInProcessResult
    logs: list[str]

    def error(self) -> str:
        """Every message of the first failed step's error chain, joined."""
        failure = next(e for e in self.result.all_events if e.is_step_failure)
        assert failure.step_failure_data is not None
        error, messages = failure.step_failure_data.error, []
        while error is not None:
            messages.append(error.message)
            error = error.cause
        return "\n".join(messages)


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmulatorHandle, Path]]:
    """An emulator that keeps serving, and a lake synced from it for DAYS."""
    config = EmulatorConfig(
        seed=14,
        agents=3,
        conversations_per_day=20,
        days=len(DAYS),
        today=TODAY,
        api_key=KEY,
        pending_per_agent=0,
    )
    root = tmp_path_factory.mktemp("synced")
    with pytest.MonkeyPatch.context() as patch, running_emulator(config) as emulator:
        patch.setenv(API_KEY_ENV_VAR, KEY)
        assert all(r.success for r in materialize_days(emulator, root, DAYS))
        yield emulator, root


@pytest.fixture
def lake(
    synced: tuple[EmulatorHandle, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Lake:
    """A copy of the synced lake, for one test to damage."""
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    emulator, root = synced
    shutil.copytree(root, tmp_path / "lake")
    return Lake(emulator, tmp_path / "lake")


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_truncated_raw_part_is_named_and_its_conversations_fetched_again(lake: Lake) -> None:
    relative = f"raw/conversations/date={DAY}/part-00000001.ndjson.zst"
    total = lake.conversations()
    cut_in_half(lake.root / relative)

    # Normalising the damaged day alone: the partition carries on, the break is quarantined
    # under the file's name, so the rows it cost are accounted for, not silently gone.
    alone = lake.run([normalised_day])
    assert alone.result.success
    quarantine = lake.quarantined()
    breaks = quarantine.filter(pl.col("raw_path") == relative)
    assert breaks.height == 1, quarantine
    assert "truncated zstd file part-00000001.ndjson.zst" in breaks["reason"][0]

    # The next run of the day repairs the part and fetches what it lost.
    rerun = lake.graph()
    assert rerun.result.success
    assert any(f"repaired {relative} (truncated zstd file" in log for log in rerun.logs)
    fetched = materializations(rerun.result)["raw/conversations"]
    assert fetched["files_repaired"] == 1
    assert fetched["fetched"] > 0
    assert lake.quarantined().is_empty()
    assert lake.conversations() == total
    assert_equals_truth(lake.emulator, lake.root, DAYS)


def test_a_truncated_listing_is_named_and_listed_again(lake: Lake) -> None:
    relative = f"raw/conversation_pages/date={DAY}/listing.ndjson.zst"
    before = warehouse_digest(lake.root / WAREHOUSE_FILE)
    cut_in_half(lake.root / relative)

    alone = lake.run([normalised_day])
    assert alone.result.success
    breaks = lake.quarantined().filter(pl.col("raw_path") == relative)
    assert breaks.height == 1
    assert "listing.ndjson.zst" in breaks["reason"][0]

    assert lake.graph().result.success
    assert lake.quarantined().is_empty()
    assert warehouse_digest(lake.root / WAREHOUSE_FILE) == before
    assert_equals_truth(lake.emulator, lake.root, DAYS)


def test_a_broken_parquet_file_is_named_and_rebuilt_by_its_days_next_run(lake: Lake) -> None:
    before = warehouse_digest(lake.root / WAREHOUSE_FILE)
    damaged = DAYS[0]
    relative = f"parquet/conversations/date={damaged}/part-0.parquet"
    cut_in_half(lake.root / relative)

    # Any warehouse build now refuses to publish, naming the file and the way to rebuild it;
    # the published warehouse stays as it was (no rows of that day go missing from it).
    refused = lake.run([warehouse], day=None)
    assert not refused.result.success
    message = refused.error()
    assert f"{relative} is unreadable" in message
    assert f"convai-lake sync --start {damaged} --end {damaged}" in message
    assert warehouse_digest(lake.root / WAREHOUSE_FILE) == before

    # The day's next run rebuilds its Parquet from the raw lake, with no API detail request.
    details = lake.emulator.stats()["routes"]["conversations.get"]["requests"]
    assert lake.graph(damaged).result.success
    assert lake.emulator.stats()["routes"]["conversations.get"]["requests"] == details
    assert warehouse_digest(lake.root / WAREHOUSE_FILE) == before
    assert_equals_truth(lake.emulator, lake.root, DAYS)
    assert not temp_files(lake.root)


def test_a_damaged_warehouse_file_is_rebuilt_whole(lake: Lake) -> None:
    before = warehouse_digest(lake.root / WAREHOUSE_FILE)
    (lake.root / WAREHOUSE_FILE).write_bytes(b"not a duckdb file\n" * 4096)
    rebuilt = lake.run([warehouse], day=None)
    assert rebuilt.result.success
    assert materializations(rebuilt.result)["warehouse/agent_metrics"]["full_rebuild"] is True
    assert warehouse_digest(lake.root / WAREHOUSE_FILE) == before
    assert_equals_truth(lake.emulator, lake.root, DAYS)

"""`convai-lake sync` into `s3://bucket/lake` on a real local S3 server, end to end.

The warehouse read back from the bucket equals the emulator's ground truth; a rerun downloads
nothing; a machine with an empty working copy rebuilds from the store without fetching a
conversation again; `convai-lake sql` answers from the published warehouse.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from emulator import AGENT_COLUMNS, AGENT_DAILY_COLUMNS, EmulatorConfig, running_emulator
from emulator.server import EmulatorHandle
from pipelines.commands.sync import sync
from pipelines.object_store import open_store
from pipelines.settings import Settings, load_settings
from tests.object_store.conftest import S3Server, keys
from tests.warehouse.compare import assert_same_rows, read_table

KEY = "sk_object_store"
TODAY = dt.date(2026, 5, 20)
DAYS = [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1)]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    config = EmulatorConfig(
        seed=7,
        agents=3,
        conversations_per_day=12,
        days=len(DAYS) + 1,
        today=TODAY,
        api_key=KEY,
        pending_per_agent=0,  # in-progress conversations are refetched by design
    )
    with running_emulator(config) as handle:
        yield handle


def _env(emulator: EmulatorHandle, url: str, cache: Path) -> dict[str, str]:
    return {
        "ELEVENLABS_BASE_URL": emulator.base_url,
        "ELEVENLABS_API_KEY": KEY,
        "CONVAI_LAKE_DIR": url,
        "CONVAI_CACHE_DIR": str(cache),
        "CONVAI_LOOKBACK_DAYS": "0",
    }


def _sync(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, home: Path) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    settings = load_settings()
    quiet = Console(file=io.StringIO())
    assert sync(settings, DAYS, quiet, quiet) == 0, quiet.file.getvalue()  # type: ignore[attr-defined]
    return settings


_SNAPSHOT = re.compile(r"lake/raw/(agents|tools|knowledge_base)/snapshot=[0-9TZ]+/")


def _versions(server: S3Server, bucket: str) -> dict[str, tuple[str, object]]:
    """Every object's ETag and last-modified time, as S3 lists them."""
    pages = server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: (o["ETag"], o["LastModified"]) for p in pages for o in p.get("Contents", [])}


def _details(emulator: EmulatorHandle) -> int:
    return int(emulator.stats()["routes"]["conversations.get"]["requests"])


def _assert_warehouse_is_truth(path: Path, emulator: EmulatorHandle) -> None:
    columns, rows = read_table(path, "agent_daily_metrics")
    assert tuple(columns) == AGENT_DAILY_COLUMNS
    assert_same_rows(
        rows, emulator.truth.agent_daily_metrics(DAYS[0], DAYS[-1]), ("agent_id", "start_date")
    )
    columns, rows = read_table(path, "agent_metrics")
    assert tuple(columns) == AGENT_COLUMNS
    assert_same_rows(rows, emulator.truth.agent_metrics(DAYS[0], DAYS[-1]), ("agent_id",))


@pytest.mark.slow  # three syncs and a CLI query: about three minutes on 2 cores
def test_sync_into_s3_then_rerun_then_another_machine(
    s3_server: S3Server,
    bucket: str,
    emulator: EmulatorHandle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"s3://{bucket}/lake"
    store = open_store(url)
    env = _env(emulator, url, tmp_path / "cache")
    settings = _sync(env, monkeypatch, tmp_path / "dagster")

    stored = keys(s3_server, bucket, "lake/")
    for day in DAYS:
        assert any(k.startswith(f"lake/raw/conversations/date={day}/part-") for k in stored)
        assert f"lake/parquet/conversations/date={day}/part-0.parquet" in stored
        assert any(k.startswith(f"lake/audio/date={day}/") for k in stored)
    assert "lake/warehouse.duckdb" in stored
    assert not any("/." in k for k in stored)  # no temporary file, state or lock was uploaded

    published = tmp_path / "downloaded.duckdb"
    s3_server.client().download_file(bucket, "lake/warehouse.duckdb", str(published))
    _assert_warehouse_is_truth(published, emulator)

    # A rerun on the same machine: no conversation fetched again, nothing downloaded, and
    # no object rewritten but the catalogue snapshot the raw layer takes on every run.
    details, before, objects = (
        _details(emulator),
        store.requests.copy(),
        _versions(s3_server, bucket),
    )
    _sync(env, monkeypatch, tmp_path / "dagster")
    rerun = store.requests - before
    assert _details(emulator) == details
    assert rerun["get"] == 0, rerun
    assert rerun["list"] > 0
    after = _versions(s3_server, bucket)
    changed = {k for k in after if after[k] != objects.get(k)}
    assert changed, "the catalogue is snapshotted again"
    assert all(_SNAPSHOT.match(k) for k in changed), sorted(changed)
    assert objects.keys() <= after.keys()

    # Another machine (an empty working copy): the raw lake comes from the store, so again
    # no conversation is fetched, and its warehouse is the same.
    other = _env(emulator, url, tmp_path / "other-cache")
    other_settings = _sync(other, monkeypatch, tmp_path / "other-dagster")
    assert _details(emulator) == details
    assert other_settings.lake_dir != settings.lake_dir
    _assert_warehouse_is_truth(other_settings.warehouse_path, emulator)

    # `convai-lake sql` on a third machine fetches the published warehouse and queries it.
    third = _env(emulator, url, tmp_path / "third-cache")
    query = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "sql",
            "SELECT sum(conversations) AS n FROM agent_daily_metrics",
            "--format",
            "csv",
        ],
        env={**os.environ, **third},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert query.returncode == 0, query.stderr
    expected = sum(
        r["conversations"] for r in emulator.truth.agent_daily_metrics(DAYS[0], DAYS[-1])
    )
    assert query.stdout.splitlines() == ["n", str(expected)]

"""A canary API key, run through the whole pipeline, shows up nowhere but its header.

The key goes through `convai-lake sync` (the CLI's `main`, in this process so that its log
records can be caught too: two days, against an emulator that spoils a fifth of all
attempts, so retries, their log lines and their metadata happen), then a wrong canary key
(a 401) the same way. Afterwards every byte the runs left is searched: each lake file as
stored and decoded (zstd NDJSON, Parquet, the DuckDB warehouse), the Dagster instance's run
and event storage and compute logs in `<lake>/.dagster` (failures and their exception text
included), what was written to stdout and stderr, every log record, and the reprs of the
resource and the client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import sqlite3
from pathlib import Path

import duckdb
import polars as pl
import pytest

from emulator import EmulatorConfig, FaultConfig, running_emulator
from pipelines.client import ApiClient
from pipelines.lake import Lake
from pipelines.ndjson_zst import open_lines
from pipelines.resources import API_KEY_ENV_VAR, ElevenLabsResource
from pipelines.settings import Secret, load_settings
from tests.reliability.harness import sync_args
from tests.reliability.privacy_harness import convai_lake_here, find_everywhere

TODAY = dt.date(2026, 4, 20)
DAYS = [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1)]
# Distinctive and new on every run, so no earlier run's files can hide a leak or fake one.
CANARY = f"sk_canary_{secrets.token_hex(12)}"
WRONG = f"sk_canary_wrong_{secrets.token_hex(12)}"
FAULTS = FaultConfig(
    rate_429=0.04,
    retry_after_secs=0,
    rate_5xx=0.04,
    rate_reset=0.04,
    rate_truncate=0.04,
    rate_malformed=0.04,
    max_faults_per_request=1,  # retries, but short waits between them
)


def test_the_scan_finds_a_key_in_every_format(tmp_path: Path) -> None:
    """The search below is only worth something if it sees into compressed files."""
    lake = Lake(tmp_path)
    with open_lines(lake, "raw/x.ndjson.zst") as lines:
        lines.write(f'{{"key": "{CANARY}"}}'.encode() * 50)
    pl.DataFrame({"k": [CANARY] * 1000}).write_parquet(tmp_path / "k.parquet", compression="zstd")
    with contextlib.closing(duckdb.connect(str(tmp_path / "k.duckdb"))) as con:
        con.execute("CREATE TABLE t AS SELECT ? || range AS k FROM range(5000)", [CANARY])
    with contextlib.closing(sqlite3.connect(tmp_path / "k.db")) as db, db:
        db.execute("CREATE TABLE t (k TEXT)")
        db.execute("INSERT INTO t VALUES (?)", [CANARY])
    (tmp_path / "log.txt").write_text(f"GET /x?xi-api-key={CANARY}")
    hits = find_everywhere(CANARY, tmp_path)
    for name, how in [
        ("x.ndjson.zst", "zstd"),
        ("k.parquet", "parquet"),
        ("k.duckdb", "duckdb"),
        ("k.db", "bytes"),
        ("log.txt", "bytes"),
    ]:
        assert any(hit.endswith(f"{name} ({how})") for hit in hits), (name, hits)


def test_the_key_is_nowhere_after_syncs_with_faults_retries_and_a_401(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    config = EmulatorConfig(
        seed=11,
        agents=2,
        conversations_per_day=6,
        days=3,
        today=TODAY,
        api_key=CANARY,
        faults=FAULTS,
        pending_per_agent=0,
    )
    lake = tmp_path / "lake"
    with running_emulator(config) as emulator:
        for name, value in {
            "ELEVENLABS_BASE_URL": emulator.base_url,
            API_KEY_ENV_VAR: CANARY,
            "CONVAI_LAKE_DIR": str(lake),
            "DAGSTER_HOME": "",  # the run history goes to <lake>/.dagster, searched below
        }.items():
            monkeypatch.setenv(name, value)
        assert convai_lake_here(*sync_args(DAYS)) == 0, capfd.readouterr().err
        synced = capfd.readouterr()
        monkeypatch.setenv(API_KEY_ENV_VAR, WRONG)
        assert convai_lake_here(*sync_args(DAYS)) == 1
        rejected = capfd.readouterr()
        resource = ElevenLabsResource.from_settings(load_settings())
        client = ApiClient(base_url=emulator.base_url, api_key=Secret(CANARY))
        stats = emulator.stats()

    assert "401" in rejected.err
    faults = sum(
        count
        for route in stats["routes"].values()
        for column, count in route.items()
        if column.startswith("fault:")
    )
    assert faults > 0, "no fault was injected: retries went untested"
    assert any("retrying" in record.getMessage() for record in caplog.records)
    assert list((lake / ".dagster").rglob("*.db")), "the run history is there to search"
    assert (lake / "warehouse.duckdb").is_file()
    shown = [
        *synced,
        *rejected,
        caplog.text,
        *(repr(vars(record)) for record in caplog.records),
        repr(resource),
        str(resource),
        repr(client),
    ]
    for key in (CANARY, WRONG):
        assert find_everywhere(key, tmp_path) == []
        assert [text for text in shown if key in text] == []

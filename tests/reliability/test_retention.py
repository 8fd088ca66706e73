"""Retention (`CONVAI_RETENTION_DAYS`): recordings and transcript text of old days go, the
metrics stay.

Three days are synced from the emulator; retention with N = 1 and a lookback of 1 day then
runs as its Dagster asset. The day before the lookback window loses its recordings and every
word said (no transcript message of it survives in any byte of the lake), the two days of the
window keep both although one is older than N days, and every warehouse table reads the same
but for the cleared columns. A second pass finds nothing to do; a sync of the expired day
fetches no recording and leaves its tables untouched (re-normalising its redacted raw files
would lose metrics); a conversation of the expired day can still be erased.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl
import pytest

from assets.normalised.assets import NORMALISED_ASSETS, normalised_day
from assets.raw.assets import RAW_ASSETS, raw_conversations
from assets.raw.forgotten import FORGOTTEN_FILE
from assets.warehouse.assets import warehouse
from assets.warehouse.build import WAREHOUSE_FILE
from assets.warehouse.sql_files import WAREHOUSE_TABLES
from emulator import EmulatorConfig, EmulatorHandle, running_emulator
from pipelines.resources import API_KEY_ENV_VAR, LakeResource, RetentionResource
from pipelines.retention import CLEARED, expire_old_days
from tests.reliability.harness import KEY, materializations, resources
from tests.reliability.privacy_harness import convai_lake_here, find_everywhere

TODAY = dt.datetime.now(dt.UTC).date()
DAYS = [TODAY - dt.timedelta(days=n) for n in range(3, 0, -1)]
LOOKBACK = 1
EXPIRED, KEPT = DAYS[:1], DAYS[1:]  # N = 1, but the lookback window (1 + yesterday) stays
CATALOGUE_AND_WAREHOUSE = [*RAW_ASSETS[1:], NORMALISED_ASSETS[1], warehouse]


def sync_days(emulator: EmulatorHandle, lake: Path, days: list[dt.date]) -> None:
    """Each day's raw and normalised data."""
    for day in days:
        result = dg.materialize(
            [raw_conversations, normalised_day],
            partition_key=day.isoformat(),
            resources=resources(emulator, lake),
        )
        assert result.success


def expire(lake: Path) -> dict[str, Any]:
    """One retention pass as its asset runs it; its metadata."""
    result = dg.materialize(
        [expire_old_days],
        resources={
            "lake": LakeResource(lake_dir=str(lake)),
            "retention": RetentionResource(days=1, lookback_days=LOOKBACK),
        },
    )
    return materializations(result)["maintenance/retention"]


def digest(lake: Path) -> dict[str, str]:
    """A content hash of every warehouse table but the columns retention clears."""
    digests = {}
    with contextlib.closing(duckdb.connect(str(lake / WAREHOUSE_FILE), read_only=True)) as con:
        for table in (t.name for t in WAREHOUSE_TABLES):
            cleared = ", ".join(CLEARED.get(table, ()))
            query = f"SELECT * EXCLUDE ({cleared}) FROM {table}" if cleared else f"FROM {table}"
            rows = sorted(repr(row) for row in con.execute(query).fetchall())
            digests[table] = f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()}"
    return digests


def parquet_files(lake: Path, day: dt.date) -> dict[str, bytes]:
    """The day's Parquet and quarantine files, by path."""
    found = [*lake.glob(f"parquet/*/date={day}/*"), *lake.glob(f"quarantine/*/date={day}/*")]
    return {str(path): path.read_bytes() for path in found}


def turns(lake: Path, day: dt.date) -> pl.DataFrame:
    return pl.read_parquet(lake / f"parquet/transcript_turns/date={day}/part-0.parquet")


def recordings(lake: Path, day: dt.date) -> list[Path]:
    return sorted((lake / f"audio/date={day}").glob("*.mp3"))


def messages(lake: Path, days: list[dt.date]) -> set[str]:
    """What was said on `days`, in messages long enough to be found only where they are."""
    said = pl.concat(turns(lake, day) for day in days)["message"]
    return set(said.filter(said.str.len_chars() > 30).to_list())


def test_retention_removes_text_and_recordings_and_keeps_the_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    config = EmulatorConfig(
        seed=31,
        agents=2,
        conversations_per_day=4,
        days=len(DAYS),
        today=TODAY,
        api_key=KEY,
        pending_per_agent=0,
    )
    lake = tmp_path / "lake"
    with running_emulator(config) as emulator:
        sync_days(emulator, lake, DAYS)
        graph = resources(emulator, lake)
        assert dg.materialize(CATALOGUE_AND_WAREHOUSE, resources=graph).success
        before = digest(lake)
        kept_said = messages(lake, KEPT)
        # Some phrases recur on every day: look for those said on the expired days alone.
        expired_said = sorted(messages(lake, EXPIRED) - kept_said)[:5]
        assert expired_said
        assert all(recordings(lake, day) for day in DAYS)

        report = expire(lake)
        assert report["days_expired"] == len(EXPIRED)
        assert report["first_kept_day"] == str(KEPT[0])
        assert report["warehouse_rebuilt"] is True
        assert digest(lake) == before
        for day in EXPIRED:
            assert recordings(lake, day) == []
            assert turns(lake, day)["message"].null_count() == turns(lake, day).height
        for message in expired_said:
            assert find_everywhere(message, lake) == [], message
        assert messages(lake, KEPT) == kept_said
        assert all(recordings(lake, day) for day in KEPT)

        assert expire(lake)["days_expired"] == 0

        # A sync of an expired day fetches no recording and leaves its tables as they are.
        expired_files = parquet_files(lake, EXPIRED[0])
        sync_days(emulator, lake, EXPIRED)
    assert recordings(lake, EXPIRED[0]) == []
    assert parquet_files(lake, EXPIRED[0]) == expired_files

    # Erasure still works on a day whose raw text is gone (the CLI's `main`, in this process).
    erased = turns(lake, EXPIRED[0])["conversation_id"][0]
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(lake))
    assert convai_lake_here("forget", erased) == 0
    assert "day past retention" in capsys.readouterr().out
    assert find_everywhere(erased, lake) == [f"{lake / FORGOTTEN_FILE} (bytes)"]

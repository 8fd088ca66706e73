"""`convai-lake forget ID...` erases conversations from the whole lake, for good.

A day is synced from the emulator (the whole graph under `dg.materialize`); one conversation
with a recording and one with a quarantined record besides its detail are erased through the
real CLI in a subprocess, with an id the lake never held. Afterwards neither id is in any byte
of the lake (raw list pages and details, recordings, Parquet, quarantine, the warehouse) but
the tombstone, and the unknown one is reported; the sync that follows does not bring them
back, though the emulator still serves them, and reports a conversation deleted in the
emulator meanwhile (it answers 404 there); a second erasure is harmless.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import polars as pl
import pytest

from assets.raw.forgotten import FORGOTTEN_FILE
from assets.raw.listing import LIST_PATH, day_bounds
from assets.raw.stored import numbered_file
from assets.warehouse.build import WAREHOUSE_FILE
from emulator import EmulatorConfig, EmulatorHandle, running_emulator
from pipelines.lake import Lake
from pipelines.ndjson_zst import open_lines
from pipelines.resources import API_KEY_ENV_VAR
from tests.reliability.harness import (
    KEY,
    cli_env,
    convai_lake,
    materializations,
    materialize_days,
)
from tests.reliability.privacy_harness import convai_lake_here, delete_upstream, find_everywhere
from tests.warehouse.compare import read_table

TODAY = dt.date(2026, 5, 12)
DAY = TODAY - dt.timedelta(days=1)
UNKNOWN = "conv_never_heard_of_it"


def conversations(lake: Path, day: dt.date) -> pl.DataFrame:
    return pl.read_parquet(lake / f"parquet/conversations/date={day}/part-0.parquet")


def listed_upstream(emulator: EmulatorHandle, day: dt.date) -> list[str]:
    """The ids of the day's conversations, as the emulator lists them."""
    start, end = day_bounds(day)
    response = httpx.get(
        f"{emulator.base_url}{LIST_PATH}",
        params={"call_start_after_unix": start, "call_start_before_unix": end, "page_size": 100},
        headers={"xi-api-key": KEY},
    )
    response.raise_for_status()
    return [item["conversation_id"] for item in response.json()["conversations"]]


def plant_rejected(lake: Lake, day: dt.date, conversation_id: str) -> None:
    """A detail of `conversation_id` that ingestion could not use, recorded as the raw layer
    does, so that the day's quarantine holds a record about it."""
    line = {"conversation_id": conversation_id, "reason": "not JSON", "body": "<html>oops"}
    with open_lines(lake, numbered_file(day, "rejected", 1)) as lines:
        lines.write(json.dumps(line).encode())


def leftovers(conversation_id: str, lake: Path) -> list[str]:
    """Where `conversation_id` is still found, the tombstone aside."""
    return [hit for hit in find_everywhere(conversation_id, lake) if FORGOTTEN_FILE not in hit]


def warehouse_conversations(lake: Path) -> list[str]:
    _, rows = read_table(lake / WAREHOUSE_FILE, "conversations")
    return sorted(row["conversation_id"] for row in rows)


def test_forget_erases_everywhere_and_for_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    config = EmulatorConfig(
        seed=23,
        agents=2,
        conversations_per_day=6,
        days=2,
        today=TODAY,
        api_key=KEY,
        pending_per_agent=0,
    )
    lake = tmp_path / "lake"
    with running_emulator(config) as emulator:
        quarantined = listed_upstream(emulator, DAY)[0]
        plant_rejected(Lake(lake), DAY, quarantined)
        assert all(r.success for r in materialize_days(emulator, lake, [DAY]))
        others = conversations(lake, DAY).filter(pl.col("conversation_id") != quarantined)
        with_audio = others.filter(pl.col("audio_path").is_not_null())
        recorded, audio = with_audio.select("conversation_id", "audio_path").row(0)
        deleted = others.filter(pl.col("conversation_id") != recorded)["conversation_id"][0]
        for cid in (recorded, quarantined):  # the test is worth something only if they are
            assert len(find_everywhere(cid, lake)) >= 4, cid
        assert (lake / audio).is_file()
        assert find_everywhere(quarantined, lake / "quarantine")
        before = warehouse_conversations(lake)

        env = cli_env(emulator, lake)
        erased = convai_lake("forget", recorded, quarantined, UNKNOWN, env=env)
        assert erased.returncode == 0, erased.stderr
        assert f"not found in the lake: {UNKNOWN}" in erased.stdout
        assert f"removed  {audio}: removed" in erased.stdout
        assert "warehouse.duckdb" in erased.stdout
        assert (lake / FORGOTTEN_FILE).read_text().split() == sorted(
            [recorded, quarantined, UNKNOWN]
        )
        for cid in (recorded, quarantined):
            assert leftovers(cid, lake) == [], cid
        assert warehouse_conversations(lake) == sorted(set(before) - {recorded, quarantined})

        # The next sync skips them, though the emulator still lists and serves them; and it
        # reports the conversation deleted upstream since (it answers 404 there now).
        delete_upstream(emulator, KEY, deleted)
        [later] = materialize_days(emulator, lake, [DAY])
    assert later.success
    raw = materializations(later)["raw/conversations"]
    assert raw["forgotten"] == 2
    assert (raw["deleted_upstream"], raw["deleted_upstream_ids"]) == (1, [deleted])
    for cid in (recorded, quarantined):
        assert leftovers(cid, lake) == [], cid
    assert warehouse_conversations(lake) == sorted(set(before) - {recorded, quarantined})

    # Erasing again is harmless (the CLI's `main`, in this process).
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(lake))
    assert convai_lake_here("forget", recorded, quarantined) == 0
    again = capsys.readouterr().out
    assert not [line for line in again.splitlines() if line.startswith("removed")]
    assert "0 newly recorded" in again

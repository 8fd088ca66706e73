"""Ids that would escape the lake are refused before they touch the filesystem, and reported
while the run goes on.

Every shape of hostile id the emulator serves (`../`, absolute paths, NUL, backslashes, query
strings, 300 characters) is refused by `safe_id`, and by `forget` before it writes anything.
Then the whole graph runs a day against an emulator that hands out hostile ids: it succeeds,
reports the ids it refused, writes nothing outside the lake and no file named after them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from emulator import EmulatorConfig, running_emulator
from pipelines.forget import forget
from pipelines.lake import Lake, UnsafeIdError, safe_id
from pipelines.resources import API_KEY_ENV_VAR
from tests.reliability.harness import (
    KEY,
    assert_equals_truth,
    materializations,
    materialize_days,
)
from tests.reliability.privacy_harness import convai_lake_here, files_under
from tests.warehouse.compare import read_table

PLAIN_NAME = re.compile(r"[A-Za-z0-9_.=\-]{1,120}")
HOSTILE = {
    "parent": "../../etc/passwd",
    "parent_inside": "conv_1/../../x",
    "absolute": "/etc/passwd",
    "subdirectory": "a/b",
    "nul": "conv_1\x00.mp3",
    "backslashes": "..\\..\\windows",
    "query": "q?x=1#frag",
    "hidden": ".hidden",
    "dots": "..",
    "empty": "",
    "too_long": "c" * 201,
    "not_ascii": "conv_é",
    "newline": "conv_1\n",
}


@pytest.mark.parametrize("bad", HOSTILE.values(), ids=HOSTILE.keys())
def test_unsafe_ids_are_refused_before_the_lake_is_touched(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafeIdError, match="not usable as a file name"):
        safe_id(bad)
    lake = tmp_path / "lake"
    with pytest.raises(UnsafeIdError):
        forget(Lake(lake), ["conv_fine", bad])
    assert not lake.exists(), "nothing was written, not even the tombstone"


@pytest.mark.parametrize(
    "good", ["conv_01k05y7r2d9e8f7g6h5j4k3m2n", "hTwP6TgapJKas2oJxX6d", "a" * 200]
)
def test_real_ids_are_accepted(good: str) -> None:
    assert safe_id(good) == good


def test_a_lake_path_cannot_leave_the_lake(tmp_path: Path) -> None:
    with pytest.raises(UnsafeIdError, match="leaves the lake"):
        Lake(tmp_path / "lake").path("audio/../../outside.mp3")


def test_the_cli_refuses_an_unsafe_id_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(lake))
    with pytest.raises(SystemExit) as refused:
        convai_lake_here("forget", "conv_fine", "../../etc/passwd")
    assert refused.value.code == 2
    assert "unsafe conversation id '../../etc/passwd'" in capsys.readouterr().err
    assert not lake.exists()


def test_a_day_with_hostile_ids_lands_the_rest_and_reports_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    today = dt.date(2026, 6, 20)
    day = today - dt.timedelta(days=1)
    config = EmulatorConfig(
        seed=9,
        agents=2,
        conversations_per_day=10,
        days=1,
        today=today,
        api_key=KEY,
        hostile_id_rate=0.3,
        pending_per_agent=0,
    )
    lake = tmp_path / "lake"
    with running_emulator(config) as emulator:
        [result] = materialize_days(emulator, lake, [day])
        served = emulator.truth.observed(day, day)
        assert result.success
        pages = materializations(result)["raw/conversation_pages"]
        refused = pages["unsafe_ids_rejected"]
        assert 0 < refused < len(served)
        assert len(pages["unsafe_ids"]) == refused
        assert pages["conversations_listed"] + refused == len(served)
        assert (
            materializations(result)["raw/conversations"]["fetched"]
            == pages["conversations_listed"]
        )

        # Nothing outside the lake; no name in it came from an id that was refused.
        assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]
        for path in files_under(lake):
            parts = path.relative_to(lake).parts
            assert all(PLAIN_NAME.fullmatch(part) for part in parts), path
        # A refused conversation keeps what its list item says (no detail, no recording), so the
        # day's metrics still count it.
        _, rows = read_table(lake / "warehouse.duckdb", "conversations")
        unsafe = [row for row in rows if not PLAIN_NAME.fullmatch(row["conversation_id"])]
        assert len(unsafe) == refused
        assert all(row["audio_path"] is None for row in unsafe)
        assert_equals_truth(emulator, lake, [day])

"""A day of conversations into the raw lake: listing, details, audio, both dialects."""

from __future__ import annotations

import datetime as dt
from typing import Any

import mutagen.mp3
import pytest

from assets.raw.listing import listing_file
from assets.raw.stored import stored_details
from pipelines.ndjson_zst import read_lines
from tests.raw.conftest import TODAY, YESTERDAY, config, metadata


@pytest.mark.parametrize("dialect", ["elevenlabs", "seed"])
def test_a_day_lands_whole_in_both_dialects(raw_run: Any, dialect: str) -> None:
    run = raw_run(config(dialect=dialect))
    result = run.day()
    assert result.success

    stored = stored_details(run.lake, YESTERDAY).latest
    assert len(stored) == 2 * 30
    assert all(detail.is_final for detail in stored.values())
    listed = metadata(result, "conversations")
    assert (listed["conversations_listed"], listed["fetched"], listed["failed"]) == (60, 60, 0)
    assert metadata(result, "conversation_pages")["dialect"] == dialect

    recordings = sorted(run.lake.glob(f"audio/date={YESTERDAY}", "*.mp3"))
    assert len(recordings) == run.route_status("conversations.audio", "200") > 0
    assert metadata(result, "audio")["recordings_downloaded"] == len(recordings)
    if dialect == "elevenlabs":  # the real API says which conversations have a recording
        assert {p.stem for p in recordings} == {i for i, d in stored.items() if d.has_audio}
    for path in recordings[:5]:
        length: float = mutagen.mp3.MP3(path).info.length  # type: ignore[no-untyped-call,attr-defined]
        assert length > 0


def test_pages_are_kept_as_received(raw_run: Any) -> None:
    run = raw_run(config(agents=1, conversations_per_day=250))
    assert run.day().success
    pages = read_lines(run.lake.path(listing_file(YESTERDAY)))
    assert pages.broken is None
    assert len(pages.lines) == 3  # 250 items at page_size 100
    assert run.route("conversations.list") == 3


@pytest.mark.parametrize("dialect", ["elevenlabs", "seed"])
def test_a_day_of_exactly_one_page(raw_run: Any, dialect: str) -> None:
    run = raw_run(config(agents=1, conversations_per_day=100, dialect=dialect))
    result = run.day()
    assert result.success
    assert metadata(result, "conversations")["fetched"] == 100
    assert len(stored_details(run.lake, YESTERDAY).latest) == 100


@pytest.mark.parametrize("dialect", ["elevenlabs", "seed"])
def test_an_empty_day(raw_run: Any, dialect: str) -> None:
    run = raw_run(config(days=2, dialect=dialect))
    empty_day = TODAY - dt.timedelta(days=5)  # before the emulator's first day
    result = run.day(empty_day)
    assert result.success
    assert metadata(result, "conversations")["conversations_listed"] == 0
    assert stored_details(run.lake, empty_day).latest == {}
    assert run.route("conversations.get") == 0


def test_seed_paging_stops_past_the_day(raw_run: Any) -> None:
    run = raw_run(config(dialect="seed", agents=1, conversations_per_day=100, days=4))
    oldest = TODAY - dt.timedelta(days=4)
    assert run.day(YESTERDAY).success
    newest_pages = run.route("conversations.list")
    assert run.day(oldest).success
    assert len(stored_details(run.lake, oldest).latest) == 100
    # The seed dialect has no time filter: the oldest day pages through the newer ones,
    # the newest stops one page past its own.
    assert newest_pages <= 2
    assert run.route("conversations.list") - newest_pages >= 4

"""Synthetic data: exact volumes, batches reproducible on their own, and the realistic mixes
issue 3 asks for (statuses, outcomes, languages, tools, interruptions, ids, edges)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import sentiment
from emulator.model import Conversation
from emulator.phrases import VOICES
from emulator.plan import plan_batch
from emulator.world import World
from tests.emulator.conftest import make_config


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    config = make_config(seed=5, agents=6, conversations_per_day=20, days=10)
    built = World(config, tmp_path_factory.mktemp("world"))
    yield built
    built.close()


@pytest.fixture(scope="module")
def conversations(world: World) -> list[Conversation]:
    return [c for day in world.index.days for a in range(6) for c in world.batch(a, day)]


def test_volume_is_exact_by_default(tmp_path: Path) -> None:
    world = World(make_config(conversations_per_day=100, agents=2, days=3), tmp_path)
    counts = Counter((s.agent_index, s.day) for s in world.index.by_id.values())
    assert set(counts.values()) == {100}
    assert len(counts) == 2 * 3
    world.close()


def test_volume_varies_when_asked() -> None:
    config = make_config(conversations_per_day=50, volume_jitter=0.5, empty_day_rate=0.3).pinned()
    sizes = [len(plan_batch(config, 0, day)) for day in config.day_list()]
    assert 0 in sizes
    assert len(set(sizes)) > 2
    assert all(s <= 75 for s in sizes)


def test_a_batch_is_reproducible_on_its_own(tmp_path: Path) -> None:
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small = World(make_config(seed=9, agents=2, days=2), tmp_path / "small")
    large = World(make_config(seed=9, agents=6, days=7), tmp_path / "large")
    day = small.config.last_day
    assert small.batch(1, day) == large.batch(1, day)
    assert small.batch(0, day - dt.timedelta(days=1)) == large.batch(0, day - dt.timedelta(days=1))
    small.close()
    large.close()


def test_seeds_change_the_data() -> None:
    a, b = make_config(seed=1).pinned(), make_config(seed=2).pinned()
    day = a.last_day
    assert [s.conversation_id for s in plan_batch(a, 0, day)] != [
        s.conversation_id for s in plan_batch(b, 0, day)
    ]


def test_statuses_outcomes_and_languages_are_mixed(conversations: list[Conversation]) -> None:
    assert {c.status for c in conversations} == {"done", "failed"}
    assert {c.pending_status for c in conversations} == {None, "in-progress", "processing"}
    assert {c.call_successful for c in conversations} == {"success", "failure", "unknown"}
    languages = Counter(c.main_language for c in conversations)
    assert {"en", "de", "es", "fr", "pt", "it", None} <= set(languages)
    assert {"en-US", "EN", "en_GB"} & set(languages)
    durations = sorted(c.duration_secs for c in conversations if c.status == "done")
    median, top = durations[len(durations) // 2], durations[-1]
    assert top > 10 * median


def test_transcripts_look_real(conversations: list[Conversation]) -> None:
    turns = [t for c in conversations for t in c.transcript]
    results_next_turn = results_same_turn = 0
    for c in conversations:
        for before, after in zip(c.transcript, c.transcript[1:], strict=False):
            if before.tool_calls and not before.tool_results and after.tool_results:
                assert after.message is None
                assert after.tool_results[0].request_id == before.tool_calls[0].request_id
                results_next_turn += 1
        results_same_turn += sum(
            1
            for t in c.transcript
            if t.tool_results and t.tool_calls and t.tool_calls[0].kind != "system"
        )
    assert results_next_turn > results_same_turn > 0
    interrupted = [t for t in turns if t.interrupted]
    assert interrupted
    assert all(t.original_message and t.message and t.message.endswith("...") for t in interrupted)
    assert any(t.metrics and t.metrics.tts_ttfb for t in turns)
    assert any(t.feedback for t in turns)
    assert any(r.is_error for t in turns for r in t.tool_results)
    assert {"end_call", "language_detection"} <= {c.tool_name for t in turns for c in t.tool_calls}
    for c in conversations:
        times = [t.time_in_call_secs for t in c.transcript]
        assert times == sorted(times)
        assert times[-1] <= c.duration_secs


def test_analysis_ids_and_values_are_awkward(conversations: list[Conversation]) -> None:
    criteria = {e.criterion_id for c in conversations for e in c.evaluation}
    assert any(" " in i for i in criteria)
    assert any("/" in i for i in criteria)
    assert any(not i.isascii() for i in criteria)
    values = [d.value for c in conversations for d in c.data]
    assert "None" in values
    assert None in values
    assert {type(v) for v in values} >= {str, int, bool}
    assert any(c.analysed and not c.evaluation for c in conversations)


def test_sentiment_cost_audio_and_ids_vary(world: World, conversations: list[Conversation]) -> None:
    enabled = {a.agent_id for a in world.catalogue.agents if a.sentiment_enabled}
    with_sentiment = {c.agent_id for c in conversations if c.api_sentiment is not None}
    assert with_sentiment == enabled
    assert len(enabled) < len(world.catalogue.agents)
    assert any(c.cost is None for c in conversations)
    assert any(c.cost is not None and c.cost_fiat is None for c in conversations)
    assert any(not c.has_audio for c in conversations if c.is_final and not c.text_only)
    lengths = Counter(len(c.conversation_id) for c in conversations)
    assert set(lengths) == {20, 31}
    offsets = {c.start_time % 86400 for c in conversations}
    assert {0, 86399} <= offsets
    assert len({c.conversation_id for c in conversations}) == len(conversations)


def test_hostile_ids_when_asked(tmp_path: Path) -> None:
    world = World(make_config(hostile_id_rate=0.3), tmp_path)
    ids = list(world.index.by_id)
    hostile = [i for i in ids if "/" in i or "\\" in i or "\x00" in i or "?" in i or len(i) > 255]
    assert len(hostile) > len(ids) // 5
    assert any(i.startswith("../../etc/passwd") for i in hostile)
    world.close()


def test_user_wording_separates_under_vader() -> None:
    english = VOICES["en"]
    assert all(sentiment.compound(line) >= 0.5 for line in english.positive)
    assert all(sentiment.compound(line) <= -0.5 for line in english.negative)
    assert all(abs(sentiment.compound(line)) < 0.5 for line in english.neutral)

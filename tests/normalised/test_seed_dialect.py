"""Seed-spec documents (elevenlabs-convai-openapi.yml shapes), alone and beside real ones."""

from __future__ import annotations

import datetime as dt

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from assets.normalised.partition import publish_day
from pipelines.lake import Lake
from tests.normalised.conftest import DAY, ReadTable
from tests.normalised.raw_lake import JSON, sample, write_listing, write_part

_vader = SentimentIntensityAnalyzer()


def _seed_item(conversation_id: str, started_at: str, status: str = "completed") -> JSON:
    return {
        "conversation_id": conversation_id,
        "agent_id": "agent_seed",
        "status": status,
        "started_at": started_at,
        "duration_seconds": 95.5,
    }


def _seed_detail(
    conversation_id: str,
    messages: list[tuple[str, str]],
    analysis: JSON | None,
    status: str = "completed",
) -> JSON:
    return {
        "conversation_id": conversation_id,
        "agent_id": "agent_seed",
        "status": status,
        "transcript": [
            {"role": role, "message": text, "timestamp": 2.5 * i}
            for i, (role, text) in enumerate(messages)
        ],
        "analysis": analysis,
        "metadata": {"channel": "web", "locale": "en-GB"},
    }


LOVED = "I love it, thank you so much!"
TERRIBLE = "The first answer was terrible."


def _write_seed_day(lake: Lake) -> None:
    # Seed pages have no time filter: newest first, running past the day on both sides.
    page = {
        "conversations": [
            _seed_item("seed_next_day", "2025-07-15T00:00:00Z"),
            _seed_item("seed_last_second", "2025-07-14T23:59:59.500+00:00", "failed"),
            _seed_item("seed_lexicon", "2025-07-14T09:00:00Z"),
            _seed_item("seed_active", "2025-07-14 00:00:00", "active"),
            _seed_item("seed_previous_day", "2025-07-13T23:59:59Z"),
        ],
        "has_more": True,
        "next_cursor": "c2",
    }
    write_listing(lake, DAY, [page])
    write_part(
        lake,
        DAY,
        1,
        [
            _seed_detail(
                "seed_lexicon",
                [("agent", "Hello!"), ("user", LOVED), ("user", "   "), ("user", TERRIBLE)],
                {"summary": "Praise, then a complaint.", "successful": True},
            ),
            _seed_detail(
                "seed_last_second",
                [("agent", "Hi"), ("user", "This is awful.")],
                {"summary": "Complaint.", "successful": False, "sentiment": "negative"},
                status="failed",
            ),
            _seed_detail("seed_active", [("agent", "Hi")], None, status="active"),
            _seed_detail("seed_deleted_upstream", [("user", "Fine.")], {"summary": "s"}),
        ],
    )


def test_seed_days_are_filtered_and_mapped(lake: Lake, read_table: ReadTable) -> None:
    _write_seed_day(lake)
    publish_day(lake, DAY)
    rows = {r["conversation_id"]: r for r in read_table("conversations").to_dicts()}
    assert sorted(rows) == [
        "seed_active",
        "seed_deleted_upstream",
        "seed_last_second",
        "seed_lexicon",
    ]
    lexicon = rows["seed_lexicon"]
    expected = (
        _vader.polarity_scores(LOVED)["compound"] + _vader.polarity_scores(TERRIBLE)["compound"]
    ) / 2
    assert lexicon["start_time"] == dt.datetime(2025, 7, 14, 9, tzinfo=dt.UTC)
    assert lexicon["duration_secs"] == 95.5
    assert (lexicon["status"], lexicon["is_final"]) == ("completed", True)
    assert (lexicon["call_successful"], lexicon["success"]) == ("success", True)
    assert lexicon["summary"] == "Praise, then a complaint."
    assert lexicon["sentiment_source"] == "lexicon"
    assert abs(lexicon["sentiment_score"] - expected) < 1e-9
    assert lexicon["sentiment_label"] == ("positive" if expected >= 0.05 else "neutral")
    assert (lexicon["message_count"], lexicon["user_turns"], lexicon["agent_turns"]) == (4, 3, 1)
    assert (lexicon["dialect"], lexicon["has_details"], lexicon["has_audio"]) == (
        "seed",
        True,
        False,
    )
    assert lexicon["agent_name"] is None
    assert lexicon["main_language"] is None  # seed metadata is free-form: not read

    last = rows["seed_last_second"]
    assert last["start_time"] == dt.datetime(2025, 7, 14, 23, 59, 59, 500000, tzinfo=dt.UTC)
    assert (last["call_successful"], last["success"], last["is_final"]) == ("failure", False, True)
    assert (last["sentiment_label"], last["sentiment_score"], last["sentiment_source"]) == (
        "negative",
        None,
        "api",
    )

    active = rows["seed_active"]
    assert active["start_time"] == dt.datetime(2025, 7, 14, tzinfo=dt.UTC)  # no offset: UTC
    assert (active["status"], active["is_final"], active["call_successful"]) == (
        "active",
        False,
        "unknown",
    )
    assert active["summary"] is None
    assert active["sentiment_source"] is None  # no user text

    deleted = rows["seed_deleted_upstream"]
    assert (deleted["start_time"], deleted["start_date"], deleted["has_details"]) == (
        None,
        DAY,
        True,
    )
    assert deleted["call_successful"] == "unknown"  # `successful` absent


def test_seed_transcripts_use_timestamp(lake: Lake, read_table: ReadTable) -> None:
    _write_seed_day(lake)
    publish_day(lake, DAY)
    turns = read_table("transcript_turns").filter(conversation_id="seed_lexicon")
    assert turns["time_in_call_secs"].to_list() == [0.0, 2.5, 5.0, 7.5]
    assert turns["message"].to_list() == ["Hello!", LOVED, "   ", TERRIBLE]
    assert turns["tool_call_count"].to_list() == [0, 0, 0, 0]
    assert read_table("tool_calls").height == 0


def test_both_dialects_in_one_partition(lake: Lake, read_table: ReadTable) -> None:
    real_page = sample("conversations_list_page.json")
    seed_page = {"conversations": [_seed_item("seed_one", "2025-07-14T08:00:00Z")]}
    write_listing(lake, DAY, [real_page, seed_page])
    seed = _seed_detail("seed_one", [("user", LOVED)], {"successful": True})
    write_part(lake, DAY, 1, [sample("conversation_detail.json"), seed])
    published = publish_day(lake, DAY)
    dialects = dict(read_table("conversations").select("conversation_id", "dialect").iter_rows())
    assert dialects == {
        "conv_01k05w9z8y7x6w5v4t3s2r1q0p": "elevenlabs",
        "conv_01k05x1a2b3c4d5e6f7g8h9j0k": "elevenlabs",
        "conv_01k05y7r2d9e8f7g6h5j4k3m2n": "elevenlabs",
        "seed_one": "seed",
    }
    assert published.rows["transcript_turns"] == 8
    assert sum(published.quarantined.values()) == 0

"""Golden test on the real-API samples: every column value derived by hand from
tests/data/conversations_list_page.json and conversation_detail.json."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assets.normalised.partition import PublishedDay, publish_day
from pipelines.lake import Lake
from tests.normalised.conftest import DAY, ReadTable
from tests.normalised.raw_lake import MP3_FRAME_SECS, sample, write_listing, write_mp3, write_part

DETAILED = "conv_01k05y7r2d9e8f7g6h5j4k3m2n"
FAILED = "conv_01k05x1a2b3c4d5e6f7g8h9j0k"
IN_PROGRESS = "conv_01k05w9z8y7x6w5v4t3s2r1q0p"
ACME = "agent_01jz3m8q7hf2v9k4x5n6p8r0tw"
FRAMES = 1111


def _utc(hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2025, 7, 14, hour, minute, second, tzinfo=dt.UTC)


@pytest.fixture
def published(lake: Lake) -> PublishedDay:
    write_listing(lake, DAY, [sample("conversations_list_page.json")])
    write_part(lake, DAY, 1, [sample("conversation_detail.json")])
    write_mp3(lake, DAY, DETAILED, FRAMES)
    return publish_day(lake, DAY)


def _rows(read_table: ReadTable, name: str) -> list[dict[str, Any]]:
    return read_table(name).to_dicts()


def test_conversation_with_detail_and_list_item(
    published: PublishedDay, read_table: ReadTable
) -> None:
    rows = {r["conversation_id"]: r for r in _rows(read_table, "conversations")}
    assert rows[DETAILED] == {
        "conversation_id": DETAILED,
        "agent_id": ACME,
        "agent_name": "Acme Support (EN)",
        "start_time": _utc(14, 10, 11),
        "start_date": DAY,
        "status": "done",
        "is_final": True,
        "duration_secs": 29.0,  # the detail wins over the list item's 187
        "call_successful": "success",
        "success": True,
        "call_success_score": None,
        "sentiment_label": "positive",
        "sentiment_score": 0.62,
        "sentiment_source": "api",
        "frustration_score": 0.08,
        "message_count": 7,  # transcript entries, not the list item's 14
        "user_turns": 2,
        "agent_turns": 5,
        "termination_reason": "end_call tool was called.",
        "main_language": "en",
        "summary": "The caller asked about the status of order 48213. The agent looked the "
        "order up, confirmed it shipped on 12 July with UPS tracking number "
        "1Z999AA10123456784, and ended the call after the caller confirmed they had no "
        "further questions.",
        "summary_title": "Order status inquiry",
        "cost_credits": 312,
        "cost_usd": 0.0462,
        "llm_cost_usd": 0.0004023,
        "has_audio": True,
        "audio_path": f"audio/date=2025-07-14/{DETAILED}.mp3",
        "audio_duration_secs": pytest.approx(FRAMES * MP3_FRAME_SECS, abs=1e-9),
        "direction": "inbound",
        "initiation_source": "twilio",
        "user_id": None,
        "rating": None,
        "feedback_score": "like",
        "text_only": False,
        "error_code": None,
        "has_details": True,
        "dialect": "elevenlabs",
    }


def test_conversations_known_only_from_the_list(
    published: PublishedDay, read_table: ReadTable
) -> None:
    rows = {r["conversation_id"]: r for r in _rows(read_table, "conversations")}
    nothing = dict.fromkeys(
        [
            "call_success_score",
            "sentiment_label",
            "sentiment_score",
            "sentiment_source",
            "frustration_score",
            "summary",
            "summary_title",
            "cost_usd",
            "llm_cost_usd",
            "has_audio",
            "audio_path",
            "audio_duration_secs",
            "user_id",
            "rating",
            "feedback_score",
            "text_only",
            "error_code",
        ]
    )
    assert rows[FAILED] == {
        **nothing,
        "conversation_id": FAILED,
        "agent_id": ACME,
        "agent_name": "Acme Support (EN)",
        "start_time": _utc(13, 31, 14),
        "start_date": DAY,
        "status": "failed",
        "is_final": True,
        "duration_secs": 12.0,
        "call_successful": "unknown",
        "success": None,
        "message_count": 2,
        "user_turns": 0,
        "agent_turns": 2,
        "termination_reason": "Client disconnected: 1006",
        "main_language": "en",
        "cost_credits": 96,
        "direction": None,
        "initiation_source": "widget",
        "has_details": False,
        "dialect": "elevenlabs",
    }
    assert rows[IN_PROGRESS] == {
        **nothing,
        "conversation_id": IN_PROGRESS,
        "agent_id": "agent_01jyq0w1x2y3z4a5b6c7d8e9f0",
        "agent_name": "Appointment Reminder",
        "start_time": _utc(12, 54),
        "start_date": DAY,
        "status": "in-progress",
        "is_final": False,
        "duration_secs": 0.0,
        "call_successful": "unknown",
        "success": None,
        "message_count": 0,
        "user_turns": None,
        "agent_turns": None,
        "termination_reason": None,
        "main_language": None,
        "cost_credits": None,
        "direction": "outbound",
        "initiation_source": "sip_trunk",
        "has_details": False,
        "dialect": "elevenlabs",
    }
    assert list(rows) == sorted(rows)


def test_transcript_turns_in_the_order_sent(published: PublishedDay, read_table: ReadTable) -> None:
    turns = read_table("transcript_turns")
    assert turns["conversation_id"].unique().to_list() == [DETAILED]
    assert turns["start_date"].unique().to_list() == [DAY]
    columns = turns.drop("conversation_id", "start_date").to_dict(as_series=False)
    assert columns == {
        "turn_index": [0, 1, 2, 3, 4, 5, 6],
        "role": ["agent", "user", "agent", "agent", "agent", "user", "agent"],
        "message": [
            "Hi, thanks for calling Acme. How can I help you today?",
            "Hi, I want to know where my order is. The number is four eight two one three.",
            None,
            None,
            "Good news: order 48213 shipped on July 12th with UPS. The tracking number is "
            "1Z999AA10123456784. Is there anything else I can help with?",
            "No, that's all. Thanks!",
            "You're welcome. Have a great day!",
        ],
        "original_message": [None] * 7,
        "time_in_call_secs": [0.0, 4.0, 9.0, 10.0, 11.0, 24.0, 26.0],
        "created_at": [None] * 7,
        "interrupted": [False] * 7,
        "source_medium": [None, "audio", None, None, None, "audio", None],
        "llm_ttfb_secs": [None, None, 0.412, None, 0.377, None, 0.351],
        "llm_ttf_sentence_secs": [None, None, 0.688, None, 0.59, None, None],
        "tts_ttfb_secs": [None] * 7,
        "feedback_score": [None, None, None, None, "like", None, None],
        "tool_call_count": [0, 0, 1, 0, 0, 0, 1],
        "tool_result_count": [0, 0, 0, 1, 0, 0, 1],
        "llm_input_tokens": [None, None, 1840, None, 1931, None, None],
        "llm_output_tokens": [None, None, 22, None, 41, None, None],
        "llm_price_usd": [
            None,
            None,
            pytest.approx(0.000184 + 0.0000088),
            None,
            pytest.approx(0.0001931 + 0.0000164),
            None,
            None,
        ],
        "rag_latency_secs": [None] * 7,
    }


def test_tool_calls_joined_to_results_across_turns(
    published: PublishedDay, read_table: ReadTable
) -> None:
    calls = read_table("tool_calls").drop("start_date").to_dicts()
    assert calls == [
        {
            "conversation_id": DETAILED,
            "request_id": "lookup_order_3f1c2a9b7e6d4c5b8a1f0e9d8c7b6a5f",
            "tool_name": "lookup_order",
            "tool_type": "webhook",
            "tool_id": "tool_01jz3n0c4v5b6n7m8k9j0h1g2f",
            "call_turn_index": 2,
            "result_turn_index": 3,  # the next turn, message null
            "params_json": '{"order_id": "48213"}',
            "has_result": True,
            "is_error": False,
            "error_type": None,
            "latency_secs": 0.534,
            "result_type": None,
            "result_value": '{"order_id": "48213", "status": "shipped", "shipped_at": '
            '"2025-07-12", "carrier": "UPS", "tracking": "1Z999AA10123456784"}',
        },
        {
            "conversation_id": DETAILED,
            "request_id": "end_call_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
            "tool_name": "end_call",
            "tool_type": "system",
            "tool_id": None,
            "call_turn_index": 6,
            "result_turn_index": 6,
            "params_json": '{"reason": "The caller confirmed they had no further questions."}',
            "has_result": True,
            "is_error": False,
            "error_type": None,
            "latency_secs": 0.00011,
            "result_type": "end_call_success",
            "result_value": '{"result_type": "end_call_success", "status": "success", '
            '"reason": "The caller confirmed they had no further questions.", "message": null}',
        },
    ]


def test_evaluation_results(published: PublishedDay, read_table: ReadTable) -> None:
    rows = read_table("evaluation_results").drop("start_date").to_dicts()
    common = {"conversation_id": DETAILED, "score": None, "max_score": None}
    assert rows == [
        {
            **common,
            "criteria_id": "resolved_without_escalation",
            "result": "success",
            "scoring_mode": "binary",
            "rationale": "The agent answered the order-status question using the lookup_order "
            "tool and the caller confirmed they needed nothing else; no transfer was requested.",
        },
        {
            **common,
            "criteria_id": "verified_order_number",
            "result": "failure",
            "scoring_mode": "binary",
            "rationale": "The agent did not read the order number back to the caller before "
            "looking it up.",
        },
    ]


def test_data_collection_results_keep_the_json_type(
    published: PublishedDay, read_table: ReadTable
) -> None:
    rows = read_table("data_collection_results").drop("start_date", "rationale").to_dicts()
    assert rows == [
        {
            "conversation_id": DETAILED,
            "data_collection_id": "callback_requested",
            "value_text": "false",
            "value_json": "false",
            "value_type": "boolean",
            "schema_type": "boolean",
        },
        {
            "conversation_id": DETAILED,
            "data_collection_id": "caller_intent",
            "value_text": "order_status",
            "value_json": '"order_status"',
            "value_type": "string",
            "schema_type": "string",
        },
        {
            "conversation_id": DETAILED,
            "data_collection_id": "order_number",
            "value_text": "48213",
            "value_json": '"48213"',
            "value_type": "string",
            "schema_type": "string",
        },
    ]


def test_counts_reported_match_raw(published: PublishedDay) -> None:
    assert (
        published.rows
        == published.expected_rows
        == {
            "conversations": 3,
            "transcript_turns": 7,
            "tool_calls": 2,
            "evaluation_results": 2,
            "data_collection_results": 3,
        }
    )
    assert published.records_seen == 4  # three list items and one detail
    assert sum(published.quarantined.values()) == 0

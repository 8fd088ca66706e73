"""The quirks of real payloads (elevenlabs-real-api.md sections 4, 5 and 7), one at a time."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from assets.normalised.partition import publish_day
from assets.normalised.tolerant import utc_from_iso
from pipelines.lake import Lake
from tests.normalised.conftest import DAY, ReadTable
from tests.normalised.raw_lake import JSON, sample, write_part


def _published(lake: Lake, *details: JSON) -> None:
    write_part(lake, DAY, 1, list(details))
    publish_day(lake, DAY)


def _detail(**changes: object) -> JSON:
    detail = sample("conversation_detail.json")
    detail.update(changes)
    return detail


def test_nearly_empty_processing_detail(lake: Lake, read_table: ReadTable) -> None:
    """Status processing, metadata with two fields, no analysis at all, has_audio missing."""
    detail = _detail(status="processing")
    detail["metadata"] = {"start_time_unix_secs": 1752502211, "call_duration_secs": 29}
    for key in ("analysis", "has_audio", "has_user_audio", "has_response_audio"):
        del detail[key]
    _published(lake, detail)
    row = read_table("conversations").row(0, named=True)
    assert (row["status"], row["is_final"], row["call_successful"], row["success"]) == (
        "processing",
        False,
        "unknown",
        None,
    )
    assert (row["summary"], row["cost_credits"], row["main_language"]) == (None, None, None)
    assert row["has_audio"] is False  # missing and no recording: no audio
    assert read_table("evaluation_results").height == 0


def test_null_analysis_tool_lists_and_messages(lake: Lake, read_table: ReadTable) -> None:
    detail = _detail(analysis=None)
    for turn in detail["transcript"]:
        if not turn["tool_calls"] and not turn["tool_results"]:
            turn.update(tool_calls=None, tool_results=None)
    detail["transcript"][0]["message"] = None
    _published(lake, detail)
    turns = read_table("transcript_turns")
    assert turns["tool_call_count"].to_list() == [0, 0, 1, 0, 0, 0, 1]
    assert turns["message"][0] is None
    assert read_table("conversations")["call_successful"].to_list() == ["unknown"]


def test_metrics_without_the_wrapper_and_dotted_model_ids(
    lake: Lake, read_table: ReadTable
) -> None:
    detail = _detail()
    turn = detail["transcript"][2]
    turn["conversation_turn_metrics"] = {
        "convai_llm_service_ttfb": {"elapsed_time": 0.5},
        "convai_tts_service_ttfb": {"elapsed_time": 0.25},
    }
    turn["llm_usage"] = {
        "model_usage": {
            "gemini-2.5-flash": {
                "input": {"tokens": 10, "price": 0.5},
                "output_total": {"tokens": 2},
            },
            "gpt-4.1.mini": {
                "input": {"tokens": 5},
                "input_cache_read": {"tokens": 3, "price": 0.25},
                "output_total": {"tokens": 1, "price": 0.125},
            },
        }
    }
    _published(lake, detail)
    row = read_table("transcript_turns").row(2, named=True)
    assert (row["llm_ttfb_secs"], row["llm_ttf_sentence_secs"], row["tts_ttfb_secs"]) == (
        0.5,
        None,
        0.25,
    )
    assert (row["llm_input_tokens"], row["llm_output_tokens"]) == (18, 3)
    assert row["llm_price_usd"] == 0.875


def test_interrupted_turn_keeps_both_texts(lake: Lake, read_table: ReadTable) -> None:
    detail = _detail()
    detail["transcript"][1].update(
        message="...", original_message="I want to know where my order is", interrupted=True
    )
    detail["transcript"][1]["created_at_unix_ms"] = 1752502215123
    _published(lake, detail)
    row = read_table("transcript_turns").row(1, named=True)
    assert (row["message"], row["original_message"], row["interrupted"]) == (
        "...",
        "I want to know where my order is",
        True,
    )
    assert row["created_at"] == dt.datetime(2025, 7, 14, 14, 10, 15, 123000, tzinfo=dt.UTC)


def test_repeated_time_keeps_the_order_sent(lake: Lake, read_table: ReadTable) -> None:
    detail = _detail()
    for turn, at in zip(detail["transcript"], [5, 5, 3, 3, 9, 1, 1], strict=True):
        turn["time_in_call_secs"] = at
    _published(lake, detail)
    turns = read_table("transcript_turns")
    assert turns["time_in_call_secs"].to_list() == [5.0, 5.0, 3.0, 3.0, 9.0, 1.0, 1.0]
    assert turns["turn_index"].to_list() == list(range(7))


def test_tool_call_quirks(lake: Lake, read_table: ReadTable) -> None:
    """An old call without `type`, a call that never got a result, a system result that only
    carries `result_value`, and an error result."""
    detail = _detail()
    lookup_call = detail["transcript"][2]["tool_calls"][0]
    del lookup_call["type"]
    lookup_result = detail["transcript"][3]["tool_results"][0]
    lookup_result.update(is_error=True, error_type="http_500", result_value="upstream failed")
    end_result = detail["transcript"][6]["tool_results"][0]
    del end_result["result"]
    detail["transcript"][4]["tool_calls"] = [
        {
            "request_id": "lost_1",
            "tool_name": "transfer_to_number",
            "type": "system",
            "params_as_json": "{}",
            "tool_has_been_called": True,
        }
    ]
    _published(lake, detail)
    calls = {r["request_id"]: r for r in read_table("tool_calls").to_dicts()}
    lookup = calls["lookup_order_3f1c2a9b7e6d4c5b8a1f0e9d8c7b6a5f"]
    assert (lookup["tool_type"], lookup["is_error"], lookup["error_type"]) == (
        "webhook",  # from the result
        True,
        "http_500",
    )
    lost = calls["lost_1"]
    assert (lost["has_result"], lost["is_error"], lost["result_turn_index"]) == (False, None, None)
    assert calls["end_call_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"]["result_type"] == "end_call_success"
    assert list(calls) == [
        "lookup_order_3f1c2a9b7e6d4c5b8a1f0e9d8c7b6a5f",
        "lost_1",
        "end_call_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
    ]


def test_data_collection_values_of_every_json_type(lake: Lake, read_table: ReadTable) -> None:
    detail = _detail()
    values: dict[str, object] = {
        "Name/Firma": "None",
        "Rückrufnummer": None,
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "nested": {"a": [1, "b"]},
        "list": [1, 2],
    }
    detail["analysis"]["data_collection_results"] = {
        key: {"data_collection_id": key, "value": value, "rationale": "r"}
        for key, value in values.items()
    }
    detail["analysis"]["data_collection_results"]["absent"] = {"data_collection_id": "absent"}
    _published(lake, detail)
    rows = read_table("data_collection_results").select(
        "data_collection_id", "value_text", "value_json", "value_type"
    )
    assert {r[0]: r[1:] for r in rows.iter_rows()} == {
        "Name/Firma": ("None", '"None"', "string"),
        "Rückrufnummer": (None, "null", "null"),
        "absent": (None, "null", "null"),
        "count": ("3", "3", "integer"),
        "ratio": ("0.5", "0.5", "number"),
        "flag": ("true", "true", "boolean"),
        "nested": ('{"a":[1,"b"]}', '{"a":[1,"b"]}', "object"),
        "list": ("[1,2]", "[1,2]", "array"),
    }


def test_results_sent_as_lists(lake: Lake, read_table: ReadTable) -> None:
    """Newer responses send `*_list` arrays; they stand in when the dicts are missing."""
    detail = _detail()
    analysis = detail["analysis"]
    analysis["evaluation_criteria_results_list"] = list(
        analysis.pop("evaluation_criteria_results").values()
    )
    analysis["data_collection_results_list"] = list(
        analysis.pop("data_collection_results").values()
    )
    _published(lake, detail)
    assert read_table("evaluation_results")["criteria_id"].to_list() == [
        "resolved_without_escalation",
        "verified_order_number",
    ]
    assert read_table("data_collection_results")["data_collection_id"].to_list() == [
        "callback_requested",
        "caller_intent",
        "order_number",
    ]


def test_evaluation_criteria_ids_and_open_enums(lake: Lake, read_table: ReadTable) -> None:
    detail = _detail(status="archived-by-ops")
    detail["analysis"]["call_successful"] = "partial"
    detail["analysis"]["evaluation_criteria_results"] = {
        "Kunde zufrieden / ja": {
            "criteria_id": "Kunde zufrieden / ja",
            "result": "maybe",
            "rationale": "",
            "scoring_mode": "numeric_uniform",
            "score": 3,
            "max_score": 5,
        },
        "empty": {},
    }
    _published(lake, detail)
    conversation = read_table("conversations").row(0, named=True)
    assert (conversation["status"], conversation["is_final"]) == ("archived-by-ops", False)
    assert (conversation["call_successful"], conversation["success"]) == ("partial", None)
    rows = read_table("evaluation_results").select("criteria_id", "result", "score", "max_score")
    assert rows.rows() == [("Kunde zufrieden / ja", "maybe", 3.0, 5.0), ("empty", None, None, None)]


def test_unknown_fields_are_ignored(lake: Lake, read_table: ReadTable) -> None:
    detail = _detail(brand_new_field={"deep": [1, {"x": None}]}, another=7)
    detail["transcript"][0]["future_flag"] = "yes"
    _published(lake, detail)
    assert read_table("conversations").height == 1
    assert read_table("transcript_turns").height == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-07-14T14:10:11Z", dt.datetime(2025, 7, 14, 14, 10, 11, tzinfo=dt.UTC)),
        ("2025-07-14T14:10:11.250Z", dt.datetime(2025, 7, 14, 14, 10, 11, 250000, tzinfo=dt.UTC)),
        ("2025-07-14T16:10:11+02:00", dt.datetime(2025, 7, 14, 14, 10, 11, tzinfo=dt.UTC)),
        (
            "2025-07-14T14:10:11.123456+00:00",
            dt.datetime(2025, 7, 14, 14, 10, 11, 123456, tzinfo=dt.UTC),
        ),
        ("2025-07-14 14:10:11", dt.datetime(2025, 7, 14, 14, 10, 11, tzinfo=dt.UTC)),
        ("2025-07-14T14:10:11", dt.datetime(2025, 7, 14, 14, 10, 11, tzinfo=dt.UTC)),
        ("14 July 2025", None),
        (None, None),
    ],
)
def test_iso_date_times(text: str | None, expected: dt.datetime | None) -> None:
    frame = pl.DataFrame({"t": [text]}, schema={"t": pl.String})
    assert frame.select(utc_from_iso(pl.col("t"))).item() == expected

"""HTTP behaviour of both dialects: list filters, ordering and cursors, validation errors, auth,
404 envelopes, list/detail consistency and ids that are unsafe as paths."""

from __future__ import annotations

import calendar
import datetime as dt
import urllib.parse
from typing import Any

import httpx
import pytest

from emulator import running_emulator
from emulator.server import EmulatorHandle
from tests.emulator.conftest import make_config

LIST = "/v1/convai/conversations"


def _midnight(day: dt.date) -> int:
    return calendar.timegm(day.timetuple())


def _all(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = http.get(LIST, params=query).raise_for_status().json()
        items.extend(page["conversations"])
        if not page["has_more"]:
            assert page.get("next_cursor") is None
            return items
        cursor = page["next_cursor"]


def _quoted(conversation_id: str) -> str:
    return urllib.parse.quote(conversation_id, safe="")


def test_day_window_is_inclusive_then_exclusive(
    elevenlabs: EmulatorHandle, client: httpx.Client
) -> None:
    config = elevenlabs.config
    days = config.day_list()
    everything = _all(client, page_size=100)
    assert len(everything) == 6 * 20 * 7
    for day in days:
        window = {
            "call_start_after_unix": _midnight(day),
            "call_start_before_unix": _midnight(day) + 86400,
        }
        items = _all(client, page_size=100, **window)
        assert len(items) == 6 * 20
        starts = [i["start_time_unix_secs"] for i in items]
        assert all(_midnight(day) <= s < _midnight(day) + 86400 for s in starts)
    at_midnight = [i for i in everything if i["start_time_unix_secs"] % 86400 == 0]
    assert at_midnight, "the data should hold a call starting at 00:00:00"
    start = at_midnight[0]["start_time_unix_secs"]
    same_day = _all(
        client, page_size=100, call_start_after_unix=start, call_start_before_unix=start + 86400
    )
    day_before = _all(
        client, page_size=100, call_start_after_unix=start - 86400, call_start_before_unix=start
    )
    assert at_midnight[0] in same_day
    assert at_midnight[0] not in day_before


def test_order_pages_and_cursors(client: httpx.Client) -> None:
    newest_first = _all(client, page_size=7)
    keys = [(i["start_time_unix_secs"], i["conversation_id"]) for i in newest_first]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == len(keys)
    oldest_first = _all(client, page_size=100, sort_direction="asc")
    assert oldest_first == newest_first[::-1]
    default = client.get(LIST).json()
    assert len(default["conversations"]) == 30
    assert default["has_more"] is True
    cursor = default["next_cursor"]
    assert isinstance(cursor, str)
    assert cursor.isascii()
    assert len(cursor) > 20


def test_agent_filter_and_summary_mode(elevenlabs: EmulatorHandle, client: httpx.Client) -> None:
    agent_id = client.get("/v1/convai/agents").json()["agents"][0]["agent_id"]
    mine = _all(client, page_size=100, agent_id=agent_id)
    assert len(mine) == 20 * 7
    assert {i["agent_id"] for i in mine} == {agent_id}
    assert _all(client, agent_id="nobody") == []
    plain = client.get(LIST, params={"page_size": 5}).json()["conversations"]
    summarised = client.get(LIST, params={"page_size": 5, "summary_mode": "include"}).json()[
        "conversations"
    ]
    assert all("transcript_summary" not in i for i in plain)
    assert all("transcript_summary" in i for i in summarised)


@pytest.mark.parametrize(
    ("params", "loc", "kind"),
    [
        ({"page_size": 0}, ["query", "page_size"], "greater_than_equal"),
        ({"page_size": 101}, ["query", "page_size"], "less_than_equal"),
        ({"page_size": "ten"}, ["query", "page_size"], "int_parsing"),
        ({"call_start_after_unix": "yesterday"}, ["query", "call_start_after_unix"], "int_parsing"),
        ({"sort_direction": "up"}, ["query", "sort_direction"], "enum"),
        ({"cursor": "not-a-cursor"}, ["query", "cursor"], "value_error"),
    ],
)
def test_bad_query_values_get_fastapi_422(
    client: httpx.Client, params: dict[str, Any], loc: list[str], kind: str
) -> None:
    response = client.get(LIST, params=params)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)
    assert error["msg"]


def test_not_found_envelopes(client: httpx.Client) -> None:
    for path in (
        "/v1/convai/conversations/conv_missing",
        "/v1/convai/conversations/conv_missing/audio",
        "/v1/convai/agents/agent_missing",
        "/v1/convai/knowledge-base/doc_missing/dependent-agents",
    ):
        response = client.get(path)
        assert response.status_code == 404
        detail = response.json()["detail"]
        assert set(detail) == {"status", "message"}
        assert detail["status"].endswith("_not_found")
    assert client.get("/v1/convai/nothing-here").json() == {"detail": "Not Found"}
    assert client.put(LIST).status_code == 405


def test_api_key_is_required_when_configured() -> None:
    with (
        running_emulator(make_config(api_key="sk_test")) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        expected = {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}
        for headers in ({}, {"xi-api-key": "sk_wrong"}):
            response = http.get(LIST, headers=headers)
            assert (response.status_code, response.json()) == (401, expected)
        assert http.get(LIST, headers={"xi-api-key": "sk_test"}).status_code == 200
        assert http.get("/_emulator/health").status_code == 200


def test_list_items_agree_with_details(client: httpx.Client) -> None:
    for item in client.get(LIST, params={"page_size": 40}).json()["conversations"]:
        detail = client.get(f"{LIST}/{_quoted(item['conversation_id'])}").json()
        assert detail["agent_id"] == item["agent_id"]
        assert detail["status"] == item["status"]
        assert detail["metadata"]["start_time_unix_secs"] == item["start_time_unix_secs"]
        assert detail["metadata"]["call_duration_secs"] == item["call_duration_secs"]
        assert len(detail["transcript"]) == item["message_count"]
        if detail["analysis"] is not None:
            assert detail["analysis"]["call_successful"] == item["call_successful"]
            assert detail["metadata"]["cost"] == item["cost"]


def test_seed_dialect_lists_newest_first_leniently(seed_client: httpx.Client) -> None:
    first = seed_client.get(LIST, params={"page_size": 500}).json()
    assert len(first["conversations"]) == 100
    starts = [i["started_at"] for i in first["conversations"]]
    assert starts == sorted(starts, reverse=True)
    assert set(first["conversations"][0]) == {
        "conversation_id",
        "agent_id",
        "status",
        "started_at",
        "duration_seconds",
    }
    assert len(seed_client.get(LIST, params={"page_size": 0}).json()["conversations"]) == 1
    ended = seed_client.get(LIST, params={"cursor": "garbage"})
    assert ended.status_code == 200
    assert ended.json() == {"conversations": [], "has_more": False}
    detail = seed_client.get(
        f"{LIST}/{_quoted(first['conversations'][0]['conversation_id'])}"
    ).json()
    assert set(detail) <= {
        "conversation_id",
        "agent_id",
        "status",
        "transcript",
        "analysis",
        "metadata",
    }
    assert all(set(t) == {"role", "message", "timestamp"} for t in detail["transcript"])
    assert all(isinstance(v, str) for v in detail["metadata"].values())


def test_hostile_ids_are_listed_and_served() -> None:
    config = make_config(hostile_id_rate=0.5, agents=1, days=2)
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        ids = [i["conversation_id"] for i in _all(http, page_size=100)]
        hostile = [i for i in ids if "/" in i or "\x00" in i or "?" in i or len(i) > 255]
        assert hostile
        for conversation_id in hostile:
            response = http.get(f"{LIST}/{_quoted(conversation_id)}")
            assert response.status_code == 200
            assert response.json()["conversation_id"] == conversation_id

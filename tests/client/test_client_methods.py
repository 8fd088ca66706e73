"""get_json, the paginator and download against a real HTTP server."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from pipelines.client import QueryValue
from pipelines.errors import ApiError
from tests.client.conftest import MakeClient
from tests.client.scripted_server import Reply, Request, Responder, ScriptedServer, json_reply

pytestmark = pytest.mark.anyio

LIST = "/v1/convai/conversations"
AUDIO = "/v1/convai/conversations/conv_1/audio"


async def test_get_json_keeps_the_body_as_received(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    body = b'{ "conversation_id" :\n  "conv_1",\t"cost": 1.50 }'
    server.script("/v1/x", Reply(body=body))
    async with make_client() as api:
        parsed, raw = await api.get_json("/v1/x")
    assert raw == body
    assert parsed == {"conversation_id": "conv_1", "cost": 1.5}
    assert api.stats.bytes_received == len(body)


async def test_query_values_are_encoded_like_the_sdk(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.script("/v1/x", json_reply({}))
    params: dict[str, QueryValue] = {
        "page_size": 100,
        "text_only": True,
        "tool_names": ["a", "b"],
        "agent_id": None,
    }
    async with make_client() as api:
        await api.get_json("/v1/x", params)
    assert server.requests[0].query == {
        "page_size": ["100"],
        "text_only": ["true"],
        "tool_names": ["a", "b"],
    }


def paged_listing(total: int, page_size: int) -> Responder:
    """A list endpoint over conversations 0..total-1 whose cursor is the next offset."""

    def respond(request: Request) -> Reply:
        start = int(request.query.get("cursor", ["0"])[0])
        end = min(start + page_size, total)
        items = [{"conversation_id": f"conv_{n}"} for n in range(start, end)]
        more = end < total
        return json_reply(
            {"conversations": items, "has_more": more, "next_cursor": str(end) if more else None}
        )

    return respond


async def test_pages_follow_the_cursor_to_the_end(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.route(LIST, paged_listing(total=250, page_size=7))
    async with make_client() as api:
        pages = [page async for page, _ in api.pages(LIST, {"page_size": 7})]
    ids = [item["conversation_id"] for page in pages for item in page["conversations"]]
    assert ids == [f"conv_{n}" for n in range(250)]
    assert len(server.requests) == len(pages) == 36
    cursors = [request.query.get("cursor") for request in server.requests]
    assert cursors == [None] + [[str(7 * n)] for n in range(1, 36)]
    assert all(request.query["page_size"] == ["7"] for request in server.requests)


async def test_pages_yield_raw_bodies_and_survive_a_failure_midway(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    listing = paged_listing(total=30, page_size=10)
    failures = iter([json_reply({}, 503)])

    def flaky(request: Request) -> Reply:
        if request.query.get("cursor") == ["10"]:
            return next(failures, None) or listing(request)
        return listing(request)

    server.route(LIST, flaky)
    async with make_client() as api:
        pages = [(page, raw) async for page, raw in api.pages(LIST)]
    assert [json.loads(raw) for _, raw in pages] == [page for page, _ in pages]
    ids = [item["conversation_id"] for page, _ in pages for item in page["conversations"]]
    assert ids == [f"conv_{n}" for n in range(30)]
    assert api.stats.retried == {"503": 1}


@pytest.mark.parametrize(
    "last_page",
    [{"conversations": []}, {"conversations": [], "has_more": False, "next_cursor": "x"}],
    ids=["has_more-absent", "has_more-false"],
)
async def test_a_single_page(
    server: ScriptedServer, make_client: MakeClient, last_page: dict[str, object]
) -> None:
    server.script(LIST, json_reply(last_page))
    async with make_client() as api:
        pages = [page async for page, _ in api.pages(LIST)]
    assert pages == [last_page]


@pytest.mark.parametrize("cursor", [None, "", "same"], ids=["null", "empty", "repeated"])
async def test_more_without_a_new_cursor_is_an_error(
    server: ScriptedServer, make_client: MakeClient, cursor: str | None
) -> None:
    server.script(LIST, json_reply({"conversations": [], "has_more": True, "next_cursor": cursor}))
    async with make_client() as api:
        with pytest.raises(ApiError, match="next_cursor"):
            _ = [page async for page, _ in api.pages(LIST)]
    assert len(server.requests) == (2 if cursor == "same" else 1)


async def test_stopping_early_fetches_no_further_page(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.route(LIST, paged_listing(total=1000, page_size=10))
    async with make_client() as api, contextlib.aclosing(api.pages(LIST)) as pages:
        async for page, _ in pages:
            if page["conversations"][0]["conversation_id"] == "conv_20":
                break
    assert len(server.requests) == 3


class RecordingFile(io.BytesIO):
    """An in-memory file that remembers the size of every write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[int] = []

    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        self.writes.append(len(data))
        return super().write(data)


AUDIO_BYTES = bytes(range(256)) * 4096  # 1 MiB


async def test_download_streams_in_chunks(server: ScriptedServer, make_client: MakeClient) -> None:
    server.script(AUDIO, Reply(body=AUDIO_BYTES, headers={"Content-Type": "audio/mpeg"}))
    dest = RecordingFile()
    async with make_client() as api:
        size = await api.download(AUDIO, dest)
    assert size == len(AUDIO_BYTES)
    assert dest.getvalue() == AUDIO_BYTES
    assert len(dest.writes) > 1
    assert max(dest.writes) <= 256 * 1024


async def test_download_restarts_from_scratch_after_truncation(
    server: ScriptedServer, make_client: MakeClient, tmp_path: Path
) -> None:
    cut = Reply(body=AUDIO_BYTES, truncate_to=300_000)
    server.script(AUDIO, cut, cut, Reply(body=AUDIO_BYTES))
    target = tmp_path / "conv_1.mp3"
    with target.open("wb") as dest:
        async with make_client() as api:
            size = await api.download(AUDIO, dest)
    assert target.read_bytes() == AUDIO_BYTES
    assert size == len(AUDIO_BYTES)
    assert api.stats.retries == 2


async def test_download_of_missing_audio_raises_404_and_writes_nothing(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.script(AUDIO, json_reply({"detail": {"status": "not_found", "message": "no"}}, 404))
    dest = io.BytesIO()
    async with make_client() as api:
        with pytest.raises(ApiError) as caught:
            await api.download(AUDIO, dest)
    assert caught.value.status == 404
    assert dest.getvalue() == b""

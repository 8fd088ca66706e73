"""Retries against a real HTTP server: what is retried, how long it waits, what it gives up with."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest

from pipelines.client import Timeouts
from pipelines.errors import ApiError
from pipelines.retry import RetryPolicy
from tests.client.conftest import CANARY_KEY, MakeClient, RecordedSleeps
from tests.client.scripted_server import Reply, ScriptedServer, json_reply

pytestmark = pytest.mark.anyio

PATH = "/v1/convai/conversations/conv_1"
OK = json_reply({"conversation_id": "conv_1", "status": "done"})
BUSY = json_reply({"detail": {"status": "system_busy", "message": "try later"}}, 503)


async def test_429_waits_as_long_as_retry_after_says(
    server: ScriptedServer, make_client: MakeClient, sleeps: RecordedSleeps
) -> None:
    server.script(PATH, json_reply({}, 429, retry_after="3"), OK)
    async with make_client() as api:
        page, _ = await api.get_json(PATH)
    assert page["conversation_id"] == "conv_1"
    assert sleeps.delays == [3.0]
    assert (api.stats.requests, api.stats.retries) == (2, 1)
    assert api.stats.outcomes == {"429": 1, "200": 1}
    assert api.stats.retried == {"429": 1}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("retry-after", lambda in_30_s: formatdate(in_30_s, usegmt=True)),
        ("x-ratelimit-reset", lambda in_30_s: str(int(in_30_s))),
    ],
    ids=["retry-after-http-date", "x-ratelimit-reset-unix"],
)
async def test_waits_until_the_time_the_server_names(
    server: ScriptedServer,
    make_client: MakeClient,
    sleeps: RecordedSleeps,
    header: str,
    value: Callable[[float], str],
) -> None:
    hint = Reply(status=429, headers={header: value(time.time() + 30)})
    server.script(PATH, hint, OK)
    async with make_client() as api:
        await api.get_json(PATH)
    [delay] = sleeps.delays
    assert 20 < delay <= 30  # the header has whole seconds; the slack is for a slow machine


async def test_503_burst_backs_off_exponentially(
    server: ScriptedServer, make_client: MakeClient, sleeps: RecordedSleeps
) -> None:
    server.script(PATH, BUSY, BUSY, BUSY, OK)
    async with make_client() as api:
        await api.get_json(PATH)
    assert sleeps.delays == [0.5, 1.0, 2.0]
    assert api.stats.retried == {"503": 3}


@pytest.mark.parametrize("status", [408, 409, 500, 502, 504])
async def test_other_transient_statuses_are_retried(
    server: ScriptedServer, make_client: MakeClient, status: int
) -> None:
    server.script(PATH, json_reply({}, status), OK)
    async with make_client() as api:
        await api.get_json(PATH)
    assert len(server.requests) == 2


async def test_gives_up_after_max_attempts_with_the_api_detail(
    server: ScriptedServer, make_client: MakeClient, sleeps: RecordedSleeps
) -> None:
    server.script(PATH, BUSY)
    async with make_client(retry=RetryPolicy(max_attempts=4, jitter=0)) as api:
        with pytest.raises(ApiError) as caught:
            await api.get_json(PATH, {"page_size": 10})
    error = caught.value
    assert (error.status, error.attempts, error.path) == (503, 4, PATH)
    assert error.detail == {"status": "system_busy", "message": "try later"}
    assert len(server.requests) == 4
    assert len(sleeps.delays) == 3
    assert "page_size" not in str(error)


@pytest.mark.parametrize(
    "fault",
    [
        Reply(body=json.dumps({"text": "x" * 5000}).encode(), truncate_to=100),
        Reply(garbage=True),
        Reply(body=b'{"conversation_id": "conv_1", "transcript": [{"role": "age'),
        Reply(body=b"[1, 2, 3]"),
        Reply(body=b"<html>proxy error</html>", headers={"Content-Type": "text/html"}),
    ],
    ids=["truncated", "not-http", "cut-json", "json-not-object", "html"],
)
async def test_transport_faults_and_bad_bodies_are_retried(
    server: ScriptedServer, make_client: MakeClient, fault: Reply
) -> None:
    server.script(PATH, fault, fault, OK)
    async with make_client() as api:
        page, raw = await api.get_json(PATH)
    assert page == {"conversation_id": "conv_1", "status": "done"}
    assert raw == OK.body
    assert api.stats.retries == 2
    assert api.stats.outcomes["200"] == 1
    assert len(server.requests) == 3


async def test_dropped_connections_are_retried(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    """aiohttp itself re-sends an idempotent request once when the connection drops (RFC 9112
    section 9.3.1), so three drops cost this client two attempts; none is lost either way."""
    drop = Reply(drop=True)
    server.script(PATH, drop, drop, drop, OK)
    async with make_client() as api:
        page, _ = await api.get_json(PATH)
    assert page["status"] == "done"
    assert len(server.requests) == 4
    assert api.stats.retried == {"ServerDisconnectedError": api.stats.retries}
    assert api.stats.retries >= 1


async def test_stall_beyond_the_read_timeout_is_retried(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.script(PATH, Reply(delay=2.0), OK)
    async with make_client(timeouts=Timeouts(connect=2, read=0.2, pool=2)) as api:
        await api.get_json(PATH)
    [kind] = api.stats.retried
    assert "Timeout" in kind


async def test_a_body_that_never_parses_ends_in_an_error_carrying_it(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.script(PATH, Reply(body=b"not json at all"))
    async with make_client(retry=RetryPolicy(max_attempts=3, jitter=0)) as api:
        with pytest.raises(ApiError) as caught:
            await api.get_json(PATH)
    assert (caught.value.status, caught.value.attempts) == (200, 3)
    assert caught.value.detail == "not json at all"


async def test_connection_refused_ends_in_an_error_without_status(
    make_client: MakeClient, sleeps: RecordedSleeps
) -> None:
    async with ScriptedServer() as gone:
        url = gone.url
    async with make_client(base_url=url, retry=RetryPolicy(max_attempts=3)) as api:
        with pytest.raises(ApiError) as caught:
            await api.get_json(PATH)
    assert (caught.value.status, caught.value.attempts) == (None, 3)
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (403, {"status": "only_for_creator+", "message": "no"}),
        (404, {"status": "conversation_not_found", "message": "gone"}),
        (422, [{"loc": ["query", "page_size"], "msg": "too large", "type": "less_than_equal"}]),
        (400, {"status": "bad_request", "message": "no"}),
    ],
)
async def test_client_errors_fail_at_once(
    server: ScriptedServer,
    make_client: MakeClient,
    sleeps: RecordedSleeps,
    status: int,
    detail: object,
) -> None:
    server.script(PATH, json_reply({"detail": detail}, status))
    async with make_client() as api:
        with pytest.raises(ApiError) as caught:
            await api.get_json(PATH)
    assert (caught.value.status, caught.value.detail, caught.value.attempts) == (status, detail, 1)
    assert len(server.requests) == 1
    assert sleeps.delays == []


async def test_wrong_key_gives_one_clear_error_after_one_request(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    body = {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}
    server.script(PATH, json_reply(body, 401))
    async with make_client() as api:
        with pytest.raises(ApiError) as caught:
            await api.get_json(PATH)
    assert str(caught.value) == (
        f"the API rejected the key (401 invalid_api_key): check ELEVENLABS_API_KEY (GET {PATH})"
    )
    assert len(server.requests) == 1
    assert api.stats.retries == 0


async def test_the_key_travels_only_in_its_header(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.script(PATH, OK)
    async with make_client() as api:
        await api.get_json(PATH, {"page_size": 3})
    [request] = server.requests
    assert request.headers["xi-api-key"] == CANARY_KEY
    assert CANARY_KEY not in request.path + json.dumps(request.query)
    assert [name for name, value in request.headers.items() if CANARY_KEY in value] == [
        "xi-api-key"
    ]


class OneChunk(httpx.AsyncByteStream):
    """A body streamed as one chunk (httpx counts the bytes it reads from a stream)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data


async def test_content_length_is_checked_whatever_the_transport(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A transport that hands over a short body without complaint (aiohttp itself raises)
    is caught by the client's own byte count, for JSON and downloads alike."""
    sent: list[str] = []

    def short_then_whole(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        declared = {"content-length": str(len(OK.body))}
        body = OK.body if len(sent) % 2 == 0 else OK.body[:10]
        return httpx.Response(200, headers=declared, stream=OneChunk(body))

    async with make_client(transport=httpx.MockTransport(short_then_whole)) as api:
        page, _ = await api.get_json(PATH)
        with (tmp_path / "body").open("wb") as dest:
            size = await api.download(PATH, dest)
    assert page["status"] == "done"
    assert (tmp_path / "body").read_bytes() == OK.body
    assert size == len(OK.body)
    assert len(sent) == 4
    assert api.stats.retried == {"truncated": 2}

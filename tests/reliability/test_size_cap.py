"""Bodies beyond the size cap are refused with a clear error, never retried, never stored.

The client is tested against a local aiohttp server that sends a body with its
Content-Length, or chunked (no length known until the end), for both kinds of request: a JSON
body (read whole to parse it) and a download (streamed to a file). A body just under the cap
goes through, the same body just over it is refused after one request. Then the raw layer,
against the emulator over HTTP, with caps below what the emulator sends: an oversized list
page fails the day with the cap named, an oversized recording is reported as failed while
the details land, and no partial file is left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import dagster as dg
import pytest
from aiohttp import web

from assets.raw.assets import raw_conversations
from assets.raw.stored import stored_details
from emulator import EmulatorConfig, running_emulator
from pipelines.client import ApiClient
from pipelines.errors import ApiError
from pipelines.lake import Lake
from pipelines.resources import API_KEY_ENV_VAR
from pipelines.retry import RetryPolicy
from pipelines.settings import Secret
from tests.reliability.harness import KEY, resources
from tests.reliability.privacy_harness import files_under

CAP = 64 * 1024
CHUNK = 4096


@contextlib.asynccontextmanager
async def serving(size: int, *, chunked: bool) -> AsyncIterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 whose every path answers a JSON object of `size` bytes (which
    also passes for an MP3 body: the client does not look inside), chunked or with its
    Content-Length; yields its URL and the paths it was asked for."""
    body = b'{"x": "' + b"a" * (size - 9) + b'"}'
    assert len(body) == size
    asked: list[str] = []

    async def answer(request: web.Request) -> web.StreamResponse:
        asked.append(request.path)
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = size
        await response.prepare(request)
        for start in range(0, size, CHUNK):
            await response.write(body[start : start + CHUNK])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        [sock] = site._server.sockets  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", asked
    finally:
        await runner.cleanup()


async def fetch(url: str, kind: str) -> int:
    """GET /body as `kind` ("json" or "download") under the cap; the size received."""
    client = ApiClient(
        base_url=url,
        api_key=Secret(KEY),
        retry=RetryPolicy(max_attempts=3, jitter=0),
        max_json_bytes=CAP,
        max_download_bytes=CAP,
    )
    async with client:
        if kind == "json":
            _, raw = await client.get_json("/body")
            return len(raw)
        return await client.download("/body", io.BytesIO())


@pytest.mark.anyio
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("kind", ["json", "download"])
async def test_a_body_over_the_cap_is_refused_once_and_clearly(kind: str, chunked: bool) -> None:
    async with serving(CAP, chunked=chunked) as (url, asked):
        assert await fetch(url, kind) == CAP
    async with serving(CAP + 1, chunked=chunked) as (url, asked):
        with pytest.raises(ApiError) as refused:
            await fetch(url, kind)
    assert asked == ["/body"], "a body over the cap is not asked for again"
    message = str(refused.value)
    assert f"over the {CAP:,}-byte size cap" in message
    seen = f"Content-Length {CAP + 1:,}" if not chunked else f"more than {CAP:,} bytes arrived"
    assert seen in message


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


TODAY = dt.date(2026, 6, 2)
DAY = TODAY - dt.timedelta(days=1)
CONFIG = EmulatorConfig(
    seed=4, agents=1, conversations_per_day=6, days=1, today=TODAY, api_key=KEY, pending_per_agent=0
)


def raw_day(lake: Path, **client: int) -> dg.ExecuteInProcessResult:
    with running_emulator(CONFIG) as emulator:
        return dg.materialize(
            [raw_conversations],
            partition_key=DAY.isoformat(),
            resources=resources(emulator, lake, **client),
            raise_on_error=False,
        )


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [event for event in result.all_events if event.is_step_failure]
    assert failure.step_failure_data is not None
    error, text = failure.step_failure_data.error, ""
    while error is not None:
        text, error = text + error.message, error.cause
    return text


def test_an_oversized_list_page_fails_the_day_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    result = raw_day(tmp_path / "lake", max_json_bytes=512)
    assert not result.success
    assert "over the 512-byte size cap" in failure_text(result)
    assert files_under(tmp_path / "lake" / "raw") == []


def test_an_oversized_recording_is_reported_and_nothing_partial_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    lake = tmp_path / "lake"
    result = raw_day(lake, max_download_bytes=2048)
    assert not result.success
    text = failure_text(result)
    assert "could not be fetched" in text
    assert "audio: " in text
    assert "over the 2,048-byte size cap" in text
    assert len(stored_details(Lake(lake), DAY).latest) == 6, "the details still land"
    assert files_under(lake / "audio") == []

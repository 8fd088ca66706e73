"""The key shows up nowhere but its header, and is never sent in clear over the network."""

from __future__ import annotations

import logging
import traceback

import pytest

from pipelines.client import ApiClient
from pipelines.errors import ApiError
from pipelines.retry import RetryPolicy
from pipelines.settings import DEFAULT_CONCURRENCY, Secret, SettingsError
from tests.client.conftest import CANARY_KEY, MakeClient
from tests.client.scripted_server import Reply, ScriptedServer, json_reply

PATH = "/v1/convai/agents"


def everything_about(error: BaseException) -> str:
    """All an operator, a log or Dagster's error display could show of an exception."""
    parts = [str(error), repr(error), *traceback.format_exception(error)]
    parts += [repr(value) for value in vars(error).values()]
    return "\n".join(parts)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "reply",
    [
        json_reply(
            {"detail": {"status": "invalid_api_key", "message": f"Invalid API key {CANARY_KEY}"}},
            401,
        ),
        json_reply({"detail": [{"msg": f"bad header {CANARY_KEY}", "loc": ["header"]}]}, 422),
        Reply(status=503, body=f"<html>upstream refused key={CANARY_KEY}</html>".encode()),
        Reply(drop=True),
        Reply(body=f"not json {CANARY_KEY}".encode()),
    ],
    ids=["401-echoing-the-key", "422-echoing", "503-html-echoing", "dropped", "bad-body-echoing"],
)
async def test_errors_and_logs_never_show_the_key(
    server: ScriptedServer,
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
    reply: Reply,
) -> None:
    server.script(PATH, reply)
    caplog.set_level(logging.DEBUG)
    async with make_client(retry=RetryPolicy(max_attempts=2, jitter=0)) as api:
        with pytest.raises(ApiError) as caught:
            await api.get_json(PATH)
        shown = everything_about(caught.value) + repr(api) + str(api.stats)
    assert CANARY_KEY not in shown
    assert CANARY_KEY not in caplog.text
    assert caplog.records, "the client logs its requests or retries"


@pytest.mark.anyio
async def test_a_redirect_is_not_followed_with_the_key(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    """A redirect could send the key to another host: it is an error, and nothing follows it."""
    async with ScriptedServer() as elsewhere:
        elsewhere.script(PATH, json_reply({"agents": []}))
        server.script(PATH, json_reply({}, 302, location=f"{elsewhere.url}{PATH}"))
        async with make_client() as api:
            with pytest.raises(ApiError) as caught:
                await api.get_json(PATH)
    assert caught.value.status == 302
    assert elsewhere.requests == []
    assert server.paths() == [PATH]


def test_client_repr_shows_where_not_who() -> None:
    api = ApiClient(base_url="https://api.elevenlabs.io", api_key=Secret(CANARY_KEY))
    expected = f"ApiClient(base_url='https://api.elevenlabs.io', concurrency={DEFAULT_CONCURRENCY})"
    assert repr(api) == str(api) == expected


@pytest.mark.parametrize(
    "url", ["http://api.elevenlabs.io", "http://10.0.0.5:8000", "http://emulator.internal"]
)
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="CONVAI_ALLOW_INSECURE_HTTP"):
        ApiClient(base_url=url, api_key=Secret(CANARY_KEY))


def test_plain_http_elsewhere_when_explicitly_allowed() -> None:
    api = ApiClient(
        base_url="http://emulator.internal:8000", api_key=Secret("k"), allow_insecure_http=True
    )
    assert api.base_url.host == "emulator.internal"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.eu.residency.elevenlabs.io",
        "http://127.0.0.1:8000",
        "http://127.8.9.10",
        "http://localhost:9000/prefix",
        "http://[::1]:8000",
    ],
)
def test_https_and_loopback_are_accepted(url: str) -> None:
    assert ApiClient(base_url=url, api_key=Secret("k")).base_url == url


@pytest.mark.parametrize("url", ["ftp://api.elevenlabs.io", "api.elevenlabs.io", "https://"])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="ELEVENLABS_BASE_URL"):
        ApiClient(base_url=url, api_key=Secret("k"))


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="ELEVENLABS_API_KEY"):
        ApiClient(base_url="https://api.elevenlabs.io", api_key=Secret(""))

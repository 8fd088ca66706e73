"""GetSender builds the requests httpx's client would have built, and finds the same proxy."""

from __future__ import annotations

import httpx
import pytest

from pipelines.get_sender import GetSender, environment_proxy
from tests.client.scripted_server import ScriptedServer, json_reply

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def _sender(base_url: str) -> GetSender:
    return GetSender(
        httpx.URL(base_url),
        {"xi-api-key": "k"},
        timeout=httpx.Timeout(1.0),
        limits=httpx.Limits(max_connections=1),
        transport=httpx.MockTransport(lambda _: httpx.Response(200)),
    )


@pytest.mark.parametrize(
    ("base_url", "path", "query", "expected"),
    [
        ("https://api.elevenlabs.io", "/v1/a", "", "https://api.elevenlabs.io/v1/a"),
        ("https://api.elevenlabs.io/", "/v1/a", "x=1", "https://api.elevenlabs.io/v1/a?x=1"),
        ("https://proxy.example/eleven/", "/v1/a", "", "https://proxy.example/eleven/v1/a"),
        ("https://h.example/p?drop=1#f", "/v1/a", "y=2", "https://h.example/p/v1/a?y=2"),
    ],
)
def test_request_joins_the_base_url_and_path(
    base_url: str, path: str, query: str, expected: str
) -> None:
    request = _sender(base_url).request(path, query)
    assert request.method == "GET"
    assert str(request.url) == expected
    assert request.headers["host"] == httpx.URL(base_url).netloc.decode()
    assert request.headers["xi-api-key"] == "k"
    assert request.extensions["timeout"] == httpx.Timeout(1.0).as_dict()


def test_query_is_sent_as_encoded() -> None:
    query = str(httpx.QueryParams({"cursor": "a b/c", "agent_id": "x&y"}))
    request = _sender("https://h.example").request("/v1/a", query)
    assert dict(request.url.params) == {"cursor": "a b/c", "agent_id": "x&y"}


@pytest.mark.parametrize(
    ("environment", "url", "expected"),
    [
        ({}, "https://api.elevenlabs.io", None),
        ({"HTTPS_PROXY": "http://p:3128"}, "https://api.elevenlabs.io", "http://p:3128"),
        ({"HTTPS_PROXY": "http://p:3128"}, "http://127.0.0.1:9", None),
        ({"HTTP_PROXY": "http://p:3128"}, "http://127.0.0.1:9", "http://p:3128"),
        ({"ALL_PROXY": "http://all:1"}, "https://api.elevenlabs.io", "http://all:1"),
        (
            {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "elevenlabs.io"},
            "https://api.elevenlabs.io",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://p:3128", "NO_PROXY": "other.example"},
            "https://api.elevenlabs.io",
            "http://p:3128",
        ),
    ],
)
def test_environment_proxy_follows_the_usual_variables(
    clean_proxy_environment: pytest.MonkeyPatch,
    environment: dict[str, str],
    url: str,
    expected: str | None,
) -> None:
    for name, value in environment.items():
        clean_proxy_environment.setenv(name, value)
    proxy = environment_proxy(httpx.URL(url))
    assert (str(proxy.url) if proxy else None) == (str(httpx.URL(expected)) if expected else None)


async def _get_over_http(base_url: str, path: str, query: str = "") -> tuple[int, bytes]:
    """The status and body of one GET by a sender on the default transport."""
    sender = GetSender(
        httpx.URL(base_url),
        {"xi-api-key": "k"},
        timeout=httpx.Timeout(2.0),
        limits=httpx.Limits(max_connections=1),
    )
    try:
        async with sender.stream(path, query) as response:
            return response.status_code, b"".join([c async for c in response.aiter_bytes()])
    finally:
        await sender.aclose()


@pytest.mark.anyio
async def test_stream_answers_over_real_http(clean_proxy_environment: pytest.MonkeyPatch) -> None:
    async with ScriptedServer() as server:
        server.script("/v1/a", json_reply({"ok": True}))
        status, body = await _get_over_http(server.url, "/v1/a", "page_size=5")
    assert status == 200
    assert body == b'{"ok": true}'
    (seen,) = server.requests
    assert seen.query == {"page_size": ["5"]}
    assert seen.headers["xi-api-key"] == "k"


@pytest.mark.anyio
async def test_requests_go_through_the_environments_proxy(
    clean_proxy_environment: pytest.MonkeyPatch,
) -> None:
    """A host that does not resolve is reached through the proxy the environment names."""
    async with ScriptedServer() as proxy:
        proxy.script("/v1/a", json_reply({"via": "proxy"}))
        clean_proxy_environment.setenv("HTTP_PROXY", proxy.url)
        _, body = await _get_over_http("http://api.convai.invalid", "/v1/a")
    assert body == b'{"via": "proxy"}'
    assert proxy.paths() == ["/v1/a"]
    assert proxy.requests[0].headers["host"] == "api.convai.invalid"

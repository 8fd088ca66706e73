"""Fixtures for the client tests: a scripted server on 127.0.0.1 and clients that do not wait."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from pipelines.client import ApiClient, Timeouts
from pipelines.retry import RetryPolicy
from pipelines.settings import Secret
from tests.client.scripted_server import ScriptedServer

CANARY_KEY = "sk_canary_5f0c9d2e7b1a"


class RecordedSleeps:
    """Stands in for asyncio.sleep between attempts: records each delay, waits for none."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


MakeClient = Callable[..., ApiClient]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with ScriptedServer() as running:
        yield running


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def make_client(server: ScriptedServer, sleeps: RecordedSleeps) -> MakeClient:
    """Build a client for `server` with the canary key, recorded sleeps and no jitter."""

    def build(**overrides: Any) -> ApiClient:
        options: dict[str, Any] = {
            "base_url": server.url,
            "api_key": Secret(CANARY_KEY),
            "retry": RetryPolicy(jitter=0),
            "timeouts": Timeouts(connect=2, read=2, pool=2),
            "sleep": sleeps,
        }
        options.update(overrides)
        return ApiClient(**options)

    return build

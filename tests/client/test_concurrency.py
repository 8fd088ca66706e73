"""bounded_map: the bound on calls in flight, laziness over huge inputs, errors and early exit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest

from pipelines.concurrency import bounded_map
from tests.client.conftest import MakeClient
from tests.client.scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.anyio


class Tracker:
    """Counts the items a generator handed out and the calls running at once; the call on item
    `bad` fails, the others wait `pause` seconds first."""

    def __init__(self, bad: int | None = None, pause: float = 0) -> None:
        self.bad = bad
        self.pause = pause
        self.pulled = 0
        self.running = 0
        self.max_running = 0
        self.cancelled = 0

    def items(self, count: int) -> Iterator[int]:
        for n in range(count):
            self.pulled += 1
            yield n

    async def call(self, n: int) -> int:
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if n == self.bad:
                raise RuntimeError(f"item {n} is bad")
            await asyncio.sleep(self.pause)
            return n
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.running -= 1


async def test_every_item_once_with_at_most_limit_running() -> None:
    tracker = Tracker()
    results = [n async for n in bounded_map(tracker.call, tracker.items(1000), limit=8)]
    assert sorted(results) == list(range(1000))
    assert tracker.max_running == 8


async def test_a_huge_generator_is_consumed_lazily() -> None:
    """100,000 items: never more than 2 x limit taken ahead of the consumer, nor tasks alive."""
    limit = 16
    tracker = Tracker()
    baseline = len(asyncio.all_tasks())
    consumed = 0
    ahead = tasks = 0
    async for _ in bounded_map(tracker.call, tracker.items(100_000), limit=limit):
        consumed += 1
        ahead = max(ahead, tracker.pulled - consumed)
        if consumed % 1000 == 0:
            tasks = max(tasks, len(asyncio.all_tasks()) - baseline)
    assert consumed == 100_000
    assert ahead <= 2 * limit
    assert tasks <= limit


async def test_the_first_error_surfaces_and_the_rest_are_cancelled() -> None:
    tracker = Tracker(bad=5, pause=10)
    baseline = len(asyncio.all_tasks())
    with pytest.raises(RuntimeError, match="item 5 is bad"):
        _ = [n async for n in bounded_map(tracker.call, tracker.items(1000), limit=20)]
    assert len(asyncio.all_tasks()) == baseline
    assert tracker.pulled == 20
    assert tracker.cancelled == 19


async def test_closing_early_cancels_the_calls_in_flight() -> None:
    tracker = Tracker()
    baseline = len(asyncio.all_tasks())
    async with contextlib.aclosing(
        bounded_map(tracker.call, tracker.items(1_000_000), limit=10)
    ) as results:
        async for n in results:
            if n >= 50:
                break
    assert len(asyncio.all_tasks()) == baseline
    assert tracker.pulled <= 51 + 2 * 10


async def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        _ = [n async for n in bounded_map(Tracker().call, range(3), limit=0)]


async def test_the_server_never_sees_more_than_the_limit(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.script("/v1/item", Reply(delay=0.02))
    async with make_client(concurrency=50) as api:

        async def fetch(_: int) -> None:
            await api.get_json("/v1/item")

        _ = [r async for r in bounded_map(fetch, range(200), limit=5)]
    assert len(server.requests) == 200
    assert server.max_in_flight == 5


async def test_the_pool_caps_requests_in_flight_whatever_the_caller_does(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.script("/v1/item", Reply(delay=0.02))
    async with make_client(concurrency=3) as api:
        await asyncio.gather(*(api.get_json("/v1/item") for _ in range(60)))
    assert server.max_in_flight == 3

"""Run an async function over many items with a fixed number in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def bounded_map(
    fn: Callable[[T], Awaitable[R]], items: Iterable[T], *, limit: int
) -> AsyncGenerator[R, None]:
    """Yield `fn(item)` for every item, in completion order, with at most `limit` calls running.

    `limit` workers pull items from one shared iterator, so items are taken only as slots free
    up, and finished results wait in a queue of `limit`: memory is bounded by `limit`, not by
    the number of items (a generator of millions is fine). When the consumer is slow, workers
    wait instead of starting new calls. The first exception from `fn` (or from `items`) is
    raised here and the calls still running are cancelled; so is closing the generator early,
    which callers should do with `contextlib.aclosing` when they may stop before the end.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    source = iter(items)
    # Each entry is one result, one exception, or None when a worker has run out of items.
    finished: asyncio.Queue[tuple[R] | BaseException | None] = asyncio.Queue(limit)

    async def work() -> None:
        try:
            for item in source:
                await finished.put((await fn(item),))
        except Exception as exc:
            await finished.put(exc)
        await finished.put(None)

    workers = [asyncio.create_task(work()) for _ in range(limit)]
    try:
        running = limit
        while running:
            entry = await finished.get()
            if entry is None:
                running -= 1
            elif isinstance(entry, BaseException):
                raise entry
            else:
                yield entry[0]
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

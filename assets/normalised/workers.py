"""Per-item Python work (MP3 headers, VADER) spread over worker processes when there is enough
of it to pay for starting them, so it runs beside polars instead of after it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items the work runs in-process: starting workers costs about a second.
MIN_ITEMS_FOR_WORKERS = 4_000


@contextmanager
def worker_pool() -> Iterator[Executor]:
    """Worker processes (spawned: polars' threads do not survive a fork), started on first use."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context) as pool:
        yield pool


def started(
    pool: Executor, work: Callable[[list[Item]], list[Result]], items: Sequence[Item]
) -> Callable[[], list[Result]]:
    """Start `work` on slices of `items`; the returned callable waits for the results, in order.

    Few items are left to run in-process when the results are asked for.
    """
    if len(items) < MIN_ITEMS_FOR_WORKERS:
        return lambda: work(list(items))
    workers = os.cpu_count() or 1
    size = -(-len(items) // workers)
    futures = [pool.submit(work, list(items[i : i + size])) for i in range(0, len(items), size)]
    return lambda: [result for future in futures for result in future.result()]

"""Request counters shared by every worker: a file of 64-bit counters, one block per worker.

Each worker writes only its own block (no locking); readers sum the blocks. Rows are routes,
columns are totals, retries, response statuses and injected fault kinds.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STATUSES = (200, 400, 401, 404, 405, 422, 429, 500, 502, 503)
FAULTS = ("429", "5xx", "reset", "truncate", "malformed", "slow_body", "stall", "drift")
COLUMNS = ("requests", "retried", *(str(s) for s in STATUSES), *(f"fault:{f}" for f in FAULTS))
STATUS_COLUMN = {status: 2 + i for i, status in enumerate(STATUSES)}
FAULT_COLUMN = {fault: 2 + len(STATUSES) + i for i, fault in enumerate(FAULTS)}
REQUESTS, RETRIED = 0, 1
_WORD = 8


def create_stats_file(path: Path, routes: int, workers: int) -> None:
    path.write_bytes(bytes(routes * len(COLUMNS) * workers * _WORD))


class Stats:
    def __init__(self, path: Path, routes: Sequence[str], worker: int) -> None:
        self.routes = tuple(routes)
        self.row = {route: i for i, route in enumerate(self.routes)}
        with path.open("r+b") as f:
            self._map = mmap.mmap(f.fileno(), 0)
        self._counters = memoryview(self._map).cast("Q")
        self._base = worker * len(self.routes) * len(COLUMNS)

    def close(self) -> None:
        self._counters.release()
        self._map.close()

    def add(self, route: int, column: int) -> None:
        self._counters[self._base + route * len(COLUMNS) + column] += 1

    def status(self, route: int, status: int) -> None:
        column = STATUS_COLUMN.get(status)
        if column is not None:
            self.add(route, column)

    def snapshot(self) -> dict[str, Any]:
        """Counts summed over workers: {"requests": n, "routes": {route: {column: n}}}."""
        width = len(COLUMNS) * len(self.routes)
        workers = len(self._counters) // width
        routes: dict[str, dict[str, int]] = {}
        for r, route in enumerate(self.routes):
            totals = [
                sum(self._counters[w * width + r * len(COLUMNS) + c] for w in range(workers))
                for c in range(len(COLUMNS))
            ]
            if totals[REQUESTS]:
                routes[route] = {name: n for name, n in zip(COLUMNS, totals, strict=True) if n}
        return {"requests": sum(r["requests"] for r in routes.values()), "routes": routes}

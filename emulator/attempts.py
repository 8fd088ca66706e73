"""How many times each request (method, path and query) was seen, shared by every worker, so
that faults depend on the attempt number and `max_faults_per_request` holds across workers.

An open-addressing table of 16-byte entries (key, attempt << 32 | failures in a row) in a
sparse file; workers update it under an exclusive `flock`, a single process without locking.
"""

from __future__ import annotations

import fcntl
import mmap
import os
from collections.abc import Callable
from pathlib import Path

CAPACITY = 1 << 21
_MAX_PROBES = 64


def create_attempts_file(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(CAPACITY * 16)


class AttemptTable:
    def __init__(self, path: Path, *, shared: bool) -> None:
        self._fd = os.open(path, os.O_RDWR)
        self._map = mmap.mmap(self._fd, 0)
        self._words = memoryview(self._map).cast("Q")
        self._shared = shared

    def close(self) -> None:
        self._words.release()
        self._map.close()
        os.close(self._fd)

    def record(
        self, key: int, spoils: Callable[[int], str | None], limit: int
    ) -> tuple[int, str | None]:
        """Count an attempt of request `key`: its number (from 0) and the fault spoiling it,
        asking `spoils(attempt)` only while fewer than `limit` attempts failed in a row."""
        if self._shared:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            return self._record(key, spoils, limit)
        finally:
            if self._shared:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _record(
        self, key: int, spoils: Callable[[int], str | None], limit: int
    ) -> tuple[int, str | None]:
        words = self._words
        slot = key % CAPACITY
        for _ in range(_MAX_PROBES):
            stored = words[2 * slot]
            if stored in (key, 0):
                break
            slot = (slot + 1) % CAPACITY
        else:  # table full around this key: count nothing, spoil nothing
            return 0, None
        state = words[2 * slot + 1] if stored else 0
        attempt, streak = state >> 32, state & 0xFFFFFFFF
        fault = spoils(attempt) if streak < limit else None
        words[2 * slot] = key
        words[2 * slot + 1] = ((attempt + 1) << 32) | (streak + 1 if fault else 0)
        return attempt, fault

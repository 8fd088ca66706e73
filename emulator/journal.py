"""An append-only file of JSON lines that every process serving one emulator shares.

Mutations (deletes, creates, advancing) are appended under an exclusive `flock` and every
process replays lines it has not seen before serving a request (one `fstat` when nothing is
new), so a change made through any worker is visible to the next request on every worker.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Entry = dict[str, Any]


class Journal:
    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        self._offset = 0
        self._partial = b""

    def close(self) -> None:
        os.close(self._fd)

    def unread(self) -> list[Entry]:
        """Entries appended since the last call (complete lines only)."""
        size = os.fstat(self._fd).st_size
        if size == self._offset:
            return []
        data = self._partial + os.pread(self._fd, size - self._offset, self._offset)
        self._offset = size
        *lines, self._partial = data.split(b"\n")
        return [json.loads(line) for line in lines]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def append(self, apply: Callable[[Entry], None], build: Callable[[], Entry]) -> Entry:
        """Under the lock: apply the entries not yet read, then build, write and apply a new
        one, so that `build` sees every earlier mutation (e.g. to number new resources)."""
        with self._locked():
            for entry in self.unread():
                apply(entry)
            entry = build()
            line = json.dumps(entry, ensure_ascii=False).encode() + b"\n"
            os.write(self._fd, line)
            self._offset += len(line)
            apply(entry)
        return entry

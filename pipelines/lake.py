"""The lake on local disk: atomic publication, safe names and a writer lock.

Every file in the lake appears by rename once it is complete, so a reader (or a run killed at
any moment) sees whole files or none. Temporary files are hidden (`.name.<token>.tmp`) and
never match a reader's glob; `sweep_temp_files` removes the ones a killed run left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"
LOCK_DIR = ".locks"
# Real ids look like `conv_01k05y7r2d9e8f7g6h5j4k3m2n` or `hTwP6TgapJKas2oJxX6d`.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}")


class UnsafeIdError(ValueError):
    """An id from the API that cannot be used as a file name in the lake."""


class LakeLockedError(RuntimeError):
    """Another process holds the lake's writer lock."""


def safe_id(value: object, kind: str = "id") -> str:
    """Return `value` if it is safe as one path component, else raise UnsafeIdError.

    Safe means: a string of 1-200 ASCII letters, digits, `_`, `-` or `.`, starting with a
    letter or digit, and without `..`: it can neither climb out of a directory nor hide.
    """
    if not isinstance(value, str) or not _SAFE_ID.fullmatch(value) or ".." in value:
        shown = repr(value)[:80]
        raise UnsafeIdError(f"unsafe {kind} {shown}: not usable as a file name in the lake")
    return value


def date_partition(area: str, day: dt.date) -> str:
    """The lake-relative directory of one day's partition, e.g. `raw/conversations/date=...`."""
    return f"{area}/date={day.isoformat()}"


class Lake:
    """A lake rooted at a local directory; every write goes through `atomic_path`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"Lake({str(self.root)!r})"

    def path(self, relative: str) -> Path:
        """Absolute path of a lake-relative path (which must stay inside the lake)."""
        target = (self.root / relative).resolve()
        if target != self.root.resolve() and self.root.resolve() not in target.parents:
            raise UnsafeIdError(f"path {relative!r} leaves the lake")
        return target

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def ensure_root(self) -> Path:
        """Create the lake root, readable by its owner only (transcripts are personal data)."""
        if not self.root.exists():
            self.root.mkdir(parents=True, mode=0o700)
        return self.root

    @contextlib.contextmanager
    def atomic_path(self, relative: str) -> Iterator[Path]:
        """Yield a temporary path; when the block succeeds, publish it at `relative` by rename.

        The temporary file is removed if the block fails; a killed process leaves it hidden
        for `sweep_temp_files`.
        """
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            yield temp
            _fsync(temp)
            temp.chmod(0o600)
            temp.replace(target)
            _fsync(target.parent)
        finally:
            temp.unlink(missing_ok=True)

    @contextlib.contextmanager
    def open_atomic(self, relative: str) -> Iterator[BinaryIO]:
        """Like `atomic_path`, but yield the temporary file open for binary writing."""
        with self.atomic_path(relative) as temp, temp.open("wb") as handle:
            yield handle

    def write_bytes(self, relative: str, data: bytes) -> Path:
        with self.open_atomic(relative) as handle:
            handle.write(data)
        return self.path(relative)

    def glob(self, relative_dir: str, pattern: str) -> list[Path]:
        """Published files matching `pattern` in a lake directory, sorted by name."""
        directory = self.path(relative_dir)
        if not directory.is_dir():
            return []
        return sorted(p for p in directory.glob(pattern) if not p.name.startswith("."))

    def sweep_temp_files(self, relative_dir: str = "") -> list[Path]:
        """Remove temporary files that killed runs left below `relative_dir` (default: the
        whole lake); call only while holding the lock of every writer that works there."""
        directory = self.path(relative_dir)
        if not directory.is_dir():
            return []
        swept = [p for p in directory.rglob(f".*{TEMP_SUFFIX}") if p.is_file()]
        for path in swept:
            path.unlink(missing_ok=True)
        return swept

    @contextlib.contextmanager
    def lock(self, name: str, *, wait: bool) -> Iterator[None]:
        """Hold the writer lock `name` (e.g. `day-2026-01-31`, `warehouse`).

        With `wait=False`, raise LakeLockedError when another process holds it. The lock is an
        advisory `flock`, released by the kernel when the process dies, so a killed run never
        leaves the lake locked.
        """
        lock_dir = self.ensure_root() / LOCK_DIR
        lock_dir.mkdir(exist_ok=True)
        with (lock_dir / f"{safe_id(name, 'lock name')}.lock").open("a") as handle:
            flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
            try:
                fcntl.flock(handle.fileno(), flags)
            except OSError as error:
                if error.errno in (errno.EAGAIN, errno.EACCES):
                    raise LakeLockedError(
                        f"another convai-lake run holds {name!r} in {self.root}; "
                        "wait for it to finish and run again"
                    ) from None
                raise
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    """Flush a file's (or a directory's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

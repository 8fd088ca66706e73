"""The lake on local disk: atomic publication, safe names and a writer lock.

Every file in the lake appears by rename once it is complete, so a reader (or a run killed at
any moment) sees whole files or none. Temporary files are hidden (`.name.<token>.tmp`) and
never match a reader's glob; `sweep_temp_files` removes the ones a killed run left behind.

A lake on object storage (`Lake(working_copy, store=...)`) is the same local directory, kept
as a working copy of the store: every published file is uploaded as one object before its
rename, and `refresh` / `push_deletions` bring the two in line (`pipelines.object_store`).
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

from pipelines.object_store import (
    ObjectStore,
    RefreshReport,
    WorkingCopy,
    open_store,
)

TEMP_SUFFIX = ".tmp"
LOCK_DIR = ".locks"
# Transcripts and recordings are personal data: the lake is its owner's alone.
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
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


def restrict_umask() -> None:
    """Make whatever this process creates from now on owner-only, whatever umask it was started
    with: the files of Dagster's run history and DuckDB's temporary files too, not only the
    lake's own (which `Lake` makes private itself). The CLI calls this first."""
    os.umask(os.umask(0o077) | 0o077)


def date_partition(area: str, day: dt.date) -> str:
    """The lake-relative directory of one day's partition, e.g. `raw/conversations/date=...`."""
    return f"{area}/date={day.isoformat()}"


class Lake:
    """A lake rooted at a local directory; every write goes through `atomic_path`.

    With `store`, the directory is the working copy of a lake in object storage.
    """

    def __init__(self, root: Path | str, store: ObjectStore | None = None) -> None:
        self.root = Path(root).absolute()
        # Resolved once: `path` runs for every file the pipeline touches.
        self._resolved_root = self.root.resolve()
        self._inside = f"{self._resolved_root}{os.sep}"
        self.store = store
        self._copy = None if store is None else WorkingCopy(self.root, store)

    def __repr__(self) -> str:
        if self.store is not None:
            return f"Lake({self.store.url!r}, working copy {str(self.root)!r})"
        return f"Lake({str(self.root)!r})"

    @property
    def location(self) -> str:
        """Where the lake lives: its object-store URL, or its directory."""
        return self.root.as_posix() if self.store is None else self.store.url

    def refresh(self, day: str | None = None) -> RefreshReport:
        """Bring the working copy in line with the store (nothing to do for a local lake).

        With `day` (`YYYY-MM-DD`), files of other days' `date=` partitions are left alone:
        a day's run needs its own day and the undated files only.
        """
        return RefreshReport() if self._copy is None else self._copy.refresh(day)

    def fetch(self, relative: str) -> bool:
        """Bring one file of the working copy up to date (one conditional GET); whether it
        changed. FileNotFoundError when the store has no such file; False for a local lake."""
        return False if self._copy is None else self._copy.fetch(relative)

    def push_deletions(self) -> int:
        """Delete from the store the files deleted from the working copy; the count."""
        return 0 if self._copy is None else self._copy.push_deletions()

    def path(self, relative: str) -> Path:
        """Absolute path of a lake-relative path, which must stay inside the lake. Checked
        lexically: the lake holds no symbolic links of its own, and ids reach a path only
        through `safe_id`."""
        # os.path on strings: a twentieth of pathlib's cost, on the hot path of every fetch.
        target = os.path.normpath(os.path.join(self._resolved_root, relative))  # noqa: PTH118
        if target != str(self._resolved_root) and not target.startswith(self._inside):
            raise UnsafeIdError(f"path {relative!r} leaves the lake")
        return Path(target)

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self._resolved_root).as_posix()

    def ensure_root(self) -> Path:
        """Create the lake root, readable by its owner only (transcripts are personal data)."""
        if not self.root.exists():
            self.root.mkdir(parents=True, mode=PRIVATE_DIR)
        return self.root

    def make_dirs(self, directory: Path) -> None:
        """Create `directory` (inside the lake) and its missing parents, owner-only, so that a
        lake root someone else created with wider rights still hides what is below it."""
        self.ensure_root()
        missing = []
        while directory != self.root and not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for level in reversed(missing):
            level.mkdir(mode=PRIVATE_DIR, exist_ok=True)

    @contextlib.contextmanager
    def atomic_path(self, relative: str) -> Iterator[Path]:
        """Yield a temporary path; when the block succeeds, publish it at `relative` by rename.

        The temporary file is removed if the block fails; a killed process leaves it hidden
        for `sweep_temp_files`.
        """
        target = self.path(relative)
        self.make_dirs(target.parent)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            yield temp
            _fsync(temp)
            temp.chmod(PRIVATE_FILE)
            if self._copy is None:
                temp.replace(target)
            else:  # uploaded whole, then renamed: the store never lacks a file shown here
                self._copy.publish(temp, target, self.relative(target))
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
        lock_file = self.root / LOCK_DIR / f"{safe_id(name, 'lock name')}.lock"
        self.make_dirs(lock_file.parent)
        fd = os.open(lock_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        with os.fdopen(fd, "a") as handle:
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


def open_lake(root: Path | str, store_url: str | None = None) -> Lake:
    """The lake at `root`, or, with `store_url`, the lake in that store with `root` as its
    local working copy."""
    return Lake(root, None if not store_url else open_store(store_url))


def _fsync(path: Path) -> None:
    """Flush a file's (or a directory's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""A lake on object storage (`s3://`, `gs://`, `az://`), kept as a local working copy.

The pipeline reads and writes local files (polars, DuckDB, mutagen, zstd streams all want
paths). When `CONVAI_LAKE_DIR` is an object-store URL, the lake's files live in the store and
a local directory holds a working copy of them (see docs/object-store.md):

- publishing a file uploads it as one object (one PUT, or a multipart upload completed in one
  request: atomic per object on S3, GCS and Azure) *before* the local rename, so the store
  never lacks a file the working copy shows;
- `refresh` makes the working copy match the store: it downloads objects whose ETag differs
  from the one recorded when the local copy was made, and removes local files that another
  writer deleted; a rerun with nothing new costs one listing;
- a file deleted from the working copy (by any code: `unlink`, `rmtree`) is a pending deletion
  that `push_deletions` applies to the store; a killed run's pending deletions are applied by
  the next run's `refresh`.

The ETag recorded for each local copy lives in a SQLite file in the working copy, whose
transactions make processes sharing one working copy take turns at renaming and recording.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import BaseError, NotModifiedError
from obstore.store import from_url

if TYPE_CHECKING:
    from obstore.store import ObjectStore as Backend

# Schemes that obstore's `from_url` opens; credentials and endpoints come from the usual
# environment variables of each cloud (AWS_*, GOOGLE_*, AZURE_*).
STORE_SCHEMES = frozenset({"s3", "s3a", "gs", "az", "azure", "abfs", "abfss"})
STATE_FILE = ".store-state.sqlite3"
TEMP_SUFFIX = ".tmp"
# One PUT up to this size (S3 allows 5 GiB); above it a multipart upload, which is invisible
# until its completing request. Measured in bench/object_store_io.py: against moto, multipart
# in 5 MiB parts was slower than one PUT for 16 MiB objects.
MULTIPART_THRESHOLD = 64 * 1024 * 1024
DOWNLOAD_THREADS = 8
_DATE_DIR = re.compile(r"(?:^|/)date=(\d{4}-\d{2}-\d{2})/")


# What obstore raises when the store cannot be reached or refuses a request (a missing
# object is FileNotFoundError).
StoreAccessError = BaseError


class StoreError(ValueError):
    """An object-store URL or working copy we cannot use; the message says why."""


def is_store_url(location: str) -> bool:
    """Whether `location` names an object store (`s3://bucket/prefix`) rather than a path."""
    return urlsplit(location).scheme.lower() in STORE_SCHEMES


def working_copy_dir(url: str, cache_root: Path) -> Path:
    """The working copy of the lake at `url`: `<cache_root>/<scheme>/<bucket>/<prefix>`."""
    parts = urlsplit(url)
    components = [parts.scheme.lower(), parts.netloc, *parts.path.strip("/").split("/")]
    components = [c for c in components if c]
    if not parts.netloc or any(c in {".", ".."} or c.startswith(".") for c in components):
        raise StoreError(f"CONVAI_LAKE_DIR {url!r} is not a usable object-store URL")
    return cache_root.joinpath(*components)


def day_of(key: str) -> str | None:
    """The `YYYY-MM-DD` of the `date=` partition `key` lies in, or None (undated file)."""
    found = _DATE_DIR.search(key)
    return found.group(1) if found else None


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    etag: str


class ObjectStore:
    """The lake's prefix in an object store, through obstore; counts requests by kind."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        try:
            self._backend: Backend = from_url(self.url)
        except Exception as error:  # obstore raises its own types for bad URLs and config
            raise StoreError(f"cannot open {self.url}: {error}") from None
        self.requests: collections.Counter[str] = collections.Counter()
        self._count_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    def _count(self, kind: str) -> None:
        with self._count_lock:
            self.requests[kind] += 1

    def list(self, prefix: str | None = None) -> dict[str, StoredObject]:
        """Every object under the lake's prefix (or under `prefix` inside it), by key."""
        found: dict[str, StoredObject] = {}
        for batch in obstore.list(self._backend, prefix, chunk_size=1000):
            self._count("list")
            for meta in batch:
                key = meta["path"]
                found[key] = StoredObject(key, meta["size"], meta["e_tag"] or "")
        if not found:
            self._count("list")
        return found

    def walk(self, enter: Callable[[str], bool]) -> dict[str, StoredObject]:
        """Like `list`, but directory by directory, entering only those `enter` accepts (a
        day's run skips the other days' `date=` directories: its cost then grows with the
        number of directories, not of objects). One request per directory listed (more
        when a directory holds over 1,000 entries)."""
        found: dict[str, StoredObject] = {}
        pending: list[str | None] = [None]
        while pending:
            result = obstore.list_with_delimiter(self._backend, pending.pop())
            self._count("list")
            for meta in result["objects"]:
                key = meta["path"]
                found[key] = StoredObject(key, meta["size"], meta["e_tag"] or "")
            pending.extend(p for p in result["common_prefixes"] if enter(p))
        return found

    def get(self, key: str, destination: Path, unless: str | None = None) -> StoredObject | None:
        """Stream the object at `key` into `destination`; the version that was read, or None
        when its ETag is still `unless` (nothing is written then)."""
        self._count("get")
        try:
            result = obstore.get(
                self._backend, key, options={"if_none_match": unless} if unless else None
            )
        except NotModifiedError:
            return None
        with destination.open("wb") as handle:
            for chunk in result.stream():
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        meta = result.meta
        return StoredObject(key, meta["size"], meta["e_tag"] or "")

    def put(self, source: Path, key: str) -> str:
        """Upload `source` as the object `key`, complete or not at all; its new ETag."""
        self._count("put")
        result = obstore.put(self._backend, key, source, chunk_size=MULTIPART_THRESHOLD)
        return result["e_tag"] or ""

    def delete(self, key: str) -> None:
        self._count("delete")
        obstore.delete(self._backend, key)


@functools.cache
def open_store(url: str) -> ObjectStore:
    """The one `ObjectStore` of `url` in this process (clients pool their connections)."""
    return ObjectStore(url)


@dataclass
class RefreshReport:
    listed: int = 0
    downloaded: int = 0
    removed: int = 0
    deletions_pushed: int = 0


class WorkingCopy:
    """A local directory mirroring an object store; see the module docstring."""

    def __init__(self, root: Path, store: ObjectStore) -> None:
        self.root = root
        self.store = store

    # -- the recorded ETags ---------------------------------------------------------------

    @contextlib.contextmanager
    def _state(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on the state file: one process at a time renames and records."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        con = sqlite3.connect(self.root / STATE_FILE, timeout=300, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, etag TEXT,"
                " publishing_pid INTEGER, store TEXT NOT NULL)"
            )
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _known(self) -> dict[str, str | None]:
        with self._state() as con:
            stores = {row[0] for row in con.execute("SELECT DISTINCT store FROM objects")}
            if stores - {self.store.url}:
                raise StoreError(
                    f"{self.root} is the working copy of {sorted(stores)[0]}, not of "
                    f"{self.store.url}: set CONVAI_CACHE_DIR to another directory"
                )
            rows: list[tuple[str, str | None]] = con.execute(
                "SELECT key, etag FROM objects"
            ).fetchall()
            return dict(rows)

    @staticmethod
    def _etag(con: sqlite3.Connection, key: str) -> str | None:
        row = con.execute("SELECT etag FROM objects WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _record(self, con: sqlite3.Connection, key: str, etag: str | None) -> None:
        con.execute(
            "INSERT INTO objects (key, etag, publishing_pid, store) VALUES (?, ?, NULL, ?)"
            " ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, publishing_pid = NULL",
            (key, etag, self.store.url),
        )

    # -- publishing -----------------------------------------------------------------------

    def publish(self, temp: Path, target: Path, key: str) -> bool:
        """Upload the finished `temp` as `key`, then rename it to `target` and record it;
        False when `target` already holds the same bytes as the store's current object
        (nothing is uploaded, and the file keeps its inode and mtime, which the warehouse's
        "nothing changed" check reads).

        While the upload runs the key is marked as being published by this process, so that
        another process's `push_deletions` does not delete the new object under it.
        """
        with self._state() as con:
            known = self._etag(con, key)
            if known is not None and target.is_file() and _same_bytes(temp, target):
                return False
            self._record(con, key, known)
            con.execute("UPDATE objects SET publishing_pid = ? WHERE key = ?", (os.getpid(), key))
        try:
            etag = self.store.put(temp, key)
        except BaseException:
            with self._state() as con:
                con.execute("UPDATE objects SET publishing_pid = NULL WHERE key = ?", (key,))
            raise
        with self._state() as con:
            temp.replace(target)
            self._record(con, key, etag)
        return True

    # -- deletions ------------------------------------------------------------------------

    def push_deletions(self) -> int:
        """Delete from the store every recorded object whose local file is gone."""
        pushed = 0
        for key in self._known():
            if (self.root / key).exists():
                continue
            with self._state() as con:
                row = con.execute(
                    "SELECT etag, publishing_pid FROM objects WHERE key = ?", (key,)
                ).fetchone()
                if row is None or (self.root / key).exists() or _alive(row[1]):
                    continue
                if row[0] is not None:  # None: a publication that never completed
                    self.store.delete(key)  # inside the transaction: no publish interleaves
                    pushed += 1
                con.execute("DELETE FROM objects WHERE key = ?", (key,))
        return pushed

    # -- refreshing -----------------------------------------------------------------------

    def refresh(self, day: str | None = None) -> RefreshReport:
        """Apply pending deletions, then bring the working copy up to date: all of it, or
        with `day` (`YYYY-MM-DD`) the files outside other days' `date=` directories."""

        def include(key: str) -> bool:
            return day is None or day_of(key) in (None, day)

        def enter(directory: str) -> bool:
            name = directory.rstrip("/").rsplit("/", 1)[-1]
            return not name.startswith("date=") or name == f"date={day}"

        report = RefreshReport(deletions_pushed=self.push_deletions())
        remote = self.store.list() if day is None else self.store.walk(enter)
        known = self._known()
        report.listed = len(remote)
        wanted = [
            obj
            for key, obj in remote.items()
            if _usable(key) and include(key) and known.get(key) != obj.etag
        ]
        with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
            report.downloaded = sum(
                pool.map(lambda obj: self._download_listed(obj.key, known.get(obj.key)), wanted)
            )
        for key, etag in known.items():
            if key not in remote and include(key):
                report.removed += self._forget_deleted(key, etag)
        return report

    def fetch(self, key: str) -> bool:
        """Bring one file up to date with a single conditional GET (`convai-lake sql` on the
        warehouse); whether it changed. FileNotFoundError when the store has no such object."""
        known = self._known().get(key)
        return self._download(key, known, unless=known if (self.root / key).is_file() else None)

    def _download(self, key: str, expected: str | None, unless: str | None = None) -> bool:
        """Download `key` and install it, unless another process recorded a newer copy or
        its ETag is still `unless`."""
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            got = self.store.get(key, temp, unless)
            if got is None:
                return False
            temp.chmod(0o600)
            with self._state() as con:
                if self._etag(con, key) != expected:
                    return False
                temp.replace(target)
                self._record(con, key, got.etag)
            return True
        finally:
            temp.unlink(missing_ok=True)

    def _download_listed(self, key: str, expected: str | None) -> bool:
        try:
            return self._download(key, expected)
        except FileNotFoundError:  # deleted since the listing
            return False

    def _forget_deleted(self, key: str, etag: str | None) -> int:
        """Remove the local copy of an object another writer deleted from the store."""
        with self._state() as con:
            row = con.execute(
                "SELECT etag, publishing_pid FROM objects WHERE key = ?", (key,)
            ).fetchone()
            if row is None or row[0] != etag or _alive(row[1]):
                return 0
            (self.root / key).unlink(missing_ok=True)
            con.execute("DELETE FROM objects WHERE key = ?", (key,))
        return 1


def _same_bytes(one: Path, other: Path) -> bool:
    if one.stat().st_size != other.stat().st_size:
        return False
    with one.open("rb") as a, other.open("rb") as b:
        while True:
            chunk = a.read(1 << 20)
            if chunk != b.read(1 << 20):
                return False
            if not chunk:
                return True


def _usable(key: str) -> bool:
    """Keys the working copy takes: no hidden component (temporary files, state, locks) and
    nothing that could climb out of the working copy."""
    parts = key.split("/")
    return bool(key) and not key.startswith("/") and all(p and not p.startswith(".") for p in parts)


def _alive(pid: int | None) -> bool:
    """Whether `pid` is a running process (a publisher still uploading)."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

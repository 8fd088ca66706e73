"""Conversations erased on request (`convai-lake forget`): the tombstone that keeps them out of
later runs, and how their traces are told apart in raw lines.

The tombstone `forgotten/ids.txt` holds ids only, one per line, sorted. Erasure overrides "as
received": a list page that held a forgotten conversation is republished without its item, and
its detail and rejected lines are dropped from their files (see `assets.raw.erase`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable

from pipelines.lake import Lake

FORGOTTEN_FILE = "forgotten/ids.txt"
_LOCK = "forgotten"
_ITEMS = "conversations"


def forgotten_ids(lake: Lake) -> frozenset[str]:
    """The ids recorded by `forget` (none when the tombstone does not exist)."""
    path = lake.path(FORGOTTEN_FILE)
    if not path.is_file():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text().splitlines() if line.strip())


def remember(lake: Lake, ids: Iterable[str]) -> list[str]:
    """Add `ids` (already checked with `safe_id`) to the tombstone; return those it lacked."""
    with lake.lock(_LOCK, wait=True):
        known = forgotten_ids(lake)
        new = sorted(set(ids) - known)
        if new:
            text = "".join(f"{cid}\n" for cid in sorted(known | set(new)))
            lake.write_bytes(FORGOTTEN_FILE, text.encode())
    return new


def _mentions(line: bytes, ids: Collection[str]) -> bool:
    """A cheap test before parsing: safe ids are plain ASCII, never escaped in JSON."""
    return any(cid.encode() in line for cid in ids)


def _parsed(line: bytes) -> object:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def page_without(body: bytes, ids: Collection[str]) -> bytes | None:
    """A list page without the items of `ids`; None when it has none of them. A page that
    mentions one of them but cannot be read is dropped whole (b"")."""
    if not _mentions(body, ids):
        return None
    page = _parsed(body)
    if not isinstance(page, dict):
        return b""
    items = page.get(_ITEMS)
    if not isinstance(items, list):
        return None
    kept = [i for i in items if not (isinstance(i, dict) and i.get("conversation_id") in ids)]
    if len(kept) == len(items):
        return None
    return json.dumps({**page, _ITEMS: kept}, ensure_ascii=False).encode()


def record_of(line: bytes, ids: Collection[str]) -> str | None:
    """The id among `ids` that a detail or rejected line is about, if any. A line that
    mentions one of them but cannot be read counts as about it: erasure errs on removing."""
    if not _mentions(line, ids):
        return None
    record = _parsed(line)
    cid = record.get("conversation_id") if isinstance(record, dict) else None
    if isinstance(cid, str) and cid in ids:
        return cid
    if record is None:
        return next(cid for cid in ids if cid.encode() in line)
    return None

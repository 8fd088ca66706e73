"""Catalogue snapshots: agents (every page, then each agent's detail), tools, and
knowledge-base documents with the agents that depend on them.

A snapshot is a directory `raw/<area>/snapshot=TS/` whose `_SUCCESS` file is written last:
readers take the newest complete one. The three newest are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pipelines.client import ApiClient
from pipelines.concurrency import bounded_map
from pipelines.lake import Lake, UnsafeIdError, safe_id
from pipelines.ndjson_zst import SUFFIX, LinesWriter, open_lines

KEEP_SNAPSHOTS = 3
PAGE_SIZE = 100
SUCCESS = "_SUCCESS"


@dataclass
class SnapshotReport:
    """What one catalogue snapshot holds."""

    snapshot: str
    items: int = 0
    pages: int = 0
    details: int = 0
    unsafe_ids: list[str] = field(default_factory=list)


def snapshot_name(now: dt.datetime) -> str:
    """A snapshot directory name that sorts in time order: `snapshot=YYYYMMDDTHHMMSSffffffZ`."""
    return f"snapshot={now.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"


@contextlib.contextmanager
def _snapshot(lake: Lake, area: str) -> Iterator[tuple[str, SnapshotReport]]:
    """A new snapshot directory of `area`, marked complete only when the block succeeds."""
    name = snapshot_name(dt.datetime.now(dt.UTC))
    report = SnapshotReport(snapshot=name)
    directory = f"raw/{area}/{name}"
    yield directory, report
    lake.write_bytes(f"{directory}/{SUCCESS}", b"")
    _prune(lake, area)


def _prune(lake: Lake, area: str) -> None:
    """Remove all but the newest complete snapshots, and incomplete ones older than those."""
    snapshots = lake.glob(f"raw/{area}", "snapshot=*")
    complete = [s for s in snapshots if (s / SUCCESS).is_file()]
    keep = set(complete[-KEEP_SNAPSHOTS:])
    oldest_kept = min(keep, key=lambda p: p.name) if keep else None
    for directory in snapshots:
        if directory in keep:
            continue
        if directory in complete or (oldest_kept and directory.name < oldest_kept.name):
            shutil.rmtree(directory, ignore_errors=True)


async def _write_pages(
    api: ApiClient, writer: LinesWriter, path: str, field_name: str, report: SnapshotReport
) -> list[dict[str, Any]]:
    """Every page of a list into `writer`; return its items."""
    items: list[dict[str, Any]] = []
    async with contextlib.aclosing(api.pages(path, {"page_size": PAGE_SIZE})) as pages:
        async for page, raw in pages:
            writer.write(raw)
            report.pages += 1
            found = page.get(field_name)
            items += [item for item in found if isinstance(item, dict)] if found else []
    report.items = len(items)
    return items


async def _write_each(
    api: ApiClient,
    lake: Lake,
    relative: str,
    fetch: Callable[[str], Awaitable[bytes]],
    ids: list[str],
) -> int:
    """Fetch one body per id, concurrently, into one lines file; return how many."""
    with open_lines(lake, relative) as writer:
        async with contextlib.aclosing(bounded_map(fetch, ids, limit=api.concurrency)) as bodies:
            async for body in bodies:
                writer.write(body)
    return len(ids)


def _safe_ids(items: list[dict[str, Any]], key: str, report: SnapshotReport) -> list[str]:
    """The items' ids that are safe to put in a request path; the others are reported."""
    ids = []
    for item in items:
        try:
            ids.append(safe_id(item.get(key), key))
        except UnsafeIdError:
            report.unsafe_ids.append(repr(item.get(key))[:80])
    return ids


async def snapshot_agents(api: ApiClient, lake: Lake) -> SnapshotReport:
    """Every agents page, then every agent's detail."""
    with _snapshot(lake, "agents") as (directory, report):
        with open_lines(lake, f"{directory}/pages{SUFFIX}") as pages:
            agents = await _write_pages(api, pages, "/v1/convai/agents", "agents", report)

        async def detail(agent_id: str) -> bytes:
            return (await api.get_json(f"/v1/convai/agents/{quote(agent_id)}"))[1]

        ids = _safe_ids(agents, "agent_id", report)
        report.details = await _write_each(api, lake, f"{directory}/details{SUFFIX}", detail, ids)
    return report


async def snapshot_tools(api: ApiClient, lake: Lake) -> SnapshotReport:
    """Every tools page (the seed spec's single unpaginated answer included)."""
    with (
        _snapshot(lake, "tools") as (directory, report),
        open_lines(lake, f"{directory}/pages{SUFFIX}") as pages,
    ):
        await _write_pages(api, pages, "/v1/convai/tools", "tools", report)
    return report


async def snapshot_knowledge_base(api: ApiClient, lake: Lake) -> SnapshotReport:
    """Every knowledge-base page; in the seed dialect, whose documents do not list their
    dependent agents, each document's dependent-agents answer beside them."""
    with _snapshot(lake, "knowledge_base") as (directory, report):
        with open_lines(lake, f"{directory}/pages{SUFFIX}") as pages:
            documents = await _write_pages(
                api, pages, "/v1/convai/knowledge-base", "documents", report
            )
        seed_documents = [d for d in documents if "document_id" in d and "id" not in d]
        if seed_documents:
            ids = _safe_ids(seed_documents, "document_id", report)

            async def dependents(document_id: str) -> bytes:
                path = f"/v1/convai/knowledge-base/{quote(document_id)}/dependent-agents"
                body = (await api.get_json(path))[0]
                return json.dumps({"document_id": document_id, "body": body}).encode()

            report.details = await _write_each(
                api, lake, f"{directory}/dependent_agents{SUFFIX}", dependents, ids
            )
    return report

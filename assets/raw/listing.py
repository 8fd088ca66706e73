"""List one day's conversations and keep the list pages as received.

The real API filters by start time (`call_start_after_unix` inclusive, `call_start_before_unix`
exclusive). The seed spec has no time filter: its pages come newest first, so paging stops at
the first page that reaches back before the day, and items of other days are skipped here (the
pages keep them, as received). Which dialect answers is told by the items' fields.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from assets.raw.forgotten import page_without
from pipelines.client import ApiClient
from pipelines.lake import Lake, UnsafeIdError, date_partition, safe_id
from pipelines.ndjson_zst import SUFFIX, open_lines

LIST_PATH = "/v1/convai/conversations"
LISTING_AREA = "raw/conversation_pages"
PAGE_SIZE = 100


@dataclass
class Listing:
    """The day's listed conversations (id -> status as listed), in listing order; those
    erased by `forget` are left out and only counted."""

    statuses: dict[str, str | None] = field(default_factory=dict)
    pages: int = 0
    dialect: str = "unknown"
    unsafe_ids: list[str] = field(default_factory=list)
    forgotten: set[str] = field(default_factory=set)


def listing_file(day: dt.date) -> str:
    return f"{date_partition(LISTING_AREA, day)}/listing{SUFFIX}"


def day_bounds(day: dt.date) -> tuple[int, int]:
    """Unix seconds of the day's first instant and of the next day's, in UTC."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return int(start.timestamp()), int((start + dt.timedelta(days=1)).timestamp())


def item_start(item: dict[str, Any]) -> int | None:
    """An item's start in unix seconds: the real `start_time_unix_secs` or the seed's ISO
    `started_at`; None when neither can be read."""
    unix = item.get("start_time_unix_secs")
    if isinstance(unix, int | float) and not isinstance(unix, bool):
        return int(unix)
    iso = item.get("started_at")
    if isinstance(iso, str):
        try:
            parsed = dt.datetime.fromisoformat(iso)
        except ValueError:
            return None
        return int(parsed.replace(tzinfo=parsed.tzinfo or dt.UTC).timestamp())
    return None


def is_seed_item(item: dict[str, Any]) -> bool:
    return "started_at" in item and "start_time_unix_secs" not in item


async def fetch_listing(
    api: ApiClient, lake: Lake, day: dt.date, forgotten: Collection[str] = frozenset()
) -> Listing:
    """Page through the day's conversations, publishing the pages as one file at the end.
    Items of `forgotten` conversations are dropped from the pages before they are stored."""
    start, end = day_bounds(day)
    params = {"call_start_after_unix": start, "call_start_before_unix": end, "page_size": PAGE_SIZE}
    listing = Listing()
    with open_lines(lake, listing_file(day)) as pages_file:
        async with contextlib.aclosing(api.pages(LIST_PATH, params)) as pages:
            async for page, raw in pages:
                stored = page_without(raw, forgotten) if forgotten else None
                pages_file.write(raw if stored is None else stored)
                listing.pages += 1
                if _take_items(page.get("conversations"), listing, (start, end), forgotten):
                    break
    return listing


def _take_items(
    items: object, listing: Listing, bounds: tuple[int, int], forgotten: Collection[str]
) -> bool:
    """Record a page's items of the day; True when a seed page reached back before the day."""
    start, end = bounds
    reached_back = False
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        item_id = item.get("conversation_id")
        begins = item_start(item)
        if is_seed_item(item):
            listing.dialect = "seed"
            reached_back = reached_back or (begins is not None and begins < start)
            if begins is None or not start <= begins < end:
                continue
        elif listing.dialect == "unknown":
            listing.dialect = "elevenlabs"
        try:
            conversation_id = safe_id(item_id, "conversation id")
        except UnsafeIdError:
            listing.unsafe_ids.append(repr(item_id)[:80])
            continue
        if conversation_id in forgotten:
            listing.forgotten.add(conversation_id)
            continue
        status = item.get("status")
        listing.statuses[conversation_id] = status if isinstance(status, str) else None
    return reached_back

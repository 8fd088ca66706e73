"""One day's raw records (layout: docs/architecture.md, "Raw"): the day's list items, each
conversation's latest detail, part by part, and the rejected details."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assets.normalised import raw_shapes
from assets.normalised.quarantine import EXCERPT_CHARS, quarantine_frame
from assets.normalised.read_raw import (
    RawRecords,
    compacted,
    items_with_location,
    read_page_items,
    read_records,
)
from assets.normalised.tolerant import utc_from_iso, utc_from_unix_secs
from pipelines.lake import Lake, date_partition

TABLE = "conversations"  # the table every raw conversation record is meant for first
IDS = ("conversation_id",)
_NUMBERED = re.compile(r"(?:part|rejected)-(\d+)\.ndjson\.zst")
# Parts parsed ahead of the one being consumed: polars releases the GIL while parsing.
_PARSE_AHEAD = 2

LISTED_START = pl.coalesce(
    utc_from_unix_secs(pl.col("start_time_unix_secs")), utc_from_iso(pl.col("started_at"))
)
_NO_START = "no readable start time (start_time_unix_secs or started_at)"


@dataclass(frozen=True)
class RawFiles:
    """The day's raw conversation files; parts in sequence order."""

    listing: Path | None
    parts: list[Path]
    rejected: list[Path]


def raw_files(lake: Lake, day: dt.date) -> RawFiles:
    listing = lake.path(f"{date_partition('raw/conversation_pages', day)}/listing.ndjson.zst")
    return RawFiles(
        listing=listing if listing.is_file() else None,
        parts=_numbered(lake, day, "part-*.ndjson.zst"),
        rejected=_numbered(lake, day, "rejected-*.ndjson.zst"),
    )


def listed_on(lake: Lake, day: dt.date, listing: Path | None) -> RawRecords:
    """The list items that start on `day`, one per conversation (the last listed wins), with
    `listed_start`. The seed dialect's pages also hold other days: those are skipped, not
    quarantined."""
    if listing is None:
        items = RawRecords(items_with_location(raw_shapes.LIST_ITEM), quarantine_frame([]))
    else:
        items = read_page_items(
            lake,
            listing,
            "conversations",
            raw_shapes.LIST_ITEM,
            table=TABLE,
            ids=IDS,
            checks={_NO_START: LISTED_START.is_not_null()},
        )
    of_day = (
        items.frame.with_columns(LISTED_START.alias("listed_start"))
        .filter(pl.col("listed_start").dt.date() == day)
        .filter(pl.col("conversation_id").is_last_distinct())
    )
    return RawRecords(compacted(of_day), items.quarantine)


@dataclass(frozen=True)
class LatestPart:
    """One part's details that are the latest of their conversation, the part's quarantine,
    and how many of its lines were readable (superseded ones included)."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame
    readable: int


def latest_details(lake: Lake, parts: list[Path]) -> Iterator[LatestPart]:
    """Each part's details that are the latest of their conversation, newest part first.

    The line in the highest-numbered part wins (and the last line within a part); a line that
    cannot be read does not count, so an older readable detail stands in for it.
    """
    seen: set[str] = set()  # one id per conversation: a set beats re-hashing a growing column
    for records in _parsed_newest_first(lake, parts):
        ids = records.frame.get_column("conversation_id")
        unseen = pl.Series([i not in seen for i in ids.to_list()], dtype=pl.Boolean())
        latest = records.frame.filter(ids.is_last_distinct() & unseen)
        seen.update(latest.get_column("conversation_id").to_list())
        yield LatestPart(latest, records.quarantine, records.frame.height)


def _parsed_newest_first(lake: Lake, parts: list[Path]) -> Iterator[RawRecords]:
    """Parse parts in threads, a few ahead, yielding them newest first."""

    def parse(path: Path) -> RawRecords:
        return read_records(lake, path, raw_shapes.DETAIL, table=TABLE, ids=IDS)

    pending: deque[Future[RawRecords]] = deque()
    with ThreadPoolExecutor(max_workers=_PARSE_AHEAD) as pool:
        for path in reversed(parts):
            pending.append(pool.submit(parse, path))
            if len(pending) > _PARSE_AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def rejected_details(lake: Lake, rejected: list[Path]) -> pl.DataFrame:
    """Every rejected detail as a quarantine row, with the reason ingestion gave."""
    rows = [quarantine_frame([])]
    for path in rejected:
        records = read_records(lake, path, raw_shapes.REJECTED, table=TABLE, ids=IDS)
        reason = "rejected by ingestion: " + pl.col("reason").fill_null("no reason given")
        rows.append(records.quarantine)
        rows.append(
            records.frame.select(
                table=pl.lit(TABLE),
                conversation_id="conversation_id",
                reason=reason,
                raw_path="raw_path",
                raw_line="raw_line",
                raw_item=pl.lit(None, pl.Int32),
                excerpt=pl.col("body").fill_null("").str.slice(0, EXCERPT_CHARS),
            )
        )
    return pl.concat(rows)


def _numbered(lake: Lake, day: dt.date, pattern: str) -> list[Path]:
    """Files of a numbered sequence in number order (the number decides, not the name)."""
    paths = lake.glob(date_partition("raw/conversations", day), pattern)
    numbered = [(int(m.group(1)), p) for p in paths if (m := _NUMBERED.fullmatch(p.name))]
    return [p for _, p in sorted(numbered)]

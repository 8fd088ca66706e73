"""Erasure of conversations from a day's raw files and recordings (`convai-lake forget`)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from assets.raw.fetch import AUDIO_AREA, audio_file
from assets.raw.forgotten import page_without, record_of
from assets.raw.listing import LISTING_AREA, listing_file
from assets.raw.stored import DETAILS_AREA, details_dir
from pipelines.lake import Lake
from pipelines.ndjson_zst import SUFFIX, rewrite_lines


@dataclass
class DayScrub:
    """What erasure removed from one day's raw files: lines per lake path, ids met."""

    lines: Counter[str] = field(default_factory=Counter)
    audio: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)


def scrub_day(lake: Lake, day: dt.date, ids: Collection[str]) -> DayScrub:
    """Remove `ids` from the day's list pages, details, rejected details and recordings. The
    caller holds the day's lock."""
    scrub = DayScrub()

    def page(line: bytes) -> bytes | None:
        new = page_without(line, ids)
        if new is None:
            return line
        scrub.found.update(cid for cid in ids if cid.encode() in line)
        return new or None

    def record(line: bytes) -> bytes | None:
        cid = record_of(line, ids)
        if cid is None:
            return line
        scrub.found.add(cid)
        return None

    relative = listing_file(day)
    scrub.lines[relative] = rewrite_lines(lake, relative, page)
    for path in lake.glob(details_dir(day), f"*{SUFFIX}"):
        relative = lake.relative(path)
        scrub.lines[relative] = rewrite_lines(lake, relative, record)
    for cid in ids:
        recording = lake.path(audio_file(day, cid))
        if recording.is_file():
            recording.unlink()
            scrub.audio.append(audio_file(day, cid))
            scrub.found.add(cid)
    scrub.lines = +scrub.lines  # drop the files left alone
    return scrub


def raw_days(lake: Lake) -> set[dt.date]:
    """Every day with a raw partition or a recording directory."""
    return partition_days(lake, (LISTING_AREA, DETAILS_AREA, AUDIO_AREA))


def partition_days(lake: Lake, areas: Iterable[str]) -> set[dt.date]:
    """The days of the `date=D` directories directly below each of `areas`."""
    days = set()
    for area in areas:
        for directory in lake.glob(area, "date=*"):
            with contextlib.suppress(ValueError):  # not a partition of ours
                days.add(dt.date.fromisoformat(directory.name.removeprefix("date=")))
    return days


def has_raw_details(lake: Lake, day: dt.date) -> bool:
    """The day has a listing or detail file to normalise from."""
    return lake.path(listing_file(day)).is_file() or bool(lake.glob(details_dir(day), f"*{SUFFIX}"))

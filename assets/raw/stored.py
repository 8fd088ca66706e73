"""What a day's raw partition already holds: each conversation's latest stored detail.

This decides what a rerun fetches again. A part file that is broken (damaged or cut short) is
repaired in place: rewritten under the same name with its complete lines, so the order in
which parts win stays the same, and the conversations lost with the rest are fetched again.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

import polars as pl

from pipelines.lake import Lake, date_partition
from pipelines.ndjson_zst import SUFFIX, complete_lines, decompress, open_lines

DETAILS_AREA = "raw/conversations"
# Final statuses of both dialects: a conversation in one of them never changes again.
FINAL_STATUSES = frozenset({"done", "failed", "completed"})
_NUMBERED = re.compile(r"(part|rejected)-(\d+)\.ndjson\.zst")
_STATE_SCHEMA = {"conversation_id": pl.String, "status": pl.String, "has_audio": pl.Boolean}


@dataclass(frozen=True)
class StoredDetail:
    status: str | None
    has_audio: bool | None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass
class StoredDetails:
    """The latest stored detail of each conversation, the next free file number, and the
    broken files repaired on the way (one message each, naming the file)."""

    latest: dict[str, StoredDetail] = field(default_factory=dict)
    next_number: int = 1
    repaired: list[str] = field(default_factory=list)


def details_dir(day: dt.date) -> str:
    return date_partition(DETAILS_AREA, day)


def numbered_file(day: dt.date, kind: str, number: int) -> str:
    """Lake path of a day's `part` or `rejected` file number `number`."""
    return f"{details_dir(day)}/{kind}-{number:08d}{SUFFIX}"


def stored_details(lake: Lake, day: dt.date) -> StoredDetails:
    """Read the day's parts in order (the highest-numbered holds the latest detail)."""
    state = StoredDetails()
    numbered = []
    for path in lake.glob(details_dir(day), f"*{SUFFIX}"):
        match = _NUMBERED.fullmatch(path.name)
        if match:
            numbered.append((int(match.group(2)), match.group(1), path))
    for number, kind, path in sorted(numbered):
        state.next_number = max(state.next_number, number + 1)
        if kind != "part":
            continue
        data, broken = decompress(path)
        if broken is not None:
            data = _repair(lake, numbered_file(day, kind, number), data, broken, state)
        if not data.strip():
            continue
        frame = pl.read_ndjson(io.BytesIO(data), schema=_STATE_SCHEMA, ignore_errors=True)
        for conversation_id, status, has_audio in frame.iter_rows():
            if conversation_id:
                state.latest[conversation_id] = StoredDetail(status, has_audio)
    return state


def _repair(lake: Lake, relative: str, data: bytes, broken: str, state: StoredDetails) -> bytes:
    """Rewrite a broken part with the complete lines decoded before its break."""
    lines = complete_lines(data)
    with open_lines(lake, relative) as writer:
        for line in lines:
            writer.write(line)
    state.repaired.append(
        f"repaired {relative} ({broken}): kept {len(lines)} complete lines; "
        "conversations lost with the rest are fetched again"
    )
    return b"\n".join(lines)

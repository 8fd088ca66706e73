"""Retention in the raw layer: a day past `CONVAI_RETENTION_DAYS` loses its recordings and the
words of its transcripts.

Each detail keeps its transcript's shape: one entry per turn with its role, timing, latency
metrics, token usage, feedback score and the names, outcomes and latencies of its tool calls,
so counts and tool metrics read the same; the text (messages, tool arguments and results, the
rest of every turn) is gone. A rejected detail loses its body. The day is then marked
expired: the marker lists the files it covers, so parts fetched later are redacted in turn,
and recordings are never fetched again for it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assets.raw.fetch import AUDIO_AREA
from assets.raw.stored import details_dir
from pipelines.lake import Lake, date_partition
from pipelines.ndjson_zst import SUFFIX, rewrite_lines

MARKER = "_TRANSCRIPTS_REMOVED"
_NUMBERED = re.compile(r"(part|rejected)-\d+\.ndjson\.zst")
_TURN_FIELDS = (
    "role",
    "time_in_call_secs",
    "timestamp",
    "created_at_unix_ms",
    "interrupted",
    "source_medium",
    "conversation_turn_metrics",
    "llm_usage",
)
_CALL_FIELDS = ("request_id", "tool_name", "type", "tool_id")
_RESULT_FIELDS = ("request_id", "tool_name", "type", "is_error", "error_type", "tool_latency_secs")


def marker_file(day: dt.date) -> str:
    return f"{details_dir(day)}/{MARKER}"


def is_expired(lake: Lake, day: dt.date) -> bool:
    """Retention has removed the day's recordings and transcript text."""
    return lake.path(marker_file(day)).is_file()


def _numbered_files(lake: Lake, day: dt.date) -> list[str]:
    paths = lake.glob(details_dir(day), f"*{SUFFIX}")
    return [p.name for p in paths if _NUMBERED.fullmatch(p.name)]


def _recordings(lake: Lake, day: dt.date) -> list[str]:
    return [lake.relative(p) for p in lake.glob(date_partition(AUDIO_AREA, day), "*.mp3")]


def needs_expiry(lake: Lake, day: dt.date) -> bool:
    """The day holds recordings, or detail files its marker does not cover."""
    marker = lake.path(marker_file(day))
    covered = marker.read_text().split() if marker.is_file() else None
    return bool(_recordings(lake, day)) or covered != _numbered_files(lake, day)


def _only(value: object, names: tuple[str, ...]) -> object:
    return {k: value[k] for k in names if k in value} if isinstance(value, dict) else None


def _result_type(result: dict[str, Any]) -> object:
    """A tool result's kind: `result.result_type`, or the one inside an older JSON
    `result_value` (system tools)."""
    inner = result.get("result")
    if isinstance(inner, dict) and "result_type" in inner:
        return inner["result_type"]
    with contextlib.suppress(TypeError, ValueError, RecursionError):
        value = json.loads(result.get("result_value") or "")
        if isinstance(value, dict):
            return value.get("result_type")
    return None


def _tool_result(result: object) -> object:
    kept = _only(result, _RESULT_FIELDS)
    if isinstance(result, dict) and isinstance(kept, dict):
        kind = _result_type(result)
        if kind is not None:
            kept["result"] = {"result_type": kind}
    return kept


def _entries(turn: dict[str, Any], name: str, each: Callable[[object], object]) -> object:
    entries = turn.get(name)
    return [each(entry) for entry in entries] if isinstance(entries, list) else entries


def redacted_turn(turn: object) -> object:
    """A transcript entry without its words: what it was, when, how fast, at what cost."""
    if not isinstance(turn, dict):
        return None
    kept: dict[str, Any] = {k: turn[k] for k in _TURN_FIELDS if k in turn}
    for name, fields in (("feedback", ("score",)), ("rag_retrieval_info", ("rag_latency_secs",))):
        if isinstance(turn.get(name), dict):
            kept[name] = _only(turn[name], fields)
    if "tool_calls" in turn:
        kept["tool_calls"] = _entries(turn, "tool_calls", lambda c: _only(c, _CALL_FIELDS))
    if "tool_results" in turn:
        kept["tool_results"] = _entries(turn, "tool_results", _tool_result)
    return kept


def redacted_detail(line: bytes) -> bytes:
    """A detail line with its transcript reduced to `redacted_turn`s (a line that is not a
    JSON object with a list transcript is kept as it is, or loses a transcript of another
    type)."""
    try:
        detail = json.loads(line)
    except (ValueError, RecursionError):
        return line
    if not isinstance(detail, dict) or detail.get("transcript") is None:
        return line
    transcript = detail["transcript"]
    turns = [redacted_turn(t) for t in transcript] if isinstance(transcript, list) else None
    return json.dumps({**detail, "transcript": turns}, ensure_ascii=False).encode()


def _without_body(line: bytes) -> bytes:
    """A rejected line without the body it kept (the text may be a transcript)."""
    try:
        rejected = json.loads(line)
    except (ValueError, RecursionError):
        return b'{"body": null}'
    if not isinstance(rejected, dict) or rejected.get("body") is None:
        return line
    return json.dumps({**rejected, "body": None}, ensure_ascii=False).encode()


@dataclass(frozen=True)
class ExpiredDay:
    """What retention removed from one day's raw files."""

    day: dt.date
    lines_redacted: int
    recordings_removed: int


def expire_day(lake: Lake, day: dt.date) -> ExpiredDay:
    """Remove the day's recordings and transcript text, then mark it expired. The caller
    holds the day's lock; a run killed half-way leaves no marker and is redone."""
    recordings = _recordings(lake, day)
    for relative in recordings:
        lake.path(relative).unlink(missing_ok=True)
    redacted = 0
    for name in _numbered_files(lake, day):
        change = redacted_detail if name.startswith("part-") else _without_body
        redacted += rewrite_lines(lake, f"{details_dir(day)}/{name}", change)
    covered = _numbered_files(lake, day)
    lake.write_bytes(marker_file(day), "".join(f"{name}\n" for name in covered).encode())
    return ExpiredDay(day, redacted, len(recordings))

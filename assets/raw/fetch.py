"""Fetch conversation details and recordings concurrently into a day's raw partition.

Details are written as received to numbered part files, each published once it holds
`PART_LINES` lines (and the last at the end, or when the run fails), so a killed run loses at
most one part's worth of fetching. A recording is streamed to a hidden file and renamed when
complete; it is fetched once the conversation is final, when the detail says it has one or
does not say (real payloads sometimes omit `has_audio`: the API's 404 then means none).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from assets.raw.stored import FINAL_STATUSES, numbered_file
from pipelines.client import ApiClient
from pipelines.concurrency import bounded_map
from pipelines.errors import ApiError
from pipelines.lake import Lake, date_partition, safe_id
from pipelines.ndjson_zst import LinesWriter, open_lines

DETAIL_PATH = "/v1/convai/conversations/{}"
AUDIO_PATH = "/v1/convai/conversations/{}/audio"
AUDIO_AREA = "audio"
PART_LINES = 500


def looks_like_mp3(head: bytes) -> bool:
    """Whether a body starts as an MP3 does (an ID3 tag, or an MPEG audio frame's sync bits),
    rather than as an error page some proxy sent with status 200."""
    return head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] >= 0xE0)


def audio_file(day: dt.date, conversation_id: str) -> str:
    """The recording's lake path; raises UnsafeIdError for an id unsafe as a file name."""
    return f"{date_partition(AUDIO_AREA, day)}/{safe_id(conversation_id, 'conversation id')}.mp3"


@dataclass(frozen=True)
class Work:
    """One conversation to fetch: its detail (then its recording unless `audio` is false), or
    only its recording."""

    conversation_id: str
    detail: bool
    audio: bool = True


@dataclass
class FetchReport:
    fetched: int = 0
    rejected: int = 0
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    audio_downloaded: int = 0
    audio_bytes: int = 0
    audio_missing: list[str] = field(default_factory=list)
    files_published: int = 0


@dataclass(frozen=True)
class _Outcome:
    conversation_id: str
    body: bytes | None = None
    rejected: str | None = None
    gone: bool = False
    failure: str | None = None
    audio_bytes: int | None = None
    audio_missing: bool = False


class _NoAudioError(Exception):
    """The API answered 404 for a recording."""


class _Series:
    """A day's numbered files of one kind (`part` or `rejected`), opened lazily, each
    published when it reaches `PART_LINES` lines or the series closes."""

    def __init__(self, lake: Lake, day: dt.date, kind: str, numbers: Iterator[int]) -> None:
        self._lake, self._day, self._kind, self._numbers = lake, day, kind, numbers
        self._stack = contextlib.ExitStack()
        self._writer: LinesWriter | None = None
        self.published = 0

    def write(self, body: bytes) -> None:
        if self._writer is None:
            relative = numbered_file(self._day, self._kind, next(self._numbers))
            self._writer = self._stack.enter_context(open_lines(self._lake, relative))
        self._writer.write(body)
        if self._writer.lines >= PART_LINES:
            self.close()

    def close(self) -> None:
        """Publish the open file, if any."""
        if self._writer is not None:
            self._writer = None
            self._stack.close()
            self.published += 1


async def fetch_conversations(
    api: ApiClient, lake: Lake, day: dt.date, work: list[Work], *, first_number: int
) -> FetchReport:
    """Fetch every item of `work` with at most `api.concurrency` requests in flight."""
    report = FetchReport()
    numbers = itertools.count(first_number)
    parts = _Series(lake, day, "part", numbers)
    rejected = _Series(lake, day, "rejected", numbers)

    async def fetch(item: Work) -> _Outcome:
        return await _fetch_one(api, lake, day, item)

    try:
        async with contextlib.aclosing(bounded_map(fetch, work, limit=api.concurrency)) as done:
            async for outcome in done:
                _record(outcome, report, parts, rejected)
    finally:
        # What was fetched before a failure is whole and worth keeping.
        parts.close()
        rejected.close()
        report.files_published = parts.published + rejected.published
    return report


def _record(outcome: _Outcome, report: FetchReport, parts: _Series, rejected: _Series) -> None:
    cid = outcome.conversation_id
    if outcome.body is not None:
        parts.write(outcome.body)
        report.fetched += 1
    if outcome.rejected is not None:
        rejected.write(outcome.rejected.encode())
        report.rejected += 1
    if outcome.gone:
        report.gone.append(cid)
    if outcome.failure is not None:
        report.failed.append(f"{cid}: {outcome.failure}")
    if outcome.audio_bytes is not None:
        report.audio_downloaded += 1
        report.audio_bytes += outcome.audio_bytes
    if outcome.audio_missing:
        report.audio_missing.append(cid)


async def _fetch_one(api: ApiClient, lake: Lake, day: dt.date, item: Work) -> _Outcome:
    cid = item.conversation_id
    has_audio: object = True
    body = None
    if item.detail:
        try:
            detail, body = await api.get_json(DETAIL_PATH.format(cid))
        except ApiError as error:
            return _detail_failure(cid, error)
        if detail.get("status") not in FINAL_STATUSES:
            return _Outcome(cid, body=body)
        has_audio = detail.get("has_audio")
    if not item.audio or has_audio is False or lake.path(audio_file(day, cid)).exists():
        return _Outcome(cid, body=body)
    try:
        size = await _download_audio(api, lake, day, cid)
    except _NoAudioError:
        # A 404 where the detail promised a recording is worth reporting; where it said
        # nothing, it is the answer.
        return _Outcome(cid, body=body, audio_missing=has_audio is True)
    except ApiError as error:
        _raise_if_fatal(error)
        return _Outcome(cid, body=body, failure=f"audio: {error}")
    return _Outcome(cid, body=body, audio_bytes=size)


def _detail_failure(cid: str, error: ApiError) -> _Outcome:
    _raise_if_fatal(error)
    if error.status == 404:
        return _Outcome(cid, gone=True)
    if error.status is not None and 200 <= error.status < 300:
        # The client keeps at most the body's first 64 KiB as the error's detail.
        line = {"conversation_id": cid, "reason": error.reason, "body": error.detail}
        return _Outcome(cid, rejected=json.dumps(line, ensure_ascii=False))
    return _Outcome(cid, failure=str(error))


def _raise_if_fatal(error: ApiError) -> None:
    if error.refuses_credentials:
        raise error


async def _download_audio(api: ApiClient, lake: Lake, day: dt.date, cid: str) -> int:
    """Stream a recording into the lake; its size, or `_NoAudioError` for a 404."""
    try:
        with lake.atomic_path(audio_file(day, cid)) as temp, temp.open("w+b") as handle:
            return await api.download(AUDIO_PATH.format(cid), handle, accept=looks_like_mp3)
    except ApiError as error:
        if error.status == 404:
            raise _NoAudioError from None
        raise

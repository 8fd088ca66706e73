"""The ElevenLabs API client: one pooled async HTTP client per run, with retries and counters.

It speaks httpx's API over the httpx-aiohttp transport: on this project's 2-core machine
httpx's own transport spends so much CPU per request (18 ms at 64 in flight) that it stays
under 5% of the bound there, while on aiohttp the same calls cost under 1 ms
(bench/client_concurrency.py, bench/RESULTS.md). Requests go to the transport through
`GetSender`, and bodies are parsed with orjson, for the same reason: CPU per request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import random
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, BinaryIO, Self, TypeVar

import aiohttp
import httpx
import orjson

from pipelines.errors import (
    MAX_DETAIL_CHARS,
    ApiError,
    describe,
    error_detail,
    scrub,
)
from pipelines.get_sender import GetSender
from pipelines.retry import RetryPolicy, is_retryable_status
from pipelines.settings import DEFAULT_CONCURRENCY, Secret, SettingsError

JsonObject = dict[str, Any]
QueryValue = str | int | float | bool | Sequence[str] | None
T = TypeVar("T")

_log = logging.getLogger(__name__)
# What a failed connection looks like through httpx (its own transport or httpx-aiohttp's
# mapping), plus the aiohttp errors that mapping lets through (e.g. a malformed status line).
_TRANSIENT_ERRORS = (httpx.TransportError, httpx.DecodingError, aiohttp.ClientError)
_USER_AGENT = "convai-lake"
# Bodies are refused beyond these sizes (decoded bytes), before they fill memory or disk: a
# JSON body is held whole to parse it; a recording streams to disk (an hour of 128 kbit/s MP3
# is about 58 MiB). An error body is read only as far as its detail is kept.
DEFAULT_MAX_JSON_BYTES = 32 * 2**20
DEFAULT_MAX_DOWNLOAD_BYTES = 1 * 2**30
_ERROR_BODY_BYTES = 4 * MAX_DETAIL_CHARS
# The first bytes of a download shown to `accept` (enough for any file signature).
_HEAD_BYTES = 64


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect, to wait between bytes of a response, and to wait for a free
    connection from the pool (httpx-aiohttp counts connecting into the pool wait too)."""

    connect: float = 10.0
    read: float = 60.0
    pool: float = 60.0


@dataclass
class RequestStats:
    """What the client did, for run metadata: every attempt by outcome (the HTTP status, or
    the kind of transport failure) and the retries among them, by the same key.

    These are this client's attempts. Below it, aiohttp re-sends an idempotent request once,
    at once, when its connection drops before the response (RFC 9112 section 9.3.1); the
    server may therefore count a few more requests than `requests`.
    """

    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)


class _AttemptError(Exception):
    """One failed attempt: what went wrong and whether another attempt may fix it."""

    def __init__(
        self,
        outcome: str,
        *,
        status: int | None,
        detail: object,
        reason: str,
        retryable: bool,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.status = status
        self.detail = detail
        self.reason = reason
        self.retryable = retryable
        self.headers = headers or httpx.Headers()


def _check_base_url(base_url: str, *, allow_insecure_http: bool) -> httpx.URL:
    """The parsed base URL, refusing plain http to anything but loopback unless allowed:
    the key travels in a header, readable by anyone on the path."""
    url = httpx.URL(base_url)
    if url.scheme not in {"http", "https"} or not url.host:
        raise SettingsError(f"ELEVENLABS_BASE_URL must be an http(s) URL, got {base_url!r}")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise SettingsError(
            f"ELEVENLABS_BASE_URL {base_url!r} is plain http to a non-loopback host: the API key"
            " would cross the network unencrypted. Use https, or set"
            " CONVAI_ALLOW_INSECURE_HTTP=1 (allow_insecure_http) to allow it."
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _query(params: Mapping[str, QueryValue] | None) -> dict[str, QueryValue]:
    """The query without None values (the API treats absent and null alike)."""
    return {name: value for name, value in (params or {}).items() if value is not None}


def _require_complete(response: httpx.Response) -> None:
    """Raise a retryable failure when fewer (or more) bytes arrived than Content-Length said."""
    declared = response.headers.get("content-length", "")
    received = response.num_bytes_downloaded
    if declared.isdigit() and int(declared) != received:
        raise _AttemptError(
            "truncated",
            status=None,
            detail=f"received {received} of {declared} bytes",
            reason=f"truncated body: received {received} of {declared} bytes",
            retryable=True,
        )


def _too_large(response: httpx.Response, limit: int, seen: str) -> _AttemptError:
    """A body over its size cap: refused at once, since another attempt gets the same body."""
    reason = f"response body over the {limit:,}-byte size cap ({seen}): refused"
    return _AttemptError(
        "too_large", status=response.status_code, detail=reason, reason=reason, retryable=False
    )


async def _capped_chunks(response: httpx.Response, limit: int) -> AsyncIterator[bytes]:
    """The body chunk by chunk, refused as soon as it is known to exceed `limit` bytes: from
    its Content-Length before any byte is read, else once more than `limit` bytes arrived."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(response, limit, f"Content-Length {int(declared):,}")
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > limit:
            raise _too_large(response, limit, f"more than {limit:,} bytes arrived")
        yield chunk


async def _read_prefix(response: httpx.Response, limit: int) -> bytes:
    """At most the first `limit` bytes of the body (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def _parse_json(raw: bytes) -> object:
    """`raw` parsed as JSON, or None. orjson (a third of `json.loads`' CPU on a detail) reads
    strict UTF-8 JSON; what it refuses goes to `json.loads`, which also takes what Python
    servers may send (NaN, integers over 64 bits, UTF-16), so both accept the same bodies."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


async def _read_object(response: httpx.Response, limit: int) -> tuple[JsonObject, bytes]:
    """The body parsed as a JSON object, and as received. Anything else is a transient fault:
    a cut or garbled body is what a flaky network or overloaded server sends."""
    raw = b"".join([chunk async for chunk in _capped_chunks(response, limit)])
    _require_complete(response)
    parsed = _parse_json(raw)
    if not isinstance(parsed, dict):
        text = raw.decode("utf-8", errors="replace")[:MAX_DETAIL_CHARS]
        raise _AttemptError(
            "invalid_json",
            status=response.status_code,
            detail=text,
            reason="the body is not a JSON object",
            retryable=True,
        )
    return parsed, raw


class ApiClient:
    """An authenticated, pooled connection to the API for one run; use as `async with`.

    Requests are GETs relative to `base_url`. Transient failures are retried by `retry`;
    failures that persist, and those retrying cannot fix (401, 403, 404, 422, a body over its
    size cap, ...), raise `ApiError`. The pool holds `concurrency` connections, so no more
    requests than that are in flight however the caller schedules them; `stats` counts what
    was sent.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: Secret,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        allow_insecure_http: bool = False,
        max_json_bytes: int = DEFAULT_MAX_JSON_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`max_json_bytes` and `max_download_bytes` cap the size of a JSON body and of a
        downloaded one; `sleep` waits between attempts (tests pass one that records);
        `transport` replaces httpx-aiohttp (tests pass httpx.MockTransport or
        httpx.ASGITransport)."""
        if not api_key:
            raise SettingsError("ELEVENLABS_API_KEY is empty")
        if concurrency < 1:
            raise SettingsError(f"CONVAI_CONCURRENCY must be at least 1, got {concurrency}")
        self.base_url = _check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.max_json_bytes = max_json_bytes
        self.max_download_bytes = max_download_bytes
        self.stats = RequestStats()
        self._secret = api_key.reveal()
        self._sleep = sleep
        t = timeouts or Timeouts()
        self._http = GetSender(
            self.base_url,
            {"xi-api-key": self._secret, "user-agent": _USER_AGENT},
            timeout=httpx.Timeout(t.read, connect=t.connect, pool=t.pool),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"ApiClient(base_url={str(self.base_url)!r}, concurrency={self.concurrency})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pool's connections."""
        await self._http.aclose()

    async def get_json(
        self, path: str, params: Mapping[str, QueryValue] | None = None
    ) -> tuple[JsonObject, bytes]:
        """GET `path` and return its body parsed as a JSON object and as received (the lake
        stores bodies byte for byte). A body that is not a JSON object is retried; one over
        `max_json_bytes` is refused."""

        async def read(response: httpx.Response) -> tuple[JsonObject, bytes]:
            return await _read_object(response, self.max_json_bytes)

        return await self._request(path, params, read)

    async def pages(
        self, path: str, params: Mapping[str, QueryValue] | None = None
    ) -> AsyncGenerator[tuple[JsonObject, bytes], None]:
        """Yield every page of a cursor-paginated list as (parsed, raw), following
        `next_cursor` (sent back as `cursor`) while `has_more` is true (absent means false).

        A page that claims more but gives no new cursor raises `ApiError` rather than stopping
        early (items would be lost silently) or looping forever.
        """
        query = _query(params)
        seen: set[str] = set()
        while True:
            page, raw = await self.get_json(path, query)
            yield page, raw
            if not page.get("has_more"):
                return
            cursor = page.get("next_cursor")
            if not isinstance(cursor, str) or not cursor or cursor in seen:
                raise ApiError(
                    method="GET",
                    path=path,
                    status=200,
                    detail=cursor,
                    attempts=1,
                    reason="has_more is true but next_cursor is missing, empty or repeated",
                )
            seen.add(cursor)
            query["cursor"] = cursor

    async def download(
        self,
        path: str,
        dest: BinaryIO,
        params: Mapping[str, QueryValue] | None = None,
        *,
        accept: Callable[[bytes], bool] | None = None,
    ) -> int:
        """Stream the body of `path` into `dest` chunk by chunk and return its size.

        `dest` must be seekable (and readable, with `accept`): each attempt empties it first, so
        a body cut short (fewer bytes than Content-Length) is fetched again from the start. On
        return `dest` holds exactly one whole body. A body over `max_download_bytes` is
        refused; one whose first bytes `accept` refuses (an error page sent with 200) is
        retried.
        """

        async def write(response: httpx.Response) -> int:
            dest.seek(0)
            dest.truncate()
            async for chunk in _capped_chunks(response, self.max_download_bytes):
                dest.write(chunk)
            _require_complete(response)
            size = dest.tell()
            if accept is None:
                return size
            dest.seek(0)
            head = dest.read(_HEAD_BYTES)
            dest.seek(size)
            if not accept(head):
                shown = head.decode("utf-8", errors="replace")
                raise _AttemptError(
                    "invalid_body",
                    status=response.status_code,
                    detail=shown,
                    reason="the body is not of the expected kind",
                    retryable=True,
                )
            return size

        return await self._request(path, params, write)

    async def _request(
        self,
        path: str,
        params: Mapping[str, QueryValue] | None,
        consume: Callable[[httpx.Response], Awaitable[T]],
    ) -> T:
        """GET `path` until `consume` accepts a 2xx response, the failure is not retryable,
        or the attempts run out."""
        query = str(httpx.QueryParams(_query(params)))
        attempt = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                return await self._attempt(path, query, consume)
            except _AttemptError as failure:
                self.stats.outcomes[failure.outcome] += 1
                error = self._error(path, failure, attempt)
                if not failure.retryable or attempt >= self.retry.max_attempts:
                    raise error from None
                delay = self.retry.delay(
                    attempt, failure.headers, now=time.time(), rand=random.random()
                )
                self.stats.retries += 1
                self.stats.retried[failure.outcome] += 1
                _log.info(
                    "GET %s: %s (attempt %d of %d), retrying in %.2f s",
                    path,
                    error.reason,
                    attempt,
                    self.retry.max_attempts,
                    delay,
                )
                await self._sleep(delay)

    async def _attempt(
        self,
        path: str,
        query: str,
        consume: Callable[[httpx.Response], Awaitable[T]],
    ) -> T:
        """One request: the consumed 2xx response, or a `_AttemptError` saying what happened."""
        try:
            async with self._http.stream(path, query) as response:
                _log.debug("GET %s: %d", path, response.status_code)
                if response.is_success:
                    result = await consume(response)
                    self.stats.outcomes[str(response.status_code)] += 1
                    self.stats.bytes_received += response.num_bytes_downloaded
                    return result
                body = await _read_prefix(response, _ERROR_BODY_BYTES)
        except _TRANSIENT_ERRORS as exc:
            # The underlying library's exception names the fault best (httpx-aiohttp maps a
            # dropped connection to httpx.ConnectTimeout, for one).
            cause = exc.__cause__ or exc
            kind = type(cause).__name__
            reason = describe(f"{kind}: {cause}")
            raise _AttemptError(
                kind, status=None, detail=reason, reason=reason, retryable=True
            ) from None
        status = response.status_code
        detail = error_detail(body)
        raise _AttemptError(
            str(status),
            status=status,
            detail=detail,
            reason=describe(detail),
            retryable=is_retryable_status(status),
            headers=response.headers,
        )

    def _error(self, path: str, failure: _AttemptError, attempts: int) -> ApiError:
        """The error `failure` amounts to after `attempts`, anything the server echoed of the
        key masked; its reason is also what the retry log says."""
        return ApiError(
            method="GET",
            path=path,
            status=failure.status,
            detail=scrub(failure.detail, self._secret),
            attempts=attempts,
            reason=str(scrub(failure.reason, self._secret)),
        )

"""When to retry an API request and how long to wait first.

The rules follow the official SDK (retry 429, 408, 409 and every 5xx; honour `Retry-After`, then
`X-RateLimit-Reset`, else back off exponentially) with two changes for a long unattended run:
more attempts, and jitter so that many requests refused together do not return together.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_ATTEMPTS = 6
_RETRYABLE_BELOW_500 = frozenset({408, 409, 429})
# 2 ** 30 times any sane base delay is far beyond every cap; it keeps the float finite.
_MAX_EXPONENT = 30


def is_retryable_status(status: int) -> bool:
    """True for the statuses a later attempt may fix: 408, 409, 429 and every 5xx."""
    return status >= 500 or status in _RETRYABLE_BELOW_500


def server_delay(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait, or None when it did not say (or said a past time).

    `Retry-After` is delta-seconds or an HTTP date; `X-RateLimit-Reset` is Unix seconds.
    `headers` must look names up case-insensitively, as `httpx.Headers` does.
    """
    retry_after = headers.get("retry-after", "").strip()
    if retry_after:
        seconds: float | None
        try:
            seconds = float(retry_after)
        except ValueError:
            seconds = _seconds_until_http_date(retry_after, now)
        if seconds is not None and seconds >= 0:
            return seconds
    reset = headers.get("x-ratelimit-reset", "").strip()
    try:
        until_reset = float(reset) - now
    except ValueError:
        return None
    return until_reset if until_reset >= 0 else None


def _seconds_until_http_date(value: str, now: float) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a zone-less one is read as UTC
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp() - now


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a request gets and the wait before each retry.

    A server hint (capped at `max_server_delay`) is lengthened by up to `jitter` of itself, never
    shortened: the server said "not before". Without one, attempt n waits
    `min(max_delay, base_delay * 2 ** (n - 1))`, shortened by up to `jitter` of itself.
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_server_delay: float = 60.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")

    def delay(self, attempt: int, headers: Mapping[str, str], *, now: float, rand: float) -> float:
        """Seconds to wait after failed attempt number `attempt` (from 1); `rand` is in [0, 1)."""
        hint = server_delay(headers, now)
        if hint is not None:
            return min(hint, self.max_server_delay) * (1 + self.jitter * rand)
        exponent = min(attempt - 1, _MAX_EXPONENT)
        return min(self.max_delay, self.base_delay * 2.0**exponent) * (1 - self.jitter * rand)

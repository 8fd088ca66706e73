"""The retry rules as pure functions: which statuses, and the computed waits."""

from __future__ import annotations

import math
from email.utils import formatdate

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.retry import RetryPolicy, is_retryable_status, server_delay

NOW = 1_750_000_000.0


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_transient_statuses_are_retried(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [200, 301, 400, 401, 403, 404, 410, 422])
def test_other_statuses_are_not(status: int) -> None:
    assert not is_retryable_status(status)


def test_retry_after_seconds() -> None:
    assert server_delay(httpx.Headers({"Retry-After": "7"}), NOW) == 7.0


def test_retry_after_http_date() -> None:
    date = formatdate(NOW + 42, usegmt=True)
    assert server_delay(httpx.Headers({"Retry-After": date}), NOW) == 42.0


def test_rate_limit_reset_is_unix_seconds() -> None:
    assert server_delay(httpx.Headers({"X-RateLimit-Reset": str(int(NOW) + 9)}), NOW) == 9.0


def test_retry_after_wins_over_reset() -> None:
    headers = httpx.Headers({"Retry-After": "2", "X-RateLimit-Reset": str(int(NOW) + 30)})
    assert server_delay(headers, NOW) == 2.0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Retry-After": "soon"},
        {"Retry-After": formatdate(NOW - 5, usegmt=True)},
        {"Retry-After": "-3"},
        {"X-RateLimit-Reset": str(int(NOW) - 1)},
        {"X-RateLimit-Reset": "tomorrow"},
    ],
)
def test_no_usable_hint(headers: dict[str, str]) -> None:
    assert server_delay(httpx.Headers(headers), NOW) is None


def test_unusable_retry_after_falls_back_to_reset() -> None:
    headers = httpx.Headers({"Retry-After": "soon", "X-RateLimit-Reset": str(int(NOW) + 4)})
    assert server_delay(headers, NOW) == 4.0


def test_exponential_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=5.0, jitter=0)
    delays = [policy.delay(n, httpx.Headers(), now=NOW, rand=0.5) for n in range(1, 7)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_shortens_backoff_and_lengthens_server_hints() -> None:
    policy = RetryPolicy(base_delay=1.0, jitter=0.2)
    assert policy.delay(3, httpx.Headers(), now=NOW, rand=0.0) == 4.0
    assert policy.delay(3, httpx.Headers(), now=NOW, rand=0.5) == pytest.approx(3.6)
    hinted = httpx.Headers({"Retry-After": "10"})
    assert policy.delay(1, hinted, now=NOW, rand=0.0) == 10.0
    assert policy.delay(1, hinted, now=NOW, rand=0.5) == pytest.approx(11.0)


def test_server_hints_are_capped() -> None:
    policy = RetryPolicy(max_server_delay=60.0, jitter=0)
    assert policy.delay(1, httpx.Headers({"Retry-After": "3600"}), now=NOW, rand=0) == 60.0
    reset = httpx.Headers({"X-RateLimit-Reset": str(int(NOW) + 86_400)})
    assert policy.delay(1, reset, now=NOW, rand=0) == 60.0


@pytest.mark.parametrize(("attempts", "jitter"), [(0, 0.2), (3, -0.1), (3, 1.5)])
def test_policy_rejects_nonsense(attempts: int, jitter: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        RetryPolicy(max_attempts=attempts, jitter=jitter)


@given(
    attempt=st.integers(min_value=1, max_value=10**9),
    rand=st.floats(min_value=0, max_value=1, exclude_max=True),
    retry_after=st.text(max_size=40),
    reset=st.text(max_size=20),
)
def test_every_delay_is_finite_and_within_the_caps(
    attempt: int, rand: float, retry_after: str, reset: str
) -> None:
    policy = RetryPolicy()
    headers = {"retry-after": retry_after, "x-ratelimit-reset": reset}
    delay = policy.delay(attempt, headers, now=NOW, rand=rand)
    assert math.isfinite(delay)
    assert 0 <= delay <= max(policy.max_delay, policy.max_server_delay * (1 + policy.jitter))

"""Which fault, if any, spoils a request attempt, and how long it waits first.

Decided from (seed, method, path + query, attempt number): a client replaying the same requests
meets the same faults, and no request fails more than `max_faults_per_request` times in a row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from emulator.attempts import AttemptTable
from emulator.config import FaultConfig
from emulator.seeding import unit


def request_key(method: str, target: bytes) -> int:
    """A non-zero 64-bit key of a request (method, path and query), the same in every process."""
    digest = hashlib.blake2b(method.encode() + b" " + target, digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


@dataclass(frozen=True, slots=True)
class Verdict:
    attempt: int
    delay_secs: float
    fault: str | None


class FaultPlan:
    def __init__(self, seed: int, faults: FaultConfig, attempts: AttemptTable) -> None:
        self._seed = seed
        self._faults = faults
        self._attempts = attempts
        self._rates = [(name, rate) for name, rate in faults.failure_rates().items() if rate]

    def _fault(self, method: str, target: bytes, attempt: int) -> str | None:
        if not self._rates:
            return None
        draw = unit(self._seed, "fault", method, target, attempt)
        for name, rate in self._rates:
            if draw < rate:
                return name
            draw -= rate
        return None

    def verdict(self, method: str, target: bytes) -> Verdict:
        """The attempt number of this request, its delay, and its fault."""
        faults = self._faults
        attempt, fault = self._attempts.record(
            request_key(method, target),
            lambda n: self._fault(method, target, n),
            faults.max_faults_per_request,
        )
        delay_ms = faults.latency_ms
        if faults.jitter_ms:
            delay_ms += faults.jitter_ms * unit(self._seed, "jitter", method, target, attempt)
        return Verdict(attempt, delay_ms / 1000.0, fault)

    def rate_limit_reset(self, method: str, target: bytes, attempt: int) -> bool:
        """Whether a 429 also carries `X-RateLimit-Reset` (about half of them do)."""
        return unit(self._seed, "reset-header", method, target, attempt) < 0.5

    def server_error(self, method: str, target: bytes, attempt: int) -> int:
        """Which 5xx: 500, 502 or 503."""
        return (500, 502, 503)[int(unit(self._seed, "5xx", method, target, attempt) * 3)]

"""What an emulator serves: data volume, dialect, auth and injected faults, all in frozen values.

Everything the emulator generates is a pure function of an `EmulatorConfig` (plus the mutations
clients make), so two emulators with equal configs serve the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

Dialect = Literal["elevenlabs", "seed"]
DIALECTS: tuple[Dialect, ...] = ("elevenlabs", "seed")


class ConfigError(ValueError):
    """A configuration value the emulator cannot serve; the message names the field."""


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be between 0 and 1, got {value}")


def _check_at_least(name: str, value: float, minimum: float) -> None:
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")


@dataclass(frozen=True)
class FaultConfig:
    """Injected faults, off by default; rates are per request attempt, in [0, 1].

    A fault is decided from (seed, method, path + query, attempt number), so a replay of the
    same requests meets the same faults. `max_faults_per_request` bounds how many attempts of
    one request fail in a row, so a client with enough retries always gets through.
    Schema drift is a property of a conversation (every fetch of it drifts the same way).
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_429: float = 0.0
    retry_after_secs: int = 1
    rate_5xx: float = 0.0
    rate_reset: float = 0.0
    rate_truncate: float = 0.0
    rate_malformed: float = 0.0
    rate_slow_body: float = 0.0
    slow_body_secs: float = 2.0
    rate_stall: float = 0.0
    stall_secs: float = 30.0
    rate_drift: float = 0.0
    max_faults_per_request: int = 2

    def __post_init__(self) -> None:
        for name in ("latency_ms", "jitter_ms", "slow_body_secs", "stall_secs"):
            _check_at_least(name, getattr(self, name), 0.0)
        _check_at_least("retry_after_secs", self.retry_after_secs, 0)
        _check_at_least("max_faults_per_request", self.max_faults_per_request, 0)
        for name, rate in self.failure_rates().items():
            _check_rate(f"rate_{name}", rate)
        _check_rate("rate_drift", self.rate_drift)
        if sum(self.failure_rates().values()) > 1.0:
            raise ConfigError("the failure rates (429, 5xx, reset, ...) must add up to at most 1")

    def failure_rates(self) -> dict[str, float]:
        """Rates of the faults that spoil an attempt, in the order they are drawn."""
        return {
            "429": self.rate_429,
            "5xx": self.rate_5xx,
            "reset": self.rate_reset,
            "truncate": self.rate_truncate,
            "malformed": self.rate_malformed,
            "slow_body": self.rate_slow_body,
            "stall": self.rate_stall,
        }

    @property
    def delays(self) -> bool:
        return self.latency_ms > 0 or self.jitter_ms > 0


@dataclass(frozen=True)
class EmulatorConfig:
    """The synthetic account an emulator serves.

    `conversations_per_day` is per agent per day and exact unless `volume_jitter` (a fraction,
    e.g. 0.5 for +-50%) or `empty_day_rate` say otherwise. The `days` days end yesterday
    relative to `today` (UTC; None means the real current date). The `pending_per_agent`
    latest conversations of each agent on the last day are still in progress and turn final
    on `advance()` or `finalise_after_secs` after the emulator started (None: only on advance).
    """

    seed: int = 0
    agents: int = 3
    conversations_per_day: int = 20
    days: int = 7
    today: dt.date | None = None
    dialect: Dialect = "elevenlabs"
    api_key: str | None = field(default=None, repr=False)
    faults: FaultConfig = field(default_factory=FaultConfig)
    volume_jitter: float = 0.0
    empty_day_rate: float = 0.0
    hostile_id_rate: float = 0.0
    legacy_id_rate: float = 0.1
    pending_per_agent: int = 2
    finalise_after_secs: float | None = 600.0

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ConfigError(f"dialect must be one of {', '.join(DIALECTS)}, got {self.dialect!r}")
        _check_at_least("agents", self.agents, 0)
        _check_at_least("conversations_per_day", self.conversations_per_day, 0)
        _check_at_least("days", self.days, 1)
        _check_at_least("pending_per_agent", self.pending_per_agent, 0)
        for name in ("volume_jitter", "empty_day_rate", "hostile_id_rate", "legacy_id_rate"):
            _check_rate(name, getattr(self, name))
        if self.finalise_after_secs is not None:
            _check_at_least("finalise_after_secs", self.finalise_after_secs, 0.0)
        if self.api_key == "":
            raise ConfigError("api_key must be None or a non-empty string")

    def pinned(self) -> EmulatorConfig:
        """The same config with `today` fixed, so that every worker agrees on the dates."""
        if self.today is not None:
            return self
        return replace(self, today=dt.datetime.now(dt.UTC).date())

    @property
    def first_day(self) -> dt.date:
        return self.last_day - dt.timedelta(days=self.days - 1)

    @property
    def last_day(self) -> dt.date:
        return self.pinned_today - dt.timedelta(days=1)

    @property
    def pinned_today(self) -> dt.date:
        if self.today is None:
            raise ConfigError("call pinned() before asking for dates")
        return self.today

    def day_list(self) -> list[dt.date]:
        """The served days, oldest first."""
        return [self.first_day + dt.timedelta(days=i) for i in range(self.days)]

"""The fault matrix: the whole graph against an emulator that spoils up to 30% of attempts.

Each kind of fault (and a mix of all of them) must end with a warehouse equal to the
emulator's ground truth, and the run's Dagster metadata must count the retries it took: for
faults the client can see on their own (429, 5xx, a cut or garbled body, a stalled response),
exactly the number the emulator injected, by cause.

Retry waits stay short without changing the product's policy: the emulator's Retry-After is
one second at most, no request fails more than twice in a row (so the exponential backoff
never goes past its second step, 1 s), and a stalled response times out after half a second.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assets.warehouse.build import WAREHOUSE_FILE
from emulator import EmulatorConfig, EmulatorHandle, FaultConfig, running_emulator
from pipelines.resources import API_KEY_ENV_VAR
from tests.reliability.harness import (
    KEY,
    assert_equals_truth,
    materializations,
    materialize_days,
    temp_files,
)
from tests.warehouse.compare import read_table

TODAY = dt.date(2026, 4, 15)
DAYS = [TODAY - dt.timedelta(days=1)]
STALL_READ_TIMEOUT = 0.5


@dataclass(frozen=True)
class Storm:
    """A fault configuration and what the client's counters must call the retries it causes."""

    faults: FaultConfig
    # The client's names for the retries of each emulator fault kind it must see and count.
    counted_as: dict[str, frozenset[str]] = field(default_factory=dict)
    client: dict[str, Any] = field(default_factory=dict)


STORMS = {
    "429_retry_after": Storm(
        FaultConfig(rate_429=0.3, retry_after_secs=1), {"429": frozenset({"429"})}
    ),
    "5xx_bursts": Storm(FaultConfig(rate_5xx=0.3), {"5xx": frozenset({"500", "502", "503"})}),
    "connection_resets": Storm(FaultConfig(rate_reset=0.3)),
    "read_timeouts": Storm(
        FaultConfig(rate_stall=0.1, stall_secs=3.0),
        client={"read_timeout": STALL_READ_TIMEOUT},
    ),
    "truncated_bodies": Storm(
        # aiohttp itself notices most bodies cut short of their Content-Length.
        FaultConfig(rate_truncate=0.3),
        {"truncate": frozenset({"truncated", "ClientPayloadError"})},
    ),
    "malformed_bodies": Storm(
        # A garbled JSON body, or an HTML error page where an MP3 was due.
        FaultConfig(rate_malformed=0.3),
        {"malformed": frozenset({"invalid_json", "invalid_body"})},
    ),
    "slow_bodies": Storm(FaultConfig(rate_slow_body=0.3, slow_body_secs=0.3)),
    "everything_at_once": Storm(
        FaultConfig(
            rate_429=0.05,
            retry_after_secs=1,
            rate_5xx=0.05,
            rate_reset=0.05,
            rate_truncate=0.05,
            rate_malformed=0.05,
            rate_slow_body=0.03,
            slow_body_secs=0.3,
            rate_stall=0.02,
            stall_secs=3.0,
        ),
        client={"read_timeout": STALL_READ_TIMEOUT},
    ),
}


def emulator_config(faults: FaultConfig) -> EmulatorConfig:
    return EmulatorConfig(
        seed=8,
        agents=3,
        conversations_per_day=20,
        days=len(DAYS),
        today=TODAY,
        api_key=KEY,
        faults=faults,
        finalise_after_secs=None,
    )


def injected(emulator: EmulatorHandle) -> Counter[str]:
    """Faults the emulator injected, by kind, over every route."""
    found: Counter[str] = Counter()
    for counts in emulator.stats()["routes"].values():
        for column, n in counts.items():
            if column.startswith("fault:"):
                found[column.removeprefix("fault:")] += n
    return found


def retries_in_metadata(results: list[Any]) -> tuple[int, Counter[str]]:
    """Retries the runs' metadata reports: the total and by cause, summed over every asset
    that called the API."""
    total, by_cause = 0, Counter[str]()
    for result in results:
        for metadata in materializations(result).values():
            if "retries" in metadata:
                total += metadata["retries"]
                by_cause.update(metadata["retries_by_cause"])
    return total, by_cause


def assert_recordings_whole(lake: Path) -> None:
    """Every recording in the warehouse plays as long as its call lasted (the emulator's MP3s
    are exactly `call_duration_secs` long): none is an error page stored as audio."""
    _, rows = read_table(lake / WAREHOUSE_FILE, "conversations")
    recorded = [row for row in rows if row["audio_path"] is not None]
    assert recorded, "no recording was stored: the test would prove nothing"
    wrong = [
        (row["conversation_id"], row["audio_duration_secs"], row["duration_secs"])
        for row in recorded
        if row["audio_duration_secs"] is None
        or abs(row["audio_duration_secs"] - row["duration_secs"]) > 0.01
    ]
    assert not wrong, f"recordings that are not the call's audio: {wrong[:5]}"


@pytest.mark.parametrize("name", list(STORMS))
def test_a_fault_storm_ends_in_the_ground_truth(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storm = STORMS[name]
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    with running_emulator(emulator_config(storm.faults)) as emulator:
        results = materialize_days(emulator, tmp_path, DAYS, **storm.client)
        faults = injected(emulator)
        assert all(result.success for result in results)
        assert_equals_truth(emulator, tmp_path, DAYS)
    assert not temp_files(tmp_path)
    assert_recordings_whole(tmp_path)

    retries, by_cause = retries_in_metadata(results)
    print(f"\n{name}: injected {dict(faults)}; retries {retries} {dict(by_cause)}")
    assert sum(by_cause.values()) == retries
    spoiling = {kind: n for kind, n in faults.items() if kind not in ("slow_body", "drift")}
    assert faults, "the emulator injected no fault: the test would prove nothing"
    if not spoiling:  # slow bodies arrive whole: nothing to retry
        assert retries == 0
        return
    for kind, names in storm.counted_as.items():
        counted = sum(n for cause, n in by_cause.items() if cause in names)
        assert counted == faults[kind], (kind, faults, by_cause)
    # Every retry answers one injected fault. A dropped connection may instead be re-sent once
    # by aiohttp below the client (RFC 9112 9.3.1), which the emulator sees and counts too.
    assert 0 < retries <= sum(spoiling.values())
    if "reset" not in spoiling:
        assert retries == sum(spoiling.values()), (faults, by_cause)

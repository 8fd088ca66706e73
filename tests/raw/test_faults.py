"""Faults from the emulator are survived with nothing lost; bad ids and keys are contained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assets.raw.stored import stored_details
from emulator import FaultConfig
from tests.raw.conftest import YESTERDAY, config, metadata

STORMS = {
    "429": FaultConfig(rate_429=0.3, retry_after_secs=0),
    "5xx": FaultConfig(rate_5xx=0.3),
    "reset": FaultConfig(rate_reset=0.3),
    "truncate": FaultConfig(rate_truncate=0.3),
    "malformed": FaultConfig(rate_malformed=0.3),
}


@pytest.mark.parametrize("storm", sorted(STORMS))
def test_a_fault_storm_loses_nothing(raw_run: Any, storm: str) -> None:
    run = raw_run(config(faults=STORMS[storm]))
    result = run.day()
    assert result.success
    latest = stored_details(run.lake, YESTERDAY).latest
    assert len(latest) == 60
    assert all(detail.is_final for detail in latest.values())
    found = metadata(result, "conversations")
    assert found["failed"] == 0
    assert found["retries"] > 0
    assert sum(found["retries_by_cause"].values()) == found["retries"]


def test_unsafe_ids_are_rejected_and_reported_and_the_run_goes_on(
    raw_run: Any, tmp_path: Path
) -> None:
    run = raw_run(config(hostile_id_rate=0.2))
    result = run.day()
    assert result.success
    listing = metadata(result, "conversation_pages")
    assert listing["unsafe_ids_rejected"] > 0
    fetched = metadata(result, "conversations")["fetched"]
    assert fetched + listing["unsafe_ids_rejected"] == 60
    # Nothing was written outside the lake, and no file name came from a rejected id.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]
    names = [p.name for p in run.lake.root.rglob("*")]
    assert not any(".." in n or "\\" in n for n in names)


def test_a_wrong_key_gives_one_clear_error_without_retries(
    raw_run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = raw_run(config())
    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk_wrong")
    result = run.day()
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    error, message = failure.step_failure_data.error, ""
    while error is not None:
        message, error = message + error.message, error.cause
    assert "401" in message
    assert "ELEVENLABS_API_KEY" in message
    assert "sk_wrong" not in message
    assert run.emulator.stats()["requests"] == 1

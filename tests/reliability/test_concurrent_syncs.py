"""Two runs at once on one lake: a second `convai-lake sync` exits at once with a clear
one-line message (the lake's `sync` lock); a Dagster run of the same days started beside a
sync waits for each day's lock instead. Either way the lake ends whole and equal to the truth.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import EmulatorConfig, EmulatorHandle, FaultConfig, running_emulator
from pipelines.resources import API_KEY_ENV_VAR
from tests.reliability.harness import (
    KEY,
    assert_equals_truth,
    cli_env,
    convai_lake,
    materialize_days,
    start_sync,
    sync_args,
    temp_files,
)

LOCKED = "another convai-lake run holds 'sync' in"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    # Latency stretches each run over several seconds, so that the runs overlap for sure.
    config = EmulatorConfig(
        seed=31,
        agents=3,
        conversations_per_day=20,
        days=2,
        api_key=KEY,
        pending_per_agent=0,
        faults=FaultConfig(latency_ms=10.0),
    )
    with running_emulator(config) as handle:
        yield handle


def test_two_syncs_at_once_one_runs_the_other_says_why_it_did_not(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    first, second = (
        start_sync(emulator, tmp_path, capture_output=True),
        start_sync(emulator, tmp_path, capture_output=True),
    )
    outcomes = [(p.returncode, out, err) for p in (first, second) for out, err in [p.communicate()]]
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 1], outcomes
    _, _, refused = next(o for o in outcomes if o[0] == 1)
    assert refused.strip().splitlines() == [
        f"error: {LOCKED} {tmp_path.absolute()}; wait for it to finish and run again"
    ]
    assert "Traceback" not in refused
    assert_equals_truth(emulator, tmp_path, emulator.config.day_list())
    assert not temp_files(tmp_path)

    # The lock died with the run that held it: the next sync runs (and changes nothing).
    again = convai_lake(*sync_args(emulator.config.day_list()), env=cli_env(emulator, tmp_path))
    assert again.returncode == 0, again.stderr
    assert_equals_truth(emulator, tmp_path, emulator.config.day_list())


@pytest.mark.slow
def test_a_dagster_run_beside_a_sync_waits_for_each_day(
    emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    days = emulator.config.day_list()
    sync = start_sync(emulator, tmp_path, capture_output=True)
    while not (tmp_path / "raw").exists() and sync.poll() is None:
        time.sleep(0.02)  # the sync holds its first lock: start the other run now
    assert sync.poll() is None, "the sync ended before the other run could start"
    results: list[bool] = []
    other = threading.Thread(
        target=lambda: results.extend(
            r.success for r in materialize_days(emulator, tmp_path, days, concurrency=8)
        )
    )
    other.start()
    _, err = sync.communicate()
    other.join()
    assert sync.returncode == 0, err
    assert results == [True] * len(days)
    assert_equals_truth(emulator, tmp_path, days)
    assert not temp_files(tmp_path)

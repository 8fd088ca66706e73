"""`kill -9` of a `convai-lake sync` at random moments, then a rerun: the warehouse's tables
are identical to a clean run's and no temporary file is left anywhere in the lake.

Each kill is aimed at a stage (raw: catalogue, list pages, details and recordings; normalise:
Parquet and quarantine; warehouse: the DuckDB build): the running sync's lake is watched until
that stage is seen to have begun, and the SIGKILL follows a random short delay later, so the
aim does not drift with the machine's load. The stage a kill actually hit is read from the
lake at the kill: the area of the newest file, temporary ones included.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assets.warehouse.build import WAREHOUSE_FILE
from emulator import EmulatorConfig, EmulatorHandle, FaultConfig, running_emulator
from pipelines.resources import API_KEY_ENV_VAR
from tests.reliability.harness import (
    KEY,
    cli_env,
    convai_lake,
    materialize_days,
    start_sync,
    sync_args,
    temp_files,
    warehouse_digest,
)

STAGES = ("raw", "normalise", "warehouse")
# Lake areas by the stage that writes them; the hidden lock and Dagster folders are no stage's.
AREAS = {
    "raw": "raw",
    "audio": "raw",
    "parquet": "normalise",
    "quarantine": "normalise",
    "warehouse.duckdb": "warehouse",
}
ORDER = {"startup": 0, "raw": 1, "normalise": 2, "warehouse": 3}
POLL_SECS = 0.01
# The kill comes up to this long after the aimed-at stage is seen to have begun.
MAX_DELAY_SECS = 0.2
# Generous: a hung rerun (as before the fix in Runner.release_dead_runs) waits for ever, while
# a slow one on a loaded 2-core machine can take minutes.
STAGE_DEADLINE_SECS = 600
RERUN_SECS = 600


@dataclass(frozen=True)
class Trial:
    aimed_at: str
    delay: float
    hit: str  # a stage, or "finished" when the sync ended before the kill
    temps_at_kill: int


def config() -> EmulatorConfig:
    return EmulatorConfig(
        seed=21,
        agents=3,
        conversations_per_day=20,
        days=2,
        api_key=KEY,
        pending_per_agent=0,
        faults=FaultConfig(latency_ms=15.0),
    )


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(config()) as handle:
        yield handle


def area_of(lake: Path, path: Path) -> str | None:
    first = path.relative_to(lake).parts[0]
    if first.startswith(".warehouse.duckdb") or first.startswith("warehouse.duckdb"):
        return "warehouse"
    return AREAS.get(first)


def stage_now(lake: Path) -> str:
    """The stage that wrote last: the area of the newest file (temporary ones included)."""
    newest: tuple[int, str] | None = None
    for path in lake.rglob("*"):
        try:
            stat = path.stat()
        except FileNotFoundError:  # renamed or removed while we looked
            continue
        stage = area_of(lake, path) if path.is_file() else None
        if stage is not None and (newest is None or stat.st_mtime_ns > newest[0]):
            newest = (stat.st_mtime_ns, stage)
    return "startup" if newest is None else newest[1]


def kill_in_stage(
    emulator: EmulatorHandle, lake: Path, stage: str, rng: random.Random, days: list[dt.date]
) -> str:
    """Start a sync and SIGKILL it a random moment (up to 0.3 s) after `stage` first writes;
    the stage hit, or "finished" when the run ended first."""
    process = start_sync(emulator, lake, days)
    deadline = time.monotonic() + STAGE_DEADLINE_SECS
    try:
        while process.poll() is None:
            assert time.monotonic() < deadline, f"the sync never reached {stage}: hung?"
            if stage_now(lake) == stage:
                time.sleep(rng.uniform(0, 0.3))
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                return stage_now(lake)
            time.sleep(0.02)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    return "finished"


def test_a_sync_killed_in_each_stage_in_turn_reruns_to_the_clean_tables(
    emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast variant, on the last day only: one lake, killed in raw, then (on the rerun) in
    normalise, then in the warehouse build; the fourth run completes and must match a clean
    build of the same day (made in-process, to save a CLI start-up)."""
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    days = emulator.config.day_list()[-1:]
    clean, lake = tmp_path / "clean", tmp_path / "killed"
    assert all(result.success for result in materialize_days(emulator, clean, days))
    expected = warehouse_digest(clean / WAREHOUSE_FILE)
    rng = random.Random(dt.date.today().toordinal())
    hits = [kill_in_stage(emulator, lake, stage, rng, days) for stage in STAGES]
    print(f"\nkilled in turn at stages: {hits}")
    assert hits == list(STAGES)
    rerun = convai_lake(*sync_args(days), env=cli_env(emulator, lake), timeout=RERUN_SECS)
    assert rerun.returncode == 0, rerun.stderr
    assert warehouse_digest(lake / WAREHOUSE_FILE) == expected
    assert not temp_files(lake), temp_files(lake)


def kill_after_stage_begins(
    emulator: EmulatorHandle, lake: Path, aim: str, delay: float, days: list[dt.date]
) -> Trial:
    """Start a sync, watch its lake until `aim` (or a later stage) is seen to have begun, then
    SIGKILL it `delay` seconds later. The stage hit is read from the files present at the kill."""
    process = start_sync(emulator, lake, days)
    deadline = time.monotonic() + STAGE_DEADLINE_SECS
    try:
        while process.poll() is None:
            assert time.monotonic() < deadline, f"the sync never reached {aim}: hung?"
            if ORDER[stage_now(lake)] >= ORDER[aim]:
                time.sleep(delay)
                if process.poll() is not None:
                    break
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                return Trial(aim, delay, stage_now(lake), len(temp_files(lake)))
            time.sleep(POLL_SECS)
    finally:
        # Anything the sync itself started goes with it (nothing else is in its session).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    return Trial(aim, delay, "finished", len(temp_files(lake)))


def run_trials(
    emulator: EmulatorHandle, tmp_path: Path, per_stage: int, max_trials: int, seed: int
) -> list[Trial]:
    """Kill trials, each aimed at the stage with the fewest hits so far, until every stage has
    been hit `per_stage` times (or `max_trials` were run); every trial's lake is rerun and must
    match one clean run's tables, with no temporary file left."""
    rng = random.Random(seed)
    days = emulator.config.day_list()[-1:]
    clean = tmp_path / "clean"
    started = time.monotonic()
    result = convai_lake(*sync_args(days), env=cli_env(emulator, clean), timeout=RERUN_SECS)
    assert result.returncode == 0, result.stderr
    print(f"\nclean run {time.monotonic() - started:.1f} s", flush=True)
    expected = warehouse_digest(clean / WAREHOUSE_FILE)
    trials: list[Trial] = []
    hits: Counter[str] = Counter()
    while len(trials) < max_trials and any(hits[s] < per_stage for s in STAGES):
        aim = min(STAGES, key=lambda s: (hits[s], STAGES.index(s)))
        lake = tmp_path / f"trial-{len(trials)}"
        trial = kill_after_stage_begins(emulator, lake, aim, rng.uniform(0, MAX_DELAY_SECS), days)
        trials.append(trial)
        hits[trial.hit] += 1
        print(
            f"trial {len(trials):2}: aimed at {aim:9} +{trial.delay:.2f} s, hit {trial.hit:9}"
            f" ({trial.temps_at_kill} temporary files at the kill)",
            flush=True,
        )
        rerun = convai_lake(*sync_args(days), env=cli_env(emulator, lake), timeout=RERUN_SECS)
        assert rerun.returncode == 0, (trial, rerun.stderr)
        assert warehouse_digest(lake / WAREHOUSE_FILE) == expected, trial
        assert not temp_files(lake), (trial, temp_files(lake))
    print(f"kills by stage hit: {dict(hits)}", flush=True)
    return trials


@pytest.mark.slow
@pytest.mark.timeout(3600)  # 21+ kills and reruns take many minutes on a loaded machine
def test_twenty_one_kills_across_every_stage(emulator: EmulatorHandle, tmp_path: Path) -> None:
    trials = run_trials(
        emulator, tmp_path, per_stage=7, max_trials=35, seed=dt.date.today().toordinal()
    )
    hits = Counter(t.hit for t in trials)
    assert all(hits[stage] >= 7 for stage in STAGES), hits

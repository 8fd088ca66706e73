"""A 30-day backfill of `ingest_day`, run serially and in parallel by a real Dagster daemon
under the same account-wide cap on requests in flight; the ratio of the two wall times.

How the runs execute is how a production deployment (deploy/) executes them:
- the instance is deploy/dagster.yaml (PostgreSQL storage from a throwaway server, the
  QueuedRunCoordinator, the `elevenlabs_api` pool at op granularity), with only the limits
  changed per mode;
- one run per day is created and submitted to the queue as `dagster job launch` does
  (`create_run` + `submit_run`), tagged `dagster/backfill` and `dagster/partition` like a
  backfill's runs;
- a real `dagster-daemon run` dequeues them within the run and tag limits and launches each
  with the DefaultRunLauncher (up to 4 launches at once, `dequeue_use_threads`): one new
  process per run, which loads the code location. Each run uses
  the in-process executor (`ingest_day`'s two steps depend on each other, so the default
  multiprocess executor would add two code loads per run and no parallelism).

The account's limit `--account-limit` (requests in flight) is held in both modes:
- serial: 1 run at a time, 1 pool slot, CONVAI_CONCURRENCY = limit;
- parallel: `--parallel` runs, as many pool slots, CONVAI_CONCURRENCY = limit / parallel.
So in-flight requests never exceed the limit: the pool holds the number of API steps running
at once to the slot count, which the script checks (and fails otherwise) from the step
timings in the event log (peak overlap of the `raw_conversations` steps).

The emulator serves `--days` days of `--agents` x `--per-day` final conversations with
`--latency-ms` on every request, from its own process.

    uv run python bench/parallel_backfill.py      # 10 minutes on 2 quiet cores, 30+ on busy ones
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import yaml  # type: ignore[import-untyped]
from dagster._cli.job import _create_run
from dagster._cli.workspace.cli_target import (
    get_code_location_from_workspace,
    get_remote_job_from_remote_repo,
    get_remote_repository_from_code_location,
    get_workspace_from_cli_opts,
)
from dagster_shared.cli import WorkspaceOpts

from bench.client_concurrency import machine
from emulator import EmulatorConfig, FaultConfig, running_emulator
from tests.production.postgres_server import missing_binaries, running_postgres

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_YAML = ROOT / "deploy" / "dagster.yaml"
JOB = "ingest_day"
API_STEP = "raw_conversations"
API_KEY = "bench-parallel-backfill"
IN_PROCESS: dict[str, Any] = {"execution": {"config": {"in_process": {}}}}
POLL_SECS = 1.0
FINISHED = {
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
}


@dataclass(frozen=True)
class Mode:
    name: str
    runs: int  # max concurrent runs, backfill tag limit and pool slots
    concurrency: int  # CONVAI_CONCURRENCY of each run


@dataclass(frozen=True)
class Outcome:
    mode: str
    runs: int
    succeeded: int
    wall_secs: float  # the first run queued to the end of the last run
    submit_secs: float  # loading the code location and queueing every run
    run_secs_median: float  # one run, process start to end
    peak_runs: int  # runs in progress at once (from run start/end times)
    peak_api_steps: int  # raw_conversations steps at once (from the event log)
    peak_in_flight_bound: int  # peak_api_steps x CONVAI_CONCURRENCY
    requests: int
    conversations: int
    load_before: float
    load_after: float
    timeline: list[tuple[float, float, float]]  # per run: queued, started, ended (s from first)


def instance_yaml(mode: Mode) -> dict[str, Any]:
    """deploy/dagster.yaml with this mode's limits, and a 1 s dequeue interval."""
    config: dict[str, Any] = yaml.safe_load(DEPLOY_YAML.read_text())
    config["run_coordinator"]["config"]["dequeue_interval_seconds"] = 1
    runs = config["concurrency"]["runs"]
    runs["max_concurrent_runs"] = mode.runs
    for limit in runs["tag_concurrency_limits"]:
        if limit["key"] == "dagster/backfill":
            limit["limit"] = mode.runs
    config["concurrency"]["pools"]["default_limit"] = mode.runs
    return config


@contextlib.contextmanager
def storage_env() -> Iterator[dict[str, str]]:
    """DAGSTER_PG_* of a fresh PostgreSQL server."""
    with running_postgres() as server:
        yield server.env()


@contextlib.contextmanager
def daemon(env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`dagster-daemon run` on workspace.yaml, stopped (with its children) at the end."""
    command = [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            stop_leftovers(str(env["DAGSTER_HOME"]))


def stop_leftovers(marker: str) -> None:
    """SIGTERM the processes whose command line names `marker` (this mode's DAGSTER_HOME):
    code servers the daemon started in sessions of their own outlive it."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if marker.encode() in (proc / "cmdline").read_bytes():
                os.kill(int(proc.name), signal.SIGTERM)


def submit_backfill(instance: dg.DagsterInstance, days: list[dt.date], backfill: str) -> None:
    """One queued run of `ingest_day` per day, as `dagster job launch` creates them."""
    opts = WorkspaceOpts(workspace=[str(ROOT / "workspace.yaml")])
    with get_workspace_from_cli_opts(instance, dg.__version__, opts) as workspace:
        location = get_code_location_from_workspace(workspace, None)
        repo = get_remote_repository_from_code_location(location, None)
        job = get_remote_job_from_remote_repo(repo, JOB)
        for day in days:
            run = _create_run(
                instance=instance,
                code_location=location,
                remote_repo=repo,
                remote_job=job,
                run_config=IN_PROCESS,
                tags={"dagster/partition": day.isoformat(), "dagster/backfill": backfill},
                op_selection=None,
                run_id=None,
            )
            instance.submit_run(run.run_id, workspace)


def peak_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of [start, end) intervals holding at one instant."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def api_step_intervals(
    instance: dg.DagsterInstance, run_ids: list[str]
) -> list[tuple[float, float]]:
    """(start, end) of every raw_conversations step of the runs, from the event log."""
    intervals = []
    for run_id in run_ids:
        stats = instance.get_run_step_stats(run_id)
        for step in stats:
            if step.step_key == API_STEP and step.start_time and step.end_time:
                intervals.append((step.start_time, step.end_time))
    return intervals


def materialized_totals(instance: dg.DagsterInstance) -> tuple[int, int]:
    """Requests made and conversations fetched, summed over the raw/conversations events."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(["raw", "conversations"])), limit=10_000
    ).records
    requests = fetched = 0
    for record in records:
        metadata = record.asset_materialization.metadata if record.asset_materialization else {}
        requests += int(metadata["requests"].value)  # type: ignore[arg-type]
        fetched += int(metadata["fetched"].value)  # type: ignore[arg-type]
    return requests, fetched


def run_mode(mode: Mode, base_url: str, days: list[dt.date], work: Path, timeout: float) -> Outcome:
    home, lake = work / mode.name / "dagster_home", work / mode.name / "lake"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_yaml(mode), sort_keys=False))
    with storage_env() as pg:
        env = {
            **os.environ,
            **pg,
            "DAGSTER_HOME": str(home),
            "ELEVENLABS_BASE_URL": base_url,
            "ELEVENLABS_API_KEY": API_KEY,
            "CONVAI_LAKE_DIR": str(lake),
            "CONVAI_CONCURRENCY": str(mode.concurrency),
            # Starting a run process (loading the code) takes a minute and more on 2 cores
            # under the load of other sessions, past the code server's default 60 s deadline.
            "DAGSTER_GRPC_TIMEOUT_SECONDS": "300",
        }
        os.environ.update(env)  # the code server that creates the runs reads them too
        with (
            dg.DagsterInstance.from_config(str(home)) as instance,
            daemon(env, work / f"{mode.name}-daemon.log"),
        ):
            load_before = os.getloadavg()[0]
            started = time.time()
            submit_backfill(instance, days, f"bench-{mode.name}-{uuid.uuid4().hex[:8]}")
            submitted = time.time()
            deadline = time.monotonic() + timeout
            while True:
                records = instance.get_run_records()
                if records and all(r.dagster_run.status in FINISHED for r in records):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{mode.name}: runs not finished after {timeout} s")
                time.sleep(POLL_SECS)
            load_after = os.getloadavg()[0]
            first_queued = min(r.create_timestamp.timestamp() for r in records)
            spans = [
                (r.start_time or r.create_timestamp.timestamp(), r.end_time or time.time())
                for r in records
            ]
            run_ids = [r.dagster_run.run_id for r in records]
            api_peak = peak_overlap(api_step_intervals(instance, run_ids))
            if api_peak > mode.runs:
                raise AssertionError(f"{api_peak} API steps at once, over {mode.runs} pool slots")
            requests, conversations = materialized_totals(instance)
            durations = sorted(end - start for start, end in spans)
            return Outcome(
                mode=mode.name,
                runs=len(records),
                succeeded=sum(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records),
                wall_secs=round(max(end for _, end in spans) - first_queued, 1),
                submit_secs=round(submitted - started, 1),
                run_secs_median=round(durations[len(durations) // 2], 1),
                peak_runs=peak_overlap(spans),
                peak_api_steps=api_peak,
                peak_in_flight_bound=api_peak * mode.concurrency,
                requests=requests,
                conversations=conversations,
                load_before=round(load_before, 2),
                load_after=round(load_after, 2),
                timeline=sorted(
                    (
                        round(r.create_timestamp.timestamp() - first_queued, 1),
                        round(start - first_queued, 1),
                        round(end - first_queued, 1),
                    )
                    for r, (start, end) in zip(records, spans, strict=True)
                ),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--per-day", type=int, default=25, help="conversations per agent-day")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--account-limit", type=int, default=32, help="requests in flight")
    parser.add_argument("--parallel", type=int, default=4, help="runs and pool slots")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per mode, seconds")
    parser.add_argument(
        "--order", choices=["serial-first", "parallel-first"], default="serial-first"
    )
    parser.add_argument("--only", choices=["serial", "parallel"], help="run one mode only")
    parser.add_argument("--keep", action="store_true", help="keep the daemons' logs")
    args = parser.parse_args()
    reason = missing_binaries()
    if reason:
        sys.exit(reason)
    if args.account_limit % args.parallel:
        sys.exit("--account-limit must be a multiple of --parallel")

    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=n) for n in range(args.days, 0, -1)]
    config = EmulatorConfig(
        seed=11,
        agents=args.agents,
        conversations_per_day=args.per_day,
        days=args.days,
        today=today,
        api_key=API_KEY,
        pending_per_agent=0,
        faults=FaultConfig(latency_ms=args.latency_ms),
    )
    modes = [
        Mode("serial", 1, args.account_limit),
        Mode("parallel", args.parallel, args.account_limit // args.parallel),
    ]
    if args.order == "parallel-first":
        modes.reverse()
    if args.only:
        modes = [mode for mode in modes if mode.name == args.only]
    print(f"machine: {machine()}", flush=True)
    print(f"dagster {dg.__version__}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", flush=True)
    work = Path(tempfile.mkdtemp(prefix="convai-backfill-bench-"))
    outcomes: dict[str, Outcome] = {}
    with running_emulator(config, processes=1) as emulator:
        for mode in modes:
            outcome = run_mode(mode, emulator.base_url, days, work, args.timeout)
            outcomes[mode.name] = outcome
            print(json.dumps(asdict(outcome)), flush=True)
            shutil.rmtree(work / mode.name / "lake", ignore_errors=True)
    if args.keep:
        print(f"daemon logs: {work}")
    else:  # kept, with the daemons' logs, when a mode failed
        shutil.rmtree(work, ignore_errors=True)
    if len(outcomes) < 2:
        return
    ratio = outcomes["serial"].wall_secs / outcomes["parallel"].wall_secs
    print(
        f"serial {outcomes['serial'].wall_secs} s, parallel {outcomes['parallel'].wall_secs} s: "
        f"parallel is {ratio:.2f}x faster"
    )


if __name__ == "__main__":
    main()

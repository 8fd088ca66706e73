"""Detail-fetch throughput of the raw layer's `ingest_day`, beside the bound, bare aiohttp and dlt.

One emulator, serving from its own worker process (so that it shares no GIL with the clients)
with `--latency-ms` of injected latency, serves one day of `--agents` x `--per-day`
conversations, none still pending. A warm-up pass fetches every detail of the day once
(documents rendered and cached). Then each round measures, per number of requests in flight
and each in a fresh child process:

- ours: `ingest_day` on a fresh lake with `ElevenLabsResource(...).client()`. Recordings are
  turned off by an empty file at each recording's lake path, written before the run, so
  `ingest_day` skips them as present: only the list and detail routes are requested. The
  detail phase is `fetch_conversations` (request, parse, compress, publish parts), the list
  phase `fetch_listing`, both timed by wrapping them where `ingest_day` calls them;
- bare aiohttp fetching the same detail URLs once each, every body parsed with `json.loads`.

Then dlt's `rest_api` source loads the same day into DuckDB (bench/ingest_dlt.py, run by
`--dlt-python`, a throwaway virtualenv that the script creates with uv when it is missing):
with dlt's defaults (details one at a time) and with the dependent resource parallelized on
dlt's default pool, both over the first `--dlt-sample-pages` list pages only (they are slow),
then parallelized with more extract workers over the whole day. Only the defaults run goes on
to normalize and load into DuckDB (slow, and not a fetch); the others time the extract.

Emulator CPU time is read from /proc around each detail phase. `--memory` instead ingests a
day of `--memory-conversations` conversations (no latency) and reports the peak RSS;
`--profile` runs `ingest_day` once under cProfile, timed by CPU time, and prints where it went.

    uv run python bench/ingest.py                  # 5 to 8 minutes (longer on a loaded machine)
    uv run python bench/ingest.py --memory         # 3 to 5 minutes
    uv run python bench/ingest.py --profile        # about a minute
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import functools
import json
import multiprocessing
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from unittest import mock

import aiohttp

from assets.raw import conversations
from assets.raw.fetch import DETAIL_PATH, audio_file, fetch_conversations
from assets.raw.listing import day_bounds, fetch_listing
from bench.client_concurrency import machine
from bench.emulator_capacity import _cpu_secs as cpu_secs
from emulator import EmulatorConfig, FaultConfig, running_emulator
from pipelines.client import ApiClient, Timeouts
from pipelines.lake import Lake
from pipelines.resources import ElevenLabsResource
from pipelines.settings import DEFAULT_CONCURRENCY, Secret

P = ParamSpec("P")
R = TypeVar("R")
BENCH = Path(__file__).resolve().parent
SCRATCH = BENCH / ".scratch" / "ingest"
DLT_RUNNER = BENCH / "ingest_dlt.py"
API_KEY = "bench"
TODAY = dt.date(2025, 7, 15)


@dataclass(frozen=True)
class Phase:
    """Wall and CPU seconds of one phase, the client's and the emulator worker's."""

    seconds: float
    client_cpu: float
    server_cpu: float


@dataclass(frozen=True)
class Measure:
    """One client's run over one day: its detail phase, and the whole day where it has one."""

    details: int
    detail: Phase
    listing: Phase | None = None
    whole_seconds: float | None = None
    peak_rss_mib: float = 0.0
    start_rss_mib: float = 0.0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.details / self.detail.seconds

    @property
    def whole_rate(self) -> float | None:
        return self.details / self.whole_seconds if self.whole_seconds else None


class Clock:
    """Starts a `Phase` on creation; `stop()` ends it."""

    def __init__(self, server_pid: int) -> None:
        self._pid = server_pid
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self._server = cpu_secs(server_pid)

    def stop(self) -> Phase:
        return Phase(
            time.perf_counter() - self._wall,
            time.process_time() - self._cpu,
            cpu_secs(self._pid) - self._server,
        )


def timed(
    fn: Callable[P, Coroutine[Any, Any, R]], phases: dict[str, Phase], name: str, server_pid: int
) -> Callable[P, Coroutine[Any, Any, R]]:
    """`fn`, recording its wall and CPU time in `phases[name]`."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        clock = Clock(server_pid)
        try:
            return await fn(*args, **kwargs)
        finally:
            phases[name] = clock.stop()

    return wrapper


def rss_mib() -> tuple[float, float]:
    """This process's resident set size now and at its peak, MiB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------
# The clients, each run in a child process
# ---------------------------------------------------------------------------------------------


def run_ours(
    base_url: str, day: dt.date, ids: list[str], in_flight: int, server_pid: int
) -> Measure:
    """`ingest_day` on a fresh lake, recordings already present, with its phases timed."""
    start_rss, _ = rss_mib()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    lake_dir = Path(tempfile.mkdtemp(prefix="lake-", dir=SCRATCH))
    try:
        lake = Lake(lake_dir)
        for conversation_id in ids:
            placeholder = lake.root / audio_file(day, conversation_id)
            if not placeholder.parent.exists():
                placeholder.parent.mkdir(parents=True)
            placeholder.touch()
        api_resource = ElevenLabsResource(api_key=API_KEY, base_url=base_url, concurrency=in_flight)
        phases: dict[str, Phase] = {}
        listing = timed(fetch_listing, phases, "listing", server_pid)
        details = timed(fetch_conversations, phases, "details", server_pid)

        async def ingest() -> tuple[conversations.DayReport, int, int]:
            async with api_resource.client() as api:
                report = await conversations.ingest_day(api, lake, day)
                return report, api.stats.retries, api.stats.bytes_received

        with (
            mock.patch.object(conversations, "fetch_listing", listing),
            mock.patch.object(conversations, "fetch_conversations", details),
        ):
            started = time.perf_counter()
            report, retries, received = asyncio.run(ingest())
            whole = time.perf_counter() - started
    finally:
        shutil.rmtree(lake_dir, ignore_errors=True)
    fetch = report.fetch
    problems = len(fetch.failed) + fetch.rejected + len(fetch.gone) + fetch.audio_downloaded
    note = f"{received / max(report.listing.pages + fetch.fetched, 1) / 1024:.1f} KiB/response"
    if problems or retries:
        note += f"; {problems} failed/rejected/gone/audio, {retries} retries"
    return Measure(
        details=fetch.fetched,
        detail=phases["details"],
        listing=phases["listing"],
        whole_seconds=whole,
        peak_rss_mib=rss_mib()[1],
        start_rss_mib=start_rss,
        note=note,
    )


def run_bare(base_url: str, paths: list[str], in_flight: int, server_pid: int) -> Measure:
    """Plain aiohttp: every path once with `in_flight` requests in flight, bodies parsed."""

    async def fetch_all() -> Phase:
        connector = aiohttp.TCPConnector(limit=in_flight)
        headers = {"xi-api-key": API_KEY}
        async with aiohttp.ClientSession(base_url, connector=connector, headers=headers) as session:
            remaining = iter(paths)

            async def worker() -> None:
                for path in remaining:
                    async with session.get(path) as response:
                        response.raise_for_status()
                        json.loads(await response.read())

            clock = Clock(server_pid)
            await asyncio.gather(*(worker() for _ in range(in_flight)))
            return clock.stop()

    phase = asyncio.run(fetch_all())
    return Measure(details=len(paths), detail=phase, peak_rss_mib=rss_mib()[1])


def _child(send: Connection, target: Callable[..., Measure], args: tuple[Any, ...]) -> None:
    send.send(target(*args))


def in_child(target: Callable[..., Measure], *args: Any) -> Measure:
    """`target(*args)` in a fresh spawned process, so that each run starts clean and its
    peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, target, args))
    process.start()
    send.close()
    try:
        result: Measure = receive.recv()
    except EOFError:
        raise RuntimeError(f"{target.__name__} failed (exit code {process.exitcode})") from None
    finally:
        process.join()
    return result


# ---------------------------------------------------------------------------------------------
# dlt, in its own virtualenv
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DltSetting:
    """One way to run dlt's rest_api source; `in_flight` is what the setting allows at most.
    `max_pages` limits the list (slow settings), `load` adds normalize and load to DuckDB."""

    label: str
    in_flight: int
    parallelized: bool = False
    workers: int | None = None
    max_pages: int | None = None
    load: bool = False

    def env(self) -> dict[str, str]:
        if self.workers is None:
            return {}
        n = str(self.workers)
        return {"EXTRACT__WORKERS": n, "EXTRACT__MAX_PARALLEL_ITEMS": n}


def dlt_settings(sample_pages: int, workers: list[int]) -> list[DltSetting]:
    """dlt's defaults (details one at a time: dlt parallelizes nothing unless asked), then the
    dependent resource parallelized with dlt's default pool (5 workers, 20 parallel items),
    both on the first `sample_pages` list pages; then parallelized with `workers` extract
    workers, parallel items and HTTP connections each, on the whole day."""
    return [
        DltSetting("dlt defaults", 1, max_pages=sample_pages, load=True),
        DltSetting("dlt, parallelized, 5 workers", 5, parallelized=True, max_pages=sample_pages),
        *(DltSetting(f"dlt, parallelized, {n} workers", n, True, n) for n in workers),
    ]


def ensure_dlt(python: Path, spec: str) -> None:
    """Create the throwaway virtualenv with `spec` installed, unless `python` exists."""
    if python.exists():
        return
    venv = python.parent.parent
    print(f"# creating {venv} with {spec} (not the project's environment)", flush=True)
    subprocess.run(["uv", "venv", "-q", str(venv)], check=True)
    subprocess.run(["uv", "pip", "install", "-q", "--python", str(python), spec], check=True)


def run_dlt(
    python: Path, setting: DltSetting, base_url: str, day: dt.date, server_pid: int
) -> tuple[Measure, dict[str, Any]]:
    """One dlt run in its own process: extract (timed in the child) then normalize and load."""
    start, end = day_bounds(day)
    work = Path(tempfile.mkdtemp(prefix="dlt-", dir=SCRATCH))
    command = [
        str(python),
        str(DLT_RUNNER),
        f"--base-url={base_url}",
        f"--api-key={API_KEY}",
        f"--start={start}",
        f"--end={end}",
        f"--dir={work}",
    ]
    command += ["--parallelized"] if setting.parallelized else []
    command += [f"--pool={setting.workers}"] if setting.workers else []
    command += [f"--max-pages={setting.max_pages}"] if setting.max_pages else []
    command += [] if setting.load else ["--no-load"]
    env = {
        **os.environ,
        **setting.env(),
        "DLT_DATA_DIR": str(work / "home"),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "RUNTIME__LOG_LEVEL": "WARNING",
    }
    server_before = cpu_secs(server_pid)
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=600, check=False
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if done.returncode:
        raise RuntimeError(f"{setting.label} failed:\n{done.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    measure = Measure(
        details=out["details"],
        # dlt lists and fetches details at once: its detail phase runs from the first detail
        # request to the last response, its CPU and the emulator's are those of the extract.
        detail=Phase(out["detail_s"], out["extract_cpu_s"], cpu_secs(server_pid) - server_before),
        whole_seconds=out["extract_s"],
        peak_rss_mib=out["peak_rss_mib"],
    )
    return measure, out


# ---------------------------------------------------------------------------------------------
# The day, and the report
# ---------------------------------------------------------------------------------------------


async def list_day(base_url: str, day: dt.date) -> tuple[list[str], int]:
    """The day's conversation ids as `ingest_day` lists them (this renders the day's documents
    in the emulator), and the emulator worker's pid."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=SCRATCH) as lake_dir:
        # The first list request makes the emulator render the whole day: minutes for a big
        # one on a busy machine, so no read timeout short of that.
        timeouts = Timeouts(read=900.0)
        async with ApiClient(base_url=base_url, api_key=Secret(API_KEY), timeouts=timeouts) as api:
            listing = await fetch_listing(api, Lake(lake_dir), day)
            health, _ = await api.get_json("/_emulator/health")
    return list(listing.statuses), int(health["pid"])


@dataclass(frozen=True)
class Day:
    """The measured day as served: its date, ids, detail paths and the emulator worker's pid."""

    base_url: str
    day: dt.date
    ids: list[str]
    server_pid: int

    @property
    def paths(self) -> list[str]:
        return [DETAIL_PATH.format(i) for i in self.ids]


@contextlib.contextmanager
def emulated_day(agents: int, per_day: int, latency_ms: float) -> Iterator[Day]:
    """An emulator in one worker process serving one day, no conversation of it pending; the
    day is listed once, which renders its documents."""
    config = EmulatorConfig(
        seed=1,
        agents=agents,
        conversations_per_day=per_day,
        days=1,
        pending_per_agent=0,
        today=TODAY,
        faults=FaultConfig(latency_ms=latency_ms),
    )
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}; load {load_average()}")
    with running_emulator(config, processes=1) as emulator:
        started = time.perf_counter()
        ids, pid = asyncio.run(list_day(emulator.base_url, config.first_day))
        took = time.perf_counter() - started
        print(f"# {len(ids):,} conversations on {config.first_day}, listed in {took:.1f} s")
        yield Day(emulator.base_url, config.first_day, ids, pid)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def median_run(runs: list[Measure]) -> Measure:
    return sorted(runs, key=lambda m: m.rate)[len(runs) // 2]


def cpu_per_request(m: Measure) -> str:
    """Client / emulator CPU microseconds per detail request."""
    client, server = (1e6 * cpu / m.details for cpu in (m.detail.client_cpu, m.detail.server_cpu))
    return f"{client:,.0f} / {server:,.0f}"


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


@dataclass
class Results:
    """Every run of a throughput benchmark, by client and requests in flight."""

    latency: float
    ours: dict[int, list[Measure]]
    bare: dict[int, list[Measure]]
    dlt: list[tuple[DltSetting, Measure, dict[str, Any]]]

    def dlt_best(self) -> Measure | None:
        return max((m for _, m, _ in self.dlt), key=lambda m: m.rate, default=None)


def throughput(args: argparse.Namespace) -> Results:
    levels = sorted({DEFAULT_CONCURRENCY, 64, *args.in_flight})
    results = Results(args.latency_ms / 1000, {n: [] for n in levels}, {n: [] for n in levels}, [])
    with emulated_day(args.agents, args.per_day, args.latency_ms) as day:
        in_child(run_bare, day.base_url, day.paths, 64, day.server_pid)  # warm-up, not counted
        for round_ in range(1, args.rounds + 1):
            for n in levels:
                # back to back, so that the pair meets the same load from the rest of the machine
                ours = in_child(run_ours, day.base_url, day.day, day.ids, n, day.server_pid)
                bare = in_child(run_bare, day.base_url, day.paths, n, day.server_pid)
                results.ours[n].append(ours)
                results.bare[n].append(bare)
                print(
                    f"# round {round_}, {n} in flight: ingest_day {ours.rate:,.0f}/s ({ours.note}),"
                    f" bare aiohttp {bare.rate:,.0f}/s; load {load_average()}",
                    flush=True,
                )
        if args.dlt_python:
            ensure_dlt(args.dlt_python, args.dlt_spec)
            for setting in dlt_settings(args.dlt_sample_pages, args.dlt_workers):
                measure, out = run_dlt(
                    args.dlt_python, setting, day.base_url, day.day, day.server_pid
                )
                results.dlt.append((setting, measure, out))
                print(f"# {setting.label}: {json.dumps(out)}; load {load_average()}", flush=True)
    return results


def report(results: Results) -> None:
    """The two tables of RESULTS.md: detail phase, and whole day."""
    best = results.dlt_best()
    print("\nDetail phase: details/s, median of the rounds (each round's in brackets)")
    print(
        row(
            "client",
            "in flight",
            "bound/s",
            "details/s",
            "of the bound",
            "of bare aiohttp",
            "x dlt's best",
            "CPU µs/request, client / emulator",
        )
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for n, ours in results.ours.items():
        bare, bound = results.bare[n], n / results.latency
        # ingest_day's share of bare aiohttp, paired by round (the pair ran back to back)
        paired = statistics.median(o.rate / b.rate for o, b in zip(ours, bare, strict=True))
        for name, runs, of_bare in (
            ("ingest_day", ours, f"{paired:.0%}"),
            ("bare aiohttp", bare, ""),
        ):
            median = statistics.median(m.rate for m in runs)
            each = ", ".join(f"{m.rate:,.0f}" for m in runs)
            print(
                row(
                    name,
                    n,
                    f"{bound:,.0f}",
                    f"{median:,.0f} ({each})",
                    f"{median / bound:.0%}",
                    of_bare,
                    f"{median / best.rate:.1f}" if best else "",
                    cpu_per_request(median_run(runs)),
                )
            )
    for setting, m, _ in results.dlt:
        bound = setting.in_flight / results.latency
        bare_runs = results.bare.get(setting.in_flight)
        of_bare = (
            f"{m.rate / statistics.median(b.rate for b in bare_runs):.0%}" if bare_runs else ""
        )
        print(
            row(
                setting.label,
                setting.in_flight,
                f"{bound:,.0f}",
                f"{m.rate:,.0f}",
                f"{m.rate / bound:.0%}",
                of_bare,
                f"{m.rate / best.rate:.2f}" if best else "",
                cpu_per_request(m),
            )
        )
    print("\nWhole day: ingest_day lists, then fetches; dlt fetches details while it lists")
    print(row("client", "in flight", "details", "list s", "whole s", "details/s", "peak RSS MiB"))
    print("|---|---:|---:|---:|---:|---:|---:|")
    for n, ours in results.ours.items():
        m = median_run(ours)
        listing = f"{m.listing.seconds:.2f}" if m.listing else ""
        print(
            row(
                "ingest_day",
                n,
                f"{m.details:,}",
                listing,
                f"{m.whole_seconds or 0:.2f}",
                f"{m.whole_rate or 0:,.0f}",
                f"{m.peak_rss_mib:,.0f}",
            )
        )
    for setting, m, out in results.dlt:
        print(
            row(
                setting.label,
                setting.in_flight,
                f"{m.details:,}",
                "",
                f"{m.whole_seconds or 0:.2f}",
                f"{m.whole_rate or 0:,.0f}",
                f"{m.peak_rss_mib:,.0f}",
            )
        )
        if out["normalize_s"] is not None:
            print(
                f"# {setting.label}, {m.details:,} details: then normalize"
                f" {out['normalize_s']:.1f} s and load into DuckDB {out['load_s']:.1f} s"
            )
    if results.dlt:
        print(f"# dlt {results.dlt[0][2]['dlt']}")
    print(f"# load average after: {load_average()}")


def memory(args: argparse.Namespace) -> None:
    """Peak RSS of `ingest_day` over one big day at the default concurrency, no latency."""
    per_day = args.memory_conversations // args.agents
    with emulated_day(args.agents, per_day, 0.0) as day:
        m = in_child(run_ours, day.base_url, day.day, day.ids, DEFAULT_CONCURRENCY, day.server_pid)
    listing = m.listing.seconds if m.listing else 0.0
    print(
        f"ingest_day, {DEFAULT_CONCURRENCY} in flight, 0 ms: {m.details:,} details in"
        f" {m.whole_seconds or 0:.1f} s (list {listing:.1f} s, details {m.rate:,.0f}/s);"
        f" RSS {m.start_rss_mib:,.0f} MiB after imports, peak {m.peak_rss_mib:,.0f} MiB"
        f" ({m.note})"
    )


def profile(args: argparse.Namespace) -> None:
    """Where `ingest_day`'s CPU goes: one run at 64 in flight, in this process, under cProfile
    timed by CPU time (so that waiting, and other processes' load, count for nothing)."""
    with emulated_day(args.agents, args.per_day, args.latency_ms) as day:
        in_child(run_bare, day.base_url, day.paths, 64, day.server_pid)  # warm-up
        profiler = cProfile.Profile(time.process_time)
        m = profiler.runcall(run_ours, day.base_url, day.day, day.ids, 64, day.server_pid)
    print(f"ingest_day, 64 in flight, profiled: {m.rate:,.0f} details/s ({m.note})")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(45)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-ms", type=float, default=50.0, help="injected latency")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--per-day", type=int, default=200, help="conversations per agent a day")
    parser.add_argument(
        "--in-flight",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[],
        help="levels besides the default concurrency and 64 (comma-separated, e.g. 32,128)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of ours and bare aiohttp")
    parser.add_argument(
        "--dlt-python",
        type=lambda s: Path(s) if s else None,
        default=Path("/tmp/dltenv/bin/python"),
        help="python of a virtualenv with dlt (created with uv if missing; '' skips dlt)",
    )
    parser.add_argument("--dlt-spec", default="dlt[duckdb]==1.31.0", help="what to install")
    parser.add_argument(
        "--dlt-sample-pages", type=int, default=3, help="list pages for dlt's slow settings"
    )
    parser.add_argument(
        "--dlt-workers",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[32, 64],
        help="extract workers (= parallel items = connections) to try with dlt",
    )
    parser.add_argument("--memory", action="store_true", help="measure peak RSS instead")
    parser.add_argument(
        "--profile", action="store_true", help="profile one ingest_day run (CPU time) instead"
    )
    parser.add_argument("--memory-conversations", type=int, default=50_000)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.memory:
        memory(args)
    elif args.profile:
        profile(args)
    else:
        report(throughput(args))


if __name__ == "__main__":
    main()

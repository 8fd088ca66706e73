"""End-to-end `convai-lake sync` against the emulator, run as a user runs it, then once more.

The emulator serves `--days` days of `--agents` x `--per-day` conversations from one worker
process, with `--latency-ms` of injected latency on every request and no conversation still
pending (so that a rerun has nothing left to fetch). The sync runs as a subprocess,
`uv run --no-sync convai-lake sync --start D1 --end DN`, in the repository, with a fresh
`CONVAI_LAKE_DIR`, `ELEVENLABS_BASE_URL` and `ELEVENLABS_API_KEY` set, `DAGSTER_HOME` unset and
no other `CONVAI_*` setting (so the defaults apply: 64 requests in flight). Then the same
command runs again on the same lake: the no-op run of a day already synced.

Per run: wall time; the emulator's requests by route (its own counters); CPU time of the sync
process tree (from `wait4`, children included) and of the emulator worker (from /proc); peak
RSS, both the largest single process (`wait4`) and the whole tree's sum, polled from /proc.
Where the wall time of the sync's main thread (the event loop's) went, from its
/proc/PID/schedstat (last polled value): on a CPU (our code, Dagster's, the libraries'), waiting
in the run queue for a CPU (the machine busy with other work), and the rest, blocked (waiting
for responses, the disk, a sleep or another thread).

The lower bound the latency sets: list pages are requested one after another (each needs the
previous page's cursor), everything else `CONVAI_CONCURRENCY` at a time, so no client can
finish in less than `list pages x latency + other requests / 64 x latency`.

    uv run python bench/end_to_end.py        # about 3 minutes on 2 idle cores
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.client_concurrency import machine
from bench.emulator_capacity import _cpu_secs as cpu_secs
from emulator import EmulatorConfig, FaultConfig, running_emulator
from pipelines.settings import DEFAULT_CONCURRENCY

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-end-to-end"
LIST_ROUTES = ("conversations.list", "agents.list", "tools.list", "knowledge_base.list")
POLL_SECS = 0.2


@dataclass(frozen=True)
class Run:
    """One sync: what it cost, and what it printed."""

    exit_code: int
    wall: float
    cpu_user: float
    cpu_system: float
    max_rss_mib: float
    tree_rss_mib: float
    loop_cpu_wait: tuple[float, float]
    server_cpu: float
    routes: dict[str, int]
    stdout: str

    @property
    def requests(self) -> int:
        return sum(self.routes.values())

    def latency_bound(self, latency: float, concurrency: int) -> float:
        """Seconds the latency alone imposes: list pages in sequence, the rest in parallel."""
        pages = self.routes.get("conversations.list", 0)
        return pages * latency + (self.requests - pages) / concurrency * latency


def descendants(root: int) -> set[int]:
    """`root` and every process below it, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return tree


def rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main_thread_schedstat(pid: int) -> tuple[float, float]:
    """Seconds the process's main thread (the event loop's) ran on a CPU, and waited in the
    run queue for one (runnable, but the machine busy), from /proc/PID/schedstat."""
    with contextlib.suppress(OSError, ValueError):
        on_cpu, waiting, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
        return int(on_cpu) / 1e9, int(waiting) / 1e9
    return 0.0, 0.0


def route_counts(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    counts = {}
    for route, columns in after["routes"].items():
        n = columns["requests"] - before["routes"].get(route, {}).get("requests", 0)
        if n:
            counts[route] = n
    return counts


def run_sync(emulator: Any, lake: Path, days: list[dt.date], server_pid: int) -> Run:
    """`convai-lake sync` over `days` in a subprocess, measured."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONVAI_", "ELEVENLABS_")) and k != "DAGSTER_HOME"
    }
    env |= {
        "CONVAI_LAKE_DIR": str(lake),
        "ELEVENLABS_BASE_URL": emulator.base_url,
        "ELEVENLABS_API_KEY": API_KEY,
        "COLUMNS": "120",  # the summary table unwrapped
    }
    command = ["uv", "run", "--no-sync", "convai-lake", "sync"]
    command += ["--start", days[0].isoformat(), "--end", days[-1].isoformat()]
    print(f"$ CONVAI_LAKE_DIR={lake} ELEVENLABS_BASE_URL={emulator.base_url} {' '.join(command)}")
    stats_before, server_before = emulator.stats(), cpu_secs(server_pid)
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, text=True)
        tree_peak = 0.0
        schedstat: dict[int, tuple[float, float]] = {}  # the last seen, by pid
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            tree = descendants(process.pid)
            tree_peak = max(tree_peak, sum(rss_kib(p) for p in tree) / 1024)
            schedstat |= {p: main_thread_schedstat(p) for p in tree}
            time.sleep(POLL_SECS)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        stdout = out.read()
    return Run(
        exit_code=process.returncode,
        wall=wall,
        cpu_user=usage.ru_utime,
        cpu_system=usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,
        tree_rss_mib=tree_peak,
        # the sync's own process: the one that used the most CPU (not uv, not a helper)
        loop_cpu_wait=max(schedstat.values(), default=(0.0, 0.0)),
        server_cpu=cpu_secs(server_pid) - server_before,
        routes=route_counts(stats_before, emulator.stats()),
        stdout=stdout,
    )


def report(name: str, run: Run, latency: float) -> None:
    cpu = run.cpu_user + run.cpu_system
    loop_cpu, loop_wait = run.loop_cpu_wait
    bound = run.latency_bound(latency, DEFAULT_CONCURRENCY)
    lists = sum(n for route, n in run.routes.items() if route in LIST_ROUTES)
    rows = {
        "wall": f"{run.wall:.1f} s",
        "requests": f"{run.requests:,} ({lists:,} list requests)",
        "requests by route": json.dumps(run.routes),
        "sync CPU, user + sys (process tree)": f"{cpu:.1f} s"
        f" ({run.cpu_user:.1f} + {run.cpu_system:.1f}), {cpu / run.wall:.0%} of wall",
        "event loop thread: on CPU / waiting for a CPU / blocked (network, disk, sleep)": (
            f"{loop_cpu:.1f} s / {loop_wait:.1f} s / {run.wall - loop_cpu - loop_wait:.1f} s"
        ),
        "emulator worker CPU": f"{run.server_cpu:.1f} s, {run.server_cpu / run.wall:.0%} of wall",
        "latency lower bound": f"{bound:.1f} s ({bound / run.wall:.0%} of wall)",
        "peak RSS": f"{run.max_rss_mib:,.0f} MiB largest process,"
        f" {run.tree_rss_mib:,.0f} MiB process tree (polled)",
    }
    print(run.stdout.rstrip())
    print(f"\n{name}: exit code {run.exit_code}, load {load_average()}")
    for label, value in rows.items():
        print(f"| {label} | {value} |")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--per-day", type=int, default=300, help="conversations per agent a day")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    config = EmulatorConfig(
        seed=1,
        agents=args.agents,
        conversations_per_day=args.per_day,
        days=args.days,
        today=dt.datetime.now(dt.UTC).date(),
        api_key=API_KEY,
        pending_per_agent=0,
        faults=FaultConfig(latency_ms=args.latency_ms),
    )
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}; load {load_average()}")
    with (
        tempfile.TemporaryDirectory(prefix="convai-e2e-") as lake,
        running_emulator(config, processes=1) as emulator,
    ):
        request = urllib.request.Request(f"{emulator.base_url}/_emulator/health")
        request.add_header("xi-api-key", API_KEY)
        with urllib.request.urlopen(request) as response:
            server_pid = int(json.load(response)["pid"])
        for name in ("first sync", "second sync (no-op)"):
            run = run_sync(emulator, Path(lake), config.day_list(), server_pid)
            report(name, run, args.latency_ms / 1000)


if __name__ == "__main__":
    main()

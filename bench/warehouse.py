"""Warehouse build and query time at 1, 10 and 100 million transcript turns.

For each size, writes the normalised Parquet directly (tests/warehouse/lake_fixtures.py, about
20 turns per conversation) under bench/.scratch/warehouse/, then measures: a full build; a
build with nothing changed; a build after one day of every partitioned table is republished
(the nightly case); the per-agent table query and two typical ad-hoc queries on a read-only
connection. Prints a Markdown table for bench/RESULTS.md and deletes its scratch directory
(only bench/.scratch/warehouse/) at the end.

    uv run python bench/warehouse.py --millions 1 10 100
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import duckdb

from assets.warehouse.build import WAREHOUSE_FILE, BuildReport, build_warehouse
from pipelines.lake import Lake
from tests.warehouse.lake_fixtures import LakeSpec, write_catalogue, write_day

SCRATCH = Path(__file__).resolve().parent / ".scratch" / "warehouse"
TURNS_PER_CONVERSATION = 20
# Parquet plus the warehouse plus the copy an incremental build makes, measured at 1M turns.
BYTES_PER_TURN_NEEDED = 250

QUERIES = {
    "agent_metrics (per-agent table)": "SELECT * FROM agent_metrics",
    "ad hoc: p95 LLM TTFB per agent, last 7 days (turns x conversations)": """
        SELECT c.agent_id, quantile_cont(t.llm_ttfb_secs, 0.95) AS p95
        FROM transcript_turns t JOIN conversations c
            ON c.conversation_id = t.conversation_id AND c.start_date = t.start_date
        WHERE t.start_date > (SELECT max(start_date) - 7 FROM conversations)
        GROUP BY ALL""",
    "ad hoc: success rate per agent and language (conversations)": """
        SELECT agent_id, main_language,
            avg(CASE call_successful WHEN 'success' THEN 1 WHEN 'failure' THEN 0 END) AS rate
        FROM conversations WHERE is_final GROUP BY ALL""",
}


def _query_seconds(warehouse: Path, query: str, repeats: int = 3) -> float:
    """Median wall time of `query` on a fresh read-only connection, result fetched."""
    times = []
    for _ in range(repeats):
        with contextlib.closing(duckdb.connect(str(warehouse), read_only=True)) as con:
            started = time.perf_counter()
            con.execute(query).fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def _load_average() -> str:
    """The machine's load: other processes on the 2 cores slow every figure here."""
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def _phases(report: BuildReport) -> str:
    return ", ".join(f"{name} {secs:.1f}" for name, secs in report.phase_seconds.items())


def bench_size(millions: int, days: int, agents: int) -> None:
    """Measure one lake size and print its Markdown rows."""
    root = SCRATCH / f"lake-{millions}m"
    shutil.rmtree(root, ignore_errors=True)
    conversations_per_day = millions * 1_000_000 // TURNS_PER_CONVERSATION // days
    spec = LakeSpec(
        seed=millions,
        days=days,
        agents=agents,
        conversations_per_day=conversations_per_day,
        turns_per_conversation=TURNS_PER_CONVERSATION,
    )
    lake = Lake(root)
    started = time.perf_counter()
    write_catalogue(lake, spec)
    for day in spec.dates:
        write_day(lake, spec, day)
    generate = time.perf_counter() - started

    full = build_warehouse(lake, full=True)
    unchanged = build_warehouse(lake)
    write_day(lake, spec, spec.dates[-1], variant=1)
    one_day = build_warehouse(lake)
    warehouse = lake.path(WAREHOUSE_FILE)
    turns = full.row_counts["transcript_turns"]
    parquet_bytes = sum(p.stat().st_size for p in (root / "parquet").rglob("*.parquet"))
    rows = [
        f"| {millions}M | turns loaded | {turns:,} ({full.row_counts['conversations']:,} "
        f"conversations, {days} days, {agents} agents) |",
        f"| {millions}M | Parquet written (generator) | {generate:.1f} s, "
        f"{parquet_bytes / 2**30:.2f} GiB |",
        f"| {millions}M | full build | {full.seconds:.1f} s ({_phases(full)}); "
        f"warehouse {warehouse.stat().st_size / 2**30:.2f} GiB |",
        f"| {millions}M | build, nothing changed | {unchanged.seconds:.1f} s "
        f"({_phases(unchanged)}) |",
        f"| {millions}M | build, one day republished | {one_day.seconds:.1f} s "
        f"({_phases(one_day)}); {one_day.seconds / full.seconds:.0%} of the full build |",
    ]
    rows += [
        f"| {millions}M | query: {name} | {_query_seconds(warehouse, query) * 1000:.0f} ms |"
        for name, query in QUERIES.items()
    ]
    rows.append(f"| {millions}M | load average (1, 5, 15 min) at the end | {_load_average()} |")
    shutil.rmtree(root)
    print("\n".join(rows), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--millions", type=int, nargs="+", default=[1, 10, 100], help="lake sizes in M turns"
    )
    parser.add_argument("--days", type=int, default=30, help="days of conversations per lake")
    parser.add_argument("--agents", type=int, default=20, help="agents in the catalogue")
    args = parser.parse_args()

    SCRATCH.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(SCRATCH).free
    needed = max(args.millions) * 1_000_000 * BYTES_PER_TURN_NEEDED
    print(f"free disk under {SCRATCH}: {free / 2**30:.1f} GiB, needed about {needed / 2**30:.1f}")
    if free < needed:
        print("not enough disk space for the largest size", file=sys.stderr)
        return 1
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
        f"duckdb {duckdb.__version__}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print("| size | measure | result |\n|---|---|---|", flush=True)
    try:
        for millions in args.millions:
            bench_size(millions, args.days, args.agents)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

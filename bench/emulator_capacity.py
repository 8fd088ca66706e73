"""How many conversation-detail requests per second the emulator serves.

Runs the emulator in worker processes and a plain aiohttp client in another process (so they do
not share a GIL), keeps `--concurrency` requests in flight over every conversation id, and
reports requests per second: with no latency for one worker and for `--workers` workers, and
with `--latency-ms` injected latency as a fraction of the bound (in flight / latency). For one
worker it also reports requests per CPU-second of that worker, which other load on the machine
does not distort.

    uv run python bench/emulator_capacity.py --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import multiprocessing
import os
import platform
import statistics
import time
import urllib.parse
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp

from emulator import EmulatorConfig, FaultConfig, running_emulator


@dataclass(frozen=True)
class Outcome:
    requests: int
    errors: int
    seconds: float
    server_cpu_secs: float  # CPU time the (first) emulator worker used while measured

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def per_server_cpu_second(self) -> float:
        """Requests per second of one fully available core: immune to a busy machine."""
        return self.requests / self.server_cpu_secs


def _cpu_secs(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _conversation_ids(session: aiohttp.ClientSession, base_url: str) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params = {"page_size": "100", **({"cursor": cursor} if cursor else {})}
        async with session.get(f"{base_url}/v1/convai/conversations", params=params) as response:
            page = await response.json()
        ids.extend(item["conversation_id"] for item in page["conversations"])
        cursor = page.get("next_cursor")
        if not page["has_more"]:
            return ids


async def _drive(base_url: str, concurrency: int, seconds: float) -> Outcome:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        urls = [
            f"{base_url}/v1/convai/conversations/{urllib.parse.quote(i, safe='')}"
            for i in await _conversation_ids(session, base_url)
        ]
        counts = {"requests": 0, "errors": 0}
        stop_at = 0.0

        def going(position: int, warm_up: bool) -> bool:
            return position < len(urls) if warm_up else time.perf_counter() < stop_at

        async def worker(offset: int, warm_up: bool) -> None:
            position = offset
            while going(position, warm_up):
                async with session.get(urls[position % len(urls)]) as response:
                    await response.read()
                    if not warm_up:
                        counts["requests"] += 1
                        counts["errors"] += response.status != 200
                position += concurrency

        # Warm up: fetch every detail once, so that measurement sees served (cached) documents.
        await asyncio.gather(*(worker(i, True) for i in range(concurrency)))
        async with session.get(f"{base_url}/_emulator/health") as response:
            server_pid = (await response.json())["pid"]
        cpu_before = _cpu_secs(server_pid)
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(*(worker(i, False) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu = _cpu_secs(server_pid) - cpu_before
        return Outcome(counts["requests"], counts["errors"], elapsed, cpu)


def _client(base_url: str, concurrency: int, seconds: float, results: Connection) -> None:
    results.send(asyncio.run(_drive(base_url, concurrency, seconds)))


def measure(config: EmulatorConfig, workers: int, concurrency: int, seconds: float) -> Outcome:
    """Serve `config` from `workers` processes and drive it from a separate client process."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    with running_emulator(config, processes=workers) as emulator:
        client = context.Process(
            target=_client, args=(emulator.base_url, concurrency, seconds, sender)
        )
        client.start()
        outcome: Outcome = receiver.recv()
        client.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median shown)")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    parser.add_argument(
        "--workers", type=int, default=2, help="emulator processes in the multi-process run"
    )
    parser.add_argument("--latency-ms", type=float, default=50.0, help="latency of the bound run")
    parser.add_argument("--agents", type=int, default=5)
    parser.add_argument("--conversations-per-day", type=int, default=100)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    base = EmulatorConfig(
        seed=1,
        agents=args.agents,
        conversations_per_day=args.conversations_per_day,
        days=args.days,
        today=dt.date(2025, 7, 15),
    )
    delayed = dataclasses.replace(base, faults=FaultConfig(latency_ms=args.latency_ms))
    bound = args.concurrency / (args.latency_ms / 1000.0)
    scenarios = [
        ("1 process, 0 ms", base, 1),
        (f"{args.workers} processes, 0 ms", base, args.workers),
        (f"1 process, {args.latency_ms:g} ms", delayed, 1),
    ]
    machine = f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}"
    conversations = args.agents * args.conversations_per_day * args.days
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# {machine}, {dt.date.today()}, load average before: {load}")
    print(f"# {conversations} conversations, {args.concurrency} in flight, median of {args.repeat}")
    print("| run | detail requests/s (runs) | per server CPU-second | errors | of the bound |")
    print("|---|---|---|---|---|")
    for name, config, workers in scenarios:
        outcomes = sorted(
            (measure(config, workers, args.concurrency, args.seconds) for _ in range(args.repeat)),
            key=lambda o: o.per_second,
        )
        median = statistics.median(o.per_second for o in outcomes)
        runs = ", ".join(f"{o.per_second:,.0f}" for o in outcomes)
        per_cpu = statistics.median(o.per_server_cpu_second for o in outcomes)
        cpu = f"{per_cpu:,.0f}" if workers == 1 and not config.faults.delays else "n/a"
        share = f"{median / bound:.0%} of {bound:,.0f}/s" if config.faults.delays else "n/a"
        errors = sum(o.errors for o in outcomes)
        print(f"| {name} | {median:,.0f} ({runs}) | {cpu} | {errors} | {share} |", flush=True)


if __name__ == "__main__":
    main()

"""Requests per second of candidate HTTP clients against a loopback server with fixed latency.

Why: ingestion makes one detail request per conversation, so the client's CPU cost per request,
not the network, caps throughput on a small machine. This measures httpx's own async transport,
httpx on the httpx-aiohttp transport, a blocking httpx.Client on a thread pool, bare aiohttp and
this project's ApiClient (retry wrapper and bounded_map included, on asyncio's loop and on
uvloop's) at several numbers of requests in flight, beside the bound (in flight / latency).
Every client parses each JSON body, as the pipeline does. The server runs in its own process
so that it does not share the client's GIL; the machine's load average is printed beside the
table because other work on it moves the numbers.

    uv run python bench/client_concurrency.py            # about 2 minutes
    uv run python bench/client_concurrency.py --help
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import multiprocessing
import os
import platform
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
import httpx
import uvloop
from aiohttp import web
from httpx_aiohttp import HttpxAiohttpClient

from pipelines.client import ApiClient
from pipelines.concurrency import bounded_map
from pipelines.settings import Secret

PATH = "/v1/convai/conversations/{}"
CLIENTS = (
    "httpx",
    "httpx-aiohttp",
    "httpx-threads",
    "aiohttp",
    "convai-lake",
    "convai-lake-uvloop",
)


@dataclass(frozen=True)
class Cell:
    """One measurement: requests completed in the window, and the client's CPU per request."""

    requests: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us_per_request(self) -> float:
        return 1e6 * self.cpu_seconds / max(self.requests, 1)


def conversation_body(kilobytes: int) -> bytes:
    """A conversation-shaped JSON body of about `kilobytes` KiB."""
    turn = {"role": "agent", "message": "Thanks for calling, how can I help you today? " * 3}
    turns: list[dict[str, object]] = []
    body = b""
    while len(body) < kilobytes * 1024:
        turns.append({**turn, "time_in_call_secs": len(turns)})
        body = json.dumps({"conversation_id": "conv_bench", "transcript": turns}).encode()
    return body


def serve(port_out: Connection, latency: float, kilobytes: int) -> None:
    """The server process: every detail request answers after `latency` seconds."""
    body = conversation_body(kilobytes)

    async def detail(_: web.Request) -> web.Response:
        await asyncio.sleep(latency)
        return web.Response(body=body, content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_get(PATH.format("{conversation_id}"), detail)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port_out.send(runner.addresses[0][1])
        await asyncio.Event().wait()

    uvloop.run(main())  # the server's speed is not under test: give it the faster loop


@contextlib.contextmanager
def server(latency: float, kilobytes: int) -> Iterator[str]:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=serve, args=(send, latency, kilobytes), daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{receive.recv()}"
    finally:
        process.terminate()
        process.join()


class Window:
    """Counts completions between the end of the warm-up and the end of the run."""

    def __init__(self, warmup: float, seconds: float) -> None:
        now = time.monotonic()
        self.start = now + warmup
        self.end = self.start + seconds
        self.count = 0
        self.cpu_start = 0.0
        self.cpu_end = 0.0
        self._lock = threading.Lock()

    def running(self) -> bool:
        now = time.monotonic()
        if now < self.start:
            return True
        with self._lock:
            if not self.cpu_start:
                self.cpu_start = time.process_time()
            if now < self.end:
                self.count += 1
                return True
            if not self.cpu_end:
                self.cpu_end = time.process_time()
            return False

    def cell(self, seconds: float) -> Cell:
        return Cell(self.count, seconds, self.cpu_end - self.cpu_start)


async def drive(fetch: Callable[[str], Awaitable[None]], in_flight: int, window: Window) -> None:
    """`in_flight` workers, each requesting one detail after another until the window ends.
    `running()` is called after each completed request, so it counts completions."""

    async def worker(index: int) -> None:
        for n in itertools.count():
            await fetch(PATH.format(f"conv_{index}_{n}"))
            if not window.running():
                return

    await asyncio.gather(*(worker(i) for i in range(in_flight)))


async def run_httpx(base: str, in_flight: int, window: Window, aiohttp_transport: bool) -> None:
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    make = HttpxAiohttpClient if aiohttp_transport else httpx.AsyncClient
    async with make(base_url=base, limits=limits, timeout=30) as client:

        async def fetch(path: str) -> None:
            response = await client.get(path)
            response.raise_for_status()
            json.loads(response.content)

        await drive(fetch, in_flight, window)


async def run_aiohttp(base: str, in_flight: int, window: Window) -> None:
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(base, connector=connector) as session:

        async def fetch(path: str) -> None:
            async with session.get(path) as response:
                response.raise_for_status()
                json.loads(await response.read())

        await drive(fetch, in_flight, window)


async def run_ours(base: str, in_flight: int, window: Window) -> None:
    """The pipeline's way: ApiClient.get_json mapped over an endless stream of ids."""
    async with ApiClient(base_url=base, api_key=Secret("bench"), concurrency=in_flight) as api:

        async def fetch(conversation_id: str) -> None:
            await api.get_json(PATH.format(conversation_id))

        ids = (f"conv_{n}" for n in itertools.count())
        async with contextlib.aclosing(bounded_map(fetch, ids, limit=in_flight)) as results:
            async for _ in results:
                if not window.running():
                    break


def run_threads(base: str, in_flight: int, window: Window) -> None:
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    with httpx.Client(base_url=base, limits=limits, timeout=30) as client:

        def worker(index: int) -> None:
            for n in itertools.count():
                response = client.get(PATH.format(f"conv_{index}_{n}"))
                response.raise_for_status()
                json.loads(response.content)
                if not window.running():
                    return

        with ThreadPoolExecutor(in_flight) as pool:
            list(pool.map(worker, range(in_flight)))


def measure(name: str, base: str, in_flight: int, warmup: float, seconds: float) -> Cell:
    window = Window(warmup, seconds)
    if name == "httpx-threads":
        run_threads(base, in_flight, window)
    elif name == "aiohttp":
        asyncio.run(run_aiohttp(base, in_flight, window))
    elif name == "convai-lake":
        asyncio.run(run_ours(base, in_flight, window))
    elif name == "convai-lake-uvloop":
        uvloop.run(run_ours(base, in_flight, window))
    else:
        asyncio.run(run_httpx(base, in_flight, window, aiohttp_transport=name == "httpx-aiohttp"))
    return window.cell(seconds)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("httpx", "httpx-aiohttp", "aiohttp")
    )
    return (
        f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {versions}"
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.05, help="server latency, seconds")
    parser.add_argument("--body-kb", type=int, default=15, help="response body size, KiB")
    parser.add_argument(
        "--in-flight", default="16,32,64,128", help="comma-separated requests in flight"
    )
    parser.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated clients")
    parser.add_argument("--seconds", type=float, default=4.0, help="measured window per cell")
    parser.add_argument("--warmup", type=float, default=0.75, help="unmeasured start per cell")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    levels = [int(n) for n in args.in_flight.split(",")]
    clients = args.clients.split(",")
    unknown = set(clients) - set(CLIENTS)
    if unknown:
        raise SystemExit(f"unknown clients {sorted(unknown)}; choose from {CLIENTS}")
    load_before = _load()
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(
        f"# {args.latency * 1000:.0f} ms latency, {args.body_kb} KiB JSON bodies, "
        f"{args.seconds} s window after {args.warmup} s warm-up per cell; "
        "cells are req/s (% of bound) [client CPU us/request]"
    )
    # Level by level, so that the clients compared in one column ran close together in time.
    rows: dict[str, list[Cell]] = {name: [] for name in clients}
    with server(args.latency, args.body_kb) as base:
        for n in levels:
            for name in clients:
                rows[name].append(measure(name, base, n, args.warmup, args.seconds))
    print("| client | " + " | ".join(f"{n} in flight" for n in levels) + " |")
    print("|---|" + "---:|" * len(levels))
    bounds = [n / args.latency for n in levels]
    print("| bound (in flight / latency) | " + " | ".join(f"{b:,.0f}" for b in bounds) + " |")
    for name, cells in rows.items():
        shown = (
            f"{c.rate:,.0f} ({c.rate / b:.0%}) [{c.cpu_us_per_request:,.0f}]"
            for c, b in zip(cells, bounds, strict=True)
        )
        print(f"| {name} | " + " | ".join(shown) + " |")
    print(f"# load average before {load_before}, after {_load()} (other work on the machine)")


if __name__ == "__main__":
    main()

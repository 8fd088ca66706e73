"""Running the emulator: in a background thread of this process, or in worker processes that
share one port through SO_REUSEPORT, with a handle to its truth, stats and state.

Uvicorn because HTTP is not the cost here (cached bytes are): measured on the reference machine,
it serves several thousand requests per second of a 15 kB body per process. State is shared
across workers through files in a private directory, so the multi-process mode is fully
read-write: a delete through one worker is seen by the next request on any other.
"""

from __future__ import annotations

import multiprocessing
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from emulator.app import ROUTES
from emulator.config import EmulatorConfig
from emulator.serving import (
    STATS_FILE,
    Worker,
    listening_socket,
    open_app,
    prepare_state_dir,
    uvicorn_server,
    worker_main,
)
from emulator.stats import Stats
from emulator.truth import GroundTruth
from emulator.world import World

_START_TIMEOUT_SECS = 60.0
_STOP_TIMEOUT_SECS = 10.0


class EmulatorHandle:
    """A running emulator: where it listens, what it should make a pipeline compute, how many
    requests it served, and a way to finalise its pending conversations."""

    def __init__(self, base_url: str, world: World, stats: Stats) -> None:
        self.base_url = base_url
        self.config = world.config
        self.truth = GroundTruth(world)
        self._world = world
        self._stats = stats

    def stats(self) -> dict[str, Any]:
        """Requests by route: totals, retries, statuses and injected faults (all workers)."""
        return self._stats.snapshot()

    def advance(self) -> int:
        """Finalise every pending conversation; returns how many became final."""
        return self._world.advance()


@contextmanager
def _in_thread(config: EmulatorConfig, state_dir: Path, host: str, port: int) -> Iterator[int]:
    with ExitStack() as stack:
        app = open_app(config, state_dir, 0, stack, shared=False)
        sock = listening_socket(host, port, reuse_port=False)
        stack.callback(sock.close)
        server = uvicorn_server(app)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="convai-emulator", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_SECS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator's server thread did not start")
            time.sleep(0.005)
        try:
            yield sock.getsockname()[1]
        finally:
            # The block is over: stop now rather than wait for idle keep-alive connections.
            server.should_exit = server.force_exit = True
            thread.join(_STOP_TIMEOUT_SECS)


@contextmanager
def _in_processes(
    config: EmulatorConfig, state_dir: Path, host: str, port: int, workers: int
) -> Iterator[int]:
    context = multiprocessing.get_context("spawn")
    # Hold the port (bound, not listening: it gets no connections) until every worker listens.
    holder = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((host, port))
    port = holder.getsockname()[1]
    processes = []
    try:
        for worker in range(workers):
            ready = context.Event()
            process = context.Process(
                target=worker_main,
                args=(Worker(config, state_dir, worker, host, port, workers > 1), ready),
                name=f"convai-emulator-{worker}",
                daemon=True,
            )
            process.start()
            processes.append((process, ready))
        for process, ready in processes:
            while not ready.wait(0.05):
                if not process.is_alive():
                    raise RuntimeError(f"emulator worker {process.name} exited during start-up")
        holder.close()
        yield port
    finally:
        holder.close()
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
            process.join(_STOP_TIMEOUT_SECS)
            if process.is_alive():
                process.kill()
                process.join()


@contextmanager
def running_emulator(
    config: EmulatorConfig, *, processes: int | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[EmulatorHandle]:
    """Serve `config` on http://host:port (port 0: a free one) until the block ends.

    `processes=None` serves from a background thread of this process; `processes=N` from N
    worker processes (use it for benchmarks, so the client does not share the GIL).
    """
    if processes is not None and processes < 1:
        raise ValueError(f"processes must be at least 1, got {processes}")
    config = config.pinned()
    state_dir = Path(tempfile.mkdtemp(prefix="convai-emulator-"))
    try:
        prepare_state_dir(state_dir, processes or 1)
        with ExitStack() as stack:
            world = World(config, state_dir)
            stack.callback(world.close)
            stats = Stats(state_dir / STATS_FILE, ROUTES, 0)
            stack.callback(stats.close)
            if processes is None:
                bound = stack.enter_context(_in_thread(config, state_dir, host, port))
            else:
                bound = stack.enter_context(_in_processes(config, state_dir, host, port, processes))
            netloc = f"[{host}]:{bound}" if ":" in host else f"{host}:{bound}"
            yield EmulatorHandle(f"http://{netloc}", world, stats)
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)

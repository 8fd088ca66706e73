"""How one process serves: uvicorn (httptools + uvloop) with the TCP transport exposed to the
app, listening sockets, and the app of one worker over the state directory all workers share
(the mutation journal, the request counters, the attempt table)."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from emulator.app import ROUTES, EmulatorApp
from emulator.attempts import AttemptTable, create_attempts_file
from emulator.config import EmulatorConfig
from emulator.delivery import TRANSPORT
from emulator.journal import Journal
from emulator.stats import Stats, create_stats_file
from emulator.world import JOURNAL_FILE, World

STATS_FILE = "stats.bin"
ATTEMPTS_FILE = "attempts.bin"


class _TransportExposingProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol, putting the TCP transport in the scope's extensions so that
    faults can reset a connection or cut a body short."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # uvicorn types extension values as dicts; ours is the transport object itself.
        self.scope["extensions"] = {TRANSPORT: self.transport}  # type: ignore[dict-item]


def uvicorn_server(app: EmulatorApp) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            http=_TransportExposingProtocol,
            loop="uvloop",
            lifespan="off",
            access_log=False,
            log_level="warning",
            server_header=False,
            timeout_graceful_shutdown=2,
        )
    )


def prepare_state_dir(state_dir: Path, workers: int) -> None:
    """Create the shared files and record when the emulator started."""
    create_stats_file(state_dir / STATS_FILE, len(ROUTES), workers)
    create_attempts_file(state_dir / ATTEMPTS_FILE)
    journal = Journal(state_dir / JOURNAL_FILE)
    journal.append(lambda _: None, lambda: {"op": "start", "started_at": time.time()})
    journal.close()


def open_app(
    config: EmulatorConfig, state_dir: Path, worker: int, stack: ExitStack, *, shared: bool
) -> EmulatorApp:
    """The app of one worker over the shared state in `state_dir`, closed with `stack`."""
    world = World(config, state_dir)
    stack.callback(world.close)
    stats = Stats(state_dir / STATS_FILE, ROUTES, worker)
    stack.callback(stats.close)
    attempts = AttemptTable(state_dir / ATTEMPTS_FILE, shared=shared)
    stack.callback(attempts.close)
    return EmulatorApp(world, stats, attempts)


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


@dataclass(frozen=True)
class Worker:
    """What a worker process needs to serve its share of the port."""

    config: EmulatorConfig
    state_dir: Path
    index: int
    host: str
    port: int
    shared: bool  # other workers update the same attempt table


def worker_main(worker: Worker, ready: Event) -> None:
    """A worker process: its own app and socket on the shared port, until SIGTERM."""
    with ExitStack() as stack:
        app = open_app(worker.config, worker.state_dir, worker.index, stack, shared=worker.shared)
        sock = listening_socket(worker.host, worker.port, reuse_port=True)
        stack.callback(sock.close)
        ready.set()
        uvicorn_server(app).run(sockets=[sock])

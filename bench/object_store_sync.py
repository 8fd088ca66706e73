"""What the object store costs a whole `sync`: the same days into a local lake and into
`s3://` on a local moto server, first run and rerun, in one process against one emulator.

    uv run python bench/object_store_sync.py [--conversations-per-day N]

Prints seconds per sync and the store requests each made (docs/object-store.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import socket
import tempfile
import time
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer
from rich.console import Console

from emulator import EmulatorConfig, running_emulator
from pipelines.commands.sync import sync
from pipelines.object_store import open_store
from pipelines.settings import load_settings

TODAY = dt.date(2026, 5, 20)
DAYS = [TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1)]
URL = "s3://bench/lake"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations-per-day", type=int, default=12)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_REGION="us-east-1",
        AWS_ALLOW_HTTP="true",
    )
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
    config = EmulatorConfig(
        seed=7,
        agents=3,
        conversations_per_day=args.conversations_per_day,
        days=len(DAYS) + 1,
        today=TODAY,
        api_key="bench",
        pending_per_agent=0,
    )
    work = Path(tempfile.mkdtemp(prefix="object-store-sync-"))
    runs = [("local", str(work / "local")), ("s3", URL)] * 2
    try:
        with running_emulator(config) as emulator:
            for n, (label, lake) in enumerate(runs):
                os.environ.update(
                    ELEVENLABS_BASE_URL=emulator.base_url,
                    ELEVENLABS_API_KEY="bench",
                    CONVAI_LAKE_DIR=lake,
                    CONVAI_CACHE_DIR=str(work / "cache"),
                    CONVAI_LOOKBACK_DAYS="0",
                    DAGSTER_HOME=str(work / f"dagster-{label}"),
                )
                settings = load_settings()
                quiet = Console(file=io.StringIO())
                before = open_store(URL).requests.copy()
                started = time.perf_counter()
                code = sync(settings, DAYS, quiet, quiet)
                seconds = time.perf_counter() - started
                requests = dict(open_store(URL).requests - before)
                which = "first" if n < 2 else "rerun"
                print(f"{label:<6} {which:<6} exit {code}  {seconds:6.1f} s  {requests}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

"""Put, list and get throughput of obstore and s3fs against a local moto S3 server.

What chose the lake's object-store layer (docs/object-store.md). Both clients do the same
work, one file at a time as the lake publishes them, against the same server in one run:
N small objects (a raw part or a day's Parquet), then a few large ones (a warehouse).

    uv run --with s3fs python bench/object_store_io.py [--small N] [--large N]

moto serves from memory on this machine and shares its 2 cores with the client, so the
absolute numbers are the emulator's; the ratio between the clients is what is measured.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import obstore
from moto.server import ThreadedMotoServer
from obstore.store import S3Store

SMALL = 64 * 1024
LARGE = 16 * 1024 * 1024
MULTIPART_THRESHOLD = 64 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


class Obstore:
    name = "obstore"

    def __init__(self, endpoint: str, bucket: str) -> None:
        self.store = S3Store(
            bucket,
            endpoint=endpoint,
            region="us-east-1",
            access_key_id="bench",
            secret_access_key="bench",
            client_options={"allow_http": True},
        )

    def put(self, key: str, path: Path) -> None:
        # As the lake does: one PUT up to MULTIPART_THRESHOLD, multipart above.
        obstore.put(self.store, key, path, chunk_size=MULTIPART_THRESHOLD)

    def get(self, key: str, path: Path) -> None:
        result = obstore.get(self.store, key)
        with path.open("wb") as handle:
            for chunk in result.stream():
                handle.write(chunk)

    def list(self, prefix: str) -> int:
        return sum(len(batch) for batch in obstore.list(self.store, prefix, chunk_size=1000))


class S3fs:
    name = "s3fs"

    def __init__(self, endpoint: str, bucket: str) -> None:
        import s3fs  # noqa: PLC0415 - installed only by `uv run --with s3fs`

        self.bucket = bucket
        self.fs = s3fs.S3FileSystem(
            key="bench", secret="bench", endpoint_url=endpoint, use_listings_cache=False
        )

    def put(self, key: str, path: Path) -> None:
        self.fs.put_file(str(path), f"{self.bucket}/{key}")

    def get(self, key: str, path: Path) -> None:
        self.fs.get_file(f"{self.bucket}/{key}", str(path))

    def list(self, prefix: str) -> int:
        self.fs.invalidate_cache()
        return len(self.fs.find(f"{self.bucket}/{prefix}"))


def run(client: Obstore | S3fs, work: Path, small: int, large: int) -> dict[str, float]:
    source_small, source_large = work / "small.bin", work / "large.bin"
    source_small.write_bytes(os.urandom(SMALL))
    source_large.write_bytes(os.urandom(LARGE))
    base = client.name
    out = work / "out.bin"

    def put_small() -> None:
        for n in range(small):
            client.put(f"{base}/small/{n:06d}", source_small)

    def get_small() -> None:
        for n in range(small):
            client.get(f"{base}/small/{n:06d}", out)

    def put_large() -> None:
        for n in range(large):
            client.put(f"{base}/large/{n:06d}", source_large)

    def get_large() -> None:
        for n in range(large):
            client.get(f"{base}/large/{n:06d}", out)

    listed: list[int] = []
    seconds = {
        "put_small": _timed(put_small),
        "list": _timed(lambda: listed.append(client.list(f"{base}/small/"))),
        "get_small": _timed(get_small),
        "put_large": _timed(put_large),
        "get_large": _timed(get_large),
    }
    assert listed == [small], listed
    return {
        "put small /s": small / seconds["put_small"],
        "get small /s": small / seconds["get_small"],
        "list ms": seconds["list"] * 1000,
        "put large MiB/s": large * LARGE / 2**20 / seconds["put_large"],
        "get large MiB/s": large * LARGE / 2**20 / seconds["get_large"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--large", type=int, default=4)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        ).create_bucket(Bucket="bench")
        results = {}
        with tempfile.TemporaryDirectory() as work:
            for client in (Obstore(endpoint, "bench"), S3fs(endpoint, "bench")):
                results[client.name] = run(client, Path(work), args.small, args.large)
        names = list(results)
        print(f"{'measure':<18}" + "".join(f"{n:>12}" for n in names) + f"{'ratio':>8}")
        for measure in results[names[0]]:
            values = [results[n][measure] for n in names]
            print(f"{measure:<18}" + "".join(f"{v:>12.1f}" for v in values), end="")
            print(f"{values[0] / values[1]:>8.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

"""A real S3 server (moto in server mode) on a free loopback port, and a bucket per test."""

from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> Any:
        """A boto3 client: the tests' own view of the bucket, independent of obstore."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    """The server, with the AWS_* variables that point obstore (and any subprocess) at it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ALLOW_HTTP": "true",
        }.items():
            patch.setenv(name, value)
        try:
            yield S3Server(endpoint)
        finally:
            server.stop()


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    """A new empty bucket (so each test's `s3://` URL, and its cached client, is its own)."""
    name = f"lake-{secrets.token_hex(4)}"
    s3_server.client().create_bucket(Bucket=name)
    return name


def keys(server: S3Server, bucket: str, prefix: str = "") -> set[str]:
    """Every object key in `bucket` under `prefix`, as S3 itself lists them."""
    pages = server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}

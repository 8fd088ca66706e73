"""A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a temporary
directory, `pg_ctl start` on a free loopback port, removed again at the end.

Uses the PostgreSQL binaries of the machine (`initdb`, `pg_ctl` on PATH or under
`/usr/lib/postgresql/<version>/bin`); `missing_binaries()` says why it cannot run when they
are absent. PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
user (else `nobody`), which then owns the temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2  # type: ignore[import-untyped]

BINARIES = ("initdb", "pg_ctl")
SEARCH_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
RUN_AS_WHEN_ROOT = ("postgres", "nobody")
START_TIMEOUT_SECS = 60
PORT_ATTEMPTS = 3
INITDB = ("--auth", "scram-sha-256", "-E", "UTF8", "--no-sync")
START = ("-t", str(START_TIMEOUT_SECS), "start")


@dataclass(frozen=True)
class PostgresServer:
    """Where a running server listens and how to log in; `env()` is what deploy/dagster.yaml
    reads."""

    host: str
    port: int
    username: str
    password: str
    db_name: str

    def env(self) -> dict[str, str]:
        """The DAGSTER_PG_* variables of deploy/dagster.yaml for this server."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.username,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.db_name,
        }

    def connect(self) -> psycopg2.extensions.connection:
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.username,
            password=self.password,
            dbname=self.db_name,
        )


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in SEARCH_DIRS:
        if (directory / name).is_file():
            return str(directory / name)
    return None


def missing_binaries() -> str | None:
    """Why no server can be started here, or None when it can."""
    missing = [name for name in BINARIES if _binary(name) is None]
    if missing:
        return (
            f"PostgreSQL server binaries not found ({', '.join(missing)}): install the "
            "`postgresql` package (Debian/Ubuntu) to run the PostgreSQL-backed Dagster tests"
        )
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and no `postgres` or `nobody` user to run PostgreSQL as"
    return None


def _run_as() -> pwd.struct_passwd | None:
    """The user the server runs as: None for the current user, unless that is root."""
    for name in RUN_AS_WHEN_ROOT:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _chown_tree(root: Path, user: pwd.struct_passwd) -> None:
    for path in [root, *root.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)


@contextlib.contextmanager
def running_postgres(db_name: str = "dagster") -> Iterator[PostgresServer]:
    """Serve a new, empty database `db_name` until the block ends, then delete everything."""
    reason = missing_binaries()
    if reason:
        raise RuntimeError(reason)
    initdb, pg_ctl = str(_binary("initdb")), str(_binary("pg_ctl"))
    user = _run_as() if os.geteuid() == 0 else None
    # Under /tmp rather than pytest's tmp_path: the server's user must reach the directory,
    # and unix socket paths are limited to about 100 bytes.
    root = Path(tempfile.mkdtemp(prefix="convai-pg-"))
    data, password = root / "data", "convai-test-password"
    (root / "pwfile").write_text(password + "\n")
    if user is not None:
        _chown_tree(root, user)
    try:
        _run(
            [initdb, "-D", str(data), "-U", "dagster", "--pwfile", str(root / "pwfile"), *INITDB],
            user,
            check=True,
        )
        port = _start(pg_ctl, root, data, user)
        server = PostgresServer("127.0.0.1", port, "dagster", password, "postgres")
        with contextlib.closing(server.connect()) as admin:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{db_name}"')
        try:
            yield PostgresServer("127.0.0.1", port, "dagster", password, db_name)
        finally:
            _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], user, check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(
    command: list[str], user: pwd.struct_passwd | None, *, check: bool
) -> subprocess.CompletedProcess[bytes]:
    """Run a PostgreSQL binary, as `user` when given."""
    return subprocess.run(
        command,
        check=check,
        capture_output=True,
        user=None if user is None else user.pw_uid,
        group=None if user is None else user.pw_gid,
    )


def _start(pg_ctl: str, root: Path, data: Path, user: pwd.struct_passwd | None) -> int:
    """Start the server on a free port (retrying if another process took it first)."""
    log = root / "server.log"
    for _ in range(PORT_ATTEMPTS):
        port = _free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        started = _run(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", *START],
            user,
            check=False,
        )
        if started.returncode == 0:
            return port
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr.decode()
    raise RuntimeError(f"PostgreSQL did not start: {tail}")

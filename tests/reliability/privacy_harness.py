"""Shared pieces of the privacy tests: every byte of a directory tree as a reader could see it
(zstd NDJSON decompressed, Parquet, DuckDB and SQLite files read back as text), so a value can
be looked for everywhere it may have landed; the CLI in this process; and the emulator's
mutation API."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import polars as pl

from emulator import EmulatorHandle
from pipelines import cli
from pipelines.ndjson_zst import decompress


def _parquet_text(path: Path) -> bytes:
    """Every value of a Parquet file (compressed pages, dictionaries) as text."""
    return pl.read_parquet(path).write_ndjson().encode()


def _duckdb_text(path: Path) -> bytes:
    """Every row of every table and view of a DuckDB file as text."""
    rendered: list[str] = []
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        for schema, table in tables:
            rendered += map(repr, con.execute(f'FROM "{schema}"."{table}"').fetchall())
    return "\n".join(rendered).encode()


def _sqlite_text(path: Path) -> bytes:
    """Every row of every table of an SQLite file as text (Dagster's run and event storage)."""
    rendered: list[str] = []
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in names:
            rendered += map(repr, con.execute(f'SELECT * FROM "{name}"').fetchall())
    return "\n".join(rendered).encode()


def readings(path: Path) -> Iterator[tuple[str, bytes]]:
    """A file's bytes, then its content as its format's reader returns it (how it is read:
    `bytes`, `zstd`, `parquet`, `duckdb`, `sqlite`)."""
    data = path.read_bytes()
    yield "bytes", data
    if path.name.endswith(".zst"):
        yield "zstd", decompress(path)[0]
    elif data.startswith(b"PAR1"):
        yield "parquet", _parquet_text(path)
    elif data[8:12] == b"DUCK":
        yield "duckdb", _duckdb_text(path)
    elif data.startswith(b"SQLite format 3\x00"):
        yield "sqlite", _sqlite_text(path)


def files_under(*roots: Path) -> list[Path]:
    """Every regular file below `roots` (hidden ones included)."""
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


def find_everywhere(needle: str, *roots: Path) -> list[str]:
    """`file (reading)` for every file below `roots` whose bytes or decoded content hold
    `needle`, as text or as the bytes of its URL quoting (how a key would sit in a query)."""
    forms = {needle.encode(), urllib.parse.quote(needle, safe="").encode()}
    hits = []
    for path in files_under(*roots):
        for how, content in readings(path):
            if any(form in content for form in forms):
                hits.append(f"{path} ({how})")
    return hits


def delete_upstream(emulator: EmulatorHandle, key: str, conversation_id: str) -> None:
    """Delete a conversation in the emulator, as a user deleting it in ElevenLabs would."""
    response = httpx.delete(
        f"{emulator.base_url}/v1/convai/conversations/{conversation_id}",
        headers={"xi-api-key": key},
    )
    response.raise_for_status()


def convai_lake_here(*args: str) -> int:
    """`convai-lake ARGS` run by the CLI's `main` in this process (output and log records can
    then be caught); its exit code. `main` narrows the process's umask: it is given back."""
    mask = os.umask(0o022)  # reading the umask means setting one: the old one goes back
    os.umask(mask)
    try:
        return cli.main(list(args))
    finally:
        os.umask(mask)

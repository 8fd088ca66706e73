"""Build `warehouse.duckdb` from the normalised Parquet, into a new file swapped in by rename.

DuckDB locks a file opened for writing against every other process, readers too, so the
build never opens the published warehouse for writing: it copies it to a hidden temporary
file, reloads there the partitions whose Parquet changed (or loads everything when there is
no usable previous file), recomputes the derived tables, runs the checks and, when no
blocking check fails, publishes the file with `Lake.atomic_path` (fsync, then rename).
Readers that hold the old file open keep seeing the old state; new connections see the new.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from assets.normalised.schemas import TABLES
from assets.warehouse.checks import CheckOutcome, row_count, run_checks
from assets.warehouse.lake_files import LakeFile, changed_partitions, lake_files_frame, scan_lake
from assets.warehouse.sql_files import (
    BUILD_STEPS,
    DERIVED_TABLES,
    LOADED_TABLES,
    WAREHOUSE_TABLES,
    SqlFile,
)
from pipelines.lake import TEMP_SUFFIX, Lake

WAREHOUSE_FILE = "warehouse.duckdb"
LOCK_NAME = "warehouse"
# Changes when a loaded table's columns or query change: a previous file is then not reused.
LOADED_FORMAT = hashlib.sha256(
    repr([(t.name, TABLES[t.name].schema, t.query) for t in LOADED_TABLES]).encode()
).hexdigest()
# Changes when any SQL changes: a previous file is then rebuilt even if the lake did not change.
BUILD_FORMAT = hashlib.sha256(
    repr([LOADED_FORMAT, *((f.name, f.query) for f in (*BUILD_STEPS, *DERIVED_TABLES))]).encode()
).hexdigest()


@dataclass(frozen=True)
class BuildReport:
    """What one build did: rows per table, the partitions it reloaded, how long it took."""

    row_counts: dict[str, int]
    partitions_rebuilt: list[str]
    full_rebuild: bool
    seconds: float
    phase_seconds: dict[str, float]  # copy, load, derive, check, checkpoint
    checks: list[CheckOutcome]
    unchanged: bool = False  # nothing changed: the published file was kept, checks as stored

    @property
    def failed_blocking_checks(self) -> list[CheckOutcome]:
        return [check for check in self.checks if check.blocking and not check.passed]


class WarehouseRejectedError(RuntimeError):
    """A blocking check failed on the new build, which was therefore not published."""

    def __init__(self, report: BuildReport) -> None:
        failed = "; ".join(f"{c.table}.{c.name}: {c.detail}" for c in report.failed_blocking_checks)
        super().__init__(f"warehouse not published, blocking checks failed: {failed}")
        self.report = report


class UnreadableParquetError(RuntimeError):
    """A normalised Parquet file cannot be read (damaged after it was published); the message
    names it and says how to rebuild it from the raw lake."""

    def __init__(self, file: LakeFile, problem: str) -> None:
        day = file.start_date
        again = (
            f"rerun the day (convai-lake sync --start {day} --end {day})"
            if day is not None
            else "rerun the catalogue (convai-lake sync)"
        )
        super().__init__(
            f"{file.path} is unreadable ({problem}); the warehouse was not published: {again} "
            "to rebuild it from the raw lake"
        )


def build_warehouse(lake: Lake, *, full: bool = False) -> BuildReport:
    """Bring `warehouse.duckdb` up to date with the lake; `full` ignores the previous file.

    Holds the lake's `warehouse` lock throughout (another build waits for it). Raises
    WarehouseRejectedError, leaving the published file as it was, when a blocking check fails.
    """
    started = time.perf_counter()
    published = lake.path(WAREHOUSE_FILE)
    with lake.lock(LOCK_NAME, wait=True):
        _sweep_killed_builds(lake)
        kept = None if full else _unchanged_build(published, lake)
        if kept is not None:
            return dataclasses.replace(kept, seconds=time.perf_counter() - started)
        report = _build(lake, published, full=full, started=started)
    return dataclasses.replace(report, seconds=time.perf_counter() - started)


def _sweep_killed_builds(lake: Lake) -> None:
    """Remove the hidden files (`.warehouse.duckdb.<token>.tmp` and its `.wal`) of builds that
    were killed before publishing; call under the warehouse lock, so none is still running."""
    for stale in lake.root.glob(f".{WAREHOUSE_FILE}.*{TEMP_SUFFIX}*"):
        stale.unlink(missing_ok=True)


def _build(lake: Lake, published: Path, *, full: bool, started: float) -> BuildReport:
    """Build into a copy (or a new file) and publish it when no blocking check fails."""
    phases: dict[str, float] = {}
    with lake.atomic_path(WAREHOUSE_FILE) as building:
        with _timed(phases, "copy"):
            reuse = not full and _loaded_format(published) == LOADED_FORMAT
            if reuse:
                shutil.copyfile(published, building)
        try:
            with contextlib.closing(duckdb.connect(str(building))) as con:
                with _timed(phases, "load"):
                    create_tables(con)
                    rebuilt = _reload_changed_partitions(con, lake)
                with _timed(phases, "derive"):
                    derive_tables(con)
                with _timed(phases, "check"):
                    checks = run_checks(con, lake)
                    _store_checks(con, checks)
                row_counts = {t.name: row_count(con, t.name) for t in WAREHOUSE_TABLES}
                with _timed(phases, "checkpoint"):
                    con.execute("CHECKPOINT")
        finally:
            Path(f"{building}.wal").unlink(missing_ok=True)
        report = BuildReport(
            row_counts=row_counts,
            partitions_rebuilt=rebuilt,
            full_rebuild=not reuse,
            seconds=time.perf_counter() - started,
            phase_seconds=phases,
            checks=checks,
        )
        if report.failed_blocking_checks:
            raise WarehouseRejectedError(report)
    return report


def _unchanged_build(published: Path, lake: Lake) -> BuildReport | None:
    """The report of the published build when neither its SQL nor the lake's Parquet files
    changed since (the build would reproduce it); None when a build is needed."""
    if not published.exists():
        return None
    try:
        with contextlib.closing(duckdb.connect(str(published), read_only=True)) as con:
            formats = con.execute(
                "SELECT l.format, b.format "
                "FROM build_state.loaded_format AS l, build_state.build_format AS b"
            ).fetchall()
            loaded = [
                LakeFile(*row) for row in con.execute("FROM build_state.lake_files").fetchall()
            ]
            if formats != [(LOADED_FORMAT, BUILD_FORMAT)]:
                return None
            if changed_partitions(loaded, scan_lake(lake)):
                return None
            checks = [
                CheckOutcome(*row) for row in con.execute("FROM build_state.checks").fetchall()
            ]
            row_counts = {t.name: row_count(con, t.name) for t in WAREHOUSE_TABLES}
    except (duckdb.Error, ValueError):  # an older or damaged file: build it anew
        return None
    return BuildReport(
        row_counts=row_counts,
        partitions_rebuilt=[],
        full_rebuild=False,
        seconds=0.0,
        phase_seconds={},
        checks=checks,
        unchanged=True,
    )


def _store_checks(con: duckdb.DuckDBPyConnection, checks: list[CheckOutcome]) -> None:
    """Keep the outcomes with the build, for the no-change builds that reuse it."""
    con.execute(
        "CREATE OR REPLACE TABLE build_state.checks "
        '("table" VARCHAR, name VARCHAR, passed BOOLEAN, detail VARCHAR, blocking BOOLEAN)'
    )
    con.executemany(
        "INSERT INTO build_state.checks VALUES (?, ?, ?, ?, ?)",
        [(c.table, c.name, c.passed, c.detail, c.blocking) for c in checks],
    )


@contextlib.contextmanager
def _timed(phases: dict[str, float], phase: str) -> Iterator[None]:
    """Add the seconds the block takes to `phases[phase]`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        phases[phase] = time.perf_counter() - started


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the loaded tables (empty, typed as schemas.py) and the build state if missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS build_state")
    con.register("no_files", lake_files_frame([]))
    con.execute("CREATE TABLE IF NOT EXISTS build_state.lake_files AS FROM no_files")
    con.unregister("no_files")
    con.execute(
        "CREATE OR REPLACE TABLE build_state.loaded_format AS SELECT ? AS format",
        [LOADED_FORMAT],
    )
    con.execute(
        "CREATE OR REPLACE TABLE build_state.build_format AS SELECT ? AS format", [BUILD_FORMAT]
    )
    for sql_file in LOADED_TABLES:
        empty = pl.DataFrame(schema=TABLES[sql_file.name].schema).to_arrow()
        con.register("empty_table", empty)
        con.execute(f'CREATE TABLE IF NOT EXISTS "{sql_file.name}" AS FROM empty_table')
        con.unregister("empty_table")
        _comment(con, "TABLE", sql_file.name, sql_file.header)
        for column in TABLES[sql_file.name].columns:
            _comment(con, "COLUMN", f'"{sql_file.name}"."{column.name}"', column.description)


def derive_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every derived table from the loaded ones, through the build steps."""
    for step in BUILD_STEPS:
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{step.name}" AS {step.query}')
    for sql_file in DERIVED_TABLES:
        con.execute(f'CREATE OR REPLACE TABLE "{sql_file.name}" AS {sql_file.query}')
        _comment(con, "TABLE", sql_file.name, sql_file.header)


def _reload_changed_partitions(con: duckdb.DuckDBPyConnection, lake: Lake) -> list[str]:
    """Delete and reload the partitions whose Parquet changed; return them as `table/date=D`."""
    loaded = [LakeFile(*row) for row in con.execute("FROM build_state.lake_files").fetchall()]
    current = scan_lake(lake)
    changed = changed_partitions(loaded, current)
    for sql_file in LOADED_TABLES:
        days = {day for table, day in changed if table == sql_file.name}
        if days:
            files = [f for f in current if f.table == sql_file.name and f.start_date in days]
            _replace_partitions(con, lake, sql_file, days, files)
    con.register("current_files", lake_files_frame(current))
    con.execute("DELETE FROM build_state.lake_files")
    con.execute("INSERT INTO build_state.lake_files FROM current_files")
    con.unregister("current_files")
    return sorted(
        table if day is None else f"{table}/date={day.isoformat()}" for table, day in changed
    )


def _replace_partitions(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    sql_file: SqlFile,
    days: set[dt.date | None],
    files: Iterable[LakeFile],
) -> None:
    """Delete the rows of `days` (the whole table for a catalogue) and insert `files`."""
    if days == {None}:
        con.execute(f'DELETE FROM "{sql_file.name}"')  # noqa: S608 (names from sql/)
    else:
        con.execute(
            f'DELETE FROM "{sql_file.name}" WHERE start_date IN (SELECT unnest(?::DATE[]))',  # noqa: S608
            [sorted(day for day in days if day is not None)],
        )
    files = list(files)
    paths = [str(lake.path(f.path)) for f in files]
    if not paths:
        return
    expected = TABLES[sql_file.name].schema
    for file, path in zip(files, paths, strict=True):
        try:
            found = pl.read_parquet_schema(path)
        except pl.exceptions.PolarsError as error:
            raise UnreadableParquetError(file, str(error).splitlines()[0]) from None
        if found != expected:
            raise ValueError(f"{path} does not have the columns of schemas.py: {found}")
    con.execute("SET VARIABLE parquet_files = ?", [paths])
    con.execute(f'INSERT INTO "{sql_file.name}" BY NAME {sql_file.query}')


def _loaded_format(path: Path) -> str | None:
    """The LOADED_FORMAT a published warehouse was built with; None when there is none."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
            rows = con.execute("SELECT format FROM build_state.loaded_format").fetchall()
    except duckdb.Error:
        return None
    return str(rows[0][0]) if rows else None


def _comment(con: duckdb.DuckDBPyConnection, kind: str, target: str, text: str) -> None:
    quoted = text.replace("'", "''")
    con.execute(f"COMMENT ON {kind} {target} IS '{quoted}'")

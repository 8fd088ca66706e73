"""Readers hold the warehouse open during a rebuild: it neither waits for them nor fails."""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
from multiprocessing.synchronize import Event
from pathlib import Path

import duckdb

from assets.warehouse.build import WAREHOUSE_FILE, build_warehouse
from pipelines.lake import Lake
from tests.warehouse.lake_fixtures import LakeSpec, write_day

COUNTS = """
SELECT (SELECT count(*) FROM conversations),
       (SELECT sum(conversations + in_progress) FROM agent_daily_metrics)
"""


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    [(conversations, daily_total)] = con.execute(COUNTS).fetchall()
    return int(conversations), int(daily_total)


def _fresh_counts(path: str) -> tuple[int, int]:
    with contextlib.closing(duckdb.connect(path, read_only=True)) as con:
        return _counts(con)


def _hold_open(
    path: str, opened: Event, rebuilt: Event, seen: multiprocessing.Queue[object]
) -> None:
    """A reader in another process: open, report, wait through a rebuild, report again."""
    with contextlib.closing(duckdb.connect(path, read_only=True)) as con:
        seen.put(_counts(con))
        opened.set()
        rebuilt.wait(timeout=120)
        seen.put(_counts(con))


def _add_a_day(lake: Lake, spec: LakeSpec) -> None:
    write_day(lake, spec, spec.dates[-1] + dt.timedelta(days=1))


def test_a_reader_in_this_process_keeps_the_old_state(built_lake: Lake, spec: LakeSpec) -> None:
    path = str(built_lake.path(WAREHOUSE_FILE))
    reader = duckdb.connect(path, read_only=True)
    old = _counts(reader)
    assert old == (120, 120)
    _add_a_day(built_lake, spec)
    build_warehouse(built_lake)
    assert _counts(reader) == old  # the old file, whole: its tables agree with each other
    # DuckDB shares one open database per path within a process: close it to see the new file.
    reader.close()
    assert _fresh_counts(path) == (160, 160)


def test_a_reader_in_another_process_neither_blocks_nor_sees_half_a_build(
    built_lake: Lake, spec: LakeSpec
) -> None:
    path = str(built_lake.path(WAREHOUSE_FILE))
    spawn = multiprocessing.get_context("spawn")
    opened, rebuilt, seen = spawn.Event(), spawn.Event(), spawn.Queue()
    reader = spawn.Process(target=_hold_open, args=(path, opened, rebuilt, seen))
    reader.start()
    try:
        assert opened.wait(timeout=120)
        _add_a_day(built_lake, spec)
        build_warehouse(built_lake)  # would raise if it needed the file the reader holds
        with spawn.Pool(1) as pool:
            new_connection = pool.apply(_fresh_counts, (path,))
        rebuilt.set()
        assert seen.get(timeout=120) == (120, 120)
        assert seen.get(timeout=120) == (120, 120)
        assert new_connection == (160, 160)
    finally:
        rebuilt.set()
        reader.join(timeout=120)
    assert reader.exitcode == 0
    assert Path(path).exists()

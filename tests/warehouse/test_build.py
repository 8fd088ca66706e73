"""The incremental build: only changed partitions reloaded, and the same tables as a full one."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.normalised.schemas import AGENTS
from assets.warehouse import build
from assets.warehouse.build import WAREHOUSE_FILE, build_warehouse
from assets.warehouse.sql_files import WAREHOUSE_TABLES
from pipelines.lake import Lake, LakeLockedError
from tests.warehouse.compare import Row, assert_same_rows, read_table
from tests.warehouse.lake_fixtures import LakeSpec, frame, write_catalogue, write_day, write_parquet


def _all_tables(lake: Lake) -> dict[str, list[Row]]:
    return {t.name: read_table(lake.path(WAREHOUSE_FILE), t.name)[1] for t in WAREHOUSE_TABLES}


def test_a_build_without_changes_reloads_nothing(built_lake: Lake) -> None:
    report = build_warehouse(built_lake)
    assert not report.full_rebuild
    assert report.partitions_rebuilt == []


def test_incremental_equals_full(built_lake: Lake, spec: LakeSpec) -> None:
    first, second, third = spec.dates
    write_day(built_lake, spec, second, variant=1)  # republished with other data
    for table in ("conversations", "transcript_turns", "tool_calls"):  # a day withdrawn
        built_lake.path(f"parquet/{table}/date={third}/part-0.parquet").unlink()
    new_day = third.replace(day=third.day + 1)
    write_day(built_lake, spec, new_day)
    write_catalogue(built_lake, LakeSpec(agents=spec.agents + 1))  # a new agent

    incremental = build_warehouse(built_lake)
    assert not incremental.full_rebuild
    assert first.isoformat() not in " ".join(incremental.partitions_rebuilt)
    assert {"agents", f"conversations/date={second}", f"conversations/date={third}"} <= set(
        incremental.partitions_rebuilt
    )
    after_incremental = _all_tables(built_lake)

    full = build_warehouse(built_lake, full=True)
    assert full.full_rebuild
    assert full.row_counts == incremental.row_counts
    after_full = _all_tables(built_lake)
    for sql_file in WAREHOUSE_TABLES:
        assert_same_rows(after_incremental[sql_file.name], after_full[sql_file.name], sql_file.key)
    assert {r["start_date"] for r in after_full["conversations"]} == {first, second, new_day}
    assert {r["start_date"] for r in after_full["evaluation_results"]} == {
        first,
        second,
        third,
        new_day,
    }


def test_a_changed_loaded_format_rebuilds_everything(
    built_lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "LOADED_FORMAT", "schemas.py changed")
    assert build_warehouse(built_lake).full_rebuild
    monkeypatch.undo()
    assert build_warehouse(built_lake).full_rebuild


def test_an_unreadable_previous_file_is_rebuilt(built_lake: Lake) -> None:
    built_lake.path(WAREHOUSE_FILE).write_bytes(b"not a database")
    report = build_warehouse(built_lake)
    assert report.full_rebuild
    assert report.row_counts["conversations"] == 120


def test_a_file_with_other_columns_fails_and_keeps_the_warehouse(built_lake: Lake) -> None:
    published = built_lake.path(WAREHOUSE_FILE)
    before = published.stat().st_ino
    agents = pl.read_parquet(built_lake.path("parquet/agents/part-0.parquet"))
    with built_lake.atomic_path("parquet/agents/part-0.parquet") as temp:
        agents.drop("llm").write_parquet(temp)
    with pytest.raises(ValueError, match=r"does not have the columns of schemas\.py"):
        build_warehouse(built_lake)
    assert published.stat().st_ino == before
    assert [p.name for p in built_lake.root.iterdir() if p.name.startswith(".warehouse")] == []


def test_the_build_holds_the_warehouse_lock(
    built_lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []

    def derive_while_probing(con: duckdb.DuckDBPyConnection) -> None:
        with pytest.raises(LakeLockedError), built_lake.lock("warehouse", wait=False):
            attempts.append("acquired")
        attempts.append("refused")
        derive_tables(con)

    derive_tables = build.derive_tables
    monkeypatch.setattr(build, "derive_tables", derive_while_probing)
    build_warehouse(built_lake, full=True)
    assert attempts == ["refused"]


def test_an_unchanged_lake_keeps_the_published_file_and_its_checks(built_lake: Lake) -> None:
    published = built_lake.path(WAREHOUSE_FILE)
    first = build_warehouse(built_lake, full=True)
    assert not first.unchanged
    inode = published.stat().st_ino

    again = build_warehouse(built_lake)
    assert again.unchanged
    assert published.stat().st_ino == inode  # not republished
    assert again.row_counts == first.row_counts
    assert again.checks == first.checks
    assert again.partitions_rebuilt == []


def test_a_changed_day_is_rebuilt_after_a_no_change_build(built_lake: Lake) -> None:
    assert build_warehouse(built_lake).unchanged
    day_file = sorted(built_lake.root.glob("parquet/conversations/date=*/part-0.parquet"))[0]
    frame = pl.read_parquet(day_file)
    with built_lake.atomic_path(built_lake.relative(day_file)) as temp:
        frame.head(frame.height - 1).write_parquet(temp)
    report = build_warehouse(built_lake)
    assert not report.unchanged
    assert report.partitions_rebuilt == [f"conversations/{day_file.parent.name}"]


def test_the_warehouse_works_from_any_directory(
    built_lake: Lake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(built_lake.path(WAREHOUSE_FILE), elsewhere / "copy.duckdb")
    shutil.rmtree(built_lake.path("parquet"))
    monkeypatch.chdir(elsewhere)
    with duckdb.connect("copy.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [
            (0,)
        ]
        for sql_file in WAREHOUSE_TABLES:
            con.execute(f'SELECT count(*) FROM "{sql_file.name}"').fetchall()
    assert Path.cwd() == elsewhere


def test_comments_describe_every_table_and_loaded_column(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        comments = dict(con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall())
        column = con.execute(
            "SELECT comment FROM duckdb_columns() "
            "WHERE table_name = 'agents' AND column_name = 'llm'"
        ).fetchall()
    assert {t.name: t.header for t in WAREHOUSE_TABLES}.items() <= comments.items()
    assert column == [(AGENTS.columns[5].description,)]


def test_a_catalogue_rewrite_with_the_same_rows_changes_nothing(built_lake: Lake) -> None:
    before = _all_tables(built_lake)
    agents = pl.read_parquet(built_lake.path("parquet/agents/part-0.parquet"))
    write_parquet(built_lake, AGENTS, frame(AGENTS, agents.to_dict()), None)
    assert build_warehouse(built_lake).partitions_rebuilt == ["agents"]
    after = _all_tables(built_lake)
    for sql_file in WAREHOUSE_TABLES:
        assert_same_rows(after[sql_file.name], before[sql_file.name], sql_file.key)

"""docs/tables.md is current, and the SQL headers agree with schemas.py and each other."""

from __future__ import annotations

from assets.normalised.schemas import TABLES
from assets.warehouse.docs import TABLES_MD, render_tables_md
from assets.warehouse.sql_files import BUILD_STEPS, LOADED_TABLES, SQL_DIR, WAREHOUSE_TABLES


def test_tables_md_is_current() -> None:
    assert TABLES_MD.read_text() == render_tables_md(), (
        "docs/tables.md is stale: run `uv run python -m assets.warehouse.docs`"
    )


def test_loaded_table_headers_state_the_grain_of_schemas_py() -> None:
    for sql_file in LOADED_TABLES:
        assert sql_file.header.startswith(f"{sql_file.name}: {TABLES[sql_file.name].grain}")


def test_every_sql_file_is_a_table_or_a_build_step() -> None:
    used = {f.name for f in (*WAREHOUSE_TABLES, *BUILD_STEPS)}
    assert {path.stem for path in SQL_DIR.glob("*.sql")} == used

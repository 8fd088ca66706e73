"""Read warehouse tables as rows and compare them: exact, except floats within 1e-9."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

Row = dict[str, Any]


def read_table(warehouse: Path, table: str) -> tuple[list[str], list[Row]]:
    """The columns and rows of `table`, opened read-only."""
    with contextlib.closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        result = con.execute(f'FROM "{table}"')
        columns = [d[0] for d in result.description or ()]
        return columns, [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


def assert_same_rows(actual: Sequence[Row], expected: Sequence[Row], key: Sequence[str]) -> None:
    """Same keys, and per key the same values (ints, strings, NULLs exact; floats to 1e-9)."""

    def by_key(rows: Sequence[Row]) -> dict[tuple[object, ...], Row]:
        keyed = {tuple(row[k] for k in key): row for row in rows}
        assert len(keyed) == len(rows), f"duplicate keys {key}"
        return keyed

    got, want = by_key(actual), by_key(expected)
    assert sorted(got, key=repr) == sorted(want, key=repr)
    for k, row in want.items():
        differing = {c: (got[k][c], v) for c, v in row.items() if not _same(got[k][c], v)}
        assert not differing, f"{k}: (warehouse, expected) {differing}"

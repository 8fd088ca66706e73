"""Notebooks are committed without outputs: `make notebooks-strip` removes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.notebooks.notebooks import NOTEBOOKS, name_of


def test_the_notebooks_are_there() -> None:
    assert [path.name for path in NOTEBOOKS] == ["explore.ipynb", "sql_cookbook.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name_of)
def test_committed_without_outputs(path: Path) -> None:
    """Outputs would carry data from someone's lake into git and churn every diff."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} keep outputs; run `make notebooks-strip`"

"""Every notebook runs headless, without an error, against a demo lake.

Each notebook runs in a fresh kernel of the project's interpreter, as Jupyter would run it, with
CONVAI_LAKE_DIR relative to the repo root (as a user's `.env` or shell may give it). The explore
notebook runs from notebooks/ (Jupyter's working directory) and the cookbook from the repo root,
so that both ways of finding the lake are exercised.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.notebooks.conftest import QUARANTINED_ID
from tests.notebooks.notebooks import NOTEBOOK_DIR, NOTEBOOKS, ROOT, name_of

try:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
except ModuleNotFoundError as missing:
    pytest.skip(
        f"{missing.name} is missing: the notebooks group is not installed "
        "(`uv sync --all-groups`, as `make test` does)",
        allow_module_level=True,
    )

PLOT_CALL = "plt.show()"
CELL_TIMEOUT_SECS = 180


class Run(NamedTuple):
    """How a notebook is run, and what its outputs must show."""

    cwd: Path  # the kernel's working directory
    plots: int  # cells that draw a plot (those that call plt.show())
    shows: str  # text that some output must hold


RUNS = {
    "explore.ipynb": Run(NOTEBOOK_DIR, plots=6, shows="p95_secs"),
    "sql_cookbook.ipynb": Run(ROOT, plots=0, shows=QUARANTINED_ID),
}


def test_every_notebook_has_a_run() -> None:
    assert sorted(path.name for path in NOTEBOOKS) == sorted(RUNS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=name_of)
def test_runs_headless_against_a_demo_lake(path: Path, demo_lake: Path) -> None:
    run = RUNS[path.name]
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        notebook,
        km=project_kernel(),
        timeout=CELL_TIMEOUT_SECS,
        resources={"metadata": {"path": str(run.cwd)}},
    )
    env = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}
    env["CONVAI_LAKE_DIR"] = os.path.relpath(demo_lake, ROOT)
    client.execute(env=env)  # raises CellExecutionError at the first cell that fails

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    plot_cells = [cell for cell in code if PLOT_CALL in cell.source]
    assert len(plot_cells) == run.plots
    for cell in plot_cells:
        assert any("image/png" in out.get("data", {}) for out in cell.outputs), cell.source
    stderr = [out.text for cell in code for out in cell.outputs if out.get("name") == "stderr"]
    assert not stderr, "a cell wrote to stderr (a warning?):\n" + "\n".join(stderr)
    shown = "\n".join(text for cell in code for text in texts(cell.outputs))
    assert f"Warehouse: {demo_lake.resolve() / 'warehouse.duckdb'}" in shown
    assert run.shows in shown


def project_kernel() -> KernelManager:
    """A manager for ipykernel's own `python3` kernel, which runs this interpreter: with no
    kernel directories, no kernelspec installed by the user or the system can stand in."""
    return KernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[])
    )


def texts(outputs: list[Any]) -> Iterator[str]:
    """What outputs print or display as text (their HTML keeps long table values whole)."""
    for out in outputs:
        yield out.get("text", "")
        data = out.get("data", {})
        yield from (str(data.get(kind, "")) for kind in ("text/plain", "text/html"))

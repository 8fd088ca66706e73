"""The notebooks under test, and where they live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def name_of(path: Path) -> str:
    """A notebook's file name, as its test id."""
    return path.name

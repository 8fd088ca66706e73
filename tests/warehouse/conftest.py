"""Lakes generated for the warehouse tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.warehouse.build import WAREHOUSE_FILE, build_warehouse
from pipelines.lake import Lake
from tests.warehouse.lake_fixtures import LakeSpec, write_lake


@pytest.fixture
def spec() -> LakeSpec:
    return LakeSpec()


@pytest.fixture
def built_lake(tmp_path: Path, spec: LakeSpec) -> Lake:
    """A generated lake with its warehouse built."""
    lake = write_lake(tmp_path / "lake", spec)
    build_warehouse(lake)
    return lake


@pytest.fixture
def warehouse(built_lake: Lake) -> Path:
    return built_lake.path(WAREHOUSE_FILE)

"""A small demo lake, built once per session by `convai-lake demo` as a user runs it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assets.normalised.partition import publish_day
from pipelines.lake import Lake, date_partition
from tests.normalised.raw_lake import ndjson_zst
from tests.notebooks.notebooks import ROOT

# A raw detail line cut off mid-body: the normaliser sets it aside in quarantine/.
QUARANTINED_ID = "conv_notebook_broken"
BROKEN_DETAIL = (
    b'{"conversation_id": "%s", "status": "done", "transcript": [' % QUARANTINED_ID.encode()
)
BROKEN_PART = "part-99999999.ndjson.zst"
DEMO_ARGS = ("demo", "--agents", "3", "--conversations-per-day", "10")


@pytest.fixture(scope="session")
def demo_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake with a warehouse of 7 days x 3 agents x 10 conversations, and one quarantined
    record (made by the normaliser from a broken raw line, as a bad API body would be)."""
    lake = tmp_path_factory.mktemp("notebooks") / "data"
    demo = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *DEMO_ARGS],
        env={**os.environ, "CONVAI_LAKE_DIR": str(lake), "DAGSTER_HOME": ""},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert (lake / "warehouse.duckdb").is_file()
    _quarantine_one_record(Lake(lake))
    return lake


def _quarantine_one_record(lake: Lake) -> None:
    latest = max(lake.path("raw/conversations").glob("date=*")).name
    day = dt.date.fromisoformat(latest.removeprefix("date="))
    raw_part = f"{date_partition('raw/conversations', day)}/{BROKEN_PART}"
    lake.write_bytes(raw_part, ndjson_zst([BROKEN_DETAIL]))
    publish_day(lake, day)
    assert list(lake.path("quarantine").glob(f"*/date={day}/*.parquet"))

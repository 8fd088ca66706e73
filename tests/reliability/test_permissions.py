"""Everything the pipeline creates is its owner's alone (files 0600, directories 0700), even
when the process starts with a permissive umask (000) and the lake's root already exists with
wide rights.

`convai-lake sync` starts (the CLI's `main`, in this process) with umask 000, then an erasure
rewrites the day's raw and Parquet files and rebuilds the warehouse under umask 000; every file and
directory below the lake root, the Dagster run history in `<lake>/.dagster` included, is then
checked. The lake primitives are checked on their own
too, so a failure points at the layer that broke.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from emulator import EmulatorConfig, running_emulator
from pipelines.forget import forget
from pipelines.lake import Lake
from pipelines.ndjson_zst import open_lines
from tests.reliability.harness import KEY, cli_env, sync_args
from tests.reliability.privacy_harness import convai_lake_here

TODAY = dt.date(2026, 7, 8)
DAY = TODAY - dt.timedelta(days=1)


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def too_open(root: Path) -> list[str]:
    """Every path below `root` (and `root`) that anyone but its owner may use."""
    paths = [root, *root.rglob("*")]
    return [
        f"{oct(stat.S_IMODE(p.lstat().st_mode))} {p.relative_to(root)}"
        for p in paths
        if stat.S_IMODE(p.lstat().st_mode) & 0o077
    ]


def test_a_sync_and_an_erasure_under_umask_000_create_nothing_others_can_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = EmulatorConfig(
        seed=2,
        agents=1,
        conversations_per_day=4,
        days=1,
        today=TODAY,
        api_key=KEY,
        pending_per_agent=0,
    )
    lake = tmp_path / "lake"
    with running_emulator(config) as emulator:
        for name, value in cli_env(emulator, lake).items():
            monkeypatch.setenv(name, value)
        with umask(0):  # the CLI starts in a process with a permissive umask
            assert convai_lake_here(*sync_args([DAY])) == 0
    assert list((lake / ".dagster").rglob("*.db")), "the run history is in the lake"
    erased = pl.read_parquet(lake / f"parquet/conversations/date={DAY}/part-0.parquet")
    with umask(0):
        report = forget(Lake(lake), [erased["conversation_id"][0]])
    assert report.warehouse_rebuilt
    assert too_open(lake) == []


def test_lake_files_are_private_under_umask_000_in_a_world_readable_root(
    tmp_path: Path,
) -> None:
    root = tmp_path / "lake"
    root.mkdir(mode=0o755)
    lake = Lake(root)
    with umask(0):
        lake.write_bytes("a/b/c.txt", b"x")
        with open_lines(lake, "raw/d/e.ndjson.zst") as lines:
            lines.write(b"{}")
        with lake.lock("day-2026-01-01", wait=True):
            pass
        lake.write_bytes("a/b/c.txt", b"y")  # a republished file
    root.chmod(0o700)  # the root is the user's own choice; what is below it is not
    assert too_open(root) == []
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == [
        "c.txt",
        "day-2026-01-01.lock",
        "e.ndjson.zst",
    ]

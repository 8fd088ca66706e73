"""The lake primitives: atomic publication, safe ids, the writer lock."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from pipelines.lake import Lake, LakeLockedError, UnsafeIdError, safe_id


@pytest.mark.parametrize(
    "value",
    ["conv_01k05y7r2d9e8f7g6h5j4k3m2n", "hTwP6TgapJKas2oJxX6d", "a", "agent-1.v2"],
)
def test_safe_id_accepts_real_ids(value: str) -> None:
    assert safe_id(value) == value


@pytest.mark.parametrize(
    "value",
    ["", "..", "../etc", "a/b", "/abs", "a\\b", "a\x00b", "a\nb", ".hidden", "x" * 201, "a..b", 7],
)
def test_safe_id_rejects_escapes(value: object) -> None:
    with pytest.raises(UnsafeIdError):
        safe_id(value)


def test_atomic_path_publishes_only_on_success(tmp_path: Path) -> None:
    lake = Lake(tmp_path)

    def killed_while_writing() -> None:
        with lake.open_atomic("a/b.txt") as handle:
            handle.write(b"half")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        killed_while_writing()
    assert not (tmp_path / "a" / "b.txt").exists()
    assert list((tmp_path / "a").iterdir()) == []
    lake.write_bytes("a/b.txt", b"whole")
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"whole"
    assert (tmp_path / "a" / "b.txt").stat().st_mode & 0o077 == 0


def test_path_cannot_leave_the_lake(tmp_path: Path) -> None:
    with pytest.raises(UnsafeIdError):
        Lake(tmp_path / "lake").path("../outside")


def test_sweep_removes_hidden_temp_files_only(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / ".x.parquet.abc.tmp").write_bytes(b"partial")
    (tmp_path / "d" / "x.parquet").write_bytes(b"whole")
    assert [p.name for p in lake.sweep_temp_files()] == [".x.parquet.abc.tmp"]
    assert [p.name for p in lake.glob("d", "*")] == ["x.parquet"]


def _try_lock(root: str, queue: multiprocessing.Queue[str]) -> None:
    try:
        with Lake(root).lock("day-2026-01-01", wait=False):
            queue.put("acquired")
    except LakeLockedError as error:
        queue.put(str(error))


def test_lock_excludes_other_processes(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    with lake.lock("day-2026-01-01", wait=False):
        child = multiprocessing.Process(target=_try_lock, args=(str(tmp_path), queue))
        child.start()
        child.join()
        assert "another convai-lake run holds 'day-2026-01-01'" in queue.get()
    child = multiprocessing.Process(target=_try_lock, args=(str(tmp_path), queue))
    child.start()
    child.join()
    assert queue.get() == "acquired"

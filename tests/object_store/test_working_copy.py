"""A lake in S3 through its local working copy: publish, refresh, deletions, failures."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from pipelines.lake import Lake, open_lake
from pipelines.object_store import StoreError, open_store
from pipelines.resources import DAY_SCOPE, LakeResource
from pipelines.settings import SettingsError, load_settings
from tests.object_store.conftest import S3Server, keys


def _lake(bucket: str, working_copy: Path) -> Lake:
    return open_lake(working_copy, f"s3://{bucket}/lake")


def test_a_published_file_is_one_object_in_the_store(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    lake = _lake(bucket, tmp_path / "a")
    lake.write_bytes("raw/conversations/date=2026-05-01/part-00000001.ndjson.zst", b"one")
    lake.write_bytes("warehouse.duckdb", b"two")

    assert keys(s3_server, bucket) == {
        "lake/raw/conversations/date=2026-05-01/part-00000001.ndjson.zst",
        "lake/warehouse.duckdb",
    }
    body = s3_server.client().get_object(Bucket=bucket, Key="lake/warehouse.duckdb")["Body"]
    assert body.read() == b"two"
    assert (tmp_path / "a" / "warehouse.duckdb").read_bytes() == b"two"
    assert lake.location == f"s3://{bucket}/lake"


def test_another_working_copy_catches_up_then_lists_only(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    writer, reader = _lake(bucket, tmp_path / "w"), _lake(bucket, tmp_path / "r")
    for n in range(3):
        writer.write_bytes(f"parquet/t/date=2026-05-0{n + 1}/part-0.parquet", bytes([n]) * 10)
    writer.write_bytes("parquet/agents/part-0.parquet", b"agents")

    first = reader.refresh()
    assert (first.listed, first.downloaded, first.removed) == (4, 4, 0)
    assert (tmp_path / "r/parquet/t/date=2026-05-02/part-0.parquet").read_bytes() == b"\1" * 10

    store = open_store(f"s3://{bucket}/lake")
    before = store.requests.copy()
    again = reader.refresh()
    assert again.downloaded == 0
    assert set((store.requests - before).keys()) == {"list"}

    writer.write_bytes("parquet/t/date=2026-05-02/part-0.parquet", b"changed")
    assert reader.refresh().downloaded == 1
    assert (tmp_path / "r/parquet/t/date=2026-05-02/part-0.parquet").read_bytes() == b"changed"


def test_republishing_the_same_bytes_uploads_nothing(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    lake = _lake(bucket, tmp_path / "w")
    lake.write_bytes("parquet/agents/part-0.parquet", b"same")
    inode = lake.path("parquet/agents/part-0.parquet").stat().st_ino
    store = open_store(f"s3://{bucket}/lake")
    puts = store.requests["put"]

    lake.write_bytes("parquet/agents/part-0.parquet", b"same")
    assert store.requests["put"] == puts
    assert lake.path("parquet/agents/part-0.parquet").stat().st_ino == inode

    lake.write_bytes("parquet/agents/part-0.parquet", b"diff")
    assert store.requests["put"] == puts + 1
    body = s3_server.client().get_object(Bucket=bucket, Key="lake/parquet/agents/part-0.parquet")
    assert body["Body"].read() == b"diff"


def test_a_days_refresh_leaves_other_days_alone(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    writer, reader = _lake(bucket, tmp_path / "w"), _lake(bucket, tmp_path / "r")
    writer.write_bytes("audio/date=2026-05-01/c1.mp3", b"a")
    writer.write_bytes("audio/date=2026-05-02/c2.mp3", b"b")
    writer.write_bytes("raw/forgotten.txt", b"undated")

    store = open_store(f"s3://{bucket}/lake")
    lists = store.requests["list"]
    assert reader.refresh("2026-05-02").downloaded == 2
    # The root, raw/, audio/ and audio/date=2026-05-02/: never the other day's directory.
    assert store.requests["list"] - lists == 4
    assert (tmp_path / "r/audio/date=2026-05-02/c2.mp3").is_file()
    assert (tmp_path / "r/raw/forgotten.txt").is_file()
    assert not (tmp_path / "r/audio/date=2026-05-01").exists()


def test_local_deletions_reach_the_store_and_other_copies(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    writer, reader = _lake(bucket, tmp_path / "w"), _lake(bucket, tmp_path / "r")
    writer.write_bytes("raw/agents/snapshot=1/pages.ndjson.zst", b"old")
    writer.write_bytes("raw/agents/snapshot=1/_SUCCESS", b"")
    writer.write_bytes("quarantine/x/date=2026-05-01/part-0.parquet", b"q")
    reader.refresh()

    # Code deletes files its own way (unlink, rmtree); the deletion is pushed afterwards.
    shutil.rmtree(tmp_path / "w/raw/agents/snapshot=1")
    writer.path("quarantine/x/date=2026-05-01/part-0.parquet").unlink()
    assert writer.push_deletions() == 3
    assert keys(s3_server, bucket) == set()

    assert reader.refresh().removed == 3
    assert not (tmp_path / "r/quarantine/x/date=2026-05-01/part-0.parquet").exists()


def test_a_killed_runs_deletions_are_pushed_by_the_next_refresh(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    lake = _lake(bucket, tmp_path / "w")
    lake.write_bytes("audio/date=2026-05-01/c1.mp3", b"a")
    lake.path("audio/date=2026-05-01/c1.mp3").unlink()  # ...and the run dies before pushing

    assert _lake(bucket, tmp_path / "w").refresh().deletions_pushed == 1
    assert keys(s3_server, bucket) == set()


def test_a_failed_publication_leaves_nothing(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    lake = _lake(bucket, tmp_path / "w")
    # The upload itself fails (here: the bucket does not exist).
    broken = open_lake(tmp_path / "b", "s3://no-such-bucket-here/lake")

    def killed_while_writing() -> None:
        with lake.open_atomic("warehouse.duckdb") as handle:
            handle.write(b"half")
            raise RuntimeError("killed while writing")

    def refused() -> None:
        with broken.open_atomic("warehouse.duckdb") as handle:
            handle.write(b"whole")

    with pytest.raises(RuntimeError):
        killed_while_writing()
    with pytest.raises(FileNotFoundError):
        refused()

    assert keys(s3_server, bucket) == set()
    for copy in ("w", "b"):
        assert not any(p.name.endswith(".tmp") for p in (tmp_path / copy).rglob("*"))
        assert not (tmp_path / copy / "warehouse.duckdb").exists()
    assert broken.push_deletions() == 0  # the failed publication is not taken for a deletion


KILLED_MID_UPLOAD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import obstore
    import pipelines.object_store as object_store
    from pipelines.lake import open_lake

    real_put = obstore.put

    def dying_put(store, key, source, **options):
        def chunks():
            with open(source, "rb") as handle:
                yield handle.read(5 * 1024 * 1024)
                yield handle.read(5 * 1024 * 1024)
                os.kill(os.getpid(), signal.SIGKILL)  # killed with two parts sent
                yield handle.read()
        return real_put(store, key, chunks(), chunk_size=5 * 1024 * 1024)

    object_store.obstore.put = dying_put
    lake = open_lake(Path(sys.argv[1]), sys.argv[2])
    with lake.open_atomic("warehouse.duckdb") as handle:
        handle.write(os.urandom(12 * 1024 * 1024))
    """
)


def test_a_run_killed_mid_upload_leaves_no_visible_object(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    url = f"s3://{bucket}/lake"
    _lake(bucket, tmp_path / "w").write_bytes("warehouse.duckdb", b"the previous warehouse")
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_UPLOAD, str(tmp_path / "w"), url],
        env={**os.environ},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    client = s3_server.client()
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert [u["Key"] for u in uploads] == ["lake/warehouse.duckdb"]  # begun, never completed
    body = client.get_object(Bucket=bucket, Key="lake/warehouse.duckdb")["Body"].read()
    assert body == b"the previous warehouse"
    assert (tmp_path / "w/warehouse.duckdb").read_bytes() == b"the previous warehouse"

    fresh = _lake(bucket, tmp_path / "fresh")
    assert fresh.refresh().downloaded == 1
    assert (tmp_path / "fresh/warehouse.duckdb").read_bytes() == b"the previous warehouse"
    assert _lake(bucket, tmp_path / "w").push_deletions() == 0


def test_a_working_copy_belongs_to_one_store(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    _lake(bucket, tmp_path / "w").write_bytes("a.txt", b"a")
    other = open_lake(tmp_path / "w", f"s3://{bucket}/elsewhere")
    with pytest.raises(StoreError, match="working copy of"):
        other.refresh()


def test_settings_take_an_object_store_url(tmp_path: Path) -> None:
    env = {"CONVAI_LAKE_DIR": "s3://bucket/some/lake/", "CONVAI_CACHE_DIR": str(tmp_path)}
    settings = load_settings(env)
    assert settings.lake_store == "s3://bucket/some/lake"
    assert settings.lake_dir == tmp_path / "s3" / "bucket" / "some" / "lake"
    assert settings.warehouse_path == settings.lake_dir / "warehouse.duckdb"
    assert settings.lake_location == "s3://bucket/some/lake"

    gcs = load_settings({"CONVAI_LAKE_DIR": "gs://b/x", "XDG_CACHE_HOME": str(tmp_path)})
    assert gcs.lake_dir == tmp_path / "convai-lake" / "gs" / "b" / "x"
    assert load_settings({"CONVAI_LAKE_DIR": "lake"}).lake_store is None

    for bad in ("s3:///no-bucket", "s3://bucket/../up", "az://account/.hidden"):
        with pytest.raises(SettingsError, match="not a usable object-store URL"):
            load_settings({"CONVAI_LAKE_DIR": bad})


@pytest.mark.parametrize(("tags", "other_day_fetched"), [({}, True), (DAY_SCOPE, False)])
def test_a_run_refreshes_its_day_only_when_its_job_says_so(
    s3_server: S3Server,
    bucket: str,
    tmp_path: Path,
    tags: dict[str, str],
    other_day_fetched: bool,
) -> None:
    url = f"s3://{bucket}/lake"
    writer = _lake(bucket, tmp_path / "w")
    writer.write_bytes("parquet/t/date=2026-05-01/part-0.parquet", b"1")
    writer.write_bytes("parquet/t/date=2026-05-02/part-0.parquet", b"2")

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2026-05-01"))
    def drop_day(lake: LakeResource) -> None:
        lake.lake().path("parquet/t/date=2026-05-02/part-0.parquet").unlink()

    resource = LakeResource(lake_dir=str(tmp_path / "r"), store_url=url)
    result = dg.materialize(
        [drop_day], partition_key="2026-05-02", resources={"lake": resource}, tags=tags
    )
    assert result.success
    assert (tmp_path / "r/parquet/t/date=2026-05-01/part-0.parquet").exists() == other_day_fetched
    # The run's deletion reached the store when it ended.
    assert keys(s3_server, bucket) == {"lake/parquet/t/date=2026-05-01/part-0.parquet"}

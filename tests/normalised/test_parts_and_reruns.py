"""Which detail wins across parts, deleted and list-only conversations, and reruns that give
byte-identical files."""

from __future__ import annotations

from pathlib import Path

from assets.normalised.partition import publish_day
from pipelines.lake import Lake
from tests.normalised.conftest import DAY, ReadTable
from tests.normalised.raw_lake import (
    JSON,
    as_received,
    sample,
    write_listing,
    write_mp3,
    write_part,
    write_raw_lines,
)


def _detail(conversation_id: str, status: str, turns: int) -> JSON:
    body = sample("conversation_detail.json")
    body.update(conversation_id=conversation_id, status=status)
    body["transcript"] = body["transcript"][:turns]
    return body


def test_highest_numbered_part_wins(lake: Lake, read_table: ReadTable) -> None:
    write_part(lake, DAY, 1, [_detail("a", "in-progress", 1), _detail("b", "processing", 2)])
    write_part(lake, DAY, 2, [_detail("a", "done", 3), _detail("c", "in-progress", 1)])
    # The number decides, not the name: part 10 sorts before part 2 as text.
    write_part(lake, DAY, 10, [_detail("c", "done", 4), _detail("c", "failed", 5)])
    published = publish_day(lake, DAY)
    statuses = dict(read_table("conversations").select("conversation_id", "status").iter_rows())
    assert statuses == {"a": "done", "b": "processing", "c": "failed"}  # last line of part 10
    turns = read_table("transcript_turns").group_by("conversation_id").len()
    assert dict(turns.iter_rows()) == {"a": 3, "b": 2, "c": 5}
    assert published.rows["transcript_turns"] == published.expected_rows["transcript_turns"] == 10
    assert published.records_seen == 6


def test_an_unreadable_newer_detail_leaves_the_older_one(lake: Lake, read_table: ReadTable) -> None:
    write_part(lake, DAY, 1, [_detail("a", "processing", 2)])
    broken = _detail("a", "done", 7)
    broken["metadata"]["call_duration_secs"] = "29s"
    write_part(lake, DAY, 2, [broken])
    published = publish_day(lake, DAY)
    assert read_table("conversations")["status"].to_list() == ["processing"]
    assert published.quarantined["conversations"] == 1


def test_list_only_and_deleted_upstream(lake: Lake, read_table: ReadTable) -> None:
    page = sample("conversations_list_page.json")
    write_listing(lake, DAY, [page])
    write_part(lake, DAY, 1, [_detail("conv_deleted_upstream", "done", 2)])
    publish_day(lake, DAY)
    details = dict(read_table("conversations").select("conversation_id", "has_details").iter_rows())
    assert details == {
        "conv_01k05w9z8y7x6w5v4t3s2r1q0p": False,
        "conv_01k05x1a2b3c4d5e6f7g8h9j0k": False,
        "conv_01k05y7r2d9e8f7g6h5j4k3m2n": False,
        "conv_deleted_upstream": True,
    }


def _published_bytes(lake: Lake) -> dict[str, bytes]:
    root = lake.root
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for area in ("parquet", "quarantine")
        for p in sorted((root / area).rglob("*"))
        if p.is_file()
    }


def _write_mixed_day(lake: Lake) -> None:
    write_listing(lake, DAY, [sample("conversations_list_page.json")])
    write_part(lake, DAY, 1, [_detail("a", "processing", 3), sample("conversation_detail.json")])
    write_raw_lines(
        lake,
        "raw/conversations/date=2025-07-14/part-00000002.ndjson.zst",
        [as_received(_detail("a", "done", 6)), b"{broken"],
    )
    write_mp3(lake, DAY, "a", 500)


def test_rerun_gives_byte_identical_files(lake: Lake, tmp_path: Path) -> None:
    _write_mixed_day(lake)
    publish_day(lake, DAY)
    first = _published_bytes(lake)
    publish_day(lake, DAY)
    assert _published_bytes(lake) == first
    elsewhere = Lake(tmp_path / "another-lake")
    _write_mixed_day(elsewhere)
    publish_day(elsewhere, DAY)
    assert _published_bytes(elsewhere) == first
    assert sorted(first) == [
        "parquet/conversations/date=2025-07-14/part-0.parquet",
        "parquet/data_collection_results/date=2025-07-14/part-0.parquet",
        "parquet/evaluation_results/date=2025-07-14/part-0.parquet",
        "parquet/tool_calls/date=2025-07-14/part-0.parquet",
        "parquet/transcript_turns/date=2025-07-14/part-0.parquet",
        "quarantine/conversations/date=2025-07-14/part-0.parquet",
    ]


def test_rerun_replaces_files_and_leaves_no_temporary_ones(
    lake: Lake, read_table: ReadTable
) -> None:
    write_part(lake, DAY, 1, [_detail("a", "processing", 2)])
    publish_day(lake, DAY)
    write_part(lake, DAY, 2, [_detail("a", "done", 4)])
    publish_day(lake, DAY)
    assert read_table("conversations")["status"].to_list() == ["done"]
    assert read_table("transcript_turns").height == 4
    assert not [p for p in lake.root.rglob(".*") if p.is_file() and p.suffix == ".tmp"]


def test_an_empty_day_writes_empty_tables(lake: Lake, read_table: ReadTable) -> None:
    published = publish_day(lake, DAY)
    assert published.rows == dict.fromkeys(published.rows, 0)
    assert read_table("conversations").height == 0
    assert read_table("transcript_turns").columns[:3] == [
        "conversation_id",
        "start_date",
        "turn_index",
    ]

"""Every way a raw record can be unreadable: it goes to quarantine with its reason and place,
and every good record of the partition is still written."""

from __future__ import annotations

import copy
import os

import polars as pl
import pytest

from assets.normalised.partition import publish_day
from assets.normalised.publish import quarantine_path
from assets.normalised.schemas import QUARANTINE
from pipelines.lake import Lake, date_partition
from tests.normalised.conftest import DAY, ReadTable
from tests.normalised.raw_lake import (
    JSON,
    as_received,
    ndjson_zst,
    sample,
    write_listing,
    write_part,
    write_raw_lines,
    write_rejected,
)

PARTS = date_partition("raw/conversations", DAY)
PART_1 = f"{PARTS}/part-00000001.ndjson.zst"


def _detail(conversation_id: str) -> JSON:
    body = sample("conversation_detail.json")
    body["conversation_id"] = conversation_id
    return body


def _only_row(read_quarantine: ReadTable) -> dict[str, object]:
    rows = read_quarantine("conversations").drop("start_date").to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_invalid_json_line(lake: Lake, read_table: ReadTable, read_quarantine: ReadTable) -> None:
    broken = b'{"conversation_id": "conv_cut", "status": "done", "transcript": [{"role": '
    write_raw_lines(
        lake, PART_1, [as_received(_detail("conv_a")), broken, as_received(_detail("conv_b"))]
    )
    publish_day(lake, DAY)
    row = _only_row(read_quarantine)
    assert str(row["reason"]).startswith("invalid JSON: ")
    assert row == {
        "table": "conversations",
        "conversation_id": "conv_cut",  # still found in the broken text
        "reason": row["reason"],
        "raw_path": PART_1,
        "raw_line": 2,
        "raw_item": None,
        "excerpt": broken.decode(),
    }
    assert read_table("conversations")["conversation_id"].to_list() == ["conv_a", "conv_b"]
    assert read_table("transcript_turns").height == 14


def test_string_where_a_number_belongs(
    lake: Lake, read_table: ReadTable, read_quarantine: ReadTable
) -> None:
    bad = _detail("conv_bad")
    bad["transcript"][3]["tool_results"][0]["tool_latency_secs"] = "fast"
    write_part(lake, DAY, 1, [_detail("conv_good"), bad])
    publish_day(lake, DAY)
    row = _only_row(read_quarantine)
    assert row["conversation_id"] == "conv_bad"
    assert row["reason"] == (
        'transcript[3].tool_results[0].tool_latency_secs: expected a number, got string "fast"'
    )
    assert row["raw_line"] == 2
    assert str(row["excerpt"]).startswith('{"agent_id"')
    assert len(str(row["excerpt"])) == 500
    assert read_table("conversations")["conversation_id"].to_list() == ["conv_good"]


@pytest.mark.parametrize("missing", [None, ""])
def test_missing_conversation_id(
    lake: Lake, read_table: ReadTable, read_quarantine: ReadTable, missing: str | None
) -> None:
    nameless = _detail("x")
    nameless["conversation_id"] = missing
    write_part(lake, DAY, 1, [nameless, _detail("conv_named")])
    publish_day(lake, DAY)
    row = _only_row(read_quarantine)
    assert (row["reason"], row["conversation_id"], row["raw_line"]) == (
        "missing conversation_id",
        None,
        1,
    )
    assert read_table("conversations")["conversation_id"].to_list() == ["conv_named"]


def test_not_a_json_object(lake: Lake, read_quarantine: ReadTable) -> None:
    write_raw_lines(lake, PART_1, [b"[1, 2]", as_received(_detail("conv_a"))])
    publish_day(lake, DAY)
    assert _only_row(read_quarantine)["reason"] == "not a JSON object but array"


def test_rejected_details(lake: Lake, read_table: ReadTable, read_quarantine: ReadTable) -> None:
    rejected = {"conversation_id": "conv_html", "reason": "not JSON", "body": "<html>oops</html>"}
    write_rejected(lake, DAY, 2, [rejected])
    write_part(lake, DAY, 1, [_detail("conv_a")])
    publish = publish_day(lake, DAY)
    assert _only_row(read_quarantine) == {
        "table": "conversations",
        "conversation_id": "conv_html",
        "reason": "rejected by ingestion: not JSON",
        "raw_path": f"{PARTS}/rejected-00000002.ndjson.zst",
        "raw_line": 1,
        "raw_item": None,
        "excerpt": "<html>oops</html>",
    }
    assert publish.records_seen == 2
    assert read_table("conversations").height == 1


def test_truncated_zstd_file_keeps_the_lines_before_the_break(
    lake: Lake, read_table: ReadTable, read_quarantine: ReadTable
) -> None:
    details = []
    for i in range(60):
        detail = _detail(f"conv_{i:03d}")
        detail["analysis"]["transcript_summary"] = os.urandom(3000).hex()  # incompressible
        details.append(as_received(detail))
    whole = ndjson_zst(details)
    lake.write_bytes(PART_1, whole[: len(whole) * 2 // 3])
    publish_day(lake, DAY)
    row = _only_row(read_quarantine)
    kept = read_table("conversations")["conversation_id"].to_list()
    assert (
        row["reason"] == "truncated zstd file part-00000001.ndjson.zst: the stream ends mid-frame"
    )
    assert row["conversation_id"] is None
    assert 0 < len(kept) < 60
    assert kept == [f"conv_{i:03d}" for i in range(len(kept))]
    assert row["raw_line"] == len(kept) + 1  # the first line lost


def test_corrupt_zstd_file_is_named(lake: Lake, read_quarantine: ReadTable) -> None:
    frame = bytearray(ndjson_zst([as_received(_detail("conv_a"))]))
    frame[20:60] = bytes(40)
    lake.write_bytes(PART_1, bytes(frame))
    publish_day(lake, DAY)
    reasons = read_quarantine("conversations")["reason"].to_list()
    assert any("part-00000001.ndjson.zst" in reason for reason in reasons)


def test_bad_list_item_costs_only_itself(
    lake: Lake, read_table: ReadTable, read_quarantine: ReadTable
) -> None:
    page = sample("conversations_list_page.json")
    page["conversations"][1]["call_duration_secs"] = "twelve"
    page["conversations"][2]["start_time_unix_secs"] = None
    write_listing(lake, DAY, [page])
    publish_day(lake, DAY)
    rows = read_quarantine("conversations").sort("raw_item").to_dicts()
    assert [(r["raw_line"], r["raw_item"], r["conversation_id"]) for r in rows] == [
        (1, 1, "conv_01k05x1a2b3c4d5e6f7g8h9j0k"),
        (1, 2, "conv_01k05w9z8y7x6w5v4t3s2r1q0p"),
    ]
    assert rows[0]["reason"] == 'call_duration_secs: expected a number, got string "twelve"'
    assert rows[1]["reason"] == "no readable start time (start_time_unix_secs or started_at)"
    assert '"conversation_id": "conv_01k05w9z8y7x6w5v4t3s2r1q0p"' in rows[1]["excerpt"]
    assert read_table("conversations")["conversation_id"].to_list() == [
        "conv_01k05y7r2d9e8f7g6h5j4k3m2n"
    ]


def test_a_quarantined_detail_leaves_its_list_item(
    lake: Lake, read_table: ReadTable, read_quarantine: ReadTable
) -> None:
    write_listing(lake, DAY, [sample("conversations_list_page.json")])
    bad = sample("conversation_detail.json")
    bad["metadata"]["cost"] = 3.5
    write_part(lake, DAY, 1, [bad])
    publish_day(lake, DAY)
    row = _only_row(read_quarantine)
    assert row["reason"] == "metadata.cost: expected a whole number, got number 3.5"
    conversation = read_table("conversations").filter(
        conversation_id="conv_01k05y7r2d9e8f7g6h5j4k3m2n"
    )
    assert conversation["has_details"].to_list() == [False]
    assert conversation["duration_secs"].to_list() == [187.0]  # from the list item
    assert read_table("transcript_turns").height == 0


@pytest.mark.parametrize(
    "line",
    [
        b'{"conversation_id": "c", "metadata": {"cost": NaN}}',
        b'{"conversation_id": "c", "status": "\xff\xfe"}',
        b'{"conversation_id": "c", "x": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        b'{"conversation_id": "c", "transcript": {"role": "user"}}',
        b'{"conversation_id": "c", "analysis": {"evaluation_criteria_results": [1]}}',
    ],
    ids=["nan", "invalid-utf8", "deep-nesting", "object-for-list", "list-for-map"],
)
def test_hostile_lines_never_crash_the_partition(
    lake: Lake, read_table: ReadTable, read_quarantine: ReadTable, line: bytes
) -> None:
    write_raw_lines(lake, PART_1, [line, as_received(_detail("conv_ok"))])
    publish_day(lake, DAY)
    assert read_quarantine("conversations")["raw_line"].to_list() == [1]
    assert read_table("conversations")["conversation_id"].to_list() == ["conv_ok"]


def test_blank_lines_keep_line_numbers(lake: Lake, read_quarantine: ReadTable) -> None:
    write_raw_lines(lake, PART_1, [as_received(_detail("a")), b"", b"  ", b"{nope"])
    publish_day(lake, DAY)
    assert _only_row(read_quarantine)["raw_line"] == 4


def test_stale_quarantine_file_is_removed(lake: Lake, read_quarantine: ReadTable) -> None:
    write_raw_lines(lake, PART_1, [b"{nope", as_received(_detail("a"))])
    publish_day(lake, DAY)
    assert read_quarantine("conversations").height == 1
    write_part(lake, DAY, 1, [_detail("a")])
    publish_day(lake, DAY)
    assert not lake.path(quarantine_path("conversations", DAY)).exists()


def test_quarantine_file_has_the_declared_schema(lake: Lake, read_quarantine: ReadTable) -> None:
    write_raw_lines(lake, PART_1, [b"{nope"])
    publish_day(lake, DAY)
    assert read_quarantine("conversations").schema == QUARANTINE.schema
    assert read_quarantine("conversations")["start_date"].to_list() == [DAY]


def test_compressed_garbage_instead_of_zstd(lake: Lake, read_quarantine: ReadTable) -> None:
    lake.write_bytes(PART_1, b"this is not zstd at all")
    publish_day(lake, DAY)
    row = _only_row(read_quarantine)
    assert "part-00000001.ndjson.zst" in str(row["reason"])
    assert row["raw_line"] == 1


def test_reader_isolates_each_bad_line_among_many(lake: Lake, read_table: ReadTable) -> None:
    good = [as_received(_detail(f"conv_{i:03d}")) for i in range(100)]
    lines = copy.copy(good)
    for index in (0, 33, 34, 99):
        lines[index] = b"{broken " + str(index).encode()
    write_raw_lines(lake, PART_1, lines)
    published = publish_day(lake, DAY)
    assert published.quarantined["conversations"] == 4
    kept = read_table("conversations")["conversation_id"].to_list()
    assert kept == [f"conv_{i:03d}" for i in range(100) if i not in (0, 33, 34, 99)]
    quarantined = pl.read_parquet(lake.path(quarantine_path("conversations", DAY)))
    assert quarantined["raw_line"].to_list() == [1, 34, 35, 100]

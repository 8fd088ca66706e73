"""The DuckDB reader of conversation details gives exactly what polars alone gives: the same
rows, the same quarantine rows and reasons, for every kind of value DuckDB reads leniently."""

from __future__ import annotations

import dataclasses
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from assets.normalised import raw_shapes
from assets.normalised.fast_read import MAX_OBJECT_BYTES, guard_pattern
from assets.normalised.read_raw import read_records
from pipelines.lake import Lake, date_partition
from tests.normalised.conftest import DAY
from tests.normalised.raw_lake import as_received, sample, write_raw_lines

PART = f"{date_partition('raw/conversations', DAY)}/part-00000001.ndjson.zst"
POLARS_ONLY = dataclasses.replace(raw_shapes.DETAIL, fast=None)


def _detail(conversation_id: str) -> bytes:
    body = sample("conversation_detail.json")
    body["conversation_id"] = conversation_id
    return as_received(body)


def _changed(conversation_id: str, old: bytes, new: bytes) -> bytes:
    line = _detail(conversation_id)
    assert old in line
    return line.replace(old, new, 1)


def _canonical(text: str) -> str:
    """An object's JSON text spaced one way; any other text as it is."""
    return json.dumps(json.loads(text), sort_keys=True) if text.startswith("{") else text


def _read(lake: Lake, shape: raw_shapes.RawShape) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The records and quarantine of the part; data collection items, raw JSON objects that
    DuckDB writes compactly and polars as sent, are spaced alike (only JSON functions read
    them: the published tables are byte-identical)."""
    records = read_records(
        lake, lake.path(PART), shape, table="conversations", ids=("conversation_id",)
    )
    field = pl.col("analysis").struct.field("data_collection_results")
    canonical = field.map.values().list.eval(
        pl.element().map_elements(_canonical, return_dtype=pl.String())
    )
    items = records.frame.select(
        "raw_line", pl.when(field.map.len() > 0).then(canonical).alias("items")
    )
    frame = records.frame.with_columns(
        pl.col("analysis").struct.with_fields(
            pl.field("data_collection_results").map.keys().alias("data_collection_results")
        )
    )
    return pl.concat([frame, items.drop("raw_line")], how="horizontal"), records.quarantine


LENIENT = {
    "string-for-number": (b'"call_duration_secs": ', b'"call_duration_secs": "5", "x": '),
    "boolean-for-number": (b'"call_duration_secs": ', b'"call_duration_secs": true, "x": '),
    "number-for-boolean": (b'"has_audio": ', b'"has_audio": 1, "x": '),
    "fraction-for-whole": (b'"cost": ', b'"cost": 1.5, "x": '),
    "whole-as-float": (b'"cost": ', b'"cost": 2.0, "x": '),
    "string-for-flag": (b'"has_audio": ', b'"has_audio": "true", "x": '),
    "nan": (b'"call_duration_secs": ', b'"call_duration_secs": NaN, "x": '),
    "infinity-elsewhere": (b'"status": ', b'"ignored": -Infinity, "status": '),
    "trailing-comma": (b'"status": ', b'"ignored": [1, 2,], "status": '),
    "escaped-key": (
        b'"call_duration_secs": ',
        b'"call_duration_secs": 1, "c\\u006fst": "9", "x": ',
    ),
    "huge-exponent": (b'"call_duration_secs": ', b'"call_duration_secs": 1e400, "x": '),
    "huge-whole": (b'"cost": ', b'"cost": 99999999999999999999, "x": '),
    "object-for-text": (b'"status": ', b'"status": {"a": [1, 2]}, "x": '),
    "number-for-text": (b'"status": ', b'"status": 1e5, "x": '),
    "feedback-score-text": (b'"status": ', b'"feedback": {"score": "like"}, "status": '),
    "duplicate-key": (b'"status": ', b'"status": "x", "status": '),
    "deep-nesting": (b'"status": ', b'"ignored": ' + b"[" * 1100 + b"]" * 1100 + b', "status": '),
}


@pytest.mark.parametrize("change", LENIENT.values(), ids=LENIENT.keys())
def test_duckdb_reads_as_polars_does(lake: Lake, change: tuple[bytes, bytes]) -> None:
    lines = [_detail("conv_a"), _changed("conv_b", *change), _detail("conv_c")]
    write_raw_lines(lake, PART, lines)
    fast, fast_quarantine = _read(lake, raw_shapes.DETAIL)
    slow, slow_quarantine = _read(lake, POLARS_ONLY)
    assert_frame_equal(fast, slow)
    assert_frame_equal(fast_quarantine, slow_quarantine)


def test_data_collection_values_that_are_not_objects(lake: Lake) -> None:
    """Raw JSON kept as text reads the same both ways when it is no object (arrays, numbers)."""
    body = json.loads(_detail("conv_a"))
    body["analysis"]["data_collection_results"] = {"a": [1, 2], "b": 1e5, "c": "text"}
    write_raw_lines(lake, PART, [as_received(body), _detail("conv_b")])
    fast, _ = _read(lake, raw_shapes.DETAIL)
    slow, _ = _read(lake, POLARS_ONLY)
    assert_frame_equal(fast, slow)


def test_the_guard_clears_ordinary_details() -> None:
    """Real-shaped details pass the guard, so DuckDB reads them (the guard costs no speed)."""
    lines = pl.Series([_detail("conv_a").decode()])
    assert not lines.str.contains(guard_pattern(raw_shapes.DETAIL.schema)).any()


def test_a_numeric_string_in_a_field_that_is_text_elsewhere(lake: Lake) -> None:
    """`score` is text in turn feedback and a number in evaluation results."""
    body = json.loads(_detail("conv_a"))
    criteria = body["analysis"]["evaluation_criteria_results"]
    next(iter(criteria.values()))["score"] = "0.5"
    write_raw_lines(lake, PART, [as_received(body), _detail("conv_b")])
    fast, fast_quarantine = _read(lake, raw_shapes.DETAIL)
    slow, slow_quarantine = _read(lake, POLARS_ONLY)
    assert_frame_equal(fast, slow)
    assert_frame_equal(fast_quarantine, slow_quarantine)
    assert fast_quarantine["conversation_id"].to_list() == ["conv_a"]


def test_a_detail_larger_than_duckdbs_object_limit(lake: Lake) -> None:
    """A line over `MAX_OBJECT_BYTES` reads as polars reads it: the limit costs no data."""
    body = json.loads(_detail("conv_big"))
    body["transcript"][0]["message"] = "x" * (MAX_OBJECT_BYTES + 1024)
    write_raw_lines(lake, PART, [_detail("conv_a"), as_received(body), _detail("conv_c")])
    fast, fast_quarantine = _read(lake, raw_shapes.DETAIL)
    slow, _ = _read(lake, POLARS_ONLY)
    assert_frame_equal(fast, slow)
    assert fast["conversation_id"].to_list() == ["conv_a", "conv_big", "conv_c"]
    assert fast_quarantine.is_empty()

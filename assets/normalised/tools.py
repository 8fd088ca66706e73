"""The tool_calls table: one row per tool call, joined to its result by request_id.

Real transcripts often put a call and its result in consecutive turns (both with a null
message), so results are matched across the whole conversation, not within the turn.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from assets.normalised.schemas import TOOL_CALLS
from assets.normalised.turns import TURN

_KEY = ("conversation_id", "request_id")


def _entries(turns: pl.DataFrame, field: str, turn_index: str) -> pl.DataFrame:
    """One row per entry of the turn list `field`, unnested, with its turn's index."""
    return (
        turns.select(
            "conversation_id",
            pl.col("turn_index").alias(turn_index),
            pl.col(TURN).struct.field(field).alias(field),
        )
        .explode(field, keep_nulls=False)
        .unnest(field)
    )


def _first_results(turns: pl.DataFrame) -> pl.DataFrame:
    """Each request's first result in transcript order (a repeated result is ignored)."""
    results = _entries(turns, "tool_results", "result_turn_index")
    system_kind = pl.col("result_value").str.json_path_match("$.result_type")
    return (
        results.filter(pl.col("request_id").is_not_null())
        .filter(pl.struct(*_KEY).is_first_distinct())
        .select(
            *_KEY,
            "result_turn_index",
            result_tool_type=pl.col("type"),
            is_error="is_error",
            error_type="error_type",
            latency_secs="tool_latency_secs",
            # System results carry `result.result_type`; older ones only a JSON `result_value`.
            result_type=pl.coalesce(
                pl.col("result").struct.field("result_type"),
                pl.when(pl.col("type") == "system").then(system_kind),
            ),
            result_value="result_value",
        )
    )


def tool_calls(turns: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The tool_calls table from exploded turns (in conversation and turn order)."""
    calls = _entries(turns, "tool_calls", "call_turn_index")
    joined = calls.join(_first_results(turns), on=list(_KEY), how="left", maintain_order="left")
    has_result = pl.col("result_turn_index").is_not_null()
    return TOOL_CALLS.conform(
        joined.select(
            "conversation_id",
            start_date=pl.lit(day),
            request_id="request_id",
            tool_name="tool_name",
            # Older calls carry no `type`; their result may.
            tool_type=pl.coalesce(pl.col("type"), pl.col("result_tool_type")),
            tool_id="tool_id",
            call_turn_index="call_turn_index",
            result_turn_index="result_turn_index",
            params_json="params_as_json",
            has_result=has_result,
            is_error=pl.when(has_result).then(pl.col("is_error")),
            error_type="error_type",
            latency_secs="latency_secs",
            result_type="result_type",
            result_value="result_value",
        )
    )

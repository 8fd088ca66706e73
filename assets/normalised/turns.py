"""The transcript_turns table: one row per transcript entry, in the order the API sent them."""

from __future__ import annotations

import datetime as dt

import polars as pl

from assets.normalised.raw_shapes import TURN_METRIC_NAMES
from assets.normalised.schemas import TRANSCRIPT_TURNS
from assets.normalised.tolerant import turn_metric, utc_from_unix_ms

TURN = "turn"
_turn = pl.col(TURN).struct.field
_tokens = pl.element().struct.field
_INPUT_KINDS = ("input", "input_cache_read", "input_cache_write")
_ALL_KINDS = (*_INPUT_KINDS, "output_total")


def exploded(details: pl.DataFrame) -> pl.DataFrame:
    """`conversation_id`, `turn_index` (from 0, as sent) and the `turn` struct, one row a turn."""
    return details.select(
        "conversation_id",
        pl.col("transcript").alias(TURN),
        pl.int_ranges(pl.col("transcript").list.len(), dtype=pl.Int32).alias("turn_index"),
    ).explode(TURN, "turn_index", keep_nulls=False)


def _usage_sum(kinds: tuple[str, ...], field: str) -> pl.Expr:
    """`field` (tokens or price) summed over the models of `llm_usage` and the token `kinds`.

    `model_usage` is a map keyed by model id: ids such as `gemini-2.5-flash` contain dots,
    so the models are read as map values, never as dotted paths.
    """
    per_model = pl.sum_horizontal(_tokens(kind).struct.field(field) for kind in kinds)
    usage = _turn("llm_usage").struct.field("model_usage").map.values()
    return usage.list.eval(per_model).list.sum()


USER_MESSAGES = pl.Schema({"conversation_id": pl.String(), "message": pl.String()})
_METRIC_COLUMNS = dict(
    zip(("llm_ttfb_secs", "llm_ttf_sentence_secs", "tts_ttfb_secs"), TURN_METRIC_NAMES, strict=True)
)


def transcript_turns(turns: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The transcript_turns table from `exploded` turns (already in conversation order)."""
    metrics = _turn("conversation_turn_metrics")
    return TRANSCRIPT_TURNS.conform(
        turns.select(
            "conversation_id",
            start_date=pl.lit(day),
            turn_index="turn_index",
            role=_turn("role"),
            message=_turn("message"),
            original_message=_turn("original_message"),
            time_in_call_secs=pl.coalesce(_turn("time_in_call_secs"), _turn("timestamp")),
            created_at=utc_from_unix_ms(_turn("created_at_unix_ms")),
            interrupted=_turn("interrupted"),
            source_medium=_turn("source_medium"),
            **{column: turn_metric(metrics, name) for column, name in _METRIC_COLUMNS.items()},
            feedback_score=_turn("feedback").struct.field("score"),
            tool_call_count=_turn("tool_calls").list.len().fill_null(0),
            tool_result_count=_turn("tool_results").list.len().fill_null(0),
            llm_input_tokens=_usage_sum(_INPUT_KINDS, "tokens"),
            llm_output_tokens=_usage_sum(("output_total",), "tokens"),
            llm_price_usd=_usage_sum(_ALL_KINDS, "price"),
            rag_latency_secs=_turn("rag_retrieval_info").struct.field("rag_latency_secs"),
        )
    )


def user_messages(turns_table: pl.DataFrame) -> pl.DataFrame:
    """`conversation_id` and `message` of the user turns that carry text (null ones dropped),
    from rows of the transcript_turns table."""
    said = (pl.col("role") == "user") & pl.col("message").is_not_null()
    return turns_table.filter(said).select("conversation_id", "message")

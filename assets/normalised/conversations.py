"""The conversations table: one row per conversation, from its detail and its list item.

The detail wins for the fields both carry; the list item supplies the fields only it has
(sentiment, rating, direction, ...) and stands alone for a conversation without a detail yet.
Each field is read from every name it has in either dialect.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from assets.normalised import sentiment
from assets.normalised.schemas import CONVERSATIONS
from assets.normalised.tolerant import (
    english_or_unknown,
    is_final,
    outcome_from_seed_flag,
    success_flag,
    utc_from_unix_secs,
)

_metadata = pl.col("metadata").struct.field
_analysis = pl.col("analysis").struct.field


def _role_count(role: str) -> pl.Expr:
    """Transcript entries by `role` (null when the detail has no transcript)."""
    is_role = (pl.element().struct.field("role") == role).cast(pl.Int32)
    return pl.col("transcript").list.eval(is_role).list.sum()


_SEED_DETAIL = (
    _analysis("successful").is_not_null()
    | _analysis("summary").is_not_null()
    | _analysis("sentiment").is_not_null()
    | pl.col("status").is_in(["active", "completed"])
    | pl.col("transcript")
    .list.eval(pl.element().struct.field("timestamp").is_not_null())
    .list.any()
)
_REAL_DETAIL = (
    _metadata("start_time_unix_secs").is_not_null()
    | _analysis("call_successful").is_not_null()
    | _analysis("transcript_summary").is_not_null()
)
_SEED_ITEM = pl.col("started_at").is_not_null() | pl.col("duration_seconds").is_not_null()
_REAL_ITEM = (
    pl.col("start_time_unix_secs").is_not_null() | pl.col("call_duration_secs").is_not_null()
)


def _dialect(seed_markers: pl.Expr, real_markers: pl.Expr) -> pl.Expr:
    """`elevenlabs` if a real-API field is present, `seed` if only seed fields are, else null."""
    return (
        pl.when(real_markers.fill_null(False))
        .then(pl.lit("elevenlabs"))
        .when(seed_markers.fill_null(False))
        .then(pl.lit("seed"))
    )


# Fields a detail and a list item can both carry: read from each side, the detail wins.
_FROM_DETAIL: dict[str, pl.Expr] = {
    "agent_id": pl.col("agent_id"),
    "agent_name": pl.col("agent_name"),
    "start_time": utc_from_unix_secs(_metadata("start_time_unix_secs")),
    "status": pl.col("status"),
    "duration_secs": _metadata("call_duration_secs"),
    "call_successful": pl.coalesce(
        _analysis("call_successful"), outcome_from_seed_flag(_analysis("successful"))
    ),
    "call_success_score": _analysis("call_success_score"),
    "api_sentiment_label": _analysis("sentiment"),
    "message_count": pl.col("transcript").list.len().cast(pl.Int32),
    "user_turns": _role_count("user"),
    "agent_turns": _role_count("agent"),
    "termination_reason": _metadata("termination_reason"),
    "main_language": _metadata("main_language"),
    "summary": pl.coalesce(_analysis("transcript_summary"), _analysis("summary")),
    "summary_title": _analysis("call_summary_title"),
    "cost_credits": _metadata("cost"),
    "cost_usd": _metadata("cost_fiat"),
    "direction": _metadata("phone_call").struct.field("direction"),
    "initiation_source": _metadata("conversation_initiation_source"),
    "rating": _metadata("feedback").struct.field("rating"),
    "dialect": _dialect(_SEED_DETAIL, _REAL_DETAIL),
}
_sentiment = pl.col("sentiment_analysis").struct.field
_FROM_LIST: dict[str, pl.Expr] = {
    "agent_id": pl.col("agent_id"),
    "agent_name": pl.col("agent_name"),
    "start_time": pl.col("listed_start"),
    "status": pl.col("status"),
    "duration_secs": pl.coalesce(pl.col("call_duration_secs"), pl.col("duration_seconds")),
    "call_successful": pl.col("call_successful"),
    "call_success_score": pl.col("call_success_score"),
    "api_sentiment_label": _sentiment("overall_label"),
    "message_count": pl.col("message_count").cast(pl.Int32),
    "user_turns": pl.col("user_message_count").cast(pl.Int32),
    "agent_turns": pl.col("agent_message_count").cast(pl.Int32),
    "termination_reason": pl.col("termination_reason"),
    "main_language": pl.col("main_language"),
    "summary": pl.col("transcript_summary"),
    "summary_title": pl.col("call_summary_title"),
    "cost_credits": pl.col("cost"),
    "cost_usd": pl.col("cost_fiat"),
    "direction": pl.col("direction"),
    "initiation_source": pl.col("conversation_initiation_source"),
    "rating": pl.col("rating"),
    "dialect": _dialect(_SEED_ITEM, _REAL_ITEM),
}
_DETAIL_ONLY: dict[str, pl.Expr] = {
    "llm_cost_usd": _metadata("charging").struct.field("llm_price"),
    "feedback_score": _metadata("feedback").struct.field("overall_score"),
    "text_only": _metadata("text_only"),
    "error_code": _metadata("error").struct.field("code"),
    "user_id": pl.coalesce(
        pl.col("user_id"), pl.col("conversation_initiation_client_data").struct.field("user_id")
    ),
    "reported_audio": pl.col("has_audio"),
    "has_details": pl.lit(True),
}
_LIST_ONLY: dict[str, pl.Expr] = {
    "api_sentiment_score": _sentiment("overall_sentiment_score"),
    "frustration_score": _sentiment("overall_frustration_score"),
}
_LISTED = "_listed"

API_SENTIMENT_SENT = (
    pl.col("api_sentiment_label").is_not_null() | pl.col("api_sentiment_score").is_not_null()
)
NEEDS_LEXICON = ~API_SENTIMENT_SENT & english_or_unknown(pl.col("main_language"))


def detail_side(details: pl.DataFrame) -> pl.DataFrame:
    """The conversation-level fields of detail records, under their table names."""
    return details.select("conversation_id", **_FROM_DETAIL, **_DETAIL_ONLY)


def list_side(listed: pl.DataFrame) -> pl.DataFrame:
    """The conversation-level fields of list items, under the same names."""
    return listed.select("conversation_id", **_FROM_LIST, **_LIST_ONLY)


def merged(from_detail: pl.DataFrame, from_list: pl.DataFrame) -> pl.DataFrame:
    """One row per conversation known from a detail or a list item, shared fields resolved."""
    joined = from_detail.join(
        from_list, on="conversation_id", how="full", coalesce=True, suffix=_LISTED
    )
    return joined.select(
        "conversation_id",
        *(pl.coalesce(name, f"{name}{_LISTED}").alias(name) for name in _FROM_DETAIL),
        *_DETAIL_ONLY,
        *_LIST_ONLY,
    ).with_columns(pl.col("has_details").fill_null(False))


def conversations(
    merged_rows: pl.DataFrame,
    recordings: pl.DataFrame,
    lexicon: pl.DataFrame,
    day: dt.date,
) -> pl.DataFrame:
    """The conversations table, from `merged` rows, the day's recordings and lexicon scores."""
    api_sent = API_SENTIMENT_SENT
    score = pl.when(api_sent).then(pl.col("api_sentiment_score")).otherwise(pl.col("lexicon_score"))
    outcome = pl.col("call_successful").fill_null("unknown")
    has_file = pl.col("audio_path").is_not_null()
    rows = (
        merged_rows.join(recordings, on="conversation_id", how="left")
        .join(lexicon, on="conversation_id", how="left")
        .with_columns(
            start_date=pl.lit(day),
            dialect=pl.col("dialect").fill_null("elevenlabs"),
            is_final=is_final(pl.col("status")),
            call_successful=outcome,
            success=success_flag(outcome),
            sentiment_score=score,
            sentiment_label=pl.when(api_sent)
            .then(pl.col("api_sentiment_label"))
            .otherwise(sentiment.label(pl.col("lexicon_score"))),
            sentiment_source=pl.when(api_sent)
            .then(pl.lit("api"))
            .when(pl.col("lexicon_score").is_not_null())
            .then(pl.lit("lexicon")),
            has_audio=pl.when(has_file)
            .then(True)
            .when(pl.col("has_details"))
            .then(pl.col("reported_audio").fill_null(False)),
        )
    )
    return CONVERSATIONS.conform(rows).sort("conversation_id")

"""Sentiment by the design rule: the API's when sent, else VADER on the caller's own words.

VADER is per-text Python, so it runs only for conversations that need it (no API sentiment,
English or unknown language) and only once per distinct message text.
"""

from __future__ import annotations

import functools
from concurrent.futures import Executor

import polars as pl
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from assets.normalised.workers import started

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def compound(text: str) -> float | None:
    """VADER's compound score of one message; None for a blank one (it does not count)."""
    if not text.strip():
        return None
    return float(_analyzer().polarity_scores(text)["compound"])


def compounds(texts: list[str]) -> list[float | None]:
    """`compound` of each text (a unit of work for worker processes)."""
    return [compound(text) for text in texts]


def label(score: pl.Expr) -> pl.Expr:
    """positive at or above 0.05, negative at or below -0.05, neutral between, null for null."""
    return (
        pl.when(score >= POSITIVE_AT)
        .then(pl.lit("positive"))
        .when(score <= NEGATIVE_AT)
        .then(pl.lit("negative"))
        .when(score.is_not_null())
        .then(pl.lit("neutral"))
    )


def lexicon_scores(user_messages: pl.DataFrame, pool: Executor) -> pl.DataFrame:
    """Mean compound score per conversation over its non-blank user messages.

    `user_messages` has `conversation_id` and `message` (user turns, nulls dropped); each
    distinct text is scored once. Conversations whose messages are all blank get no row.
    """
    texts = user_messages.get_column("message").unique(maintain_order=True)
    scores = pl.DataFrame(
        {"message": texts, "compound": started(pool, compounds, texts.to_list())()},
        schema={"message": pl.String(), "compound": pl.Float64()},
    )
    return (
        user_messages.join(scores, on="message", how="inner")
        .group_by("conversation_id")
        .agg(pl.col("compound").mean().alias("lexicon_score"))
        .drop_nulls("lexicon_score")
    )

"""Tolerant field readers as polars expressions, each named for the real cases it absorbs."""

from __future__ import annotations

import polars as pl

from assets.normalised.schemas import UTC_TIME

_MICROS = 1_000_000
FINAL_STATUSES = ("done", "failed", "completed")
_ENGLISH = r"(?i)^en(?:[-_].*)?$"


def utc_from_unix_secs(seconds: pl.Expr) -> pl.Expr:
    """Unix seconds (the real API's `*_unix_secs`: integers, tolerated as floats) as UTC time."""
    return (seconds * _MICROS).round().cast(pl.Int64).cast(UTC_TIME)


def utc_from_unix_ms(millis: pl.Expr) -> pl.Expr:
    """Unix milliseconds (`created_at_unix_ms` on newer transcript turns) as UTC time."""
    return (millis * 1_000).cast(UTC_TIME)


def utc_from_iso(text: pl.Expr) -> pl.Expr:
    """An ISO-8601 date-time (the seed's `started_at`, `created_at`) as UTC time, else null.

    Covers `Z` and `+HH:MM` offsets, fractions of a second, and a space instead of `T`; a
    value without an offset is taken as UTC.
    """
    with_offset = text.str.to_datetime("%+", time_zone="UTC", time_unit="us", strict=False)
    naive = (
        text.str.replace(" ", "T", literal=True)
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False)
        .dt.replace_time_zone("UTC")
    )
    return pl.coalesce(with_offset, naive)


def outcome_from_seed_flag(successful: pl.Expr) -> pl.Expr:
    """The seed's boolean `analysis.successful` as the real API's success/failure (null stays)."""
    return pl.when(successful).then(pl.lit("success")).when(~successful).then(pl.lit("failure"))


def success_flag(call_successful: pl.Expr) -> pl.Expr:
    """True for success, false for failure, null for unknown or any other value."""
    return (
        pl.when(call_successful == "success")
        .then(True)
        .when(call_successful == "failure")
        .then(False)
        .otherwise(None)
    )


def is_final(status: pl.Expr) -> pl.Expr:
    """Status is final: done or failed (seed: completed or failed); unknown values are not."""
    return status.is_in(FINAL_STATUSES).fill_null(False)


def english_or_unknown(language: pl.Expr) -> pl.Expr:
    """Main language is English (`en`, `en-XX`, `en_XX`, any case) or not known (null, empty)."""
    return language.is_null() | (language == "") | language.str.contains(_ENGLISH)


def turn_metric(metrics: pl.Expr, name: str) -> pl.Expr:
    """Elapsed seconds of one `conversation_turn_metrics` entry, with or without the wrapper.

    The SDK and real captures nest the entries under `metrics`; the post-call webhook docs put
    them at the top level of the object.
    """
    wrapped = metrics.struct.field("metrics").struct.field(name)
    bare = metrics.struct.field(name)
    return pl.coalesce(wrapped, bare).struct.field("elapsed_time")

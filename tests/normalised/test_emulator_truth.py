"""Emulator days, fetched over HTTP into a raw lake of the architecture.md format, normalised,
and compared with the emulator's ground truth: design.md's per-agent-day measures computed
from our conversations table must equal it (counts exactly, floats within 1e-9), in both
dialects and over several seeds. The fetching here is deliberately plain (no retries, no
concurrency): the ingestion layer's own client is tested on its own."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import httpx
import polars as pl
import pytest

from assets.normalised.partition import publish_day
from assets.normalised.publish import table_path
from emulator import EmulatorConfig, running_emulator
from pipelines.lake import Lake, date_partition
from tests.normalised.raw_lake import JSON, write_listing, write_part

TODAY = dt.date(2025, 7, 16)
CONVERSATIONS = "/v1/convai/conversations"


def _midnight(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())


def _listing(client: httpx.Client, day: dt.date, dialect: str) -> list[JSON]:
    """Every list page of `day` as the raw assets fetch them."""
    params: dict[str, Any] = {"page_size": 100}
    if dialect == "elevenlabs":
        params |= {
            "call_start_after_unix": _midnight(day),
            "call_start_before_unix": _midnight(day + dt.timedelta(days=1)),
        }
    pages: list[JSON] = []
    while True:
        page: JSON = client.get(CONVERSATIONS, params=params).raise_for_status().json()
        pages.append(page)
        starts = [_start(item) for item in page["conversations"]]
        past_the_day = dialect == "seed" and any(s < _midnight(day) for s in starts)
        if not page.get("has_more") or past_the_day:
            return pages
        params["cursor"] = page["next_cursor"]


def _start(item: JSON) -> float:
    if "start_time_unix_secs" in item:
        return float(item["start_time_unix_secs"])
    return dt.datetime.fromisoformat(item["started_at"]).timestamp()


def _fetch_day(client: httpx.Client, lake: Lake, day: dt.date, dialect: str) -> None:
    pages = _listing(client, day, dialect)
    write_listing(lake, day, pages)
    details = []
    for page in pages:
        for item in page["conversations"]:
            if not (_midnight(day) <= _start(item) < _midnight(day + dt.timedelta(days=1))):
                continue
            conversation_id = item["conversation_id"]
            detail = client.get(f"{CONVERSATIONS}/{conversation_id}").raise_for_status().json()
            details.append(detail)
            if detail.get("has_audio"):
                audio = client.get(f"{CONVERSATIONS}/{conversation_id}/audio")
                relative = f"{date_partition('audio', day)}/{conversation_id}.mp3"
                lake.write_bytes(relative, audio.raise_for_status().content)
    write_part(lake, day, 1, details)


def _measures(conversations: pl.DataFrame) -> pl.DataFrame:
    """design.md's agent_daily_metrics measures, from our conversations table."""
    final = pl.col("is_final")
    duration = pl.col("duration_secs").filter(final)
    label = pl.col("sentiment_label").filter(final)
    cost = pl.col("cost_credits").filter(final)
    outcome = pl.col("call_successful").filter(final)
    return (
        conversations.group_by("agent_id", "start_date")
        .agg(
            conversations=final.sum(),
            in_progress=(~final).sum(),
            successful=(outcome == "success").sum(),
            failed=(outcome == "failure").sum(),
            unknown=final.sum() - (outcome == "success").sum() - (outcome == "failure").sum(),
            avg_duration_secs=duration.mean(),
            p50_duration_secs=duration.quantile(0.5, interpolation="linear"),
            p95_duration_secs=duration.quantile(0.95, interpolation="linear"),
            total_duration_secs=duration.sum(),
            positive=(label == "positive").sum(),
            neutral=(label == "neutral").sum(),
            negative=(label == "negative").sum(),
            avg_sentiment_score=pl.col("sentiment_score").filter(final).mean(),
            total_cost_credits=pl.when(cost.count() > 0).then(cost.sum()),
            any_final=final.any(),
        )
        .with_columns(
            success_rate=pl.col("successful")
            / pl.when(pl.col("successful") + pl.col("failed") > 0).then(
                pl.col("successful") + pl.col("failed")
            ),
            total_cost_credits=pl.when(pl.col("any_final"))
            .then(pl.col("total_cost_credits"))
            .otherwise(0),
        )
        .drop("any_final")
        .sort("agent_id", "start_date")
    )


def _same(ours: Any, truth: Any) -> bool:
    if isinstance(truth, float) and ours is not None:
        return abs(float(ours) - truth) < 1e-9
    return bool(ours == truth)


@pytest.mark.parametrize("dialect", ["elevenlabs", "seed"])
@pytest.mark.parametrize("seed", [1, 7, 42])
def test_normalised_days_match_the_emulator_ground_truth(
    lake: Lake, dialect: Literal["elevenlabs", "seed"], seed: int
) -> None:
    config = EmulatorConfig(
        seed=seed, agents=6, conversations_per_day=12, days=2, today=TODAY, dialect=dialect
    )
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as client:
        days = emulator.config.day_list()
        for day in days:
            _fetch_day(client, lake, day, dialect)
        truth = emulator.truth.agent_daily_metrics(days[0], days[-1])
    for day in days:
        published = publish_day(lake, day)
        assert sum(published.quarantined.values()) == 0
        assert published.rows == published.expected_rows
    conversations = pl.concat(
        pl.read_parquet(lake.path(table_path("conversations", day))) for day in days
    )
    ours = {(r["agent_id"], r["start_date"]): r for r in _measures(conversations).to_dicts()}
    assert sorted(ours) == [(t["agent_id"], t["start_date"]) for t in truth]
    for expected in truth:
        row = ours[(expected["agent_id"], expected["start_date"])]
        differences = {
            name: (row[name], value)
            for name, value in expected.items()
            if name not in ("agent_id", "agent_name", "start_date") and not _same(row[name], value)
        }
        assert differences == {}, (expected["agent_id"], expected["start_date"])
    if dialect == "elevenlabs":
        with_audio = conversations.filter(pl.col("audio_path").is_not_null())
        assert with_audio.height > 0
        gap = with_audio.select(
            (pl.col("audio_duration_secs") - pl.col("duration_secs")).abs().max()
        )
        assert gap.item() < 1e-6

"""The ground truth: hand-checked measures, the sentiment rule, and agreement with what an
independent reader computes (in DuckDB, by design.md's definitions) from the served responses
of both dialects; pending conversations, advancing and deletes."""

from __future__ import annotations

import calendar
import datetime as dt
import urllib.parse
from typing import Any

import duckdb
import httpx
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from emulator import AGENT_COLUMNS, AGENT_DAILY_COLUMNS, running_emulator
from emulator.config import Dialect
from emulator.sentiment import applies_to, label
from emulator.truth import Observed, measures, quantile_cont
from tests.emulator.conftest import TODAY, make_config

LIST = "/v1/convai/conversations"
DAY = dt.date(2025, 7, 1)
VADER = SentimentIntensityAnalyzer()


def _observed(
    final: bool, outcome: str, secs: float, score: float | None, cost: int | None
) -> Observed:
    sentiment = None if score is None else label(score)
    return Observed("a", "A", DAY, final, outcome, secs, sentiment, score, cost)


def test_measures_by_hand() -> None:
    rows = [
        _observed(True, "success", 10, 0.5, 5),
        _observed(True, "failure", 20, -0.5, None),
        _observed(True, "unknown", 30, None, 7),
        _observed(False, "unknown", 0, None, None),
    ]
    assert measures(rows) == {
        "conversations": 3,
        "in_progress": 1,
        "successful": 1,
        "failed": 1,
        "unknown": 1,
        "success_rate": 0.5,
        "avg_duration_secs": 20.0,
        "p50_duration_secs": 20.0,
        "p95_duration_secs": pytest.approx(29.0),
        "total_duration_secs": 60.0,
        "positive": 1,
        "neutral": 0,
        "negative": 1,
        "avg_sentiment_score": 0.0,
        "total_cost_credits": 12,
    }
    only_pending = measures([_observed(False, "unknown", 0, None, None)])
    assert (only_pending["conversations"], only_pending["in_progress"]) == (0, 1)
    assert only_pending["total_duration_secs"] == only_pending["total_cost_credits"] == 0
    assert only_pending["success_rate"] is only_pending["avg_duration_secs"] is None
    assert measures([_observed(True, "unknown", 5, None, None)])["total_cost_credits"] is None


def test_quantile_cont_interpolates() -> None:
    assert quantile_cont([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert quantile_cont([1.0, 2.0, 3.0, 4.0], 0.95) == pytest.approx(3.85)
    assert quantile_cont([7.0], 0.95) == 7.0
    assert quantile_cont([], 0.5) is None


def test_sentiment_rule() -> None:
    assert all(applies_to(code) for code in ("en", "EN", "en-US", "en_gb", None, ""))
    assert not any(applies_to(code) for code in ("de", "eng", "fr-en", "es"))
    assert (label(0.05), label(0.0499), label(-0.0499), label(-0.05)) == (
        "positive",
        "neutral",
        "neutral",
        "negative",
    )


def _unix(iso: str) -> int:
    return calendar.timegm(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).utctimetuple())


def _lexicon(messages: list[str], language: str | None) -> tuple[str | None, float | None]:
    texts = [m for m in messages if m]
    if not texts or not applies_to(language):
        return None, None
    score = sum(VADER.polarity_scores(t)["compound"] for t in texts) / len(texts)
    return label(score), score


def _read_served(http: httpx.Client, dialect: Dialect) -> list[tuple[Any, ...]]:
    """What a pipeline reads from the responses: one row per conversation."""
    rows, cursor = [], None
    while True:
        page = http.get(
            LIST, params={"page_size": 100, **({"cursor": cursor} if cursor else {})}
        ).json()
        for item in page["conversations"]:
            detail = http.get(
                f"{LIST}/{urllib.parse.quote(item['conversation_id'], safe='')}"
            ).json()
            users = [t["message"] for t in detail["transcript"] if t["role"] == "user"]
            if dialect == "elevenlabs":
                start, status = item["start_time_unix_secs"], item["status"]
                final = status in ("done", "failed")
                outcome, duration, cost = (
                    item["call_successful"],
                    item["call_duration_secs"],
                    item.get("cost"),
                )
                api = item.get("sentiment_analysis")
                if api:
                    sentiment = (api["overall_label"], api["overall_sentiment_score"])
                else:
                    sentiment = _lexicon(users, item.get("main_language"))
            else:
                start, final = _unix(item["started_at"]), item["status"] in ("completed", "failed")
                successful = (detail.get("analysis") or {}).get("successful")
                outcome = (
                    "unknown" if successful is None else ("success" if successful else "failure")
                )
                duration, cost = item["duration_seconds"], None
                api_label = (detail.get("analysis") or {}).get("sentiment")
                sentiment = (api_label, None) if api_label else _lexicon(users, None)
            day = dt.datetime.fromtimestamp(start, dt.UTC).date()
            rows.append((item["agent_id"], day, final, outcome, float(duration), *sentiment, cost))
        if not page["has_more"]:
            return rows
        cursor = page["next_cursor"]


_MEASURES_SQL = """
    count(*) filter (where is_final) as conversations,
    count(*) filter (where not is_final) as in_progress,
    count(*) filter (where is_final and outcome = 'success') as successful,
    count(*) filter (where is_final and outcome = 'failure') as failed,
    count(*) filter (where is_final and outcome not in ('success', 'failure')) as unknown,
    successful / nullif(successful + failed, 0) as success_rate,
    avg(duration) filter (where is_final) as avg_duration_secs,
    quantile_cont(duration, 0.5) filter (where is_final) as p50_duration_secs,
    quantile_cont(duration, 0.95) filter (where is_final) as p95_duration_secs,
    coalesce(sum(duration) filter (where is_final), 0) as total_duration_secs,
    count(*) filter (where is_final and label = 'positive') as positive,
    count(*) filter (where is_final and label = 'neutral') as neutral,
    count(*) filter (where is_final and label = 'negative') as negative,
    avg(score) filter (where is_final) as avg_sentiment_score,
    case when conversations = 0 then 0 else sum(cost) filter (where is_final) end
        as total_cost_credits
"""


def _reference(
    rows: list[tuple[Any, ...]],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    db = duckdb.connect()
    db.execute(
        "create table c (agent_id varchar, start_date date, is_final boolean, outcome varchar,"
        " duration double, label varchar, score double, cost bigint)"
    )
    db.executemany("insert into c values (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def fetch(sql: str) -> list[dict[str, Any]]:
        cursor = db.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    daily = fetch(f"select agent_id, start_date, {_MEASURES_SQL} from c group by all order by all")
    overall = fetch(f"select agent_id, {_MEASURES_SQL} from c group by all")
    return daily, {r["agent_id"]: r for r in overall}


def _same(expected: dict[str, Any], actual: dict[str, Any]) -> None:
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value), key
        else:
            assert actual[key] == value, key


@pytest.mark.parametrize("dialect", ["elevenlabs", "seed"])
def test_truth_matches_an_independent_reading(dialect: Dialect) -> None:
    config = make_config(seed=13, agents=6, conversations_per_day=6, days=3, dialect=dialect)
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        daily, overall = _reference(_read_served(http, dialect))
        config = emulator.config
        truth_daily = emulator.truth.agent_daily_metrics(config.first_day, config.last_day)
        truth_overall = emulator.truth.agent_metrics(config.first_day, config.last_day)
    assert [tuple(r) for r in truth_daily] == [AGENT_DAILY_COLUMNS] * len(truth_daily)
    assert [tuple(r) for r in truth_overall] == [AGENT_COLUMNS] * 6
    assert [(r["agent_id"], r["start_date"]) for r in truth_daily] == [
        (r["agent_id"], r["start_date"]) for r in daily
    ]
    for expected, actual in zip(daily, truth_daily, strict=True):
        _same(expected, actual)
    for row in truth_overall:
        _same(overall[row["agent_id"]], row)
    in_progress = sum(r["in_progress"] for r in truth_overall)
    assert in_progress == 6 * config.pending_per_agent
    if dialect == "seed":
        assert all(r["total_cost_credits"] is None for r in truth_overall)
    else:
        assert all(r["total_cost_credits"] for r in truth_overall)


def test_pending_conversations_finalise_on_advance() -> None:
    config = make_config(seed=17, pending_per_agent=3)
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        day = emulator.config.last_day
        before = emulator.truth.agent_daily_metrics(day, day)
        assert [r["in_progress"] for r in before] == [3, 3, 3]
        pending = [
            i
            for i in http.get(LIST).json()["conversations"]
            if i["status"] not in ("done", "failed")
        ]
        assert len(pending) == 9
        assert emulator.advance() == 9
        assert emulator.advance() == 0
        after = emulator.truth.agent_daily_metrics(day, day)
        assert [r["in_progress"] for r in after] == [0, 0, 0]
        assert [r["conversations"] for r in after] == [r["conversations"] + 3 for r in before]
        for item in pending:
            detail = http.get(
                f"{LIST}/{urllib.parse.quote(item['conversation_id'], safe='')}"
            ).json()
            assert detail["status"] in ("done", "failed")


def test_pending_conversations_finalise_with_time() -> None:
    with running_emulator(make_config(seed=17, finalise_after_secs=0.0)) as emulator:
        rows = emulator.truth.agent_metrics(emulator.config.first_day, emulator.config.last_day)
        assert sum(r["in_progress"] for r in rows) == 0


def test_dates_outside_the_served_range_are_empty() -> None:
    with running_emulator(make_config(days=2)) as emulator:
        assert emulator.truth.agent_daily_metrics(TODAY, TODAY + dt.timedelta(days=3)) == []
        rows = emulator.truth.agent_metrics(TODAY, TODAY)
        assert [r["conversations"] for r in rows] == [0, 0, 0]

"""The sentiment rule of design.md, checked against VADER computed here independently."""

from __future__ import annotations

import polars as pl
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from assets.normalised import sentiment, workers
from assets.normalised.partition import publish_day
from assets.normalised.tolerant import english_or_unknown
from assets.normalised.workers import worker_pool
from pipelines.lake import Lake
from tests.normalised.conftest import DAY, ReadTable
from tests.normalised.raw_lake import JSON, sample, write_listing, write_mp3, write_part

_vader = SentimentIntensityAnalyzer()
HAPPY = "This is wonderful, thank you so much!"
ANGRY = "This is the worst service ever, I hate it."


def _expected(*messages: str) -> float:
    scores = [float(_vader.polarity_scores(m)["compound"]) for m in messages]
    return sum(scores) / len(scores)


def _conversation(
    conversation_id: str,
    user_messages: list[str | None],
    language: str | None,
    api: JSON | None = None,
) -> tuple[JSON, JSON]:
    """A detail whose user turns say `user_messages`, and its list item."""
    detail = sample("conversation_detail.json")
    agent_turn, user_turn = detail["transcript"][0], detail["transcript"][1]
    transcript = [agent_turn]
    for message in user_messages:
        transcript += [dict(user_turn, message=message), agent_turn]
    detail.update(conversation_id=conversation_id, transcript=transcript)
    detail["metadata"]["main_language"] = language
    item = dict(sample("conversations_list_page.json")["conversations"][1])
    item.update(conversation_id=conversation_id, main_language=language)
    if api is not None:
        item["sentiment_analysis"] = api
    return detail, item


CASES: dict[str, tuple[list[str | None], str | None, JSON | None]] = {
    "api_sent": ([ANGRY], "en", {"overall_label": "positive", "overall_sentiment_score": 0.4}),
    "api_label_only": ([ANGRY], "en", {"overall_label": "neutral"}),
    "english_mixed": ([HAPPY, ANGRY, HAPPY], "en", None),
    "english_region": ([HAPPY], "EN-us", None),
    "english_underscore": ([ANGRY], "en_GB", None),
    "unknown_language": ([HAPPY], None, None),
    "empty_language": ([ANGRY], "", None),
    "german": ([HAPPY], "de", None),
    "not_english": ([HAPPY], "eng", None),
    "blank_and_null_only": (["   ", None, ""], "en", None),
    "blank_ignored": ([HAPPY, "  ", None], "en", None),
    "neutral_words": (["The order number is 48213."], "en", None),
}


@pytest.fixture
def sentiments(lake: Lake, read_table: ReadTable) -> dict[str, tuple[object, object, object]]:
    pairs = [_conversation(name, *case) for name, case in CASES.items()]
    write_listing(lake, DAY, [{"conversations": [item for _, item in pairs]}])
    write_part(lake, DAY, 1, [detail for detail, _ in pairs])
    publish_day(lake, DAY)
    rows = read_table("conversations").select(
        "conversation_id", "sentiment_label", "sentiment_score", "sentiment_source"
    )
    return {r[0]: r[1:] for r in rows.iter_rows()}


def _lexicon(score: float) -> tuple[str, float, str]:
    label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
    return label, score, "lexicon"


def test_api_sentiment_wins_when_sent(sentiments: dict[str, tuple[object, ...]]) -> None:
    assert sentiments["api_sent"] == ("positive", 0.4, "api")
    assert sentiments["api_label_only"] == ("neutral", None, "api")


@pytest.mark.parametrize(
    ("name", "messages"),
    [
        ("english_mixed", [HAPPY, ANGRY, HAPPY]),
        ("english_region", [HAPPY]),
        ("english_underscore", [ANGRY]),
        ("unknown_language", [HAPPY]),
        ("empty_language", [ANGRY]),
        ("blank_ignored", [HAPPY]),
        ("neutral_words", ["The order number is 48213."]),
    ],
)
def test_lexicon_for_english_or_unknown(
    sentiments: dict[str, tuple[object, ...]], name: str, messages: list[str]
) -> None:
    label, score, source = sentiments[name]
    expected = _lexicon(_expected(*messages))
    assert (label, source) == (expected[0], expected[2])
    assert isinstance(score, float)
    assert abs(score - expected[1]) < 1e-9


@pytest.mark.parametrize("name", ["german", "not_english", "blank_and_null_only"])
def test_no_sentiment_otherwise(sentiments: dict[str, tuple[object, ...]], name: str) -> None:
    assert sentiments[name] == (None, None, None)


def test_labels_at_the_thresholds() -> None:
    scores = pl.Series("s", [0.05, 0.0499, -0.05, -0.0501, 0.0, None], dtype=pl.Float64)
    labels = pl.select(sentiment.label(pl.lit(scores))).to_series().to_list()
    assert labels == ["positive", "neutral", "negative", "negative", "neutral", None]


@pytest.mark.parametrize(
    ("language", "english"),
    [
        ("en", True),
        ("EN", True),
        ("en-US", True),
        ("en_gb", True),
        ("en-Latn-US", True),
        ("", True),
        (None, True),
        ("de", False),
        ("eng", False),
        ("english", False),
        ("fr-en", False),
    ],
)
def test_english_or_unknown(language: str | None, english: bool) -> None:
    frame = pl.DataFrame({"language": [language]}, schema={"language": pl.String})
    assert frame.select(english_or_unknown(pl.col("language"))).item() is english


def test_vader_runs_once_per_distinct_text(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = sentiment.compound

    def counting(text: str) -> float | None:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(sentiment, "compound", counting)
    said = pl.DataFrame(
        {"conversation_id": ["a", "a", "b", "b"], "message": [HAPPY, ANGRY, HAPPY, HAPPY]}
    )
    with worker_pool() as pool:
        scores = dict(sentiment.lexicon_scores(said, pool).iter_rows())
    assert sorted(seen) == sorted([HAPPY, ANGRY])
    assert abs(scores["a"] - _expected(HAPPY, ANGRY)) < 1e-9
    assert abs(scores["b"] - _expected(HAPPY)) < 1e-9


def test_worker_processes_give_the_same_scores(
    lake: Lake, read_table: ReadTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the threshold, VADER and the MP3 headers run in worker processes."""
    pairs = [_conversation(f"c{i}", [HAPPY, f"{ANGRY} ({i})"], "en") for i in range(3)]
    write_listing(lake, DAY, [{"conversations": [item for _, item in pairs]}])
    write_part(lake, DAY, 1, [detail for detail, _ in pairs])
    write_mp3(lake, DAY, "c1", 100)
    monkeypatch.setattr(workers, "MIN_ITEMS_FOR_WORKERS", 1)
    publish_day(lake, DAY)
    rows = read_table("conversations").select("sentiment_score", "audio_duration_secs").rows()
    expected = [_expected(HAPPY, f"{ANGRY} ({i})") for i in range(3)]
    assert [abs(score - e) < 1e-9 for (score, _), e in zip(rows, expected, strict=True)] == [
        True
    ] * 3
    assert [duration is not None for _, duration in rows] == [False, True, False]

"""design.md's lexicon sentiment rule: VADER's mean compound score of the non-empty user turns,
for conversations in English or of unknown language."""

from __future__ import annotations

import functools
import re

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
_ENGLISH = re.compile(r"en([-_].*)?", re.IGNORECASE)


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@functools.cache
def compound(text: str) -> float:
    """VADER's compound score of one message (cached: callers repeat lines a lot)."""
    return float(_analyzer().polarity_scores(text)["compound"])


def applies_to(main_language: str | None) -> bool:
    """English (`en`, `en-XX`, `en_XX`, any case) or unknown (NULL or empty)."""
    return not main_language or _ENGLISH.fullmatch(main_language) is not None


def lexicon_score(user_messages: list[str]) -> float | None:
    """Mean compound score of the non-empty messages; None when there are none."""
    texts = [m for m in user_messages if m]
    if not texts:
        return None
    return sum(compound(t) for t in texts) / len(texts)


def label(score: float) -> str:
    if score >= POSITIVE_AT:
        return "positive"
    return "negative" if score <= NEGATIVE_AT else "neutral"

"""Ground truth: the per-agent and per-agent-day measures a correct pipeline computes from what
this emulator serves now, by the definitions of design.md's `agent_daily_metrics` and
`agent_metrics`.

It reads the same data model the responses are rendered from, through the eyes of the dialect:
the seed dialect sends no cost, no sentiment score and no language, so those come out NULL,
lexicon-scored or absent exactly as a pipeline would see them. Deleted conversations are gone,
and pending ones count as in progress until they are finalised.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emulator import sentiment
from emulator.model import Conversation
from emulator.world import World

Row = dict[str, Any]

MEASURES = (
    "conversations",
    "in_progress",
    "successful",
    "failed",
    "unknown",
    "success_rate",
    "avg_duration_secs",
    "p50_duration_secs",
    "p95_duration_secs",
    "total_duration_secs",
    "positive",
    "neutral",
    "negative",
    "avg_sentiment_score",
    "total_cost_credits",
)
AGENT_DAILY_COLUMNS = ("agent_id", "agent_name", "start_date", *MEASURES)
AGENT_COLUMNS = ("agent_id", "agent_name", *MEASURES)


@dataclass(frozen=True)
class Observed:
    """What a pipeline reads from one conversation in the served dialect."""

    agent_id: str
    agent_name: str | None
    start_date: dt.date
    is_final: bool
    call_successful: str
    duration_secs: float
    sentiment_label: str | None
    sentiment_score: float | None
    cost_credits: int | None


def _sentiment(c: Conversation, dialect: str) -> tuple[str | None, float | None]:
    """The API's sentiment when sent (the seed sends a label only); else the lexicon rule."""
    if c.api_sentiment is not None:
        score = c.api_sentiment.score if dialect == "elevenlabs" else None
        return c.api_sentiment.label, score
    language = c.main_language if dialect == "elevenlabs" else None
    score = sentiment.lexicon_score(c.user_messages) if sentiment.applies_to(language) else None
    return (None, None) if score is None else (sentiment.label(score), score)


def observe(c: Conversation, dialect: str) -> Observed:
    label, score = _sentiment(c, dialect)
    return Observed(
        agent_id=c.agent_id,
        agent_name=c.agent_name if dialect == "elevenlabs" else None,
        start_date=dt.datetime.fromtimestamp(c.start_time, dt.UTC).date(),
        is_final=c.is_final,
        call_successful=c.call_successful,
        duration_secs=float(c.duration_secs),
        sentiment_label=label,
        sentiment_score=score,
        cost_credits=c.cost if dialect == "elevenlabs" else None,
    )


def quantile_cont(values: Sequence[float], q: float) -> float | None:
    """DuckDB's `quantile_cont`: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def measures(observed: Sequence[Observed]) -> Row:
    """design.md's measures over some conversations: final ones only, except `in_progress`."""
    final = [o for o in observed if o.is_final]
    successful = sum(o.call_successful == "success" for o in final)
    failed = sum(o.call_successful == "failure" for o in final)
    durations = [o.duration_secs for o in final]
    scores = [o.sentiment_score for o in final if o.sentiment_score is not None]
    costs = [o.cost_credits for o in final if o.cost_credits is not None]
    labels = [o.sentiment_label for o in final]
    return {
        "conversations": len(final),
        "in_progress": len(observed) - len(final),
        "successful": successful,
        "failed": failed,
        "unknown": len(final) - successful - failed,
        "success_rate": successful / (successful + failed) if successful + failed else None,
        "avg_duration_secs": _mean(durations),
        "p50_duration_secs": quantile_cont(durations, 0.5),
        "p95_duration_secs": quantile_cont(durations, 0.95),
        "total_duration_secs": float(sum(durations)),
        "positive": labels.count("positive"),
        "neutral": labels.count("neutral"),
        "negative": labels.count("negative"),
        "avg_sentiment_score": _mean(scores),
        "total_cost_credits": sum(costs) if costs or not final else None,
    }


class GroundTruth:
    """Expected warehouse rows for the UTC dates start..end (inclusive), as served now."""

    def __init__(self, world: World) -> None:
        self._world = world

    def observed(self, start: dt.date, end: dt.date) -> list[Observed]:
        """Every live conversation that started on start..end, as a pipeline reads it."""
        world = self._world
        world.state.sync()
        finalised = world.finalised
        rows = []
        for day in world.index.days:
            if not start <= day <= end:
                continue
            for agent_index in range(world.config.agents):
                for conversation in world.batch(agent_index, day):
                    if conversation.conversation_id not in world.state.deleted:
                        served = world.served(conversation, finalised)
                        rows.append(observe(served, world.config.dialect))
        return rows

    def _agent_name(self, agent_id: str, sent: str | None) -> str | None:
        """The catalogue's current name; for a deleted agent, the one its conversations sent."""
        agent = self._world.state.agents.get(agent_id)
        return agent.name if agent is not None else sent

    def agent_daily_metrics(self, start: dt.date, end: dt.date) -> list[Row]:
        """One row per (agent_id, start_date) with at least one conversation."""
        groups: dict[tuple[str, dt.date], list[Observed]] = {}
        for o in self.observed(start, end):
            groups.setdefault((o.agent_id, o.start_date), []).append(o)
        return [
            {
                "agent_id": agent_id,
                "agent_name": self._agent_name(agent_id, group[0].agent_name),
                "start_date": day,
                **measures(group),
            }
            for (agent_id, day), group in sorted(groups.items())
        ]

    def agent_metrics(self, start: dt.date, end: dt.date) -> list[Row]:
        """One row per agent in the catalogue, over all its conversations of start..end."""
        observed = self.observed(start, end)
        agents = sorted(self._world.state.agents.values(), key=lambda a: a.agent_id)
        return [
            {
                "agent_id": agent.agent_id,
                "agent_name": agent.name,
                **measures([o for o in observed if o.agent_id == agent.agent_id]),
            }
            for agent in agents
        ]

"""design.md's agent_daily_metrics and agent_metrics, computed in plain Python from the Parquet.

Deliberately naive (lists of dicts, loops, sorted lists for quantiles) so that it shares
nothing with the SQL it checks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl

from emulator import truth

Row = dict[str, Any]

# The contract's column lists, as the emulator's ground truth spells them.
DAILY_COLUMNS = truth.AGENT_DAILY_COLUMNS
AGENT_COLUMNS = truth.AGENT_COLUMNS


def quantile_cont(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks, as SQL's quantile_cont."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def measures(conversations: list[Row]) -> Row:
    """The design.md measures of one group of conversations."""
    final = [c for c in conversations if c["is_final"] is True]
    durations = [c["duration_secs"] for c in final if c["duration_secs"] is not None]
    costs = [c["cost_credits"] for c in final if c["cost_credits"] is not None]
    scores = [c["sentiment_score"] for c in final if c["sentiment_score"] is not None]
    successful = sum(1 for c in final if c["call_successful"] == "success")
    failed = sum(1 for c in final if c["call_successful"] == "failure")
    return {
        "conversations": len(final),
        "in_progress": len(conversations) - len(final),
        "successful": successful,
        "failed": failed,
        "unknown": len(final) - successful - failed,
        "success_rate": successful / (successful + failed) if successful + failed else None,
        "avg_duration_secs": _mean(durations),
        "p50_duration_secs": quantile_cont(durations, 0.5) if durations else None,
        "p95_duration_secs": quantile_cont(durations, 0.95) if durations else None,
        "total_duration_secs": (sum(durations) if durations else None) if final else 0.0,
        "positive": sum(1 for c in final if c["sentiment_label"] == "positive"),
        "neutral": sum(1 for c in final if c["sentiment_label"] == "neutral"),
        "negative": sum(1 for c in final if c["sentiment_label"] == "negative"),
        "avg_sentiment_score": _mean(scores),
        "total_cost_credits": (sum(costs) if costs else None) if final else 0,
    }


def read_lake(root: Path) -> tuple[list[Row], list[Row]]:
    """Every conversation and every catalogue agent of a lake, as dicts."""
    files = sorted(root.glob("parquet/conversations/date=*/part-0.parquet"))
    conversations = [row for f in files for row in pl.read_parquet(f).to_dicts()]
    agents = pl.read_parquet(root / "parquet/agents/part-0.parquet").to_dicts()
    return conversations, agents


def _names(conversations: list[Row], agents: list[Row]) -> dict[str | None, str | None]:
    """Catalogue name, else the name sent with the agent's latest conversation."""
    names: dict[str | None, str | None] = {}
    for c in sorted(conversations, key=lambda c: c["start_time"]):
        names[c["agent_id"]] = c["agent_name"]
    names.update({a["agent_id"]: a["name"] for a in agents})
    return names


def agent_daily_metrics(root: Path) -> list[Row]:
    conversations, agents = read_lake(root)
    names = _names(conversations, agents)
    groups: dict[tuple[str | None, Any], list[Row]] = defaultdict(list)
    for c in conversations:
        groups[(c["agent_id"], c["start_date"])].append(c)
    return [
        {"agent_id": agent, "agent_name": names[agent], "start_date": day, **measures(rows)}
        for (agent, day), rows in groups.items()
    ]


def agent_metrics(root: Path) -> list[Row]:
    conversations, agents = read_lake(root)
    names = _names(conversations, agents)
    groups: dict[str | None, list[Row]] = {a["agent_id"]: [] for a in agents}
    for c in conversations:
        groups.setdefault(c["agent_id"], []).append(c)
    return [
        {"agent_id": agent, "agent_name": names[agent], **measures(rows)}
        for agent, rows in groups.items()
    ]

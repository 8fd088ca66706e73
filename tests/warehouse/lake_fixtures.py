"""A deterministic generator of normalised Parquet lakes, in exactly the schemas of schemas.py.

Vectorised (polars only: numpy is not a dependency) so that `bench/warehouse.py` can write
100 million turns with it, and seeded so that a test's lake is the same on every run. The data
has the awkward cases the metrics must survive: non-final conversations, NULL durations and
costs, unknown and odd `call_successful` values, missing sentiment, an agent whose costs are
all NULL, an agent in the catalogue without conversations and one in the conversations missing
from the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assets.normalised.schemas import (
    AGENTS,
    CONVERSATIONS,
    DATA_COLLECTION_RESULTS,
    EVALUATION_RESULTS,
    KNOWLEDGE_BASE_DOCUMENTS,
    TOOL_CALLS,
    TOOLS,
    TRANSCRIPT_TURNS,
    Table,
)
from pipelines.lake import Lake

FIRST_DAY = dt.date(2026, 1, 5)
IDLE_AGENT = "agent_idle"  # in the catalogue, never in a conversation
UNLISTED_AGENT = "agent_unlisted"  # in conversations, missing from the catalogue
TOOL_NAMES = ("lookup_order", "book_slot", "end_call", "transfer_to_human")
STATUSES = ("done", "failed", "in-progress", "processing", "completed")
FINAL_STATUSES = frozenset({"done", "failed", "completed"})


@dataclass(frozen=True)
class LakeSpec:
    """The shape of a generated lake."""

    seed: int = 1
    days: int = 3
    agents: int = 4
    conversations_per_day: int = 40
    turns_per_conversation: int = 6

    @property
    def agent_ids(self) -> list[str]:
        return [f"agent_{i:03d}" for i in range(self.agents)]

    @property
    def dates(self) -> list[dt.date]:
        return [FIRST_DAY + dt.timedelta(days=i) for i in range(self.days)]


class Draws:
    """Seeded pseudo-random columns, one stream per call, from polars' row hashes."""

    def __init__(self, *seeds: int) -> None:
        self._seeds = seeds
        self._stream = 0

    def _hashes(self, n: int) -> pl.Series:
        self._stream += 1
        seed = hash((*self._seeds, self._stream)) & 0xFFFF_FFFF_FFFF
        return pl.int_range(n, eager=True).hash(seed=seed)

    def uniform(self, n: int, low: float = 0.0, high: float = 1.0) -> pl.Series:
        return low + (self._hashes(n) // 2**11).cast(pl.Float64) / 2.0**53 * (high - low)

    def integers(self, n: int, low: int, high: int) -> pl.Series:
        """Whole numbers in [low, high)."""
        return low + (self._hashes(n) % (high - low)).cast(pl.Int64)

    def exponential(self, n: int, mean: float) -> pl.Series:
        return -mean * (1.0 - self.uniform(n)).log()

    def flags(self, n: int, share: float) -> pl.Series:
        return self.uniform(n) < share

    def pick(self, options: Sequence[str | None], n: int) -> pl.Series:
        return self.integers(n, 0, len(options)).replace_strict(
            dict(enumerate(options)), return_dtype=pl.String
        )

    def with_nulls(self, values: pl.Series, share: float) -> pl.Series:
        return null_where(values, self.flags(len(values), share))


def null_where(values: pl.Series, mask: pl.Series) -> pl.Series:
    return values.zip_with(~mask, pl.Series([None] * len(values), dtype=values.dtype))


def frame(table: Table, columns: Mapping[str, pl.Series | Sequence[object]]) -> pl.DataFrame:
    """A frame of `table`'s exact schema: the given columns cast, the others NULL."""
    height = len(next(iter(columns.values())))
    return pl.DataFrame(
        [
            pl.Series(c.name, columns[c.name]).cast(c.dtype)
            if c.name in columns
            else pl.Series(c.name, [None] * height, dtype=c.dtype)
            for c in table.columns
        ]
    )


def write_parquet(lake: Lake, table: Table, data: pl.DataFrame, day: dt.date | None) -> None:
    """Publish one table file where the normaliser would, by atomic rename."""
    assert data.schema == table.schema
    where = f"parquet/{table.name}" + (f"/date={day.isoformat()}" if day else "")
    with lake.atomic_path(f"{where}/part-0.parquet") as temp:
        data.write_parquet(temp)


def _ids(prefix: str, n: int) -> pl.Series:
    return prefix + pl.int_range(n, eager=True).cast(pl.String).str.zfill(7)


def conversations_of_day(spec: LakeSpec, day: dt.date, draws: Draws) -> pl.DataFrame:
    """One day of conversations, with every awkward case of the module docstring."""
    n = spec.conversations_per_day
    agents = draws.pick([*spec.agent_ids, UNLISTED_AGENT], n)
    midnight_us = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) * 10**6
    status = draws.pick(STATUSES, n)
    call_successful = draws.pick(["success", "failure", "unknown", None, "partial"], n)
    no_sentiment = agents == spec.agent_ids[-1]  # the last agent never has sentiment
    no_cost = agents == spec.agent_ids[0]  # the first agent's costs are all NULL
    usd = null_where(draws.with_nulls(draws.uniform(n, 0, 2), 0.2), no_cost)
    return frame(
        CONVERSATIONS,
        {
            "conversation_id": _ids(f"conv_{day:%Y%m%d}_", n),
            "agent_id": agents,
            "agent_name": "Agent " + agents,
            "start_time": draws.integers(n, midnight_us, midnight_us + 86_400 * 10**6),
            "start_date": [day] * n,
            "status": status,
            "is_final": status.is_in(list(FINAL_STATUSES)),
            "duration_secs": draws.with_nulls(draws.exponential(n, 120.0), 0.1),
            "call_successful": call_successful,
            "success": call_successful.replace_strict(
                {"success": True, "failure": False}, default=None, return_dtype=pl.Boolean
            ),
            "sentiment_label": null_where(
                draws.pick(["positive", "neutral", "negative", None], n), no_sentiment
            ),
            "sentiment_score": null_where(
                draws.with_nulls(draws.uniform(n, -1, 1), 0.3), no_sentiment
            ),
            "termination_reason": draws.pick(["end_call tool", "client disconnected", None], n),
            "main_language": draws.pick(["en", "es", "de", None], n),
            "cost_credits": null_where(draws.integers(n, 100, 5000), no_cost),
            "cost_usd": usd,
            "llm_cost_usd": usd * 0.4,
            "message_count": draws.integers(n, 0, 40),
            "has_audio": draws.flags(n, 0.8),
            "has_details": [True] * n,
            "dialect": status.replace_strict({"completed": "seed"}, default="elevenlabs"),
        },
    )


def _children(draws: Draws, conversations: pl.DataFrame, most: int) -> tuple[pl.Series, pl.Series]:
    """0 to `most` child rows per conversation: each row's conversation (row number), index."""
    counts = draws.integers(conversations.height, 0, most + 1)
    owner = pl.int_range(conversations.height, eager=True).repeat_by(counts).explode()
    return owner, pl.int_ranges(0, counts, eager=True).explode()


def turns_of_conversations(
    spec: LakeSpec, conversations: pl.DataFrame, draws: Draws
) -> pl.DataFrame:
    """Transcript turns: on average `turns_per_conversation` per conversation."""
    owner, turn_index = _children(draws, conversations, 2 * spec.turns_per_conversation)
    n = len(owner)
    agent_turn = turn_index % 2 == 0
    return frame(
        TRANSCRIPT_TURNS,
        {
            "conversation_id": conversations["conversation_id"].gather(owner),
            "start_date": conversations["start_date"].gather(owner),
            "turn_index": turn_index,
            "role": agent_turn.replace_strict(
                {True: "agent", False: "user"}, return_dtype=pl.String
            ),
            "message": draws.pick(["Hello, how can I help?", "I need to change my order."], n),
            "time_in_call_secs": turn_index * 7.5,
            "interrupted": draws.flags(n, 0.1),
            "source_medium": ["audio"] * n,
            "llm_ttfb_secs": null_where(
                draws.with_nulls(draws.exponential(n, 0.4), 0.2), ~agent_turn
            ),
            "tts_ttfb_secs": draws.with_nulls(draws.exponential(n, 0.2), 0.2),
            "tool_call_count": [0] * n,
        },
    )


def tool_calls_of_conversations(conversations: pl.DataFrame, draws: Draws) -> pl.DataFrame:
    """Up to three tool calls per conversation, most with a result, some failing."""
    owner, call_index = _children(draws, conversations, 3)
    n = len(owner)
    names = draws.pick(TOOL_NAMES, n)
    has_result = draws.flags(n, 0.9)
    return frame(
        TOOL_CALLS,
        {
            "conversation_id": conversations["conversation_id"].gather(owner),
            "start_date": conversations["start_date"].gather(owner),
            "request_id": "req_" + call_index.cast(pl.String),
            "tool_name": names,
            "tool_type": (names == "end_call").replace_strict(
                {True: "system", False: "webhook"}, return_dtype=pl.String
            ),
            "call_turn_index": call_index * 2,
            "has_result": has_result,
            "is_error": null_where(draws.flags(n, 0.15), ~has_result),
            "latency_secs": draws.with_nulls(draws.exponential(n, 0.6), 0.1),
        },
    )


def write_day(lake: Lake, spec: LakeSpec, day: dt.date, *, variant: int = 0) -> pl.DataFrame:
    """Write every partitioned table of `day`; `variant` changes the data, not its shape."""
    draws = Draws(spec.seed, day.toordinal(), variant)
    conversations = conversations_of_day(spec, day, draws)
    n = conversations.height
    per_conversation: dict[str, pl.Series | Sequence[object]] = {
        "conversation_id": conversations["conversation_id"],
        "start_date": conversations["start_date"],
    }
    evaluations: dict[str, pl.Series | Sequence[object]] = {
        **per_conversation,
        "criteria_id": ["resolved"] * n,
        "result": draws.pick(["success", "failure", "unknown"], n),
    }
    collected: dict[str, pl.Series | Sequence[object]] = {
        **per_conversation,
        "data_collection_id": ["customer_name"] * n,
        "value_text": draws.pick(["Ada", "Grace", None], n),
    }
    write_parquet(lake, CONVERSATIONS, conversations, day)
    write_parquet(lake, TRANSCRIPT_TURNS, turns_of_conversations(spec, conversations, draws), day)
    write_parquet(lake, TOOL_CALLS, tool_calls_of_conversations(conversations, draws), day)
    write_parquet(lake, EVALUATION_RESULTS, frame(EVALUATION_RESULTS, evaluations), day)
    write_parquet(lake, DATA_COLLECTION_RESULTS, frame(DATA_COLLECTION_RESULTS, collected), day)
    return conversations


def write_catalogue(lake: Lake, spec: LakeSpec) -> None:
    """The agents (with IDLE_AGENT, without UNLISTED_AGENT), tools and knowledge base."""
    agent_ids = [*spec.agent_ids, IDLE_AGENT]
    write_parquet(
        lake,
        AGENTS,
        frame(
            AGENTS,
            {
                "agent_id": agent_ids,
                "name": [f"Agent {a}" for a in agent_ids],
                "tags": [["support"]] * len(agent_ids),
                "archived": [False] * len(agent_ids),
            },
        ),
        None,
    )
    write_parquet(
        lake,
        TOOLS,
        frame(TOOLS, {"tool_id": [f"tool_{n}" for n in TOOL_NAMES], "name": list(TOOL_NAMES)}),
        None,
    )
    write_parquet(
        lake,
        KNOWLEDGE_BASE_DOCUMENTS,
        frame(
            KNOWLEDGE_BASE_DOCUMENTS,
            {"document_id": ["doc_faq"], "dependent_agent_ids": [spec.agent_ids]},
        ),
        None,
    )


def write_lake(root: Path, spec: LakeSpec) -> Lake:
    """Write a whole lake of `spec.days` days and its catalogue under `root`."""
    lake = Lake(root)
    write_catalogue(lake, spec)
    for day in spec.dates:
        write_day(lake, spec, day)
    return lake

"""Benchmark: normalise one day of synthetic conversations, ours against a per-record baseline.

Generates a raw partition in the exact lake format of docs/architecture.md (synthesised here, a
generator written before the emulator landed: real-dialect details shaped like the shared samples,
a share of seed-dialect conversations, refetched conversations in later parts, a few bad and
rejected records, and a Xing-tagged MP3 for most voice calls). Then, in one run, it times our
normaliser and a straightforward per-record implementation (json.loads + dicts + pyarrow) that
writes the same five tables, each in its own process so that peak RSS is its own, and checks
that both wrote the same row counts.

    uv run python bench/normalise.py --conversations 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from mutagen.mp3 import MPEGInfo
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assets.normalised.partition import publish_day
from assets.normalised.schemas import PARTITIONED_TABLES
from pipelines.lake import Lake, date_partition
from tests.normalised.raw_lake import (
    MP3_FRAME_SECS,
    mp3_bytes,
    ndjson_zst,
)

JSON = dict[str, Any]
SCRATCH = Path(__file__).resolve().parent / ".scratch" / "normalise"
PART_SIZE = 500
PAGE_SIZE = 100

# ---------------------------------------------------------------------------------------------
# The synthetic day
# ---------------------------------------------------------------------------------------------

AGENTS = [
    (f"agent_01jz{index:022x}", name, language, sentiment_on)
    for index, (name, language, sentiment_on) in enumerate(
        [
            ("Acme Support (EN)", "en", True),
            ("Acme Billing", "en", False),
            ("Returns Desk", "en", True),
            ("Appointment Reminder", "en-US", False),
            ("Order Status Bot", "en", False),
            ("Store Locator", "en_GB", True),
            ("Tech Helpdesk", "en", False),
            ("Premium Concierge", "en", True),
            ("Kundendienst", "de", False),
            ("Soporte", "es", False),
            ("Service Client", "fr", True),
            ("Survey Caller", "", False),
        ]
    )
]
MODELS = ("gemini-2.5-flash", "gpt-4.1-mini", "claude-3.5-haiku")
USER_PHRASES = [
    "Hi, I want to know where my order is.",
    "The order number is {number}.",
    "It's {number}, I think.",
    "I've been waiting for two weeks and nobody answers my emails.",
    "This is really frustrating, the package never arrived.",
    "Great, thank you so much!",
    "No, that's all. Thanks!",
    "Can I return the shoes I bought last week?",
    "I was charged twice for the same order.",
    "My name is {name}.",
    "Could you call me back tomorrow at {hour} o'clock?",
    "That doesn't help at all.",
    "Perfect, that works for me.",
    "I'd like to cancel my subscription.",
    "Why is the delivery so late again?",
    "Okay.",
    "Yes, please.",
    "Sorry, I didn't catch that.",
    "The app keeps crashing when I open my cart.",
    "I love the new collection, by the way.",
    "Is the store on {street} Street still open?",
    "I want to speak to a human, this bot is useless.",
    "Fine, I'll wait.",
    "Can you check order {number} as well?",
    "Thanks for the quick help, much appreciated.",
    "Hmm, I'm not sure.",
    "The refund still hasn't shown up on my card.",
    "Wonderful, you saved my day!",
]
AGENT_PHRASES = [
    "Hi, thanks for calling Acme. How can I help you today?",
    "Let me look that up for you.",
    "Good news: your order shipped yesterday with UPS.",
    "I'm sorry to hear that. Let me see what I can do.",
    "Could you give me your order number, please?",
    "Is there anything else I can help with?",
    "You're welcome. Have a great day!",
    "I've issued a refund; it takes three to five days to appear.",
    "I can schedule a callback for you.",
    "Our store opens at nine in the morning.",
    "Let me transfer you to a colleague.",
    "I understand, that must be annoying.",
]
NAMES = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie"]
STREETS = ["Main", "Oak", "Pine", "Maple", "Cedar", "Elm"]
CRITERIA = ("resolved_without_escalation", "verified_order_number")


def _user_message(rng: random.Random) -> str:
    phrases = rng.sample(USER_PHRASES, rng.choice((1, 1, 2)))
    return " ".join(
        p.format(
            number=rng.randint(10000, 99999),
            name=rng.choice(NAMES),
            hour=rng.randint(8, 18),
            street=rng.choice(STREETS),
        )
        for p in phrases
    )


def _usage(rng: random.Random) -> JSON:
    models = rng.sample(MODELS, rng.choice((1, 1, 1, 2)))
    return {
        "model_usage": {
            model: {
                "input": {"tokens": rng.randint(800, 4000), "price": 0.0001},
                "input_cache_read": {"tokens": rng.randint(0, 500), "price": 0.00001},
                "input_cache_write": {"tokens": 0, "price": 0.0},
                "output_total": {"tokens": rng.randint(10, 80), "price": 0.00002},
            }
            for model in models
        }
    }


def _metrics(rng: random.Random) -> JSON:
    entries = {
        "convai_llm_service_ttfb": {"elapsed_time": round(rng.uniform(0.2, 1.2), 3)},
        "convai_llm_service_ttf_sentence": {"elapsed_time": round(rng.uniform(0.4, 1.6), 3)},
        "convai_tts_service_ttfb": {"elapsed_time": round(rng.uniform(0.1, 0.5), 3)},
    }
    return {"metrics": entries} if rng.random() < 0.9 else entries


def _turn(role: str, message: str | None, at: int, agent_id: str, medium: str | None) -> JSON:
    return {
        "role": role,
        "agent_metadata": (
            {"agent_id": agent_id, "branch_id": None, "workflow_node_id": None, "version_id": None}
            if role == "agent"
            else None
        ),
        "message": message,
        "tool_calls": [],
        "tool_results": [],
        "feedback": None,
        "llm_override": None,
        "time_in_call_secs": at,
        "conversation_turn_metrics": None,
        "rag_retrieval_info": None,
        "llm_usage": None,
        "interrupted": False,
        "original_message": None,
        "source_medium": medium,
    }


def _tool_pair(rng: random.Random, at: int, agent_id: str) -> list[JSON]:
    """A webhook call and its result in two consecutive agent turns with null messages."""
    request_id = f"lookup_order_{rng.getrandbits(64):016x}"
    call = _turn("agent", None, at, agent_id, None)
    call["tool_calls"] = [
        {
            "type": "webhook",
            "request_id": request_id,
            "tool_name": "lookup_order",
            "tool_id": "tool_01jz3n0c4v5b6n7m8k9j0h1g2f",
            "params_as_json": json.dumps({"order_id": str(rng.randint(10000, 99999))}),
            "tool_has_been_called": True,
            "tool_details": {
                "type": "webhook",
                "method": "GET",
                "url": "https://api.acme.example/o",
            },
        }
    ]
    call["llm_usage"] = _usage(rng)
    call["conversation_turn_metrics"] = _metrics(rng)
    result = _turn("agent", None, at + 1, agent_id, None)
    failed = rng.random() < 0.1
    result["tool_results"] = [
        {
            "type": "webhook",
            "request_id": request_id,
            "tool_name": "lookup_order",
            "tool_id": "tool_01jz3n0c4v5b6n7m8k9j0h1g2f",
            "result_value": json.dumps({"status": "shipped"}) if not failed else "timeout",
            "is_error": failed,
            "is_blocked": False,
            "tool_has_been_called": True,
            "tool_latency_secs": round(rng.uniform(0.1, 2.0), 3),
            "error_type": "timeout" if failed else None,
            "raw_error_message": None,
            "dynamic_variable_updates": [],
        }
    ]
    return [call, result] if rng.random() < 0.95 else [call]  # some calls never get a result


def _end_call(turn: JSON, rng: random.Random) -> None:
    request_id = f"end_call_{rng.getrandbits(64):016x}"
    turn["tool_calls"] = [
        {
            "type": "system",
            "request_id": request_id,
            "tool_name": "end_call",
            "tool_id": None,
            "params_as_json": '{"reason": "done"}',
            "tool_has_been_called": True,
            "tool_details": None,
        }
    ]
    outcome = {"result_type": "end_call_success", "status": "success", "reason": "done"}
    turn["tool_results"] = [
        {
            "type": "system",
            "request_id": request_id,
            "tool_name": "end_call",
            "tool_id": "__system_end_call",
            "result_value": json.dumps(outcome),
            "is_error": False,
            "tool_has_been_called": True,
            "tool_latency_secs": 0.0001,
            "dynamic_variable_updates": [],
            "result": outcome,
        }
    ]


class Conversation:
    """One synthetic conversation, fully determined by (seed, index)."""

    def __init__(self, seed: int, index: int, day: dt.date, seed_share: float) -> None:
        rng = random.Random(seed * 1_000_003 + index)
        self.rng = rng
        self.index = index
        self.conversation_id = f"conv_{rng.getrandbits(104):026x}"
        self.agent_id, self.agent_name, self.language, self.sentiment_on = rng.choice(AGENTS)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        self.start = int(midnight.timestamp()) + rng.randrange(86400)
        self.seed_dialect = rng.random() < seed_share
        roll = rng.random()
        self.status = "done" if roll < 0.93 else "failed" if roll < 0.97 else "in-progress"
        self.text_only = rng.random() < 0.1
        self.turn_count = rng.randint(6, 34)
        self.duration = self.turn_count * rng.randint(4, 9)
        self.has_audio = not self.text_only and self.status == "done" and rng.random() < 0.9
        self.outcome = rng.choices(["success", "failure", "unknown"], [0.7, 0.2, 0.1])[0]

    def transcript(self) -> list[JSON]:
        rng = self.rng
        medium = "text" if self.text_only else "audio"
        turns: list[JSON] = []
        at = 0
        tool_at = rng.randint(2, self.turn_count - 2) if rng.random() < 0.35 else -1
        while len(turns) < self.turn_count:
            position = len(turns)
            if position == tool_at:
                turns += _tool_pair(rng, at, self.agent_id)
            elif position % 2 == 0:
                turn = _turn("agent", rng.choice(AGENT_PHRASES), at, self.agent_id, None)
                turn["conversation_turn_metrics"] = _metrics(rng)
                turn["llm_usage"] = _usage(rng)
                turns.append(turn)
            else:
                message = _user_message(rng)
                turn = _turn("user", message, at, self.agent_id, medium)
                if rng.random() < 0.08:
                    turn.update(
                        interrupted=True, message=message[:12] + "...", original_message=message
                    )
                turns.append(turn)
            at += rng.randint(1, 8)
        if self.status == "done" and turns[-1]["role"] == "agent" and rng.random() < 0.7:
            _end_call(turns[-1], rng)
        return turns

    def detail(self, *, final: bool = True) -> JSON:
        if self.seed_dialect:
            return self._seed_detail()
        status = self.status if final else "in-progress"
        metadata: JSON = {"start_time_unix_secs": self.start, "call_duration_secs": self.duration}
        if status != "in-progress":
            metadata.update(_full_metadata(self, self.rng))
        return {
            "agent_id": self.agent_id,
            "agent_name": self.agent_name,
            "conversation_product": "agents",
            "status": status,
            "user_id": None,
            "conversation_id": self.conversation_id,
            "environment": "production",
            "has_audio": self.has_audio,
            "has_user_audio": self.has_audio,
            "has_response_audio": self.has_audio,
            "transcript": self.transcript(),
            "metadata": metadata,
            "analysis": self._analysis() if status != "in-progress" else None,
            "conversation_initiation_client_data": {
                "user_id": None,
                "dynamic_variables": {"system__agent_id": self.agent_id},
            },
        }

    def _analysis(self) -> JSON:
        rng = self.rng
        return {
            "evaluation_criteria_results": {
                criteria: {
                    "criteria_id": criteria,
                    "result": rng.choice(["success", "failure", "unknown"]),
                    "rationale": "The agent did what was asked.",
                    "scoring_mode": "binary",
                    "score": None,
                    "max_score": None,
                }
                for criteria in CRITERIA
            },
            "data_collection_results": {
                "order_number": {
                    "data_collection_id": "order_number",
                    "value": str(rng.randint(10000, 99999)) if rng.random() < 0.8 else None,
                    "json_schema": {"type": "string", "description": "Order number."},
                    "rationale": "The caller said it.",
                },
                "callback_requested": {
                    "data_collection_id": "callback_requested",
                    "value": rng.random() < 0.3,
                    "json_schema": {"type": "boolean"},
                    "rationale": "Asked or not.",
                },
                "satisfaction": {
                    "data_collection_id": "satisfaction",
                    "value": rng.randint(1, 5),
                    "json_schema": {"type": "integer"},
                    "rationale": "Tone of the caller.",
                },
            },
            "call_successful": self.outcome,
            "call_success_score": None,
            "transcript_summary": "The caller asked about an order and the agent helped.",
            "call_summary_title": "Order inquiry",
        }

    def _seed_detail(self) -> JSON:
        rng = self.rng
        seed_status = {"done": "completed", "failed": "failed"}.get(self.status, "active")
        transcript = [
            {
                "role": "agent" if i % 2 == 0 else "user",
                "message": rng.choice(AGENT_PHRASES) if i % 2 == 0 else _user_message(rng),
                "timestamp": float(i * 4),
            }
            for i in range(self.turn_count)
        ]
        analysis: JSON = {
            "summary": "A seed conversation.",
            "successful": self.outcome == "success",
        }
        if rng.random() < 0.5:
            analysis["sentiment"] = rng.choice(["positive", "neutral", "negative"])
        return {
            "conversation_id": self.conversation_id,
            "agent_id": self.agent_id,
            "status": seed_status,
            "transcript": transcript,
            "analysis": analysis if seed_status != "active" else None,
            "metadata": {"channel": "web"},
        }

    def list_item(self) -> JSON:
        if self.seed_dialect:
            started = dt.datetime.fromtimestamp(self.start, dt.UTC)
            return {
                "conversation_id": self.conversation_id,
                "agent_id": self.agent_id,
                "status": {"done": "completed", "failed": "failed"}.get(self.status, "active"),
                "started_at": started.isoformat().replace("+00:00", "Z"),
                "duration_seconds": float(self.duration),
            }
        item: JSON = {
            "agent_id": self.agent_id,
            "agent_name": self.agent_name,
            "conversation_id": self.conversation_id,
            "start_time_unix_secs": self.start,
            "call_duration_secs": self.duration,
            "message_count": self.turn_count,
            "status": self.status,
            "call_successful": self.outcome if self.status != "in-progress" else "unknown",
            "main_language": self.language,
            "conversation_initiation_source": "widget" if self.text_only else "twilio",
            "direction": None if self.text_only else "inbound",
            "rating": None,
        }
        if self.sentiment_on and self.status == "done":
            score = round(self.rng.uniform(-1, 1), 2)
            label = "positive" if score > 0.2 else "negative" if score < -0.2 else "neutral"
            item["sentiment_analysis"] = {
                "overall_label": label,
                "overall_sentiment_score": score,
                "overall_frustration_score": round(self.rng.random(), 2),
                "min_user_sentiment_score": -0.5,
                "max_user_frustration_score": 0.5,
                "num_scored_user_turns": self.turn_count // 2,
            }
        return item


def _full_metadata(conversation: Conversation, rng: random.Random) -> JSON:
    phone = None
    if not conversation.text_only:
        phone = {
            "type": "twilio",
            "direction": "inbound",
            "phone_number_id": "phnum_01jz3p5q6r7s8t9v0w1x2y3z4a",
            "agent_number": "+14155550100",
            "external_number": "+14155550199",
            "call_result": "answered",
            "stream_sid": "MZ5f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e",
            "call_sid": "CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
        }
    return {
        "accepted_time_unix_secs": conversation.start + 1,
        "cost": rng.randint(50, 2000),
        "cost_fiat": round(rng.uniform(0.01, 0.5), 4),
        "feedback": {"type": "thumbs", "overall_score": rng.choice(["like", "dislike", None])},
        "charging": {"tier": "pro", "llm_price": round(rng.uniform(0.0001, 0.01), 6)},
        "phone_call": phone,
        "termination_reason": rng.choice(["end_call tool was called.", "Client disconnected", ""]),
        "error": {"code": 1011, "reason": "internal"} if conversation.status == "failed" else None,
        "warnings": [],
        "main_language": conversation.language,
        "text_only": conversation.text_only,
        "conversation_initiation_source": "widget" if conversation.text_only else "twilio",
    }


def _corrupted(line: bytes) -> bytes:
    """A detail the API sent with a string where a number belongs (ingestion keeps any JSON
    object, so this is the kind of bad record a part holds; non-JSON goes to rejected files)."""
    return line.replace(b'"call_duration_secs": ', b'"call_duration_secs": "about", "_was": ', 1)


def _write_part(args: tuple[str, dt.date, int, int, list[int], bool, float, float]) -> list[JSON]:
    """Write one detail part (and its recordings); returns its conversations' list items."""
    root, day, seed, number, indexes, final, seed_share, bad_share = args
    lake = Lake(root)
    lines: list[bytes] = []
    items: list[JSON] = []
    for index in indexes:
        conversation = Conversation(seed, index, day, seed_share)
        refetched = index % 33 == 0 and conversation.status == "done"
        line = json.dumps(conversation.detail(final=final or not refetched)).encode()
        if conversation.rng.random() < bad_share:
            line = _corrupted(line)
        lines.append(line)
        if not (final or not refetched):
            continue
        items.append(conversation.list_item())
        if conversation.has_audio and not conversation.seed_dialect:
            frames = round(conversation.duration / MP3_FRAME_SECS)
            directory = date_partition("audio", day)
            lake.write_bytes(f"{directory}/{conversation.conversation_id}.mp3", mp3_bytes(frames))
    name = f"part-{number:08d}.ndjson.zst"
    lake.write_bytes(f"{date_partition('raw/conversations', day)}/{name}", ndjson_zst(lines))
    return items


def generate_day(
    lake: Lake, day: dt.date, conversations: int, seed: int, seed_share: float, bad_share: float
) -> None:
    """Write the day's listing, detail parts, a rejected file and the recordings."""
    root = str(lake.root)
    chunks = [
        list(range(i, min(i + PART_SIZE, conversations)))
        for i in range(0, conversations, PART_SIZE)
    ]
    refetched = [i for i in range(conversations) if i % 33 == 0]
    jobs = [
        (root, day, seed, number, chunk, False, seed_share, bad_share)
        for number, chunk in enumerate(chunks, start=1)
    ]
    late = [refetched[i : i + PART_SIZE] for i in range(0, len(refetched), PART_SIZE)]
    jobs += [
        (root, day, seed, len(chunks) + n, chunk, True, seed_share, 0.0)
        for n, chunk in enumerate(late, start=1)
    ]
    with multiprocessing.get_context("spawn").Pool(os.cpu_count()) as pool:
        item_lists = pool.map(_write_part, jobs)
    by_id = {item["conversation_id"]: item for items in item_lists for item in items}
    items = sorted(by_id.values(), key=_listed_start, reverse=True)
    items += _other_day_seed_items(day, seed)
    pages = [
        {
            "conversations": items[i : i + PAGE_SIZE],
            "has_more": i + PAGE_SIZE < len(items),
            "next_cursor": f"cursor{i}",
        }
        for i in range(0, len(items), PAGE_SIZE)
    ]
    listing = f"{date_partition('raw/conversation_pages', day)}/listing.ndjson.zst"
    lake.write_bytes(listing, ndjson_zst(json.dumps(page).encode() for page in pages))
    rejected = [
        {
            "conversation_id": f"conv_rejected_{n}",
            "reason": "not JSON after 3 attempts",
            "body": "<html>",
        }
        for n in range(max(1, int(conversations * bad_share / 2)))
    ]
    rejected_path = (
        f"{date_partition('raw/conversations', day)}/rejected-{len(jobs) + 1:08d}.ndjson.zst"
    )
    lake.write_bytes(rejected_path, ndjson_zst(json.dumps(r).encode() for r in rejected))


def _listed_start(item: JSON) -> float:
    if "start_time_unix_secs" in item:
        return float(item["start_time_unix_secs"])
    return dt.datetime.fromisoformat(item["started_at"]).timestamp()


def _other_day_seed_items(day: dt.date, seed: int) -> list[JSON]:
    """Seed pages run past the day (no time filter): items of the day before, to be skipped."""
    before = day - dt.timedelta(days=1)
    return [Conversation(seed + 1, i, before, 1.0).list_item() for i in range(PAGE_SIZE)]


# ---------------------------------------------------------------------------------------------
# The baseline: per-record Python, the same five tables
# ---------------------------------------------------------------------------------------------


class UnreadableError(ValueError):
    """A record the baseline sets aside."""


def _num(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnreadableError(f"not a number: {value!r}")
    return float(value)


def _get(record: object, *path: str) -> Any:
    for key in path:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _utc_seconds(value: object) -> dt.datetime | None:
    seconds = _num(value)
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _iso(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    data = zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes())
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield number, line


def _check_detail(detail: JSON) -> None:
    """Raise UnreadableError where a number sits where the baseline expects one."""
    for key in ("start_time_unix_secs", "call_duration_secs", "cost_fiat"):
        _num(_get(detail, "metadata", key))
    for turn in detail.get("transcript") or []:
        _num(turn.get("time_in_call_secs"))


def baseline_normalise(lake: Lake, day: dt.date, out: Path) -> dict[str, int]:
    """Straightforward per-record normalisation of `day`; returns the rows written per table."""
    listed: dict[str, JSON] = {}
    quarantined = 0
    listing = lake.path(f"{date_partition('raw/conversation_pages', day)}/listing.ndjson.zst")
    for _, line in _lines(listing):
        for item in json.loads(line).get("conversations") or []:
            start = _utc_seconds(item.get("start_time_unix_secs")) or _iso(item.get("started_at"))
            if start is not None and start.date() == day:
                listed[item["conversation_id"]] = dict(item, _start=start)
    details: dict[str, JSON] = {}
    directory = lake.path(date_partition("raw/conversations", day))
    for path in sorted(directory.glob("part-*.ndjson.zst")):
        for _, line in _lines(path):
            try:
                detail = json.loads(line)
                _check_detail(detail)
            except (ValueError, UnreadableError):
                quarantined += 1
                continue
            details[detail["conversation_id"]] = detail
    for path in sorted(directory.glob("rejected-*.ndjson.zst")):
        quarantined += sum(1 for _ in _lines(path))
    audio = {p.stem: p for p in lake.path(date_partition("audio", day)).glob("*.mp3")}
    analyzer = SentimentIntensityAnalyzer()
    tables: dict[str, list[JSON]] = {t.name: [] for t in PARTITIONED_TABLES}
    for conversation_id in sorted(set(details) | set(listed)):
        detail = details.get(conversation_id)
        item = listed.get(conversation_id, {})
        tables["conversations"].append(
            _baseline_conversation(conversation_id, detail, item, audio, analyzer, day)
        )
        if detail is None:
            continue
        for index, turn in enumerate(detail.get("transcript") or []):
            tables["transcript_turns"].append(_baseline_turn(conversation_id, index, turn, day))
        tables["tool_calls"] += _baseline_tool_calls(conversation_id, detail, day)
        analysis = detail.get("analysis") or {}
        for criteria_id, result in (analysis.get("evaluation_criteria_results") or {}).items():
            tables["evaluation_results"].append(
                {
                    "conversation_id": conversation_id,
                    "start_date": day,
                    "criteria_id": criteria_id,
                    "result": result.get("result"),
                    "score": _num(result.get("score")),
                    "max_score": _num(result.get("max_score")),
                    "scoring_mode": result.get("scoring_mode"),
                    "rationale": result.get("rationale"),
                }
            )
        for item_id, collected in sorted((analysis.get("data_collection_results") or {}).items()):
            tables["data_collection_results"].append(
                _baseline_collected(conversation_id, item_id, collected, day)
            )
    rows = {}
    for table in PARTITIONED_TABLES:
        arrow = pa.Table.from_pylist(tables[table.name], schema=table.schema.to_arrow())
        target = out / table.name / f"date={day.isoformat()}"
        target.mkdir(parents=True, exist_ok=True)
        pq.write_table(arrow, target / "part-0.parquet", compression="zstd")
        rows[table.name] = arrow.num_rows
    rows["quarantine"] = quarantined
    return rows


def _baseline_conversation(
    conversation_id: str,
    detail: JSON | None,
    item: JSON,
    audio: dict[str, Path],
    analyzer: SentimentIntensityAnalyzer,
    day: dt.date,
) -> JSON:
    d = detail or {}
    meta = d.get("metadata") or {}
    analysis = d.get("analysis") or {}
    transcript = d.get("transcript")
    successful = analysis.get("successful")
    outcome = (
        analysis.get("call_successful")
        or ({True: "success", False: "failure"}.get(successful) if successful is not None else None)
        or item.get("call_successful")
        or "unknown"
    )
    language = meta.get("main_language") or item.get("main_language")
    api = item.get("sentiment_analysis") or {}
    label, score = (
        api.get("overall_label") or analysis.get("sentiment"),
        api.get("overall_sentiment_score"),
    )
    source = "api" if label is not None or score is not None else None
    english = not language or language.lower() == "en" or language.lower()[:3] in ("en-", "en_")
    if source is None and detail is not None and english:
        scores = [
            analyzer.polarity_scores(t["message"])["compound"]
            for t in transcript or []
            if t.get("role") == "user" and t.get("message") and t["message"].strip()
        ]
        if scores:
            score = sum(scores) / len(scores)
            label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
            source = "lexicon"
    recording = audio.get(conversation_id)
    length = None
    if recording is not None:
        with recording.open("rb") as handle:
            length = MPEGInfo(handle).length
    roles = [t.get("role") for t in transcript] if transcript is not None else None
    status = d.get("status") or item.get("status")
    start = _utc_seconds(meta.get("start_time_unix_secs")) or item.get("_start")
    return {
        "conversation_id": conversation_id,
        "agent_id": d.get("agent_id") or item.get("agent_id"),
        "agent_name": d.get("agent_name") or item.get("agent_name"),
        "start_time": start,
        "start_date": day,
        "status": status,
        "is_final": status in ("done", "failed", "completed"),
        "duration_secs": _num(meta.get("call_duration_secs"))
        or _num(item.get("call_duration_secs"))
        or _num(item.get("duration_seconds")),
        "call_successful": outcome,
        "success": {"success": True, "failure": False}.get(outcome),
        "call_success_score": analysis.get("call_success_score") or item.get("call_success_score"),
        "sentiment_label": label,
        "sentiment_score": score,
        "sentiment_source": source,
        "frustration_score": api.get("overall_frustration_score"),
        "message_count": len(transcript) if transcript is not None else item.get("message_count"),
        "user_turns": roles.count("user") if roles is not None else item.get("user_message_count"),
        "agent_turns": roles.count("agent")
        if roles is not None
        else item.get("agent_message_count"),
        "termination_reason": meta.get("termination_reason", item.get("termination_reason")),
        "main_language": language,
        "summary": analysis.get("transcript_summary")
        or analysis.get("summary")
        or item.get("transcript_summary"),
        "summary_title": analysis.get("call_summary_title") or item.get("call_summary_title"),
        "cost_credits": meta.get("cost") or item.get("cost"),
        "cost_usd": meta.get("cost_fiat") or item.get("cost_fiat"),
        "llm_cost_usd": _get(meta, "charging", "llm_price"),
        "has_audio": True if recording else (bool(d.get("has_audio")) if detail else None),
        "audio_path": f"{date_partition('audio', day)}/{conversation_id}.mp3"
        if recording
        else None,
        "audio_duration_secs": length,
        "direction": _get(meta, "phone_call", "direction") or item.get("direction"),
        "initiation_source": meta.get("conversation_initiation_source")
        or item.get("conversation_initiation_source"),
        "user_id": d.get("user_id") or _get(d, "conversation_initiation_client_data", "user_id"),
        "rating": _get(meta, "feedback", "rating") or item.get("rating"),
        "feedback_score": _get(meta, "feedback", "overall_score"),
        "text_only": meta.get("text_only"),
        "error_code": _get(meta, "error", "code"),
        "has_details": detail is not None,
        "dialect": "elevenlabs"
        if "start_time_unix_secs" in meta or "start_time_unix_secs" in item
        else "seed",
    }


def _baseline_turn(conversation_id: str, index: int, turn: JSON, day: dt.date) -> JSON:
    metrics = turn.get("conversation_turn_metrics") or {}
    metrics = metrics.get("metrics") or metrics
    usage = (_get(turn, "llm_usage", "model_usage") or {}).values()
    created = turn.get("created_at_unix_ms")

    def total(kinds: tuple[str, ...], field: str) -> Any:
        if not turn.get("llm_usage"):
            return None
        return sum((_get(model, kind, field) or 0) for model in usage for kind in kinds)

    return {
        "conversation_id": conversation_id,
        "start_date": day,
        "turn_index": index,
        "role": turn.get("role"),
        "message": turn.get("message"),
        "original_message": turn.get("original_message"),
        "time_in_call_secs": _num(turn.get("time_in_call_secs", turn.get("timestamp"))),
        "created_at": dt.datetime.fromtimestamp(created / 1000, dt.UTC) if created else None,
        "interrupted": turn.get("interrupted"),
        "source_medium": turn.get("source_medium"),
        "llm_ttfb_secs": _get(metrics, "convai_llm_service_ttfb", "elapsed_time"),
        "llm_ttf_sentence_secs": _get(metrics, "convai_llm_service_ttf_sentence", "elapsed_time"),
        "tts_ttfb_secs": _get(metrics, "convai_tts_service_ttfb", "elapsed_time"),
        "feedback_score": _get(turn, "feedback", "score"),
        "tool_call_count": len(turn.get("tool_calls") or []),
        "tool_result_count": len(turn.get("tool_results") or []),
        "llm_input_tokens": total(("input", "input_cache_read", "input_cache_write"), "tokens"),
        "llm_output_tokens": total(("output_total",), "tokens"),
        "llm_price_usd": total(
            ("input", "input_cache_read", "input_cache_write", "output_total"), "price"
        ),
        "rag_latency_secs": _get(turn, "rag_retrieval_info", "rag_latency_secs"),
    }


def _baseline_tool_calls(conversation_id: str, detail: JSON, day: dt.date) -> list[JSON]:
    results: dict[str | None, tuple[int | None, JSON]] = {}
    calls: list[tuple[int, JSON]] = []
    for index, turn in enumerate(detail.get("transcript") or []):
        calls += [(index, call) for call in turn.get("tool_calls") or []]
        for result in turn.get("tool_results") or []:
            results.setdefault(result.get("request_id"), (index, result))
    rows = []
    for index, call in calls:
        result_index, result = results.get(call.get("request_id"), (None, {}))
        rows.append(
            {
                "conversation_id": conversation_id,
                "start_date": day,
                "request_id": call.get("request_id"),
                "tool_name": call.get("tool_name"),
                "tool_type": call.get("type") or result.get("type"),
                "tool_id": call.get("tool_id"),
                "call_turn_index": index,
                "result_turn_index": result_index,
                "params_json": call.get("params_as_json"),
                "has_result": result_index is not None,
                "is_error": result.get("is_error") if result_index is not None else None,
                "error_type": result.get("error_type"),
                "latency_secs": result.get("tool_latency_secs"),
                "result_type": _get(result, "result", "result_type"),
                "result_value": result.get("result_value"),
            }
        )
    return rows


def _baseline_collected(conversation_id: str, item_id: str, collected: JSON, day: dt.date) -> JSON:
    value = collected.get("value")
    kind = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        dict: "object",
        list: "array",
    }
    return {
        "conversation_id": conversation_id,
        "start_date": day,
        "data_collection_id": item_id,
        "value_text": value
        if isinstance(value, str)
        else None
        if value is None
        else json.dumps(value),
        "value_json": json.dumps(value),
        "value_type": kind.get(type(value), "null"),
        "schema_type": _get(collected, "json_schema", "type"),
        "rationale": collected.get("rationale"),
    }


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def _run_one(which: str, lake_dir: Path, day: dt.date) -> None:
    """Child process: run one implementation, print its rows, seconds and peak RSS as JSON."""
    lake = Lake(lake_dir)
    started = time.perf_counter()
    if which == "ours":
        published = publish_day(lake, day)
        rows = dict(published.rows, quarantine=sum(published.quarantined.values()))
    else:
        rows = baseline_normalise(lake, day, lake_dir / "baseline")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "cpu_seconds": sum(os.times()[:4]),
                "peak_rss_bytes": peak,
                "peak_worker_rss_bytes": workers,
            }
        )
    )


def _measure(which: str, lake_dir: Path, day: dt.date) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--run",
        which,
        "--lake",
        str(lake_dir),
        "--day",
        day.isoformat(),
    ]
    before = os.getloadavg()[0]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["load"] = (before, os.getloadavg()[0])
    return result


def _machine() -> str:
    cpu = Path("/proc/cpuinfo").read_text().splitlines()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpu if line.startswith("model name")), ""
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, polars {pl.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--conversations",
        type=int,
        default=100_000,
        help="conversations in the day (default 100000)",
    )
    parser.add_argument(
        "--day", type=dt.date.fromisoformat, default=dt.date(2025, 7, 14), help="partition date"
    )
    parser.add_argument(
        "--lake", type=Path, default=SCRATCH, help=f"scratch lake (default {SCRATCH})"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the synthetic day")
    parser.add_argument(
        "--seed-share", type=float, default=0.05, help="share of seed-dialect conversations"
    )
    parser.add_argument(
        "--bad-share", type=float, default=0.0001, help="share of details with a wrong-typed field"
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite the raw day even if present"
    )
    parser.add_argument("--generate-only", action="store_true", help="write the raw day and stop")
    parser.add_argument(
        "--rounds", type=int, default=1, help="times to run both, alternating (default 1)"
    )
    parser.add_argument("--run", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        _run_one(args.run, args.lake, args.day)
        return
    lake = Lake(args.lake)
    marker = lake.path(f"raw/.generated-{args.conversations}-{args.seed}")
    if args.regenerate or not marker.exists():
        started = time.perf_counter()
        for old in ("raw", "audio", "parquet", "quarantine", "baseline"):
            subprocess.run(["rm", "-rf", str(lake.path(old))], check=True)
        generate_day(lake, args.day, args.conversations, args.seed, args.seed_share, args.bad_share)
        marker.touch()
        print(f"generated the raw day in {time.perf_counter() - started:.1f} s")
    if args.generate_only:
        return
    raw_bytes = sum(p.stat().st_size for p in lake.path("raw").rglob("*.zst"))
    print(f"machine: {_machine()}")
    print(f"date: {dt.datetime.now(dt.UTC).isoformat(timespec='minutes')}")
    speedups = []
    for round_ in range(1, args.rounds + 1):
        ours = _measure("ours", args.lake, args.day)
        baseline = _measure("baseline", args.lake, args.day)
        conversations = ours["rows"]["conversations"]
        if round_ == 1:
            print(
                f"raw day: {conversations} conversations, {ours['rows']['transcript_turns']} "
                f"turns, {raw_bytes / 2**20:.0f} MiB compressed"
            )
        print(f"round {round_}:")
        for name, result in (("ours", ours), ("baseline", baseline)):
            rate = conversations / result["seconds"]
            load = ", ".join(f"{x:.1f}" for x in result["load"])
            print(
                f"  {name:9s} {result['seconds']:7.1f} s wall, {result['cpu_seconds']:7.1f} s CPU, "
                f"{rate:7.0f} conversations/s, "
                f"peak RSS {result['peak_rss_bytes'] / 2**20:5.0f} MiB "
                f"(largest worker process {result['peak_worker_rss_bytes'] / 2**20:4.0f} MiB), "
                f"load average before/after {load}"
            )
        speedups.append(baseline["seconds"] / ours["seconds"])
        print(f"  speed-up: {speedups[-1]:.1f}x")
        print(f"  rows (ours):     {ours['rows']}")
        print(f"  rows (baseline): {baseline['rows']}")
        print("  row counts equal:", ours["rows"] == baseline["rows"])
    print("speed-ups:", ", ".join(f"{x:.1f}x" for x in speedups))


if __name__ == "__main__":
    main()

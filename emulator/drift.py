"""Schema drift: how real payloads deviate from the SDK's models (elevenlabs-real-api.md §7).

A drifted conversation gains undeclared fields, carries enum values nobody has seen, loses
optional or "required" fields (`has_audio`, `analysis` while processing), sends turn metrics
without their `metrics` wrapper and `null` instead of empty tool lists. None of it changes a
fact the metrics are computed from (status, outcome, duration, cost, sentiment, start time,
language, user text), so the ground truth holds with drift on.
"""

from __future__ import annotations

import random
from typing import Any

from emulator.seeding import rng, unit

UNKNOWN_SOURCE = "carrier_pigeon_sdk"
UNKNOWN_MEDIUM = "hologram"
_AUDIO_FLAGS = ("has_audio", "has_user_audio", "has_response_audio", "has_auxiliary_audio")
_BARE_ITEM_DROPS = ("branch_id", "version_id", "direction", "tool_names", "rating", "tag_ids")


def drifts(seed: int, rate: float, conversation_id: str) -> bool:
    """Whether this conversation is one of the drifted ones (the same on every fetch)."""
    return rate > 0 and unit(seed, "drift", conversation_id) < rate


def drift_source(seed: int, conversation_id: str) -> random.Random:
    return rng(seed, "drift-shape", conversation_id)


def _turn(turn: dict[str, Any], r: random.Random) -> None:
    metrics = turn.get("conversation_turn_metrics")
    if metrics and "metrics" in metrics and r.random() < 0.7:
        turn["conversation_turn_metrics"] = metrics["metrics"]
    for key in ("tool_calls", "tool_results"):
        if turn.get(key) == [] and r.random() < 0.5:
            turn[key] = None
    for call in turn.get("tool_calls") or ():
        if r.random() < 0.5:
            call.pop("type", None)
    if turn.get("role") == "user" and r.random() < 0.3:
        turn["source_medium"] = UNKNOWN_MEDIUM


def elevenlabs_detail(doc: dict[str, Any], r: random.Random) -> None:
    for flag in _AUDIO_FLAGS:
        if r.random() < 0.6:
            doc.pop(flag, None)
    if doc.get("analysis") is None and r.random() < 0.7:
        doc.pop("analysis", None)
    if r.random() < 0.5:
        doc.pop("conversation_initiation_client_data", None)
    doc["workspace_region"] = "eu-west-2"
    metadata = doc["metadata"]
    metadata["trace_id"] = f"{r.getrandbits(64):016x}"
    if "conversation_initiation_source" in metadata:
        metadata["conversation_initiation_source"] = UNKNOWN_SOURCE
    for turn in doc["transcript"]:
        _turn(turn, r)


def elevenlabs_item(doc: dict[str, Any], r: random.Random) -> None:
    for key in _BARE_ITEM_DROPS:
        if r.random() < 0.5:
            doc.pop(key, None)
    doc["conversation_initiation_source"] = UNKNOWN_SOURCE
    doc["workspace_region"] = "eu-west-2"


def seed_detail(doc: dict[str, Any], r: random.Random) -> None:
    if r.random() < 0.5:
        doc.pop("metadata", None)
    for turn in doc["transcript"]:
        if r.random() < 0.3:
            turn.pop("timestamp", None)
    doc["channel_id"] = f"ch_{r.getrandbits(32):08x}"


def seed_item(doc: dict[str, Any], r: random.Random) -> None:
    doc["channel_id"] = f"ch_{r.getrandbits(32):08x}"

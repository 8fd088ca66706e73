"""Every document in the seed spec's shapes (../shared/elevenlabs-convai-openapi.yml): ISO
date-times, `active|completed|failed` statuses, a boolean `successful`, a label-only
`sentiment`, string-valued `metadata`, and no tools, costs or languages in conversations.

The seed transcript's `message` is a string, so tool-only turns (message null) are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from emulator.model import Agent, Conversation, Document, Tool, Turn
from emulator.phrases import topic
from emulator.state import merge

_STATUSES = {"done": "completed", "failed": "failed"}
_SUCCESS = {"success": True, "failure": False}


def iso(unix_secs: int) -> str:
    return dt.datetime.fromtimestamp(unix_secs, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status(c: Conversation) -> str:
    return _STATUSES.get(c.status, "active")


def list_item(c: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": c.conversation_id,
        "agent_id": c.agent_id,
        "status": status(c),
        "started_at": iso(c.start_time),
        "duration_seconds": c.duration_secs,
    }


def transcript(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    return [
        {"role": t.role, "message": t.message, "timestamp": t.time_in_call_secs}
        for t in turns
        if t.message is not None
    ]


def _analysis(c: Conversation) -> dict[str, Any]:
    analysis: dict[str, Any] = {"summary": c.summary}
    if c.api_sentiment is not None:
        analysis["sentiment"] = c.api_sentiment.label
    if c.call_successful in _SUCCESS:
        analysis["successful"] = _SUCCESS[c.call_successful]
    return analysis


def _metadata(c: Conversation) -> dict[str, str]:
    metadata = {"channel": c.initiation_source}
    if c.termination_reason:
        metadata["termination_reason"] = c.termination_reason
    if c.direction:
        metadata["direction"] = c.direction
    if c.user_id:
        metadata["user_id"] = c.user_id
    return metadata


def detail(c: Conversation) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "conversation_id": c.conversation_id,
        "agent_id": c.agent_id,
        "status": status(c),
        "transcript": transcript(c.transcript),
    }
    if c.analysed:
        rendered["analysis"] = _analysis(c)
    rendered["metadata"] = _metadata(c)
    return rendered


def agent_summary(agent: Agent) -> dict[str, Any]:
    return {"agent_id": agent.agent_id, "name": agent.name, "created_at": iso(agent.created_at)}


def agent_detail(agent: Agent) -> dict[str, Any]:
    config = {
        "agent": {
            "prompt": {"prompt": f"You are {agent.name}. Help callers politely."},
            "first_message": topic(agent.language, agent.topic).greeting,
            "language": agent.language,
        },
        "tts": {"voice_id": agent.voice_id, "model_id": "eleven_flash_v2"},
        "stt": {"model_id": "scribe_v1"},
        "llm": {"model_id": agent.llm, "temperature": 0.0},
    }
    metadata = {"tags": ",".join(agent.tags), "channel": agent.channel}
    return {
        "agent_id": agent.agent_id,
        "name": agent.name,
        "conversation_config": merge(config, agent.overrides.get("conversation_config", {})),
        "created_at": iso(agent.created_at),
        "metadata": merge(metadata, agent.overrides.get("metadata", {})),
    }


def tool(t: Tool) -> dict[str, Any]:
    if t.config is not None:
        return {"tool_id": t.tool_id, **t.config, "created_at": iso(t.created_at)}
    rendered: dict[str, Any] = {
        "tool_id": t.tool_id,
        "name": t.name,
        "type": t.kind,
        "description": t.description,
    }
    if t.url:
        rendered["webhook_url"] = t.url.split("{")[0]
    rendered["parameters"] = {
        "type": "object",
        "properties": {p: {"type": "string"} for p in t.params},
    }
    rendered["created_at"] = iso(t.created_at)
    return rendered


def document(d: Document) -> dict[str, Any]:
    return {
        "document_id": d.document_id,
        "name": d.name,
        "type": d.kind,
        "created_at": iso(d.created_at),
    }

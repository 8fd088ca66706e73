"""Agents, tools and knowledge-base documents in the real API's shapes
(`GetAgentsPageResponseModel`, `GetAgentResponseModel`, `ToolsResponseModel`,
`GetKnowledgeBaseListResponseModel`, ...).

JSON a client sent when creating or patching a resource is laid over the rendered document, so
that what was written is what is read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulator.model import Agent, Creator, Document, Tool
from emulator.phrases import topic
from emulator.state import merge


def access_info(creator: Creator) -> dict[str, Any]:
    return {
        "is_creator": creator.is_creator,
        "creator_name": creator.name,
        "creator_email": creator.email,
        "role": creator.role,
        "anonymous_access_level_override": None,
        "access_source": "creator" if creator.is_creator else "workspace_default",
    }


def agent_summary(agent: Agent, last_call: int | None) -> dict[str, Any]:
    return {
        "agent_id": agent.agent_id,
        "name": agent.name,
        "voice_id": agent.voice_id,
        "tags": list(agent.tags),
        "created_at_unix_secs": agent.created_at,
        "updated_at_unix_secs": agent.updated_at,
        "access_info": access_info(agent.creator),
        "last_call_time_unix_secs": last_call,
        "archived": False,
    }


def _end_call_tool() -> dict[str, Any]:
    return {
        "type": "system",
        "name": "end_call",
        "description": "",
        "response_timeout_secs": 20,
        "params": {"system_tool_type": "end_call"},
    }


def _conversation_config(agent: Agent, documents: Sequence[Document]) -> dict[str, Any]:
    text_only = agent.channel == "chat"
    audio_format = "ulaw_8000" if agent.phone else "pcm_16000"
    language_detection = None
    if len(agent.languages) > 1:
        language_detection = {
            "type": "system",
            "name": "language_detection",
            "description": "",
            "response_timeout_secs": 20,
            "params": {"system_tool_type": "language_detection"},
        }
    return {
        "asr": {
            "quality": "high",
            "provider": "elevenlabs",
            "user_input_audio_format": audio_format,
        },
        "turn": {"turn_timeout": 7.0, "silence_end_call_timeout": 20.0},
        "tts": {
            "model_id": "eleven_flash_v2_5" if len(agent.languages) > 1 else "eleven_flash_v2",
            "voice_id": agent.voice_id,
            "agent_output_audio_format": audio_format,
            "stability": 0.5,
            "speed": 1.0,
            "similarity_boost": 0.8,
        },
        "conversation": {"text_only": text_only, "max_duration_seconds": 3600},
        "language_presets": {},
        "agent": {
            "first_message": topic(agent.language, agent.topic).greeting,
            "language": agent.language,
            "dynamic_variables": {"dynamic_variable_placeholders": {}},
            "prompt": {
                "prompt": f"You are {agent.name}. Help callers politely and end the call when "
                "they have no more questions.",
                "llm": agent.llm,
                "temperature": 0.0,
                "max_tokens": -1,
                "tool_ids": list(agent.tool_ids),
                "built_in_tools": {
                    "end_call": _end_call_tool(),
                    "language_detection": language_detection,
                    "transfer_to_agent": None,
                    "transfer_to_number": None,
                    "skip_turn": None,
                    "play_keypad_touch_tone": None,
                    "voicemail_detection": None,
                },
                "mcp_server_ids": [],
                "native_mcp_server_ids": [],
                "knowledge_base": [
                    {"type": d.kind, "name": d.name, "id": d.document_id, "usage_mode": "auto"}
                    for d in documents
                ],
                "ignore_default_personality": False,
                "timezone": None,
            },
        },
    }


def _platform_settings(agent: Agent) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "evaluation": {
            "criteria": [
                {
                    "id": c.criterion_id,
                    "name": c.criterion_id,
                    "type": "prompt",
                    "conversation_goal_prompt": c.goal,
                    "use_knowledge_base": False,
                    "scoring_mode": "binary",
                }
                for c in agent.criteria
            ]
        },
        "data_collection": {
            f.field_id: {
                "type": f.value_type,
                "description": f.description,
                **({"enum": list(f.enum)} if f.enum else {}),
            }
            for f in agent.data_fields
        },
        "archived": False,
        "summary_language": None,
    }
    if agent.sentiment_enabled:
        settings["sentiment_analysis"] = {}
    return settings


def _phone_numbers(agent: Agent) -> list[dict[str, Any]]:
    phone = agent.phone
    if phone is None:
        return []
    number: dict[str, Any] = {
        "provider": phone.provider,
        "phone_number": phone.number,
        "label": phone.label,
        "phone_number_id": phone.phone_number_id,
        "supports_inbound": agent.direction == "inbound",
        "supports_outbound": agent.direction == "outbound",
    }
    if phone.provider == "sip_trunk":
        number["livekit_stack"] = "standard"
    return [number]


def agent_detail(agent: Agent, documents: Sequence[Document]) -> dict[str, Any]:
    """`GetAgentResponseModel`; `documents` are the agent's knowledge-base documents."""
    overrides = agent.overrides
    return {
        "agent_id": agent.agent_id,
        "name": agent.name,
        "conversation_config": merge(
            _conversation_config(agent, documents), overrides.get("conversation_config", {})
        ),
        "metadata": {
            "created_at_unix_secs": agent.created_at,
            "updated_at_unix_secs": agent.updated_at,
        },
        "platform_settings": merge(
            _platform_settings(agent), overrides.get("platform_settings", {})
        ),
        "phone_numbers": _phone_numbers(agent),
        "access_info": access_info(agent.creator),
        "tags": list(agent.tags),
        "version_id": agent.version_id,
        "branch_id": agent.branch_id,
        "main_branch_id": agent.branch_id,
    }


def tool(t: Tool) -> dict[str, Any]:
    """`ToolResponseModel`: a created tool serves back the `tool_config` it was created with."""
    config: dict[str, Any]
    if t.config is not None:
        config = dict(t.config)
    elif t.kind == "client":
        config = {
            "type": "client",
            "name": t.name,
            "description": t.description,
            "response_timeout_secs": 20,
            "expects_response": False,
            "parameters": {
                "type": "object",
                "required": list(t.params),
                "properties": {p: {"type": "string", "description": p} for p in t.params},
            },
        }
    else:
        config = {
            "type": "webhook",
            "name": t.name,
            "description": t.description,
            "response_timeout_secs": 20,
            "api_schema": {
                "url": t.url,
                "method": t.method,
                "path_params_schema": {
                    p: {"type": "string", "description": p}
                    for p in t.params
                    if "{" + p + "}" in (t.url or "")
                },
                "request_headers": {"Accept": "application/json"},
            },
        }
    return {
        "id": t.tool_id,
        "tool_config": config,
        "access_info": access_info(t.creator),
        "usage_stats": {"total_calls": t.total_calls, "avg_latency_secs": t.avg_latency_secs},
    }


def dependent_agent(agent: Agent) -> dict[str, Any]:
    return {
        "type": "available",
        "id": agent.agent_id,
        "name": agent.name,
        "created_at_unix_secs": agent.created_at,
        "access_level": agent.creator.role,
    }


def document(d: Document, dependents: Sequence[Agent]) -> dict[str, Any]:
    """A knowledge-base list entry, with the agents that use it."""
    rendered: dict[str, Any] = {
        "type": d.kind,
        "id": d.document_id,
        "name": d.name,
        "metadata": {
            "created_at_unix_secs": d.created_at,
            "last_updated_at_unix_secs": d.updated_at,
            "size_bytes": d.size_bytes,
        },
        "supported_usages": ["prompt", "auto"],
        "access_info": access_info(d.creator),
        "folder_parent_id": None,
        "folder_path": [],
        "dependent_agents": [dependent_agent(a) for a in dependents],
    }
    if d.kind == "url":
        rendered["url"] = d.url
    if d.kind == "folder":
        rendered["children_count"] = d.children
        rendered["document_count"] = d.children
    return rendered

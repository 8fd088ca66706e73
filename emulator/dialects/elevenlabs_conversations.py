"""Conversations in the real API's shapes: list items (`ConversationSummaryResponseModel`) and
details (`GetConversationResponseModel`), field for field as in ../shared/samples.

Only fields the official SDK declares are sent; the real world's deviations (missing `has_audio`,
unwrapped turn metrics, ...) are schema drift, injected by `drift`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from emulator.dialects.elevenlabs_turns import (
    PRICE_PER_INPUT_TOKEN,
    PRICE_PER_OUTPUT_TOKEN,
    model_usage,
    turn,
)
from emulator.model import Conversation, LlmUsage


def _counts(c: Conversation) -> tuple[int, int]:
    users = sum(1 for t in c.transcript if t.role == "user")
    return users, len(c.transcript) - users


def list_item(c: Conversation, *, summary: bool) -> dict[str, Any]:
    """A list item; `summary` adds `transcript_summary` (`summary_mode=include`)."""
    if not c.is_final and c.status != "processing":
        bare: dict[str, Any] = {
            "agent_id": c.agent_id,
            "agent_name": c.agent_name,
            "conversation_id": c.conversation_id,
            "start_time_unix_secs": c.start_time,
            "call_duration_secs": c.duration_secs,
            "message_count": len(c.transcript),
            "status": c.status,
            "call_successful": c.call_successful,
            "conversation_initiation_source": c.initiation_source,
            "direction": c.direction,
        }
        if summary:
            bare["transcript_summary"] = None
        return bare
    users, agents = _counts(c)
    item: dict[str, Any] = {
        "agent_id": c.agent_id,
        "branch_id": c.branch_id,
        "version_id": c.version_id,
        "agent_name": c.agent_name,
        "conversation_id": c.conversation_id,
        "start_time_unix_secs": c.start_time,
        "call_duration_secs": c.duration_secs,
        "cost": c.cost,
        "cost_fiat": c.cost_fiat,
        "message_count": len(c.transcript),
        "user_message_count": users,
        "agent_message_count": agents,
        "status": c.status,
        "termination_reason": c.termination_reason,
        "call_successful": c.call_successful,
        "call_success_score": c.success_score,
    }
    if summary:
        item["transcript_summary"] = c.summary
    item.update(
        call_summary_title=c.title,
        main_language=c.main_language,
        conversation_initiation_source=c.initiation_source,
        tool_names=c.tool_names,
        direction=c.direction,
        rating=c.rating,
    )
    if c.api_sentiment is not None:
        s = c.api_sentiment
        item["sentiment_analysis"] = {
            "overall_label": s.label,
            "overall_sentiment_score": s.score,
            "overall_frustration_score": s.frustration,
            "min_user_sentiment_score": s.min_user_score,
            "max_user_frustration_score": s.max_user_frustration,
            "num_scored_user_turns": s.scored_turns,
        }
    item["tag_ids"] = []
    return item


def _charging(c: Conversation) -> dict[str, Any] | None:
    usages = [t.llm_usage for t in c.transcript if t.llm_usage is not None]
    if c.cost is None or not usages:
        return None
    total = LlmUsage(
        usages[0].model,
        sum(u.input_tokens for u in usages),
        sum(u.output_tokens for u in usages),
    )
    llm_price = round(
        total.input_tokens * PRICE_PER_INPUT_TOKEN + total.output_tokens * PRICE_PER_OUTPUT_TOKEN,
        7,
    )
    llm_charge = min(c.cost, max(1, round(llm_price * 10000)))
    usage = {"model_usage": model_usage(total)}
    return {
        "dev_discount": False,
        "is_burst": False,
        "tier": "pro",
        "llm_usage": {"irreversible_generation": usage, "initiated_generation": usage},
        "llm_price": llm_price,
        "llm_charge": llm_charge,
        "call_charge": c.cost - llm_charge,
        "free_minutes_consumed": 0.0,
        "free_llm_dollars_consumed": 0.0,
    }


def _feedback(c: Conversation) -> dict[str, Any]:
    likes = sum(1 for t in c.transcript if t.feedback == "like")
    dislikes = sum(1 for t in c.transcript if t.feedback == "dislike")
    overall = None if likes == dislikes else ("like" if likes > dislikes else "dislike")
    rating = None if c.rating is None else int(c.rating)
    return {
        "type": "rating" if rating is not None else "thumbs",
        "overall_score": overall,
        "likes": likes,
        "dislikes": dislikes,
        "rating": rating,
        "comment": None,
    }


def _phone_call(c: Conversation) -> dict[str, Any] | None:
    p = c.phone_call
    if p is None:
        return None
    call: dict[str, Any] = {
        "type": "twilio" if p.provider == "twilio" else "sip_trunking",
        "direction": c.direction or "inbound",
        "phone_number_id": p.phone_number_id,
        "agent_number": p.agent_number,
        "external_number": p.external_number,
        "call_result": "answered",
    }
    if p.provider == "twilio":
        call["stream_sid"] = "MZ" + p.call_sid[2:]
    call["call_sid"] = p.call_sid
    return call


def _features(c: Conversation) -> dict[str, Any]:
    off = {"enabled": False, "used": False}
    detection = any(
        call.tool_name == "language_detection" for t in c.transcript for call in t.tool_calls
    )
    return {
        "language_detection": {"enabled": detection, "used": detection},
        "transfer_to_agent": off,
        "transfer_to_number": off,
        "multivoice": off,
        "dtmf_tones": off,
        "external_mcp_servers": off,
        "pii_zrm_workspace": False,
        "pii_zrm_agent": False,
        "tool_dynamic_variable_updates": off,
        "is_livekit": False,
        "voicemail_detection": off,
        "workflow": {"enabled": False},
        "agent_testing": {
            "enabled": False,
            "tests_ran_after_last_modification": False,
            "tests_ran_in_last_7_days": False,
        },
        "versioning": {"enabled": True, "used": True},
    }


def _metadata(c: Conversation) -> dict[str, Any]:
    if not c.is_final:
        return {"start_time_unix_secs": c.start_time, "call_duration_secs": c.duration_secs}
    rag_turns = sum(1 for t in c.transcript if t.rag is not None)
    return {
        "start_time_unix_secs": c.start_time,
        "accepted_time_unix_secs": c.start_time + (1 if c.phone_call else 0),
        "call_duration_secs": c.duration_secs,
        "cost": c.cost,
        "cost_fiat": c.cost_fiat,
        "deletion_settings": {
            "deletion_time_unix_secs": None,
            "deleted_logs_at_time_unix_secs": None,
            "deleted_audio_at_time_unix_secs": c.audio_deleted_at,
            "deleted_transcript_at_time_unix_secs": None,
            "delete_transcript_and_pii": False,
            "delete_audio": c.audio_deleted_at is not None,
        },
        "feedback": _feedback(c),
        "authorization_method": "signed_url" if c.phone_call else "public",
        "charging": _charging(c),
        "phone_call": _phone_call(c),
        "batch_call": None,
        "termination_reason": c.termination_reason,
        "error": None if c.error is None else {"code": c.error[0], "reason": c.error[1]},
        "warnings": [],
        "main_language": c.main_language,
        "rag_usage": {"usage_count": rag_turns, "embedding_model": "e5_mistral_7b_instruct"}
        if rag_turns
        else None,
        "text_only": c.text_only,
        "features_usage": _features(c),
        "eleven_assistant": {"is_eleven_assistant": False},
        "initiator_id": None,
        "conversation_initiation_source": c.initiation_source,
        "conversation_initiation_source_version": None,
        "timezone": None,
        "async_metadata": None,
        "whatsapp": None,
        "sms": None,
        "agent_created_from": "ui",
        "agent_last_updated_from": "api",
    }


def analysis(c: Conversation) -> dict[str, Any] | None:
    if not c.analysed:
        return None
    return {
        "evaluation_criteria_results": {
            e.criterion_id: {
                "criteria_id": e.criterion_id,
                "result": e.result,
                "rationale": e.rationale,
                "scoring_mode": "binary",
                "score": None,
                "max_score": None,
            }
            for e in c.evaluation
        },
        "data_collection_results": {
            d.data_field.field_id: {
                "data_collection_id": d.data_field.field_id,
                "name": d.data_field.field_id,
                "value": d.value,
                "json_schema": {
                    "type": d.data_field.value_type,
                    "description": d.data_field.description,
                    **({"enum": list(d.data_field.enum)} if d.data_field.enum else {}),
                },
                "rationale": d.rationale,
            }
            for d in c.data
        },
        "call_successful": c.call_successful,
        "call_success_score": c.success_score,
        "transcript_summary": c.summary,
        "call_summary_title": c.title,
    }


def _client_data(c: Conversation) -> dict[str, Any]:
    phone = c.phone_call
    system: dict[str, Any] = {
        "system__agent_id": c.agent_id,
        "system__conversation_id": c.conversation_id,
        "system__caller_id": phone.external_number if phone else None,
        "system__called_number": phone.agent_number if phone else None,
        "system__call_duration_secs": c.duration_secs,
        "system__time_utc": dt.datetime.fromtimestamp(c.start_time, dt.UTC).isoformat(),
        "system__call_sid": phone.call_sid if phone else None,
    }
    if c.text_only:
        system = dict.fromkeys(system)
    return {
        "conversation_config_override": {
            "asr": None,
            "turn": None,
            "tts": None,
            "conversation": None,
            "agent": None,
        },
        "custom_llm_extra_body": {},
        "user_id": c.user_id,
        "source_info": {"source": c.initiation_source, "version": None},
        "branch_id": None,
        "environment": None,
        "dynamic_variables": system,
    }


def detail(c: Conversation) -> dict[str, Any]:
    users, agents = _counts(c)
    audio = c.has_audio
    return {
        "agent_id": c.agent_id,
        "agent_name": c.agent_name,
        "conversation_product": "agents",
        "status": c.status,
        "user_id": c.user_id,
        "branch_id": c.branch_id,
        "version_id": c.version_id,
        "conversation_id": c.conversation_id,
        "environment": "production",
        "has_audio": audio,
        "has_user_audio": audio,
        "has_response_audio": audio,
        "has_auxiliary_audio": False,
        "user_message_count": users,
        "agent_message_count": agents,
        "visited_agents": [{"agent_id": c.agent_id, "branch_id": c.branch_id}],
        "tag_ids": [],
        "transcript": [turn(c, t) for t in c.transcript],
        "metadata": _metadata(c),
        "analysis": analysis(c),
        "conversation_initiation_client_data": _client_data(c),
    }

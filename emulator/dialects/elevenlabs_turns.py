"""Transcript turns in the real API's shape (`ConversationHistoryTranscriptResponseModel`):
tool calls with their details, tool results (system ones with their typed `result`), per-turn
latency metrics, token usage and RAG retrieval info."""

from __future__ import annotations

from typing import Any

from emulator.model import Conversation, LlmUsage, ToolCall, ToolResult, Turn, TurnMetrics

PRICE_PER_INPUT_TOKEN = 1e-7
PRICE_PER_OUTPUT_TOKEN = 4e-7


def model_usage(usage: LlmUsage) -> dict[str, Any]:
    return {
        usage.model: {
            "input": {
                "tokens": usage.input_tokens,
                "price": round(usage.input_tokens * PRICE_PER_INPUT_TOKEN, 7),
            },
            "input_cache_read": {"tokens": 0, "price": 0.0},
            "input_cache_write": {"tokens": 0, "price": 0.0},
            "output_total": {
                "tokens": usage.output_tokens,
                "price": round(usage.output_tokens * PRICE_PER_OUTPUT_TOKEN, 7),
            },
        }
    }


def _turn_metrics(m: TurnMetrics) -> dict[str, Any]:
    metrics = {"convai_llm_service_ttfb": {"elapsed_time": m.llm_ttfb}}
    if m.llm_ttf_sentence is not None:
        metrics["convai_llm_service_ttf_sentence"] = {"elapsed_time": m.llm_ttf_sentence}
    if m.tts_ttfb is not None:
        metrics["convai_tts_service_ttfb"] = {"elapsed_time": m.tts_ttfb}
    return {"metrics": metrics}


def _tool_call(call: ToolCall) -> dict[str, Any]:
    details: dict[str, Any] | None = None
    if call.kind == "webhook":
        details = {
            "type": "webhook",
            "method": call.method,
            "url": call.url,
            "headers": {"Accept": "application/json"},
            "path_params": dict(call.path_params),
            "query_params": {},
            "body": None if call.method == "GET" else call.params_json,
        }
    elif call.kind == "client":
        details = {"type": "client", "parameters": call.params_json}
    return {
        "type": call.kind,
        "request_id": call.request_id,
        "tool_name": call.tool_name,
        "tool_id": call.tool_id,
        "params_as_json": call.params_json,
        "tool_has_been_called": True,
        "tool_details": details,
    }


def _tool_result(result: ToolResult) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "type": result.kind,
        "request_id": result.request_id,
        "tool_name": result.tool_name,
        "tool_id": result.tool_id,
        "result_value": result.result_value,
        "is_error": result.is_error,
        "is_blocked": False,
        "tool_has_been_called": True,
        "tool_latency_secs": result.latency_secs,
        "error_type": result.error_type,
        "raw_error_message": "Request timed out after 20 seconds" if result.is_error else None,
        "dynamic_variable_updates": [],
    }
    if result.system_result is not None:
        rendered["result"] = dict(result.system_result)
    return rendered


def turn(c: Conversation, t: Turn) -> dict[str, Any]:
    agent_metadata = None
    if t.role == "agent":
        agent_metadata = {
            "agent_id": c.agent_id,
            "branch_id": c.branch_id,
            "workflow_node_id": None,
            "version_id": c.version_id,
        }
    rag = None
    if t.rag is not None:
        rag = {
            "chunks": [
                {"document_id": t.rag.document_id, "chunk_id": chunk, "vector_distance": 0.21}
                for chunk in t.rag.chunk_ids
            ],
            "embedding_model": "e5_mistral_7b_instruct",
            "retrieval_query": t.rag.query,
            "rag_latency_secs": round(t.rag.latency_secs, 3),
        }
    feedback = None
    if t.feedback is not None:
        feedback = {"score": t.feedback, "time_in_call_secs": t.time_in_call_secs + 2}
    return {
        "role": t.role,
        "agent_metadata": agent_metadata,
        "message": t.message,
        "tool_calls": [_tool_call(call) for call in t.tool_calls],
        "tool_results": [_tool_result(r) for r in t.tool_results],
        "feedback": feedback,
        "llm_override": None,
        "time_in_call_secs": t.time_in_call_secs,
        "conversation_turn_metrics": None if t.metrics is None else _turn_metrics(t.metrics),
        "rag_retrieval_info": rag,
        "llm_usage": None if t.llm_usage is None else {"model_usage": model_usage(t.llm_usage)},
        "interrupted": t.interrupted,
        "original_message": t.original_message,
        "source_medium": t.source_medium,
    }

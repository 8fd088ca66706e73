"""The parts of the raw JSON bodies the normaliser reads, as polars dtypes, both dialects at once.

Each shape lists the real API's field names (`elevenlabs-real-api.md`) beside the seed spec's
(`elevenlabs-convai-openapi.yml`); a body carries one set or the other and the absent fields read
as null. Fields not listed are skipped by the reader (they stay in the raw lake). A value of the
wrong JSON type where a number or a boolean belongs makes the reader reject the record, which is
how such records reach quarantine. Text fields accept any JSON value (non-strings arrive as JSON
text), and dicts keyed by user-defined ids (model names, criteria ids) are `pl.Map`s, so a key
like `gemini-2.5-flash` is never split on its dots.

Polars builds nested values inside a list of structs slowly (ten times the cost of the rest of
a detail), so the nested parts of transcript turns are read as JSON text and decoded after the
read, column-wise and just as strictly: `RawShape.parse` does both. Details are mostly read by
DuckDB instead (`fast_read`, about twice as fast), with polars parsing the lines DuckDB might
read more leniently and any file DuckDB cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from assets.normalised.fast_read import FastReader


@dataclass(frozen=True)
class RawShape:
    """How one kind of raw record is parsed: `schema` is the typed result; `read_schema` is what
    polars parses each line with, and `decoded` turns its JSON-text parts into `schema`."""

    schema: pl.Schema
    read_schema: pl.Schema
    decoded: tuple[pl.Expr, ...] = field(default=())
    # Big files only: DuckDB reads them, guarded so that polars still decides what is bad.
    fast: FastReader | None = None

    def parse(self, data: bytes) -> pl.DataFrame:
        """Parse NDJSON `data`; raises a polars error when any record does not fit."""
        return pl.read_ndjson(data, schema=self.read_schema).with_columns(*self.decoded)


def plain(schema: pl.Schema) -> RawShape:
    """A shape polars parses in one go."""
    return RawShape(schema, schema)


TEXT = pl.String()
NUMBER = pl.Float64()
COUNT = pl.Int64()
FLAG = pl.Boolean()

_TOKENS = pl.Struct({"tokens": COUNT, "price": NUMBER})
_MODEL_USAGE = pl.Struct(
    {
        "input": _TOKENS,
        "input_cache_read": _TOKENS,
        "input_cache_write": _TOKENS,
        "output_total": _TOKENS,
    }
)
_ELAPSED = pl.Struct({"elapsed_time": NUMBER})
TURN_METRIC_NAMES = (
    "convai_llm_service_ttfb",
    "convai_llm_service_ttf_sentence",
    "convai_tts_service_ttfb",
)
_METRICS = pl.Struct(dict.fromkeys(TURN_METRIC_NAMES, _ELAPSED))

TOOL_CALL = pl.Struct(
    {
        "request_id": TEXT,
        "tool_name": TEXT,
        "type": TEXT,
        "tool_id": TEXT,
        "params_as_json": TEXT,
    }
)
TOOL_RESULT = pl.Struct(
    {
        "request_id": TEXT,
        "tool_name": TEXT,
        "type": TEXT,
        "result_value": TEXT,
        "is_error": FLAG,
        "tool_latency_secs": NUMBER,
        "error_type": TEXT,
        "result": pl.Struct({"result_type": TEXT}),
    }
)

TURN = pl.Struct(
    {
        "role": TEXT,
        "message": TEXT,
        "original_message": TEXT,
        "time_in_call_secs": NUMBER,
        "timestamp": NUMBER,  # seed: seconds from the start of the call
        "created_at_unix_ms": COUNT,
        "interrupted": FLAG,
        "source_medium": TEXT,
        "feedback": pl.Struct({"score": TEXT}),
        # The SDK and real captures wrap the metrics in `metrics`; the webhook docs do not.
        "conversation_turn_metrics": pl.Struct({"metrics": _METRICS, **_METRICS.to_schema()}),
        "llm_usage": pl.Struct({"model_usage": pl.Map(TEXT, _MODEL_USAGE)}),
        "rag_retrieval_info": pl.Struct({"rag_latency_secs": NUMBER}),
        "tool_calls": pl.List(TOOL_CALL),
        "tool_results": pl.List(TOOL_RESULT),
    }
)

EVALUATION_RESULT = pl.Struct(
    {
        "criteria_id": TEXT,
        "result": TEXT,
        "rationale": TEXT,
        "scoring_mode": TEXT,
        "score": NUMBER,
        "max_score": NUMBER,
    }
)

CONVERSATION_DETAIL = pl.Schema(
    {
        "conversation_id": TEXT,
        "agent_id": TEXT,
        "agent_name": TEXT,
        "status": TEXT,
        "user_id": TEXT,
        "has_audio": FLAG,
        "transcript": pl.List(TURN),
        "metadata": pl.Struct(
            {
                "start_time_unix_secs": NUMBER,
                "call_duration_secs": NUMBER,
                "cost": COUNT,
                "cost_fiat": NUMBER,
                "charging": pl.Struct({"llm_price": NUMBER}),
                "phone_call": pl.Struct({"direction": TEXT}),
                "termination_reason": TEXT,
                "main_language": TEXT,
                "text_only": FLAG,
                "error": pl.Struct({"code": COUNT}),
                "conversation_initiation_source": TEXT,
                "feedback": pl.Struct({"overall_score": TEXT, "rating": NUMBER}),
            }
        ),
        "analysis": pl.Struct(
            {
                "call_successful": TEXT,
                "successful": FLAG,  # seed
                "call_success_score": NUMBER,
                "transcript_summary": TEXT,
                "summary": TEXT,  # seed
                "call_summary_title": TEXT,
                "sentiment": TEXT,  # seed
                "evaluation_criteria_results": pl.Map(TEXT, EVALUATION_RESULT),
                # Item bodies as JSON text: their `value` may be of any JSON type.
                "data_collection_results": pl.Map(TEXT, TEXT),
                # Newer responses may carry the same items as lists.
                "evaluation_criteria_results_list": pl.List(EVALUATION_RESULT),
                "data_collection_results_list": pl.List(TEXT),
            }
        ),
        "conversation_initiation_client_data": pl.Struct({"user_id": TEXT}),
    }
)

LIST_ITEM = pl.Struct(
    {
        "conversation_id": TEXT,
        "agent_id": TEXT,
        "agent_name": TEXT,
        "status": TEXT,
        "start_time_unix_secs": NUMBER,
        "started_at": TEXT,  # seed: ISO date-time
        "call_duration_secs": NUMBER,
        "duration_seconds": NUMBER,  # seed
        "message_count": COUNT,
        "user_message_count": COUNT,
        "agent_message_count": COUNT,
        "call_successful": TEXT,
        "call_success_score": NUMBER,
        "termination_reason": TEXT,
        "transcript_summary": TEXT,
        "call_summary_title": TEXT,
        "main_language": TEXT,
        "conversation_initiation_source": TEXT,
        "direction": TEXT,
        "rating": NUMBER,
        "cost": COUNT,
        "cost_fiat": NUMBER,
        "sentiment_analysis": pl.Struct(
            {
                "overall_label": TEXT,
                "overall_sentiment_score": NUMBER,
                "overall_frustration_score": NUMBER,
            }
        ),
    }
)


AGENT_LIST_ITEM = pl.Struct(
    {
        "agent_id": TEXT,
        "name": TEXT,
        "voice_id": TEXT,
        "tags": pl.List(TEXT),
        "created_at_unix_secs": NUMBER,
        "created_at": TEXT,  # seed: ISO date-time
        "updated_at_unix_secs": NUMBER,
        "last_call_time_unix_secs": NUMBER,
        "archived": FLAG,
    }
)

AGENT_DETAIL = plain(
    pl.Schema(
        {
            "agent_id": TEXT,
            "name": TEXT,
            "created_at": TEXT,  # seed
            "tags": pl.List(TEXT),
            "metadata": pl.Struct({"created_at_unix_secs": NUMBER, "updated_at_unix_secs": NUMBER}),
            "conversation_config": pl.Struct(
                {
                    "agent": pl.Struct(
                        {
                            "language": TEXT,
                            "prompt": pl.Struct(
                                {
                                    "llm": TEXT,
                                    "tool_ids": pl.List(TEXT),
                                    "knowledge_base": pl.List(pl.Struct({"id": TEXT})),
                                }
                            ),
                        }
                    ),
                    "tts": pl.Struct({"voice_id": TEXT}),
                    "llm": pl.Struct({"model_id": TEXT}),  # seed
                }
            ),
            "platform_settings": pl.Struct(
                {
                    "archived": FLAG,
                    "evaluation": pl.Struct({"criteria": pl.List(pl.Struct({"id": TEXT}))}),
                    "data_collection": pl.Map(TEXT, TEXT),
                }
            ),
        }
    )
)

TOOL_LIST_ITEM = pl.Struct(
    {
        "id": TEXT,
        "tool_id": TEXT,  # seed
        "name": TEXT,  # seed
        "type": TEXT,  # seed
        "description": TEXT,  # seed
        "webhook_url": TEXT,  # seed
        "created_at": TEXT,  # seed
        "tool_config": pl.Struct(
            {
                "type": TEXT,
                "name": TEXT,
                "description": TEXT,
                "api_schema": pl.Struct({"url": TEXT}),
            }
        ),
        "usage_stats": pl.Struct({"total_calls": COUNT, "avg_latency_secs": NUMBER}),
    }
)

KNOWLEDGE_BASE_LIST_ITEM = pl.Struct(
    {
        "id": TEXT,
        "document_id": TEXT,  # seed
        "name": TEXT,
        "type": TEXT,
        "url": TEXT,
        "created_at": TEXT,  # seed
        "metadata": pl.Struct(
            {
                "created_at_unix_secs": NUMBER,
                "last_updated_at_unix_secs": NUMBER,
                "size_bytes": COUNT,
            }
        ),
        "dependent_agents": pl.List(pl.Struct({"id": TEXT})),
    }
)

# Seed dialect only: one line per document with the dependent-agents response as `body`.
KNOWLEDGE_BASE_DEPENDENTS = plain(
    pl.Schema(
        {
            "document_id": TEXT,
            "body": pl.Struct({"agents": pl.List(pl.Struct({"agent_id": TEXT}))}),
        }
    )
)


def _turns_with_text(schema: pl.Schema, fields: tuple[str, ...]) -> RawShape:
    """`schema` with the `fields` of each transcript turn read as JSON text, then decoded."""
    turn = pl.Struct(TURN.to_schema())
    as_text = pl.Struct({k: TEXT if k in fields else v for k, v in turn.to_schema().items()})
    decode = pl.element().struct.with_fields(
        *(pl.field(name).str.json_decode(turn.to_schema()[name]) for name in fields)
    )
    return RawShape(
        schema=schema,
        read_schema=pl.Schema({**schema, "transcript": pl.List(as_text)}),
        decoded=(pl.col("transcript").list.eval(decode),),
        fast=FastReader(schema),
    )


DETAIL = _turns_with_text(
    CONVERSATION_DETAIL,
    (
        "conversation_turn_metrics",
        "llm_usage",
        "tool_calls",
        "tool_results",
        "feedback",
        "rag_retrieval_info",
    ),
)
REJECTED = plain(pl.Schema({"conversation_id": TEXT, "reason": TEXT, "body": TEXT}))

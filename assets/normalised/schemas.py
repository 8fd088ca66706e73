"""The normalised tables, declared once: name, grain, typed columns with one-line descriptions.

The normaliser casts to these schemas, the warehouse loads them, and docs/tables.md is generated
from them, so a column means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

UTC_TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    description: str


@dataclass(frozen=True)
class Table:
    """A normalised table: `grain` says what one row is; `key` is unique per row."""

    name: str
    grain: str
    key: tuple[str, ...]
    partitioned: bool
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def conform(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame`'s columns of this table, in its order, cast to its declared types."""
        return frame.select(pl.col(c.name).cast(c.dtype) for c in self.columns)


def _c(name: str, dtype: pl.DataType, description: str) -> Column:
    return Column(name, dtype, description)


_CONVERSATION_ID = _c("conversation_id", pl.String(), "Conversation id as sent by the API.")
_START_DATE = _c("start_date", pl.Date(), "UTC date the conversation started: the partition.")

CONVERSATIONS = Table(
    name="conversations",
    grain="One row per conversation: its latest fetched state.",
    key=("conversation_id",),
    partitioned=True,
    columns=(
        _CONVERSATION_ID,
        _c("agent_id", pl.String(), "Agent that handled the conversation."),
        _c("agent_name", pl.String(), "Agent name as sent with the conversation."),
        _c(
            "start_time",
            UTC_TIME,
            "When the call started (UTC); NULL for a seed-dialect detail no longer listed "
            "(seed details carry no start).",
        ),
        _START_DATE,
        _c(
            "status",
            pl.String(),
            "Status as sent (initiated, in-progress, processing, done, "
            "failed; seed: active, completed, failed).",
        ),
        _c("is_final", pl.Boolean(), "Status is done or failed (seed: completed or failed)."),
        _c(
            "duration_secs",
            pl.Float64(),
            "Call duration in seconds (call_duration_secs; seed: duration_seconds).",
        ),
        _c(
            "call_successful",
            pl.String(),
            "success, failure or unknown (seed's boolean "
            "`successful` mapped to these; absent means unknown).",
        ),
        _c("success", pl.Boolean(), "True for success, false for failure, NULL otherwise."),
        _c("call_success_score", pl.Float64(), "The API's success score, when sent."),
        _c("sentiment_label", pl.String(), "positive, neutral, negative or NULL."),
        _c("sentiment_score", pl.Float64(), "Sentiment in [-1, 1] or NULL."),
        _c(
            "sentiment_source",
            pl.String(),
            "api (list item sentiment_analysis or seed "
            "analysis.sentiment), lexicon (VADER on user turns) or NULL.",
        ),
        _c(
            "frustration_score",
            pl.Float64(),
            "sentiment_analysis.overall_frustration_score, when sent.",
        ),
        _c("message_count", pl.Int32(), "Transcript entries, tool-only turns included."),
        _c("user_turns", pl.Int32(), "Transcript entries by the user."),
        _c("agent_turns", pl.Int32(), "Transcript entries by the agent."),
        _c("termination_reason", pl.String(), "Why the call ended (free text, as sent)."),
        _c("main_language", pl.String(), "Main language code, e.g. en."),
        _c(
            "summary",
            pl.String(),
            "Transcript summary (analysis.transcript_summary; seed: analysis.summary).",
        ),
        _c("summary_title", pl.String(), "Short title of the call (call_summary_title)."),
        _c("cost_credits", pl.Int64(), "Cost in credits (cost)."),
        _c("cost_usd", pl.Float64(), "Cost in USD (cost_fiat); NULL where not tracked."),
        _c(
            "llm_cost_usd",
            pl.Float64(),
            "LLM share of the cost in USD (metadata.charging.llm_price).",
        ),
        _c(
            "has_audio",
            pl.Boolean(),
            "A recording exists (its file is in the lake, or the detail says so); NULL when "
            "only the list item is known.",
        ),
        _c(
            "audio_path",
            pl.String(),
            "Recording path relative to the lake root; NULL when there is none.",
        ),
        _c("audio_duration_secs", pl.Float64(), "Recording length read from the MP3 headers."),
        _c("direction", pl.String(), "inbound or outbound (telephony)."),
        _c(
            "initiation_source",
            pl.String(),
            "Where the call came from (twilio, widget, sip_trunk, ...).",
        ),
        _c("user_id", pl.String(), "The caller's user id, when the integration sends one."),
        _c("rating", pl.Float64(), "Caller rating, when sent."),
        _c("feedback_score", pl.String(), "Overall caller feedback: like or dislike."),
        _c("text_only", pl.Boolean(), "A text chat rather than a call."),
        _c("error_code", pl.Int32(), "metadata.error.code for failed calls."),
        _c(
            "has_details",
            pl.Boolean(),
            "The detail response was fetched; false when only the list item is known.",
        ),
        _c("dialect", pl.String(), "API shape the record came in: elevenlabs or seed."),
    ),
)

TRANSCRIPT_TURNS = Table(
    name="transcript_turns",
    grain="One row per transcript entry, in the order the API sent them.",
    key=("conversation_id", "turn_index"),
    partitioned=True,
    columns=(
        _CONVERSATION_ID,
        _START_DATE,
        _c("turn_index", pl.Int32(), "Position in the transcript, from 0 (never re-sorted)."),
        _c("role", pl.String(), "user or agent."),
        _c("message", pl.String(), "Text as sent; NULL on tool-only turns."),
        _c("original_message", pl.String(), "Full text when the turn was cut off or altered."),
        _c("time_in_call_secs", pl.Float64(), "Seconds from call start (seed: timestamp)."),
        _c("created_at", UTC_TIME, "When the turn was created (created_at_unix_ms), if sent."),
        _c("interrupted", pl.Boolean(), "The turn was interrupted by the other side."),
        _c("source_medium", pl.String(), "audio, text, dtmf, image or file."),
        _c("llm_ttfb_secs", pl.Float64(), "LLM time to first byte (convai_llm_service_ttfb)."),
        _c(
            "llm_ttf_sentence_secs",
            pl.Float64(),
            "LLM time to first sentence (convai_llm_service_ttf_sentence).",
        ),
        _c("tts_ttfb_secs", pl.Float64(), "TTS time to first byte (convai_tts_service_ttfb)."),
        _c("feedback_score", pl.String(), "Caller feedback on this turn: like or dislike."),
        _c("tool_call_count", pl.Int32(), "Tool calls made in this turn."),
        _c("tool_result_count", pl.Int32(), "Tool results returned in this turn."),
        _c(
            "llm_input_tokens",
            pl.Int64(),
            "LLM input tokens (fresh, cache reads and cache writes), summed over models.",
        ),
        _c("llm_output_tokens", pl.Int64(), "LLM output tokens, summed over models."),
        _c(
            "llm_price_usd",
            pl.Float64(),
            "LLM price of the turn in USD, summed over models and token kinds.",
        ),
        _c("rag_latency_secs", pl.Float64(), "Knowledge-base retrieval latency, when used."),
    ),
)

TOOL_CALLS = Table(
    name="tool_calls",
    grain="One row per tool call, joined to its result by request_id.",
    key=("conversation_id", "request_id"),
    partitioned=True,
    columns=(
        _CONVERSATION_ID,
        _START_DATE,
        _c("request_id", pl.String(), "Call id; the result carries the same one."),
        _c("tool_name", pl.String(), "Tool name (system tools: end_call, ...)."),
        _c("tool_type", pl.String(), "system, webhook, client, mcp, workflow, ... as sent."),
        _c("tool_id", pl.String(), "Workspace tool id; NULL for system tools."),
        _c("call_turn_index", pl.Int32(), "Transcript entry holding the call."),
        _c(
            "result_turn_index",
            pl.Int32(),
            "Transcript entry holding the result (often the "
            "next one); NULL when no result came back.",
        ),
        _c("params_json", pl.String(), "Call parameters as the JSON text sent."),
        _c("has_result", pl.Boolean(), "A result with the same request_id was found."),
        _c("is_error", pl.Boolean(), "The result reports an error; NULL without a result."),
        _c("error_type", pl.String(), "Error type of a failed call, when sent."),
        _c("latency_secs", pl.Float64(), "Tool latency (tool_latency_secs)."),
        _c("result_type", pl.String(), "System tool result kind (end_call_success, ...)."),
        _c("result_value", pl.String(), "Result as the text sent (often JSON in a string)."),
    ),
)

EVALUATION_RESULTS = Table(
    name="evaluation_results",
    grain="One row per conversation and evaluation criterion.",
    key=("conversation_id", "criteria_id"),
    partitioned=True,
    columns=(
        _CONVERSATION_ID,
        _START_DATE,
        _c(
            "criteria_id",
            pl.String(),
            "User-defined criterion id (may hold spaces, / and non-ASCII).",
        ),
        _c("result", pl.String(), "success, failure or unknown (open: other values kept)."),
        _c("score", pl.Float64(), "Numeric score, for numeric scoring modes."),
        _c("max_score", pl.Float64(), "Highest possible score, for numeric scoring modes."),
        _c("scoring_mode", pl.String(), "binary or numeric_uniform."),
        _c("rationale", pl.String(), "The evaluator's explanation."),
    ),
)

DATA_COLLECTION_RESULTS = Table(
    name="data_collection_results",
    grain="One row per conversation and data collection item.",
    key=("conversation_id", "data_collection_id"),
    partitioned=True,
    columns=(
        _CONVERSATION_ID,
        _START_DATE,
        _c("data_collection_id", pl.String(), "User-defined item id."),
        _c(
            "value_text",
            pl.String(),
            "The value as text (strings as sent, other values as JSON); NULL when null.",
        ),
        _c("value_json", pl.String(), "The value as JSON, keeping its type."),
        _c(
            "value_type",
            pl.String(),
            "JSON type of the value: string, integer, number, boolean, object, array or null "
            "(NULL when the item itself is not a JSON object).",
        ),
        _c("schema_type", pl.String(), "Declared type (json_schema.type), when sent."),
        _c("rationale", pl.String(), "The extractor's explanation."),
    ),
)

AGENTS = Table(
    name="agents",
    grain="One row per agent in the latest catalogue snapshot.",
    key=("agent_id",),
    partitioned=False,
    columns=(
        _c("agent_id", pl.String(), "Agent id."),
        _c("name", pl.String(), "Display name."),
        _c("created_at", UTC_TIME, "When the agent was created."),
        _c("updated_at", UTC_TIME, "When the agent was last changed, if sent."),
        _c("language", pl.String(), "Default language of the agent."),
        _c("llm", pl.String(), "Language model the agent's prompt uses."),
        _c("voice_id", pl.String(), "TTS voice id."),
        _c("tags", pl.List(pl.String()), "Tags set on the agent."),
        _c("archived", pl.Boolean(), "The agent is archived."),
        _c("tool_ids", pl.List(pl.String()), "Workspace tools the agent may call."),
        _c("knowledge_base_ids", pl.List(pl.String()), "Knowledge-base documents it uses."),
        _c("evaluation_criteria", pl.Int32(), "Number of evaluation criteria configured."),
        _c("data_collection_items", pl.Int32(), "Number of data collection items configured."),
        _c("last_call_time", UTC_TIME, "Start of the agent's latest call, if sent."),
    ),
)

TOOLS = Table(
    name="tools",
    grain="One row per workspace tool in the latest catalogue snapshot.",
    key=("tool_id",),
    partitioned=False,
    columns=(
        _c("tool_id", pl.String(), "Tool id."),
        _c("name", pl.String(), "Tool name, as it appears in tool calls."),
        _c("tool_type", pl.String(), "webhook, client, system or mcp."),
        _c("description", pl.String(), "What the tool does."),
        _c("webhook_url", pl.String(), "Endpoint of a webhook tool."),
        _c("created_at", UTC_TIME, "When the tool was created, if sent."),
        _c("total_calls", pl.Int64(), "Calls counted by the API (usage_stats.total_calls)."),
        _c("avg_latency_secs", pl.Float64(), "Mean latency counted by the API."),
    ),
)

KNOWLEDGE_BASE_DOCUMENTS = Table(
    name="knowledge_base_documents",
    grain="One row per knowledge-base document in the latest catalogue snapshot.",
    key=("document_id",),
    partitioned=False,
    columns=(
        _c("document_id", pl.String(), "Document id."),
        _c("name", pl.String(), "Display name."),
        _c("document_type", pl.String(), "file, url, text or folder."),
        _c("url", pl.String(), "Source URL of a url document."),
        _c("created_at", UTC_TIME, "When the document was added."),
        _c("updated_at", UTC_TIME, "When it last changed, if sent."),
        _c("size_bytes", pl.Int64(), "Size, if sent."),
        _c("dependent_agent_ids", pl.List(pl.String()), "Agents that use the document."),
    ),
)

QUARANTINE = Table(
    name="quarantine",
    grain="One row per raw record that could not be read, with why and where its copy is.",
    key=("raw_path", "raw_line", "raw_item"),
    partitioned=True,
    columns=(
        _c("table", pl.String(), "Normalised table the record was meant for."),
        _c("conversation_id", pl.String(), "Conversation id, when it could be read."),
        _START_DATE,
        _c("reason", pl.String(), "Why the record was set aside."),
        _c("raw_path", pl.String(), "Raw file holding the record, relative to the lake root."),
        _c(
            "raw_line",
            pl.Int64(),
            "Line of the record in that file, from 1 (for a file that breaks off: the "
            "first line lost).",
        ),
        _c(
            "raw_item",
            pl.Int32(),
            "Index of the record in its line's list, from 0 (list-page items); "
            "NULL when the whole line is the record.",
        ),
        _c("excerpt", pl.String(), "The record's first 500 characters."),
    ),
)

PARTITIONED_TABLES: tuple[Table, ...] = (
    CONVERSATIONS,
    TRANSCRIPT_TURNS,
    TOOL_CALLS,
    EVALUATION_RESULTS,
    DATA_COLLECTION_RESULTS,
)
CATALOGUE_TABLES: tuple[Table, ...] = (AGENTS, TOOLS, KNOWLEDGE_BASE_DOCUMENTS)
TABLES: dict[str, Table] = {t.name: t for t in (*PARTITIONED_TABLES, *CATALOGUE_TABLES)}

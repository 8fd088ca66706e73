"""The emulator's data model, independent of any dialect: what happened, not how it is sent.

Renderers (`emulator.dialects`) turn these values into JSON; the ground truth
(`emulator.truth`) reads them directly, so both sides agree on every fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Role = Literal["user", "agent"]
Status = Literal["initiated", "in-progress", "processing", "done", "failed"]
Outcome = Literal["success", "failure", "unknown"]
Mood = Literal["positive", "neutral", "negative"]
ValueType = Literal["string", "integer", "boolean", "number"]
DocumentKind = Literal["file", "url", "text", "folder"]
JsonObject = Mapping[str, Any]

FINAL_STATUSES: frozenset[str] = frozenset({"done", "failed"})


@dataclass(frozen=True, slots=True)
class Creator:
    """Who made a catalogue resource, as `access_info` reports it."""

    name: str
    email: str
    is_creator: bool
    role: Literal["admin", "editor", "commenter", "viewer"]


@dataclass(frozen=True, slots=True)
class Criterion:
    """An evaluation criterion of an agent; ids may hold spaces, '/' and non-ASCII."""

    criterion_id: str
    goal: str


@dataclass(frozen=True, slots=True)
class DataField:
    """A data collection field of an agent, typed like its `json_schema`."""

    field_id: str
    value_type: ValueType
    description: str
    enum: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    phone_number_id: str
    number: str
    provider: Literal["twilio", "sip_trunk"]
    label: str


@dataclass(frozen=True)
class Agent:
    """A conversational agent. `index` is its generation slot (None for agents made by clients);
    `overrides` is JSON a client sent (create, patch), merged over the rendered document."""

    agent_id: str
    name: str
    created_at: int
    updated_at: int
    languages: tuple[str, ...]
    topic: str
    channel: Literal["twilio", "sip_trunk", "widget", "chat"]
    direction: Literal["inbound", "outbound"] | None
    voice_id: str
    llm: str
    tags: tuple[str, ...]
    tool_ids: tuple[str, ...]
    document_ids: tuple[str, ...]
    sentiment_enabled: bool
    criteria: tuple[Criterion, ...]
    data_fields: tuple[DataField, ...]
    creator: Creator
    phone: PhoneNumber | None
    branch_id: str
    version_id: str
    index: int | None = None
    overrides: JsonObject = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.languages[0]


@dataclass(frozen=True)
class ToolSpec:
    """What a workspace tool does: its name, kind, endpoint and parameters."""

    name: str
    kind: Literal["webhook", "client"]
    description: str
    url: str | None
    method: str | None
    params: tuple[str, ...]


@dataclass(frozen=True)
class Tool(ToolSpec):
    """A workspace tool. `config` is the JSON a client created it with, if any."""

    tool_id: str
    created_at: int
    total_calls: int
    avg_latency_secs: float
    creator: Creator
    config: JsonObject | None = None


@dataclass(frozen=True)
class Document:
    """A knowledge-base document (or folder)."""

    document_id: str
    name: str
    kind: DocumentKind
    created_at: int
    updated_at: int
    size_bytes: int
    creator: Creator
    url: str | None = None
    children: int = 0


@dataclass(frozen=True, slots=True)
class ToolCall:
    request_id: str
    tool_name: str
    kind: Literal["webhook", "client", "system"]
    tool_id: str | None
    params_json: str
    method: str | None = None
    url: str | None = None
    path_params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ToolResult:
    request_id: str
    tool_name: str
    kind: Literal["webhook", "client", "system"]
    tool_id: str | None
    result_value: str
    is_error: bool
    latency_secs: float
    error_type: str | None = None
    system_result: JsonObject | None = None


@dataclass(frozen=True, slots=True)
class TurnMetrics:
    """Per-turn latencies in seconds: LLM time to first byte and sentence, TTS first byte."""

    llm_ttfb: float
    llm_ttf_sentence: float | None
    tts_ttfb: float | None


@dataclass(frozen=True, slots=True)
class LlmUsage:
    model: str
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class RagInfo:
    document_id: str
    chunk_ids: tuple[str, ...]
    query: str
    latency_secs: float


@dataclass(frozen=True, slots=True)
class Turn:
    """One transcript entry; `message` is None on tool-only turns."""

    role: Role
    message: str | None
    time_in_call_secs: int
    source_medium: str | None = None
    interrupted: bool = False
    original_message: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()
    metrics: TurnMetrics | None = None
    llm_usage: LlmUsage | None = None
    feedback: Literal["like", "dislike"] | None = None
    rag: RagInfo | None = None


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    criterion_id: str
    result: Outcome
    rationale: str


@dataclass(frozen=True, slots=True)
class DataResult:
    """A collected value: typed by the field, or None, or the literal string "None"."""

    data_field: DataField
    value: str | int | float | bool | None
    rationale: str


@dataclass(frozen=True, slots=True)
class ApiSentiment:
    """The post-call sentiment the API puts on list items of agents that enable it."""

    label: Mood
    score: float
    frustration: float
    min_user_score: float
    max_user_frustration: float
    scored_turns: int


@dataclass(frozen=True, slots=True)
class PhoneCall:
    provider: Literal["twilio", "sip_trunk"]
    phone_number_id: str
    agent_number: str
    external_number: str
    call_sid: str


@dataclass(frozen=True)
class Conversation:
    """One conversation as it is currently served (see `pending_view`)."""

    conversation_id: str
    agent_id: str
    agent_name: str
    branch_id: str
    version_id: str
    start_time: int
    duration_secs: int
    status: Status
    pending_status: Status | None
    call_successful: Outcome
    success_score: float | None
    summary: str | None
    title: str | None
    main_language: str | None
    transcript: tuple[Turn, ...]
    termination_reason: str
    error: tuple[int, str] | None
    cost: int | None
    cost_fiat: float | None
    has_audio: bool
    audio_deleted_at: int | None
    text_only: bool
    initiation_source: str
    direction: Literal["inbound", "outbound"] | None
    phone_call: PhoneCall | None
    evaluation: tuple[EvaluationResult, ...]
    data: tuple[DataResult, ...]
    api_sentiment: ApiSentiment | None
    rating: float | None
    user_id: str | None
    llm: str

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def analysed(self) -> bool:
        """Post-call analysis has run: only `done` conversations carry it."""
        return self.status == "done"

    @property
    def user_messages(self) -> list[str]:
        return [t.message for t in self.transcript if t.role == "user" and t.message]

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools called, in first-call order."""
        calls = (call.tool_name for turn in self.transcript for call in turn.tool_calls)
        return list(dict.fromkeys(calls))


def pending_view(conversation: Conversation) -> Conversation:
    """The conversation before it is final: a call still running has no duration, audio, cost
    or analysis and half its transcript; one being processed has its transcript only."""
    status = conversation.pending_status
    if status is None:
        return conversation
    running = status in ("initiated", "in-progress")
    transcript = conversation.transcript
    if running:
        transcript = tuple(replace(t, feedback=None) for t in transcript[: len(transcript) // 2])
    return replace(
        conversation,
        status=status,
        duration_secs=0 if running else conversation.duration_secs,
        transcript=transcript,
        call_successful="unknown",
        success_score=None,
        summary=None,
        title=None,
        termination_reason="",
        error=None,
        cost=None,
        cost_fiat=None,
        has_audio=False,
        audio_deleted_at=None,
        evaluation=(),
        data=(),
        api_sentiment=None,
        rating=None,
    )

"""Transcripts as real calls produce them: a greeting, a request, exchanges with tool calls whose
results often arrive in the next turn (message null), interruptions, per-turn latency metrics
and feedback, and a goodbye that usually ends the call with the `end_call` system tool.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import partial
from typing import Literal

from emulator.model import (
    Agent,
    LlmUsage,
    Mood,
    RagInfo,
    Tool,
    ToolCall,
    ToolResult,
    Turn,
    TurnMetrics,
)
from emulator.phrases import VOICES, topic

_END_CALL_REASON = "The caller confirmed they had no further questions."


@dataclass(frozen=True)
class Call:
    """What a transcript needs to know about its conversation."""

    agent: Agent
    tools: tuple[Tool, ...]
    language: str
    mood: Mood
    duration_secs: int
    text_only: bool
    failed: bool


def _request_id(r: random.Random, name: str) -> str:
    return f"{name}_{r.getrandbits(128):032x}"


def _param_value(r: random.Random, name: str) -> str:
    if "time" in name or "slot" in name:
        return f"2025-07-{r.randrange(1, 29):02d}T{r.randrange(9, 21):02d}:30"
    if name in ("amount",):
        return f"{r.randrange(5, 200)}.{r.randrange(100):02d}"
    if name in ("party_size",):
        return str(r.randrange(1, 9))
    if "id" in name or "nummer" in name or "number" in name:
        return str(r.randrange(10000, 99999))
    return r.choice(("main", "airport", "desserts", "city centre"))


def _tool_exchange(r: random.Random, tool: Tool) -> tuple[ToolCall, ToolResult]:
    """A call of a workspace tool and its result (an error now and then)."""
    params = {name: _param_value(r, name) for name in tool.params}
    request_id = _request_id(r, tool.name)
    url = tool.url or ""
    path_params = tuple((k, v) for k, v in params.items() if "{" + k + "}" in url)
    for key, value in path_params:
        url = url.replace("{" + key + "}", value)
    call = ToolCall(
        request_id=request_id,
        tool_name=tool.name,
        kind=tool.kind,
        tool_id=tool.tool_id,
        params_json=json.dumps(params),
        method=tool.method,
        url=url or None,
        path_params=path_params,
    )
    failed = r.random() < 0.07
    if tool.kind == "client":
        value = "Shown to the user."
    elif failed:
        value = json.dumps({"error": "upstream timed out"})
    else:
        value = json.dumps({"status": "ok", **params, "reference": f"R{r.randrange(10**6):06d}"})
    result = ToolResult(
        request_id=request_id,
        tool_name=tool.name,
        kind=tool.kind,
        tool_id=tool.tool_id,
        result_value=value,
        is_error=failed,
        latency_secs=round(r.uniform(0.08, 1.6), 3),
        error_type="timeout" if failed else None,
    )
    return call, result


def _system_exchange(
    r: random.Random, name: str, params: dict[str, str], result: dict[str, str | None]
) -> tuple[ToolCall, ToolResult]:
    """A call of a built-in system tool (`end_call`, `language_detection`) and its result."""
    request_id = _request_id(r, name)
    call = ToolCall(request_id, name, "system", None, json.dumps(params))
    outcome = ToolResult(
        request_id=request_id,
        tool_name=name,
        kind="system",
        tool_id=f"__system_{name}",
        result_value=json.dumps(result),
        is_error=False,
        latency_secs=round(r.uniform(0.0001, 0.002), 5),
        system_result=result,
    )
    return call, outcome


def _metrics(r: random.Random, text_only: bool) -> TurnMetrics:
    ttfb = round(r.uniform(0.25, 0.9), 3)
    sentence = round(ttfb + r.uniform(0.1, 0.5), 3) if r.random() < 0.8 else None
    tts = None if text_only else round(r.uniform(0.08, 0.4), 3)
    return TurnMetrics(llm_ttfb=ttfb, llm_ttf_sentence=sentence, tts_ttfb=tts)


class _Builder:
    """Accumulates turns; times are given once the number of turns is known."""

    def __init__(self, r: random.Random, call: Call) -> None:
        self.r = r
        self.call = call
        self.turns: list[partial[Turn]] = []  # each still needs its time_in_call_secs
        self.messages: list[str | None] = []
        self.user_medium = "text" if call.text_only else "audio"
        self.tokens = 1500

    def agent(
        self,
        message: str | None,
        *,
        generated: bool = True,
        tool_calls: tuple[ToolCall, ...] = (),
        tool_results: tuple[ToolResult, ...] = (),
        interrupted: bool = False,
        original_message: str | None = None,
        feedback: Literal["like", "dislike"] | None = None,
        rag: RagInfo | None = None,
    ) -> None:
        """An agent turn; `generated` ones (LLM output) carry latency metrics and token usage."""
        metrics = usage = None
        if generated and message is not None:
            metrics = _metrics(self.r, self.call.text_only)
            self.tokens += self.r.randrange(80, 400)
            usage = LlmUsage(self.call.agent.llm, self.tokens, self.r.randrange(15, 90))
        self.messages.append(message)
        self.turns.append(
            partial(
                Turn,
                "agent",
                message,
                interrupted=interrupted,
                original_message=original_message,
                tool_calls=tool_calls,
                tool_results=tool_results,
                metrics=metrics,
                llm_usage=usage,
                feedback=feedback,
                rag=rag,
            )
        )

    def user(self, message: str) -> None:
        self.messages.append(message)
        self.turns.append(partial(Turn, "user", message, source_medium=self.user_medium))

    def tool(self, tool: Tool) -> None:
        """A tool call; its result usually comes in the next turn, both with message null."""
        call, result = _tool_exchange(self.r, tool)
        if self.r.random() < 0.7:
            self.agent(None, tool_calls=(call,))
            self.agent(None, tool_results=(result,))
        else:
            self.agent(None, tool_calls=(call,), tool_results=(result,))

    def answer(self, text: str) -> None:
        """An agent line, cut off by the caller now and then, with feedback and RAG sometimes."""
        r = self.r
        original = None
        if r.random() < 0.1:
            words = text.split()
            original = text
            text = "..." if r.random() < 0.3 else " ".join(words[: max(1, len(words) // 2)]) + "..."
        feedback: Literal["like", "dislike"] | None = None
        if self.call.mood != "neutral" and r.random() < 0.3:
            feedback = "like" if self.call.mood == "positive" else "dislike"
        rag = None
        if self.call.agent.document_ids and r.random() < 0.2:
            chunks = tuple(f"chunk_{r.randrange(1000):03d}" for _ in range(r.randrange(1, 4)))
            query = self.messages[-1] or ""
            rag = RagInfo(
                r.choice(self.call.agent.document_ids), chunks, query, r.uniform(0.05, 0.4)
            )
        self.agent(
            text,
            interrupted=original is not None,
            original_message=original,
            feedback=feedback,
            rag=rag,
        )

    def timed(self) -> tuple[Turn, ...]:
        """Spread the turns over the call: non-decreasing times, tool turns share their time."""
        n = len(self.turns)
        span = self.call.duration_secs
        turns, clock = [], 0
        for i, (draft, message) in enumerate(zip(self.turns, self.messages, strict=True)):
            target = round(span * i / max(n, 1))
            step = (
                1
                if message is not None and not (self.call.text_only and self.r.random() < 0.4)
                else 0
            )
            clock = min(span, max(clock + step, target)) if i else 0
            turns.append(draft(time_in_call_secs=clock))
        return tuple(turns)


def _mood_line(r: random.Random, language: str, mood: Mood) -> str:
    voice = VOICES[language]
    lines = {"positive": voice.positive, "negative": voice.negative, "neutral": voice.neutral}
    return r.choice(lines[mood])


def build_transcript(r: random.Random, call: Call) -> tuple[tuple[Turn, ...], str]:
    """The turns of a call and why it ended (free text, as the API reports it)."""
    voice = VOICES[call.language]
    lines = topic(call.language, call.agent.topic)
    b = _Builder(r, call)
    b.agent(lines.greeting, generated=False)
    request = r.randrange(len(lines.requests))  # requests and answers are paired by position
    if call.failed:
        if r.random() < 0.5:
            b.user(lines.requests[request])
        reason = r.choice(("Client disconnected: 1006", "Client disconnected", ""))
        return b.timed(), reason
    b.user(lines.requests[request])
    if call.language != call.agent.language:
        detect = {"language": call.language}
        outcome: dict[str, str | None] = {
            "result_type": "language_detection_success",
            "status": "success",
            "reason": "The caller is speaking another language.",
            "language": call.language,
        }
        tool_call, tool_result = _system_exchange(r, "language_detection", detect, outcome)
        b.agent(None, tool_calls=(tool_call,))
        b.agent(None, tool_results=(tool_result,))
    exchanges = min(max(call.duration_secs // 30, 1), 8)
    for i in range(exchanges):
        if call.tools and (i == 0 or r.random() < 0.3):
            b.agent(voice.checking)
            b.tool(r.choice(call.tools))
        b.answer(lines.answers[request] if i == 0 else r.choice(lines.answers))
        mood: Mood = call.mood if i or r.random() < 0.5 else "neutral"
        b.user(_mood_line(r, call.language, mood))
        if mood != "neutral":
            b.answer(voice.to_positive if mood == "positive" else voice.to_negative)
    b.user(_mood_line(r, call.language, call.mood))
    if r.random() < 0.8:
        params = {"reason": _END_CALL_REASON}
        outcome = {
            "result_type": "end_call_success",
            "status": "success",
            "reason": _END_CALL_REASON,
            "message": None,
        }
        tool_call, tool_result = _system_exchange(r, "end_call", params, outcome)
        b.agent(voice.goodbye, tool_calls=(tool_call,), tool_results=(tool_result,))
        return b.timed(), "end_call tool was called."
    b.agent(voice.goodbye)
    return b.timed(), r.choice(("Client disconnected", "Client disconnected: 1005"))

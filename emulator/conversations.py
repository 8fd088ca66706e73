"""Full conversations for a batch of slots: outcome, language, mood, transcript, analysis, cost.

A conversation is drawn from (seed, agent index, day, ordinal) alone. The mixes are what real
accounts show: some calls fail, most succeed; durations have a long tail; some calls have no
audio or no cost; list items carry the API's sentiment only for agents that enable it.
"""

from __future__ import annotations

import random

from emulator import phrases
from emulator.model import (
    Agent,
    ApiSentiment,
    Conversation,
    DataField,
    DataResult,
    EvaluationResult,
    Mood,
    Outcome,
    PhoneCall,
    Tool,
)
from emulator.plan import Slot
from emulator.seeding import rng
from emulator.transcript import Call, build_transcript

_MOODS: tuple[Mood, ...] = ("positive", "neutral", "negative")
_OUTCOMES: tuple[Outcome, ...] = ("success", "failure", "unknown")
_OUTCOME_WEIGHTS: dict[Mood, tuple[float, float, float]] = {
    "positive": (0.85, 0.05, 0.10),
    "neutral": (0.65, 0.20, 0.15),
    "negative": (0.30, 0.55, 0.15),
}
_SENTIMENT_SCORES: dict[Mood, tuple[float, float]] = {
    "positive": (0.3, 0.95),
    "neutral": (-0.1, 0.15),
    "negative": (-0.95, -0.3),
}
_ERRORS = ((1006, "Connection closed abnormally"), (1011, "Internal error while generating"))
_SOURCES = {"twilio": "twilio", "sip_trunk": "sip_trunk", "widget": "widget"}


def _duration(r: random.Random, failed: bool) -> int:
    """Seconds: short for failed calls; otherwise log-normal around 1.5 min with a long tail."""
    if failed:
        return r.randrange(0, 31)
    if r.random() < 0.02:
        return r.randrange(900, 3600)
    return min(max(round(r.lognormvariate(4.55, 0.9)), 8), 3600)


def _main_language(r: random.Random, language: str) -> str | None:
    """The language code as sent: usually plain, sometimes unknown or spelled differently."""
    draw = r.random()
    if draw < 0.04:
        return None
    if language == "en" and draw < 0.10:
        return r.choice(("en-US", "EN", "en_GB"))
    return language


def _data_value(r: random.Random, data_field: DataField) -> str | int | float | bool | None:
    """A value typed by the field; sometimes null, sometimes the literal string "None"."""
    draw = r.random()
    if draw < 0.12:
        return None if draw < 0.08 else "None"
    value: str | int | float | bool
    if data_field.enum:
        value = r.choice(data_field.enum)
    elif data_field.value_type == "integer":
        value = r.randrange(1, 12)
    elif data_field.value_type == "boolean":
        value = r.random() < 0.3
    elif data_field.value_type == "number":
        value = round(r.uniform(1, 100), 2)
    else:
        value = str(r.randrange(10000, 99999))
    return value


def _evaluation(r: random.Random, agent: Agent, outcome: Outcome) -> tuple[EvaluationResult, ...]:
    """Criteria results, mostly agreeing with the call's outcome; often none at all."""
    if r.random() < 0.15:
        return ()
    results = []
    for criterion in agent.criteria:
        result: Outcome = outcome if r.random() < 0.8 else r.choice(_OUTCOMES)
        results.append(EvaluationResult(criterion.criterion_id, result, f"Judged {result}."))
    return tuple(results)


def _api_sentiment(r: random.Random, mood: Mood, scored_turns: int) -> ApiSentiment:
    low, high = _SENTIMENT_SCORES[mood]
    score = round(r.uniform(low, high), 3)
    frustration = round(min(max(0.5 - score / 2 + r.uniform(-0.1, 0.1), 0.0), 1.0), 3)
    return ApiSentiment(
        label=mood,
        score=score,
        frustration=frustration,
        min_user_score=round(max(score - r.uniform(0.0, 0.4), -1.0), 3),
        max_user_frustration=round(min(frustration + r.uniform(0.0, 0.3), 1.0), 3),
        scored_turns=scored_turns,
    )


def generate_conversation(
    agent: Agent, tools: tuple[Tool, ...], slot: Slot, seed: int
) -> Conversation:
    """The final state of the conversation in `slot`, handled by `agent`."""
    r = rng(seed, "conversation", slot.agent_index, slot.day, slot.ordinal)
    failed = r.random() < 0.06
    language = agent.language if r.random() < 0.6 else r.choice(agent.languages)
    mood: Mood = r.choices(_MOODS, weights=(0.45, 0.3, 0.25))[0]
    text_only = agent.channel == "chat"
    duration = _duration(r, failed)
    call = Call(agent, tools, language, mood, duration, text_only, failed)
    transcript, termination = build_transcript(r, call)
    outcome: Outcome = "unknown" if failed else r.choices(_OUTCOMES, _OUTCOME_WEIGHTS[mood])[0]
    lines = phrases.topic(language, agent.topic)
    sentinel = r.random() < 0.03
    cost = None if r.random() < 0.05 else duration * 10 + r.randrange(0, 60)
    fiat = None if cost is None or r.random() < 0.1 else round(cost * 0.000148, 4)
    has_audio = not text_only and duration > 0 and r.random() > 0.05
    audio_deleted = not text_only and not has_audio and duration > 0
    scored_turns = sum(1 for t in transcript if t.role == "user" and t.message)
    phone_call = None
    if agent.phone is not None:
        phone_call = PhoneCall(
            provider=agent.phone.provider,
            phone_number_id=agent.phone.phone_number_id,
            agent_number=agent.phone.number,
            external_number=f"+1628555{r.randrange(10000):04d}",
            call_sid=f"CA{r.getrandbits(128):032x}",
        )
    return Conversation(
        conversation_id=slot.conversation_id,
        agent_id=agent.agent_id,
        agent_name=agent.name,
        branch_id=agent.branch_id,
        version_id=agent.version_id,
        start_time=slot.start_time,
        duration_secs=duration,
        status="failed" if failed else "done",
        pending_status=slot.pending_status,
        call_successful=outcome,
        success_score=round(r.random(), 2) if not failed and r.random() < 0.3 else None,
        summary=None if failed else (phrases.SUMMARY_SENTINEL if sentinel else lines.summary),
        title=None if failed or sentinel else lines.title,
        main_language=_main_language(r, language),
        transcript=transcript,
        termination_reason=termination,
        error=r.choice(_ERRORS) if failed else None,
        cost=cost,
        cost_fiat=fiat,
        has_audio=has_audio,
        audio_deleted_at=slot.start_time + duration + 86400 if audio_deleted else None,
        text_only=text_only,
        initiation_source=_SOURCES.get(agent.channel) or r.choice(("widget", "react_sdk")),
        direction=agent.direction,
        phone_call=phone_call,
        evaluation=() if failed else _evaluation(r, agent, outcome),
        data=()
        if failed
        else tuple(
            DataResult(f, _data_value(r, f), "Taken from the conversation.")
            for f in agent.data_fields
        ),
        api_sentiment=_api_sentiment(r, mood, scored_turns)
        if agent.sentiment_enabled and not failed and scored_turns
        else None,
        rating=float(r.randrange(1, 6)) if not failed and r.random() < 0.1 else None,
        user_id=f"user_{r.getrandbits(48):012x}" if r.random() < 0.3 else None,
        llm=agent.llm,
    )

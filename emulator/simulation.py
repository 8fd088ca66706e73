"""Simulated conversations (`simulate-conversation`): a fresh call of the agent, drawn from the
request body so that the same request gets the same simulation."""

from __future__ import annotations

import dataclasses
import datetime as dt

from emulator.catalogue import unix
from emulator.conversations import generate_conversation
from emulator.model import Agent, Conversation, Tool, Turn
from emulator.plan import Slot
from emulator.seeding import key64


def _with_first_user_line(turns: tuple[Turn, ...], message: str) -> tuple[Turn, ...]:
    for i, turn in enumerate(turns):
        if turn.role == "user":
            return (*turns[:i], dataclasses.replace(turn, message=message), *turns[i + 1 :])
    return turns


def simulate(
    *,
    agent: Agent,
    tools: tuple[Tool, ...],
    seed: int,
    day: dt.date,
    body: bytes,
    first_message: str | None,
    max_turns: int,
) -> Conversation:
    """A completed, analysed conversation of at most `max_turns` turns on `day`; the simulated
    user's `first_message`, when given, is its first user line."""
    draw = key64(agent.agent_id, body)
    while True:
        slot = Slot(f"sim_{draw:016x}", -1, day, draw, unix(day) + draw % 86400, None)
        conversation = generate_conversation(agent, tools, slot, seed)
        if conversation.analysed:
            break
        draw += 1
    turns = conversation.transcript[: max(max_turns, 1)]
    if first_message is not None:
        turns = _with_first_user_line(turns, first_message)
    return dataclasses.replace(conversation, transcript=turns)

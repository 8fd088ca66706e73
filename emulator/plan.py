"""When an agent's conversations of one day start, and what they are called: cheap to compute,
so the whole account can be indexed at start-up while full documents are built lazily.

A batch is keyed by (seed, agent index, day) and depends on nothing else, so any day of any
agent is reproducible on its own.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from emulator import ids
from emulator.catalogue import unix
from emulator.config import EmulatorConfig
from emulator.model import Status
from emulator.seeding import rng

DAY_SECS = 86400
_BUSINESS_PEAK = 14 * 3600
_BUSINESS_SPREAD = 3 * 3600


@dataclass(frozen=True, slots=True)
class Slot:
    """A conversation's identity and place: which agent, which day, when it starts."""

    conversation_id: str
    agent_index: int
    day: dt.date
    ordinal: int
    start_time: int
    pending_status: Status | None


def _count(config: EmulatorConfig, r_value: float, r_jitter: float) -> int:
    if r_value < config.empty_day_rate:
        return 0
    jitter = config.volume_jitter * (2.0 * r_jitter - 1.0)
    return max(0, round(config.conversations_per_day * (1.0 + jitter)))


def _offsets(config: EmulatorConfig, agent_index: int, day: dt.date, n: int) -> list[int]:
    """Seconds after midnight, sorted: mostly business hours, some at night, and on some days
    a call exactly at 00:00:00 or 23:59:59."""
    r = rng(config.seed, "offsets", agent_index, day)
    offsets = []
    for _ in range(n):
        if r.random() < 0.8:
            offset = int(r.gauss(_BUSINESS_PEAK, _BUSINESS_SPREAD))
        else:
            offset = r.randrange(DAY_SECS)
        offsets.append(min(max(offset, 0), DAY_SECS - 1))
    offsets.sort()
    if n and r.random() < 0.2:
        offsets[0] = 0
    if n > 1 and r.random() < 0.2:
        offsets[-1] = DAY_SECS - 1
    return offsets


def _conversation_id(config: EmulatorConfig, start: int, r: random.Random) -> str:
    """Mostly `conv_` ULIDs; some legacy 20-character ids; hostile ones when asked for."""
    r_kind = r.random()
    if r_kind < config.hostile_id_rate:
        return ids.hostile_id(r)
    if r_kind < config.hostile_id_rate + config.legacy_id_rate:
        return ids.legacy_id(r)
    return ids.ulid("conv", start * 1000 + r.randrange(1000), r)


def plan_batch(config: EmulatorConfig, agent_index: int, day: dt.date) -> tuple[Slot, ...]:
    """The conversations of one agent on one day, in start order."""
    r = rng(config.seed, "plan", agent_index, day)
    n = _count(config, r.random(), r.random())
    midnight = unix(day)
    pending_from = n - config.pending_per_agent if day == config.last_day else n
    slots = []
    for ordinal, offset in enumerate(_offsets(config, agent_index, day, n)):
        start = midnight + offset
        pending: Status | None = None
        if ordinal >= pending_from:
            pending = "in-progress" if r.random() < 0.5 else "processing"
        conversation_id = _conversation_id(config, start, r)
        slots.append(Slot(conversation_id, agent_index, day, ordinal, start, pending))
    return tuple(slots)

"""Rendered conversation bytes, built once per (agent, day) batch on first use and then served
from memory: generating documents, not HTTP, is what costs.

Entries are keyed by the conversation and whether it is served in its final form, so a pending
conversation is rendered again once it is finalised. Least recently used batches are dropped
past `max_conversations` (they are re-rendered identically when asked for again).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from emulator import drift
from emulator.dialects.base import Dialect, Rendered
from emulator.plan import Slot
from emulator.world import World

BatchKey = tuple[int, dt.date]
EntryKey = tuple[str, bool]


class DocumentCache:
    def __init__(self, world: World, dialect: Dialect, max_conversations: int = 250_000) -> None:
        self._world = world
        self._dialect = dialect
        self._batches: OrderedDict[BatchKey, dict[EntryKey, Rendered]] = OrderedDict()
        self._size = 0
        self._max = max_conversations
        self._drift_rate = world.config.faults.rate_drift

    def get(self, slot: Slot, finalised: bool) -> Rendered:
        key = (slot.agent_index, slot.day)
        final = finalised or slot.pending_status is None
        entries = self._batches.get(key)
        if entries is None:
            entries = self._batches[key] = {}
        else:
            self._batches.move_to_end(key)
        rendered = entries.get((slot.conversation_id, final))
        if rendered is None:
            self._render(key, entries, finalised)
            rendered = entries[(slot.conversation_id, final)]
        return rendered

    def _render(self, key: BatchKey, entries: dict[EntryKey, Rendered], finalised: bool) -> None:
        world, seed = self._world, self._world.config.seed
        for conversation in world.batch(*key):
            entry = (conversation.conversation_id, finalised or conversation.pending_status is None)
            if entry in entries:
                continue
            shape = None
            if drift.drifts(seed, self._drift_rate, conversation.conversation_id):
                shape = drift.drift_source(seed, conversation.conversation_id)
            entries[entry] = self._dialect.render(world.served(conversation, finalised), shape)
            self._size += 1
        while self._size > self._max and len(self._batches) > 1:
            _, dropped = self._batches.popitem(last=False)
            self._size -= len(dropped)

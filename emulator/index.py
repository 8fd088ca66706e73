"""Every conversation slot of the account, findable by id and walkable in start-time order.

Built from the plans at start-up (cheap: no transcripts). Order is (start_time, conversation_id),
the key list endpoints sort and page by, so a cursor is just the key of the last item sent.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator

from emulator.catalogue import unix
from emulator.config import EmulatorConfig
from emulator.plan import DAY_SECS, Slot, plan_batch

Key = tuple[int, str]


def slot_key(slot: Slot) -> Key:
    return (slot.start_time, slot.conversation_id)


class ConversationIndex:
    def __init__(self, config: EmulatorConfig) -> None:
        self.days = config.day_list()
        self.batches: dict[tuple[int, dt.date], tuple[Slot, ...]] = {}
        self.by_id: dict[str, Slot] = {}
        self._by_day: dict[dt.date, list[Slot]] = {}
        self._keys: dict[dt.date, list[Key]] = {}
        self.latest_start: dict[int, int] = {}
        for day in self.days:
            slots: list[Slot] = []
            for agent_index in range(config.agents):
                batch = plan_batch(config, agent_index, day)
                self.batches[(agent_index, day)] = batch
                slots.extend(batch)
                if batch:
                    self.latest_start[agent_index] = batch[-1].start_time
            slots.sort(key=slot_key)
            self._by_day[day] = slots
            self._keys[day] = [slot_key(s) for s in slots]
            self.by_id.update((s.conversation_id, s) for s in slots)

    def __len__(self) -> int:
        return len(self.by_id)

    def ordered(
        self,
        *,
        after: int | None = None,
        before: int | None = None,
        descending: bool = True,
        position: Key | None = None,
    ) -> Iterator[Slot]:
        """Slots starting in [after, before), strictly past `position`, in key order."""
        for day in reversed(self.days) if descending else self.days:
            midnight = unix(day)
            if (before is not None and midnight >= before) or (
                after is not None and midnight + DAY_SECS <= after
            ):
                continue
            keys = self._keys[day]
            lo = 0 if after is None else bisect.bisect_left(keys, (after, ""))
            hi = len(keys) if before is None else bisect.bisect_left(keys, (before, ""))
            if position is not None and descending:
                hi = min(hi, bisect.bisect_left(keys, position))
            elif position is not None:
                lo = max(lo, bisect.bisect_right(keys, position))
            slots = self._by_day[day]
            indices = range(hi - 1, lo - 1, -1) if descending else range(lo, hi)
            for i in indices:
                yield slots[i]

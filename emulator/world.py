"""Everything one process serves: the pinned config, the generated catalogue, the index of
conversation slots and the served state, with the rules that combine them.

The HTTP app and the ground truth both read through a `World`, so what is served and what is
expected are computed by the same code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from emulator.catalogue import Catalogue, generate_catalogue
from emulator.config import EmulatorConfig
from emulator.conversations import generate_conversation
from emulator.index import ConversationIndex
from emulator.journal import Journal
from emulator.model import Conversation, pending_view
from emulator.plan import Slot
from emulator.state import ServedState

JOURNAL_FILE = "journal.ndjson"


class World:
    def __init__(self, config: EmulatorConfig, state_dir: Path) -> None:
        self.config = config.pinned()
        self.catalogue: Catalogue = generate_catalogue(self.config)
        self.index = ConversationIndex(self.config)
        self.state = ServedState(
            self.catalogue, Journal(state_dir / JOURNAL_FILE), self.config.seed
        )
        self.state.sync()
        self._agent_indices = {a.agent_id: a.index for a in self.catalogue.agents}

    def close(self) -> None:
        self.state.close()

    def batch(self, agent_index: int, day: dt.date) -> list[Conversation]:
        """The final form of one agent's conversations of one day, in start order."""
        agent = self.catalogue.agents[agent_index]
        tools = tuple(t for t in self.catalogue.tools if t.tool_id in agent.tool_ids)
        slots = self.index.batches[(agent_index, day)]
        return [generate_conversation(agent, tools, s, self.config.seed) for s in slots]

    @property
    def finalised(self) -> bool:
        return self.state.is_finalised(self.config.finalise_after_secs)

    def served(self, conversation: Conversation, finalised: bool) -> Conversation:
        """The conversation as served now: still pending unless finalised."""
        return conversation if finalised else pending_view(conversation)

    def advance(self) -> int:
        """Finalise every pending conversation now; returns how many became final."""
        self.state.sync()
        if self.finalised:
            return 0
        deleted = self.state.deleted
        pending = [
            s
            for s in self.index.by_id.values()
            if s.pending_status and s.conversation_id not in deleted
        ]
        self.state.record("advance")
        return len(pending)

    def agent_index(self, agent_id: str) -> int | None:
        """The generation index of an agent that has conversations (None for any other)."""
        return self._agent_indices.get(agent_id)

    def live_slot(self, conversation_id: str) -> Slot | None:
        """The slot of a conversation that exists and was not deleted."""
        if conversation_id in self.state.deleted:
            return None
        return self.index.by_id.get(conversation_id)

"""The mutable part of what is served: deleted conversations, finalisation, and the catalogue
as clients changed it. Every change is a journal entry, replayed identically by each process.

New resources are numbered by their position in the journal, so their ids are deterministic for
a given sequence of requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from emulator import ids
from emulator.catalogue import Catalogue, new_agent, new_document, new_tool
from emulator.journal import Entry, Journal
from emulator.model import Agent, Document, JsonObject, Tool
from emulator.seeding import rng


def merge(base: JsonObject, patch: JsonObject) -> dict[str, Any]:
    """`patch` laid over `base`: objects merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in patch.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged


def _without(linked: tuple[str, ...], resource_id: str) -> tuple[str, ...]:
    """An agent's links without a deleted resource (the real API's `force=true` behaviour)."""
    return tuple(i for i in linked if i != resource_id)


class ServedState:
    def __init__(self, catalogue: Catalogue, journal: Journal, seed: int) -> None:
        self.agents: dict[str, Agent] = {a.agent_id: a for a in catalogue.agents}
        self.tools: dict[str, Tool] = {t.tool_id: t for t in catalogue.tools}
        self.documents: dict[str, Document] = {d.document_id: d for d in catalogue.documents}
        self.deleted: set[str] = set()
        self.started_at = time.time()
        self.advanced = False
        self.version = 0
        self._journal = journal
        self._seed = seed
        self._appliers: dict[str, Callable[[Entry], None]] = {
            "start": self._apply_start,
            "advance": self._apply_advance,
            "delete_conversation": self._apply_delete_conversation,
            "create_agent": self._apply_create_agent,
            "patch_agent": self._apply_patch_agent,
            "delete_agent": self._apply_delete_agent,
            "create_tool": self._apply_create_tool,
            "delete_tool": self._apply_delete_tool,
            "add_document": self._apply_add_document,
            "delete_document": self._apply_delete_document,
        }

    def close(self) -> None:
        self._journal.close()

    def sync(self) -> None:
        """Apply what other processes (or handles) recorded since the last call."""
        for entry in self._journal.unread():
            self._apply(entry)

    def is_finalised(self, finalise_after_secs: float | None) -> bool:
        """Whether pending conversations are final now: advanced, or old enough."""
        if self.advanced:
            return True
        return (
            finalise_after_secs is not None and time.time() >= self.started_at + finalise_after_secs
        )

    def record(self, op: str, **fields: Any) -> Entry:
        """Append a mutation; `id` is filled in for ops that create a resource."""

        def build() -> Entry:
            entry: Entry = {"op": op, "at": int(time.time()), **fields}
            prefix = {"create_agent": "agent", "create_tool": "tool", "add_document": "kbdoc"}
            if op in prefix:
                entry["id"] = ids.ulid(
                    prefix[op], entry["at"] * 1000, rng(self._seed, "created", self.version)
                )
            return entry

        return self._journal.append(self._apply, build)

    def _apply(self, entry: Entry) -> None:
        self.version += 1
        self._appliers[entry["op"]](entry)

    def _apply_start(self, entry: Entry) -> None:
        self.started_at = float(entry["started_at"])

    def _apply_advance(self, entry: Entry) -> None:
        self.advanced = True

    def _apply_delete_conversation(self, entry: Entry) -> None:
        self.deleted.add(entry["conversation_id"])

    def _apply_create_agent(self, entry: Entry) -> None:
        agent = new_agent(
            entry["id"], entry["at"], entry["name"], tuple(entry["tags"]), entry["language"]
        )
        self.agents[agent.agent_id] = replace(agent, overrides=entry["overrides"])

    def _apply_patch_agent(self, entry: Entry) -> None:
        agent = self.agents.get(entry["agent_id"])
        if agent is None:  # deleted by another worker in the meantime
            return
        self.agents[agent.agent_id] = replace(
            agent,
            name=entry.get("name") or agent.name,
            tags=tuple(entry["tags"]) if entry.get("tags") is not None else agent.tags,
            updated_at=entry["at"],
            overrides=merge(agent.overrides, entry["overrides"]),
        )

    def _apply_delete_agent(self, entry: Entry) -> None:
        self.agents.pop(entry["agent_id"], None)

    def _apply_create_tool(self, entry: Entry) -> None:
        self.tools[entry["id"]] = new_tool(entry["id"], entry["at"], entry["config"])

    def _apply_delete_tool(self, entry: Entry) -> None:
        tool_id = entry["tool_id"]
        self.tools.pop(tool_id, None)
        self.agents = {
            k: replace(a, tool_ids=_without(a.tool_ids, tool_id)) for k, a in self.agents.items()
        }

    def _apply_add_document(self, entry: Entry) -> None:
        document = new_document(
            entry["id"], entry["at"], entry["name"], entry["url"], entry["size"]
        )
        self.documents[document.document_id] = document

    def _apply_delete_document(self, entry: Entry) -> None:
        doc_id = entry["document_id"]
        self.documents.pop(doc_id, None)
        self.agents = {
            k: replace(a, document_ids=_without(a.document_ids, doc_id))
            for k, a in self.agents.items()
        }

    def dependent_agents(self, document_id: str) -> list[Agent]:
        return [a for a in self.agents.values() if document_id in a.document_ids]

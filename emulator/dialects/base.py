"""What a dialect decides: its paths, how it reads parameters and bodies, how it answers bad
ones, and the shape of every document. Handlers are written once against this interface."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from emulator.http import HttpError, Request, json_bytes
from emulator.index import Key
from emulator.model import Agent, Conversation, Document, JsonObject, Tool
from emulator.validation import InputError

RouteTable = Mapping[tuple[str, str], str]

# Operations common to both dialects, by (method, path); each dialect adds the paths that differ.
COMMON_ROUTES: RouteTable = {
    ("GET", "/v1/convai/conversations"): "conversations.list",
    ("GET", "/v1/convai/conversations/{id}"): "conversations.get",
    ("DELETE", "/v1/convai/conversations/{id}"): "conversations.delete",
    ("GET", "/v1/convai/conversations/{id}/audio"): "conversations.audio",
    ("GET", "/v1/convai/agents"): "agents.list",
    ("GET", "/v1/convai/agents/{id}"): "agents.get",
    ("PATCH", "/v1/convai/agents/{id}"): "agents.update",
    ("DELETE", "/v1/convai/agents/{id}"): "agents.delete",
    ("GET", "/v1/convai/knowledge-base"): "knowledge_base.list",
    ("POST", "/v1/convai/knowledge-base"): "knowledge_base.add",
    ("DELETE", "/v1/convai/knowledge-base/{id}"): "knowledge_base.delete",
    ("GET", "/v1/convai/knowledge-base/{id}/dependent-agents"): "knowledge_base.dependent_agents",
    ("GET", "/v1/convai/tools"): "tools.list",
    ("POST", "/v1/convai/tools"): "tools.create",
    ("DELETE", "/v1/convai/tools/{id}"): "tools.delete",
}
OPERATIONS: tuple[str, ...] = (
    *dict.fromkeys(COMMON_ROUTES.values()),
    "agents.create",
    "agents.simulate",
)


@dataclass(frozen=True)
class ConversationQuery:
    """A conversation list request: window [after, before), order, page and item variant."""

    page_size: int
    position: Key | None = None
    agent_id: str | None = None
    after: int | None = None
    before: int | None = None
    descending: bool = True
    summary: bool = False
    exhausted: bool = False


@dataclass(frozen=True)
class CatalogueQuery:
    """A catalogue list request; `page_size` None means the whole list in one page."""

    page_size: int | None
    position: Key | None = None
    search: str | None = None
    exhausted: bool = False


@dataclass(frozen=True)
class AgentDraft:
    """What a create or patch request asks for; None fields are left as they are."""

    name: str | None
    tags: list[str] | None
    language: str | None
    overrides: JsonObject


@dataclass(frozen=True)
class Upload:
    """A knowledge-base upload: a file (name and size) or a URL."""

    name: str | None
    url: str | None
    file_name: str | None
    size: int


@dataclass(frozen=True)
class Rendered:
    """A conversation's cached bytes: list item (without and with summary) and detail."""

    item: bytes
    item_with_summary: bytes
    detail: bytes
    has_audio: bool
    duration_secs: int
    drifted: bool

    @classmethod
    def of(
        cls,
        conversation: Conversation,
        documents: tuple[JsonObject, JsonObject, JsonObject],
        *,
        drifted: bool,
    ) -> Rendered:
        """Encode (item, item with summary, detail) of a conversation."""
        item, with_summary, detail = (json_bytes(d) for d in documents)
        return cls(
            item, with_summary, detail, conversation.has_audio, conversation.duration_secs, drifted
        )


def config_language(config: JsonObject | None) -> str | None:
    """`conversation_config.agent.language` of a create or patch body, if it is a string."""
    agent = (config or {}).get("agent")
    language = agent.get("language") if isinstance(agent, Mapping) else None
    return language if isinstance(language, str) else None


class Dialect(ABC):
    name: ClassVar[str]
    routes: ClassVar[RouteTable]

    @abstractmethod
    def reject(self, invalid: InputError) -> HttpError:
        """How this dialect answers a bad parameter or body."""

    @abstractmethod
    def conversation_query(self, request: Request) -> ConversationQuery: ...

    @abstractmethod
    def catalogue_query(self, request: Request, *, paged: bool) -> CatalogueQuery: ...

    @abstractmethod
    def render(self, conversation: Conversation, drift: random.Random | None) -> Rendered: ...

    @abstractmethod
    def conversations_page(
        self, items: list[bytes], next_cursor: str | None, has_more: bool
    ) -> bytes: ...

    @abstractmethod
    def agents_page(
        self, agents: Sequence[tuple[Agent, int | None]], next_cursor: str | None, has_more: bool
    ) -> Any: ...

    @abstractmethod
    def agent(self, agent: Agent, documents: Sequence[Document]) -> Any: ...

    @abstractmethod
    def agent_draft(self, request: Request, *, creating: bool) -> AgentDraft: ...

    def created_agent(self, agent: Agent) -> Any:
        """Both dialects answer a create with the new agent's id only."""
        return {"agent_id": agent.agent_id}

    @abstractmethod
    def patched_agent(self, agent: Agent, documents: Sequence[Document]) -> Any: ...

    @abstractmethod
    def simulation_request(self, request: Request) -> tuple[str | None, int]: ...

    @abstractmethod
    def simulation(self, conversation: Conversation) -> Any: ...

    @abstractmethod
    def tools_page(self, tools: Sequence[Tool], next_cursor: str | None, has_more: bool) -> Any: ...

    @abstractmethod
    def tool_config(self, request: Request) -> JsonObject: ...

    @abstractmethod
    def tool(self, tool: Tool) -> Any: ...

    @abstractmethod
    def documents_page(
        self,
        documents: Sequence[tuple[Document, list[Agent]]],
        next_cursor: str | None,
        has_more: bool,
    ) -> Any: ...

    @abstractmethod
    def upload(self, upload: Upload) -> Upload: ...

    @abstractmethod
    def added_document(self, document: Document) -> Any: ...

    @abstractmethod
    def dependent_agents(
        self, agents: Sequence[Agent], next_cursor: str | None, has_more: bool
    ) -> Any: ...

    def deleted(self) -> Any:
        """Both dialects answer a delete with an empty object."""
        return {}

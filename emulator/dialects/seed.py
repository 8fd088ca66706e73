"""The seed spec's dialect: its paths and shapes, answering only with statuses it documents.

Paths that differ from the real API, served here as the seed spec has them:
`POST /v1/convai/agents` (real: `.../agents/create`) and
`POST /v1/convai/agents/{agent_id}/simulate` (real: `.../simulate-conversation`).

The seed documents no 422 for lists, so list parameters are read leniently (page sizes clamped
to 1..100, an unknown cursor ends the listing), and bad bodies get the 400 that every
body-taking operation documents; a knowledge-base upload with neither file nor URL makes a
`text` document (the seed's third type). Knowledge base and tools lists take no parameters
and come in one page.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, ClassVar

from emulator import cursors, drift
from emulator.dialects import seed_shapes as shapes
from emulator.dialects.base import (
    COMMON_ROUTES,
    AgentDraft,
    CatalogueQuery,
    ConversationQuery,
    Dialect,
    Rendered,
    RouteTable,
    Upload,
    config_language,
)
from emulator.http import HttpError, Request, envelope, json_bytes
from emulator.index import Key
from emulator.model import Agent, Conversation, Document, JsonObject, Tool
from emulator.validation import InputError, field, json_object

_TOOL_TYPES = ("webhook", "mcp", "client")


def _page_size(request: Request) -> int:
    try:
        return min(max(int(request.param("page_size") or 30), 1), 100)
    except ValueError:
        return 30


def _position(request: Request) -> tuple[Key | None, bool]:
    """The cursor's key, and whether the cursor was unusable (which ends the listing)."""
    raw = request.param("cursor")
    if raw is None:
        return None, False
    key = cursors.decode(raw)
    return key, key is None


def _page(items: list[Any], next_cursor: str | None, has_more: bool, name: str) -> dict[str, Any]:
    page: dict[str, Any] = {name: items, "has_more": has_more}
    if next_cursor is not None:
        page["next_cursor"] = next_cursor
    return page


def _strings(obj: JsonObject, name: str) -> dict[str, str] | None:
    values: dict[str, str] | None = field(obj, name, dict, ("body",))
    if values is not None and not all(isinstance(v, str) for v in values.values()):
        raise InputError(("body", name), "Input should be a valid string", "string_type")
    return values


class SeedDialect(Dialect):
    name = "seed"
    routes: ClassVar[RouteTable] = {
        **COMMON_ROUTES,
        ("POST", "/v1/convai/agents"): "agents.create",
        ("POST", "/v1/convai/agents/{id}/simulate"): "agents.simulate",
    }

    def reject(self, problem: InputError) -> HttpError:
        where = ".".join(str(part) for part in problem.loc)
        return envelope(400, "invalid_request", f"{where}: {problem.msg}")

    def conversation_query(self, request: Request) -> ConversationQuery:
        position, exhausted = _position(request)
        return ConversationQuery(
            page_size=_page_size(request),
            position=position,
            agent_id=request.param("agent_id"),
            exhausted=exhausted,
        )

    def catalogue_query(self, request: Request, *, paged: bool) -> CatalogueQuery:
        if not paged:
            return CatalogueQuery(page_size=None)
        position, exhausted = _position(request)
        return CatalogueQuery(page_size=_page_size(request), position=position, exhausted=exhausted)

    def render(self, conversation: Conversation, shape: random.Random | None) -> Rendered:
        item = shapes.list_item(conversation)
        detail = shapes.detail(conversation)
        if shape is not None:
            drift.seed_item(item, shape)
            drift.seed_detail(detail, shape)
        return Rendered.of(conversation, (item, item, detail), drifted=shape is not None)

    def conversations_page(
        self, items: list[bytes], next_cursor: str | None, has_more: bool
    ) -> bytes:
        tail = b"" if next_cursor is None else b',"next_cursor":' + json_bytes(next_cursor)
        more = b"true" if has_more else b"false"
        return b'{"conversations":[' + b",".join(items) + b'],"has_more":' + more + tail + b"}"

    def agents_page(
        self, agents: Sequence[tuple[Agent, int | None]], next_cursor: str | None, has_more: bool
    ) -> Any:
        return _page([shapes.agent_summary(a) for a, _ in agents], next_cursor, has_more, "agents")

    def agent(self, agent: Agent, documents: Sequence[Document]) -> Any:
        return shapes.agent_detail(agent)

    def agent_draft(self, request: Request, *, creating: bool) -> AgentDraft:
        body = json_object(request)
        config = field(body, "conversation_config", dict, ("body",), required=creating)
        return AgentDraft(
            name=field(body, "name", str, ("body",)),
            tags=None,
            language=config_language(config),
            overrides={
                "conversation_config": config or {},
                "metadata": _strings(body, "metadata") or {},
            },
        )

    def patched_agent(self, agent: Agent, documents: Sequence[Document]) -> Any:
        return {"agent_id": agent.agent_id}

    def simulation_request(self, request: Request) -> tuple[str | None, int]:
        body = json_object(request)
        user = field(body, "simulated_user_config", dict, ("body",)) or {}
        first = field(user, "first_message", str, ("body", "simulated_user_config"))
        turns = field(body, "max_turns", int, ("body",))
        if turns is not None and turns < 1:
            raise InputError(
                ("body", "max_turns"),
                "Input should be greater than or equal to 1",
                "greater_than_equal",
            )
        return first or None, turns or 10000

    def simulation(self, conversation: Conversation) -> Any:
        turns = shapes.transcript(conversation.transcript)
        return {
            "conversation_id": conversation.conversation_id,
            "transcript": [{"role": t["role"], "message": t["message"]} for t in turns],
        }

    def tools_page(self, tools: Sequence[Tool], next_cursor: str | None, has_more: bool) -> Any:
        return {"tools": [shapes.tool(t) for t in tools]}

    def tool_config(self, request: Request) -> JsonObject:
        body = json_object(request)
        loc = ("body",)
        field(body, "name", str, loc, required=True)
        kind = field(body, "type", str, loc, required=True)
        if kind not in _TOOL_TYPES:
            raise InputError((*loc, "type"), "Input should be 'webhook', 'mcp' or 'client'", "enum")
        for name in ("description", "webhook_url"):
            field(body, name, str, loc)
        field(body, "parameters", dict, loc)
        known = ("name", "type", "description", "webhook_url", "parameters")
        return {k: body[k] for k in known if body.get(k) is not None}

    def tool(self, tool: Tool) -> Any:
        return shapes.tool(tool)

    def documents_page(
        self,
        documents: Sequence[tuple[Document, list[Agent]]],
        next_cursor: str | None,
        has_more: bool,
    ) -> Any:
        return {"documents": [shapes.document(d) for d, _ in documents if d.kind != "folder"]}

    def upload(self, upload: Upload) -> Upload:
        """The seed requires neither a file nor a URL: a bare name makes a text document."""
        return upload

    def added_document(self, document: Document) -> Any:
        return shapes.document(document)

    def dependent_agents(
        self, agents: Sequence[Agent], next_cursor: str | None, has_more: bool
    ) -> Any:
        return {"agents": [shapes.agent_summary(a) for a in agents]}

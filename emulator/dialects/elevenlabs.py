"""The real API's dialect (default): its paths, FastAPI-style 422s, and the SDK's shapes.

Paths that differ from the seed spec, served here as the real API has them:
`POST /v1/convai/agents/create` (seed: `POST /v1/convai/agents`) and
`POST /v1/convai/agents/{agent_id}/simulate-conversation` (seed: `.../simulate`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, ClassVar

from emulator import cursors, drift
from emulator.dialects import elevenlabs_catalogue as catalogue
from emulator.dialects import elevenlabs_conversations as conversations
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
from emulator.dialects.elevenlabs_turns import turn
from emulator.http import HttpError, Request, invalid, json_bytes
from emulator.index import Key
from emulator.model import Agent, Conversation, Document, JsonObject, Tool
from emulator.validation import InputError, choice_param, field, int_param, json_object, string_list

_TOOL_TYPES = ("webhook", "client", "system", "mcp")


def _page_size(request: Request) -> int:
    size = int_param(request, "page_size", default=30, minimum=1, maximum=100)
    assert size is not None
    return size


def _position(request: Request) -> Key | None:
    raw = request.param("cursor")
    if raw is None:
        return None
    key = cursors.decode(raw)
    if key is None:
        raise InputError(("query", "cursor"), "Value error, Invalid cursor", "value_error")
    return key


def _page(items: list[Any], next_cursor: str | None, has_more: bool, name: str) -> dict[str, Any]:
    return {name: items, "next_cursor": next_cursor, "has_more": has_more}


class ElevenLabsDialect(Dialect):
    name = "elevenlabs"
    routes: ClassVar[RouteTable] = {
        **COMMON_ROUTES,
        ("POST", "/v1/convai/agents/create"): "agents.create",
        ("POST", "/v1/convai/agents/{id}/simulate-conversation"): "agents.simulate",
    }

    def reject(self, problem: InputError) -> HttpError:
        return invalid(problem.loc, problem.msg, problem.kind)

    def conversation_query(self, request: Request) -> ConversationQuery:
        return ConversationQuery(
            page_size=_page_size(request),
            position=_position(request),
            agent_id=request.param("agent_id"),
            after=int_param(request, "call_start_after_unix", default=None),
            before=int_param(request, "call_start_before_unix", default=None),
            descending=choice_param(request, "sort_direction", ("asc", "desc"), "desc") == "desc",
            summary=choice_param(request, "summary_mode", ("exclude", "include"), "exclude")
            == "include",
        )

    def catalogue_query(self, request: Request, *, paged: bool) -> CatalogueQuery:
        return CatalogueQuery(
            page_size=_page_size(request),
            position=_position(request),
            search=request.param("search"),
        )

    def render(self, conversation: Conversation, shape: random.Random | None) -> Rendered:
        item = conversations.list_item(conversation, summary=False)
        item_with_summary = conversations.list_item(conversation, summary=True)
        detail = conversations.detail(conversation)
        if shape is not None:
            state = shape.getstate()
            drift.elevenlabs_item(item, shape)
            shape.setstate(state)
            drift.elevenlabs_item(item_with_summary, shape)
            drift.elevenlabs_detail(detail, shape)
        documents = (item, item_with_summary, detail)
        return Rendered.of(conversation, documents, drifted=shape is not None)

    def conversations_page(
        self, items: list[bytes], next_cursor: str | None, has_more: bool
    ) -> bytes:
        return b"".join(
            (
                b'{"conversations":[',
                b",".join(items),
                b'],"next_cursor":',
                json_bytes(next_cursor),
                b',"has_more":',
                b"true" if has_more else b"false",
                b"}",
            )
        )

    def agents_page(
        self, agents: Sequence[tuple[Agent, int | None]], next_cursor: str | None, has_more: bool
    ) -> Any:
        summaries = [catalogue.agent_summary(a, last_call) for a, last_call in agents]
        return _page(summaries, next_cursor, has_more, "agents")

    def agent(self, agent: Agent, documents: Sequence[Document]) -> Any:
        return catalogue.agent_detail(agent, documents)

    def agent_draft(self, request: Request, *, creating: bool) -> AgentDraft:
        body = json_object(request)
        loc = ("body",)
        config = field(body, "conversation_config", dict, loc, required=creating)
        settings = field(body, "platform_settings", dict, loc)
        return AgentDraft(
            name=field(body, "name", str, loc),
            tags=string_list(body, "tags", loc),
            language=config_language(config),
            overrides={"conversation_config": config or {}, "platform_settings": settings or {}},
        )

    def patched_agent(self, agent: Agent, documents: Sequence[Document]) -> Any:
        return catalogue.agent_detail(agent, documents)

    def simulation_request(self, request: Request) -> tuple[str | None, int]:
        body = json_object(request)
        spec = field(body, "simulation_specification", dict, ("body",), required=True)
        user = field(
            spec, "simulated_user_config", dict, ("body", "simulation_specification"), required=True
        )
        first = user.get("first_message")
        limit = field(body, "new_turns_limit", int, ("body",))
        return (first if isinstance(first, str) and first else None), (limit or 10000)

    def simulation(self, conversation: Conversation) -> Any:
        return {
            "simulated_conversation": [turn(conversation, t) for t in conversation.transcript],
            "analysis": conversations.analysis(conversation),
        }

    def tools_page(self, tools: Sequence[Tool], next_cursor: str | None, has_more: bool) -> Any:
        return _page([catalogue.tool(t) for t in tools], next_cursor, has_more, "tools")

    def tool_config(self, request: Request) -> JsonObject:
        body = json_object(request)
        config = field(body, "tool_config", dict, ("body",), required=True)
        loc = ("body", "tool_config")
        kind = field(config, "type", str, loc, required=True)
        if kind not in _TOOL_TYPES:
            allowed = ", ".join(f"'{t}'" for t in _TOOL_TYPES)
            raise InputError(
                (*loc, "type"),
                f"Input tag '{kind}' found using 'type' does not match any of the expected "
                f"tags: {allowed}",
                "union_tag_invalid",
            )
        field(config, "name", str, loc, required=True)
        return dict(config)

    def tool(self, tool: Tool) -> Any:
        return catalogue.tool(tool)

    def documents_page(
        self,
        documents: Sequence[tuple[Document, list[Agent]]],
        next_cursor: str | None,
        has_more: bool,
    ) -> Any:
        rendered = [catalogue.document(d, dependents) for d, dependents in documents]
        return _page(rendered, next_cursor, has_more, "documents")

    def upload(self, upload: Upload) -> Upload:
        if upload.url is None and upload.file_name is None:
            raise InputError(
                ("body",), "Value error, either file or url must be provided", "value_error"
            )
        return upload

    def added_document(self, document: Document) -> Any:
        return {"id": document.document_id, "name": document.name, "folder_path": []}

    def dependent_agents(
        self, agents: Sequence[Agent], next_cursor: str | None, has_more: bool
    ) -> Any:
        return _page(
            [catalogue.dependent_agent(a) for a in agents], next_cursor, has_more, "agents"
        )

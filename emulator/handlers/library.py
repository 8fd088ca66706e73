"""Tools and knowledge-base operations: list, create or upload, delete, and the agents that
depend on a document."""

from __future__ import annotations

from collections.abc import Sequence

from emulator.forms import read_upload
from emulator.handlers.agents import agent_key
from emulator.handlers.context import Context, catalogue_page, find
from emulator.http import Request, Response, json_response
from emulator.index import Key
from emulator.model import Document, Tool


def _tool_key(tool: Tool) -> Key:
    return (tool.created_at, tool.tool_id)


async def list_tools(ctx: Context, request: Request) -> Response:
    query = ctx.dialect.catalogue_query(request, paged=False)
    tools: Sequence[Tool] = list(ctx.world.state.tools.values())
    if query.search:
        tools = [t for t in tools if query.search.lower() in t.name.lower()]
    page, next_cursor, more = catalogue_page(tools, _tool_key, query)
    return json_response(ctx.dialect.tools_page(page, next_cursor, more))


async def create_tool(ctx: Context, request: Request) -> Response:
    config = ctx.dialect.tool_config(request)
    entry = ctx.world.state.record("create_tool", config=dict(config))
    return json_response(ctx.dialect.tool(ctx.world.state.tools[entry["id"]]))


async def delete_tool(ctx: Context, request: Request) -> Response:
    tool = find(ctx.world.state.tools, "tool", request)
    ctx.world.state.record("delete_tool", tool_id=tool.tool_id)
    return json_response(ctx.dialect.deleted())


def _document_key(document: Document) -> Key:
    return (document.created_at, document.document_id)


def _document(ctx: Context, request: Request) -> Document:
    return find(ctx.world.state.documents, "document", request)


async def list_documents(ctx: Context, request: Request) -> Response:
    query = ctx.dialect.catalogue_query(request, paged=False)
    state = ctx.world.state
    documents: Sequence[Document] = list(state.documents.values())
    if query.search:
        documents = [d for d in documents if d.name.lower().startswith(query.search.lower())]
    page, next_cursor, more = catalogue_page(documents, _document_key, query)
    with_agents = [(d, state.dependent_agents(d.document_id)) for d in page]
    return json_response(ctx.dialect.documents_page(with_agents, next_cursor, more))


async def add_document(ctx: Context, request: Request) -> Response:
    upload = ctx.dialect.upload(await read_upload(request))
    entry = ctx.world.state.record(
        "add_document",
        name=upload.name or upload.file_name or upload.url or "Untitled document",
        url=upload.url,
        size=upload.size,
    )
    return json_response(ctx.dialect.added_document(ctx.world.state.documents[entry["id"]]))


async def delete_document(ctx: Context, request: Request) -> Response:
    document = _document(ctx, request)
    ctx.world.state.record("delete_document", document_id=document.document_id)
    return json_response(ctx.dialect.deleted())


async def dependent_agents(ctx: Context, request: Request) -> Response:
    document = _document(ctx, request)
    query = ctx.dialect.catalogue_query(request, paged=False)
    agents = ctx.world.state.dependent_agents(document.document_id)
    page, next_cursor, more = catalogue_page(agents, agent_key, query)
    return json_response(ctx.dialect.dependent_agents(page, next_cursor, more))

"""Conversation operations: list (windowed, ordered, paged), detail, delete and audio. Documents
come from the rendered cache, so serving a detail is a dictionary lookup."""

from __future__ import annotations

from emulator import cursors
from emulator.audio import mp3_chunks, mp3_length
from emulator.handlers.context import Context, first_page
from emulator.http import Request, Response, Stream, json_response, not_found
from emulator.index import slot_key
from emulator.plan import Slot

AUDIO = b"audio/mpeg"


async def list_conversations(ctx: Context, request: Request) -> Response:
    query = ctx.dialect.conversation_query(request)
    world = ctx.world
    agent_index = world.agent_index(query.agent_id) if query.agent_id is not None else None
    slots = world.index.ordered(
        after=query.after, before=query.before, descending=query.descending, position=query.position
    )
    live = (
        s
        for s in slots
        if s.conversation_id not in world.state.deleted
        and (query.agent_id is None or s.agent_index == agent_index)
    )
    page, more = ([], False) if query.exhausted else first_page(live, query.page_size)
    finalised = world.finalised
    rendered = [ctx.documents.get(slot, finalised) for slot in page]
    items = [r.item_with_summary if query.summary else r.item for r in rendered]
    next_cursor = cursors.encode(slot_key(page[-1])) if more else None
    body = ctx.dialect.conversations_page(items, next_cursor, more)
    return Response(200, body, drifted=any(r.drifted for r in rendered))


def _live_slot(ctx: Context, request: Request) -> Slot:
    """The slot of the conversation the path names, unless it does not exist or was deleted."""
    slot = ctx.world.live_slot(request.resource_id)
    if slot is None:
        raise not_found("conversation", request.resource_id)
    return slot


async def get_conversation(ctx: Context, request: Request) -> Response:
    slot = _live_slot(ctx, request)
    rendered = ctx.documents.get(slot, ctx.world.finalised)
    return Response(200, rendered.detail, drifted=rendered.drifted)


async def delete_conversation(ctx: Context, request: Request) -> Response:
    slot = _live_slot(ctx, request)
    ctx.world.state.record("delete_conversation", conversation_id=slot.conversation_id)
    return json_response(ctx.dialect.deleted())


async def get_audio(ctx: Context, request: Request) -> Response:
    rendered = ctx.documents.get(_live_slot(ctx, request), ctx.world.finalised)
    if not rendered.has_audio:
        raise not_found("audio", request.resource_id)
    seconds = rendered.duration_secs
    return Response(
        200, content_type=AUDIO, stream=Stream(mp3_length(seconds), lambda: mp3_chunks(seconds))
    )

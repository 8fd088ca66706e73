"""Agent operations: list, get, create, patch, delete and simulate a conversation."""

from __future__ import annotations

from collections.abc import Sequence

from emulator.handlers.context import Context, catalogue_page, find
from emulator.http import Request, Response, json_response
from emulator.index import Key
from emulator.model import Agent, Document
from emulator.simulation import simulate
from emulator.world import World


def agent_key(agent: Agent) -> Key:
    return (agent.created_at, agent.agent_id)


def _documents_of(world: World, agent: Agent) -> list[Document]:
    return [world.state.documents[d] for d in agent.document_ids if d in world.state.documents]


def _agent(ctx: Context, request: Request) -> Agent:
    return find(ctx.world.state.agents, "agent", request)


async def list_agents(ctx: Context, request: Request) -> Response:
    query = ctx.dialect.catalogue_query(request, paged=True)
    agents: Sequence[Agent] = list(ctx.world.state.agents.values())
    if query.search:
        agents = [a for a in agents if query.search.lower() in a.name.lower()]
    page, next_cursor, more = catalogue_page(agents, agent_key, query)
    latest = ctx.world.index.latest_start
    with_calls = [(a, latest.get(a.index) if a.index is not None else None) for a in page]
    return json_response(ctx.dialect.agents_page(with_calls, next_cursor, more))


async def get_agent(ctx: Context, request: Request) -> Response:
    agent = _agent(ctx, request)
    return json_response(ctx.dialect.agent(agent, _documents_of(ctx.world, agent)))


async def create_agent(ctx: Context, request: Request) -> Response:
    draft = ctx.dialect.agent_draft(request, creating=True)
    entry = ctx.world.state.record(
        "create_agent",
        name=draft.name or "New agent",
        tags=draft.tags or [],
        language=draft.language or "en",
        overrides=dict(draft.overrides),
    )
    return json_response(ctx.dialect.created_agent(ctx.world.state.agents[entry["id"]]))


async def update_agent(ctx: Context, request: Request) -> Response:
    agent = _agent(ctx, request)
    draft = ctx.dialect.agent_draft(request, creating=False)
    state = ctx.world.state
    state.record(
        "patch_agent",
        agent_id=agent.agent_id,
        name=draft.name,
        tags=draft.tags,
        overrides=dict(draft.overrides),
    )
    patched = state.agents.get(agent.agent_id, agent)
    return json_response(ctx.dialect.patched_agent(patched, _documents_of(ctx.world, patched)))


async def delete_agent(ctx: Context, request: Request) -> Response:
    agent = _agent(ctx, request)
    ctx.world.state.record("delete_agent", agent_id=agent.agent_id)
    return json_response(ctx.dialect.deleted())


async def simulate_conversation(ctx: Context, request: Request) -> Response:
    agent = _agent(ctx, request)
    first_message, max_turns = ctx.dialect.simulation_request(request)
    world = ctx.world
    tools = tuple(world.state.tools[t] for t in agent.tool_ids if t in world.state.tools)
    conversation = simulate(
        agent=agent,
        tools=tools,
        seed=world.config.seed,
        day=world.config.last_day,
        body=request.body,
        first_message=first_message,
        max_turns=max_turns,
    )
    return json_response(ctx.dialect.simulation(conversation))

"""The account's catalogue: agents (one per index, from the archetypes), tools and documents.

Agent `i` depends only on (seed, i), so adding agents never changes the existing ones. Clients
can add resources later; `new_agent`, `new_tool` and `new_document` build those.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from emulator import ids
from emulator.config import EmulatorConfig
from emulator.model import Agent, Creator, Document, DocumentKind, JsonObject, PhoneNumber, Tool
from emulator.profiles import PROFILES, TOOL_SPECS, profile_for
from emulator.seeding import rng

VOICE_IDS = ("21m00Tcm4TlvDq8ikWAM", "EXAVITQu4vr4xnSDxMaL", "pNInz6obpgDQGcFmaJgB")
LLMS = ("gemini-2.0-flash", "gpt-4o-mini", "claude-3-5-sonnet", "gemini-2.5-flash")
_CREATORS = (
    Creator("Jane Doe", "jane.doe@acme.example", True, "admin"),
    Creator("Sam Lee", "sam.lee@acme.example", False, "editor"),
    Creator("Ana Souza", "ana.souza@acme.example", False, "viewer"),
)
API_CREATOR = _CREATORS[0]
_FOLDER_NAME = "Shared policies"


@dataclass(frozen=True)
class Catalogue:
    agents: tuple[Agent, ...]
    tools: tuple[Tool, ...]
    documents: tuple[Document, ...]


def unix(day: dt.date) -> int:
    """Unix seconds of a UTC date's midnight."""
    return calendar.timegm(day.timetuple())


def _epoch(config: EmulatorConfig) -> int:
    """When the account's resources were made: well before the first served day, and
    independent of `days` (up to 90), so that a day's data does not depend on how many
    days are served."""
    return unix(config.pinned_today) - max(120, config.days + 30) * 86400


def _document_kind(name: str) -> Literal["file", "url", "text"]:
    if name.startswith("https://"):
        return "url"
    return "file" if name.endswith(".pdf") else "text"


def _documents(config: EmulatorConfig) -> tuple[Document, ...]:
    names = list(dict.fromkeys(name for p in PROFILES for name in p.documents))
    docs = []
    for position, name in enumerate([*names, _FOLDER_NAME]):
        r = rng(config.seed, "document", name)
        created = _epoch(config) + r.randrange(86400 * 30)
        kind: DocumentKind = "folder" if name == _FOLDER_NAME else _document_kind(name)
        doc_id = ids.legacy_id(r) if position == 1 else ids.ulid("kbdoc", created * 1000, r)
        docs.append(
            Document(
                document_id=doc_id,
                name=name,
                kind=kind,
                created_at=created,
                updated_at=created + r.randrange(86400 * 20),
                size_bytes=0 if kind == "folder" else r.randrange(2_000, 900_000),
                creator=r.choice(_CREATORS),
                url=name if kind == "url" else None,
                children=len(names) if kind == "folder" else 0,
            )
        )
    return tuple(docs)


def _tools(config: EmulatorConfig) -> tuple[Tool, ...]:
    tools = []
    for spec in TOOL_SPECS:
        r = rng(config.seed, "tool", spec.name)
        created = _epoch(config) + r.randrange(86400 * 30)
        tools.append(
            Tool(
                **dataclasses.asdict(spec),
                tool_id=ids.ulid("tool", created * 1000, r),
                created_at=created,
                total_calls=r.randrange(50, 5000),
                avg_latency_secs=round(r.uniform(0.1, 1.5), 3),
                creator=r.choice(_CREATORS),
            )
        )
    return tuple(tools)


def _agent(
    config: EmulatorConfig, index: int, tools: dict[str, str], docs: dict[str, str]
) -> Agent:
    profile = profile_for(index)
    r = rng(config.seed, "agent", index)
    created = _epoch(config) + r.randrange(86400 * 40)
    generation = index // len(PROFILES)
    name = profile.name if generation == 0 else f"{profile.name} #{generation + 1}"
    legacy = r.random() < 0.25
    agent_id = ids.legacy_id(r) if legacy else ids.ulid("agent", created * 1000, r)
    phone = None
    if profile.channel in ("twilio", "sip_trunk"):
        phone = PhoneNumber(
            phone_number_id=ids.ulid("phnum", created * 1000, r),
            number=f"+1415555{r.randrange(10000):04d}",
            provider="twilio" if profile.channel == "twilio" else "sip_trunk",
            label=f"{name} line",
        )
    return Agent(
        agent_id=agent_id,
        name=name,
        created_at=created,
        updated_at=created + r.randrange(86400 * 40),
        languages=profile.languages,
        topic=profile.topic,
        channel=profile.channel,
        direction=profile.direction,
        voice_id=r.choice(VOICE_IDS),
        llm=r.choice(LLMS),
        tags=profile.tags,
        tool_ids=tuple(tools[t] for t in profile.tools),
        document_ids=tuple(docs[d] for d in profile.documents),
        sentiment_enabled=profile.sentiment_enabled,
        criteria=profile.criteria,
        data_fields=profile.data_fields,
        creator=r.choice(_CREATORS),
        phone=phone,
        branch_id=ids.ulid("agtbrch", created * 1000, r),
        version_id=ids.ulid("agtvrsn", created * 1000, r),
        index=index,
    )


def generate_catalogue(config: EmulatorConfig) -> Catalogue:
    tools = _tools(config)
    documents = _documents(config)
    tool_ids = {t.name: t.tool_id for t in tools}
    doc_ids = {d.name: d.document_id for d in documents}
    agents = tuple(_agent(config, i, tool_ids, doc_ids) for i in range(config.agents))
    return Catalogue(agents=agents, tools=tools, documents=documents)


def new_agent(
    agent_id: str, created_at: int, name: str, tags: tuple[str, ...], language: str
) -> Agent:
    """An agent a client created: no phone, tools, documents or analysis until patched."""
    return Agent(
        agent_id=agent_id,
        name=name,
        created_at=created_at,
        updated_at=created_at,
        languages=(language,),
        topic="orders",
        channel="widget",
        direction=None,
        voice_id=VOICE_IDS[0],
        llm=LLMS[0],
        tags=tags,
        tool_ids=(),
        document_ids=(),
        sentiment_enabled=False,
        criteria=(),
        data_fields=(),
        creator=API_CREATOR,
        phone=None,
        branch_id=agent_id.replace("agent_", "agtbrch_", 1),
        version_id=agent_id.replace("agent_", "agtvrsn_", 1),
    )


def new_tool(tool_id: str, created_at: int, config: JsonObject) -> Tool:
    """A tool a client created; `config` is kept and served back as sent."""
    kind: Literal["webhook", "client"] = "client" if config.get("type") == "client" else "webhook"
    return Tool(
        tool_id=tool_id,
        name=str(config.get("name", "")),
        kind=kind,
        description=str(config.get("description") or ""),
        url=None,
        method=None,
        params=(),
        created_at=created_at,
        total_calls=0,
        avg_latency_secs=0.0,
        creator=API_CREATOR,
        config=config,
    )


def new_document(
    document_id: str, created_at: int, name: str, url: str | None, size_bytes: int
) -> Document:
    """A document a client uploaded (a file) or linked (a URL)."""
    return Document(
        document_id=document_id,
        name=name,
        kind="url" if url else "file",
        created_at=created_at,
        updated_at=created_at,
        size_bytes=size_bytes,
        creator=API_CREATOR,
        url=url,
    )

"""Mutations change what is served, in both dialects: deleted conversations vanish, agents,
tools and documents can be created, changed and deleted, and simulations are repeatable."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator import running_emulator
from emulator.config import Dialect
from emulator.server import EmulatorHandle
from tests.emulator.conftest import make_config

LIST = "/v1/convai/conversations"
CREATE_AGENT = {"elevenlabs": "/v1/convai/agents/create", "seed": "/v1/convai/agents"}
SIMULATE = {"elevenlabs": "simulate-conversation", "seed": "simulate"}
DOCUMENT_ID = {"elevenlabs": "id", "seed": "document_id"}


@pytest.fixture(params=["elevenlabs", "seed"])
def running(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[EmulatorHandle, httpx.Client, Dialect]]:
    dialect: Dialect = request.param
    config = make_config(seed=21, dialect=dialect, days=2)
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        yield emulator, http, dialect


def _listed_ids(http: httpx.Client) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = http.get(
            LIST, params={"page_size": 100, **({"cursor": cursor} if cursor else {})}
        ).json()
        ids.extend(i["conversation_id"] for i in page["conversations"])
        if not page["has_more"]:
            return ids
        cursor = page["next_cursor"]


def test_deleted_conversation_is_gone(
    running: tuple[EmulatorHandle, httpx.Client, Dialect],
) -> None:
    emulator, http, _ = running
    before = _listed_ids(http)
    victim = before[5]
    path = f"{LIST}/{urllib.parse.quote(victim, safe='')}"
    assert http.delete(path).status_code == 200
    assert http.get(path).status_code == 404
    assert http.get(f"{path}/audio").status_code == 404
    assert http.delete(path).status_code == 404
    after = _listed_ids(http)
    assert after == [i for i in before if i != victim]
    rows = emulator.truth.agent_metrics(emulator.config.first_day, emulator.config.last_day)
    assert sum(r["conversations"] + r["in_progress"] for r in rows) == len(before) - 1


def test_agents_are_created_patched_and_deleted(
    running: tuple[EmulatorHandle, httpx.Client, Dialect],
) -> None:
    emulator, http, dialect = running
    body = {
        "name": "Night shift",
        "conversation_config": {"agent": {"first_message": "Hi there", "language": "en"}},
    }
    created = http.post(CREATE_AGENT[dialect], json=body)
    assert created.status_code == 200
    agent_id = created.json()["agent_id"]
    assert agent_id in [a["agent_id"] for a in http.get("/v1/convai/agents").json()["agents"]]
    detail = http.get(f"/v1/convai/agents/{agent_id}").json()
    assert detail["name"] == "Night shift"
    assert detail["conversation_config"]["agent"]["first_message"] == "Hi there"
    patch = {"name": "Day shift", "conversation_config": {"agent": {"first_message": "Hello"}}}
    assert http.patch(f"/v1/convai/agents/{agent_id}", json=patch).status_code == 200
    detail = http.get(f"/v1/convai/agents/{agent_id}").json()
    assert detail["name"] == "Day shift"
    agent_config = detail["conversation_config"]["agent"]
    assert (agent_config["first_message"], agent_config["language"]) == ("Hello", "en")  # merged
    rows = {
        r["agent_id"]: r
        for r in emulator.truth.agent_metrics(emulator.config.first_day, emulator.config.last_day)
    }
    assert rows[agent_id]["conversations"] == rows[agent_id]["in_progress"] == 0
    assert rows[agent_id]["total_cost_credits"] == 0
    assert rows[agent_id]["avg_duration_secs"] is None
    assert http.delete(f"/v1/convai/agents/{agent_id}").status_code == 200
    assert http.get(f"/v1/convai/agents/{agent_id}").status_code == 404
    assert http.patch(f"/v1/convai/agents/{agent_id}", json=patch).status_code == 404
    assert agent_id not in {
        r["agent_id"]
        for r in emulator.truth.agent_metrics(emulator.config.first_day, emulator.config.last_day)
    }


def test_bad_agent_bodies_are_rejected_as_documented(
    running: tuple[EmulatorHandle, httpx.Client, Dialect],
) -> None:
    _, http, dialect = running
    response = http.post(CREATE_AGENT[dialect], json={"name": "No config"})
    assert response.status_code == 422 if dialect == "elevenlabs" else 400
    assert http.post(CREATE_AGENT[dialect], content=b"not json").status_code in (400, 422)


def test_documents_are_added_and_deleted(
    running: tuple[EmulatorHandle, httpx.Client, Dialect],
) -> None:
    _, http, dialect = running
    key = DOCUMENT_ID[dialect]
    uploaded = http.post(
        "/v1/convai/knowledge-base",
        data={"name": "Opening hours"},
        files={"file": ("hours.txt", b"9-17")},
    )
    linked = http.post("/v1/convai/knowledge-base", data={"url": "https://example.com/faq"})
    assert uploaded.status_code == linked.status_code == 200
    new_ids = {uploaded.json()[key], linked.json()[key]}
    listed = http.get("/v1/convai/knowledge-base").json()["documents"]
    assert new_ids <= {d[key] for d in listed}
    used = next(
        d[key]
        for d in listed
        if http.get(f"/v1/convai/knowledge-base/{d[key]}/dependent-agents").json()["agents"]
    )
    assert http.delete(f"/v1/convai/knowledge-base/{used}").status_code == 200
    assert used not in {d[key] for d in http.get("/v1/convai/knowledge-base").json()["documents"]}
    assert http.get(f"/v1/convai/knowledge-base/{used}/dependent-agents").status_code == 404
    for agent in http.get("/v1/convai/agents").json()["agents"]:
        assert used not in http.get(f"/v1/convai/agents/{agent['agent_id']}").text


def test_tools_are_created_and_deleted(
    running: tuple[EmulatorHandle, httpx.Client, Dialect],
) -> None:
    _, http, dialect = running
    body: dict[str, Any]
    if dialect == "elevenlabs":
        body = {"tool_config": {"type": "client", "name": "wave", "description": "Wave."}}
        id_key = "id"
    else:
        body = {"name": "wave", "type": "client", "description": "Wave."}
        id_key = "tool_id"
    created = http.post("/v1/convai/tools", json=body)
    assert created.status_code == 200
    tool_id = created.json()[id_key]
    listed = http.get("/v1/convai/tools").json()["tools"]
    assert tool_id in {t[id_key] for t in listed}
    used = listed[0][id_key]
    assert http.delete(f"/v1/convai/tools/{used}").status_code == 200
    assert http.delete(f"/v1/convai/tools/{used}").status_code == 404
    assert used not in {t[id_key] for t in http.get("/v1/convai/tools").json()["tools"]}
    bad = http.post(
        "/v1/convai/tools",
        json={"tool_config": {"type": "teleport"}}
        if dialect == "elevenlabs"
        else {"name": "x", "type": "teleport"},
    )
    assert bad.status_code == (422 if dialect == "elevenlabs" else 400)


def test_simulations_are_repeatable(running: tuple[EmulatorHandle, httpx.Client, Dialect]) -> None:
    _, http, dialect = running
    agent_id = http.get("/v1/convai/agents").json()["agents"][0]["agent_id"]
    path = f"/v1/convai/agents/{agent_id}/{SIMULATE[dialect]}"
    if dialect == "elevenlabs":
        body = {
            "simulation_specification": {"simulated_user_config": {"first_message": "Is it open?"}},
            "new_turns_limit": 6,
        }
        turns_key = "simulated_conversation"
    else:
        body = {"simulated_user_config": {"first_message": "Is it open?"}, "max_turns": 6}
        turns_key = "transcript"
    first, second = http.post(path, json=body), http.post(path, json=body)
    assert first.status_code == 200
    assert first.content == second.content
    turns = first.json()[turns_key]
    assert 0 < len(turns) <= 6
    assert any(t["message"] == "Is it open?" for t in turns if t["role"] == "user")
    assert http.post(f"/v1/convai/agents/missing/{SIMULATE[dialect]}", json=body).status_code == 404

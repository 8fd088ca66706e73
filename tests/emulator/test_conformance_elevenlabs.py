"""Every elevenlabs-dialect response validates against the official SDK's models, with no key
the SDK does not declare, across all agent archetypes and several seeds; and the SDK's own
client pages through the emulator."""

from __future__ import annotations

import urllib.parse
from typing import Any

import httpx
import pytest
from elevenlabs import ElevenLabs
from elevenlabs import types as sdk

from emulator import running_emulator
from emulator.server import EmulatorHandle
from tests.emulator.conftest import make_config
from tests.emulator.sdk import assert_conforms


def _pages(http: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = http.get(path, params=query).raise_for_status().json()
        pages.append(page)
        cursor = page.get("next_cursor")
        if not page["has_more"]:
            return pages


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conversations_conform(seed: int) -> None:
    config = make_config(seed=seed, agents=6, conversations_per_day=5, days=3)
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        ids: list[str] = []
        for mode in ("exclude", "include"):
            for page in _pages(http, "/v1/convai/conversations", page_size=100, summary_mode=mode):
                assert_conforms(sdk.GetConversationsPageResponseModel, page)
                ids.extend(item["conversation_id"] for item in page["conversations"])
        assert len(ids) == 2 * 6 * 5 * 3
        for conversation_id in ids[: len(ids) // 2]:
            quoted = urllib.parse.quote(conversation_id, safe="")
            detail = http.get(f"/v1/convai/conversations/{quoted}").raise_for_status().json()
            assert_conforms(sdk.GetConversationResponseModel, detail)


def test_catalogue_conforms(elevenlabs: EmulatorHandle, client: httpx.Client) -> None:
    agent_pages = _pages(client, "/v1/convai/agents", page_size=2)
    assert len(agent_pages) == 3
    for page in agent_pages:
        assert_conforms(sdk.GetAgentsPageResponseModel, page)
        for agent in page["agents"]:
            detail = client.get(f"/v1/convai/agents/{agent['agent_id']}").raise_for_status().json()
            assert_conforms(sdk.GetAgentResponseModel, detail)
    tools = client.get("/v1/convai/tools").raise_for_status().json()
    assert_conforms(sdk.ToolsResponseModel, tools)
    documents = client.get("/v1/convai/knowledge-base").raise_for_status().json()
    assert_conforms(sdk.GetKnowledgeBaseListResponseModel, documents)
    assert {d["type"] for d in documents["documents"]} == {"file", "url", "text", "folder"}
    assert any(d["dependent_agents"] for d in documents["documents"])
    for document in documents["documents"]:
        path = f"/v1/convai/knowledge-base/{document['id']}/dependent-agents"
        assert_conforms(sdk.GetKnowledgeBaseDependentAgentsResponseModel, client.get(path).json())


def test_simulation_conforms(client: httpx.Client) -> None:
    agent_id = client.get("/v1/convai/agents").json()["agents"][0]["agent_id"]
    body = {"simulation_specification": {"simulated_user_config": {"first_message": "Hello"}}}
    response = client.post(f"/v1/convai/agents/{agent_id}/simulate-conversation", json=body)
    assert_conforms(sdk.AgentSimulatedChatTestResponseModel, response.raise_for_status().json())


def test_mutation_responses_conform() -> None:
    with (
        running_emulator(make_config(seed=4)) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        created = http.post(
            "/v1/convai/agents/create", json={"conversation_config": {}, "name": "New"}
        )
        assert_conforms(sdk.CreateAgentResponseModel, created.raise_for_status().json())
        agent_id = created.json()["agent_id"]
        patched = http.patch(
            f"/v1/convai/agents/{agent_id}", json={"name": "Renamed", "tags": ["x"]}
        )
        assert_conforms(sdk.GetAgentResponseModel, patched.raise_for_status().json())
        tool = {
            "tool_config": {"type": "client", "name": "wave", "description": "Wave at the user."}
        }
        assert_conforms(sdk.ToolResponseModel, http.post("/v1/convai/tools", json=tool).json())
        added = http.post("/v1/convai/knowledge-base", files={"file": ("faq.txt", b"Q? A.")})
        assert_conforms(sdk.AddKnowledgeBaseResponseModel, added.raise_for_status().json())
        invalid = http.get("/v1/convai/conversations", params={"page_size": 0})
        assert invalid.status_code == 422
        assert_conforms(sdk.HttpValidationError, invalid.json())


def test_sdk_client_pages_through(elevenlabs: EmulatorHandle, client: httpx.Client) -> None:
    sdk_client = ElevenLabs(base_url=elevenlabs.base_url, api_key="unused")
    seen: list[str] = []
    cursor = None
    while True:
        page = sdk_client.conversational_ai.conversations.list(page_size=37, cursor=cursor)
        seen.extend(c.conversation_id for c in page.conversations)
        cursor = page.next_cursor
        if not page.has_more:
            break
    listed = [
        c["conversation_id"]
        for p in _pages(client, "/v1/convai/conversations", page_size=100)
        for c in p["conversations"]
    ]
    assert seen == listed
    assert len(set(seen)) == 6 * 20 * 7
    detail = sdk_client.conversational_ai.conversations.get(seen[-1])
    assert detail.conversation_id == seen[-1]
    assert len(sdk_client.conversational_ai.agents.list().agents) == 6
    assert sdk_client.conversational_ai.tools.list().tools
    assert sdk_client.conversational_ai.knowledge_base.list().documents

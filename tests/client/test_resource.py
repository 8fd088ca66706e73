"""ElevenLabsResource: the key comes from an EnvVar at run time and is never displayed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import anyio
import dagster as dg
import pytest

from pipelines.resources import ElevenLabsResource
from pipelines.settings import load_settings
from tests.client.conftest import CANARY_KEY
from tests.client.scripted_server import ScriptedServer, json_reply

AGENTS = "/v1/convai/agents"


@pytest.fixture
def key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", CANARY_KEY)


@pytest.mark.usefixtures("key_in_env")
def test_config_display_names_the_variable_not_the_key() -> None:
    resource = ElevenLabsResource(api_key=dg.EnvVar("ELEVENLABS_API_KEY"))
    shown = resource.get_resource_definition().config_schema.default_value_as_json_str
    assert json.loads(shown)["api_key"] == {"env": "ELEVENLABS_API_KEY"}
    assert CANARY_KEY not in shown + repr(resource)


def test_repr_leaves_out_even_a_literal_key() -> None:
    resource = ElevenLabsResource(api_key=CANARY_KEY, base_url="http://127.0.0.1:1")
    assert CANARY_KEY not in repr(resource) + str(resource)
    assert "127.0.0.1" in repr(resource)


def test_from_settings_defers_the_key_and_carries_the_rest() -> None:
    settings = load_settings(
        {
            "ELEVENLABS_BASE_URL": "http://emulator.internal:8000",
            "CONVAI_CONCURRENCY": "12",
            "CONVAI_ALLOW_INSECURE_HTTP": "1",
        }
    )
    resource = ElevenLabsResource.from_settings(settings)
    shown = json.loads(resource.get_resource_definition().config_schema.default_value_as_json_str)
    assert shown["api_key"] == {"env": "ELEVENLABS_API_KEY"}
    assert (resource.base_url, resource.concurrency) == ("http://emulator.internal:8000", 12)
    assert resource.allow_insecure_http


def test_client_takes_the_resource_settings() -> None:
    resource = ElevenLabsResource(api_key="k", concurrency=7, max_attempts=3)
    api = resource.client()
    assert (str(api.base_url), api.concurrency, api.retry.max_attempts) == (
        "https://api.elevenlabs.io",
        7,
        3,
    )


@pytest.mark.anyio
@pytest.mark.usefixtures("key_in_env")
async def test_an_asset_fetches_with_the_key_resolved_at_run_time(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """A real Dagster run: the EnvVar resolves inside the run, the key reaches the server in
    its header, and neither the resource nor the client shows it there."""
    server.script(AGENTS, json_reply({"agents": [{"agent_id": "a1"}], "has_more": False}))
    seen: dict[str, object] = {}

    @dg.asset
    def agents(elevenlabs: ElevenLabsResource) -> None:
        async def fetch() -> None:
            async with elevenlabs.client() as api:
                seen["shown"] = repr(elevenlabs) + repr(api)
                seen["pages"] = [page async for page, _ in api.pages(AGENTS)]

        asyncio.run(fetch())

    resource = ElevenLabsResource(api_key=dg.EnvVar("ELEVENLABS_API_KEY"), base_url=server.url)

    def run() -> bool:
        with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
            result = dg.materialize([agents], resources={"elevenlabs": resource}, instance=instance)
            return result.success

    # The server lives on this event loop; the run gets a thread (and a loop) of its own.
    assert await anyio.to_thread.run_sync(run)
    assert seen["pages"] == [{"agents": [{"agent_id": "a1"}], "has_more": False}]
    assert server.requests[0].headers["xi-api-key"] == CANARY_KEY
    assert CANARY_KEY not in str(seen["shown"])

"""The seed dialect passes schemathesis run against the seed spec
(../shared/elevenlabs-convai-openapi.yml): generated requests for all 17 operations (with an API
key, so that the unauthenticated-access checks run too) are answered only with documented
statuses, content types and schemas; so are requests for resources that exist."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from emulator import running_emulator
from tests.emulator.conftest import make_config

SPEC = Path(__file__).resolve().parents[3] / "shared" / "elevenlabs-convai-openapi.yml"
API_KEY = "seed-key"


@pytest.fixture(scope="module")
def seed_base_url() -> Iterator[str]:
    with running_emulator(make_config(seed=11, dialect="seed", api_key=API_KEY)) as emulator:
        yield emulator.base_url


def _schema(base_url: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_path(SPEC)
    schema.config.update(base_url=base_url, headers={"xi-api-key": API_KEY})
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE], max_examples=12, deterministic=True
    )
    return schema


SCHEMA = schemathesis.openapi.from_path(SPEC)
SCHEMA.config.generation.update(
    modes=[GenerationMode.POSITIVE], max_examples=12, deterministic=True
)


@SCHEMA.parametrize()
def test_generated_requests_conform(case: schemathesis.Case[Any], seed_base_url: str) -> None:
    case.call_and_validate(base_url=seed_base_url, headers={"xi-api-key": API_KEY})


def test_existing_resources_conform(seed_base_url: str) -> None:
    schema = _schema(seed_base_url)
    headers = {"xi-api-key": API_KEY}
    with httpx.Client(base_url=seed_base_url, headers=headers) as http:
        page = http.get("/v1/convai/conversations", params={"page_size": 5}).json()
        agents = http.get("/v1/convai/agents").json()["agents"]
        documents = http.get("/v1/convai/knowledge-base").json()["documents"]
    conversation_id = page["conversations"][0]["conversation_id"]
    cases = [
        ("/v1/convai/conversations", "GET", {}, {"page_size": 5, "cursor": page["next_cursor"]}),
        (
            "/v1/convai/conversations/{conversation_id}",
            "GET",
            {"conversation_id": conversation_id},
            {},
        ),
        ("/v1/convai/agents/{agent_id}", "GET", {"agent_id": agents[0]["agent_id"]}, {}),
        (
            "/v1/convai/knowledge-base/{document_id}/dependent-agents",
            "GET",
            {"document_id": documents[0]["document_id"]},
            {},
        ),
        ("/v1/convai/tools", "GET", {}, {}),
        ("/v1/convai/agents", "GET", {}, {"page_size": 2}),
    ]
    for path, method, path_parameters, query in cases:
        operation = schema[path][method]
        case = operation.Case(path_parameters=path_parameters, query=query, headers=headers)
        response = case.call_and_validate()
        assert response.status_code == 200, urllib.parse.unquote(str(response.request.url))


def test_checks_reject_the_real_dialect() -> None:
    """Negative control: the same checks fail on the elevenlabs dialect's shapes."""
    config = make_config(seed=11, api_key=API_KEY)
    with running_emulator(config) as emulator:
        case = SCHEMA["/v1/convai/conversations"]["GET"].Case(query={"page_size": 5})
        with pytest.raises(FailureGroup, match="Response violates schema"):
            case.call_and_validate(base_url=emulator.base_url, headers={"xi-api-key": API_KEY})

"""Same seed, same bytes (across separate emulators); a different seed, different bytes."""

from __future__ import annotations

import urllib.parse

import httpx

from emulator import running_emulator
from emulator.config import EmulatorConfig
from tests.emulator.conftest import make_config

PATHS = ("/v1/convai/agents", "/v1/convai/tools", "/v1/convai/knowledge-base")


def _snapshot(config: EmulatorConfig) -> list[bytes]:
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        bodies = [http.get(path).content for path in PATHS]
        page = http.get(
            "/v1/convai/conversations", params={"page_size": 100, "summary_mode": "include"}
        )
        bodies.append(page.content)
        for item in page.json()["conversations"][::7]:
            quoted = urllib.parse.quote(item["conversation_id"], safe="")
            bodies.append(http.get(f"/v1/convai/conversations/{quoted}").content)
            bodies.append(http.get(f"/v1/convai/conversations/{quoted}/audio").content)
        agent = http.get("/v1/convai/agents").json()["agents"][0]["agent_id"]
        bodies.append(http.get(f"/v1/convai/agents/{agent}").content)
        return bodies


def test_same_seed_same_bytes_and_other_seeds_differ() -> None:
    first = _snapshot(make_config(seed=3, days=2))
    assert first == _snapshot(make_config(seed=3, days=2))
    other = _snapshot(make_config(seed=4, days=2))
    assert all(a != b for a, b in zip(first, other, strict=True) if not a.startswith(b'{"detail"'))


def test_seed_dialect_is_deterministic_too() -> None:
    config = make_config(seed=3, days=2, dialect="seed")
    assert _snapshot(config) == _snapshot(config)

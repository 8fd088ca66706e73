"""Injected faults behave as configured, are deterministic, give up after
`max_faults_per_request` failures in a row, and never touch the admin routes."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator import FaultConfig, running_emulator
from emulator.attempts import AttemptTable, create_attempts_file
from emulator.faults import FaultPlan
from emulator.server import EmulatorHandle
from tests.emulator.conftest import make_config

LIST = "/v1/convai/conversations"


@contextmanager
def _faulty(
    seed: int = 31, **faults: Any
) -> Iterator[tuple[EmulatorHandle, httpx.Client, list[str]]]:
    """An emulator with `faults`, a client, and detail paths (listed before faults apply)."""
    config = make_config(seed=seed, agents=2, days=2, faults=FaultConfig(**faults))
    with (
        running_emulator(config) as emulator,
        httpx.Client(base_url=emulator.base_url, timeout=10) as http,
    ):
        paths = []
        for item in _list_despite_faults(http):
            paths.append(f"{LIST}/{urllib.parse.quote(item['conversation_id'], safe='')}")
        yield emulator, http, paths


def _list_despite_faults(http: httpx.Client) -> list[dict[str, Any]]:
    for _ in range(10):
        try:
            response = http.get(LIST, params={"page_size": 100})
            return list(response.json()["conversations"])
        except (httpx.HTTPError, ValueError, KeyError):
            continue
    raise AssertionError("the listing never got through")


def test_429_carries_retry_after_and_gives_up_after_the_limit() -> None:
    with _faulty(rate_429=1.0, retry_after_secs=3, max_faults_per_request=2) as (
        emulator,
        http,
        paths,
    ):
        resets = 0
        for path in paths[:20]:
            first, second, third = (http.get(path) for _ in range(3))
            assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
            assert first.headers["retry-after"] == "3"
            assert first.json()["detail"]["status"] == "too_many_concurrent_requests"
            resets += "x-ratelimit-reset" in first.headers
        assert 0 < resets < 20
        route = emulator.stats()["routes"]["conversations.get"]
        assert route["fault:429"] == route["429"] == 40
        assert route["retried"] == 40


def test_server_errors_vary() -> None:
    with _faulty(rate_5xx=1.0, max_faults_per_request=1) as (_, http, paths):
        statuses = {http.get(path).status_code for path in paths[:30]}
        assert statuses == {500, 502, 503}
        assert {http.get(path).status_code for path in paths[:30]} == {200}


def test_reset_drops_the_connection() -> None:
    with _faulty(rate_reset=1.0, max_faults_per_request=1) as (emulator, http, paths):
        with pytest.raises(httpx.TransportError):
            http.get(paths[0])
        assert http.get(paths[0]).status_code == 200
        assert emulator.stats()["routes"]["conversations.get"]["fault:reset"] == 1


def test_truncated_body_breaks_the_framing() -> None:
    with _faulty(rate_truncate=1.0, max_faults_per_request=1) as (_, http, paths):
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(paths[0])
        assert http.get(paths[0]).json()["conversation_id"]


def test_malformed_body_is_complete_but_not_json() -> None:
    with _faulty(rate_malformed=1.0, max_faults_per_request=1) as (_, http, paths):
        response = http.get(paths[0])
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == len(response.content)
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)


def test_slow_body_arrives_whole() -> None:
    with _faulty(rate_slow_body=1.0, slow_body_secs=0.2, max_faults_per_request=1) as (
        emulator,
        http,
        paths,
    ):
        assert http.get(paths[0]).json()["conversation_id"]
        assert emulator.stats()["routes"]["conversations.get"]["fault:slow_body"] == 1


def test_stall_makes_a_client_time_out() -> None:
    with _faulty(rate_stall=1.0, stall_secs=0.5, max_faults_per_request=1) as (_, http, paths):
        with pytest.raises(httpx.ReadTimeout):
            http.get(paths[0], timeout=0.1)
        assert http.get(paths[0]).status_code == 200


def _outcomes(seed: int) -> list[str]:
    mixed: dict[str, Any] = {
        "rate_429": 0.2,
        "rate_5xx": 0.2,
        "rate_malformed": 0.2,
        "max_faults_per_request": 3,
    }
    with _faulty(seed=seed, **mixed) as (_, http, paths):
        outcomes = []
        for path in paths[:15] * 2:
            response = http.get(path)
            outcomes.append(
                f"{response.status_code}:{hashlib.sha256(response.content).hexdigest()[:8]}"
            )
        return outcomes


def test_faults_are_deterministic() -> None:
    first = _outcomes(seed=41)
    assert first == _outcomes(seed=41)
    assert first != _outcomes(seed=42)
    assert len(set(first)) > 5


def test_bounded_retries_always_get_through() -> None:
    spread: dict[str, Any] = {
        "rate_429": 0.3,
        "rate_5xx": 0.3,
        "rate_malformed": 0.4,
        "max_faults_per_request": 2,
    }
    with _faulty(**spread) as (_, http, paths):
        for path in paths:
            attempts = [http.get(path) for _ in range(3)]
            assert attempts[-1].status_code == 200
            assert attempts[-1].json()["conversation_id"]


def test_admin_routes_are_never_faulted() -> None:
    with _faulty(rate_5xx=1.0, latency_ms=0.0) as (emulator, http, _):
        for _ in range(5):
            assert http.get("/_emulator/health").status_code == 200
        assert http.get("/_emulator/stats").json() == emulator.stats()


def test_latency_is_fixed_plus_deterministic_jitter(tmp_path: Path) -> None:
    create_attempts_file(tmp_path / "attempts")
    table = AttemptTable(tmp_path / "attempts", shared=False)
    plan = FaultPlan(3, FaultConfig(latency_ms=50, jitter_ms=20), table)
    delays = [
        plan.verdict("GET", f"/v1/convai/conversations/{i}".encode()).delay_secs for i in range(50)
    ]
    assert all(0.05 <= d <= 0.07 for d in delays)
    assert len(set(delays)) > 40
    again = FaultPlan(3, FaultConfig(latency_ms=50, jitter_ms=20), table)
    assert plan.verdict("GET", b"/x").attempt == 0
    assert again.verdict("GET", b"/x").attempt == 1
    table.close()


def _facts(detail: dict[str, Any]) -> tuple[Any, ...]:
    """What metrics are computed from: none of it may drift."""
    metadata = detail["metadata"]
    user_lines = [t["message"] for t in detail["transcript"] if t["role"] == "user"]
    analysis = detail.get("analysis") or {}
    return (
        detail["status"],
        analysis.get("call_successful"),
        metadata["start_time_unix_secs"],
        metadata["call_duration_secs"],
        metadata.get("cost"),
        metadata.get("main_language"),
        user_lines,
    )


def test_drift_changes_shape_but_not_facts() -> None:
    with _faulty(rate_drift=1.0) as (emulator, http, paths), _faulty() as (_, plain_http, _):
        drifted = [http.get(p).json() for p in paths]
        plain = [plain_http.get(p).json() for p in paths]
        assert [_facts(d) for d in drifted] == [_facts(p) for p in plain]
        assert all("workspace_region" in d for d in drifted)
        assert any("has_audio" not in d for d in drifted)
        assert any(
            t["conversation_turn_metrics"] and "metrics" not in t["conversation_turn_metrics"]
            for d in drifted
            for t in d["transcript"]
        )
        assert any(d["analysis"] is None for d in plain)
        assert any("analysis" not in d for d in drifted)
        items = http.get(LIST, params={"page_size": 100}).json()["conversations"]
        assert {i["conversation_initiation_source"] for i in items} == {"carrier_pigeon_sdk"}
        assert emulator.stats()["routes"]["conversations.get"]["fault:drift"] == len(paths)


def test_seed_drift_adds_and_drops_fields() -> None:
    config = make_config(dialect="seed", agents=1, days=1, faults=FaultConfig(rate_drift=1.0))
    with running_emulator(config) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        items = http.get(LIST).json()["conversations"]
        assert all("channel_id" in i for i in items)
        details = [
            http.get(f"{LIST}/{urllib.parse.quote(i['conversation_id'], safe='')}").json()
            for i in items
        ]
        assert any("metadata" not in d for d in details)
        assert any("timestamp" not in t for d in details for t in d["transcript"])

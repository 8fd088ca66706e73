"""Running and stopping: no leaked threads, ports or files; worker processes that share one port
and stay consistent through mutations; admin routes for whoever runs the emulator elsewhere."""

from __future__ import annotations

import socket
import tempfile
import threading
import urllib.parse
from pathlib import Path

import httpx
import pytest

from emulator import running_emulator
from tests.emulator.conftest import make_config

LIST = "/v1/convai/conversations"


def _port(base_url: str) -> int:
    port = urllib.parse.urlsplit(base_url).port
    assert port is not None
    return port


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_stops_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    threads = threading.active_count()
    with running_emulator(make_config()) as emulator:
        with httpx.Client(base_url=emulator.base_url) as http:
            assert http.get(LIST).status_code == 200
        port = _port(emulator.base_url)
        assert threading.active_count() == threads + 1
        assert list(tmp_path.iterdir())
    assert threading.active_count() == threads
    assert _refused(port)
    assert not list(tmp_path.iterdir())


def test_stops_cleanly_when_the_block_raises() -> None:
    threads = threading.active_count()
    ports: list[int] = []

    def fail_while_serving() -> None:
        with running_emulator(make_config()) as emulator:
            ports.append(_port(emulator.base_url))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_while_serving()
    assert threading.active_count() == threads
    assert _refused(ports[0])


def test_worker_processes_share_state() -> None:
    config = make_config(seed=23, agents=2, days=1)
    with running_emulator(config, processes=2) as emulator:
        pids = set()
        for _ in range(24):
            with httpx.Client(base_url=emulator.base_url) as fresh:
                pids.add(fresh.get("/_emulator/health").json()["pid"])
        assert len(pids) == 2
        with httpx.Client(base_url=emulator.base_url) as http:
            items = http.get(LIST, params={"page_size": 100}).json()["conversations"]
        victim = f"{LIST}/{urllib.parse.quote(items[0]['conversation_id'], safe='')}"
        with httpx.Client(base_url=emulator.base_url) as http:
            assert http.delete(victim).status_code == 200
        pending = [i for i in items if i["status"] not in ("done", "failed")]
        assert emulator.advance() == len(pending) - (items[0] in pending)
        for _ in range(10):
            with httpx.Client(base_url=emulator.base_url) as fresh:
                assert fresh.get(victim).status_code == 404
                statuses = {
                    i["status"]
                    for i in fresh.get(LIST, params={"page_size": 100}).json()["conversations"]
                }
                assert statuses <= {"done", "failed"}
        stats = emulator.stats()
        assert stats["routes"]["conversations.get"]["404"] == 10
        assert stats["routes"]["conversations.list"]["requests"] == 11


def test_admin_routes() -> None:
    with (
        running_emulator(make_config(seed=29)) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        config = emulator.config
        health = http.get("/_emulator/health").json()
        assert health["status"] == "ok"
        assert health["conversations"] == 3 * 20 * 7
        daily = http.get("/_emulator/truth", params={"table": "agent_daily_metrics"}).json()["rows"]
        expected = emulator.truth.agent_daily_metrics(config.first_day, config.last_day)
        assert daily == [{**r, "start_date": r["start_date"].isoformat()} for r in expected]
        day = config.last_day.isoformat()
        overall = http.get(
            "/_emulator/truth", params={"table": "agent_metrics", "start": day, "end": day}
        )
        assert overall.json()["rows"] == emulator.truth.agent_metrics(
            config.last_day, config.last_day
        )
        assert http.get("/_emulator/truth", params={"table": "nope"}).status_code == 422
        assert http.get("/_emulator/truth", params={"start": "July"}).status_code == 422
        assert http.post("/_emulator/advance").json() == {"finalised": 6}
        assert http.get("/_emulator/stats").json()["requests"] == 0
        assert http.get("/_emulator/nope").status_code == 404

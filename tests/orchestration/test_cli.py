"""`convai-lake sync` and `demo` as a user runs them: subprocesses, exit codes, one-line errors."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import EmulatorConfig, EmulatorHandle, running_emulator

KEY = "sk_cli_tests"
YESTERDAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def convai_lake(
    *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        env={**os.environ, "COLUMNS": "120", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    config = EmulatorConfig(
        seed=3, agents=2, conversations_per_day=8, days=3, api_key=KEY, pending_per_agent=0
    )
    with running_emulator(config) as handle:
        yield handle


def env_for(emulator: EmulatorHandle, lake: Path, key: str = KEY) -> dict[str, str]:
    return {
        "ELEVENLABS_BASE_URL": emulator.base_url,
        "ELEVENLABS_API_KEY": key,
        "CONVAI_LAKE_DIR": str(lake),
        "DAGSTER_HOME": "",
    }


def test_sync_a_range_then_again_with_list_requests_only(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    env = env_for(emulator, tmp_path)
    start = (YESTERDAY - dt.timedelta(days=1)).isoformat()
    first = convai_lake("sync", "--start", start, env=env)
    assert first.returncode == 0, first.stderr
    assert f"{YESTERDAY}" in first.stdout
    assert (tmp_path / "warehouse.duckdb").is_file()
    details_before = emulator.stats()["routes"]["conversations.get"]["requests"]

    second = convai_lake("sync", "--start", start, env=env)
    assert second.returncode == 0, second.stderr
    assert emulator.stats()["routes"]["conversations.get"]["requests"] == details_before

    query = convai_lake("sql", "SELECT sum(conversations) FROM agent_daily_metrics", env=env)
    assert query.returncode == 0
    assert "32" in query.stdout  # 2 agents x 8 conversations x 2 days


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "yesterday"], "'yesterday' is not a date (use YYYY-MM-DD)"),
        (["--start", "2026-02-30"], "'2026-02-30' is not a date"),
        (["--end", "2099-01-01"], "is not over yet in UTC"),
        (["--start", "2026-03-05", "--end", "2026-03-01"], "is after --end"),
        (["--start", "2001-01-01", "--end", "2001-01-02"], "set CONVAI_START_DATE"),
        (["--since", "2026-01-01"], "unrecognized arguments: --since"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = convai_lake("sync", *args, env={"CONVAI_LAKE_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_key_is_named(tmp_path: Path) -> None:
    result = convai_lake("sync", env={"CONVAI_LAKE_DIR": str(tmp_path), "ELEVENLABS_API_KEY": ""})
    assert result.returncode == 1
    assert "ELEVENLABS_API_KEY is not set" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_rejected_key_is_one_clear_line(emulator: EmulatorHandle, tmp_path: Path) -> None:
    result = convai_lake("sync", env=env_for(emulator, tmp_path, key="sk_wrong_key"))
    assert result.returncode == 1
    assert "the API rejected the key (401 invalid_api_key)" in result.stderr
    assert "sk_wrong_key" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_base_url_is_named(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free, and nothing will listen on it
    result = convai_lake(
        "sync",
        env={
            "ELEVENLABS_BASE_URL": f"http://127.0.0.1:{port}",
            "ELEVENLABS_API_KEY": KEY,
            "CONVAI_LAKE_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 1
    assert f"cannot reach the API at http://127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    result = convai_lake(
        "sync",
        env={
            "ELEVENLABS_BASE_URL": "http://api.example.com",
            "ELEVENLABS_API_KEY": KEY,
            "CONVAI_LAKE_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 1
    assert "CONVAI_ALLOW_INSECURE_HTTP" in result.stderr


def test_demo_on_a_fresh_lake_then_again(tmp_path: Path) -> None:
    env = {"CONVAI_LAKE_DIR": str(tmp_path / "data"), "DAGSTER_HOME": ""}
    args = ("demo", "--agents", "2", "--conversations-per-day", "5")
    first = convai_lake(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert "agent_metrics" in first.stdout
    assert f"DAGSTER_HOME={tmp_path / 'data' / '.dagster'} uv run dagster dev" in first.stdout
    assert "convai-lake sql" in first.stdout
    second = convai_lake(*args, env=env)
    assert second.returncode == 0, second.stderr
    # The second demo finds every conversation final in the lake: nothing fetched.
    fetched = [
        line.split("│")[4].strip() for line in second.stdout.splitlines() if line.startswith("│ 20")
    ]
    assert len(fetched) == 7
    assert set(fetched) == {"0"}

"""The command line: options map onto the config, both entry points parse them, and the server
started from the command line prints where it listens and stops on a signal."""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys

import httpx
import pytest

from emulator.cli import config_from_args
from pipelines.cli import build_parser


def test_options_map_onto_the_config() -> None:
    args = build_parser().parse_args(
        [
            "emulator",
            "--seed", "4",
            "--agents", "2",
            "--conversations-per-day", "100",
            "--days", "3",
            "--today", "2025-07-15",
            "--dialect", "seed",
            "--api-key", "sk_x",
            "--workers", "2",
            "--rate-429", "0.1",
            "--retry-after", "5",
            "--rate-drift", "0.5",
            "--stall-secs", "4",
            "--max-faults-per-request", "3",
            "--hostile-id-rate", "0.2",
        ]
    )  # fmt: skip
    config = config_from_args(args)
    assert (config.seed, config.agents, config.conversations_per_day, config.days) == (4, 2, 100, 3)
    assert (config.today, config.dialect, config.api_key) == (dt.date(2025, 7, 15), "seed", "sk_x")
    assert (config.faults.rate_429, config.faults.retry_after_secs) == (0.1, 5)
    assert (config.faults.rate_drift, config.faults.stall_secs) == (0.5, 4.0)
    assert config.faults.max_faults_per_request == 3
    assert config.hostile_id_rate == 0.2
    assert args.workers == 2


def test_bad_values_are_refused() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["emulator", "--dialect", "klingon"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["emulator", "--today", "tomorrow"])
    args = build_parser().parse_args(["emulator", "--rate-5xx", "1.5"])
    assert args.handler(args) == 2


def test_python_m_emulator_serves_until_interrupted() -> None:
    command = [
        sys.executable,
        "-m",
        "emulator",
        "--seed",
        "3",
        "--today",
        "2025-07-15",
        "--days",
        "2",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(3))
        match = re.search(r"ELEVENLABS_BASE_URL=(http://127\.0\.0\.1:\d+)", banner)
        assert match, banner
        response = httpx.get(f"{match.group(1)}/v1/convai/conversations", params={"page_size": 1})
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0

"""Bad command-line input, beyond tests/orchestration/test_cli.py: every case exits with code 2
and says what is wrong on one `error:` line (after argparse's usage line), with no traceback,
before any request or any file is made.

Most cases call the real entry point `pipelines.cli.main` in-process (each CLI start-up costs
seconds); the first test checks, through real subprocesses, that the process exit code and
stderr are what `main` promises.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from pipelines.cli import main
from tests.reliability.harness import ROOT, cli_command

TODAY = dt.datetime.now(dt.UTC).date()


def run_main(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    return code if isinstance(code, int) else 1, capsys.readouterr().err


def assert_one_error_line(stderr: str, message: str) -> None:
    errors = [line for line in stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, stderr
    assert message in errors[0], stderr
    assert all(
        line.startswith(("usage:", " ")) for line in stderr.splitlines() if "error:" not in line
    ), stderr
    assert "Traceback" not in stderr


CASES = [
    # Dates that are not dates, or not written YYYY-MM-DD.
    (["sync", "--start", ""], "'' is not a date (use YYYY-MM-DD)"),
    (["sync", "--start", "2026-13-01"], "'2026-13-01' is not a date"),
    (["sync", "--end", "2025-02-29"], "'2025-02-29' is not a date"),
    (["sync", "--start", "01/02/2026"], "'01/02/2026' is not a date"),
    (["sync", "--start", "2026-01-01T00:00"], "'2026-01-01T00:00' is not a date"),
    (["sync", "--start", " 2026-01-01"], "' 2026-01-01' is not a date"),
    (["sync", "--start", "2026-01-01; rm -rf /"], "is not a date"),
    (["sync", "--start", "\uff19\uff19\uff19\uff19-01-01"], "is not a date"),
    # Ranges that cannot be synced.
    (["sync", "--end", TODAY.isoformat()], f"--end {TODAY} is not over yet in UTC"),
    (
        ["sync", "--start", "2026-01-02", "--end", "2026-01-01"],
        "--start 2026-01-02 is after --end 2026-01-01",
    ),
    (["sync", "--start", "1969-12-31", "--end", "1970-01-01"], "set CONVAI_START_DATE"),
    # Options and commands that do not exist, or lack their value.
    (["sync", "--start"], "argument --start: expected one argument"),
    (["sync", "--days", "3"], "unrecognized arguments: --days 3"),
    (["sync", "2026-01-01"], "unrecognized arguments: 2026-01-01"),
    (["synk"], "invalid choice: 'synk'"),
    ([], "the following arguments are required: COMMAND"),
    (["sql"], "the following arguments are required: query"),
]


@pytest.mark.parametrize(
    ("args", "message"), CASES, ids=[" ".join(a) or "(none)" for a, _ in CASES]
)
def test_bad_input_is_one_error_line_and_exit_2(
    args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lake = tmp_path / "lake"
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(lake))
    monkeypatch.setenv("ELEVENLABS_BASE_URL", "http://127.0.0.1:9")  # never asked
    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk_cli_input")
    code, stderr = run_main(args, capsys, monkeypatch)
    assert code == 2
    assert_one_error_line(stderr, message)
    assert not lake.exists(), "bad input must not create the lake"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CONVAI_CONCURRENCY", "many", "CONVAI_CONCURRENCY must be a whole number, got 'many'"),
        ("CONVAI_CONCURRENCY", "0", "CONVAI_CONCURRENCY must be at least 1, got 0"),
        ("CONVAI_LOOKBACK_DAYS", "-1", "CONVAI_LOOKBACK_DAYS must be at least 0, got -1"),
        ("CONVAI_RETENTION_DAYS", "1.5", "CONVAI_RETENTION_DAYS must be a whole number"),
    ],
)
def test_a_bad_setting_is_named_with_exit_2(
    variable: str,
    value: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(tmp_path / "lake"))
    monkeypatch.setenv(variable, value)
    code, stderr = run_main(["sync"], capsys, monkeypatch)
    assert code == 2
    assert_one_error_line(stderr, message)
    assert not (tmp_path / "lake").exists()


def test_the_process_exits_2_with_the_same_single_error_line(tmp_path: Path) -> None:
    result = subprocess.run(
        cli_command("sync", "--start", "2026-03-05", "--end", "2026-03-01"),
        env={
            "PATH": "/usr/bin:/bin",
            "CONVAI_LAKE_DIR": str(tmp_path / "lake"),
            "HOME": str(tmp_path),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert_one_error_line(result.stderr, "--start 2026-03-05 is after --end 2026-03-01")
    assert not (tmp_path / "lake").exists()

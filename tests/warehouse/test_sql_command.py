"""`convai-lake sql`: formats, read-only access and one-line errors with their exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.cli import main
from pipelines.lake import Lake

QUERY = "SELECT agent_id, conversations, success_rate FROM agent_metrics ORDER BY agent_id"


@pytest.fixture(autouse=True)
def lake_dir(built_lake: Lake, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(built_lake.root))
    return built_lake.root


def test_table_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", QUERY]) == 0
    out = capsys.readouterr().out
    assert "agent_id" in out
    assert sum("│ agent_" in line for line in out.splitlines()) == 6


def test_table_shows_at_most_max_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", QUERY, "--max-rows", "2"]) == 0
    out = capsys.readouterr().out
    assert sum("│ agent_" in line for line in out.splitlines()) == 2
    assert "·" in out


def test_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", QUERY, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 6
    assert rows[0].keys() == {"agent_id", "conversations", "success_rate"}
    assert {"agent_id": "agent_idle", "conversations": "0", "success_rate": ""} in rows


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", QUERY, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"agent_id": "agent_idle", "conversations": 0, "success_rate": None} in rows
    assert len(rows) == 6


def test_parquet(tmp_path: Path) -> None:
    output = tmp_path / "out.parquet"
    assert main(["sql", QUERY, "--format", "parquet", "--output", str(output)]) == 0
    frame = pl.read_parquet(output)
    assert frame.columns == ["agent_id", "conversations", "success_rate"]
    assert frame.height == 6


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEC 1", "Parser Error"),
        ("SELECT * FROM nowhere", "Catalog Error"),
        ("DELETE FROM agents", "read-only"),
    ],
)
def test_query_errors_exit_1_with_duckdbs_message(
    query: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", query]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_no_warehouse_says_to_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(tmp_path / "empty"))
    assert main(["sql", "SELECT 1"]) == 1
    assert "run `convai-lake sync` first" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments",
    [
        ["--format", "parquet"],
        ["--format", "csv", "--output", "x.csv"],
        ["--format", "xml"],
        ["--max-rows", "0"],
    ],
)
def test_usage_errors_exit_2(arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sql", "SELECT 1", *arguments])
    assert exited.value.code == 2

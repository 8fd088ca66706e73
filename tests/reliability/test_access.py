"""Who can reach what: the emulator listens on loopback only unless told otherwise, and the
warehouse is opened read-only by `convai-lake sql` and by the notebooks.

(The client's refusal of plain http to other hosts, and the CONVAI_ALLOW_INSECURE_HTTP opt-in,
are tested in tests/client/test_secrets.py, tests/client/test_resource.py and
tests/orchestration/test_cli.py.)
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assets.warehouse.build import WAREHOUSE_FILE, build_warehouse
from tests.reliability.harness import ROOT, cli_command, convai_lake
from tests.reliability.privacy_harness import convai_lake_here
from tests.warehouse.lake_fixtures import LakeSpec, write_lake

LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1 in /proc/net
LISTEN = "0A"


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port` (IPv4 and IPv6), as the kernel
    lists them in /proc/net/tcp*."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == LISTEN and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_the_emulator_listens_on_loopback_only_by_default() -> None:
    server = subprocess.Popen(
        cli_command("emulator", "--days", "1", "--agents", "1"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        serving = next(line for line in server.stdout if line.startswith("Serving on "))
        url = re.search(r"http://([^:/]+):(\d+)", serving)
        assert url is not None, serving
        assert url.group(1) == "127.0.0.1"
        addresses = listening_addresses(int(url.group(2)))
        assert addresses, "the emulator's socket is listed"
        assert addresses <= LOOPBACK, addresses
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("access") / "lake"
    build_warehouse(write_lake(root, LakeSpec()))
    return root


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


WRITES = [
    "DELETE FROM conversations",
    "DROP TABLE agent_metrics",
    "UPDATE conversations SET status = 'x'",
    "INSERT INTO tools SELECT * FROM tools",
    "CREATE TABLE stolen AS SELECT 1",
    "CREATE OR REPLACE VIEW agent_metrics AS SELECT 1",
]


@pytest.fixture
def warehouse_env(lake: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CONVAI_LAKE_DIR", str(lake))
    warehouse = lake / WAREHOUSE_FILE
    before = fingerprint(warehouse)
    yield warehouse
    assert fingerprint(warehouse) == before, "the warehouse was changed"


@pytest.mark.parametrize("statement", WRITES)
def test_sql_cannot_write_to_the_warehouse(
    warehouse_env: Path, statement: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert convai_lake_here("sql", statement) == 1
    assert "read-only" in capsys.readouterr().err


def test_sql_in_a_subprocess_cannot_write_either(warehouse_env: Path, lake: Path) -> None:
    refused = convai_lake("sql", "DELETE FROM conversations", env={"CONVAI_LAKE_DIR": str(lake)})
    assert refused.returncode == 1
    assert "read-only" in refused.stderr


def test_sql_reads(warehouse_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        convai_lake_here("sql", "SELECT count(*) AS n FROM conversations", "--format", "csv") == 0
    )
    assert int(capsys.readouterr().out.split()[-1]) > 0


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_notebooks_open_the_warehouse_read_only(notebook: Path) -> None:
    cells = json.loads(notebook.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    tree = ast.parse(
        "\n".join(line for line in code.splitlines() if not line.startswith(("%", "!")))
    )
    connects = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "connect"
    ]
    assert connects, "the notebook opens the warehouse"
    for call in connects:
        flags = {k.arg: k.value for k in call.keywords}
        read_only = flags.get("read_only")
        assert isinstance(read_only, ast.Constant), ast.unparse(call)
        assert read_only.value is True, ast.unparse(call)

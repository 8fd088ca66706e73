"""deploy/ agrees with the code: the compose file and the Helm values name the real code
location and only settings the code reads, and carry the same limits as deploy/dagster.yaml;
the Dockerfile copies what exists and installs the extras pyproject.toml declares. Where a
Compose binary is installed, `docker compose config` must accept the file."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from dagster._core.instance.config import dagster_instance_config

from pipelines.resources import API_KEY_ENV_VAR

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
SETTING = re.compile(r"""["']((?:CONVAI|ELEVENLABS)_[A-Z0-9_]+)["']""")
PREFIXES = ("CONVAI_", "ELEVENLABS_")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def code_location() -> str:
    module: str = pyproject()["tool"]["dagster"]["module_name"]
    return module


def settings_read_by_the_code() -> set[str]:
    """Every CONVAI_* / ELEVENLABS_* name that pipelines/ reads, from its source."""
    names = {API_KEY_ENV_VAR}
    for source in (ROOT / "pipelines").rglob("*.py"):
        names |= set(SETTING.findall(source.read_text()))
    return names


def env_names(environment: dict[str, Any] | list[Any]) -> set[str]:
    if isinstance(environment, dict):
        return set(environment)
    return {
        item["name"] if isinstance(item, dict) else str(item).split("=")[0] for item in environment
    }


def env_refs(node: Any) -> Iterator[str]:
    """The variables a dagster.yaml reads (`{env: NAME}`)."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            yield node["env"]
        for value in node.values():
            yield from env_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from env_refs(value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = load(DEPLOY / "docker-compose.yml")
    return loaded


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = load(DEPLOY / "helm" / "values.yaml")
    return loaded


@pytest.fixture(scope="module")
def instance() -> dict[str, Any]:
    loaded: dict[str, Any] = load(DEPLOY / "dagster.yaml")
    return loaded


def test_the_instance_yaml_is_valid_dagster_config(
    instance: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dagster's own schema accepts deploy/dagster.yaml (no database needed for this)."""
    for name in env_refs(instance):
        monkeypatch.setenv(name, "5432" if name.endswith("_PORT") else "x")
    shutil.copy(DEPLOY / "dagster.yaml", tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["pools"]["default_limit"] >= 1


def test_the_code_location_is_the_real_module() -> None:
    assert code_location() == "pipelines.definitions"
    assert importlib.util.find_spec(code_location()) is not None


def test_compose_runs_the_code_location_with_real_settings(
    compose: dict[str, Any], instance: dict[str, Any]
) -> None:
    services = compose["services"]
    assert {"postgres", "webserver", "daemon", "minio"} <= set(services)
    assert services["minio"]["profiles"] == ["minio"]  # optional
    known = settings_read_by_the_code()
    for name in ("webserver", "daemon"):
        service = services[name]
        command = service["command"]
        assert command[0] == f"dagster-{name}"
        assert command[command.index("-m") + 1] == code_location()
        env = env_names(service["environment"])
        settings = {n for n in env if n.startswith(PREFIXES)}
        assert settings <= known, f"{name} sets variables the code never reads"
        assert {"ELEVENLABS_BASE_URL", "CONVAI_LAKE_DIR", "CONVAI_CONCURRENCY"} <= settings
        # The instance's connection variables, all of them and only them.
        assert {n for n in env if n.startswith("DAGSTER_PG_")} == set(env_refs(instance))
        assert service["environment"]["DAGSTER_HOME"] == "/opt/dagster/home"
    # Runs start in the daemon only: it alone gets the API key.
    assert API_KEY_ENV_VAR in services["daemon"]["environment"]
    assert API_KEY_ENV_VAR not in services["webserver"]["environment"]


def test_helm_values_deploy_the_code_location(
    values: dict[str, Any], instance: dict[str, Any]
) -> None:
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    args = deployment["dagsterApiGrpcArgs"]
    assert args[args.index("--module-name") + 1] == code_location()
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    settings = env_names(deployment["env"])
    assert {n for n in settings if n.startswith(PREFIXES)} <= settings_read_by_the_code()
    assert {"ELEVENLABS_BASE_URL", "CONVAI_LAKE_DIR", "CONVAI_CONCURRENCY"} <= settings
    # Run pods share no disk: the lake must be in object storage.
    lake = next(e["value"] for e in deployment["env"] if e["name"] == "CONVAI_LAKE_DIR")
    assert lake.startswith(("s3://", "gs://", "az://"))
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"
    assert (
        values["postgresql"]["postgresqlScheme"]
        == (instance["storage"]["postgres"]["postgres_db"]["scheme"])
    )


def test_helm_and_compose_share_the_instance_limits(
    values: dict[str, Any], instance: dict[str, Any]
) -> None:
    pools, runs = values["concurrency"]["pools"], values["concurrency"]["runs"]
    expected = instance["concurrency"]
    assert pools["defaultLimit"] == expected["pools"]["default_limit"]
    assert pools["granularity"] == expected["pools"]["granularity"]
    assert runs["maxConcurrentRuns"] == expected["runs"]["max_concurrent_runs"]
    assert runs["tagConcurrencyLimits"] == expected["runs"]["tag_concurrency_limits"]
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"


def test_the_dockerfile_copies_what_exists_and_runs_as_non_root() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY") and "--from=" not in line:
            for source in line.split()[1:-1]:
                if not source.startswith("--"):
                    assert (ROOT / source).exists(), f"COPY of a missing path: {source}"
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users
    assert not users[-1].startswith(("root", "0"))
    extras = set(pyproject()["project"]["optional-dependencies"])
    assert set(re.findall(r"--extra (\S+)", dockerfile)) <= extras
    assert "production" in extras
    assert code_location() in dockerfile


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no Docker Compose v2 here (`docker compose` plugin or `docker-compose`)")
    env = {
        **os.environ,
        "DAGSTER_PG_PASSWORD": "test-password",
        "ELEVENLABS_API_KEY": "test-key",
    }
    checked = subprocess.run(
        [*command, "-f", str(DEPLOY / "docker-compose.yml"), "--profile", "minio", "config"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stderr
    rendered = yaml.safe_load(checked.stdout)
    assert set(rendered["services"]) == {"postgres", "webserver", "daemon", "minio", "minio-bucket"}

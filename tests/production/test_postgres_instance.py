"""deploy/dagster.yaml, as shipped, against a real PostgreSQL started by the test: the
instance it describes stores runs, events, asset materializations, pool slots and schedule
state in PostgreSQL, and a day's `daily` run against the emulator lands there."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.remote_origin import (
    InProcessCodeLocationOrigin,
    RemoteInstigatorOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    ScheduleInstigatorData,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from assets.raw.assets import API_POOL
from emulator import EmulatorConfig, running_emulator
from pipelines.definitions import build_definitions
from pipelines.resources import API_KEY_ENV_VAR
from pipelines.settings import load_settings
from pipelines.sync import QUIET
from tests.production.postgres_server import PostgresServer, missing_binaries, running_postgres

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))

DEPLOY_YAML = Path(__file__).parents[2] / "deploy" / "dagster.yaml"
TODAY = dt.date(2026, 4, 2)
DAY = TODAY - dt.timedelta(days=1)
KEY = "sk_production_test"


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def instance(
    postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dg.DagsterInstance]:
    """The instance of deploy/dagster.yaml, its DAGSTER_PG_* variables naming `postgres`."""
    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as opened:
        yield opened


def _count(postgres: PostgresServer, sql: str, *params: object) -> int:
    with contextlib.closing(postgres.connect()) as con, con.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def test_the_deploy_instance_is_postgres_with_a_run_queue(instance: dg.DagsterInstance) -> None:
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    queue = instance.get_concurrency_config().run_queue_config
    assert queue is not None
    assert queue.max_concurrent_runs == 6
    assert {limit["key"] for limit in queue.tag_concurrency_limits} == {
        "dagster/backfill",
        "dagster/partition",
    }
    pools = instance.get_concurrency_config().pool_config
    assert pools.default_pool_limit == 4
    assert pools.pool_granularity is not None
    assert pools.pool_granularity.value == "op"


def test_a_daily_run_is_recorded_in_postgres(
    instance: dg.DagsterInstance,
    postgres: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(API_KEY_ENV_VAR, KEY)
    config = EmulatorConfig(
        seed=3, agents=2, conversations_per_day=6, days=2, today=TODAY, api_key=KEY
    )
    with running_emulator(config) as emulator:
        settings = load_settings(
            {"ELEVENLABS_BASE_URL": emulator.base_url, "CONVAI_LAKE_DIR": str(tmp_path / "lake")}
        )
        daily = build_definitions(settings).resolve_job_def("daily")
        result = daily.execute_in_process(
            partition_key=DAY.isoformat(), instance=instance, run_config=QUIET
        )
    assert result.success
    run_id = result.run_id

    # Through Dagster's own API, reading back from PostgreSQL...
    run = instance.get_run_by_id(run_id)
    assert run is not None
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["dagster/partition"] == DAY.isoformat()
    materialized = instance.get_latest_materialization_event(dg.AssetKey(["raw", "conversations"]))
    assert materialized is not None
    assert materialized.run_id == run_id
    assert materialized.asset_materialization is not None
    assert materialized.asset_materialization.partition == DAY.isoformat()
    # ...and in PostgreSQL's tables directly, so nothing came from a local SQLite file.
    assert _count(postgres, "SELECT count(*) FROM runs WHERE run_id = %s", run_id) == 1
    assert _count(postgres, "SELECT count(*) FROM event_logs WHERE run_id = %s", run_id) > 20
    assets_materialized = _count(
        postgres,
        "SELECT count(DISTINCT asset_key) FROM event_logs "
        "WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
        run_id,
    )
    assert assets_materialized == len(result.get_asset_materialization_events())
    assert assets_materialized >= 6  # catalogue, the day's raw and normalised, the warehouse
    assert _count(postgres, "SELECT count(*) FROM asset_keys WHERE asset_key LIKE %s", "%raw%") > 0
    # The API steps went through the `elevenlabs_api` pool, created with the default limit,
    # and gave every slot back when the run ended.
    pool = instance.event_log_storage.get_concurrency_info(API_POOL)
    assert pool.slot_count == 4
    assert pool.active_slot_count == 0
    assert (
        _count(
            postgres, "SELECT count(*) FROM concurrency_limits WHERE concurrency_key = %s", API_POOL
        )
        == 1
    )
    assert not list(tmp_path.rglob("*.db"))  # no SQLite storage was created beside the home


def test_schedule_state_is_stored_in_postgres(
    instance: dg.DagsterInstance, postgres: PostgresServer
) -> None:
    """What the daemon writes when it evaluates the nightly schedule: its state and ticks."""
    assert _count(postgres, "SELECT count(*) FROM jobs") == 0
    origin = _schedule_origin()
    instance.schedule_storage.add_instigator_state(  # type: ignore[union-attr]
        InstigatorState(
            origin,
            InstigatorType.SCHEDULE,
            InstigatorStatus.RUNNING,
            ScheduleInstigatorData("0 2 * * *", start_timestamp=0.0),
        )
    )
    assert _count(postgres, "SELECT count(*) FROM jobs WHERE job_type = 'SCHEDULE'") == 1


def _schedule_origin() -> RemoteInstigatorOrigin:
    """The origin of a schedule named `nightly` in this code location."""
    location = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name="pipelines.definitions"), location_name="convai_lake"
    )
    return RemoteInstigatorOrigin(RemoteRepositoryOrigin(location, "__repository__"), "nightly")

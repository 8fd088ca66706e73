"""Run the graph in-process for a range of days: the catalogue once, each day's raw and
normalised data, retention once (when CONVAI_RETENTION_DAYS is set), then the warehouse once.
What `convai-lake sync` and `demo` run.

Runs are recorded in the Dagster instance (see `pipelines.instance`), so the UI shows them.
A day that fails does not stop the others; the warehouse is built from whatever landed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

from pipelines.client import ApiClient
from pipelines.definitions import build_definitions
from pipelines.errors import ApiError
from pipelines.jobs import catalogue_job, ingest_day_job, retention_job, warehouse_job
from pipelines.retry import RetryPolicy
from pipelines.settings import Secret, Settings, SettingsError

# Dagster's console logger would print every step event; the CLI shows progress itself.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
RAW_CONVERSATIONS = dg.AssetKey(["raw", "conversations"])
NORMALISED_CONVERSATIONS = dg.AssetKey(["normalised", "conversations"])
# Marks the runs `sync` starts, so that the next sync can tell which unfinished ones are dead.
SYNC_TAG = "convai_lake/sync"
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
PROBE_PATH = "/v1/convai/agents"
PROBE_ATTEMPTS = 2


@dataclass(frozen=True)
class StepOutcome:
    """One job run: whether it succeeded, its first error, its materialization metadata."""

    name: str
    succeeded: bool
    seconds: float
    error: str | None
    metadata: Mapping[dg.AssetKey, Mapping[str, Any]]

    def value(self, key: dg.AssetKey, name: str, default: Any = 0) -> Any:
        return self.metadata.get(key, {}).get(name, default)


@dataclass(frozen=True)
class DaySummary:
    """The figures of one day's run that `sync` prints."""

    day: dt.date
    outcome: StepOutcome

    @property
    def listed(self) -> int:
        return int(self.outcome.value(RAW_CONVERSATIONS, "conversations_listed"))

    @property
    def fetched(self) -> int:
        return int(self.outcome.value(RAW_CONVERSATIONS, "fetched"))

    @property
    def requests(self) -> int:
        return int(self.outcome.value(RAW_CONVERSATIONS, "requests"))

    @property
    def quarantined(self) -> int:
        key, name = NORMALISED_CONVERSATIONS, "quarantined_records_all_tables"
        return int(self.outcome.value(key, name))


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from `start` to `end`, both included."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _first_error(result: dg.ExecuteInProcessResult) -> str | None:
    """The deepest message of the first failed step: the error itself, not Dagster's wrapper."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            return error.message.strip().splitlines()[0] if error else None
    return None if result.success else "the run failed"


class Runner:
    """Executes the project's jobs in-process against one instance and one set of settings."""

    def __init__(self, settings: Settings, instance: dg.DagsterInstance) -> None:
        self._defs = build_definitions(settings)
        self._instance = instance
        self._retention = settings.retention_days is not None

    def steps(self, days: list[dt.date]) -> list[str]:
        """What `sync(days)` runs, in order: `catalogue`, each day, `retention`, `warehouse`."""
        retention = ["retention"] if self._retention else []
        return ["catalogue", *(f"day {day}" for day in days), *retention, "warehouse"]

    def run(self, job: dg.UnresolvedAssetJobDefinition, partition: str | None) -> StepOutcome:
        started = time.perf_counter()
        result = self._defs.resolve_job_def(job.name).execute_in_process(
            instance=self._instance,
            partition_key=partition,
            run_config=QUIET,
            tags={SYNC_TAG: "true"},
            raise_on_error=False,
        )
        metadata = {
            event.asset_key: {k: v.value for k, v in event.materialization.metadata.items()}
            for event in result.get_asset_materialization_events()
            if event.asset_key is not None
        }
        return StepOutcome(
            name=job.name if partition is None else f"{job.name} {partition}",
            succeeded=result.success,
            seconds=time.perf_counter() - started,
            error=_first_error(result),
            metadata=metadata,
        )

    def release_dead_runs(self) -> list[str]:
        """Mark failed the runs of earlier syncs that never finished, and free the pool slots
        they held; their ids. Call only while holding the lake's `sync` lock: no other sync is
        alive then, so such a run was killed (`kill -9`, a crash, a power cut). Without this,
        the slot a killed run held in the `elevenlabs_api` pool (limit 1) is never given back
        and every later sync waits for it for ever."""
        dead = self._instance.get_runs(dg.RunsFilter(tags={SYNC_TAG: "true"}, statuses=UNFINISHED))
        for run in dead:
            self._instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            self._instance.report_run_failed(run, "the sync running it ended without finishing")
        return [run.run_id for run in dead]

    def sync(self, days: list[dt.date]) -> Iterator[StepOutcome | DaySummary]:
        """Yield the catalogue's outcome, each day's summary, retention's outcome (when it
        is set), then the warehouse's outcome. The caller holds the lake's `sync` lock."""
        self.release_dead_runs()
        yield self.run(catalogue_job, None)
        for day in days:
            yield DaySummary(day, self.run(ingest_day_job, day.isoformat()))
        if self._retention:
            yield self.run(retention_job, None)
        yield self.run(warehouse_job, None)


async def _probe(settings: Settings, key: Secret) -> None:
    async with ApiClient(
        base_url=settings.base_url,
        api_key=key,
        concurrency=1,
        retry=RetryPolicy(max_attempts=PROBE_ATTEMPTS),
        allow_insecure_http=settings.allow_insecure_http,
    ) as api:
        await api.get_json(PROBE_PATH, {"page_size": 1})


def preflight(settings: Settings) -> str | None:
    """One request to the API before any run: a one-line reason it cannot work, or None.

    Catches what would otherwise fail every day alike: no key, a key the API rejects, a base
    URL that is not reachable or not allowed.
    """
    if settings.api_key is None:
        return "ELEVENLABS_API_KEY is not set: export your API key (or put it in .env)"
    try:
        asyncio.run(_probe(settings, settings.api_key))
    except SettingsError as error:
        return str(error)
    except ApiError as error:
        if error.status is None:
            return f"cannot reach the API at {settings.base_url}: {error.reason}"
        return str(error)
    return None

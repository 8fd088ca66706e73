"""Dagster resources: where the lake is, and how to reach the ElevenLabs API."""

from __future__ import annotations

import re

import dagster as dg
from pydantic import Field

from pipelines.client import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_JSON_BYTES,
    ApiClient,
    Timeouts,
)
from pipelines.lake import Lake, open_lake
from pipelines.retry import DEFAULT_MAX_ATTEMPTS, RetryPolicy
from pipelines.settings import (
    DEFAULT_CONCURRENCY,
    DEFAULT_LOOKBACK_DAYS,
    PRODUCTION_BASE_URL,
    Secret,
    Settings,
)

API_KEY_ENV_VAR = "ELEVENLABS_API_KEY"
_DEFAULT_TIMEOUTS = Timeouts()


PARTITION_TAG = "dagster/partition"
# A job whose steps read and write only their partition's day (and undated files) says so
# with this tag; its runs then refresh only that day of a lake in object storage. Any other
# run (the `daily` job builds the warehouse from every day) refreshes the whole lake.
LAKE_SCOPE_TAG = "convai/lake-scope"
DAY_SCOPE = {LAKE_SCOPE_TAG: "day"}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class LakeResource(dg.ConfigurableResource["LakeResource"]):
    """The lake root (`CONVAI_LAKE_DIR`); assets read and write files only through it.

    With `store_url` (an `s3://`, `gs://` or `az://` URL) the lake lives in object storage
    and `lake_dir` is its local working copy: each run starts by bringing the working copy up
    to date (for a run of a job tagged `DAY_SCOPE`: its day and the undated files) and ends
    by deleting from the store what the run deleted locally (docs/object-store.md).
    """

    lake_dir: str = "data"
    store_url: str = Field(default="", description="CONVAI_LAKE_DIR when it is a URL.")

    @classmethod
    def from_settings(cls, settings: Settings) -> LakeResource:
        return cls(lake_dir=str(settings.lake_dir), store_url=settings.lake_store or "")

    def lake(self) -> Lake:
        return open_lake(self.lake_dir, self.store_url or None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        tags = {} if context.run is None else context.run.tags
        day = tags.get(PARTITION_TAG) if tags.get(LAKE_SCOPE_TAG) == "day" else None
        report = self.lake().refresh(day if day and _DAY.fullmatch(day) else None)
        if self.store_url and context.log is not None:
            context.log.info(
                f"working copy of {self.store_url}: {report.listed} objects listed, "
                f"{report.downloaded} downloaded, {report.removed} removed, "
                f"{report.deletions_pushed} deletions pushed"
            )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.lake().push_deletions()


class RetentionResource(dg.ConfigurableResource["RetentionResource"]):
    """How long recordings and transcript text are kept (`CONVAI_RETENTION_DAYS`; None: for
    ever), and the lookback window, whose days are never expired."""

    days: int | None = Field(default=None, ge=1, description="CONVAI_RETENTION_DAYS")
    lookback_days: int = Field(default=DEFAULT_LOOKBACK_DAYS, ge=0)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionResource:
        return cls(days=settings.retention_days, lookback_days=settings.lookback_days)


class ElevenLabsResource(dg.ConfigurableResource["ElevenLabsResource"]):
    """How to reach the ElevenLabs API; `client()` opens the one pooled client of a run.

    Set the key as `api_key=dg.EnvVar("ELEVENLABS_API_KEY")`, never as a literal: Dagster then
    reads the variable when the run starts and shows only its name in the UI and the run
    config. The field is also left out of the resource's repr.
    """

    api_key: str = Field(
        repr=False, description=f'Always dg.EnvVar("{API_KEY_ENV_VAR}"), never a literal key.'
    )
    base_url: str = Field(default=PRODUCTION_BASE_URL, description="ELEVENLABS_BASE_URL")
    concurrency: int = Field(
        default=DEFAULT_CONCURRENCY, description="Requests in flight (CONVAI_CONCURRENCY)."
    )
    max_attempts: int = Field(
        default=DEFAULT_MAX_ATTEMPTS, description="Attempts per request, the first included."
    )
    connect_timeout: float = _DEFAULT_TIMEOUTS.connect
    read_timeout: float = _DEFAULT_TIMEOUTS.read
    pool_timeout: float = _DEFAULT_TIMEOUTS.pool
    allow_insecure_http: bool = Field(
        default=False,
        description="Allow plain http to non-loopback hosts (CONVAI_ALLOW_INSECURE_HTTP).",
    )
    max_json_bytes: int = Field(
        default=DEFAULT_MAX_JSON_BYTES, description="Largest JSON body accepted, in bytes."
    )
    max_download_bytes: int = Field(
        default=DEFAULT_MAX_DOWNLOAD_BYTES, description="Largest recording accepted, in bytes."
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> ElevenLabsResource:
        """The resource for the product's settings, the key deferred to run time."""
        return cls(
            api_key=dg.EnvVar(API_KEY_ENV_VAR),
            base_url=settings.base_url,
            concurrency=settings.concurrency,
            allow_insecure_http=settings.allow_insecure_http,
        )

    def client(self) -> ApiClient:
        """A new client for one run: `async with resource.client() as api:` inside the run's
        event loop, which the client's connections belong to."""
        return ApiClient(
            base_url=self.base_url,
            api_key=Secret(self.api_key),
            concurrency=self.concurrency,
            retry=RetryPolicy(max_attempts=self.max_attempts),
            timeouts=Timeouts(
                connect=self.connect_timeout, read=self.read_timeout, pool=self.pool_timeout
            ),
            allow_insecure_http=self.allow_insecure_http,
            max_json_bytes=self.max_json_bytes,
            max_download_bytes=self.max_download_bytes,
        )

"""Dagster resources: where the lake is, and how to reach the ElevenLabs API."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from pipelines.client import ApiClient, Timeouts
from pipelines.lake import Lake
from pipelines.retry import DEFAULT_MAX_ATTEMPTS, RetryPolicy
from pipelines.settings import DEFAULT_CONCURRENCY, PRODUCTION_BASE_URL, Secret, Settings

API_KEY_ENV_VAR = "ELEVENLABS_API_KEY"
_DEFAULT_TIMEOUTS = Timeouts()


class LakeResource(dg.ConfigurableResource["LakeResource"]):
    """The lake root (`CONVAI_LAKE_DIR`); assets read and write files only through it."""

    lake_dir: str = "data"

    def lake(self) -> Lake:
        return Lake(self.lake_dir)


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
        )

"""The Dagster code location: `dagster dev` loads `defs` through workspace.yaml.

The graph is raw (API -> lake) -> normalised (Parquet, per day) -> warehouse (DuckDB).
"""

from __future__ import annotations

import dagster as dg

from assets.normalised.assets import NORMALISED_ASSETS
from assets.raw.assets import RAW_ASSETS
from assets.warehouse.assets import warehouse
from pipelines.jobs import JOBS
from pipelines.resources import ElevenLabsResource, LakeResource, RetentionResource
from pipelines.retention import expire_old_days
from pipelines.schedules import nightly_schedule
from pipelines.settings import Settings, load_env_file, load_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    """Every asset, job and schedule, with resources for `settings`."""
    return dg.Definitions(
        assets=[*RAW_ASSETS, *NORMALISED_ASSETS, warehouse, expire_old_days],
        jobs=JOBS,
        schedules=[nightly_schedule(settings)],
        resources={
            "lake": LakeResource.from_settings(settings),
            "elevenlabs": ElevenLabsResource.from_settings(settings),
            "retention": RetentionResource.from_settings(settings),
        },
    )


load_env_file()
defs = build_definitions(load_settings())

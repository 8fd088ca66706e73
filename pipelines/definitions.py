"""The Dagster code location: `dagster dev` loads `defs` through workspace.yaml.

The graph is raw (API -> lake) -> normalised (Parquet, per day) -> warehouse (DuckDB).
"""

from __future__ import annotations

import dagster as dg

from assets.normalised.assets import NORMALISED_ASSETS
from assets.raw.assets import RAW_ASSETS
from assets.warehouse.assets import warehouse
from pipelines.resources import ElevenLabsResource, LakeResource
from pipelines.settings import load_env_file, load_settings

load_env_file()
_settings = load_settings()

defs = dg.Definitions(
    assets=[*RAW_ASSETS, *NORMALISED_ASSETS, warehouse],
    resources={
        "lake": LakeResource(lake_dir=str(_settings.lake_dir)),
        "elevenlabs": ElevenLabsResource.from_settings(_settings),
    },
)

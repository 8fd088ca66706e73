"""The warehouse layer's Dagster definitions, for merging into `pipelines.definitions`."""

from __future__ import annotations

import dagster as dg

from assets.warehouse.assets import warehouse

defs = dg.Definitions(assets=[warehouse])

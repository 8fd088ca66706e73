"""Jobs: the whole graph for one day (what the schedule and backfills run), and one per layer.

`sync` runs the layers apart so that a range of days builds the catalogue and the warehouse
once rather than once per day; the nightly schedule runs `daily` per day, each run leaving a
complete warehouse behind.
"""

from __future__ import annotations

import dagster as dg

from assets.normalised.assets import normalised_catalogue, normalised_day
from assets.raw.assets import RAW_AGENTS, RAW_KNOWLEDGE_BASE, RAW_TOOLS, raw_conversations
from assets.warehouse.assets import warehouse
from pipelines.partitions import daily_partitions
from pipelines.resources import DAY_SCOPE
from pipelines.retention import expire_old_days

# Transient failures (an API outage outlasting the client's retries) get two more tries;
# failures raised with allow_retries=False (a rejected key) do not.
TRANSIENT_RETRIES = dg.RetryPolicy(
    max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

CATALOGUE = dg.AssetSelection.assets(
    RAW_AGENTS, RAW_TOOLS, RAW_KNOWLEDGE_BASE, normalised_catalogue
)
DAY = dg.AssetSelection.assets(raw_conversations, normalised_day)
WAREHOUSE = dg.AssetSelection.assets(warehouse)
RETENTION = dg.AssetSelection.assets(expire_old_days)

daily_job = dg.define_asset_job(
    "daily",
    selection=CATALOGUE | DAY | RETENTION | WAREHOUSE,
    partitions_def=daily_partitions,
    op_retry_policy=TRANSIENT_RETRIES,
    description="One day end to end: catalogue, the day's raw and normalised data, retention "
    "(when CONVAI_RETENTION_DAYS is set), warehouse.",
)
ingest_day_job = dg.define_asset_job(
    "ingest_day",
    selection=DAY,
    partitions_def=daily_partitions,
    tags=DAY_SCOPE,
    op_retry_policy=TRANSIENT_RETRIES,
    description="One day's raw and normalised data (no catalogue, no warehouse).",
)
catalogue_job = dg.define_asset_job(
    "catalogue",
    selection=CATALOGUE,
    op_retry_policy=TRANSIENT_RETRIES,
    description="Agents, tools and knowledge-base snapshots, normalised.",
)
warehouse_job = dg.define_asset_job(
    "build_warehouse", selection=WAREHOUSE, description="Rebuild the warehouse from the lake."
)

retention_job = dg.define_asset_job(
    "retention",
    selection=RETENTION,
    description="Delete recordings and transcript text older than CONVAI_RETENTION_DAYS.",
)

JOBS = [daily_job, ingest_day_job, catalogue_job, retention_job, warehouse_job]

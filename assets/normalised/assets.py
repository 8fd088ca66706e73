"""Dagster assets of the normalised layer: the day's five tables (one multi-asset, because one
pass over the raw partition writes them all) and the catalogue tables.

No `from __future__ import annotations` here: Dagster reads the config and resource types
from the signatures at import time.
"""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import polars as pl
from pydantic import Field

from assets.normalised.catalogue import publish_catalogue
from assets.normalised.checks import (
    CHILD_TABLES,
    day_checks,
    rows_belong_to_conversations,
    unique_conversation_ids,
)
from assets.normalised.partition import publish_day
from assets.normalised.publish import table_path
from assets.normalised.schemas import CATALOGUE_TABLES, PARTITIONED_TABLES
from pipelines.frozen_days import is_frozen
from pipelines.lake import Lake
from pipelines.partitions import daily_partitions
from pipelines.resources import LakeResource

GROUP = "normalised"
KINDS = {"polars", "parquet"}
# The raw day: list pages (list-only fields), details, recordings (their lengths).
RAW_DAY = [dg.AssetKey(["raw", name]) for name in ("conversation_pages", "conversations", "audio")]
RAW_CATALOGUE = {
    "agents": dg.AssetKey(["raw", "agents"]),
    "tools": dg.AssetKey(["raw", "tools"]),
    "knowledge_base_documents": dg.AssetKey(["raw", "knowledge_base"]),
}


def key(table: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, table])


class NormaliseConfig(dg.Config):
    max_quarantine_share: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Share of the day's raw records that may go to quarantine before the "
        "quarantine check fails.",
    )


_CHECKS = [
    dg.AssetCheckSpec("conversation_id_unique", asset=key("conversations")),
    dg.AssetCheckSpec("quarantine_share_under_threshold", asset=key("conversations")),
    *(dg.AssetCheckSpec("rows_belong_to_conversations", asset=key(t)) for t in CHILD_TABLES),
    *(dg.AssetCheckSpec("rows_match_raw", asset=key(t.name)) for t in PARTITIONED_TABLES),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key(table.name),
            deps=RAW_DAY,
            description=table.grain,
            group_name=GROUP,
            kinds=KINDS,
        )
        for table in PARTITIONED_TABLES
    ],
    check_specs=_CHECKS,
    partitions_def=daily_partitions,
)
def normalised_day(
    context: dg.AssetExecutionContext, config: NormaliseConfig, lake: LakeResource
) -> Iterator[dg.MaterializeResult[None] | dg.AssetCheckResult]:
    """Raw conversations of the day -> conversations, transcript_turns, tool_calls,
    evaluation_results and data_collection_results (+ quarantine), checked as written."""
    day = dt.date.fromisoformat(context.partition_key)
    if is_frozen(lake.lake(), day):
        yield from _frozen_day(lake.lake(), day)
        return
    published = publish_day(lake.lake(), day)
    quarantined = sum(published.quarantined.values())
    rate = published.rows["conversations"] / published.seconds if published.seconds else 0.0
    for table in PARTITIONED_TABLES:
        metadata: dict[str, dg.RawMetadataValue] = {
            "rows": published.rows[table.name],
            "bytes": published.bytes[table.name],
            "quarantined_records": published.quarantined[table.name],
        }
        if table.name == "conversations":
            metadata |= {
                "quarantined_records_all_tables": quarantined,
                "raw_records": published.records_seen,
                "seconds": round(published.seconds, 3),
                "conversations_per_second": round(rate, 1),
            }
        yield dg.MaterializeResult(asset_key=key(table.name), metadata=metadata)
    for outcome in day_checks(lake.lake(), published, config.max_quarantine_share):
        yield dg.AssetCheckResult(
            asset_key=key(outcome.table),
            check_name=outcome.name,
            passed=outcome.passed,
            description=outcome.description,
            metadata=outcome.metadata,
        )


def _frozen_day(
    lake: Lake, day: dt.date
) -> Iterator[dg.MaterializeResult[None] | dg.AssetCheckResult]:
    """A day past retention keeps its tables as retention left them (its raw files no longer
    hold the words and recordings some columns came from): nothing is rewritten, the checks
    on the files run, and those against the raw records say why they did not."""
    for table in PARTITIONED_TABLES:
        rows = pl.scan_parquet(lake.path(table_path(table.name, day))).select(pl.len()).collect()
        metadata = {"rows": rows.item(), "frozen": "past retention: kept as published"}
        yield dg.MaterializeResult(asset_key=key(table.name), metadata=metadata)
    outcomes = [
        unique_conversation_ids(lake, day),
        *(rows_belong_to_conversations(lake, day, table) for table in CHILD_TABLES),
    ]
    for outcome in outcomes:
        yield dg.AssetCheckResult(
            asset_key=key(outcome.table),
            check_name=outcome.name,
            passed=outcome.passed,
            description=outcome.description,
            metadata=outcome.metadata,
        )
    not_run = "not run: the day is past retention and its raw records no longer describe it"
    for spec in _CHECKS:
        if spec.name in ("rows_match_raw", "quarantine_share_under_threshold"):
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key, check_name=spec.name, passed=True, description=not_run
            )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key(table.name),
            deps=[RAW_CATALOGUE[table.name]],
            description=table.grain,
            group_name=GROUP,
            kinds=KINDS,
        )
        for table in CATALOGUE_TABLES
    ],
)
def normalised_catalogue(lake: LakeResource) -> Iterator[dg.MaterializeResult[None]]:
    """Latest complete catalogue snapshots -> agents, tools, knowledge_base_documents."""
    for table in publish_catalogue(lake.lake()):
        yield dg.MaterializeResult(
            asset_key=key(table.name),
            metadata={
                "rows": table.rows,
                "bytes": table.bytes,
                "quarantined_records": table.quarantined,
                "snapshot": table.snapshot or "none complete yet",
            },
        )


NORMALISED_ASSETS = [normalised_day, normalised_catalogue]

"""Dagster assets of the raw layer: a day's list pages, details and recordings (one step,
because one pass over the listing decides all three), and the catalogue snapshots.

Every asset that calls the API runs in the `elevenlabs_api` pool, so parallel runs can be
held to the account's concurrency by one pool limit.

No `from __future__ import annotations` here: Dagster reads resource types from signatures.
"""

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import dagster as dg

from assets.raw.catalogue import (
    SnapshotReport,
    snapshot_agents,
    snapshot_knowledge_base,
    snapshot_tools,
)
from assets.raw.conversations import DayReport, ingest_day
from assets.raw.fetch import AUDIO_AREA
from assets.raw.listing import LISTING_AREA
from assets.raw.stored import DETAILS_AREA
from pipelines.client import ApiClient, RequestStats
from pipelines.errors import ApiError
from pipelines.lake import Lake, date_partition
from pipelines.partitions import daily_partitions
from pipelines.resources import ElevenLabsResource, LakeResource
from pipelines.settings import SettingsError

GROUP = "raw"
API_POOL = "elevenlabs_api"
SAMPLE = 20  # ids shown in metadata lists

CONVERSATION_PAGES = dg.AssetKey([GROUP, "conversation_pages"])
CONVERSATIONS = dg.AssetKey([GROUP, "conversations"])
AUDIO = dg.AssetKey([GROUP, "audio"])


def _request_metadata(stats: RequestStats, seconds: float) -> "dict[str, dg.RawMetadataValue]":
    return {
        "requests": stats.requests,
        "retries": stats.retries,
        "retries_by_cause": dg.MetadataValue.json(dict(sorted(stats.retried.items()))),
        "responses_by_outcome": dg.MetadataValue.json(dict(sorted(stats.outcomes.items()))),
        "bytes_received": stats.bytes_received,
        "seconds": round(seconds, 3),
        "requests_per_second": round(stats.requests / seconds, 1) if seconds else 0.0,
    }


@dataclass(frozen=True)
class _ClientRun:
    result: object
    stats: RequestStats
    seconds: float

    def metadata(self) -> "dict[str, dg.RawMetadataValue]":
        return _request_metadata(self.stats, self.seconds)


def _run_with_client(
    elevenlabs: ElevenLabsResource, work: Callable[[ApiClient], Awaitable[object]]
) -> _ClientRun:
    """Run `work` with the run's API client in a fresh event loop: its result, the client's
    request counts and the seconds it took."""

    async def main() -> _ClientRun:
        started = time.perf_counter()
        async with elevenlabs.client() as api:
            result = await work(api)
        return _ClientRun(result, api.stats, time.perf_counter() - started)

    try:
        return asyncio.run(main())
    except SettingsError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from None
    except ApiError as error:
        if error.refuses_credentials:  # retrying cannot fix a rejected key
            raise dg.Failure(description=str(error), allow_retries=False) from None
        raise


@dg.multi_asset(
    name="raw_conversations",
    specs=[
        dg.AssetSpec(
            CONVERSATION_PAGES,
            description="One line per conversation list page of the day, as received.",
            group_name=GROUP,
            kinds={"json"},
        ),
        dg.AssetSpec(
            CONVERSATIONS,
            description="One line per conversation detail as received; a conversation "
            "refetched until final appears once per fetch, the latest part winning.",
            group_name=GROUP,
            kinds={"json"},
        ),
        dg.AssetSpec(
            AUDIO,
            description="One MP3 per conversation with a recording.",
            group_name=GROUP,
            kinds={"mp3"},
        ),
    ],
    partitions_def=daily_partitions,
    pool=API_POOL,
)
def raw_conversations(
    context: dg.AssetExecutionContext, lake: LakeResource, elevenlabs: ElevenLabsResource
) -> Iterator[dg.MaterializeResult[None]]:
    """List the day, fetch the details and recordings the lake is missing."""
    day = dt.date.fromisoformat(context.partition_key)
    store = lake.lake()
    with store.lock(f"day-{day}", wait=True):
        for area in (LISTING_AREA, DETAILS_AREA, AUDIO_AREA):
            store.sweep_temp_files(date_partition(area, day))
        run = _run_with_client(elevenlabs, lambda api: ingest_day(api, store, day))
    report = run.result
    assert isinstance(report, DayReport)
    for message in report.stored.repaired:
        context.log.warning(message)
    yield from _day_results(report, run)
    _raise_if_incomplete(report)


def _day_results(report: DayReport, run: _ClientRun) -> Iterator[dg.MaterializeResult[None]]:
    listing, fetched = report.listing, report.fetch
    yield dg.MaterializeResult(
        asset_key=CONVERSATION_PAGES,
        metadata={
            "pages": listing.pages,
            "conversations_listed": len(listing.statuses),
            "dialect": listing.dialect,
            "unsafe_ids_rejected": len(listing.unsafe_ids),
            "unsafe_ids": dg.MetadataValue.json(listing.unsafe_ids[:SAMPLE]),
            "forgotten": len(listing.forgotten),
        },
    )
    yield dg.MaterializeResult(
        asset_key=CONVERSATIONS,
        metadata={
            "conversations_listed": len(listing.statuses),
            "forgotten": len(listing.forgotten),
            "fetched": fetched.fetched,
            "skipped_final": report.skipped,
            "failed": len(fetched.failed),
            "rejected_bodies": fetched.rejected,
            "gone_before_fetch": len(fetched.gone),
            "deleted_upstream": len(report.deleted_upstream),
            "deleted_upstream_ids": dg.MetadataValue.json(report.deleted_upstream[:SAMPLE]),
            "files_published": fetched.files_published,
            "files_repaired": len(report.stored.repaired),
            **run.metadata(),
        },
    )
    yield dg.MaterializeResult(
        asset_key=AUDIO,
        metadata={
            "recordings_downloaded": fetched.audio_downloaded,
            "audio_bytes": fetched.audio_bytes,
            "recordings_missing": len(fetched.audio_missing),
        },
    )


def _raise_if_incomplete(report: DayReport) -> None:
    """Fail the step after what landed was recorded: a rerun fetches only what is missing."""
    failed = report.fetch.failed
    if failed:
        shown = "; ".join(failed[:5])
        raise dg.Failure(
            description=f"{len(failed)} conversation(s) could not be fetched after retries "
            f"(rerun the partition to fetch only those): {shown}",
            metadata={"failed": len(failed)},
        )


def _catalogue_asset(
    area: str, description: str, snapshot: Callable[[ApiClient, Lake], Awaitable[SnapshotReport]]
) -> dg.AssetsDefinition:
    """An unpartitioned asset taking one catalogue snapshot of `raw/<area>/`."""

    @dg.asset(
        key=[GROUP, area],
        description=description,
        group_name=GROUP,
        kinds={"json"},
        pool=API_POOL,
    )
    def catalogue(
        context: dg.AssetExecutionContext, lake: LakeResource, elevenlabs: ElevenLabsResource
    ) -> dg.MaterializeResult[None]:
        store = lake.lake()
        with store.lock(f"catalogue-{area}", wait=True):
            store.sweep_temp_files(f"raw/{area}")
            run = _run_with_client(elevenlabs, lambda api: snapshot(api, store))
        result = run.result
        assert isinstance(result, SnapshotReport)
        return dg.MaterializeResult(
            metadata={
                "snapshot": result.snapshot,
                "items": result.items,
                "pages": result.pages,
                "details": result.details,
                "unsafe_ids_rejected": len(result.unsafe_ids),
                **run.metadata(),
            }
        )

    return catalogue


RAW_AGENTS = _catalogue_asset(
    "agents", "One line per agents list page, then one per agent detail.", snapshot_agents
)
RAW_TOOLS = _catalogue_asset("tools", "One line per tools list page.", snapshot_tools)
RAW_KNOWLEDGE_BASE = _catalogue_asset(
    "knowledge_base",
    "One line per knowledge-base list page (seed: plus each document's dependent agents).",
    snapshot_knowledge_base,
)
RAW_ASSETS = [raw_conversations, RAW_AGENTS, RAW_TOOLS, RAW_KNOWLEDGE_BASE]

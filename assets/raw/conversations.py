"""One day of conversations into the raw lake, incrementally.

A rerun fetches details (and recordings) only for conversations that are new or were not
final when last fetched; recordings a final detail promised but that never arrived are fetched
again. A day that changed nothing upstream costs its list requests only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assets.raw.expiry import is_expired
from assets.raw.fetch import FetchReport, Work, audio_file, fetch_conversations
from assets.raw.forgotten import forgotten_ids
from assets.raw.listing import Listing, fetch_listing
from assets.raw.stored import StoredDetails, stored_details
from pipelines.client import ApiClient
from pipelines.lake import Lake


@dataclass
class DayReport:
    """What a day's ingestion found and did, for the run's metadata."""

    listing: Listing
    stored: StoredDetails
    fetch: FetchReport
    skipped: int
    deleted_upstream: list[str] = field(default_factory=list)


def plan_work(listing: Listing, stored: StoredDetails, lake: Lake, day: dt.date) -> list[Work]:
    """Details for listed conversations new or not final last time; recordings alone for
    final ones whose detail said `has_audio` but whose file is missing. A day past retention
    gets no recording again."""
    audio = not is_expired(lake, day)
    work = []
    for conversation_id in listing.statuses:
        previous = stored.latest.get(conversation_id)
        if previous is None or not previous.is_final:
            work.append(Work(conversation_id, detail=True, audio=audio))
        elif (
            audio
            and previous.has_audio
            and not lake.path(audio_file(day, conversation_id)).exists()
        ):
            work.append(Work(conversation_id, detail=False))
    return work


async def ingest_day(api: ApiClient, lake: Lake, day: dt.date) -> DayReport:
    """List the day, then fetch what the lake is missing; conversations erased by `forget`
    are neither stored nor fetched. The caller holds the day's lock."""
    listing = await fetch_listing(api, lake, day, forgotten_ids(lake))
    stored = stored_details(lake, day)
    work = plan_work(listing, stored, lake, day)
    fetched = await fetch_conversations(api, lake, day, work, first_number=stored.next_number)
    return DayReport(
        listing=listing,
        stored=stored,
        fetch=fetched,
        skipped=len(listing.statuses) - sum(item.detail for item in work),
        deleted_upstream=sorted(set(stored.latest) - set(listing.statuses)),
    )

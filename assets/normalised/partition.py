"""Normalise one day: its raw partition in, the five partitioned tables and quarantine out.

Details are handled part by part, newest first (so a conversation's latest detail is met
first), and each part's rows go straight to the Parquet writers: memory stays bounded by a
few parts whatever the size of the day. The conversations table is assembled at the end from
the details' conversation-level fields, the day's list items, recordings and lexicon scores.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass, field

import polars as pl

from assets.normalised import raw_shapes
from assets.normalised.analysis_results import (
    CRITERIA_ENTRIES,
    DATA_COLLECTION_ENTRIES,
    data_collection_items,
    data_collection_results,
    evaluation_results,
)
from assets.normalised.audio import recordings
from assets.normalised.conversations import (
    NEEDS_LEXICON,
    conversations,
    detail_side,
    list_side,
    merged,
)
from assets.normalised.publish import (
    parquet_writer,
    sweep_killed_writes,
    table_path,
    write_quarantine,
    write_table,
)
from assets.normalised.quarantine import for_partition, quarantine_frame
from assets.normalised.raw_partition import (
    RawFiles,
    latest_details,
    listed_on,
    raw_files,
    rejected_details,
)
from assets.normalised.read_raw import compacted, with_location
from assets.normalised.schemas import PARTITIONED_TABLES, TABLES
from assets.normalised.sentiment import lexicon_scores
from assets.normalised.tools import tool_calls
from assets.normalised.turns import USER_MESSAGES, exploded, transcript_turns, user_messages
from assets.normalised.workers import worker_pool
from pipelines.lake import Lake

_NO_DETAILS = with_location(raw_shapes.DETAIL.schema)
# Written part by part; data collection values are typed in one go at the end (DuckDB).
STREAMED_TABLES = ("transcript_turns", "tool_calls", "evaluation_results")
_DETAIL_TABLES = (*STREAMED_TABLES, "data_collection_results")


@dataclass(frozen=True)
class PublishedDay:
    """What a run wrote, and what the raw records promised.

    `expected_rows` is counted from the raw records without building the tables, for the
    row-count check; `records_seen` (the day's list items, every detail and rejected line) is
    the quarantine share's denominator.
    """

    day: dt.date
    rows: dict[str, int]
    bytes: dict[str, int]
    expected_rows: dict[str, int]
    quarantined: dict[str, int]
    records_seen: int
    seconds: float


@dataclass
class _FromDetails:
    """What the detail parts leave behind for the conversations table and the checks (each list
    starts with an empty frame of its shape, so a day without details concatenates too)."""

    conversation_rows: list[pl.DataFrame] = field(
        default_factory=lambda: [detail_side(_NO_DETAILS)]
    )
    user_messages: list[pl.DataFrame] = field(
        default_factory=lambda: [pl.DataFrame(schema=USER_MESSAGES)]
    )
    data_collection_items: list[pl.DataFrame] = field(
        default_factory=lambda: [data_collection_items(_NO_DETAILS)]
    )
    quarantine: list[pl.DataFrame] = field(default_factory=lambda: [quarantine_frame([])])
    expected: Counter[str] = field(
        default_factory=lambda: Counter(dict.fromkeys(_DETAIL_TABLES, 0))
    )
    rows: dict[str, int] = field(default_factory=dict)
    readable: int = 0


def expected_rows(details: pl.DataFrame) -> Counter[str]:
    """Rows the detail tables should get from `details`, counted without building them."""
    transcript = pl.col("transcript")
    calls_per_turn = pl.element().struct.field("tool_calls").list.len()
    keyed = pl.element().struct.field("key").is_not_null()
    counts = details.select(
        transcript_turns=transcript.list.len().sum(),
        tool_calls=transcript.list.eval(calls_per_turn).list.sum().sum(),
        evaluation_results=CRITERIA_ENTRIES.list.eval(keyed).list.sum().sum(),
        data_collection_results=DATA_COLLECTION_ENTRIES.list.eval(keyed).list.sum().sum(),
    ).row(0, named=True)
    return Counter({name: int(count or 0) for name, count in counts.items()})


def _write_detail_tables(lake: Lake, day: dt.date, files: RawFiles) -> _FromDetails:
    """Write the streamed detail tables part by part; keep what the other tables need."""
    kept = _FromDetails()
    with ExitStack() as stack:
        writers = {
            name: stack.enter_context(parquet_writer(lake, table_path(name, day), TABLES[name]))
            for name in STREAMED_TABLES
        }
        for part in latest_details(lake, files.parts):
            details = part.frame
            turns = exploded(details)
            turn_rows = transcript_turns(turns, day)
            writers["transcript_turns"].write(turn_rows)
            writers["tool_calls"].write(tool_calls(turns, day))
            writers["evaluation_results"].write(evaluation_results(details, day))
            kept.conversation_rows.append(compacted(detail_side(details)))
            kept.user_messages.append(compacted(user_messages(turn_rows)))
            kept.data_collection_items.append(compacted(data_collection_items(details)))
            kept.quarantine.append(part.quarantine)
            kept.expected.update(expected_rows(details))  # `+=` would drop zero counts
            kept.readable += part.readable
        kept.rows = {name: writer.rows for name, writer in writers.items()}
    return kept


def _conversations_table(
    known: pl.DataFrame,
    kept: _FromDetails,
    audio: Callable[[], pl.DataFrame],
    pool: Executor,
    day: dt.date,
) -> pl.DataFrame:
    """The conversations table from the merged rows, with lexicon sentiment where it applies."""
    needing = known.filter(NEEDS_LEXICON & pl.col("has_details"))["conversation_id"]
    said = pl.concat(kept.user_messages)
    lexicon = lexicon_scores(said.filter(pl.col("conversation_id").is_in(needing.implode())), pool)
    return conversations(known, audio(), lexicon, day)


def publish_day(lake: Lake, day: dt.date) -> PublishedDay:
    """Normalise `day` and replace its Parquet and quarantine files, under the day's lock."""
    started = time.perf_counter()
    with lake.lock(f"day-{day.isoformat()}", wait=True), worker_pool() as pool:
        sweep_killed_writes(lake, PARTITIONED_TABLES, day)
        audio = recordings(lake, day, pool)
        files = raw_files(lake, day)
        listed = listed_on(lake, day, files.listing)
        kept = _write_detail_tables(lake, day, files)
        from_details = pl.concat(kept.conversation_rows)
        known = merged(from_details, list_side(listed.frame))
        tables = {
            "conversations": _conversations_table(known, kept, audio, pool, day),
            "data_collection_results": data_collection_results(
                pl.concat(kept.data_collection_items), day
            ),
        }
        sizes = {
            name: write_table(lake, table_path(name, day), TABLES[name], frame)
            for name, frame in tables.items()
        }
        sizes |= {name: lake.path(table_path(name, day)).stat().st_size for name in STREAMED_TABLES}
        everything = [listed.quarantine, rejected_details(lake, files.rejected), *kept.quarantine]
        quarantine = for_partition(pl.concat(everything), day)
        quarantined = write_quarantine(lake, quarantine, day, PARTITIONED_TABLES)
    ids = pl.concat([from_details["conversation_id"], listed.frame["conversation_id"]])
    return PublishedDay(
        day=day,
        rows={name: frame.height for name, frame in tables.items()} | kept.rows,
        bytes=sizes,
        expected_rows={"conversations": ids.n_unique(), **kept.expected},
        quarantined=quarantined,
        records_seen=listed.frame.height + kept.readable + quarantine.height,
        seconds=time.perf_counter() - started,
    )

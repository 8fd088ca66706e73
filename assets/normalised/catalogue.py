"""The catalogue tables (agents, tools, knowledge_base_documents) from the latest complete
snapshot of each `raw/<area>/` (the one with `_SUCCESS`), both dialects at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assets.normalised import raw_shapes
from assets.normalised.publish import (
    sweep_killed_writes,
    table_path,
    write_quarantine,
    write_table,
)
from assets.normalised.quarantine import for_partition, quarantine_frame
from assets.normalised.read_raw import (
    RawRecords,
    items_with_location,
    read_page_items,
    read_records,
    with_location,
)
from assets.normalised.schemas import (
    AGENTS,
    CATALOGUE_TABLES,
    KNOWLEDGE_BASE_DOCUMENTS,
    TOOLS,
    Table,
)
from assets.normalised.tolerant import utc_from_iso, utc_from_unix_secs
from pipelines.lake import Lake

PAGES = "pages.ndjson.zst"
_LISTED = "_listed"


@dataclass(frozen=True)
class Catalogued:
    """One catalogue table as built from its snapshot (`snapshot` None: none complete yet)."""

    table: Table
    frame: pl.DataFrame
    quarantine: pl.DataFrame
    snapshot: str | None


def latest_snapshot(lake: Lake, area: str) -> Path | None:
    """The newest `raw/<area>/snapshot=TS/` that has its `_SUCCESS` file."""
    complete = [d for d in lake.glob(f"raw/{area}", "snapshot=*") if (d / "_SUCCESS").is_file()]
    return complete[-1] if complete else None


def _page_items(
    lake: Lake,
    path: Path | None,
    field: str,
    item: pl.Struct,
    *,
    table: Table,
    ids: tuple[str, ...],
) -> RawRecords:
    """Items of a snapshot's list pages; none when the snapshot or the file is missing."""
    if path is None or not path.is_file():
        return RawRecords(items_with_location(item), quarantine_frame([]))
    return read_page_items(lake, path, field, item, table=table.name, ids=ids)


def _bodies(
    lake: Lake, path: Path | None, shape: raw_shapes.RawShape, *, table: Table, ids: tuple[str, ...]
) -> RawRecords:
    """One body per line of a snapshot file; none when the snapshot or the file is missing."""
    if path is None or not path.is_file():
        return RawRecords(with_location(shape.schema), quarantine_frame([]))
    return read_records(lake, path, shape, table=table.name, ids=ids)


def _in(snapshot: Path | None, name: str) -> Path | None:
    return snapshot / name if snapshot else None


def _one_per_id(frame: pl.DataFrame, key: pl.Expr) -> pl.DataFrame:
    """One row per id in `_id` (the last one read wins)."""
    return frame.with_columns(key.alias("_id")).filter(pl.col("_id").is_last_distinct())


def agents(lake: Lake) -> Catalogued:
    """One row per agent: its list item, completed (and overridden) by its detail."""
    snapshot = latest_snapshot(lake, "agents")
    ids = ("agent_id",)
    items = _page_items(
        lake, _in(snapshot, PAGES), "agents", raw_shapes.AGENT_LIST_ITEM, table=AGENTS, ids=ids
    )
    details = _bodies(
        lake, _in(snapshot, "details.ndjson.zst"), raw_shapes.AGENT_DETAIL, table=AGENTS, ids=ids
    )
    config = pl.col("conversation_config").struct.field
    prompt = config("agent").struct.field("prompt").struct.field
    settings = pl.col("platform_settings").struct.field
    metadata = pl.col("metadata").struct.field
    from_detail = _one_per_id(details.frame, pl.col("agent_id")).select(
        "agent_id",
        name="name",
        created_at=pl.coalesce(
            utc_from_unix_secs(metadata("created_at_unix_secs")), utc_from_iso(pl.col("created_at"))
        ),
        updated_at=utc_from_unix_secs(metadata("updated_at_unix_secs")),
        voice_id=config("tts").struct.field("voice_id"),
        tags="tags",
        archived=settings("archived"),
        language=config("agent").struct.field("language"),
        llm=pl.coalesce(prompt("llm"), config("llm").struct.field("model_id")),
        tool_ids=prompt("tool_ids"),
        knowledge_base_ids=prompt("knowledge_base").list.eval(pl.element().struct.field("id")),
        evaluation_criteria=settings("evaluation").struct.field("criteria").list.len(),
        data_collection_items=settings("data_collection").map.len(),
    )
    from_list = _one_per_id(items.frame, pl.col("agent_id")).select(
        "agent_id",
        name="name",
        created_at=pl.coalesce(
            utc_from_unix_secs(pl.col("created_at_unix_secs")), utc_from_iso(pl.col("created_at"))
        ),
        updated_at=utc_from_unix_secs(pl.col("updated_at_unix_secs")),
        voice_id="voice_id",
        tags="tags",
        archived="archived",
        last_call_time=utc_from_unix_secs(pl.col("last_call_time_unix_secs")),
    )
    shared = [c for c in from_list.columns if c in from_detail.columns and c != "agent_id"]
    joined = from_detail.join(from_list, on="agent_id", how="full", coalesce=True, suffix=_LISTED)
    frame = joined.with_columns(pl.coalesce(c, f"{c}{_LISTED}").alias(c) for c in shared)
    return _catalogued(AGENTS, frame.sort("agent_id"), [items, details], snapshot)


def tools(lake: Lake) -> Catalogued:
    """One row per workspace tool (real: `id` + `tool_config`; seed: flat fields)."""
    snapshot = latest_snapshot(lake, "tools")
    items = _page_items(
        lake,
        _in(snapshot, PAGES),
        "tools",
        raw_shapes.TOOL_LIST_ITEM,
        table=TOOLS,
        ids=("id", "tool_id"),
    )
    tool_config = pl.col("tool_config").struct.field
    usage = pl.col("usage_stats").struct.field
    frame = _one_per_id(items.frame, pl.coalesce("id", "tool_id")).select(
        tool_id="_id",
        name=pl.coalesce(tool_config("name"), pl.col("name")),
        tool_type=pl.coalesce(tool_config("type"), pl.col("type")),
        description=pl.coalesce(tool_config("description"), pl.col("description")),
        webhook_url=pl.coalesce(tool_config("api_schema").struct.field("url"), "webhook_url"),
        created_at=utc_from_iso(pl.col("created_at")),
        total_calls=usage("total_calls"),
        avg_latency_secs=usage("avg_latency_secs"),
    )
    return _catalogued(TOOLS, frame.sort("tool_id"), [items], snapshot)


def knowledge_base_documents(lake: Lake) -> Catalogued:
    """One row per document; seed snapshots list each document's dependent agents apart."""
    snapshot = latest_snapshot(lake, "knowledge_base")
    table = KNOWLEDGE_BASE_DOCUMENTS
    item = raw_shapes.KNOWLEDGE_BASE_LIST_ITEM
    items = _page_items(
        lake, _in(snapshot, PAGES), "documents", item, table=table, ids=("id", "document_id")
    )
    dependents = _bodies(
        lake,
        _in(snapshot, "dependent_agents.ndjson.zst"),
        raw_shapes.KNOWLEDGE_BASE_DEPENDENTS,
        table=table,
        ids=("document_id",),
    )
    seed_agents = _one_per_id(dependents.frame, pl.col("document_id")).select(
        "_id",
        seed_agent_ids=pl.col("body")
        .struct.field("agents")
        .list.eval(pl.element().struct.field("agent_id")),
    )
    metadata = pl.col("metadata").struct.field
    frame = (
        _one_per_id(items.frame, pl.coalesce("id", "document_id"))
        .join(seed_agents, on="_id", how="left")
        .select(
            document_id="_id",
            name="name",
            document_type="type",
            url="url",
            created_at=pl.coalesce(
                utc_from_unix_secs(metadata("created_at_unix_secs")),
                utc_from_iso(pl.col("created_at")),
            ),
            updated_at=utc_from_unix_secs(metadata("last_updated_at_unix_secs")),
            size_bytes=metadata("size_bytes"),
            dependent_agent_ids=pl.coalesce(
                pl.col("dependent_agents").list.eval(pl.element().struct.field("id")),
                "seed_agent_ids",
            ),
        )
    )
    return _catalogued(table, frame.sort("document_id"), [items, dependents], snapshot)


def _catalogued(
    table: Table, frame: pl.DataFrame, sources: list[RawRecords], snapshot: Path | None
) -> Catalogued:
    return Catalogued(
        table=table,
        frame=table.conform(frame),
        quarantine=pl.concat([quarantine_frame([]), *(s.quarantine for s in sources)]),
        snapshot=snapshot.name.removeprefix("snapshot=") if snapshot else None,
    )


CATALOGUE_BUILDERS = (agents, tools, knowledge_base_documents)
CATALOGUE_LOCK = "catalogue-normalised"


@dataclass(frozen=True)
class PublishedCatalogue:
    """One catalogue table as written: rows, bytes, quarantined records, source snapshot."""

    name: str
    rows: int
    bytes: int
    quarantined: int
    snapshot: str | None


def publish_catalogue(lake: Lake) -> list[PublishedCatalogue]:
    """Rebuild every catalogue table (and its quarantine) from the latest snapshots, under
    the lake's `catalogue-normalised` lock."""
    published = []
    with lake.lock(CATALOGUE_LOCK, wait=True):
        sweep_killed_writes(lake, CATALOGUE_TABLES, None)
        for build in CATALOGUE_BUILDERS:
            built = build(lake)
            size = write_table(lake, table_path(built.table.name, None), built.table, built.frame)
            quarantine = for_partition(built.quarantine, None)
            quarantined = write_quarantine(lake, quarantine, None, (built.table,))
            published.append(
                PublishedCatalogue(
                    name=built.table.name,
                    rows=built.frame.height,
                    bytes=size,
                    quarantined=quarantined[built.table.name],
                    snapshot=built.snapshot,
                )
            )
    return published

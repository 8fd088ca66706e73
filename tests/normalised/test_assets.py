"""The Dagster assets and their checks: materialised as the orchestrator would, and each check
shown to fail on data that breaks it."""

from __future__ import annotations

from typing import Any

import dagster as dg
import polars as pl

from assets.normalised.assets import normalised_catalogue, normalised_day
from assets.normalised.checks import (
    quarantine_share,
    rows_belong_to_conversations,
    rows_match_raw,
    unique_conversation_ids,
)
from assets.normalised.partition import publish_day
from assets.normalised.publish import table_path, write_table
from assets.normalised.schemas import CONVERSATIONS, TRANSCRIPT_TURNS
from pipelines.lake import Lake
from pipelines.resources import LakeResource
from tests.normalised.conftest import DAY
from tests.normalised.raw_lake import (
    as_received,
    sample,
    write_listing,
    write_part,
    write_raw_lines,
    write_sample_agents,
)

PARTITION = DAY.isoformat()


def _materialise_day(lake: Lake, **config: Any) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [normalised_day],
        partition_key=PARTITION,
        resources={"lake": LakeResource(lake_dir=str(lake.root))},
        run_config={"ops": {"normalised_day": {"config": config}}} if config else None,
    )


def _metadata(result: dg.ExecuteInProcessResult, node: str) -> dict[str, dict[str, Any]]:
    """Each materialised table's metadata, by table name."""
    return {
        m.asset_key.path[-1]: dict(m.metadata) for m in result.asset_materializations_for_node(node)
    }


def _checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], bool]:
    return {
        (e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()
    }


def test_day_asset_materialises_all_tables_with_passing_checks(lake: Lake) -> None:
    write_listing(lake, DAY, [sample("conversations_list_page.json")])
    write_part(lake, DAY, 1, [sample("conversation_detail.json")])
    result = _materialise_day(lake)
    assert result.success
    materialised = _metadata(result, "normalised_day")
    assert {k: v["rows"].value for k, v in materialised.items()} == {
        "conversations": 3,
        "transcript_turns": 7,
        "tool_calls": 2,
        "evaluation_results": 2,
        "data_collection_results": 3,
    }
    assert materialised["conversations"]["quarantined_records_all_tables"].value == 0
    assert materialised["conversations"]["conversations_per_second"].value > 0
    checks = _checks(result)
    assert len(checks) == 11
    assert all(checks.values()), checks


def test_quarantine_share_check_fails_past_the_threshold(lake: Lake) -> None:
    write_raw_lines(
        lake,
        "raw/conversations/date=2025-07-14/part-00000001.ndjson.zst",
        [as_received(sample("conversation_detail.json")), b"{not json"],
    )
    assert (
        _checks(_materialise_day(lake))[("conversations", "quarantine_share_under_threshold")]
        is False
    )
    lenient = _materialise_day(lake, max_quarantine_share=0.5)
    assert _checks(lenient)[("conversations", "quarantine_share_under_threshold")] is True


def _conversations_file(lake: Lake, ids: list[str]) -> None:
    frame = pl.DataFrame({"conversation_id": ids, "start_date": [DAY] * len(ids)})
    write_table(
        lake,
        table_path("conversations", DAY),
        CONVERSATIONS,
        _with_all(frame, CONVERSATIONS.schema),
    )


def _with_all(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()
        if name not in frame.columns
    )


def test_unique_id_check_fails_on_duplicates(lake: Lake) -> None:
    _conversations_file(lake, ["a", "b", "a"])
    outcome = unique_conversation_ids(lake, DAY)
    assert (outcome.passed, outcome.metadata["duplicated_rows"]) == (False, 2)
    _conversations_file(lake, ["a", "b"])
    assert unique_conversation_ids(lake, DAY).passed


def test_orphan_turns_fail_their_check(lake: Lake) -> None:
    _conversations_file(lake, ["a"])
    turns = pl.DataFrame({"conversation_id": ["a", "ghost"], "turn_index": [0, 0]})
    write_table(
        lake,
        table_path("transcript_turns", DAY),
        TRANSCRIPT_TURNS,
        _with_all(turns, TRANSCRIPT_TURNS.schema),
    )
    outcome = rows_belong_to_conversations(lake, DAY, "transcript_turns")
    assert (outcome.passed, outcome.metadata["orphan_rows"]) == (False, 1)


def test_row_count_check_compares_with_raw(lake: Lake) -> None:
    write_part(lake, DAY, 1, [sample("conversation_detail.json")])
    published = publish_day(lake, DAY)
    assert rows_match_raw(
        lake, DAY, "transcript_turns", published.expected_rows["transcript_turns"]
    ).passed
    assert not rows_match_raw(lake, DAY, "transcript_turns", 8).passed


def test_quarantine_share_arithmetic() -> None:
    assert quarantine_share(1, 100, 0.01).passed
    assert not quarantine_share(2, 100, 0.01).passed
    assert quarantine_share(0, 0, 0.0).passed


def test_catalogue_asset(lake: Lake) -> None:
    write_sample_agents(lake, "20250714T020000Z")
    result = dg.materialize(
        [normalised_catalogue], resources={"lake": LakeResource(lake_dir=str(lake.root))}
    )
    assert result.success
    metadata = _metadata(result, "normalised_catalogue")
    rows = {name: table["rows"].value for name, table in metadata.items()}
    assert rows == {"agents": 2, "tools": 0, "knowledge_base_documents": 0}

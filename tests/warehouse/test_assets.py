"""The warehouse multi-asset under Dagster: specs, metadata, check results, a rejected build."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl

from assets.normalised.schemas import AGENTS
from assets.warehouse.assets import warehouse
from assets.warehouse.build import WAREHOUSE_FILE
from assets.warehouse.checks import CHECK_SPECS
from assets.warehouse.sql_files import WAREHOUSE_TABLES
from pipelines.resources import LakeResource
from tests.warehouse.lake_fixtures import LakeSpec, write_lake, write_parquet


def _materialize(root: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [warehouse], resources={"lake": LakeResource(lake_dir=str(root))}, raise_on_error=False
    )


def test_one_spec_per_table_with_its_header_group_kind_and_upstream() -> None:
    specs = {spec.key: spec for spec in warehouse.specs}
    assert set(specs) == {dg.AssetKey(["warehouse", t.name]) for t in WAREHOUSE_TABLES}
    for sql_file in WAREHOUSE_TABLES:
        spec = specs[dg.AssetKey(["warehouse", sql_file.name])]
        assert spec.description == sql_file.header
        assert spec.group_name == "warehouse"
        assert spec.kinds == {"duckdb"}
    deps = {
        name: {d.asset_key for d in specs[dg.AssetKey(["warehouse", name])].deps}
        for name in ("conversations", "agent_metrics", "agent_daily_latency")
    }
    assert deps["conversations"] == {dg.AssetKey(["normalised", "conversations"])}
    assert deps["agent_metrics"] == {
        dg.AssetKey(["warehouse", "agents"]),
        dg.AssetKey(["warehouse", "conversations"]),
    }
    assert deps["agent_daily_latency"] == {
        dg.AssetKey(["warehouse", "conversations"]),
        dg.AssetKey(["warehouse", "transcript_turns"]),
    }


def test_materialize_reports_counts_timing_partitions_preview_and_checks(tmp_path: Path) -> None:
    write_lake(tmp_path, LakeSpec())
    result = _materialize(tmp_path)
    assert result.success
    materialized = {
        event.materialization.asset_key.path[-1]: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert set(materialized) == {t.name for t in WAREHOUSE_TABLES}
    assert materialized["conversations"]["dagster/row_count"] == dg.IntMetadataValue(120)
    assert materialized["agent_metrics"]["dagster/row_count"] == dg.IntMetadataValue(6)
    assert materialized["tools"]["partitions_rebuilt"] == dg.IntMetadataValue(18)
    assert materialized["tools"]["full_rebuild"] == dg.BoolMetadataValue(True)
    assert "build_seconds" in materialized["tools"]
    preview = materialized["agent_metrics"]["preview"]
    assert isinstance(preview, dg.MarkdownMetadataValue)
    assert "| agent_id | agent_name | conversations |" in str(preview.md_str)
    assert "| agent_idle | Agent agent_idle | 0 |" in str(preview.md_str)
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == len(CHECK_SPECS)
    assert all(evaluation.passed for evaluation in evaluations)


def test_a_failing_blocking_check_fails_the_run_and_publishes_nothing(tmp_path: Path) -> None:
    lake = write_lake(tmp_path, LakeSpec())
    assert _materialize(tmp_path).success
    before = lake.path(WAREHOUSE_FILE).read_bytes()
    agents = pl.read_parquet(tmp_path / "parquet/agents/part-0.parquet")
    write_parquet(lake, AGENTS, pl.concat([agents, agents.head(1)]), None)

    result = _materialize(tmp_path)
    assert not result.success
    assert result.get_asset_materialization_events() == []
    failed = {
        (e.asset_key.path[-1], e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }
    assert ("agents", "unique_key") in failed
    assert lake.path(WAREHOUSE_FILE).read_bytes() == before

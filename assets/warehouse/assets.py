"""The warehouse tables as Dagster assets: one multi-asset builds them all into one new file.

They are built together because they are published together: a reader sees every table of one
build or every table of the previous one. The build runs through plain `duckdb` rather than
dagster-duckdb's DuckDBResource, which connects read-write to one configured path (locking
readers out, and retrying while they hold it): here each build writes a fresh hidden file that
is swapped in by rename (see build.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import dagster as dg
import duckdb

from assets.warehouse.build import (
    WAREHOUSE_FILE,
    BuildReport,
    WarehouseRejectedError,
    build_warehouse,
)
from assets.warehouse.checks import CHECK_SPECS, CheckOutcome, CheckSpec
from assets.warehouse.sql_files import LOADED_TABLES, WAREHOUSE_TABLES, SqlFile, upstream_tables
from pipelines.lake import Lake
from pipelines.resources import LakeResource

GROUP = "warehouse"
PREVIEW_TABLE = "agent_metrics"
PREVIEW_ROWS = 50


def table_key(name: str) -> dg.AssetKey:
    return dg.AssetKey([GROUP, name])


def _deps(sql_file: SqlFile) -> list[dg.AssetKey]:
    if sql_file in LOADED_TABLES:
        return [dg.AssetKey(["normalised", sql_file.name])]
    return [table_key(name) for name in sorted(upstream_tables(sql_file))]


def _spec(sql_file: SqlFile) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table_key(sql_file.name),
        description=sql_file.header,
        group_name=GROUP,
        kinds={"duckdb"},
        deps=_deps(sql_file),
    )


def _check_spec(spec: CheckSpec) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=spec.name,
        asset=table_key(spec.table),
        description=spec.description,
        blocking=spec.blocking,
    )


def _check_result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=table_key(outcome.table),
        check_name=outcome.name,
        passed=outcome.passed,
        metadata={"detail": outcome.detail},
    )


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table of `rows`, NULL shown as an empty cell."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _preview(lake: Lake) -> str:
    """The first PREVIEW_ROWS rows of PREVIEW_TABLE in the published warehouse."""
    path = lake.path(WAREHOUSE_FILE)
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        result = con.execute(f"FROM {PREVIEW_TABLE} LIMIT {PREVIEW_ROWS}")
        columns = [column[0] for column in result.description or ()]
        return markdown_table(columns, result.fetchall())


def _materializations(report: BuildReport, lake: Lake) -> Iterator[dg.MaterializeResult[None]]:
    shared: dict[str, dg.RawMetadataValue] = {
        "build_seconds": round(report.seconds, 3),
        "full_rebuild": report.full_rebuild,
        "unchanged": report.unchanged,
        "partitions_rebuilt": len(report.partitions_rebuilt),
        "partitions_rebuilt_list": dg.MetadataValue.md(
            "\n".join(f"- {p}" for p in report.partitions_rebuilt) or "(none)"
        ),
    }
    for sql_file in WAREHOUSE_TABLES:
        metadata = {**shared, "dagster/row_count": report.row_counts[sql_file.name]}
        if sql_file.name == PREVIEW_TABLE:
            metadata["preview"] = dg.MetadataValue.md(_preview(lake))
        yield dg.MaterializeResult(asset_key=table_key(sql_file.name), metadata=metadata)


@dg.multi_asset(
    name="warehouse",
    specs=[_spec(sql_file) for sql_file in WAREHOUSE_TABLES],
    check_specs=[_check_spec(spec) for spec in CHECK_SPECS],
)
def warehouse(
    lake: LakeResource,
) -> Iterator[dg.MaterializeResult[None] | dg.AssetCheckResult]:
    """Sync warehouse.duckdb with the normalised Parquet, reloading only changed partitions."""
    try:
        report = build_warehouse(lake.lake())
    except WarehouseRejectedError as rejected:
        yield from (_check_result(outcome) for outcome in rejected.report.checks)
        raise dg.Failure(description=str(rejected)) from None
    yield from _materializations(report, lake.lake())
    yield from (_check_result(outcome) for outcome in report.checks)

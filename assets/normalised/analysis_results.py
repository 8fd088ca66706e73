"""The evaluation_results and data_collection_results tables, from each detail's `analysis`.

Both arrive as dicts keyed by user-defined ids (spaces, `/`, non-ASCII and all), read as
maps; newer responses may send the same items as `*_list` arrays instead.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from assets.normalised.schemas import DATA_COLLECTION_RESULTS, EVALUATION_RESULTS

_analysis = pl.col("analysis").struct.field

# DuckDB's JSON functions tell a value's JSON type, which polars' text reading flattens
# ("5" and 5 both arrive as the text 5). Items that are not JSON objects keep only their text.
_TYPED_VALUES = """
WITH parsed AS (
    SELECT *, CASE WHEN json_valid(item) THEN item::JSON END AS parsed FROM data_collection_items
), items AS (
    SELECT *, CASE WHEN json_type(parsed) = 'OBJECT' THEN parsed END AS body FROM parsed
), valued AS (
    SELECT *, json_type(body, '$.value') AS kind FROM items
)
SELECT
    conversation_id,
    data_collection_id,
    CASE WHEN body IS NULL THEN item ELSE json_extract_string(body, '$.value') END AS value_text,
    CASE WHEN body IS NOT NULL THEN coalesce(json_extract(body, '$.value')::VARCHAR, 'null') END
        AS value_json,
    CASE
        WHEN body IS NULL THEN NULL
        WHEN kind IS NULL OR kind = 'NULL' THEN 'null'
        WHEN kind = 'VARCHAR' THEN 'string'
        WHEN kind = 'DOUBLE' THEN 'number'
        WHEN kind IN ('BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT') THEN 'integer'
        ELSE lower(kind)
    END AS value_type,
    json_extract_string(body, '$.json_schema.type') AS schema_type,
    json_extract_string(body, '$.rationale') AS rationale
FROM valued
"""


def _entries(by_id: str, as_list: str, id_of_item: pl.Expr) -> pl.Expr:
    """The `{key, value}` entries of the dict `by_id`, else of the `as_list` array."""
    listed = _analysis(as_list).list.eval(pl.struct(key=id_of_item, value=pl.element()))
    mapped = _analysis(by_id)
    return pl.when(mapped.map.len() > 0).then(mapped.map.entries()).otherwise(listed)


CRITERIA_ENTRIES = _entries(
    "evaluation_criteria_results",
    "evaluation_criteria_results_list",
    pl.element().struct.field("criteria_id"),
)
DATA_COLLECTION_ENTRIES = _entries(
    "data_collection_results",
    "data_collection_results_list",
    pl.element().str.json_path_match("$.data_collection_id"),
)


def _exploded(details: pl.DataFrame, entries: pl.Expr) -> pl.DataFrame:
    return (
        details.select("conversation_id", entries.alias("entry"))
        .explode("entry", keep_nulls=False)
        .unnest("entry")
        .filter(pl.col("key").is_not_null())
    )


def evaluation_results(details: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """One row per conversation and evaluation criterion (the dict key is the criterion id)."""
    rows = _exploded(details, CRITERIA_ENTRIES)
    value = pl.col("value").struct.field
    return EVALUATION_RESULTS.conform(
        rows.select(
            "conversation_id",
            start_date=pl.lit(day),
            criteria_id="key",
            result=value("result"),
            score=value("score"),
            max_score=value("max_score"),
            scoring_mode=value("scoring_mode"),
            rationale=value("rationale"),
        )
    )


def data_collection_items(details: pl.DataFrame) -> pl.DataFrame:
    """`conversation_id`, `data_collection_id` and the item's JSON text, one row an item."""
    return _exploded(details, DATA_COLLECTION_ENTRIES).select(
        "conversation_id", data_collection_id="key", item="value"
    )


def data_collection_results(items: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """One row per conversation and data collection item, the value kept with its JSON type."""
    with duckdb.connect() as connection:
        connection.register("data_collection_items", items.to_arrow())
        typed = connection.sql(_TYPED_VALUES).pl()
    return DATA_COLLECTION_RESULTS.conform(typed.with_columns(start_date=pl.lit(day))).sort(
        "conversation_id", "data_collection_id"
    )

"""Read raw `.ndjson.zst` files into typed frames, setting aside whatever cannot be read.

Fast path: decompress a file and parse it whole against its raw shape (with DuckDB, guarded,
for conversation details: `fast_read`; with polars otherwise). Only when that fails does the
reader split the file into lines, parse them in small batches and halve any batch polars rejects
until each bad line stands alone: a few bad lines cost about one extra parse of their file, and
every good line is kept. A corrupt or truncated zstd stream keeps the lines before the break and
is reported by file name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assets.normalised.quarantine import QuarantineRow, excerpt, quarantine_frame
from assets.normalised.raw_shapes import RawShape, plain
from assets.normalised.unreadable import explain_unreadable
from pipelines.lake import Lake
from pipelines.ndjson_zst import decompress

RAW_PATH = "raw_path"
RAW_LINE = "raw_line"
RAW_ITEM = "raw_item"
CONVERSATION_ID = "conversation_id"
_PARSE_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException)
_BATCH_LINES = 32


@dataclass(frozen=True)
class RawRecords:
    """Records read from raw files, with where each came from, and the records set aside."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame


@dataclass(frozen=True)
class _Line:
    number: int
    text: bytes


@dataclass(frozen=True)
class _Source:
    """One decompressed raw file: its lake-relative path, bytes and any break in the stream."""

    raw_path: str
    data: bytes
    broken: QuarantineRow | None

    def line(self, number: int) -> bytes:
        return self.data.split(b"\n")[number - 1]


def with_location(schema: pl.Schema) -> pl.DataFrame:
    """An empty frame of `schema` plus the `raw_line` and `raw_path` columns readers add."""
    return pl.DataFrame(schema={**schema, RAW_LINE: pl.Int64(), RAW_PATH: pl.String()})


def items_with_location(item: pl.Struct) -> pl.DataFrame:
    """An empty frame shaped like `read_page_items` output for items of shape `item`."""
    return pl.DataFrame(
        schema={
            **item.to_schema(),
            RAW_LINE: pl.Int64(),
            RAW_ITEM: pl.Int32(),
            RAW_PATH: pl.String(),
        }
    )


def compacted(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of `frame` that owns only its own bytes.

    Columns parsed by polars' NDJSON reader keep the whole read buffer alive (a few kilobytes
    of ids can pin a file's megabytes), so frames kept while other files are read are copied
    out through Arrow.
    """
    return pl.DataFrame(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))


def has_text(field: str) -> pl.Expr:
    """The record carries `field` as non-empty text (ids: null and `""` are both missing)."""
    return pl.col(field).is_not_null() & (pl.col(field) != "")


def read_records(
    lake: Lake,
    path: Path,
    shape: RawShape,
    *,
    table: str,
    ids: tuple[str, ...],
    checks: Mapping[str, pl.Expr] | None = None,
) -> RawRecords:
    """One record per line of `path`, parsed by `shape`, located by `raw_path` and `raw_line`.

    Set aside: lines that are not JSON objects of that shape, records failing a check (reason
    -> expression true for good records; a record with none of the `ids` fields always fails)
    and the break of a corrupt file. Quarantine rows name the conversation when it is known.
    """
    source = _open(lake, path, table)
    fast = None if source.broken is not None else _parse_fast(source.data, shape, path)
    frame, bad = fast if fast is not None else _parse_lines(source.data, shape)
    quarantine = [
        _unreadable(source, line, why, shape.schema, table=table, ids=ids) for line, why in bad
    ]
    frame, failed = _apply_checks(frame, _with_id_check(ids, checks), ids)
    quarantine += [
        _row(
            source,
            table,
            record_id=record_id,
            reason=reason,
            at=(number, None),
            text=source.line(number),
        )
        for number, record_id, reason in failed.select(RAW_LINE, "record_id", "reason").iter_rows()
    ]
    if source.broken is not None:
        quarantine.append(source.broken)
    return RawRecords(
        frame.with_columns(pl.lit(source.raw_path).alias(RAW_PATH)), quarantine_frame(quarantine)
    )


def read_page_items(
    lake: Lake,
    path: Path,
    field: str,
    item: pl.Struct,
    *,
    table: str,
    ids: tuple[str, ...],
    checks: Mapping[str, pl.Expr] | None = None,
) -> RawRecords:
    """The items under `field` of every list page in `path` (one page per line).

    Rows carry `raw_line` (the page) and `raw_item` (the position in it). A page that cannot be
    parsed whole is opened with `json` and its items parsed one by one, so one bad item does
    not cost the rest of its page. Pages are parsed by polars: DuckDB reads lines this long
    several times slower (3.1 CPU-s against 0.4 for a day's 42 MiB of pages).
    """
    source = _open(lake, path, table)
    item_shape = plain(pl.Schema(item.to_schema()))
    page_shape = plain(pl.Schema({field: pl.List(item)}))
    pages, bad = _parse_lines(source.data, page_shape)
    frames = [_explode_items(pages, field, item_shape.schema)]
    quarantine: list[QuarantineRow] = []
    for line, why in bad:
        entries = _page_entries(line.text, field)
        if entries is None:
            quarantine.append(
                _unreadable(source, line, why, page_shape.schema, table=table, ids=ids)
            )
            continue
        items, bad_items = _parse_isolating(entries, item_shape)
        frames.append(
            items.select(
                *item_shape.schema.names(),
                pl.lit(line.number, pl.Int64).alias(RAW_LINE),
                pl.col(RAW_LINE).cast(pl.Int32).alias(RAW_ITEM),
            )
        )
        quarantine += [
            _unreadable(
                source, entry, why_item, item_shape.schema, table=table, ids=ids, page=line.number
            )
            for entry, why_item in bad_items
        ]
    frame, failed = _apply_checks(pl.concat(frames), _with_id_check(ids, checks), ids)
    for number, index, record_id, reason in failed.select(
        RAW_LINE, RAW_ITEM, "record_id", "reason"
    ).iter_rows():
        entries = _page_entries(source.line(number), field) or []
        text = entries[index].text if index < len(entries) else b""
        quarantine.append(
            _row(source, table, record_id=record_id, reason=reason, at=(number, index), text=text)
        )
    if source.broken is not None:
        quarantine.append(source.broken)
    return RawRecords(
        frame.with_columns(pl.lit(source.raw_path).alias(RAW_PATH)), quarantine_frame(quarantine)
    )


def _open(lake: Lake, path: Path, table: str) -> _Source:
    """Decompress `path`; a break drops the unfinished last line and becomes one quarantine row."""
    raw_path = lake.relative(path)
    data, broken = decompress(path)
    if broken is None:
        return _Source(raw_path, data, None)
    cut = data.rfind(b"\n") + 1
    whole, tail = data[:cut], data[cut:]
    first_lost = whole.count(b"\n") + 1
    row = QuarantineRow(table, None, broken, raw_path, first_lost, excerpt(tail))
    return _Source(raw_path, whole, row)


def _parse_lines(data: bytes, shape: RawShape) -> tuple[pl.DataFrame, list[tuple[_Line, str]]]:
    """Parse every line, whole file first; lines polars rejects come back with its complaint."""
    if data.strip():
        try:
            frame = shape.parse(data)
        except _PARSE_ERRORS:
            pass
        else:
            lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            if frame.height == lines:  # no blank line shifts the numbering
                numbers = pl.int_range(1, lines + 1, dtype=pl.Int64).alias(RAW_LINE)
                return frame.with_columns(numbers), []
    lines_ = [
        _Line(number, text)
        for number, text in enumerate(data.split(b"\n"), start=1)
        if text.strip()
    ]
    return _parse_isolating(lines_, shape)


def _parse_fast(
    data: bytes, shape: RawShape, path: Path
) -> tuple[pl.DataFrame, list[tuple[_Line, str]]] | None:
    """Parse with the shape's DuckDB reader, the lines its guard flags with polars (module
    `fast_read`); None when the file must take the polars path whole."""
    reader = shape.fast
    if reader is None or not data.strip() or b"\n\n" in data or data.startswith(b"\n"):
        return None
    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()
    frame = reader.read(path, len(lines))
    if frame is None:
        return None
    numbers = pl.int_range(1, len(lines) + 1, dtype=pl.Int64).alias(RAW_LINE)
    frame = frame.with_columns(numbers)
    flagged = reader.suspicious(lines, frame)
    if not flagged.any():
        return frame, []
    suspects = [_Line(number + 1, lines[number]) for number in flagged.arg_true().to_list()]
    if any(not line.text.strip() for line in suspects):
        return None  # a blank line: the polars path skips it
    strict, bad = _parse_isolating(suspects, shape)
    return pl.concat([frame.filter(~flagged), strict]).sort(RAW_LINE), bad


def _parse_isolating(
    lines: list[_Line], shape: RawShape
) -> tuple[pl.DataFrame, list[tuple[_Line, str]]]:
    """Parse `lines` in batches, halving any batch polars rejects until each bad line stands
    alone."""
    if not lines:
        return with_location(shape.schema).drop(RAW_PATH), []
    if len(lines) > _BATCH_LINES:
        batches = [
            _parse_isolating(lines[start : start + _BATCH_LINES], shape)
            for start in range(0, len(lines), _BATCH_LINES)
        ]
        return pl.concat([f for f, _ in batches]), [bad for _, b in batches for bad in b]
    try:
        frame = shape.parse(b"\n".join(line.text for line in lines))
    except _PARSE_ERRORS as error:
        if len(lines) == 1:
            return with_location(shape.schema).drop(RAW_PATH), [
                (lines[0], str(error).splitlines()[0])
            ]
        middle = len(lines) // 2
        left, left_bad = _parse_isolating(lines[:middle], shape)
        right, right_bad = _parse_isolating(lines[middle:], shape)
        return pl.concat([left, right]), left_bad + right_bad
    numbers = pl.Series(RAW_LINE, [line.number for line in lines], dtype=pl.Int64)
    return frame.with_columns(numbers), []


def _explode_items(pages: pl.DataFrame, field: str, item_schema: pl.Schema) -> pl.DataFrame:
    """One row per list item, with the page's `raw_line` and the item's `raw_item`."""
    return (
        pages.select(
            pl.col(field),
            pl.col(RAW_LINE),
            pl.int_ranges(pl.col(field).list.len(), dtype=pl.Int32).alias(RAW_ITEM),
        )
        .explode(field, RAW_ITEM, keep_nulls=False)
        .select(pl.col(field).struct.unnest(), RAW_LINE, RAW_ITEM)
        .select(*item_schema.names(), RAW_LINE, RAW_ITEM)
    )


def _page_entries(text: bytes, field: str) -> list[_Line] | None:
    """The items of a page line as separate JSON texts; None when the line is no usable page."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    entries = body.get(field) if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return None
    return [_Line(index, json.dumps(entry).encode()) for index, entry in enumerate(entries)]


def _with_id_check(
    ids: tuple[str, ...], checks: Mapping[str, pl.Expr] | None
) -> dict[str, pl.Expr]:
    has_id = pl.any_horizontal(has_text(name) for name in ids)
    return {f"missing {' or '.join(ids)}": has_id, **(checks or {})}


def _conversation_field(ids: tuple[str, ...]) -> str | None:
    """The field naming the conversation, for quarantine rows (catalogue records have none)."""
    return CONVERSATION_ID if CONVERSATION_ID in ids else None


def _apply_checks(
    frame: pl.DataFrame, checks: Mapping[str, pl.Expr], ids: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records passing every check, and the others with the first failed check as `reason`."""
    failure = pl.coalesce(
        *(pl.when(~ok.fill_null(False)).then(pl.lit(reason)) for reason, ok in checks.items())
    )
    reasons = frame.select(failure.alias("reason")).to_series()
    good = reasons.is_null()
    named = _conversation_field(ids)
    record_id = pl.when(has_text(named)).then(pl.col(named)) if named else pl.lit(None, pl.String)
    failed = frame.filter(~good).with_columns(reason=reasons.filter(~good), record_id=record_id)
    return (frame if good.all() else frame.filter(good)), failed


def _unreadable(
    source: _Source,
    line: _Line,
    complaint: str,
    schema: pl.Schema,
    *,
    table: str,
    ids: tuple[str, ...],
    page: int | None = None,
) -> QuarantineRow:
    """A quarantine row for a record polars rejected, with the most specific reason we can give.

    With `page`, the record is item `line.number` of that page's line."""
    reason, record_id = explain_unreadable(line.text, schema, complaint, _conversation_field(ids))
    number, item = (line.number, None) if page is None else (page, line.number)
    return _row(
        source, table, record_id=record_id, reason=reason, at=(number, item), text=line.text
    )


def _row(
    source: _Source,
    table: str,
    *,
    record_id: str | None,
    reason: str,
    at: tuple[int, int | None],
    text: bytes,
) -> QuarantineRow:
    """A quarantine row for the record at (line, item) of `source`."""
    return QuarantineRow(
        table=table,
        conversation_id=record_id,
        reason=reason,
        raw_path=source.raw_path,
        raw_line=at[0],
        excerpt=excerpt(text),
        raw_item=at[1],
    )

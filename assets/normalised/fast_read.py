"""A faster parse for the big raw files, exactly as strict as polars' own.

DuckDB's `read_json` with declared columns parses conversation details in about half the CPU
time polars needs, but it converts where polars refuses: `"5"` or `true` into a number, `1`
into a boolean, `1.5` into a whole number; it takes `NaN`, infinities and trailing commas, and
JSON nested deeper than polars allows; and it writes raw JSON text compactly where polars keeps
it as sent. So DuckDB's rows are kept only for lines a vectorised guard clears: one regular
expression over the lines (in polars) that matches the value of a number field not starting
like a number, of a boolean field that is not `true`/`false`, a fraction or exponent in a
whole-number field, a huge exponent or integer, NaN or infinity, a trailing comma, an escaped
ASCII character (it could spell a field name), a text field holding something other than a
string, and a line that is not an object; a count of opening brackets; and, on DuckDB's rows,
any raw-JSON text value that is not an object. The few lines it flags are parsed by polars as
before, so each gets polars' verdict and, when bad, its precise reason. A file DuckDB cannot
read at all (invalid JSON, a list where an object belongs, a duplicated key, a blank line that
would shift the numbering) goes to the polars reader whole. Either way the tables come out
byte-identical to a polars-only parse.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import polars as pl
from polars.datatypes import DataTypeClass

_DType = pl.DataType | DataTypeClass
_NUMBER = pl.Float64()
_WHOLE = pl.Int64()
_FLAG = pl.Boolean()
_TEXT = pl.String()
# First characters a value of each kind may start with (`n`: null).
_STARTS = {"number": "-0-9n", "flag": "tfn", "text": '"n', "object": "{n", "array": r"\[n"}
# First characters of strings DuckDB would cast to a number or a flag.
_CASTS = {"number": "-+0-9.iInN", "whole": "-+0-9.iInN", "flag": "tTfF01yYnN"}
# Anywhere in a line: a number with an exponent of three digits or more (beyond a double) or
# with 19 digits or more (beyond a 64-bit integer), NaN or infinity and a trailing comma (DuckDB
# takes them, JSON does not), an escaped ASCII character (could spell a field name), and a line
# that does not open an object or is blank.
_NUMBER_START = r"[:\[,]\s*-?"
_ANYWHERE = (
    _NUMBER_START + r"[0-9.]+[eE][-+]?[0-9]{3}",
    _NUMBER_START + r"[0-9]{19}",
    _NUMBER_START + r"(?i:nan|inf)",
    r",\s*[}\]]",
    r"\\u00[2-7]",
    r"^\s*[^{\s]",
    r"^\s*$",
)
# DuckDB's default. A larger limit costs every read (a third more CPU per detail part at 256
# MiB); a bigger detail on its own line still reads as polars reads it (test_fast_read).
MAX_OBJECT_BYTES = 16 << 20
# Polars refuses JSON nested about 1,024 deep, DuckDB does not: a line with this many opening
# brackets might be that deep (a transcript of some 80 turns has as many).
_DEEP = 1_000


def _kind(dtype: _DType) -> str:
    if isinstance(dtype, pl.Struct | pl.Map):
        return "object"
    if isinstance(dtype, pl.List):
        return "array"
    if dtype == _FLAG:
        return "flag"
    if dtype in (_NUMBER, _WHOLE):
        return "whole" if dtype == _WHOLE else "number"
    return "text"


def _fields(dtype: _DType) -> Iterator[tuple[str, _DType]]:
    """Every named field of a nested dtype, at any depth (map values have no name of their
    own: their keys are the senders')."""
    if isinstance(dtype, pl.Struct):
        for field in dtype.fields:
            yield field.name, field.dtype
            yield from _fields(field.dtype)
    elif isinstance(dtype, pl.List):
        yield from _fields(dtype.inner)
    elif isinstance(dtype, pl.Map):
        yield from _fields(dtype.value)


def guard_pattern(schema: pl.Schema) -> str:
    """The regular expression matching every line DuckDB might read differently from polars.

    Objects and arrays need no rule: DuckDB refuses a value that is not the container it
    expects, and the file goes to polars. A field name used with several kinds (`score` is a
    number in evaluation results and text in turn feedback) allows the first characters of
    each, and then only strings DuckDB could not cast (`"like"`: DuckDB would refuse the file
    if it met one in the number field).
    """
    kinds: defaultdict[str, set[str]] = defaultdict(set)
    for name, dtype in _fields(pl.Struct(schema)):
        kinds[name].add(_kind(dtype))
    rules = list(_ANYWHERE)
    for name, found in sorted(kinds.items()):
        if found <= {"object", "array"}:
            continue  # DuckDB refuses anything but the container it expects
        key = rf'"{re.escape(name)}"\s*:\s*'
        allowed = {("number" if k == "whole" else k) for k in found}
        starts = "".join(_STARTS[k] for k in sorted(allowed))
        rules.append(f"{key}[^{starts}\\s]")
        if "text" in found:
            # Text here, a number or flag elsewhere: DuckDB refuses other strings there.
            rules += [f'{key}"\\s*[{_CASTS[k]}]' for k in sorted(found) if k in _CASTS]
        if found == {"whole"}:
            rules.append(f"{key}-?[0-9]+[.eE]")
    return "|".join(rules)


def _not_objects(value: pl.Expr, dtype: _DType) -> Iterator[pl.Expr]:
    """For each map of text values or list of texts (raw JSON under keys of the sender's, out
    of the guard's sight; no shape has one inside a list): true when one of them does not hold
    a JSON object. DuckDB writes such values compactly and polars as sent: the JSON functions
    that read them see the same objects, but a bare array or number would read differently."""
    if isinstance(dtype, pl.Struct):
        for field in dtype.fields:
            yield from _not_objects(value.struct.field(field.name), field.dtype)
    elif isinstance(dtype, pl.Map | pl.List):
        items = value.map.values() if isinstance(dtype, pl.Map) else value
        inner = dtype.value if isinstance(dtype, pl.Map) else dtype.inner
        if inner == _TEXT:
            yield items.list.eval(~pl.element().str.starts_with("{")).list.any()


def duckdb_type(dtype: _DType) -> str:
    """DuckDB's spelling of a polars dtype used in raw shapes."""
    if isinstance(dtype, pl.Struct):
        fields = ", ".join(f'"{f.name}" {duckdb_type(f.dtype)}' for f in dtype.fields)
        return f"STRUCT({fields})"
    if isinstance(dtype, pl.List):
        return f"{duckdb_type(dtype.inner)}[]"
    if isinstance(dtype, pl.Map):
        return f"MAP(VARCHAR, {duckdb_type(dtype.value)})"
    names = (("DOUBLE", _NUMBER), ("BIGINT", _WHOLE), ("BOOLEAN", _FLAG), ("VARCHAR", _TEXT))
    return next(name for name, known in names if dtype == known)


@dataclass(frozen=True)
class FastReader:
    """Reads NDJSON files of one typed `schema` with DuckDB, guarded as the module says."""

    schema: pl.Schema

    @cached_property
    def pattern(self) -> str:
        return guard_pattern(self.schema)

    @cached_property
    def _query(self) -> str:
        columns = ", ".join(
            f"'{name}': '{duckdb_type(dtype)}'" for name, dtype in self.schema.items()
        )
        options = f"maximum_object_size = {MAX_OBJECT_BYTES}, columns = {{{columns}}}"
        # Only the declared types are spliced in; the path is a parameter.
        return (
            "SELECT * FROM read_json(?, format = 'newline_delimited', compression = 'zstd', "  # noqa: S608
            f"hive_partitioning = false, {options})"
        )

    @cached_property
    def _raw_text(self) -> pl.Expr:
        """True for a row with raw JSON text that is not an object (module docstring)."""
        checks = [
            c for name, dtype in self.schema.items() for c in _not_objects(pl.col(name), dtype)
        ]
        return pl.any_horizontal(pl.lit(False), *checks)

    def suspicious(self, lines: list[bytes], frame: pl.DataFrame) -> pl.Series:
        """True for each line the guard sends to polars (undecodable text included); `frame`
        is what `read` made of them."""
        text = pl.Series(lines, dtype=pl.Binary()).cast(pl.String(), strict=False)
        by_text = text.str.contains(self.pattern).fill_null(True)
        deep = pl.Series([line.count(b"{") + line.count(b"[") >= _DEEP for line in lines])
        return by_text | deep | frame.select(self._raw_text.fill_null(False)).to_series()

    def read(self, path: Path, lines: int) -> pl.DataFrame | None:
        """Every line of the zstd NDJSON file `path` as typed rows, in order; None when DuckDB
        cannot read the file or its row count is not `lines` (the caller falls back)."""
        try:
            with _database().cursor() as cursor:
                table = cursor.sql(self._query, params=[str(path)]).to_arrow_table()
        except duckdb.Error:
            return None
        if table.num_rows != lines:
            return None
        frame = pl.DataFrame(table)
        return frame.cast(self.schema) if frame.columns == self.schema.names() else None


_opened: list[duckdb.DuckDBPyConnection] = []
_opening = threading.Lock()


def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for the process (opening one costs tens of milliseconds; a cursor
    on it almost nothing), one thread per query: callers parse files in their own threads."""
    with _opening:
        if not _opened:
            _opened.append(duckdb.connect(config={"threads": 1}))
        return _opened[0]

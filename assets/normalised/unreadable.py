"""Why a raw record could not be read: the most specific reason we can put in quarantine.

Runs only on the few records polars rejected, so plain `json` is fine here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import polars as pl
from polars.datatypes import DataTypeClass

_DType = pl.DataType | DataTypeClass
_QUOTED_ID = r'"{field}"\s*:\s*"([^"\\]{{1,200}})"'


def explain_unreadable(
    text: bytes, schema: pl.Schema, complaint: str, id_field: str | None
) -> tuple[str, str | None]:
    """Why a record could not be read, and its `id_field` when that much is readable."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        return f"invalid JSON: {error}", _quoted(text, id_field)
    except RecursionError:
        return f"unreadable record: nested too deeply ({complaint})", _quoted(text, id_field)
    if not isinstance(value, dict):
        return f"not a JSON object but {_json_type(value)}", None
    found = value.get(id_field) if id_field else None
    record_id = found if isinstance(found, str) and found else None
    mismatch = _first_mismatch(value, pl.Struct(schema), "")
    return mismatch or f"unreadable record: {complaint}", record_id


def _quoted(text: bytes, id_field: str | None) -> str | None:
    """`id_field`'s string value found in text that is not valid JSON."""
    if id_field is None:
        return None
    match = re.search(_QUOTED_ID.format(field=re.escape(id_field)).encode(), text)
    return match.group(1).decode(errors="replace") if match else None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _first_mismatch(value: object, dtype: _DType, path: str) -> str | None:
    """The first field whose JSON type does not fit `dtype`, as `path: expected ..., got ...`."""
    if value is None:
        return None
    expected, fits = _expectation(dtype)
    if not fits(value):
        return _mismatch(path, expected, value)
    return next(
        (found for child in _children(value, dtype, path) if (found := _first_mismatch(*child))),
        None,
    )


def _expectation(dtype: _DType) -> tuple[str, Callable[[object], bool]]:
    """What a value read as `dtype` must be, in words, and the test for it."""
    if isinstance(dtype, pl.Struct | pl.Map):
        return "an object", _is_object
    if isinstance(dtype, pl.List):
        return "an array", _is_array
    return _SCALAR_EXPECTATIONS.get(dtype.base_type(), ("any value", _is_anything))


def _children(value: object, dtype: _DType, path: str) -> Iterator[tuple[object, _DType, str]]:
    """The nested values of a container that fits `dtype`, with their dtypes and paths."""
    if isinstance(dtype, pl.Struct) and isinstance(value, dict):
        for field in dtype.fields:
            yield value.get(field.name), field.dtype, f"{path}.{field.name}"
    elif isinstance(dtype, pl.List) and isinstance(value, list):
        for index, item in enumerate(value):
            yield item, dtype.inner, f"{path}[{index}]"
    elif isinstance(dtype, pl.Map) and isinstance(value, dict):
        for key, item in value.items():
            yield item, dtype.value, f"{path}[{key!r}]"


def _is_object(value: object) -> bool:
    return isinstance(value, dict)


def _is_array(value: object) -> bool:
    return isinstance(value, list)


def _is_anything(value: object) -> bool:
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_boolean(value: object) -> bool:
    return isinstance(value, bool)


_SCALAR_EXPECTATIONS: dict[object, tuple[str, Callable[[object], bool]]] = {
    pl.Float64: ("a number", _is_number),
    pl.Int64: ("a whole number", _is_whole_number),
    pl.Boolean: ("true or false", _is_boolean),
}


def _mismatch(path: str, expected: str, value: object) -> str:
    shown = json.dumps(value)[:60]
    return f"{path.lstrip('.')}: expected {expected}, got {_json_type(value)} {shown}"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "number"

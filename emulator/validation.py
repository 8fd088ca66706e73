"""Reading query parameters and JSON bodies the way FastAPI (the real API's framework) does,
with its error types and messages; each dialect decides how an `InputError` is answered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulator.http import Request

Loc = tuple[str | int, ...]

_TYPES: dict[type, tuple[str, str]] = {
    str: ("string_type", "Input should be a valid string"),
    dict: ("dict_type", "Input should be a valid dictionary"),
    list: ("list_type", "Input should be a valid list"),
    int: ("int_type", "Input should be a valid integer"),
    bool: ("bool_type", "Input should be a valid boolean"),
}


class InputError(Exception):
    def __init__(self, loc: Loc, msg: str, kind: str) -> None:
        super().__init__(msg)
        self.loc, self.msg, self.kind = loc, msg, kind


def int_param(
    request: Request,
    name: str,
    *,
    default: int | None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = request.param(name)
    if raw is None:
        return default
    loc = ("query", name)
    try:
        value = int(raw)
    except ValueError:
        raise InputError(
            loc,
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        ) from None
    if minimum is not None and value < minimum:
        raise InputError(
            loc, f"Input should be greater than or equal to {minimum}", "greater_than_equal"
        )
    if maximum is not None and value > maximum:
        raise InputError(loc, f"Input should be less than or equal to {maximum}", "less_than_equal")
    return value


def choice_param(request: Request, name: str, choices: Sequence[str], default: str) -> str:
    raw = request.param(name)
    if raw is None:
        return default
    if raw not in choices:
        allowed = " or ".join(f"'{c}'" for c in choices)
        raise InputError(("query", name), f"Input should be {allowed}", "enum")
    return raw


def json_object(request: Request) -> dict[str, Any]:
    body = request.json_body()
    if not isinstance(body, dict):
        raise InputError(("body",), "Input should be a valid dictionary", "dict_type")
    return body


def field(
    obj: Mapping[str, Any], name: str, expected: type, loc: Loc, *, required: bool = False
) -> Any:
    """`obj[name]` if it has the expected JSON type; None when absent (or null) and optional."""
    value = obj.get(name)
    if value is None:
        if required:
            raise InputError((*loc, name), "Field required", "missing")
        return None
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        kind, msg = _TYPES[expected]
        raise InputError((*loc, name), msg, kind)
    return value


def string_list(obj: Mapping[str, Any], name: str, loc: Loc) -> list[str] | None:
    values: list[str] | None = field(obj, name, list, loc)
    if values is not None and not all(isinstance(v, str) for v in values):
        kind, msg = _TYPES[str]
        raise InputError((*loc, name), msg, kind)
    return values

"""Strict checks against the official SDK's models: validation plus no undeclared keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic


def undeclared(obj: object, path: str = "$") -> Iterator[tuple[str, list[str]]]:
    """(path, keys) for every nested model holding keys its class does not declare."""
    if isinstance(obj, pydantic.BaseModel):
        if obj.model_extra:
            yield path, sorted(obj.model_extra)
        for name in type(obj).model_fields:
            yield from undeclared(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            yield from undeclared(value, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from undeclared(value, f"{path}[{key!r}]")


def assert_conforms(model: type[pydantic.BaseModel], raw: Any) -> None:
    parsed = model.model_validate(raw)
    extra = list(undeclared(parsed))
    assert not extra, f"{model.__name__}: undeclared keys {extra[:5]}"

"""Opaque page cursors: base64 of the sort key of the last item sent, like the real API's long
base64 strings. Keyed (not offset) cursors stay correct when items are deleted between pages."""

from __future__ import annotations

import base64
import binascii
import json

from emulator.index import Key


def encode(key: Key) -> str:
    return base64.b64encode(json.dumps(list(key)).encode()).decode()


def decode(cursor: str) -> Key | None:
    """The key in a cursor, or None if it is not one of ours."""
    try:
        value = json.loads(base64.b64decode(cursor, validate=True))
    except (binascii.Error, ValueError):
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
    ):
        return (value[0], value[1])
    return None

"""Matching a raw request path to an operation, on percent-encoded segments, so that an id
holding '/' (sent as %2F) stays one segment and reaches the handler intact."""

from __future__ import annotations

import urllib.parse

from emulator.dialects.base import RouteTable

_PARAM = b"{id}"
_ID_SEGMENT = 4  # b"", b"v1", b"convai", collection, id, ...


def _decoded(segment: bytes) -> str:
    return urllib.parse.unquote_to_bytes(segment).decode("utf-8", "replace")


def _segments(path: str) -> tuple[bytes, ...]:
    return tuple(path.encode().split(b"/"))


class Router:
    def __init__(self, routes: RouteTable) -> None:
        self._routes = {(method, _segments(path)): op for (method, path), op in routes.items()}
        self._paths = {shape for _, shape in self._routes}

    def match(self, method: str, raw_path: bytes) -> tuple[str | None, str, bool]:
        """(operation or None, decoded id or "", whether the path exists for another method)."""
        segments = tuple(raw_path.split(b"/"))
        operation = self._routes.get((method, segments))
        if operation is not None:
            return operation, "", True
        if len(segments) > _ID_SEGMENT:
            shape = (*segments[:_ID_SEGMENT], _PARAM, *segments[_ID_SEGMENT + 1 :])
            operation = self._routes.get((method, shape))
            if operation is not None:
                return operation, _decoded(segments[_ID_SEGMENT]), True
            return None, "", shape in self._paths or segments in self._paths
        return None, "", segments in self._paths

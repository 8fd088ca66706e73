"""Requests, responses and error bodies, shaped like the real API's (FastAPI) answers.

Errors are raised as `HttpError` anywhere below a handler and turned into responses by the app.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

JSON = b"application/json"
Headers = tuple[tuple[bytes, bytes], ...]


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as the API sends it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Stream:
    """A body produced in chunks (audio), of a length known up front."""

    length: int
    chunks: Callable[[], AsyncIterator[bytes]]


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: bytes = JSON
    headers: Headers = ()
    stream: Stream | None = None
    drifted: bool = False

    @property
    def length(self) -> int:
        return self.stream.length if self.stream is not None else len(self.body)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(status, json_bytes(value))


class HttpError(Exception):
    """Stops a handler and answers with `response`."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def envelope(status: int, code: str, message: str) -> HttpError:
    """The ElevenLabs error envelope: {"detail": {"status": code, "message": message}}."""
    return HttpError(json_response({"detail": {"status": code, "message": message}}, status))


def not_found(kind: str, resource_id: str) -> HttpError:
    return envelope(
        404, f"{kind}_not_found", f"{kind.capitalize()} with id {resource_id!r} was not found."
    )


def invalid(loc: tuple[str | int, ...], msg: str, kind: str) -> HttpError:
    """FastAPI's validation error: 422 {"detail": [{"loc": [...], "msg": ..., "type": ...}]}."""
    return HttpError(json_response({"detail": [{"loc": list(loc), "msg": msg, "type": kind}]}, 422))


@dataclass(slots=True)
class Request:
    """What handlers see of a request; `resource_id` is the decoded `{id}` path segment."""

    method: str
    route: str
    resource_id: str
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    _params: dict[str, list[str]] | None = field(default=None)

    @property
    def params(self) -> dict[str, list[str]]:
        if self._params is None:
            self._params = urllib.parse.parse_qs(
                self.query_string.decode("latin-1"), keep_blank_values=True
            )
        return self._params

    def param(self, name: str) -> str | None:
        """The last value of a query parameter (FastAPI takes the last for scalars)."""
        values = self.params.get(name)
        return values[-1] if values else None

    def json_body(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

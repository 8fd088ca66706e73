"""A scripted HTTP/1.1 server on 127.0.0.1 for the client tests.

It speaks raw HTTP over asyncio streams so that it can misbehave the way real networks do:
drop a connection without answering, send fewer bytes than Content-Length, stall, or send a
status line no parser accepts. Each path answers from its own script, one step per request,
repeating the last step once the script is used up; it records every request it reads and the
most requests it ever held at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

_REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 422: "Unprocessable Entity"}


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `drop` closes the connection unanswered; `truncate_to` sends only
    that many body bytes (with the full Content-Length) and closes; `delay` waits first;
    `garbage` sends bytes that are not HTTP at all."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    truncate_to: int | None = None
    garbage: bool = False


def json_reply(value: object, status: int = 200, **headers: str) -> Reply:
    """A JSON reply; header names use `_` for `-` (retry_after -> Retry-After)."""
    named = {name.replace("_", "-"): text for name, text in headers.items()}
    return Reply(status=status, body=json.dumps(value).encode(), headers=named)


@dataclass(frozen=True)
class Request:
    """A request as the server read it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Responder = Callable[[Request], Reply]


class ScriptedServer:
    """Serves scripted replies; use as `async with ScriptedServer() as server`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._routes: dict[str, Responder] = {}
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def script(self, path: str, *replies: Reply) -> None:
        """Answer `path` with `replies` in turn, then repeat the last one."""
        queue = deque(replies)

        def next_reply(_: Request) -> Reply:
            return queue.popleft() if len(queue) > 1 else queue[0]

        self._routes[path] = next_reply

    def route(self, path: str, responder: Responder) -> None:
        """Answer `path` with whatever `responder` computes from the request."""
        self._routes[path] = responder

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._handlers:
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while await self._answer_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # the server is stopping; a cancelled handler would be logged by asyncio
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request and answer it; False when the connection is to be closed."""
        head = await reader.readuntil(b"\r\n\r\n")
        request = _parse(head)
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            responder = self._routes.get(request.path)
            reply = responder(request) if responder else json_reply({"detail": "no route"}, 404)
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if reply.drop:
                return False
            if reply.garbage:
                writer.write(b"HTTP/1.1 2x0 nonsense\r\n\x00\x01\r\n\r\n")
                await writer.drain()
                return False
            body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
            writer.write(_head(reply) + body)
            await writer.drain()
            return reply.truncate_to is None
        finally:
            self.in_flight -= 1


def _parse(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    parts = urlsplit(target)
    return Request(method, parts.path, parse_qs(parts.query), headers)


def _head(reply: Reply) -> bytes:
    reason = _REASONS.get(reply.status, "Status")
    headers = {"Content-Type": "application/json", **reply.headers}
    headers["Content-Length"] = str(len(reply.body))
    lines = [f"HTTP/1.1 {reply.status} {reason}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

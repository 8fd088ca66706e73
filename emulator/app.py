"""The ASGI application: route, count, inject faults, check the key, run the handler, send.

A lean raw-ASGI router rather than a framework: every API request is a dictionary lookup, a
few counters and, for details, cached bytes. Admin routes (`/_emulator/`) skip faults and auth.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import Any

from emulator import delivery
from emulator.admin import PREFIX, Admin
from emulator.attempts import AttemptTable
from emulator.dialects import dialect_for
from emulator.dialects.base import OPERATIONS
from emulator.documents import DocumentCache
from emulator.faults import FaultPlan, Verdict
from emulator.handlers import HANDLERS, Context
from emulator.http import HttpError, Request, Response, envelope, json_response
from emulator.router import Router
from emulator.stats import FAULT_COLUMN, REQUESTS, RETRIED, Stats
from emulator.validation import InputError
from emulator.world import World

UNMATCHED = "unmatched"
ROUTES = (*OPERATIONS, UNMATCHED)
_BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})
_API_KEY_HEADER = b"xi-api-key"


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


class EmulatorApp:
    def __init__(self, world: World, stats: Stats, attempts: AttemptTable) -> None:
        config = world.config
        self._world = world
        self._dialect = dialect_for(config.dialect)
        self._router = Router(self._dialect.routes)
        self._context = Context(world, self._dialect, DocumentCache(world, self._dialect))
        self._admin = Admin(world, stats)
        self._stats = stats
        self._faults = config.faults
        self._plan = FaultPlan(config.seed, config.faults, attempts)
        self._key = config.api_key.encode() if config.api_key else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw_path: bytes = scope["raw_path"]
        if raw_path.startswith(PREFIX):
            try:
                response = self._admin.handle(scope["method"], raw_path, scope["query_string"])
            except HttpError as error:
                response = error.response
            await delivery.send(send, response)
            return
        operation, resource_id, path_known = self._router.match(scope["method"], raw_path)
        if operation is None:
            await self._unmatched(send, path_known)
        else:
            await self._api(operation, resource_id, scope, receive, send)

    async def _api(
        self, operation: str, resource_id: str, scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        """An API request: counted, delayed and perhaps spoiled as the fault plan says."""
        row = self._stats.row[operation]
        self._stats.add(row, REQUESTS)
        method: str = scope["method"]
        query: bytes = scope["query_string"]
        target = scope["raw_path"] + b"?" + query if query else scope["raw_path"]
        verdict = self._plan.verdict(method, target)
        if verdict.attempt:
            self._stats.add(row, RETRIED)
        if verdict.delay_secs:
            await asyncio.sleep(verdict.delay_secs)
        fault = verdict.fault
        if fault is not None:
            self._stats.add(row, FAULT_COLUMN[fault])
        if fault == "reset":
            await delivery.reset(scope, receive)
            return
        if fault == "stall":
            await asyncio.sleep(self._faults.stall_secs)
        if fault in ("429", "5xx"):
            response = self._failure(fault, method, target, verdict)
        else:
            response = await self._respond(operation, resource_id, scope, receive)
        self._stats.status(row, response.status)
        if response.drifted:
            self._stats.add(row, FAULT_COLUMN["drift"])
        await self._deliver(fault, response, scope, receive, send)

    async def _deliver(
        self, fault: str | None, response: Response, scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        if fault == "truncate":
            await delivery.truncated(scope, receive, send, response)
        elif fault == "malformed":
            await delivery.malformed(send, response)
        elif fault == "slow_body":
            await delivery.slow(send, response, self._faults.slow_body_secs)
        else:
            await delivery.send(send, response)

    async def _unmatched(self, send: Any, path_known: bool) -> None:
        """FastAPI's answers for a path that does not exist, or not with this method."""
        row = self._stats.row[UNMATCHED]
        self._stats.add(row, REQUESTS)
        if path_known:
            response = json_response({"detail": "Method Not Allowed"}, 405)
        else:
            response = json_response({"detail": "Not Found"}, 404)
        self._stats.status(row, response.status)
        await delivery.send(send, response)

    async def _respond(
        self, operation: str, resource_id: str, scope: dict[str, Any], receive: Any
    ) -> Response:
        self._world.state.sync()
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if self._key is not None:
            sent = next((v for k, v in headers if k == _API_KEY_HEADER), b"")
            if not hmac.compare_digest(sent, self._key):
                return envelope(401, "invalid_api_key", "Invalid API key").response
        method: str = scope["method"]
        body = await _read_body(receive) if method in _BODY_METHODS else b""
        request = Request(method, operation, resource_id, scope["query_string"], headers, body)
        try:
            return await HANDLERS[operation](self._context, request)
        except HttpError as error:
            return error.response
        except InputError as problem:
            return self._dialect.reject(problem).response

    def _failure(self, fault: str, method: str, target: bytes, verdict: Verdict) -> Response:
        """A 429 (with Retry-After, and sometimes X-RateLimit-Reset) or a 500/502/503."""
        if fault == "429":
            wait = self._faults.retry_after_secs
            headers = [(b"retry-after", str(wait).encode())]
            if self._plan.rate_limit_reset(method, target, verdict.attempt):
                headers.append((b"x-ratelimit-reset", str(int(time.time()) + wait).encode()))
            body = envelope(429, "too_many_concurrent_requests", "Too many concurrent requests.")
            return Response(429, body.response.body, headers=tuple(headers))
        status = self._plan.server_error(method, target, verdict.attempt)
        if status == 502:
            return Response(
                502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", b"text/html"
            )
        if status == 503:
            return envelope(503, "system_busy", "The system is busy, please retry.").response
        return Response(500, b"Internal Server Error", b"text/plain; charset=utf-8")

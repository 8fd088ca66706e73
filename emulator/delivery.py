"""Sending a response over ASGI: faithfully, or broken the way an injected fault asks for.

Dropping a connection or cutting a body short needs the TCP transport, which ASGI does not
expose; the server's protocol (`emulator.server`) puts it in the scope's extensions.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

from emulator.http import JSON, Response

TRANSPORT = "convai_emulator.transport"
Send = Any
Receive = Any
Scope = dict[str, Any]
_SLOW_PIECES = 10
_DISCONNECT_WAIT_SECS = 5.0


async def _start(send_message: Send, response: Response, length: int) -> None:
    headers = [
        (b"content-type", response.content_type),
        (b"content-length", str(length).encode()),
        *response.headers,
    ]
    await send_message(
        {"type": "http.response.start", "status": response.status, "headers": headers}
    )


async def send(send_message: Send, response: Response) -> None:
    await _start(send_message, response, response.length)
    if response.stream is None:
        await send_message({"type": "http.response.body", "body": response.body})
        return
    async for chunk in response.stream.chunks():
        await send_message({"type": "http.response.body", "body": chunk, "more_body": True})
    await send_message({"type": "http.response.body", "body": b""})


async def _body(response: Response) -> bytes:
    if response.stream is None:
        return response.body
    return b"".join([chunk async for chunk in response.stream.chunks()])


async def _until_disconnected(receive: Receive) -> None:
    """Wait for the server to notice the connection is gone, so it does not answer again."""

    async def drain() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    await asyncio.wait_for(drain(), _DISCONNECT_WAIT_SECS)


async def reset(scope: Scope, receive: Receive) -> None:
    """Drop the connection with a TCP reset, before any byte of the response."""
    transport = scope["extensions"][TRANSPORT]
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await _until_disconnected(receive)


async def truncated(scope: Scope, receive: Receive, send_message: Send, response: Response) -> None:
    """Promise the whole body in Content-Length, send half of it, then close."""
    body = await _body(response)
    await _start(send_message, response, len(body))
    await send_message(
        {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
    )
    scope["extensions"][TRANSPORT].close()
    await _until_disconnected(receive)


async def malformed(send_message: Send, response: Response) -> None:
    """A complete, well-framed response whose body is not what it claims to be."""
    body = await _body(response)
    if response.content_type == JSON:
        broken = body[: max(1, len(body) // 2)]
    else:
        broken = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    await send(
        send_message, Response(response.status, broken, response.content_type, response.headers)
    )


async def slow(send_message: Send, response: Response, seconds: float) -> None:
    """The whole response, its body trickling out over `seconds`."""
    body = await _body(response)
    await _start(send_message, response, len(body))
    step = -(-len(body) // _SLOW_PIECES) or 1
    for start in range(0, len(body), step):
        await asyncio.sleep(seconds / _SLOW_PIECES)
        await send_message(
            {"type": "http.response.body", "body": body[start : start + step], "more_body": True}
        )
    await send_message({"type": "http.response.body", "body": b""})

"""GET requests sent straight to an httpx transport, with what every request shares set once.

`httpx.AsyncClient` merges its base URL, default headers and cookie jar into every request
and stores the cookies of every response: about 110 µs of CPU a request here, a tenth of what
a detail fetch costs in all (bench/RESULTS.md, Ingestion). The API needs none of that per
request: one host, fixed headers, no cookies, no redirects followed (one could carry the key
elsewhere). So requests are built here as `httpx.Request`s and answered by the transport as
`httpx.Response`s: httpx's API, without the client's per-request work.
"""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import AsyncIterator, Mapping

import httpx
from httpx_aiohttp import AiohttpTransport

# What every request accepts: httpx decodes these in `Response.aiter_bytes`.
_ACCEPT = {"accept": "*/*", "accept-encoding": "gzip, deflate"}


def environment_proxy(url: httpx.URL) -> httpx.Proxy | None:
    """The proxy the environment names for `url`, as httpx's own client would use it:
    `HTTPS_PROXY` or `HTTP_PROXY` by scheme, else `ALL_PROXY`; `NO_PROXY` exempts hosts."""
    if urllib.request.proxy_bypass(url.host):
        return None
    proxies = urllib.request.getproxies()
    found = proxies.get(url.scheme) or proxies.get("all")
    return httpx.Proxy(found) if found else None


class GetSender:
    """Sends GETs for paths under one base URL over one pooled transport.

    `transport` defaults to httpx-aiohttp's with a pool of `limits`, through the environment's
    proxy if it names one; tests pass `httpx.MockTransport` or `httpx.ASGITransport`.
    """

    def __init__(
        self,
        base_url: httpx.URL,
        headers: Mapping[str, str],
        *,
        timeout: httpx.Timeout,
        limits: httpx.Limits,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._prefix = str(base_url.copy_with(query=None, fragment=None)).rstrip("/")
        self._headers = httpx.Headers({"host": base_url.netloc.decode(), **_ACCEPT, **headers})
        self._extensions = {"timeout": timeout.as_dict()}
        self._transport = transport or AiohttpTransport(
            limits=limits, proxy=environment_proxy(base_url)
        )

    def request(self, path: str, query: str = "") -> httpx.Request:
        """A GET of `path` (which starts with "/") under the base URL, with `query` (encoded)."""
        url = f"{self._prefix}{path}?{query}" if query else f"{self._prefix}{path}"
        return httpx.Request("GET", url, headers=self._headers, extensions=self._extensions)

    @contextlib.asynccontextmanager
    async def stream(self, path: str, query: str = "") -> AsyncIterator[httpx.Response]:
        """The response to a GET of `path`, its body still to be read; closed on exit."""
        response = await self._transport.handle_async_request(self.request(path, query))
        try:
            yield response
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        """Close the transport's connections."""
        await self._transport.aclose()

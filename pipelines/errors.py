"""The typed error of the API client, and how an error body becomes its `detail`."""

from __future__ import annotations

import json

# Bodies kept in an error (and so in logs and the rejected-records file) are cut to this size.
MAX_DETAIL_CHARS = 65_536
_MESSAGE_DETAIL_CHARS = 300


class ApiError(Exception):
    """A request that failed for good, after its retries or at once when retrying cannot help.

    `status` is the HTTP status, None when no usable response arrived (connect error, reset,
    timeout, a body cut short of its Content-Length). A 2xx status means the response could
    not be used: its body was not a JSON object after every attempt (`detail` holds its text),
    it was over the client's size cap (refused unread; `detail` says so), or a list page said
    `has_more` without a usable `next_cursor` (`detail` is it). Otherwise
    `detail` is the API's error detail: a list for 422, the ElevenLabs envelope
    `{"status", "message"}` for other errors, the text of a body that is not JSON. `path` has
    no query string. The API key is never part of any field.
    """

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int | None,
        detail: object,
        attempts: int,
        reason: str,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
        self.attempts = attempts
        self.reason = reason
        super().__init__(self._message())

    @property
    def refuses_credentials(self) -> bool:
        """The key or the account was refused (401, 403): every other request would be too."""
        return self.status in (401, 403)

    def _message(self) -> str:
        where = f"{self.method} {self.path}"
        if self.status == 401:
            code = error_code(self.detail) or "unauthorized"
            return f"the API rejected the key (401 {code}): check ELEVENLABS_API_KEY ({where})"
        tries = f"after {self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        if self.status is None:
            return f"{where} failed {tries}: {self.reason}"
        return f"{where} failed with HTTP {self.status} {tries}: {self.reason}"


def error_detail(body: bytes) -> object:
    """The `detail` of an error body: its `detail` member, the whole JSON, or its text."""
    text = body.decode("utf-8", errors="replace")
    try:
        parsed: object = json.loads(text)
    except (ValueError, RecursionError):
        return text[:MAX_DETAIL_CHARS]
    if isinstance(parsed, dict) and "detail" in parsed:
        return parsed["detail"]
    return parsed


def error_code(detail: object) -> str | None:
    """The ElevenLabs error code (`detail.status`, e.g. `invalid_api_key`) when there is one."""
    if isinstance(detail, dict):
        code = detail.get("status")
        if isinstance(code, str):
            return code
    return None


def describe(detail: object) -> str:
    """A one-line summary of `detail` for an error message."""
    text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
    text = " ".join(text.split())
    if len(text) > _MESSAGE_DETAIL_CHARS:
        return text[:_MESSAGE_DETAIL_CHARS] + "..."
    return text


def scrub(detail: object, secret: str) -> object:
    """`detail` with every occurrence of `secret` masked, for servers that echo the key back."""
    if not secret:
        return detail
    if isinstance(detail, str):
        return detail.replace(secret, "********")
    dumped = json.dumps(detail, ensure_ascii=False)
    escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
    if escaped not in dumped:
        return detail
    return json.loads(dumped.replace(escaped, "********"))

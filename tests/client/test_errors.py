"""Error bodies become a `detail` and a message the operator can act on."""

from __future__ import annotations

import json

import pytest

from pipelines.errors import ApiError, describe, error_detail, scrub


def test_validation_detail_is_the_list() -> None:
    body = {"detail": [{"loc": ["query", "page_size"], "msg": "too big", "type": "value_error"}]}
    assert error_detail(json.dumps(body).encode()) == body["detail"]


def test_envelope_detail_is_the_object() -> None:
    body = {"detail": {"status": "invalid_id", "message": "not found"}}
    assert error_detail(json.dumps(body).encode()) == body["detail"]


def test_json_without_detail_is_kept_whole() -> None:
    assert error_detail(b'{"error": "boom"}') == {"error": "boom"}


@pytest.mark.parametrize("body", [b"<html>Bad Gateway</html>", b"\xff\xfe not utf-8", b""])
def test_non_json_is_text(body: bytes) -> None:
    assert error_detail(body) == body.decode("utf-8", errors="replace")


def test_describe_is_one_short_line() -> None:
    text = describe({"message": "line one\nline two " + "x" * 1000})
    assert "\n" not in text
    assert len(text) <= 303
    assert text.endswith("...")


def test_scrub_masks_the_secret_wherever_it_is() -> None:
    secret = 'sk_"quoted"'
    detail = {"message": f"bad key {secret}", "echo": [secret, 1]}
    cleaned = scrub(detail, secret)
    assert cleaned == {"message": "bad key ********", "echo": ["********", 1]}
    assert scrub(f"text {secret}", secret) == "text ********"


def _error(status: int | None, detail: object, attempts: int = 1) -> ApiError:
    return ApiError(
        method="GET", path="/v1/x", status=status, detail=detail, attempts=attempts, reason="why"
    )


def test_401_names_the_variable_to_check() -> None:
    error = _error(401, {"status": "invalid_api_key", "message": "Invalid API key"})
    assert str(error) == (
        "the API rejected the key (401 invalid_api_key): check ELEVENLABS_API_KEY (GET /v1/x)"
    )


def test_messages_say_where_what_and_how_often() -> None:
    assert (
        str(_error(503, {}, attempts=6)) == "GET /v1/x failed with HTTP 503 after 6 attempts: why"
    )
    assert str(_error(None, "reset")) == "GET /v1/x failed after 1 attempt: why"

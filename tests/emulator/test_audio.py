"""Recordings are valid MP3 whose length, as mutagen reads it, is the call's duration."""

from __future__ import annotations

import asyncio
import io
import json
import urllib.parse
from typing import Any

import httpx
import mutagen.mp3
import pytest

from emulator.audio import mp3_chunks, mp3_length
from emulator.server import EmulatorHandle

LIST = "/v1/convai/conversations"


def _mp3_info(data: bytes) -> Any:
    """mutagen's reading of an MP3 (length in seconds, sample rate, channels)."""
    return mutagen.mp3.MP3(io.BytesIO(data)).info  # type: ignore[no-untyped-call]


async def _recording(seconds: int) -> bytes:
    return b"".join([chunk async for chunk in mp3_chunks(seconds)])


@pytest.mark.parametrize("seconds", [1, 8, 59, 61, 333, 3599])
def test_length_is_exact(seconds: int) -> None:
    recording = asyncio.run(_recording(seconds))
    assert len(recording) == mp3_length(seconds)
    info = _mp3_info(recording)
    assert info.length == seconds
    assert (info.sample_rate, info.channels) == (16000, 1)


def test_served_audio_matches_the_conversation(
    elevenlabs: EmulatorHandle, client: httpx.Client
) -> None:
    items = client.get(LIST, params={"page_size": 60}).json()["conversations"]
    served = missing = 0
    for item in items:
        quoted = urllib.parse.quote(item["conversation_id"], safe="")
        detail = client.get(f"{LIST}/{quoted}").json()
        with client.stream("GET", f"{LIST}/{quoted}/audio") as response:
            chunks = list(response.iter_bytes())
        body = b"".join(chunks)
        if not detail["has_audio"]:
            assert response.status_code == 404
            assert json.loads(body)["detail"]["status"] == "audio_not_found"
            missing += 1
            continue
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/mpeg"
        assert int(response.headers["content-length"]) == len(body)
        length = _mp3_info(body).length
        assert length == detail["metadata"]["call_duration_secs"] == item["call_duration_secs"]
        served += 1
    assert served
    assert missing

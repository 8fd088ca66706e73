"""Write a raw lake exactly as docs/architecture.md says the raw assets do, for tests and bench."""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import zstandard

from pipelines.lake import Lake, date_partition

DATA = Path(__file__).parent.parent / "data"
JSON = dict[str, Any]

# MPEG-1 Layer III frame header: 128 kbit/s, 44.1 kHz, stereo; each frame is 417 bytes and
# plays 1152 samples. A Xing header in the first frame states the frame count.
_FRAME_HEADER = bytes([0xFF, 0xFB, 0x90, 0x00])
_FRAME_BYTES = 417
MP3_FRAME_SECS = 1152 / 44100


def sample(name: str) -> JSON:
    """A sample response body from tests/data (copied from the shared samples)."""
    body: JSON = json.loads((DATA / name).read_text())
    return body


def as_received(body: object) -> bytes:
    """One body as one line, the way the raw assets store it."""
    return json.dumps(body).encode()


def ndjson_zst(lines: Iterable[bytes]) -> bytes:
    """Lines joined as NDJSON and compressed with zstd level 3."""
    return zstandard.ZstdCompressor(level=3).compress(b"".join(line + b"\n" for line in lines))


def write_listing(lake: Lake, day: dt.date, pages: Iterable[object]) -> Path:
    return _write(
        lake, f"{date_partition('raw/conversation_pages', day)}/listing.ndjson.zst", pages
    )


def write_part(lake: Lake, day: dt.date, number: int, bodies: Iterable[object]) -> Path:
    name = f"part-{number:08d}.ndjson.zst"
    return _write(lake, f"{date_partition('raw/conversations', day)}/{name}", bodies)


def write_rejected(lake: Lake, day: dt.date, number: int, rejects: Iterable[JSON]) -> Path:
    name = f"rejected-{number:08d}.ndjson.zst"
    return _write(lake, f"{date_partition('raw/conversations', day)}/{name}", rejects)


def write_raw_lines(lake: Lake, relative: str, lines: Iterable[bytes]) -> Path:
    """A raw file of arbitrary lines (bad JSON included), compressed as the raw assets do."""
    return lake.write_bytes(relative, ndjson_zst(lines))


def _write(lake: Lake, relative: str, bodies: Iterable[object]) -> Path:
    return write_raw_lines(lake, relative, (as_received(b) for b in bodies))


def mp3_bytes(frames: int) -> bytes:
    """A tiny valid MP3 whose Xing header says it plays `frames` frames."""
    xing = _FRAME_HEADER + bytes(32) + b"Xing" + struct.pack(">II", 1, frames)
    first = xing + bytes(_FRAME_BYTES - len(xing))
    return first + (_FRAME_HEADER + bytes(_FRAME_BYTES - 4)) * 3


def write_mp3(lake: Lake, day: dt.date, conversation_id: str, frames: int) -> Path:
    return lake.write_bytes(
        f"{date_partition('audio', day)}/{conversation_id}.mp3", mp3_bytes(frames)
    )


def write_snapshot(
    lake: Lake, area: str, stamp: str, files: Mapping[str, Iterable[object]], *, complete: bool
) -> Path:
    """A catalogue snapshot `raw/<area>/snapshot=<stamp>/`, with `_SUCCESS` when complete."""
    directory = f"raw/{area}/snapshot={stamp}"
    for name, bodies in files.items():
        _write(lake, f"{directory}/{name}", bodies)
    if complete:
        lake.write_bytes(f"{directory}/_SUCCESS", b"")
    return lake.path(directory)


def write_sample_agents(lake: Lake, stamp: str) -> Path:
    """A complete agents snapshot of the shared samples: two listed agents, one detail."""
    files = {
        "pages.ndjson.zst": [sample("agents_list_page.json")],
        "details.ndjson.zst": [sample("agent.json")],
    }
    return write_snapshot(lake, "agents", stamp, files, complete=True)

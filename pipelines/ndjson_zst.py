"""The raw lake's file format: zstd-compressed NDJSON, one response body per line.

Writers publish whole files by rename (through `Lake.open_atomic`); readers that meet a file
broken anyway (a damaged disk, a copy cut short) salvage the complete lines before the break.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard

from pipelines.lake import Lake

SUFFIX = ".ndjson.zst"
LEVEL = 3
_CHUNK = 1 << 20


def as_line(body: bytes) -> bytes:
    """A JSON body as one NDJSON line: newlines can only sit between JSON tokens (strings
    cannot hold them raw), so replacing them with spaces keeps the JSON and its meaning."""
    return body.replace(b"\n", b" ") + b"\n"


class LinesWriter:
    """Appends bodies as lines to one compressed file that is published when it closes."""

    def __init__(self, handle: BinaryIO) -> None:
        self._stream = zstandard.ZstdCompressor(level=LEVEL).stream_writer(handle, closefd=False)
        self.lines = 0
        self.bytes_in = 0

    def write(self, body: bytes) -> None:
        self._stream.write(as_line(body))
        self.lines += 1
        self.bytes_in += len(body)

    def finish(self) -> None:
        """End the zstd frame; the file itself belongs to `Lake.open_atomic`."""
        self._stream.flush(zstandard.FLUSH_FRAME)


@contextlib.contextmanager
def open_lines(lake: Lake, relative: str) -> Iterator[LinesWriter]:
    """Write lines to `relative`, published by rename only if the block succeeds."""
    with lake.open_atomic(relative) as handle:
        writer = LinesWriter(handle)
        yield writer
        writer.finish()


@dataclass(frozen=True)
class Salvaged:
    """The complete lines of a file, and why it broke off (None when it is whole)."""

    lines: list[bytes]
    broken: str | None


def decompress(path: Path) -> tuple[bytes, str | None]:
    """The decompressed bytes of a zstd file, and why it broke off when it did.

    Covers files cut short (the last frame never ends: a crash or a full disk) and damaged
    bytes (zstd reports an error): the bytes decoded before the break are returned.
    """
    compressed = path.read_bytes()
    out: list[bytes] = []
    while compressed:
        decoder = zstandard.ZstdDecompressor().decompressobj()
        for start in range(0, len(compressed), _CHUNK):
            try:
                out.append(decoder.decompress(compressed[start : start + _CHUNK]))
            except zstandard.ZstdError as error:
                return b"".join(out), f"corrupt zstd file {path.name}: {error}"
            if decoder.eof:
                break
        if not decoder.eof:
            return b"".join(out), f"truncated zstd file {path.name}: the stream ends mid-frame"
        compressed = decoder.unused_data
    return b"".join(out), None


def complete_lines(data: bytes) -> list[bytes]:
    """The non-blank lines of decompressed data that end in a newline: text after the last
    newline is a line cut off by a break (or nothing)."""
    return [line for line in data.split(b"\n")[:-1] if line.strip()]


def read_lines(path: Path) -> Salvaged:
    """The file's lines; for a broken file, only those complete before the break."""
    data, broken = decompress(path)
    return Salvaged(complete_lines(data), broken)


def rewrite_lines(lake: Lake, relative: str, change: Callable[[bytes], bytes | None]) -> int:
    """Republish a lines file with each line passed through `change` (its new text, or None
    to drop it); returns how many lines changed or went. A file left with no line is removed,
    one left as it was is not rewritten. Erasure and retention use this: it is the one way a
    raw file is altered after it was received. The caller holds the writers' lock."""
    path = lake.path(relative)
    if not path.is_file():
        return 0
    lines = read_lines(path).lines
    kept: list[bytes] = []
    altered = 0
    for line in lines:
        new = change(line)
        altered += new != line
        if new is not None:
            kept.append(new)
    if not altered:
        return 0
    if not kept:
        path.unlink()
        return len(lines)
    with open_lines(lake, relative) as writer:
        for line in kept:
            writer.write(line)
    return altered

"""Recordings: valid MP3 of silence whose length, as MP3 readers compute it, is exactly the
call's `call_duration_secs`.

MPEG-2 Layer III, 16 kHz mono at 16 kbit/s: 72-byte frames of 576 samples. The first frame
carries a Xing "Info" header with a LAME tag whose encoder delay and padding trim the frames
to exactly `seconds * 16000` samples, which is how mutagen (and players) compute the length.
The body is one pre-built silent frame repeated, so a recording costs no encoding.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator

SAMPLE_RATE = 16_000
SAMPLES_PER_FRAME = 576
FRAME_BYTES = 72
ENCODER_DELAY = 576 + 529
_HEADER = bytes((0xFF, 0xF3, 0x28, 0xC0))  # MPEG-2, layer III, no CRC, 16 kbit/s, 16 kHz, mono
_SIDE_INFO_BYTES = 9
_SILENT_FRAME = _HEADER + bytes(FRAME_BYTES - len(_HEADER))
_CHUNK_FRAMES = 900  # 64.8 kB per streamed chunk


def _frames(seconds: int) -> tuple[int, int]:
    """Audio frames needed for `seconds`, and the padding samples at the end."""
    samples = seconds * SAMPLE_RATE + ENCODER_DELAY
    frames = -(-samples // SAMPLES_PER_FRAME)
    return frames, frames * SAMPLES_PER_FRAME - samples


def _info_frame(frames: int, padding: int) -> bytes:
    """The leading frame: Xing "Info" header (frames, bytes) and a LAME tag (delay, padding)."""
    total_bytes = (frames + 1) * FRAME_BYTES
    xing = b"Info" + struct.pack(">III", 0x3, frames, total_bytes)
    delay_padding = ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
    lame = (
        b"LAME3.100"
        + bytes((0x01, 0x00))  # tag revision 0, CBR; no lowpass
        + bytes(4 + 2 + 2)  # peak, track gain, album gain
        + bytes((0x00, 16))  # flags and ATH; bitrate
        + delay_padding
        + bytes(1 + 1 + 2)  # misc, mp3 gain, preset
        + struct.pack(">I", total_bytes)
        + bytes(2 + 2)  # music CRC, tag CRC
    )
    frame = _HEADER + bytes(_SIDE_INFO_BYTES) + xing + lame
    return frame + bytes(FRAME_BYTES - len(frame))


def mp3_length(seconds: int) -> int:
    """Size in bytes of the recording of a `seconds`-long call."""
    frames, _ = _frames(seconds)
    return (frames + 1) * FRAME_BYTES


async def mp3_chunks(seconds: int) -> AsyncIterator[bytes]:
    """The recording, in chunks of about 64 kB."""
    frames, padding = _frames(seconds)
    yield _info_frame(frames, padding)
    chunk = _SILENT_FRAME * _CHUNK_FRAMES
    full, rest = divmod(frames, _CHUNK_FRAMES)
    for _ in range(full):
        yield chunk
    if rest:
        yield _SILENT_FRAME * rest

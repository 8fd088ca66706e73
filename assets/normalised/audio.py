"""The day's recordings: which conversations have an MP3, and how long each one plays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

import polars as pl
from mutagen import MutagenError
from mutagen.mp3 import MPEGInfo

from assets.normalised.workers import started
from pipelines.lake import Lake, date_partition

RECORDINGS = pl.Schema(
    {"conversation_id": pl.String(), "audio_path": pl.String(), "audio_duration_secs": pl.Float64()}
)


def mp3_seconds(paths: list[Path]) -> list[float | None]:
    """Play length of each MP3 from its headers (Xing/VBRI frame count, else bitrate); None for
    a file mutagen cannot read."""
    return [_seconds(path) for path in paths]


def _seconds(path: Path) -> float | None:
    try:
        with path.open("rb") as handle:
            return float(MPEGInfo(handle).length)
    except (MutagenError, OSError):
        return None


def recordings(lake: Lake, day: dt.date, pool: Executor) -> Callable[[], pl.DataFrame]:
    """Start reading the headers of every `audio/date=D/<conversation_id>.mp3`; the returned
    callable gives one row per file, with its lake path and length."""
    directory = date_partition("audio", day)
    paths = lake.glob(directory, "*.mp3")
    lengths = started(pool, mp3_seconds, paths)

    def frame() -> pl.DataFrame:
        return pl.DataFrame(
            {
                "conversation_id": [p.stem for p in paths],
                "audio_path": [f"{directory}/{p.name}" for p in paths],
                "audio_duration_secs": lengths(),
            },
            schema=RECORDINGS,
        )

    return frame

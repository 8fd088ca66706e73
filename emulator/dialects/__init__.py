"""The two API dialects the emulator speaks: the real API's (`elevenlabs`) and the seed spec's."""

from __future__ import annotations

from emulator.config import Dialect as DialectName
from emulator.dialects.base import Dialect
from emulator.dialects.elevenlabs import ElevenLabsDialect
from emulator.dialects.seed import SeedDialect


def dialect_for(name: DialectName) -> Dialect:
    return ElevenLabsDialect() if name == "elevenlabs" else SeedDialect()

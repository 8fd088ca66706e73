"""Deterministic randomness: every draw is keyed by the seed and the thing being generated.

Keying each draw by (seed, kind, identity) instead of sharing one generator makes any agent,
day or conversation reproducible on its own, whatever else was generated before it.
"""

from __future__ import annotations

import hashlib
import random

_SEPARATOR = "\x1f"


def digest(*parts: object) -> bytes:
    """A 16-byte hash of the parts (their `str`), stable across processes and runs."""
    text = _SEPARATOR.join(str(part) for part in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def key64(*parts: object) -> int:
    """A non-zero 64-bit integer key for the parts."""
    return int.from_bytes(digest(*parts)[:8], "big") or 1


def unit(*parts: object) -> float:
    """A uniform number in [0, 1) for the parts."""
    return int.from_bytes(digest(*parts)[:7], "big") / float(1 << 56)


def rng(*parts: object) -> random.Random:
    """A generator seeded by the parts, for drawing many values about one thing."""
    return random.Random(int.from_bytes(digest(*parts), "big"))

"""Identifier formats seen in real payloads, plus hostile ones for path-safety tests.

New resources get ULID-like ids behind a prefix (`conv_01k05y...`, 26 lowercase Crockford
characters whose first 10 encode the creation time in milliseconds); older ones have 20-character
alphanumeric ids. Hostile ids are what a careless client would turn into a path outside its
directory or an unusable file name.
"""

from __future__ import annotations

import random
import string

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_LEGACY_ALPHABET = string.ascii_letters + string.digits
_HOSTILE_TEMPLATES = (
    "../../etc/passwd{token}",
    "a/b{token}",
    "/abs{token}",
    "x\x00y{token}",
    "..\\..\\windows{token}",
    "q?x=1#frag{token}",
    "{token}" + "L" * 300,
)


def _crockford(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, index = divmod(value, 32)
        chars.append(_CROCKFORD[index])
    return "".join(reversed(chars))


def ulid(prefix: str, time_ms: int, rnd: random.Random) -> str:
    """`prefix_` + a ULID: 10 characters of time, 16 of randomness."""
    return f"{prefix}_{_crockford(time_ms, 10)}{_crockford(rnd.getrandbits(80), 16)}"


def legacy_id(rnd: random.Random) -> str:
    """A 20-character alphanumeric id, as older resources have."""
    return "".join(rnd.choice(_LEGACY_ALPHABET) for _ in range(20))


def hostile_id(rnd: random.Random) -> str:
    """A unique id that is unsafe as a path segment or file name."""
    token = _crockford(rnd.getrandbits(40), 8)
    return rnd.choice(_HOSTILE_TEMPLATES).format(token=token)

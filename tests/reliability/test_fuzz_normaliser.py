"""Property-based fuzzing of the normaliser: a day's raw part holds good details mixed with
hostile ones (wrong types, missing keys, huge strings, deep nesting, invalid UTF-8, NaN and
Infinity, non-objects, cut JSON, repeated ids). Whatever the mix:

- the partition never crashes (`publish_day` returns and writes every table);
- every good detail is in `conversations`, exactly once;
- every line is accounted for: in `conversations`, or in quarantine with its reason and place
  (lines that cannot be a conversation, such as cut JSON or a missing id, always quarantine;
  an id sent as a number, list or object is today kept under its JSON text);
- a repeated id keeps its last line, and nothing good is quarantined.
"""

from __future__ import annotations

import copy
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.normalised.partition import publish_day
from assets.normalised.publish import quarantine_path, table_path
from pipelines.lake import Lake, date_partition
from tests.normalised.conftest import DAY
from tests.normalised.raw_lake import sample, write_raw_lines

PART = f"{date_partition('raw/conversations', DAY)}/part-00000001.ndjson.zst"
BASE: dict[str, Any] = sample("conversation_detail.json")

# Where a wrong type can be put: (path, kind of value the field holds).
FIELDS = [
    ("status", "str"),
    ("agent_id", "str"),
    ("has_audio", "bool"),
    ("transcript", "list"),
    ("transcript.0", "obj"),
    ("transcript.0.role", "str"),
    ("transcript.0.message", "str"),
    ("transcript.0.time_in_call_secs", "num"),
    ("transcript.0.interrupted", "bool"),
    ("metadata", "obj"),
    ("metadata.start_time_unix_secs", "num"),
    ("metadata.call_duration_secs", "num"),
    ("metadata.cost", "num"),
    ("metadata.cost_fiat", "num"),
    ("analysis", "obj"),
]
WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@dataclass(frozen=True)
class Record:
    """One raw line, the id it is meant to carry, and whether it must be quarantined."""

    kind: str
    line: bytes
    conversation_id: str | None
    must_quarantine: bool
    good: bool = False


def detail(conversation_id: str) -> dict[str, Any]:
    body = copy.deepcopy(BASE)
    body["conversation_id"] = conversation_id
    return body


def encoded(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def set_path(body: dict[str, Any], path: str, value: object) -> bool:
    """Put `value` at a dotted path (list indices as numbers); False when the path is gone."""
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.get(part)
        if not isinstance(node, dict | list):
            return False
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return True


def nested(depth: int) -> object:
    value: object = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"deeper": value}
    return value


@st.composite
def hostile(draw: st.DrawFn, number: int) -> Record:
    """A detail spoiled in one of the ways real payloads (and broken disks) are."""
    cid = f"conv_bad_{number}"
    body = detail(cid)
    kind = draw(
        st.sampled_from(
            [
                "wrong_type",
                "missing_key",
                "missing_id",
                "empty_id",
                "id_not_a_string",
                "huge_string",
                "deep_nesting",
                "invalid_utf8",
                "nan_infinity",
                "not_an_object",
                "cut_json",
            ]
        )
    )
    if kind == "wrong_type":
        path, _ = draw(st.sampled_from(FIELDS))
        set_path(body, path, draw(WRONG_VALUES))
        return Record(kind, encoded(body), cid, must_quarantine=False)
    if kind == "missing_key":
        path, _ = draw(st.sampled_from([f for f in FIELDS if "." not in f[0]]))
        body.pop(path, None)
        return Record(kind, encoded(body), cid, must_quarantine=False)
    if kind in ("missing_id", "empty_id"):
        if kind == "missing_id":
            del body["conversation_id"]
        else:
            body["conversation_id"] = ""
        return Record(kind, encoded(body), None, must_quarantine=True)
    if kind == "id_not_a_string":
        # Kept under its JSON text as the id (`5` -> "5") or quarantined; never lost.
        body["conversation_id"] = draw(WRONG_VALUES.filter(lambda v: v not in (None, "")))
        return Record(kind, encoded(body), None, must_quarantine=False)
    if kind == "huge_string":
        field = draw(st.sampled_from(["transcript.0.message", "agent_name", "status"]))
        size = draw(st.integers(min_value=100_000, max_value=500_000))
        set_path(body, field, draw(st.sampled_from("xé✓")) * size)
        return Record(kind, encoded(body), cid, must_quarantine=False)
    if kind == "deep_nesting":
        depth = draw(st.integers(min_value=50, max_value=2_000))
        field = draw(st.sampled_from(["analysis", "metadata.feedback", "transcript.0.llm_usage"]))
        set_path(body, field, nested(depth))
        return Record(kind, encoded(body), cid, must_quarantine=False)
    if kind == "invalid_utf8":
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80"]))
        line = encoded(body).replace(b'"status": "', b'"status": "' + junk, 1)
        return Record(kind, line, cid, must_quarantine=False)
    if kind == "nan_infinity":
        token = draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity"]))
        name = draw(st.sampled_from([b"call_duration_secs", b"cost_fiat", b"time_in_call_secs"]))
        line = encoded(body)
        start = line.index(b'"' + name + b'": ') + len(name) + 4
        end = min(i for i in (line.find(b",", start), line.find(b"}", start)) if i != -1)
        return Record(kind, line[:start] + token + line[end:], cid, must_quarantine=False)
    if kind == "not_an_object":
        value = draw(st.one_of(WRONG_VALUES.filter(lambda v: not isinstance(v, dict))))
        return Record(kind, encoded(value), None, must_quarantine=True)
    line = encoded(body)  # cut_json
    cut = draw(st.integers(min_value=1, max_value=len(line) - 1))
    return Record(kind, line[:cut], None, must_quarantine=True)


@st.composite
def raw_parts(draw: st.DrawFn) -> list[Record]:
    """Good and hostile details in any order, some good ones sent twice (the last wins)."""
    goods = draw(st.integers(min_value=0, max_value=4))
    records = [
        Record("good", encoded(detail(f"conv_good_{n}")), f"conv_good_{n}", False, good=True)
        for n in range(goods)
    ]
    records += [draw(hostile(n)) for n in range(draw(st.integers(min_value=1, max_value=6)))]
    records = draw(st.permutations(records))
    if goods and draw(st.booleans()):  # an earlier fetch of a good conversation, sent again
        again = draw(st.sampled_from([r for r in records if r.good]))
        stale = detail(again.conversation_id or "")
        stale["status"] = "in-progress"
        records.insert(0, Record("stale_repeat", encoded(stale), again.conversation_id, False))
    return list(records)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(records=raw_parts())
def test_the_normaliser_survives_any_mix_and_accounts_for_every_line(
    records: list[Record],
) -> None:
    with tempfile.TemporaryDirectory() as root:
        lake = Lake(Path(root))
        write_raw_lines(lake, PART, [r.line for r in records])
        publish_day(lake, DAY)  # never raises, whatever the lines hold

        conversations = pl.read_parquet(lake.path(table_path("conversations", DAY)))
        ids = conversations["conversation_id"].to_list()
        quarantine_file = lake.path(quarantine_path("conversations", DAY))
        quarantine = pl.read_parquet(quarantine_file) if quarantine_file.exists() else None
        quarantined_lines = (
            {} if quarantine is None else dict(quarantine.select("raw_line", "reason").iter_rows())
        )

    assert len(ids) == len(set(ids)), "a conversation appears twice"
    named = {r.conversation_id for r in records if r.conversation_id is not None}
    if quarantine is not None:
        assert quarantine["raw_path"].to_list() == [PART] * quarantine.height
        assert all(reason.strip() for reason in quarantine["reason"].to_list())
    for number, record in enumerate(records, start=1):
        where = (record.kind, number, record.line[:200])
        if record.good:
            assert record.conversation_id in ids, where
            assert number not in quarantined_lines, (where, quarantined_lines.get(number))
        elif record.kind == "stale_repeat":
            assert record.conversation_id in ids, where  # a later line of it won
        elif record.must_quarantine:
            assert number in quarantined_lines, where
        elif record.conversation_id is None:  # kept under an id read from its text
            assert number in quarantined_lines or set(ids) - named, where
        else:
            assert record.conversation_id in ids or number in quarantined_lines, where
    odd_ids = [r for r in records if r.kind == "id_not_a_string"]
    assert len(set(ids) - named) <= len(odd_ids), set(ids) - named
    stale = [r for r in records if r.kind == "stale_repeat"]
    if stale:
        status = dict(conversations.select("conversation_id", "status").iter_rows())
        assert status[stale[0].conversation_id] == BASE["status"]

"""The catalogue tables from the latest complete snapshot, in both dialects."""

from __future__ import annotations

import datetime as dt

import polars as pl

from assets.normalised.catalogue import publish_catalogue
from assets.normalised.publish import quarantine_path, table_path
from pipelines.lake import Lake
from tests.normalised.raw_lake import (
    as_received,
    sample,
    write_raw_lines,
    write_sample_agents,
    write_snapshot,
)


def _read(lake: Lake, name: str) -> pl.DataFrame:
    return pl.read_parquet(lake.path(table_path(name, None)))


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def test_real_agents_from_pages_and_details(lake: Lake) -> None:
    write_sample_agents(lake, "20250714T020000Z")
    published = publish_catalogue(lake)
    assert [(p.name, p.rows, p.snapshot) for p in published] == [
        ("agents", 2, "20250714T020000Z"),
        ("tools", 0, None),
        ("knowledge_base_documents", 0, None),
    ]
    rows = {r["agent_id"]: r for r in _read(lake, "agents").to_dicts()}
    assert rows["agent_01jz3m8q7hf2v9k4x5n6p8r0tw"] == {
        "agent_id": "agent_01jz3m8q7hf2v9k4x5n6p8r0tw",
        "name": "Acme Support (EN)",
        "created_at": _utc(1751289600),
        "updated_at": _utc(1752415200),
        "language": "en",
        "llm": "gemini-2.0-flash",
        "voice_id": "21m00Tcm4TlvDq8ikWAM",
        "tags": ["support", "en"],
        "archived": False,
        "tool_ids": ["tool_01jz3n0c4v5b6n7m8k9j0h1g2f"],
        "knowledge_base_ids": ["kbdoc_01jz3r4s5t6u7v8w9x0y1z2a3b"],
        "evaluation_criteria": 2,
        "data_collection_items": 3,
        "last_call_time": _utc(1752502211),
    }
    assert rows["agent_01jyq0w1x2y3z4a5b6c7d8e9f0"] == {
        "agent_id": "agent_01jyq0w1x2y3z4a5b6c7d8e9f0",
        "name": "Appointment Reminder",
        "created_at": _utc(1750150000),
        "updated_at": _utc(1750150000),
        "language": None,
        "llm": None,
        "voice_id": "EXAVITQu4vr4xnSDxMaL",
        "tags": [],
        "archived": False,
        "tool_ids": None,
        "knowledge_base_ids": None,
        "evaluation_criteria": None,
        "data_collection_items": None,
        "last_call_time": None,
    }


def test_latest_complete_snapshot_wins(lake: Lake) -> None:
    old = {"agents": [{"agent_id": "old", "name": "Old"}], "has_more": False}
    new = {"agents": [{"agent_id": "new", "name": "New"}], "has_more": False}
    unfinished = {"agents": [{"agent_id": "partial", "name": "Partial"}], "has_more": False}
    write_snapshot(lake, "agents", "20250713T020000Z", {"pages.ndjson.zst": [old]}, complete=True)
    write_snapshot(lake, "agents", "20250714T020000Z", {"pages.ndjson.zst": [new]}, complete=True)
    write_snapshot(
        lake, "agents", "20250715T020000Z", {"pages.ndjson.zst": [unfinished]}, complete=False
    )
    publish_catalogue(lake)
    assert _read(lake, "agents")["agent_id"].to_list() == ["new"]


def test_seed_catalogue(lake: Lake) -> None:
    agent = {
        "agent_id": "agent_seed",
        "name": "Seed Agent",
        "created_at": "2025-01-02T03:04:05Z",
        "conversation_config": {
            "agent": {"prompt": {"prompt": "Be nice."}, "language": "en"},
            "tts": {"voice_id": "voice_1"},
            "llm": {"model_id": "gpt-4o", "temperature": 0.2},
        },
        "metadata": {"team": "support"},
    }
    stamp = "20250714T020000Z"
    write_snapshot(
        lake,
        "agents",
        stamp,
        {
            "pages.ndjson.zst": [
                {"agents": [{k: agent[k] for k in ("agent_id", "name", "created_at")}]}
            ],
            "details.ndjson.zst": [agent],
        },
        complete=True,
    )
    tool = {
        "tool_id": "tool_seed",
        "name": "lookup_order",
        "type": "webhook",
        "description": "Looks an order up.",
        "webhook_url": "https://api.example/orders",
        "parameters": {"type": "object"},
        "created_at": "2025-02-01T00:00:00+00:00",
    }
    write_snapshot(lake, "tools", stamp, {"pages.ndjson.zst": [{"tools": [tool]}]}, complete=True)
    document = {
        "document_id": "doc_seed",
        "name": "Returns",
        "type": "url",
        "created_at": "2025-03-01T00:00:00Z",
    }
    write_snapshot(
        lake,
        "knowledge_base",
        stamp,
        {
            "pages.ndjson.zst": [{"documents": [document]}],
            "dependent_agents.ndjson.zst": [
                {
                    "document_id": "doc_seed",
                    "body": {"agents": [{"agent_id": "agent_seed", "name": "Seed Agent"}]},
                }
            ],
        },
        complete=True,
    )
    publish_catalogue(lake)
    agents = _read(lake, "agents").row(0, named=True)
    assert (agents["created_at"], agents["llm"], agents["voice_id"], agents["language"]) == (
        dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "gpt-4o",
        "voice_1",
        "en",
    )
    assert _read(lake, "tools").to_dicts() == [
        {
            "tool_id": "tool_seed",
            "name": "lookup_order",
            "tool_type": "webhook",
            "description": "Looks an order up.",
            "webhook_url": "https://api.example/orders",
            "created_at": dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
            "total_calls": None,
            "avg_latency_secs": None,
        }
    ]
    documents = _read(lake, "knowledge_base_documents").row(0, named=True)
    assert (
        documents["document_id"],
        documents["document_type"],
        documents["dependent_agent_ids"],
    ) == (
        "doc_seed",
        "url",
        ["agent_seed"],
    )


def test_real_tools_and_documents(lake: Lake) -> None:
    stamp = "20250714T020000Z"
    tool = {
        "id": "tool_01jz3n0c4v5b6n7m8k9j0h1g2f",
        "tool_config": {
            "type": "webhook",
            "name": "lookup_order",
            "description": "Order status",
            "api_schema": {"url": "https://api.acme.example/orders/{order_id}", "method": "GET"},
        },
        "access_info": {
            "is_creator": True,
            "creator_name": "Jane",
            "creator_email": "j@x",
            "role": "admin",
        },
        "usage_stats": {"total_calls": 1234, "avg_latency_secs": 0.41},
    }
    write_snapshot(
        lake,
        "tools",
        stamp,
        {"pages.ndjson.zst": [{"tools": [tool], "has_more": False}]},
        complete=True,
    )
    document = {
        "id": "kbdoc_01jz3r4s5t6u7v8w9x0y1z2a3b",
        "name": "Acme returns policy.pdf",
        "type": "file",
        "metadata": {
            "created_at_unix_secs": 1751289600,
            "last_updated_at_unix_secs": 1752415200,
            "size_bytes": 52311,
        },
        "supported_usages": ["auto"],
        "dependent_agents": [
            {
                "type": "available",
                "id": "agent_01jz3m8q7hf2v9k4x5n6p8r0tw",
                "name": "Acme",
                "created_at_unix_secs": 1,
                "access_level": "admin",
            },
            {"type": "unknown", "id": "agent_hidden"},
        ],
    }
    write_snapshot(
        lake,
        "knowledge_base",
        stamp,
        {"pages.ndjson.zst": [{"documents": [document], "has_more": False}]},
        complete=True,
    )
    publish_catalogue(lake)
    tools = _read(lake, "tools").row(0, named=True)
    assert (tools["tool_id"], tools["name"], tools["tool_type"], tools["webhook_url"]) == (
        "tool_01jz3n0c4v5b6n7m8k9j0h1g2f",
        "lookup_order",
        "webhook",
        "https://api.acme.example/orders/{order_id}",
    )
    assert (tools["total_calls"], tools["avg_latency_secs"], tools["created_at"]) == (
        1234,
        0.41,
        None,
    )
    documents = _read(lake, "knowledge_base_documents").row(0, named=True)
    assert documents == {
        "document_id": "kbdoc_01jz3r4s5t6u7v8w9x0y1z2a3b",
        "name": "Acme returns policy.pdf",
        "document_type": "file",
        "url": None,
        "created_at": _utc(1751289600),
        "updated_at": _utc(1752415200),
        "size_bytes": 52311,
        "dependent_agent_ids": ["agent_01jz3m8q7hf2v9k4x5n6p8r0tw", "agent_hidden"],
    }


def test_unreadable_catalogue_records_are_quarantined(lake: Lake) -> None:
    stamp = "20250714T020000Z"
    write_snapshot(lake, "agents", stamp, {}, complete=True)
    page = sample("agents_list_page.json")
    page["agents"][1]["created_at_unix_secs"] = "yesterday"
    write_raw_lines(
        lake, f"raw/agents/snapshot={stamp}/pages.ndjson.zst", [as_received(page), b"{oops"]
    )
    published = publish_catalogue(lake)
    assert (published[0].rows, published[0].quarantined) == (1, 2)
    quarantine = pl.read_parquet(lake.path(quarantine_path("agents", None)))
    assert quarantine.select("raw_line", "raw_item", "conversation_id").rows() == [
        (1, 1, None),
        (2, None, None),
    ]
    assert (
        quarantine["reason"][0] == 'created_at_unix_secs: expected a number, got string "yesterday"'
    )
    assert quarantine["start_date"].to_list() == [None, None]

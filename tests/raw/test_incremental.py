"""Reruns fetch only what changed; upstream deletions are reported; broken files repaired."""

from __future__ import annotations

from typing import Any

import httpx

from assets.raw.stored import numbered_file, stored_details
from tests.raw.conftest import KEY, YESTERDAY, config, metadata

DETAIL_ROUTES = ("conversations.get", "conversations.audio")


def _detail_requests(run: Any) -> int:
    return sum(run.route(name) for name in DETAIL_ROUTES)


def test_a_rerun_of_an_unchanged_day_makes_list_requests_only(raw_run: Any) -> None:
    run = raw_run(config())
    assert run.day().success
    before = (_detail_requests(run), run.route("conversations.list"))
    rerun = run.day()
    assert rerun.success
    assert _detail_requests(run) == before[0]
    assert run.route("conversations.list") == before[1] + 1
    assert metadata(rerun, "conversations")["fetched"] == 0
    assert metadata(rerun, "conversations")["skipped_final"] == 60
    assert len(run.lake.glob(f"raw/conversations/date={YESTERDAY}", "part-*")) == 1


def test_a_rerun_fetches_the_conversations_that_were_not_final(raw_run: Any) -> None:
    run = raw_run(config(pending_per_agent=3, finalise_after_secs=None))
    assert run.day().success
    pending = {i for i, d in stored_details(run.lake, YESTERDAY).latest.items() if not d.is_final}
    assert len(pending) == 2 * 3
    details_before = run.route("conversations.get")

    assert run.day().success  # still pending upstream: fetched again, still not final
    assert run.route("conversations.get") == details_before + len(pending)

    run.emulator.advance()
    rerun = run.day()
    assert rerun.success
    assert metadata(rerun, "conversations")["fetched"] == len(pending)
    latest = stored_details(run.lake, YESTERDAY).latest
    assert all(latest[i].is_final for i in pending)
    assert len(latest) == 60  # nothing doubled: later parts win


def test_conversations_deleted_upstream_are_reported_and_kept(raw_run: Any) -> None:
    run = raw_run(config())
    assert run.day().success
    gone = sorted(stored_details(run.lake, YESTERDAY).latest)[:2]
    for conversation_id in gone:
        response = httpx.delete(
            f"{run.emulator.base_url}/v1/convai/conversations/{conversation_id}",
            headers={"xi-api-key": KEY},
        )
        assert response.status_code == 200
    rerun = run.day()
    assert rerun.success
    found = metadata(rerun, "conversations")
    assert found["deleted_upstream"] == 2
    assert found["deleted_upstream_ids"] == gone
    assert set(gone) <= set(stored_details(run.lake, YESTERDAY).latest)


def test_a_truncated_part_is_repaired_and_its_lost_conversations_fetched_again(
    raw_run: Any,
) -> None:
    run = raw_run(config())
    assert run.day().success
    part = run.lake.path(numbered_file(YESTERDAY, "part", 1))
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    details_before = run.route("conversations.get")

    rerun = run.day()
    assert rerun.success
    assert metadata(rerun, "conversations")["files_repaired"] == 1
    refetched = run.route("conversations.get") - details_before
    assert 0 < refetched < 60
    latest = stored_details(run.lake, YESTERDAY).latest
    assert len(latest) == 60
    assert all(d.is_final for d in latest.values())

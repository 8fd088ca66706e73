"""The nightly schedule: which days a tick covers, as run requests of the daily job."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.schedules import nightly_days, nightly_schedule
from pipelines.settings import load_settings


def test_a_tick_covers_yesterday_and_the_lookback() -> None:
    tick = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    assert nightly_days(tick, 2) == [dt.date(2026, 3, 7), dt.date(2026, 3, 8), dt.date(2026, 3, 9)]
    assert nightly_days(tick, 0) == [dt.date(2026, 3, 9)]


def test_days_are_utc_whatever_the_tick_zone() -> None:
    late_in_new_york = dt.datetime(2026, 3, 9, 22, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert nightly_days(late_in_new_york, 0) == [dt.date(2026, 3, 9)]


def test_the_schedule_requests_one_daily_run_per_day() -> None:
    settings = load_settings({"CONVAI_LOOKBACK_DAYS": "3", "CONVAI_SCHEDULE_CRON": "30 4 * * *"})
    schedule = nightly_schedule(settings)
    repository = build_definitions(settings).get_repository_def()
    assert schedule.cron_schedule == "30 4 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "daily"
    tick = dt.datetime(2026, 3, 10, 4, 30, tzinfo=dt.UTC)
    with dg.build_schedule_context(
        scheduled_execution_time=tick, repository_def=repository
    ) as context:
        requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert [r.partition_key for r in requests] == [
        "2026-03-06",
        "2026-03-07",
        "2026-03-08",
        "2026-03-09",
    ]
    assert len({r.run_key for r in requests}) == 4


def test_the_default_schedule_is_nightly_at_two_utc() -> None:
    schedule = nightly_schedule(load_settings({}))
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING

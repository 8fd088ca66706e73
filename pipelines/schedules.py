"""The nightly schedule: yesterday, plus `CONVAI_LOOKBACK_DAYS` earlier days whose
conversations may not have been final at the last run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import dagster as dg

from pipelines.jobs import daily_job
from pipelines.partitions import daily_partitions
from pipelines.settings import Settings


def nightly_days(tick: dt.datetime, lookback_days: int) -> list[dt.date]:
    """The days a run at `tick` covers, oldest first: yesterday (UTC) and the lookback."""
    yesterday = tick.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    return [yesterday - dt.timedelta(days=n) for n in range(lookback_days, -1, -1)]


def nightly_schedule(settings: Settings) -> dg.ScheduleDefinition:
    """One run of the `daily` job per day, at `CONVAI_SCHEDULE_CRON` in UTC (02:00)."""

    @dg.schedule(
        name="nightly",
        job=daily_job,
        cron_schedule=settings.schedule_cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Yesterday and the {settings.lookback_days} days before it, one run each.",
    )
    def nightly(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest]:
        tick = context.scheduled_execution_time
        existing = set(daily_partitions.get_partition_keys())
        for day in nightly_days(tick, settings.lookback_days):
            if day.isoformat() in existing:
                yield dg.RunRequest(
                    run_key=f"nightly-{tick:%Y%m%d}-{day}", partition_key=day.isoformat()
                )

    return nightly

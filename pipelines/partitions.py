"""Daily partitions keyed by the conversation's start date in UTC."""

from __future__ import annotations

import os

import dagster as dg

# The earliest day a backfill may ask for; set CONVAI_START_DATE for older accounts.
START_DATE = os.environ.get("CONVAI_START_DATE", "").strip() or "2024-01-01"

# The newest partition is yesterday: a day is complete once it is over in UTC.
daily_partitions = dg.DailyPartitionsDefinition(start_date=START_DATE, timezone="UTC")

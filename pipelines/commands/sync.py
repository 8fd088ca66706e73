"""`convai-lake sync [--start DATE] [--end DATE]`: raw -> normalised -> warehouse for each
day of an inclusive range (default: yesterday and the lookback window).

Exit codes: 0 when every day and the warehouse succeeded; 1 when any failed (after finishing
the others) or the API cannot be used; 2 for bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from pipelines.instance import local_instance
from pipelines.lake import Lake, LakeLockedError
from pipelines.partitions import START_DATE
from pipelines.settings import Settings, SettingsError, load_settings
from pipelines.sync import DaySummary, Runner, StepOutcome, days_between, preflight


def iso_date(text: str) -> dt.date:
    """An argparse type: a calendar date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="fetch, normalise and load a range of days",
        description="Materialise raw -> normalised -> warehouse for each day (UTC) from "
        "--start to --end inclusive, against ELEVENLABS_BASE_URL.",
    )
    parser.add_argument("--start", type=iso_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    parser.add_argument(
        "--end", type=iso_date, metavar="DATE", help="last day (default: yesterday)"
    )
    parser.set_defaults(handler=run, parser=parser)


def requested_days(
    settings: Settings, start: dt.date | None, end: dt.date | None, today: dt.date
) -> list[dt.date]:
    """The days to sync; raises ValueError with a one-line reason for an impossible range."""
    yesterday = today - dt.timedelta(days=1)
    end = end or yesterday
    start = start or min(end, yesterday - dt.timedelta(days=settings.lookback_days))
    first = dt.date.fromisoformat(START_DATE)
    if end > yesterday:
        raise ValueError(
            f"--end {end} is not over yet in UTC: the last complete day is {yesterday}"
        )
    if start > end:
        raise ValueError(f"--start {start} is after --end {end}")
    if start < first:
        raise ValueError(f"--start {start} is before {first} (set CONVAI_START_DATE to go back)")
    return days_between(start, end)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        days = requested_days(settings, args.start, args.end, dt.datetime.now(dt.UTC).date())
    except (SettingsError, ValueError) as error:
        args.parser.error(str(error))
    return sync(settings, days, Console(stderr=True), Console())


def sync(settings: Settings, days: list[dt.date], status: Console, out: Console) -> int:
    """Sync `days`, showing progress on `status` and the summary on `out`; the exit code."""
    problem = preflight(settings)
    if problem is not None:
        return print_error(status, problem)
    lake = Lake(settings.lake_dir)
    try:
        with lake.lock("sync", wait=False):
            outcomes = _run_with_progress(Runner(settings, local_instance(settings)), days, status)
    except LakeLockedError as error:
        return print_error(status, str(error))
    out.print(summary_table(outcomes))
    failures = [o for o in outcomes if not _succeeded(o)]
    for failure in failures:
        outcome = failure.outcome if isinstance(failure, DaySummary) else failure
        status.print(
            f"[red]failed:[/] {outcome.name}: {escape(str(outcome.error))}",
            highlight=False,
            soft_wrap=True,
        )
    if not failures:
        out.print(f"Warehouse: {settings.warehouse_location}", highlight=False)
    return 1 if failures else 0


def print_error(console: Console, message: str) -> int:
    """Print a one-line error (never wrapped: scripts grep it) and return exit code 1."""
    console.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return 1


def _succeeded(item: StepOutcome | DaySummary) -> bool:
    return (item.outcome if isinstance(item, DaySummary) else item).succeeded


def _run_with_progress(
    runner: Runner, days: list[dt.date], console: Console
) -> list[StepOutcome | DaySummary]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    outcomes: list[StepOutcome | DaySummary] = []
    fetched, seconds = 0, 0.0
    steps = runner.steps(days)
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(steps[0], total=len(steps), rate="")
        for item in runner.sync(days):
            outcomes.append(item)
            if isinstance(item, DaySummary):
                fetched, seconds = fetched + item.fetched, seconds + item.outcome.seconds
                progress.update(task, rate=f"{fetched / seconds:,.0f} conv/s" if seconds else "")
            done = len(outcomes)
            next_step = steps[min(done, len(steps) - 1)]
            progress.update(task, advance=1, description=next_step)
    return outcomes


def summary_table(outcomes: list[StepOutcome | DaySummary]) -> Table:
    table = Table(title="convai-lake sync", title_justify="left")
    for name in ("step", "status", "listed", "fetched", "requests", "quarantined", "seconds"):
        table.add_column(
            name, justify="left" if name in ("step", "status") else "right", no_wrap=True
        )
    for item in outcomes:
        if isinstance(item, DaySummary):
            numbers = [item.listed, item.fetched, item.requests, item.quarantined]
            row = [str(item.day), *(f"{n:,}" for n in numbers)]
            outcome = item.outcome
        else:
            outcome = item
            row = [outcome.name, "", "", "", ""]
        status = "[green]ok[/]" if outcome.succeeded else "[red]failed[/]"
        table.add_row(row[0], status, *row[1:], f"{outcome.seconds:.1f}")
    return table

"""`convai-lake forget ID [ID ...]`: erase conversations from the whole lake (raw files,
recordings, Parquet, quarantine, warehouse) for erasure requests, and keep them out of later
runs. See `pipelines.forget` and docs/privacy.md.

Exit codes: 0 when done (ids found nowhere are reported, and recorded all the same); 1 when the
erasure could not finish (run it again: it is safe to repeat); 2 for bad input.
"""

from __future__ import annotations

import argparse

import duckdb
from rich.console import Console
from rich.markup import escape

from assets.raw.forgotten import FORGOTTEN_FILE
from assets.warehouse.build import WarehouseRejectedError
from pipelines.commands.sync import print_error
from pipelines.forget import ForgetReport, checked_ids, forget
from pipelines.lake import UnsafeIdError, open_lake
from pipelines.settings import SettingsError, load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "forget",
        help="erase conversations everywhere in the lake (erasure requests)",
        description="Remove each conversation from the raw files, recordings, Parquet, "
        f"quarantine and warehouse of $CONVAI_LAKE_DIR, and record its id in {FORGOTTEN_FILE} "
        "so that later syncs never fetch it again.",
    )
    parser.add_argument("ids", nargs="+", metavar="ID", help="a conversation id")
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        ids = checked_ids(args.ids)
    except (SettingsError, UnsafeIdError) as error:
        args.parser.error(str(error))
    out, status = Console(), Console(stderr=True)
    try:
        lake = open_lake(settings.lake_dir, settings.lake_store)
        lake.refresh()  # a lake in object storage: erase from an up-to-date working copy
        report = forget(lake, ids)
        lake.push_deletions()
    except (WarehouseRejectedError, duckdb.Error, OSError) as error:
        return print_error(status, f"forget did not finish ({error}); run it again")
    show(report, out)
    return 0


def show(report: ForgetReport, out: Console) -> None:
    """What was removed where, and which ids were found nowhere."""
    for line in report.removed:
        out.print(f"removed  {escape(line)}", highlight=False, soft_wrap=True)
    if report.not_found:
        shown = ", ".join(report.not_found)
        out.print(f"not found in the lake: {shown}", highlight=False, soft_wrap=True)
    recorded = len(report.newly_recorded)
    out.print(
        f"{len(report.ids)} id(s) erased; {recorded} newly recorded in {FORGOTTEN_FILE}, so "
        "later syncs will not fetch them again.",
        highlight=False,
        soft_wrap=True,
    )

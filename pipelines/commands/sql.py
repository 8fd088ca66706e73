"""`convai-lake sql "SELECT ..."`: a read-only query on the warehouse, as a table or for scripts.

Exit codes: 0 on success, 1 when there is no warehouse or the query fails, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import shutil
import sys

import duckdb

from pipelines.lake import open_lake
from pipelines.object_store import StoreAccessError
from pipelines.settings import SettingsError, load_settings

FORMATS = ("table", "csv", "json", "parquet")
DEFAULT_MAX_ROWS = 100


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sql",
        help="run a read-only query on the warehouse",
        description="Run a read-only SQL query on $CONVAI_LAKE_DIR/warehouse.duckdb.",
    )
    parser.add_argument("query", help='the SQL to run, e.g. "SELECT * FROM agent_metrics"')
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default: DuckDB's box rendering, fitted to the terminal), csv or json "
        "(to stdout), parquet (to --output)",
    )
    parser.add_argument("--output", metavar="FILE", help="where --format parquet writes")
    parser.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        metavar="N",
        help=f"most rows --format table shows, first and last (default {DEFAULT_MAX_ROWS})",
    )
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.max_rows < 1:
        args.parser.error("--max-rows must be at least 1")
    if (args.format == "parquet") != (args.output is not None):
        args.parser.error("--output FILE goes with --format parquet, and only with it")
    try:
        settings = load_settings()
    except SettingsError as error:
        args.parser.error(str(error))
    warehouse = settings.warehouse_path
    if settings.lake_store:  # the working copy of the published warehouse, brought up to date
        try:
            open_lake(settings.lake_dir, settings.lake_store).fetch(warehouse.name)
        except FileNotFoundError:
            pass
        except StoreAccessError as error:
            return _fail(f"cannot read {settings.lake_store}: {str(error).splitlines()[0]}")
    if not warehouse.is_file():
        where = f"{settings.lake_store}/{warehouse.name}" if settings.lake_store else warehouse
        return _fail(f"no warehouse at {where}: run `convai-lake sync` first")
    try:
        with contextlib.closing(duckdb.connect(str(warehouse), read_only=True)) as con:
            relation = con.sql(args.query)
            if relation is not None:
                _print(relation, args)
    except duckdb.Error as error:
        return _fail(str(error).splitlines()[0])
    return 0


def _print(relation: duckdb.DuckDBPyRelation, args: argparse.Namespace) -> None:
    if args.format == "parquet":
        relation.write_parquet(args.output)
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(relation.columns)
        writer.writerows(relation.fetchall())
    elif args.format == "json":
        sys.stdout.write(relation.pl().write_json() + "\n")
    else:
        width = shutil.get_terminal_size().columns
        relation.show(max_width=width, max_rows=args.max_rows, null_value="NULL")


def _fail(message: str) -> int:
    print(f"convai-lake sql: {message}", file=sys.stderr)
    return 1

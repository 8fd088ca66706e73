"""`convai-lake demo`: the whole product on the bundled emulator, in one command.

Starts the emulator on a free loopback port, syncs the last 7 days into the lake
(`CONVAI_LAKE_DIR`, default ./data), prints the per-agent table and says how to open the
Dagster UI, DuckDB and the notebook on the result. The emulator's data is a pure function
of its seed and the date, so a second demo reuses the lake and makes list requests only.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os

import duckdb
from rich.console import Console
from rich.table import Table

from emulator import EmulatorConfig, running_emulator
from pipelines.commands.sync import sync
from pipelines.instance import dagster_home
from pipelines.resources import API_KEY_ENV_VAR
from pipelines.settings import Secret, SettingsError, load_settings
from pipelines.sync import days_between

DEMO_KEY = "sk_convai_lake_demo"
DEMO_DAYS = 7
AGENT_QUERY = """
    SELECT agent_name, conversations, success_rate, avg_duration_secs, p95_duration_secs,
           positive, negative, total_cost_credits
    FROM agent_metrics ORDER BY agent_name
"""
# Short headers for the columns of AGENT_QUERY, so the table fits 80 columns.
AGENT_HEADERS = ("agent", "calls", "success", "avg s", "p95 s", "pos", "neg", "credits")
EXAMPLE_QUERY = "SELECT * FROM agent_daily_metrics"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="sync 7 days from the bundled emulator and show the result",
        description="Start the bundled emulator, sync the last 7 days into CONVAI_LAKE_DIR "
        "(default ./data) and print the per-agent metrics.",
    )
    parser.add_argument("--seed", type=int, default=7, help="emulator seed (default 7)")
    parser.add_argument("--agents", type=int, default=6, help="agents (default 6)")
    parser.add_argument(
        "--conversations-per-day",
        type=int,
        default=60,
        metavar="N",
        help="conversations per agent and day (default 60)",
    )
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        args.parser.error(str(error))
    status, out = Console(stderr=True), Console()
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    config = EmulatorConfig(
        seed=args.seed,
        agents=args.agents,
        conversations_per_day=args.conversations_per_day,
        days=DEMO_DAYS,
        api_key=DEMO_KEY,
        # Every conversation is final, so that a second demo has nothing left to fetch.
        pending_per_agent=0,
    )
    with running_emulator(config, processes=1) as emulator:
        status.print(f"Emulator serving on {emulator.base_url}", highlight=False)
        os.environ[API_KEY_ENV_VAR] = DEMO_KEY  # what the runs' dg.EnvVar reads
        demo = dataclasses.replace(settings, base_url=emulator.base_url, api_key=Secret(DEMO_KEY))
        days = days_between(yesterday - dt.timedelta(days=DEMO_DAYS - 1), yesterday)
        code = sync(demo, days, status, out)
    if code == 0:
        out.print(agent_table(str(demo.warehouse_path)))
        out.print(
            next_steps(demo.lake_dir.absolute(), dagster_home(demo)),
            highlight=False,
            soft_wrap=True,
        )
    return code


def agent_table(warehouse: str) -> Table:
    """The per-agent metrics, read read-only as any other reader would."""
    with contextlib.closing(duckdb.connect(warehouse, read_only=True)) as con:
        rows = con.execute(AGENT_QUERY).fetchall()
    table = Table(title="agent_metrics (final conversations, last 7 days)", title_justify="left")
    for header in AGENT_HEADERS:
        table.add_column(
            header, justify="left" if header == "agent" else "right", no_wrap=header != "agent"
        )
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    return table


def _cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def next_steps(lake: os.PathLike[str], home: os.PathLike[str]) -> str:
    return f"""
Explore the result:
  Dagster UI   DAGSTER_HOME={home} uv run dagster dev
  SQL          uv run convai-lake sql "{EXAMPLE_QUERY}"
  DuckDB       duckdb -readonly {lake}/warehouse.duckdb
  Notebook     uv run --group notebooks jupyter lab notebooks/explore.ipynb
"""

"""The SQL files of `sql/`: one query per warehouse table or build step, with its header.

Every file is a single SELECT that starts with a comment: its first line is
`-- <name>: <what one row is>`, and a `-- Key: a, b` line names the columns that are unique
together (for the loaded tables the key comes from `assets/normalised/schemas.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from assets.normalised.schemas import CATALOGUE_TABLES, PARTITIONED_TABLES, TABLES

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"

_KEY_LINE = re.compile(r"^Key: (.+)$", re.MULTILINE)
_READS = re.compile(r"\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_CTE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+AS\s+\(", re.IGNORECASE)


@dataclass(frozen=True)
class SqlFile:
    """One file of `sql/`: `header` is its leading comment without the `--` markers."""

    name: str
    header: str
    query: str

    @property
    def key(self) -> tuple[str, ...]:
        if self.name in TABLES:
            return TABLES[self.name].key
        match = _KEY_LINE.search(self.header)
        if match is None:
            raise ValueError(f"sql/{self.name}.sql has no `-- Key:` line in its header")
        return tuple(column.strip() for column in match.group(1).split(","))

    @cached_property
    def reads(self) -> frozenset[str]:
        """The tables (or build steps) named after FROM or JOIN, less the query's own CTEs."""
        return frozenset(_READS.findall(self.query)) - {"read_parquet", *_CTE.findall(self.query)}


def read_sql_file(name: str) -> SqlFile:
    """Parse `sql/<name>.sql` into its header comment and its query."""
    text = (SQL_DIR / f"{name}.sql").read_text()
    lines = text.splitlines()
    count = next(i for i, line in enumerate(lines) if not line.startswith("--"))
    header_lines = lines[:count]
    if not header_lines or not header_lines[0].startswith(f"-- {name}"):
        raise ValueError(f"sql/{name}.sql must start with `-- {name}: <what one row is>`")
    header = "\n".join(line.removeprefix("--").removeprefix(" ") for line in header_lines)
    return SqlFile(name=name, header=header, query="\n".join(lines[count:]).strip())


# Loaded from the normalised Parquet, in the order of schemas.py.
LOADED_TABLES: tuple[SqlFile, ...] = tuple(
    read_sql_file(table.name) for table in (*PARTITIONED_TABLES, *CATALOGUE_TABLES)
)
# Temporary tables shared by several derived tables; dropped with the build's connection.
BUILD_STEPS: tuple[SqlFile, ...] = tuple(
    read_sql_file(name) for name in ("agent_measures", "tool_call_measures")
)
# Recomputed from the loaded tables (and build steps) on every build.
DERIVED_TABLES: tuple[SqlFile, ...] = tuple(
    read_sql_file(name)
    for name in (
        "agent_daily_metrics",
        "agent_metrics",
        "agent_daily_termination_reasons",
        "agent_language_mix",
        "agent_daily_cost",
        "agent_daily_latency",
        "agent_daily_interruptions",
        "tool_metrics",
        "agent_tool_metrics",
    )
)
WAREHOUSE_TABLES: tuple[SqlFile, ...] = (*LOADED_TABLES, *DERIVED_TABLES)


def upstream_tables(sql_file: SqlFile) -> frozenset[str]:
    """The warehouse tables a derived table reads, looking through the build steps."""
    steps = {step.name: step for step in BUILD_STEPS}
    tables: set[str] = set()
    for name in sql_file.reads:
        tables |= upstream_tables(steps[name]) if name in steps else {name}
    return frozenset(tables)

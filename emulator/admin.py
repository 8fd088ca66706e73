"""Routes under `/_emulator/` for whoever runs the emulator (a test in another process, the
CLI user): health, request counts, finalising pending conversations, and the ground truth.
They need no API key and are never delayed or faulted."""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse

from emulator.http import Response, envelope, json_response
from emulator.stats import Stats
from emulator.truth import GroundTruth
from emulator.world import World

PREFIX = b"/_emulator/"


def _date(params: dict[str, list[str]], name: str, default: dt.date) -> dt.date:
    raw = params.get(name, [None])[-1]
    if raw is None:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise envelope(422, "invalid_date", f"{name} must be a date (YYYY-MM-DD)") from None


class Admin:
    def __init__(self, world: World, stats: Stats) -> None:
        self._world = world
        self._stats = stats
        self._truth = GroundTruth(world)

    def handle(self, method: str, raw_path: bytes, query: bytes) -> Response:
        name = raw_path[len(PREFIX) :].decode("latin-1")
        world = self._world
        if (method, name) == ("GET", "health"):
            config = world.config
            return json_response(
                {
                    "status": "ok",
                    "pid": os.getpid(),
                    "dialect": config.dialect,
                    "conversations": len(world.index),
                }
            )
        if (method, name) == ("GET", "stats"):
            return json_response(self._stats.snapshot())
        if (method, name) == ("POST", "advance"):
            return json_response({"finalised": world.advance()})
        if (method, name) == ("GET", "truth"):
            params = urllib.parse.parse_qs(query.decode("latin-1"))
            start = _date(params, "start", world.config.first_day)
            end = _date(params, "end", world.config.last_day)
            table = params.get("table", ["agent_daily_metrics"])[-1]
            if table == "agent_metrics":
                rows = self._truth.agent_metrics(start, end)
            elif table == "agent_daily_metrics":
                rows = self._truth.agent_daily_metrics(start, end)
            else:
                raise envelope(
                    422, "invalid_table", "table must be agent_daily_metrics or agent_metrics"
                )
            for row in rows:
                if "start_date" in row:
                    row["start_date"] = row["start_date"].isoformat()
            return json_response({"table": table, "rows": rows})
        raise envelope(404, "not_found", f"no admin route {method} /_emulator/{name}")

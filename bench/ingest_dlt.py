"""dlt's `rest_api` source loading one day of conversations (list + details) into DuckDB.

The baseline of bench/ingest.py, run by that script in a throwaway virtualenv that has
`dlt[duckdb]` (never the project's environment), so this file imports only the standard library
and dlt. The list endpoint is paged with dlt's cursor paginator; the detail endpoint is a
dependent resource resolved from each listed `conversation_id`. Extract workers and parallel
items come from the environment (`EXTRACT__WORKERS`, `EXTRACT__MAX_PARALLEL_ITEMS`), as a dlt
user would set them. Prints one JSON object: counts, phase times, CPU time and peak RSS.

    /tmp/dltenv/bin/python bench/ingest_dlt.py --help
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import dlt
from dlt.sources.helpers.requests import Client
from dlt.sources.rest_api import rest_api_source

LIST_PATH = "v1/convai/conversations"
DETAIL_PREFIX = f"/{LIST_PATH}/"


class DetailClock:
    """Wraps a requests session's `send` to time detail requests: when the first was sent,
    when the last finished, and how many there were."""

    def __init__(self, session: Any) -> None:
        self.first_sent: float | None = None
        self.last_done = 0.0
        self.count = 0
        self._lock = threading.Lock()
        self._send = session.send
        session.send = self.send

    def send(self, request: Any, **kwargs: Any) -> Any:
        detail = request.path_url.partition("?")[0].startswith(DETAIL_PREFIX)
        if detail and self.first_sent is None:
            self.first_sent = time.perf_counter()
        response = self._send(request, **kwargs)
        if detail:
            with self._lock:
                self.count += 1
                self.last_done = time.perf_counter()
        return response


def source(args: argparse.Namespace, session: Any) -> Any:
    """The rest_api source: the day's list pages, then one detail request per listed id."""
    detail: dict[str, Any] = {
        "name": "conversation_details",
        "endpoint": {
            "path": LIST_PATH + "/{resources.conversations.conversation_id}",
            "data_selector": "$",
            "paginator": "single_page",
        },
    }
    if args.parallelized:
        detail["parallelized"] = True
    config: dict[str, Any] = {
        "client": {
            "base_url": args.base_url,
            "headers": {"xi-api-key": args.api_key},
            "session": session,
        },
        "resources": [
            {
                "name": "conversations",
                "endpoint": {
                    "path": LIST_PATH,
                    "params": {
                        "call_start_after_unix": args.start,
                        "call_start_before_unix": args.end,
                        "page_size": 100,
                    },
                    "data_selector": "conversations",
                    "paginator": {
                        "type": "cursor",
                        "cursor_path": "next_cursor",
                        "cursor_param": "cursor",
                    },
                },
            },
            detail,
        ],
    }
    rest_source = rest_api_source(config)
    if args.max_pages:
        rest_source.resources["conversations"].add_limit(args.max_pages)
    return rest_source


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", default="bench")
    parser.add_argument("--start", type=int, required=True, help="call_start_after_unix")
    parser.add_argument("--end", type=int, required=True, help="call_start_before_unix")
    parser.add_argument("--dir", type=Path, required=True, help="pipelines dir and DuckDB file")
    parser.add_argument("--parallelized", action="store_true", help="parallelize the details")
    parser.add_argument("--pool", type=int, help="HTTP connection pool size (dlt's default: 50)")
    parser.add_argument("--max-pages", type=int, help="stop listing after this many pages")
    parser.add_argument("--no-load", action="store_true", help="extract only")
    args = parser.parse_args()

    # What rest_api builds when given no session (a retrying requests session, 50 connections);
    # built here only to time its detail requests.
    pool = {"max_connections": args.pool} if args.pool else {}
    session = Client(raise_for_status=False, **pool).session
    clock = DetailClock(session)
    pipeline = dlt.pipeline(
        pipeline_name="conversations",
        pipelines_dir=str(args.dir / "pipelines"),
        destination=dlt.destinations.duckdb(str(args.dir / "dlt.duckdb")),
        dataset_name="raw",
    )
    cpu = time.process_time()
    started = time.perf_counter()
    pipeline.extract(source(args, session))
    extracted = time.perf_counter()
    extract_cpu = time.process_time() - cpu
    normalize = load = None
    if not args.no_load:
        pipeline.normalize()
        normalized = time.perf_counter()
        pipeline.load()
        normalize, load = normalized - extracted, time.perf_counter() - normalized
    result = {
        "dlt": metadata.version("dlt"),
        "details": clock.count,
        "extract_s": extracted - started,
        "extract_cpu_s": extract_cpu,
        "detail_s": clock.last_done - (clock.first_sent or started),
        "normalize_s": normalize,
        "load_s": load,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers": os.environ.get("EXTRACT__WORKERS"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""The emulator's command line, shared by `convai-lake emulator` and `python -m emulator`."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from emulator.config import DIALECTS, ConfigError, EmulatorConfig, FaultConfig
from emulator.server import running_emulator

DESCRIPTION = (
    "Serve an ElevenLabs-compatible Conversational AI API with deterministic synthetic "
    "conversations (and optional injected faults) until stopped with Ctrl+C."
)
# (option, FaultConfig field, type, help)
_FAULT_OPTIONS: tuple[tuple[str, str, type, str], ...] = (
    ("--latency-ms", "latency_ms", float, "fixed latency added to every API request"),
    ("--jitter-ms", "jitter_ms", float, "extra random latency, up to this much"),
    ("--rate-429", "rate_429", float, "share of attempts answered 429 with Retry-After"),
    ("--retry-after", "retry_after_secs", int, "Retry-After seconds of a 429"),
    ("--rate-5xx", "rate_5xx", float, "share of attempts answered 500, 502 or 503"),
    ("--rate-reset", "rate_reset", float, "share of attempts whose connection is reset"),
    ("--rate-truncate", "rate_truncate", float, "share of bodies cut short of Content-Length"),
    ("--rate-malformed", "rate_malformed", float, "share of bodies that are not valid JSON"),
    ("--rate-slow-body", "rate_slow_body", float, "share of bodies that trickle out"),
    ("--slow-body-secs", "slow_body_secs", float, "how long a slow body takes"),
    ("--rate-stall", "rate_stall", float, "share of attempts answered only after --stall-secs"),
    ("--stall-secs", "stall_secs", float, "how long a stalled attempt waits"),
    ("--rate-drift", "rate_drift", float, "share of conversations with schema drift"),
    ("--max-faults-per-request", "max_faults_per_request", int, "failures in a row per request"),
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _seconds_or_never(text: str) -> float | None:
    if text == "never":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds or 'never': {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = EmulatorConfig()
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: loopback)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: a free one)"
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes sharing the port")
    data = parser.add_argument_group("data")
    data.add_argument("--seed", type=int, default=defaults.seed)
    data.add_argument("--agents", type=int, default=defaults.agents)
    data.add_argument(
        "--conversations-per-day",
        type=int,
        default=defaults.conversations_per_day,
        help="per agent",
    )
    data.add_argument("--days", type=int, default=defaults.days, help="days ending yesterday (UTC)")
    data.add_argument("--today", type=_date, help="pretend today is this UTC date (YYYY-MM-DD)")
    data.add_argument("--dialect", choices=DIALECTS, default=defaults.dialect)
    data.add_argument("--api-key", help="require this xi-api-key header")
    data.add_argument(
        "--volume-jitter",
        type=float,
        default=defaults.volume_jitter,
        help="vary daily volume by up to this fraction",
    )
    data.add_argument(
        "--empty-day-rate",
        type=float,
        default=defaults.empty_day_rate,
        help="share of agent-days without conversations",
    )
    data.add_argument(
        "--hostile-id-rate",
        type=float,
        default=defaults.hostile_id_rate,
        help="share of conversation ids that are unsafe paths",
    )
    data.add_argument(
        "--pending-per-agent",
        type=int,
        default=defaults.pending_per_agent,
        help="conversations still in progress on the last day",
    )
    data.add_argument(
        "--finalise-after-secs",
        type=_seconds_or_never,
        default=defaults.finalise_after_secs,
        help="seconds after start when pending conversations turn final, or 'never'",
    )
    faults = parser.add_argument_group("faults (off by default)")
    fault_defaults = FaultConfig()
    for option, name, kind, text in _FAULT_OPTIONS:
        faults.add_argument(
            option, dest=name, type=kind, default=getattr(fault_defaults, name), help=text
        )


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    faults = FaultConfig(**{name: getattr(args, name) for _, name, _, _ in _FAULT_OPTIONS})
    return EmulatorConfig(
        seed=args.seed,
        agents=args.agents,
        conversations_per_day=args.conversations_per_day,
        days=args.days,
        today=args.today,
        dialect=args.dialect,
        api_key=args.api_key,
        faults=faults,
        volume_jitter=args.volume_jitter,
        empty_day_rate=args.empty_day_rate,
        hostile_id_rate=args.hostile_id_rate,
        pending_per_agent=args.pending_per_agent,
        finalise_after_secs=args.finalise_after_secs,
    )


def serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; prints where, and how to point the pipeline at it."""
    try:
        config = config_from_args(args).pinned()
    except ConfigError as error:
        print(f"convai-lake emulator: {error}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("convai-lake emulator: --workers must be at least 1", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    processes = args.workers if args.workers > 1 else None
    try:
        with running_emulator(
            config, processes=processes, host=args.host, port=args.port
        ) as emulator:
            url = emulator.base_url
            print(
                f"Emulating ElevenLabs ({config.dialect} dialect, seed {config.seed}): "
                f"{config.agents} agents x {config.conversations_per_day} conversations a day, "
                f"{config.first_day} to {config.last_day}, {args.workers} process(es).\n"
                f"Serving on {url} (Ctrl+C to stop). Point the pipeline at it with:\n"
                f"  export ELEVENLABS_BASE_URL={url}",
                flush=True,
            )
            if config.api_key:
                print("  export ELEVENLABS_API_KEY=<the value of --api-key>", flush=True)
            print(f"Admin: {url}/_emulator/health, /stats, /truth, POST /advance", flush=True)
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=DESCRIPTION)
    add_arguments(parser)
    return serve(parser.parse_args(argv))

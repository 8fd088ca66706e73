"""The `convai-lake` command line: one module per subcommand under `pipelines/commands/`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pipelines.lake import restrict_umask
from pipelines.settings import load_env_file

# Each module exposes `register(subparsers)`, adding its parser with `handler` set.
COMMANDS: tuple[str, ...] = ("demo", "sync", "sql", "forget", "emulator")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convai-lake",
        description="Analytics lake for ElevenLabs Conversational AI conversations.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"pipelines.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    restrict_umask()  # transcripts, recordings and run history are personal data
    load_env_file()
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())

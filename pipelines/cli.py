"""The `convai-lake` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pipelines.settings import load_env_file


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convai-lake",
        description="Analytics lake for ElevenLabs Conversational AI conversations.",
    )
    parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    load_env_file()
    args = build_parser().parse_args(argv)
    handler = args.handler
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())

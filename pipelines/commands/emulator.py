"""`convai-lake emulator`: serve the bundled ElevenLabs-compatible emulator until stopped.

A thin adapter: the options and the serving loop live in `emulator.cli`, so that
`python -m emulator` behaves the same without the pipeline installed around it.
"""

from __future__ import annotations

import argparse

from emulator.cli import DESCRIPTION, add_arguments, serve


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "emulator", help="serve the ElevenLabs-compatible emulator", description=DESCRIPTION
    )
    add_arguments(parser)
    parser.set_defaults(handler=serve)

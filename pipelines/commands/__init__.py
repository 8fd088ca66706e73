"""Subcommands of `convai-lake`, one module each with `register(subparsers)`."""

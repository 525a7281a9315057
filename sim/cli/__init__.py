"""The `parasocial` command: each subcommand lives in its own module with ``add_parser``."""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = ("run", "sweep", "plot", "viz", "validate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parasocial",
        description="Agent-based model of parasocial relationships (creators, fans, platform).")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:  # each subcommand module registers its own arguments
        importlib.import_module(f"sim.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError) as err:  # bad input or an unusable path: one line, no traceback
        print(f"parasocial {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"parasocial {args.command}: interrupted; finished work is kept", file=sys.stderr)
        return 130

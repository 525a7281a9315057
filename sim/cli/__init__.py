"""The `parasocial` command: each subcommand lives in its own module with ``add_parser``.

Only the chosen subcommand's module is asked for its arguments, and the modules import
the model, pandas or matplotlib only when they run, so ``parasocial --help`` answers
without loading them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from contextlib import contextmanager

from sim.cli.errors import Failed
from sim.stopping import retake_after_compiling

# Subcommand: the one line `parasocial --help` shows for it (the module's own help says the same).
COMMANDS = {
    "run": "run one scenario and write its time series and figure",
    "sweep": "run every condition x replicate of an experiment file and report",
    "plot": "redraw figures and summary.md from stored sweep results",
    "validate": "reproduce the published patterns over many seeds and write a report",
    "viz": "open the interactive browser app (SolaraViz)",
    "params": "list the model's parameters: unit, allowed values, default, source",
    "outcomes": "list the outcome measures recorded every day",
}
EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 2, 1, 130, 141
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(Exception):
    """SIGTERM arrived outside a sweep's own handling (e.g. while its report was written)."""


@contextmanager
def _sigterm_raises():
    """For the command's life, SIGTERM unwinds like Ctrl-C rather than killing mid-write."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum, frame):
        if not retake_after_compiling(signum):
            raise Terminated

    old = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _version() -> str:
    from sim.provenance import package_version

    return f"parasocial {package_version() or 'unknown'}"


class _VersionAction(argparse.Action):
    """--version, looked up only when asked for."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version())
        parser.exit(0)


def add_quiet(parser: argparse.ArgumentParser, default=False) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="print nothing but errors (no progress bars, tables or messages)")


def command_parser(sub, name: str, description: str) -> argparse.ArgumentParser:
    """A subcommand's parser, with the summary of COMMANDS as its help."""
    return sub.add_parser(name, help=COMMANDS[name], description=description)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``command`` given) one with only that subcommand's arguments."""
    parser = Parser(
        prog="parasocial",
        description="Agent-based model of parasocial relationships between creators, fans and "
                    "the platform (one step is one day).",
        epilog="`parasocial COMMAND --help` describes a command. Exit status: 0 done, "
               "1 the work failed, 2 bad input (nothing was run), 130 interrupted, "
               "143 terminated.")
    parser.add_argument("--version", action=_VersionAction)
    add_quiet(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="commands")
    for name, summary in COMMANDS.items():
        if command is None or name == command:
            importlib.import_module(f"sim.cli.{name}").add_parser(sub)
            chosen = sub.choices[name]
            chosen.description = chosen.description or summary
            # SUPPRESS: `parasocial --quiet run` is not undone by run's own default.
            add_quiet(chosen, default=argparse.SUPPRESS)
        else:
            sub.add_parser(name, help=summary)
    return parser


def _chosen(argv: list[str]) -> str | None:
    """The subcommand named in ``argv``: the first word that is not an option."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = _chosen(argv)  # an unknown word builds no command's arguments: argparse says so
    args = build_parser(chosen if chosen in COMMANDS else "").parse_args(argv)
    prog = f"parasocial {args.command}"
    try:
        with _sigterm_raises():
            return int(args.func(args) or 0)
    except BrokenPipeError:  # the reader stopped early (`parasocial params | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except ValueError as err:  # bad input, found before any work: one line, no traceback
        print(f"{prog}: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_USAGE
    except (Failed, OSError, RuntimeError) as err:
        print(f"{prog}: failed: {_one_line(err)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; finished work is kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print(f"{prog}: terminated (SIGTERM); finished work is kept", file=sys.stderr)
        return EXIT_TERMINATED

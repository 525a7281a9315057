"""The command line's two kinds of error, and checks of its input made before any work.

Bad input (a ``ValueError`` raised before the work starts) exits with 2, like
argparse's own usage errors; a failure of the work itself exits with 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Failed(Exception):
    """The work failed (exit 1), as opposed to bad input found before it (exit 2)."""


@contextmanager
def work(input_errors: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Errors raised inside are failures, except ``input_errors``: bad input found on the way."""
    try:
        yield
    except input_errors:
        raise
    except (ValueError, OSError, RuntimeError) as err:
        raise Failed(str(err)) from err


def at_least(option: str, value: int | None, lowest: int) -> None:
    if value is not None and value < lowest:
        raise ValueError(f"{option}={value} is not allowed: must be >= {lowest}")


def output_folder(option: str, path: Path) -> Path:
    """``path`` if it is, or can be created as, a writable folder (nothing is created here)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ValueError(f"{option} {path} is not allowed: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path} is not allowed: {probe} is not writable")
    return path

"""Print rows as an aligned text table for people, or as CSV for scripts."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence


def add_format(parser) -> None:
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a text table")


def write(header: Sequence[str], rows: list[Sequence[str]], as_csv: bool, out=None) -> None:
    out = out or sys.stdout
    if as_csv:
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        return
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in (header, ["-" * w for w in widths], *rows):
        out.write("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True))
                  .rstrip() + "\n")

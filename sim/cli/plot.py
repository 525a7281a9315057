"""`parasocial plot`: redraw figures and summaries from a results folder's stored data."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.report import write_report
from sim.runner import ResultsError


def add_parser(sub) -> None:
    p = sub.add_parser("plot", help="redraw figures and summary.md from stored sweep results",
                       description="Rewrite summary.csv, figures/ and summary.md of a results "
                                   "folder from its stored data alone (no runs).")
    p.add_argument("results", type=Path, metavar="RESULTS_DIR",
                   help="folder written by `parasocial sweep`, e.g. results/posting_frequency")
    p.set_defaults(func=plot)


def plot(args) -> int:
    """Redraw; a missing or incomplete folder prints one line and returns 2."""
    try:
        summary = write_report(args.results)
    except (ResultsError, ValueError, OSError) as err:
        print(f"parasocial plot: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {summary} and figures in {args.results / 'figures'}")
    return 0

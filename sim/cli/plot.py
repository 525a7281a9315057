"""`parasocial plot`: redraw figures and summaries from a results folder's stored data."""

from __future__ import annotations

from pathlib import Path

from sim.cli import command_parser
from sim.cli.errors import work


def add_parser(sub) -> None:
    p = command_parser(sub, "plot", description=(
        "Rewrite summary.csv, figures/ and summary.md of a results folder from its stored "
        "data alone (no runs), e.g. after changing the report code."))
    p.add_argument("results", type=Path, metavar="RESULTS_DIR",
                   help="folder written by `parasocial sweep`, e.g. results/posting_frequency")
    p.set_defaults(func=plot)


def plot(args) -> int:
    """Redraw; a folder that is not a results folder is bad input, found before any work."""
    from sim.report import write_report
    from sim.runner import ResultsError, load_metadata

    load_metadata(args.results)
    with work(input_errors=(ResultsError,)):  # a crafted name in the folder is checked first
        summary = write_report(args.results)
    if not args.quiet:
        print(f"wrote {summary} and figures in {args.results / 'figures'}")
    return 0

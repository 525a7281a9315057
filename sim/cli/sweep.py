"""`parasocial sweep`: run an experiment file (resumable), then write its report."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.cli import command_parser
from sim.cli.errors import at_least, output_folder, work
from sim.runner import EXECUTORS


def add_parser(sub) -> None:
    p = command_parser(sub, "sweep", description=(
        "Run an experiment file's runs (only those not stored yet: an interrupted sweep "
        "resumes when given the same command), then write summary.csv, final_day.csv, figures "
        "and summary.md into the results folder. A folder holding only committed summaries "
        "(its parts/ are not kept in git) has every run redone from its seed."))
    p.add_argument("experiment", type=Path, metavar="EXPERIMENT_FILE",
                   help="TOML experiment file, e.g. experiments/posting_frequency.toml")
    p.add_argument("--workers", type=int, help="parallel workers (default: all cores)")
    p.add_argument("--executor", choices=EXECUTORS,
                   help="where runs execute (default: processes; dask if --scheduler is given)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address, e.g. tcp://host:8786 (default: "
                        "$DASK_SCHEDULER_ADDRESS with --executor dask, else a local cluster)")
    p.add_argument("--replicates", type=int,
                   help="replace the file's replicates (also a precision goal's \"auto\")")
    p.add_argument("--steps", type=int, help="replace the file's steps (days)")
    p.add_argument("--out", type=Path,
                   help="results folder (default: results/<name>/): new, empty, or written by "
                        "an earlier sweep of this experiment (which is resumed)")
    p.add_argument("--wait", action="store_true",
                   help="if another sweep is writing to the folder, wait for it to finish "
                        "(default: refuse at once)")
    p.add_argument("--allow-large", action="store_true",
                   help="run a study larger than the stated size (10,000 runs or 4e8 fan-days, "
                        "about five minutes on two cores)")
    p.set_defaults(func=sweep)


def sweep(args) -> int:
    """Check the input, run what is missing, report."""
    from sim.experiment import ExperimentError, load_experiment
    from sim.report import write_report
    from sim.runner import Interrupted, ResultsError, load_metadata, run_experiment

    at_least("--workers", args.workers, 1)
    exp = load_experiment(args.experiment, replicates=args.replicates, steps=args.steps,
                          allow_large=args.allow_large)
    out = output_folder("--out", args.out or Path("results") / exp.name)
    executor = args.executor or ("dask" if args.scheduler else "processes")
    # A folder holding another design (ResultsError) is bad input found on the way.
    with work(input_errors=(ResultsError, ExperimentError)):
        try:
            run_experiment(exp, out, executor=executor, workers=args.workers,
                           scheduler=args.scheduler, progress=not args.quiet, wait=args.wait)
        except Interrupted as stop:  # Ctrl-C or SIGTERM: finished runs are stored
            print(f"parasocial sweep: {stop}", file=sys.stderr)
            return stop.exit_code
        summary = write_report(out)
    if not args.quiet:
        meta = load_metadata(out)
        print(f"{meta['runs_done']} runs of {exp.name} stored in {out}"
              f"{_precision_text(meta.get('precision'))}; summary: {summary}")
    return 0


def _precision_text(result: dict | None) -> str:
    """Whether a precision goal was met, in a few words ("" without one)."""
    if not result:
        return ""
    reached = "met" if result["met"] else f"not met at the cap of {result['max_replicates']}"
    return (f" ({result['replicates']} replicates: precision goal {reached}, widest 95 % "
            f"half-width of {result['outcome']} {result['achieved']:.3g} against "
            f"{result['half_width']:.3g})")

"""`parasocial sweep`: run an experiment file (resumable), then write its report."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.experiment import MAX_FAN_DAYS, MAX_RUNS, load_experiment
from sim.report import write_report
from sim.runner import EXECUTORS, Interrupted, RunError, SchedulerError, run_experiment

# Bad input (ExperimentError, ResultsError are ValueErrors), a failed run, no scheduler, an
# output folder that cannot be written (OSError: a file in the way, no permission).
ERRORS = (ValueError, RunError, SchedulerError, OSError)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sweep", help="run every condition x replicate of an experiment file and report",
        description="Run an experiment file's runs (only those not stored yet: an interrupted "
                    "sweep resumes), then write summary.csv, figures and summary.md.")
    p.add_argument("experiment", type=Path, metavar="EXPERIMENT_FILE",
                   help="TOML experiment file, e.g. experiments/posting_frequency.toml")
    p.add_argument("--workers", type=int, help="parallel workers (default: all cores)")
    p.add_argument("--executor", choices=EXECUTORS,
                   help="where runs execute (default: processes; dask if --scheduler is given)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address, e.g. tcp://host:8786 (default: "
                        "$DASK_SCHEDULER_ADDRESS with --executor dask, else a local cluster)")
    p.add_argument("--replicates", type=int, help="replace the file's replicates")
    p.add_argument("--steps", type=int, help="replace the file's steps (days)")
    p.add_argument("--out", type=Path,
                   help="results folder (default: results/<name>/): new, empty, or written by "
                        "an earlier sweep of this experiment (which is resumed)")
    p.add_argument("--wait", action="store_true",
                   help="if another sweep is writing to the folder, wait for it to finish "
                        "(default: refuse at once)")
    p.add_argument("--allow-large", action="store_true",
                   help=f"run a study larger than the stated size ({MAX_RUNS:,} runs or "
                        f"{MAX_FAN_DAYS:.0e} fan-days, about five minutes on two cores)")
    p.set_defaults(func=sweep)


def sweep(args) -> int:
    """Load, run, report; bad input or a failed run prints one line and returns 2.

    Ctrl-C or SIGTERM prints one line and returns 128 + the signal number.
    """
    try:
        exp = load_experiment(args.experiment, replicates=args.replicates, steps=args.steps,
                              allow_large=args.allow_large)
        out = args.out or Path("results") / exp.name
        executor = args.executor or ("dask" if args.scheduler else "processes")
        run_experiment(exp, out, executor=executor, workers=args.workers,
                       scheduler=args.scheduler, wait=args.wait)
        summary = write_report(out)
    except ERRORS as err:
        print(f"parasocial sweep: error: {err}", file=sys.stderr)
        return 2
    except Interrupted as err:
        print(f"parasocial sweep: {err}", file=sys.stderr)
        return err.exit_code
    print(f"{exp.n_runs} runs of {exp.name} stored in {out}; summary: {summary}")
    return 0

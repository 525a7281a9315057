"""`parasocial validate`: measure the published patterns over many seeds and write the report."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sim.cli import command_parser
from sim.cli.errors import at_least, output_folder, work


def add_parser(sub) -> None:
    p = command_parser(sub, "validate", description=(
        "Run the default calibration and its paired counterfactuals over many seeds, measure "
        "each published pattern of docs/PATTERNS.md, and write report.md, patterns.csv, "
        "meta.json and figures. About a minute per ten replicates on two cores."))
    p.add_argument("--replicates", type=int, default=10, help="seeds 1..N (default 10)")
    # The calibration world: patterns depend on fans per creator (docs/CALIBRATION.md).
    p.add_argument("--fans", type=int, default=2000, help="fans per world (default 2000)")
    p.add_argument("--creators", type=int, default=150, help="creators per world (default 150)")
    p.add_argument("--steps", type=int,
                   help="days (default: two years, the horizon of the burnout pattern)")
    p.add_argument("--workers", type=int, default=os.cpu_count(),
                   help="parallel processes (default: all cores)")
    p.add_argument("--out", type=Path, default=Path("results/validation"),
                   help="report folder (default results/validation)")
    p.set_defaults(func=validate)


def validate(args) -> int:
    from sim.validation import STEPS

    steps = STEPS if args.steps is None else args.steps
    for name, value in (("replicates", args.replicates), ("fans", args.fans),
                        ("creators", args.creators), ("steps", steps), ("workers", args.workers)):
        at_least(f"--{name}", value, 1)
    out = output_folder("--out", args.out)
    seeds = list(range(1, args.replicates + 1))
    with work():
        summary, path = _measure(args, seeds, steps, out)
    if not args.quiet:
        print(summary[["pattern", "target_lo", "target_hi", "mean", "ci_lo", "ci_hi", "passed"]]
              .to_string(index=False))
        print(f"\n{int(summary['passed'].sum())}/{len(summary)} patterns met; wrote {path}")
    return 0


def _measure(args, seeds: list[int], steps: int, out: Path):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from sim.provenance import record
    from sim.validation import run_validation
    from sim.validation_report import write_report

    started = time.perf_counter()
    # forkserver, as the sweep runner: forking a process that runs threads can deadlock.
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        summary, reps = run_validation(seeds, args.fans, args.creators, steps, map_fn=pool.map)
    meta = {"command": f"parasocial validate --replicates {args.replicates} --fans {args.fans} "
                       f"--creators {args.creators} --steps {steps}",
            "replicates": args.replicates, "n_fans": args.fans, "n_creators": args.creators,
            "steps": steps, "seeds": seeds, "seconds": time.perf_counter() - started, **record()}
    return summary, write_report(summary, reps, out, meta)

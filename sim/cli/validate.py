"""`parasocial validate`: measure the published patterns over many seeds and write the report."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.validation import STEPS, run_validation
from sim.validation_report import write_report


def add_parser(sub) -> None:
    p = sub.add_parser("validate", help="reproduce the published patterns; write a report")
    p.add_argument("--replicates", type=int, default=10, help="seeds (default 10)")
    # The calibration world: patterns depend on fans per creator (docs/CALIBRATION.md).
    p.add_argument("--fans", type=int, default=2000, help="fans per world (default 2000)")
    p.add_argument("--creators", type=int, default=150, help="creators per world (default 150)")
    p.add_argument("--steps", type=int, default=STEPS, help=f"days (default {STEPS})")
    p.add_argument("--workers", type=int, default=os.cpu_count(), help="processes (default: all)")
    p.add_argument("--out", type=Path, default=Path("results/validation"))
    p.set_defaults(func=validate)


def validate(args) -> int:
    for name in ("replicates", "fans", "creators", "steps", "workers"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name}={getattr(args, name)} is not allowed: must be >= 1")
    seeds = list(range(1, args.replicates + 1))
    started = time.perf_counter()
    # forkserver, as the sweep runner: forking a process that runs threads can deadlock.
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        summary, reps = run_validation(seeds, args.fans, args.creators, args.steps,
                                       map_fn=pool.map)
    meta = {"command": f"parasocial validate --replicates {args.replicates} --fans {args.fans} "
                       f"--creators {args.creators} --steps {args.steps}",
            "replicates": args.replicates, "n_fans": args.fans, "n_creators": args.creators,
            "steps": args.steps, "seeds": seeds, "seconds": time.perf_counter() - started}
    path = write_report(summary, reps, args.out, meta)
    print(summary[["pattern", "target_lo", "target_hi", "mean", "ci_lo", "ci_hi", "passed"]]
          .to_string(index=False))
    print(f"\n{int(summary['passed'].sum())}/{len(summary)} patterns met; wrote {path}")
    return 0

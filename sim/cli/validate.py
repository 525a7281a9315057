"""`parasocial validate`: measure the published patterns over many seeds and write the report."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from sim.cli import command_parser
from sim.cli.errors import at_least, output_folder, work
from sim.params import FANS_PER_CREATOR, REPORT_FIRST_SEED, WORLD

# What decides a report's numbers: a report is replaced only by one of the same world
# with at least as many replicates, unless --force.
DECIDING = (("n_fans", "fans"), ("n_creators", "creators"), ("steps", "steps"))


def add_parser(sub) -> None:
    p = command_parser(sub, "validate", description=(
        "Run the default calibration and its paired counterfactuals over many seeds, measure "
        "each published pattern of docs/PATTERNS.md, judge it by its 95 % interval (met, "
        "missed or inconclusive; no verdicts under 3 replicates) and write report.md, "
        "patterns.csv, meta.json and figures. About three minutes per ten replicates of the "
        "report's world on two cores (the committed report of 20, with counterfactuals and the "
        "scale table, about twenty). "
        "A folder holding a report of another world or of more replicates is refused "
        "without --force."))
    p.add_argument("--replicates", type=int, default=20,
                   help=f"N seeds, from {REPORT_FIRST_SEED} (default 20: about what the "
                        "attachment tiers need for intervals narrower than their targets)")
    # The report's world: patterns depend on fans per creator (docs/CALIBRATION.md).
    p.add_argument("--fans", type=int, default=WORLD["n_fans"],
                   help=f"fans per world (default {WORLD['n_fans']})")
    p.add_argument("--creators", type=int, default=WORLD["n_creators"],
                   help=f"creators per world (default {WORLD['n_creators']})")
    p.add_argument("--steps", type=int,
                   help="days (default: two years, the horizon of the burnout pattern)")
    p.add_argument("--counterfactuals", type=int, default=0, metavar="N",
                   help="also measure each pattern under its counterfactual setting on the "
                        "first N of those seeds (13 x N replicates more; default 0: unmeasured)")
    p.add_argument("--scale", type=int, nargs="+", default=[], metavar="FANS",
                   help=f"also measure every pattern at these world sizes, with fans / "
                        f"{FANS_PER_CREATOR} creators (the scale table; single-run patterns only "
                        f"above {WORLD['n_fans']} fans)")
    p.add_argument("--scale-replicates", type=int, default=3, metavar="N",
                   help="seeds per size of the scale table, the first N of the report's "
                        "(default 3)")
    p.add_argument("--workers", type=int, default=os.cpu_count(),
                   help="parallel processes (default: all cores)")
    p.add_argument("--out", type=Path, default=Path("results/validation"),
                   help="report folder (default results/validation)")
    p.add_argument("--force", action="store_true",
                   help="replace a report of another world or of more replicates")
    p.set_defaults(func=validate)


def validate(args) -> int:
    from sim.validation import STEPS, report_seeds, tally

    steps = STEPS if args.steps is None else args.steps
    for name, value in (("replicates", args.replicates), ("fans", args.fans),
                        ("creators", args.creators), ("steps", steps), ("workers", args.workers)):
        at_least(f"--{name}", value, 1)
    at_least("--counterfactuals", args.counterfactuals, 0)
    at_least("--scale-replicates", args.scale_replicates, 1)
    for size in args.scale:
        at_least("--scale", size, FANS_PER_CREATOR)
    out = output_folder("--out", args.out)
    if not args.force:
        _check_replaceable(out, {"replicates": args.replicates, "n_fans": args.fans,
                                 "n_creators": args.creators, "steps": steps})
    seeds = report_seeds(args.replicates)
    with work():
        summary, path = _measure(args, seeds, steps, out)
    if not args.quiet:
        print(summary[["pattern", "target_lo", "target_hi", "mean", "ci_lo", "ci_hi", "verdict"]]
              .to_string(index=False))
        print(f"\n{tally(summary)}; wrote {path}")
    return 0


def _check_replaceable(out: Path, asked: dict) -> None:
    """Refuse, before any run, to replace a report that says more than the one asked for."""
    path = out / "meta.json"
    if not path.exists():
        return
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError(f"--out {out} holds a damaged {path.name}; pass --force to replace "
                         "the report, or choose another --out") from None
    for key, option in DECIDING:
        if stored.get(key) != asked[key]:
            raise ValueError(
                f"--out {out} holds a report of another world ({key}={stored.get(key)!r}, "
                f"asked {option}={asked[key]}); choose another --out, or pass --force to "
                "replace it")
    if stored.get("replicates", 0) > asked["replicates"]:
        raise ValueError(
            f"--out {out} holds a report of {stored['replicates']} replicates and "
            f"--replicates={asked['replicates']} asks for fewer; choose another --out, or pass "
            "--force to replace it")


def _progress_map(pool, quiet: bool, desc: str = "validate"):
    """``pool.map`` with a progress bar over the replicates as they arrive (in order)."""
    from tqdm import tqdm

    def mapped(fn, items):
        items = list(items)
        return list(tqdm(pool.map(fn, items), total=len(items), desc=desc,
                         unit="replicate", disable=quiet, dynamic_ncols=True))
    return mapped


def _measure(args, seeds: list[int], steps: int, out: Path):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from sim.provenance import record
    from sim.validation import report_seeds, run_validation, scale_table
    from sim.validation_report import write_report

    started = time.perf_counter()
    checks = report_seeds(args.counterfactuals)
    # forkserver, as the sweep runner: forking a process that runs threads can deadlock.
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        summary, reps = run_validation(seeds, args.fans, args.creators, steps,
                                       map_fn=_progress_map(pool, args.quiet),
                                       counterfactual_seeds=checks)
        scale = None
        if args.scale:
            scale = scale_table(args.scale, report_seeds(args.scale_replicates), steps,
                                map_fn=_progress_map(pool, args.quiet, "scale table"))
    command = (f"parasocial validate --replicates {args.replicates} --fans {args.fans} "
               f"--creators {args.creators} --steps {steps}")
    if checks:
        command += f" --counterfactuals {args.counterfactuals}"
    if args.scale:
        command += (f" --scale {' '.join(map(str, args.scale))}"
                    f" --scale-replicates {args.scale_replicates}")
    meta = {"command": command, "replicates": args.replicates, "n_fans": args.fans,
            "n_creators": args.creators, "steps": steps, "seeds": seeds,
            "counterfactual_seeds": checks, "scale_fans": args.scale,
            "scale_replicates": args.scale_replicates if args.scale else 0,
            "seconds": time.perf_counter() - started,
            **record()}
    return summary, write_report(summary, reps, out, meta, scale)

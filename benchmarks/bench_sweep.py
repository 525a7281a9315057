"""Parallel efficiency of a sweep: one committed study on 1 and on N worker processes.

Run from the project root with the project's interpreter::

    python benchmarks/bench_sweep.py                                   # paid_messaging, 1 and 2 workers
    python benchmarks/bench_sweep.py experiments/feed_algorithm.toml --workers 1 2

Each worker count runs the whole study afresh into a temporary folder and the
time is split into its parts, measured in this process:

- pool start-up: starting the worker processes and importing the model in them
  (timed apart, on a pool of the same size that runs one tiny task per worker);
- runs: the sweep's wall time minus what this process spent storing parts;
- storage: writing the Parquet parts, manifest and metadata (``Store.add``);
- report: the summary, contrasts and figures (``write_report``), which run once
  whatever the number of workers.

Parallel efficiency is T(1) / (N * T(N)), over the runs alone and over the whole
sweep. The machine may be shared: the load average is printed with the result.
This script measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from sim import store as store_module  # noqa: E402
from sim.executors import open_executor  # noqa: E402
from sim.experiment import load_experiment  # noqa: E402
from sim.report import write_report  # noqa: E402
from sim.runner import run_experiment  # noqa: E402


def _import_model(_task: int) -> int:
    """A worker's first task: import what a run needs (its start-up cost)."""
    import sim.simulate  # noqa: F401

    return os.getpid()


def pool_startup(workers: int) -> float:
    """Seconds to start `workers` processes and import the model in each."""
    started = time.perf_counter()
    with open_executor("processes", workers) as (pool, slots):
        pids = set()
        while len(pids) < slots:  # keep asking until every worker has answered once
            pids |= set(pool.map(_import_model, range(slots)))
    return time.perf_counter() - started


def sweep(exp, workers: int) -> dict[str, float]:
    """Run the study afresh on `workers` processes; the seconds of each part."""
    spent = {"storage": 0.0}
    add = store_module.Store.add

    def timed_add(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return add(self, *args, **kwargs)
        finally:
            spent["storage"] += time.perf_counter() - t

    store_module.Store.add = timed_add
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / exp.name
            t = time.perf_counter()
            run_experiment(exp, out, executor="processes", workers=workers, progress=False)
            total = time.perf_counter() - t
            t = time.perf_counter()
            write_report(out)
            report = time.perf_counter() - t
    finally:
        store_module.Store.add = add
    return {"sweep": total, "runs": total - spent["storage"], "storage": spent["storage"],
            "report": report, "startup": pool_startup(workers)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("study", nargs="?", type=Path,
                        default=ROOT / "experiments" / "paid_messaging.toml",
                        help="experiment file (default: experiments/paid_messaging.toml)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="worker counts to compare; the first is the baseline (default 1 2)")
    a = parser.parse_args(argv)
    if any(w < 1 for w in a.workers):
        parser.error(f"--workers {a.workers} is not allowed: each count must be at least 1")
    exp = load_experiment(a.study)
    load = os.getloadavg()[0]
    print(f"{exp.name}: {exp.n_runs} runs of {exp.steps} days; "
          f"{os.cpu_count()} CPU(s), load average at start {load:.2f}")
    results = {w: sweep(exp, w) for w in a.workers}
    base_w = a.workers[0]
    base = results[base_w]
    print("| workers | sweep (s) | runs (s) | storage (s) | report (s) | pool start-up (s) "
          "| efficiency, runs | efficiency, sweep |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for w, r in results.items():
        eff_runs = base["runs"] * base_w / (w * r["runs"])
        eff_sweep = base["sweep"] * base_w / (w * r["sweep"])
        print(f"| {w} | {r['sweep']:.1f} | {r['runs']:.1f} | {r['storage']:.2f} | "
              f"{r['report']:.1f} | {r['startup']:.2f} | {eff_runs:.0%} | {eff_sweep:.0%} |")
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Scaling benchmark: our model beside a bare Mesa Boltzmann-wealth loop.

Run from the project root with the project's interpreter::

    python benchmarks/bench_scaling.py                  # 10^4, 10^5 and 10^6 fans, 3 repeats
    python benchmarks/bench_scaling.py --sizes 1e4 1e5  # choose sizes
    python benchmarks/bench_scaling.py --repeats 5      # more pairs for a firmer ratio
    python benchmarks/bench_scaling.py --steps 10 --warmup 1 --no-write

For every size, each model is measured in a fresh subprocess, so peak memory
belongs to that model alone:

* ours: ``sim.ParasocialModel(n_fans=N, n_creators=max(40, N // 250), rng=seed)``,
  set-up time (with a breakdown by phase), time per step after a short warm-up,
  fan-steps per second, peak resident memory;
* Boltzmann: N plain Mesa agents, each doing one random exchange of one unit of
  wealth per step through ``model.agents.shuffle_do("step")`` (the Mesa tutorial
  model without space and without a DataCollector): agent-steps per second and
  peak resident memory. It is the cost floor of "one Python call per agent per
  step" in Mesa, against which a vectorised step should win.

On a shared machine one run's ratio is a weak verdict (the reference loop's own
speed moves by up to 2x between runs minutes apart), so each size is measured
``--repeats`` times (default 3), the two models alternating in fresh processes
(ours, Boltzmann, ours, Boltzmann, ...; same seed every time) so that a slow
phase of the machine hits both. Every run is kept in ``results.json``
(``runs``, each with its ``repeat`` index). The summary gives, per size, the
median over the repeats of each measure, and each ratio ours / Boltzmann as the
median of the paired ratios (repeat i of ours against repeat i of Boltzmann)
with the lowest and highest pair beside it, by wall time and by CPU time;
growth of the time per agent-step from size to size is computed on the medians.
With ``--only`` one model is measured and no ratio is given.

Within a run, throughput is computed from the median step time (the mean is
recorded too). Peak memory is the process's ``VmHWM`` from
``/proc/self/status``; ``ru_maxrss`` is not used because Linux carries the
parent's high-water mark into a child across ``exec``. Nothing here asserts on
timings: this is a measurement, not a test. Results go to
``benchmarks/results.json`` and ``benchmarks/results.md`` (a table to paste
into the README; the hand-written sections below the table are kept).
"""

from __future__ import annotations

import argparse
import gc
import inspect
import itertools
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARK = "@@RESULT@@ "
MB = 2**20
MEMORY_TARGET_MB = 4096  # our target: 10^6 fans fit in 4 GB
SETUP_TARGET_S = 3.0  # our target: 10^6 fans set up in at most 3 s


# --------------------------------------------------------------------- memory
def _status_kb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident memory of this process, MB."""
    kb = _status_kb("VmRSS")
    if kb is not None:
        return kb / 1024
    try:
        import psutil

        return psutil.Process().memory_info().rss / MB
    except ImportError:  # pragma: no cover - non-Linux without psutil
        return float("nan")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (VmHWM; ru_maxrss as a fallback)."""
    kb = _status_kb("VmHWM")
    if kb is not None:
        return kb / 1024
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MB


def n_creators_for(n_fans: int, fans_per_creator: int) -> int:
    return max(40, n_fans // fans_per_creator)


def default_steps(n: int) -> int:
    return 50 if n <= 10_000 else 20 if n <= 100_000 else 5


def default_warmup(n: int) -> int:
    return 3 if n <= 10_000 else 2 if n <= 100_000 else 1


def _timed_steps(model, warmup: int, steps: int) -> tuple[list[float], list[float], dict]:
    """Wall and CPU seconds of each timed step (CPU time suffers less from a busy machine)."""
    for _ in range(warmup):
        model.step()
    wall, cpu = [], []
    gc_s = [0.0, 0.0, 0.0]  # time in Python's cyclic garbage collector, by generation
    gc_start = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            gc_s[info["generation"]] += time.perf_counter() - gc_start[0]

    gc.callbacks.append(on_gc)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        for _ in range(steps):
            c0, t0 = time.process_time(), time.perf_counter()
            model.step()
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    finally:
        gc.callbacks.remove(on_gc)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    # Page faults and kernel time: large temporaries that are freshly mapped each step show here.
    kernel = {"minor_faults_per_step": (r1.ru_minflt - r0.ru_minflt) / max(steps, 1),
              "sys_cpu_share": (r1.ru_stime - r0.ru_stime)
              / max(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, 1e-9),
              "gc_s_per_step": sum(gc_s) / max(steps, 1),
              "gc_s_per_step_by_generation": [g / max(steps, 1) for g in gc_s]}
    return wall, cpu, kernel


def _step_stats(n: int, wall: list[float], cpu: list[float], kernel: dict) -> dict:
    med, cpu_med = statistics.median(wall), statistics.median(cpu)
    return {"step_times_s": wall, "step_cpu_s": cpu, "step_median_s": med,
            "step_mean_s": statistics.fmean(wall), "step_cpu_median_s": cpu_med,
            "steps_per_s": n / med, "steps_per_s_mean": n * len(wall) / sum(wall),
            "steps_per_cpu_s": n / cpu_med, **kernel}


# ------------------------------------------------------- set-up instrumentation
class SetupTimer:
    """Wraps functions the model's constructor calls and records time and memory per phase.

    Only this benchmark process is patched, and the originals are restored
    after set-up; the model's code is not touched.
    """

    def __init__(self):
        self.records: dict[str, dict[str, float]] = {}
        self._restore: list[tuple[object, str, object, bool]] = []

    def wrap(self, owner, name: str, label: str) -> None:
        try:
            raw = inspect.getattr_static(owner, name)
        except AttributeError:  # the model was refactored: that phase is simply not shown
            return
        own = name in vars(owner) if isinstance(owner, type) else True
        is_cm = isinstance(raw, classmethod)
        func = raw.__func__ if is_cm else raw
        records = self.records

        def timed(*args, **kwargs):
            m0, t0 = rss_mb(), time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                rec = records.setdefault(label, {"seconds": 0.0, "rss_delta_mb": 0.0, "calls": 0})
                rec["seconds"] += time.perf_counter() - t0
                rec["rss_delta_mb"] += rss_mb() - m0
                rec["calls"] += 1

        setattr(owner, name, classmethod(timed) if is_cm else timed)
        self._restore.append((owner, name, raw, own))

    def restore(self) -> None:
        for owner, name, raw, own in reversed(self._restore):
            if own:
                setattr(owner, name, raw)
            else:
                delattr(owner, name)
        self._restore.clear()


# (label, indent) in display order; labels are filled by _instrument_setup
SETUP_PHASES = [
    ("validate parameters (make_params)", 0),
    ("mesa.Model.__init__", 0),
    ("FanState.create (fan arrays)", 0),
    ("CreatorState.create", 0),
    ("Bonds.create (bond slots)", 0),
    ("social graph (_build_social_graph)", 0),
    ("social.watts_strogatz_edges (numpy)", 1),
    ("offline.social_support", 1),
    ("defer_fans (Fan agents, built on first read)", 0),
    ("Creator.create_agents", 0),
    ("_update_audience", 0),
    ("make_datacollector", 0),
    ("DataCollector.collect (first)", 0),
]


def _instrument_setup(timer: SetupTimer) -> None:
    import mesa.datacollection

    import sim.model
    import sim.social
    from sim.agents import Creator
    from sim.dynamics import offline
    from sim.state import Bonds, CreatorState, FanState

    labels = iter(label for label, _ in SETUP_PHASES)
    for owner, name in [(sim.model, "make_params"), (mesa.Model, "__init__"),
                        (FanState, "create"), (CreatorState, "create"), (Bonds, "create"),
                        (sim.model.ParasocialModel, "_build_social_graph"),
                        (sim.social, "watts_strogatz_edges"), (offline, "social_support"),
                        (sim.model, "defer_fans"), (Creator, "create_agents"),
                        (sim.model.ParasocialModel, "_update_audience"),
                        (sim.model.metrics, "make_datacollector"),
                        (mesa.datacollection.DataCollector, "collect")]:
        timer.wrap(owner, name, next(labels))


def _state_bytes(model) -> dict[str, float]:
    """Bytes held by the model's numpy state, by store (MB)."""
    from dataclasses import fields

    import numpy as np

    out = {}
    for store in ("fans", "creators", "bonds"):
        obj = getattr(model, store)
        out[store] = sum(getattr(obj, f.name).nbytes for f in fields(obj)
                         if isinstance(getattr(obj, f.name), np.ndarray)) / MB
    out["social ties"] = sum(a.nbytes for a in (model.tie_u, model.tie_v, model.tie_strength,
                                                model.degree)) / MB
    return out


# -------------------------------------------------------------------- workers
def worker_ours(n: int, n_creators: int, steps: int, warmup: int, seed: int) -> dict:
    t0 = time.perf_counter()
    from sim.model import ParasocialModel  # `import sim` alone is lazy: load what a run needs

    import_s = time.perf_counter() - t0
    baseline = rss_mb()
    timer = SetupTimer()
    _instrument_setup(timer)
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    model = ParasocialModel(n_fans=n, n_creators=n_creators, rng=seed)
    setup_s, setup_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    timer.restore()
    peak_setup, rss_setup = peak_rss_mb(), rss_mb()
    wall, cpu, kernel = _timed_steps(model, warmup, steps)
    run = {
        "model": "ours", "n": n, "n_creators": n_creators, "steps": steps, "warmup": warmup,
        "seed": seed, "import_s": import_s, "setup_s": setup_s, "setup_cpu_s": setup_cpu_s,
        "setup_breakdown": timer.records, **_step_stats(n, wall, cpu, kernel),
        "baseline_rss_mb": baseline, "rss_after_setup_mb": rss_setup,
        "peak_rss_after_setup_mb": peak_setup, "rss_end_mb": rss_mb(),
        "peak_rss_mb": peak_rss_mb(), "state_mb": _state_bytes(model),
    }
    return {**run, **_first_fan_read(model)}  # after the peak is taken: most runs never pay it


def _first_fan_read(model) -> dict:
    """Time and memory of building the Mesa Fan objects, which the first read does."""
    from sim.agents import Fan

    m0, t0 = rss_mb(), time.perf_counter()
    built = len(model.agents_by_type[Fan])
    return {"fan_read_s": time.perf_counter() - t0, "fan_read_rss_mb": rss_mb() - m0,
            "fans_built": built}


def worker_boltzmann(n: int, steps: int, warmup: int, seed: int) -> dict:
    t0 = time.perf_counter()
    import mesa

    import_s = time.perf_counter() - t0

    class MoneyAgent(mesa.Agent):
        """Mesa tutorial agent: gives one unit of wealth to a random agent if it has any."""

        def __init__(self, model):
            super().__init__(model)
            self.wealth = 1

        def step(self):
            if self.wealth > 0:
                other = self.random.choice(self.model.population)
                other.wealth += 1
                self.wealth -= 1

    class BoltzmannWealth(mesa.Model):
        def __init__(self, n, rng=None):
            super().__init__(rng=rng)
            MoneyAgent.create_agents(self, n)
            # A tuple for O(1) random choice (AgentSet indexing is deprecated and O(n)).
            self.population = tuple(self.agents)

        def step(self):
            self.agents.shuffle_do("step")

    baseline = rss_mb()
    gc.collect()
    t0 = time.perf_counter()
    model = BoltzmannWealth(n, rng=seed)
    setup_s = time.perf_counter() - t0
    peak_setup = peak_rss_mb()
    wall, cpu, kernel = _timed_steps(model, warmup, steps)
    return {
        "model": "boltzmann", "n": n, "steps": steps, "warmup": warmup, "seed": seed,
        "import_s": import_s, "setup_s": setup_s, **_step_stats(n, wall, cpu, kernel),
        "wealth_conserved": sum(a.wealth for a in model.population) == n,
        "baseline_rss_mb": baseline, "peak_rss_after_setup_mb": peak_setup,
        "rss_end_mb": rss_mb(), "peak_rss_mb": peak_rss_mb(),
    }


def run_worker(kind: str, n: int, args) -> dict:
    """Run one measurement in a fresh interpreter and return its result."""
    steps = args.steps or default_steps(n)
    warmup = default_warmup(n) if args.warmup is None else args.warmup
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--n", str(n),
           "--steps", str(steps), "--warmup", str(warmup), "--seed", str(args.seed),
           "--fans-per-creator", str(args.fans_per_creator)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{kind} worker at n={n} failed (exit {proc.returncode})")
    result = json.loads(lines[-1][len(MARK):])
    result["wall_s"] = wall
    return result


# ------------------------------------------------------------------ measuring
def measure(args) -> list[dict]:
    """Every run: per size, `--repeats` rounds of the chosen models in turn (ours, Boltzmann,
    ours, Boltzmann, ...), each in a fresh process, so that a slow phase of a shared machine
    falls on both models rather than on one."""
    kinds = [args.only] if args.only else list(MODELS)
    runs, t_start = [], time.perf_counter()
    for n in sorted(set(args.sizes)):
        for repeat in range(args.repeats):
            for kind in kinds:
                print(f"[{time.perf_counter() - t_start:6.0f}s] {kind} at n={n:,}, "
                      f"repeat {repeat + 1}/{args.repeats} ...", file=sys.stderr, flush=True)
                run = {**run_worker(kind, n, args), "repeat": repeat}
                print("         " + _run_line(run), file=sys.stderr, flush=True)
                runs.append(run)
    return runs


def _run_line(r: dict) -> str:
    return (f"set-up {r['setup_s']:.2f} s, step {r['step_median_s']:.3f} s "
            f"(CPU {r['step_cpu_median_s']:.3f} s, {r['sys_cpu_share']:.0%} in the kernel, "
            f"{r['minor_faults_per_step']:,.0f} page faults/step, "
            f"{r['gc_s_per_step'] * 1e3:.0f} ms/step in the garbage collector), "
            f"{_fmt_rate(r['steps_per_s'])} agent-steps/s "
            f"({_fmt_rate(r['steps_per_cpu_s'])} per CPU-second), peak {r['peak_rss_mb']:,.0f} MB")


# -------------------------------------------------------------------- summary
MODELS = ("ours", "boltzmann")
# ratio ours / Boltzmann -> the per-run measure (see _measures) it divides
RATIOS = {"speed": "steps_per_s", "cpu_speed": "steps_per_cpu_s", "memory": "peak_mb",
          "setup": "setup_s"}


def _measures(run: dict) -> dict[str, float]:
    """The figures of one run that the summary takes medians and ratios of."""
    out = {"setup_s": run["setup_s"], "step_s": run["step_median_s"],
           "step_cpu_s": run["step_cpu_median_s"], "steps_per_s": run["steps_per_s"],
           "steps_per_cpu_s": run["steps_per_cpu_s"], "peak_mb": run["peak_rss_mb"],
           "bytes_per_agent": (run["peak_rss_mb"] - run["baseline_rss_mb"]) * MB / run["n"]}
    if "setup_cpu_s" in run:  # ours only
        out["setup_cpu_s"] = run["setup_cpu_s"]
    return out


def _medians(runs: list[dict]) -> dict:
    """Median over the repeats of each measure, with the highest set-up time and peak."""
    per_run = [_measures(r) for r in runs]
    out = {key: statistics.median(m[key] for m in per_run) for key in per_run[0]}
    return {**out, "repeats": len(runs), "setup_s_max": max(m["setup_s"] for m in per_run),
            "peak_mb_max": max(m["peak_mb"] for m in per_run)}


def _paired_ratio(ours: list[dict], boltz: list[dict], key: str) -> dict:
    """ours / Boltzmann of one measure for each pair (same repeat index): median, lowest, highest."""
    other = {b["repeat"]: _measures(b)[key] for b in boltz}
    pairs = [_measures(o)[key] / other[o["repeat"]] for o in ours if o["repeat"] in other]
    return {"median": statistics.median(pairs), "min": min(pairs), "max": max(pairs),
            "pairs": pairs}


def _summary_row(n: int, ours: list[dict] | None, boltz: list[dict] | None) -> dict:
    row: dict = {"n": n}
    if ours:
        row.update(n_creators=ours[0]["n_creators"], ours=_medians(ours))
    if boltz:
        row["boltzmann"] = _medians(boltz)
    if ours and boltz:
        row["ratios"] = {name: _paired_ratio(ours, boltz, key) for name, key in RATIOS.items()}
    return row


def _scaling(rows: list[dict]) -> list[dict]:
    """Growth of the (median) time per agent-step from each size to the next, per model."""
    out = []
    for kind in MODELS:
        pts = [(r["n"], r[kind]["step_s"] / r["n"], r[kind]["step_cpu_s"] / r["n"])
               for r in rows if kind in r]
        for (n1, t1, c1), (n2, t2, c2) in itertools.pairwise(pts):
            out.append({"model": kind, "from": n1, "to": n2,
                        "per_agent_step_ratio": t2 / t1, "per_agent_cpu_ratio": c2 / c1,
                        "step_time_ratio": (t2 * n2) / (t1 * n1), "size_ratio": n2 / n1})
    return out


def summarise(results: dict) -> dict:
    """Per size: medians over the repeats of each model, paired ratios ours / Boltzmann;
    and the growth of per-agent step time between sizes."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in sorted(results["runs"], key=lambda r: r["repeat"]):
        groups.setdefault((r["model"], r["n"]), []).append(r)
    sizes = sorted({n for _, n in groups})
    rows = [_summary_row(n, groups.get(("ours", n)), groups.get(("boltzmann", n))) for n in sizes]
    return {"rows": rows, "scaling": _scaling(rows)}


def breakdown_run(results: dict) -> dict | None:
    """The one run whose set-up breakdown is reported: the first repeat at the largest size."""
    ours = [r for r in results["runs"] if r["model"] == "ours"]
    return min(ours, key=lambda r: (-r["n"], r["repeat"])) if ours else None


# ------------------------------------------------------------------- reporting
def _fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def _fmt_n(n: int) -> str:
    e = len(str(n)) - 1
    return f"10^{e}" if n == 10**e else f"{n:,}"


def _fmt_ratio(ratio: dict, plain: bool = False, spread: bool = True) -> str:
    """'5.29× (4.82–6.03)': median of the pairs, then the lowest and highest pair if several."""
    times, dash = ("x", "-") if plain else ("×", "–")
    text = f"{ratio['median']:.2f}{times}"
    if spread and len(ratio["pairs"]) > 1:
        text += f" ({ratio['min']:.2f}{dash}{ratio['max']:.2f})"
    return text


class Column(NamedTuple):
    title: str  # markdown header
    short: str  # console header
    width: int  # console width
    path: tuple[str, ...]  # where the value is in a summary row
    fmt: Callable


def _columns(plain: bool) -> list[Column]:
    """The summary table, shared by results.md and the console (plain: ASCII only)."""
    def ratio(r):
        return _fmt_ratio(r, plain)

    def memory(r):
        return _fmt_ratio(r, plain, spread=False)

    s2, s3, mb = "{:.2f}".format, "{:.3f}".format, "{:,.0f}".format
    pair = "lowest–highest pair" if not plain else "lo-hi"
    return [Column("Fans", "fans", 9, ("n",), "{:,}".format if plain else _fmt_n),
            Column("Creators", "creators", 8, ("n_creators",), str),
            Column("Set-up (s)", "setup s", 8, ("ours", "setup_s"), s2),
            Column("Step (s)", "step s", 8, ("ours", "step_s"), s3),
            Column("Fan-steps/s", "fan-st/s", 9, ("ours", "steps_per_s"), _fmt_rate),
            Column("Peak memory (MB)", "peak MB", 8, ("ours", "peak_mb"), mb),
            Column("Boltzmann agent-steps/s", "boltz/s", 9, ("boltzmann", "steps_per_s"), _fmt_rate),
            Column("Boltzmann peak (MB)", "b peak MB", 9, ("boltzmann", "peak_mb"), mb),
            Column(f"Speed ours/Boltzmann ({pair})", f"speed ({pair})", 17,
                   ("ratios", "speed"), ratio),
            Column(f"Speed ratio by CPU time ({pair})", f"by CPU ({pair})", 17,
                   ("ratios", "cpu_speed"), ratio),
            Column("Memory ours/Boltzmann", "memory", 6, ("ratios", "memory"), memory)]


def _cell(row: dict, col: Column, missing: str) -> str:
    value = row
    for key in col.path:
        if key not in value:
            return missing
        value = value[key]
    return col.fmt(value)


def _method_text(results: dict) -> str:
    """How the table was measured, for results.md."""
    env, reps = results["environment"], results["repeats"]
    both = {r["model"] for r in results["runs"]} == set(MODELS)
    if both and reps == 1:
        repeats = ("Each size was measured once, ours then Boltzmann, each in a fresh process; "
                   "the ratios are of that one pair.")
    elif both:
        repeats = (f"Each size was measured {reps} times, the two models alternating in fresh "
                   "processes (ours, Boltzmann, ours, Boltzmann, ...) so that a slow phase of "
                   f"the machine falls on both; each figure is the median over the {reps} "
                   f"repeats, and each ratio is the median of the {reps} paired ratios (repeat "
                   "i of ours against repeat i of Boltzmann), with the lowest and highest pair "
                   "in brackets.")
    else:
        name = "ours" if results["runs"][0]["model"] == "ours" else "Boltzmann"
        times = "once" if reps == 1 else f"{reps} times"
        repeats = (f"Only {name} was measured, {times} per size, each in a fresh process; "
                   "each figure is the median over the repeats.")
    modified = ", ".join(env["modified"])
    return (f"Measured {env['date']} on {env['cpus']} CPU(s) ({env['machine']}), Python "
            f"{env['python']}, Mesa {env['mesa']}, numpy {env['numpy']}; load average "
            f"{env['loadavg'][0]:.2f} at the start and {env['loadavg_end'][0]:.2f} at the end "
            f"(the machine may be shared). Commit `{env['commit'][:10]}`"
            f"{' with uncommitted changes to ' + modified if env['dirty'] else ''}. {repeats} "
            "Within a run, step time is the median wall time over the timed steps after a "
            "warm-up (the CPU-time ratio is less affected by other load); peak memory is the "
            "process's resident high-water mark (interpreter and imports included). Boltzmann: "
            "the Mesa tutorial wealth model without space or DataCollector "
            "(`model.agents.shuffle_do(\"step\")`, one random exchange per agent per step).")


def _scaling_lines(summary: dict) -> list[str]:
    if not summary["scaling"]:
        return []
    out = ["", "Scaling of the median step (time per agent-step at the larger size ÷ at the "
           "smaller; 1.00 = linear in the number of agents):", ""]
    for s in summary["scaling"]:
        name = "ours" if s["model"] == "ours" else "Boltzmann"
        out.append(f"- {name}, {_fmt_n(s['from'])} → {_fmt_n(s['to'])}: "
                   f"{s['per_agent_step_ratio']:.2f} (step time ×{s['step_time_ratio']:.1f} "
                   f"for ×{s['size_ratio']:.0f} agents; by CPU time "
                   f"{s['per_agent_cpu_ratio']:.2f})")
    return out


def _setup_lines(results: dict) -> list[str]:
    run = breakdown_run(results)
    if run is None:
        return []
    state = ", ".join(f"{k} {v:,.0f} MB" for k, v in run["state_mb"].items())
    return ["", f"Set-up at {_fmt_n(run['n'])} fans ({run['n_creators']:,} creators), from one "
            f"run (repeat {run['repeat'] + 1} of {results['repeats']}; the table gives the "
            f"median set-up time): peak memory during set-up "
            f"{run['peak_rss_after_setup_mb']:,.0f} MB, resident after set-up "
            f"{run['rss_after_setup_mb']:,.0f} MB, after imports "
            f"{run['baseline_rss_mb']:,.0f} MB; numpy state: {state}.", "",
            *setup_breakdown_lines(run)]


def render_markdown(results: dict, summary: dict) -> str:
    cols = _columns(plain=False)
    out = ["## Performance", "", _method_text(results), "",
           "| " + " | ".join(c.title for c in cols) + " |",
           "|" + "---:|" * len(cols)]
    out += ["| " + " | ".join(_cell(r, c, "–") for c in cols) + " |" for r in summary["rows"]]
    paired = [r for r in summary["rows"] if "ratios" in r]
    if paired:
        out += ["", "By CPU time per step (medians; less sensitive to other load): " + "; ".join(
            f"{_fmt_n(r['n'])}: ours {_fmt_rate(r['ours']['steps_per_cpu_s'])}, "
            f"Boltzmann {_fmt_rate(r['boltzmann']['steps_per_cpu_s'])} "
            "agent-steps per CPU-second" for r in paired) + "."]
    out += _scaling_lines(summary) + _setup_lines(results)
    return "\n".join(out) + "\n"


def _target_lines(row: dict) -> list[str]:
    """Our set-up and memory targets at 10^6 fans and above, judged on the medians."""
    o = row.get("ours")
    if row["n"] < 10**6 or o is None:
        return []
    n, reps = f"{row['n']:>9,} fans:", f"highest of {o['repeats']} runs:"
    setup = "within" if o["setup_s"] <= SETUP_TARGET_S else "ABOVE"
    peak = "within" if o["peak_mb"] <= MEMORY_TARGET_MB else "ABOVE"
    return [f"{n} set-up {o['setup_s']:.2f} s (CPU {o['setup_cpu_s']:.2f} s; {reps} "
            f"{o['setup_s_max']:.2f} s) is {setup} the {SETUP_TARGET_S:g} s target",
            f"{n} peak {o['peak_mb']:,.0f} MB ({reps} {o['peak_mb_max']:,.0f} MB) is {peak} "
            f"the {MEMORY_TARGET_MB} MB target"]


def print_table(results: dict, summary: dict) -> None:
    cols = _columns(plain=True)
    head = " ".join(c.short.rjust(c.width) for c in cols)
    print(head)
    print("-" * len(head))
    for r in summary["rows"]:
        print(" ".join(_cell(r, c, "-").rjust(c.width) for c in cols))
    print(f"medians over {results['repeats']} repeat(s)" + (
        ", the models alternating; speed = our fan-steps/s / Boltzmann agent-steps/s (median "
        "wall time per step), the median of the paired ratios (lowest-highest pair); memory = "
        "our peak / Boltzmann peak" if any("ratios" in r for r in summary["rows"]) else ""))
    for r in results["runs"]:
        print(f"{r['model']:>9} {r['n']:>9,} #{r['repeat'] + 1}: "
              f"{_fmt_rate(r['steps_per_s'])} agent-steps/s, "
              f"{_fmt_rate(r['steps_per_cpu_s'])} per CPU-second; kernel "
              f"{r['sys_cpu_share']:.0%} of CPU, {r['minor_faults_per_step']:,.0f} page "
              f"faults/step, GC {r['gc_s_per_step'] * 1e3:.0f} ms/step")
    for s in summary["scaling"]:
        print(f"scaling {s['model']:>9} {s['from']:>9,} -> {s['to']:>9,}: time per agent-step x"
              f"{s['per_agent_step_ratio']:.2f}, by CPU time x{s['per_agent_cpu_ratio']:.2f} "
              "(medians; 1.00 = linear)")
    for r in summary["rows"]:
        if "ours" in r:
            print(f"{r['n']:>9,} fans: {r['ours']['bytes_per_agent']:,.0f} bytes per fan above "
                  "the import baseline" + (f"; Boltzmann {r['boltzmann']['bytes_per_agent']:,.0f}"
                                           " bytes per agent" if "boltzmann" in r else ""))
        for line in _target_lines(r):
            print(line)


def setup_breakdown_lines(run: dict) -> list[str]:
    total = run["setup_s"]
    rec = run["setup_breakdown"]
    lines = ["| Phase | Time (s) | Share | RSS change (MB) |", "|---|---:|---:|---:|"]
    top = 0.0
    for label, indent in SETUP_PHASES:
        if label not in rec:
            continue
        r = rec[label]
        if indent == 0:
            top += r["seconds"]
        name = ("&nbsp;&nbsp;&nbsp;&nbsp;of which " if indent else "") + label
        lines.append(f"| {name} | {r['seconds']:.2f} | {r['seconds'] / total:.0%} "
                     f"| {r['rss_delta_mb']:+.0f} |")
    lines.append(f"| other (constructor body, Platform, ...) | {total - top:.2f} "
                 f"| {(total - top) / total:.0%} | |")
    lines.append(f"| **total set-up** | **{total:.2f}** | 100% | |")
    lines += ["", f"Set-up CPU time {run['setup_cpu_s']:.2f} s (wall time above)."]
    if "fan_read_s" in run:
        lines += ["", f"Not part of set-up: the first read of `model.agents_by_type[Fan]` builds "
                  f"the {run['n']:,} Mesa Fan objects in {run['fan_read_s']:.2f} s "
                  f"({run['fan_read_rss_mb']:+,.0f} MB resident)."]
    return lines


def keep_other_sections(path: Path, generated: str) -> str:
    """The generated text, followed by the hand-written sections of the old file (rounds of
    engine work, set-up and app measurements made by other scripts), so that a rerun does
    not erase them: everything from the old file's first subsection or later section on
    (the generated text is the first section, without subsections)."""
    if not path.exists():
        return generated
    old = path.read_text(encoding="utf-8")
    found = re.search(r"^##(#)? ", old[old.find("\n") + 1:], flags=re.M)
    if not found:
        return generated
    return generated.rstrip("\n") + "\n\n" + old[old.find("\n") + 1 + found.start():]


def environment() -> dict:
    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    modified = git("status", "--porcelain", "--untracked-files=no", "--", "sim").split()[1::2]
    versions = subprocess.run(
        [sys.executable, "-c", "import mesa, numpy, networkx; "
         "print(mesa.__version__, numpy.__version__, networkx.__version__)"],
        capture_output=True, text=True).stdout.split() or ["?", "?", "?"]
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "python": platform.python_version(), "mesa": versions[0], "numpy": versions[1],
            "networkx": versions[2], "machine": platform.machine(), "system": platform.system(),
            "cpus": os.cpu_count(), "loadavg": list(os.getloadavg()),
            "commit": git("rev-parse", "HEAD") or "unknown",
            "dirty": bool(modified), "modified": modified}


# ------------------------------------------------------------------------ main
def _size(text: str) -> int:
    return int(float(text))


def _repeats(text: str) -> int:
    """--repeats: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"got {text!r}; allowed: a whole number of at least 1 (runs of each model per size)")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=_size, default=[10**4, 10**5, 10**6],
                    help="numbers of fans (and of Boltzmann agents), e.g. 1e4 1e5 "
                    "(default: 1e4 1e5 1e6)")
    ap.add_argument("--steps", type=int, default=None,
                    help="timed steps per size (default: 50 up to 1e4, 20 up to 1e5, 5 above)")
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed steps first (default: 3 / 2 / 1 by size)")
    ap.add_argument("--repeats", type=_repeats, default=3, metavar="R",
                    help="runs of each model per size, alternating ours and Boltzmann; the "
                    "summary takes medians and the median of the paired ratios (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fans-per-creator", type=int, default=250,
                    help="n_creators = max(40, n_fans // this) (default 250)")
    ap.add_argument("--only", choices=list(MODELS), help="measure one model only (no ratios)")
    ap.add_argument("--out-dir", type=Path, default=HERE, help="where results.json/.md go")
    ap.add_argument("--no-write", action="store_true", help="print only; write no files")
    ap.add_argument("--worker", choices=list(MODELS), help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def run_as_worker(args) -> None:
    """Inside the fresh subprocess: measure one model at one size, print the result."""
    sys.path.insert(0, str(ROOT))
    if args.worker == "ours":
        res = worker_ours(args.n, n_creators_for(args.n, args.fans_per_creator), args.steps,
                          args.warmup, args.seed)
    else:
        res = worker_boltzmann(args.n, args.steps, args.warmup, args.seed)
    print(MARK + json.dumps(res))


def write_results(results: dict, summary: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    md = out_dir / "results.md"
    md.write_text(keep_other_sections(md, render_markdown(results, summary)))
    print(f"wrote {out_dir / 'results.json'} and {md}")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        run_as_worker(args)
        return
    results = {"environment": environment(), "fans_per_creator": args.fans_per_creator,
               "repeats": args.repeats}
    t_start = time.perf_counter()
    results["runs"] = measure(args)
    results["environment"]["loadavg_end"] = list(os.getloadavg())
    results["summary"] = summary = summarise(results)
    results["total_wall_s"] = time.perf_counter() - t_start
    print()
    print_table(results, summary)
    for r in results["runs"]:
        if r["model"] == "ours" and r["repeat"] == 0:
            print(f"\nset-up breakdown at {r['n']:,} fans (repeat 1 of {args.repeats}):")
            print("\n".join(setup_breakdown_lines(r)))
    print(f"\ntotal wall time {results['total_wall_s']:.0f} s")
    if not args.no_write:
        write_results(results, summary, args.out_dir)


if __name__ == "__main__":
    main()

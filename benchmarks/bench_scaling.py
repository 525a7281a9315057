"""Scaling benchmark: our model beside a bare Mesa Boltzmann-wealth loop.

Run from the project root with the project's interpreter::

    python benchmarks/bench_scaling.py                  # 10^4, 10^5 and 10^6 fans
    python benchmarks/bench_scaling.py --sizes 1e4 1e5  # choose sizes
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

Throughput is computed from the median step time (the machine may be shared;
the mean is recorded too). Peak memory is the process's ``VmHWM`` from
``/proc/self/status``; ``ru_maxrss`` is not used because Linux carries the
parent's high-water mark into a child across ``exec``. Nothing here asserts on
timings: this is a measurement, not a test. Results go to
``benchmarks/results.json`` and ``benchmarks/results.md`` (a table to paste
into the README).
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

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


# ------------------------------------------------------------------- reporting
def _fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def _fmt_n(n: int) -> str:
    e = len(str(n)) - 1
    return f"10^{e}" if n == 10**e else f"{n:,}"


def summarise(results: dict) -> dict:
    """Ratios ours / Boltzmann per size and the growth of per-agent step time between sizes."""
    rows, scaling = [], []
    sizes = sorted({r["n"] for r in results["runs"]})
    by = {(r["model"], r["n"]): r for r in results["runs"]}
    for n in sizes:
        o, b = by.get(("ours", n)), by.get(("boltzmann", n))
        row = {"n": n}
        if o:
            row.update(n_creators=o["n_creators"], setup_s=o["setup_s"], setup_cpu_s=o["setup_cpu_s"],
                       step_s=o["step_median_s"], fan_steps_per_s=o["steps_per_s"],
                       peak_mb=o["peak_rss_mb"],
                       bytes_per_fan=(o["peak_rss_mb"] - o["baseline_rss_mb"]) * MB / n)
        if b:
            row.update(b_setup_s=b["setup_s"], b_step_s=b["step_median_s"],
                       b_agent_steps_per_s=b["steps_per_s"], b_peak_mb=b["peak_rss_mb"],
                       b_bytes_per_agent=(b["peak_rss_mb"] - b["baseline_rss_mb"]) * MB / n)
        if o and b:
            row.update(speed_ratio=o["steps_per_s"] / b["steps_per_s"],
                       cpu_speed_ratio=o["steps_per_cpu_s"] / b["steps_per_cpu_s"],
                       memory_ratio=o["peak_rss_mb"] / b["peak_rss_mb"],
                       setup_ratio=o["setup_s"] / b["setup_s"])
        rows.append(row)
    for kind in ("ours", "boltzmann"):
        pts = [(n, by[(kind, n)]["step_median_s"] / n, by[(kind, n)]["step_cpu_median_s"] / n)
               for n in sizes if (kind, n) in by]
        for (n1, t1, c1), (n2, t2, c2) in zip(pts, pts[1:], strict=False):
            scaling.append({"model": kind, "from": n1, "to": n2,
                            "per_agent_step_ratio": t2 / t1, "per_agent_cpu_ratio": c2 / c1,
                            "step_time_ratio": (t2 * n2) / (t1 * n1), "size_ratio": n2 / n1})
    return {"rows": rows, "scaling": scaling}


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


KEPT = ("### Step engine", "### Set-up: numpy small world", "## Browser app")  # hand-written


def keep_other_sections(path: Path, generated: str) -> str:
    """The generated text, followed by the hand-written sections of the old file (set-up and
    app measurements made by other scripts), so that a rerun does not erase them."""
    if not path.exists():
        return generated
    old = path.read_text(encoding="utf-8")
    starts = sorted(i for i in (old.find(title) for title in KEPT) if i >= 0)
    return generated.rstrip("\n") + "\n\n" + old[starts[0]:] if starts else generated


def render_markdown(results: dict, summary: dict) -> str:
    env = results["environment"]
    dirty = env["dirty"]
    out = ["## Performance", "",
           f"Measured {env['date']} on {env['cpus']} CPU(s) ({env['machine']}), Python "
           f"{env['python']}, Mesa {env['mesa']}, numpy {env['numpy']}; load average at "
           f"start {env['loadavg'][0]:.2f} (the machine may be shared). Commit "
           f"`{env['commit'][:10]}`"
           f"{' with uncommitted changes to ' + ', '.join(env['modified']) if dirty else ''}. "
           "Each model runs in a fresh process; step time is the median wall time over the "
           "timed steps after a warm-up (the CPU-time ratio is less affected by other load); "
           "peak memory is the process's resident high-water mark "
           "(interpreter and imports included). Boltzmann: the Mesa tutorial wealth model "
           "without space or DataCollector (`model.agents.shuffle_do(\"step\")`, one random "
           "exchange per agent per step).", "",
           "| Fans | Creators | Set-up (s) | Step (s) | Fan-steps/s | Peak memory (MB) "
           "| Boltzmann agent-steps/s | Boltzmann peak (MB) | Speed ours/Boltzmann "
           "| Speed ratio by CPU time | Memory ours/Boltzmann |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in summary["rows"]:
        def g(key, fmt, r=r):
            return fmt(r[key]) if key in r else "–"
        out.append("| " + " | ".join([
            _fmt_n(r["n"]), g("n_creators", str), g("setup_s", lambda x: f"{x:.2f}"),
            g("step_s", lambda x: f"{x:.3f}"), g("fan_steps_per_s", _fmt_rate),
            g("peak_mb", lambda x: f"{x:,.0f}"), g("b_agent_steps_per_s", _fmt_rate),
            g("b_peak_mb", lambda x: f"{x:,.0f}"), g("speed_ratio", lambda x: f"{x:.2f}×"),
            g("cpu_speed_ratio", lambda x: f"{x:.2f}×"),
            g("memory_ratio", lambda x: f"{x:.2f}×")]) + " |")
    cpu = [r for r in summary["rows"] if "cpu_speed_ratio" in r]
    if cpu:
        by = {(r["model"], r["n"]): r for r in results["runs"]}
        out += ["", "By CPU time per step (less sensitive to other load): " + "; ".join(
            f"{_fmt_n(r['n'])}: ours {_fmt_rate(by[('ours', r['n'])]['steps_per_cpu_s'])}, "
            f"Boltzmann {_fmt_rate(by[('boltzmann', r['n'])]['steps_per_cpu_s'])} "
            "agent-steps per CPU-second" for r in cpu) + "."]
    if summary["scaling"]:
        out += ["", "Scaling (time per agent-step at the larger size ÷ at the smaller; "
                "1.00 = linear in the number of agents):", ""]
        for s in summary["scaling"]:
            name = "ours" if s["model"] == "ours" else "Boltzmann"
            out.append(f"- {name}, {_fmt_n(s['from'])} → {_fmt_n(s['to'])}: "
                       f"{s['per_agent_step_ratio']:.2f} (step time ×{s['step_time_ratio']:.1f} "
                       f"for ×{s['size_ratio']:.0f} agents; by CPU time "
                       f"{s['per_agent_cpu_ratio']:.2f})")
    ours = [r for r in results["runs"] if r["model"] == "ours"]
    if ours:
        big = max(ours, key=lambda r: r["n"])
        state = ", ".join(f"{k} {v:,.0f} MB" for k, v in big["state_mb"].items())
        out += ["", f"Set-up at {_fmt_n(big['n'])} fans ({big['n_creators']:,} creators); "
                f"peak memory during set-up {big['peak_rss_after_setup_mb']:,.0f} MB, resident "
                f"after set-up {big['rss_after_setup_mb']:,.0f} MB, after "
                f"imports {big['baseline_rss_mb']:,.0f} MB; numpy state: {state}.", ""]
        out += setup_breakdown_lines(big)
    return "\n".join(out) + "\n"


def print_table(results: dict, summary: dict) -> None:
    head = (f"{'fans':>9} {'creators':>8} {'setup s':>8} {'step s':>8} {'fan-st/s':>10} "
            f"{'peak MB':>8} | {'boltz/s':>10} {'peak MB':>8} | {'speed':>6} {'memory':>6}")
    print(head)
    print("-" * len(head))
    for r in summary["rows"]:
        def g(key, fmt, width, r=r):
            return (fmt(r[key]) if key in r else "-").rjust(width)
        mb = "{:,.0f}".format
        print(" ".join([f"{r['n']:>9,}", g("n_creators", str, 8), g("setup_s", "{:.2f}".format, 8),
                        g("step_s", "{:.3f}".format, 8), g("fan_steps_per_s", _fmt_rate, 10),
                        g("peak_mb", mb, 8), "|",
                        g("b_agent_steps_per_s", _fmt_rate, 10), g("b_peak_mb", mb, 8),
                        "|", g("speed_ratio", "{:.2f}x".format, 6),
                        g("memory_ratio", "{:.2f}x".format, 6)]))
    print("speed = our fan-steps/s / Boltzmann agent-steps/s (median wall time per step); "
          "memory = our peak / Boltzmann peak")
    for r in summary["rows"]:
        if "cpu_speed_ratio" in r:
            print(f"{r['n']:>9,}: speed ratio by CPU time {r['cpu_speed_ratio']:.2f}x")
    for r in results["runs"]:
        print(f"{r['model']:>9} {r['n']:>9,}: {_fmt_rate(r['steps_per_cpu_s'])} agent-steps per "
              f"CPU-second; kernel {r['sys_cpu_share']:.0%} of CPU, "
              f"{r['minor_faults_per_step']:,.0f} page faults/step, "
              f"GC {r['gc_s_per_step'] * 1e3:.0f} ms/step")
    for s in summary["scaling"]:
        print(f"scaling {s['model']:>9} {s['from']:>9,} -> {s['to']:>9,}: time per agent-step x"
              f"{s['per_agent_step_ratio']:.2f}, by CPU time x{s['per_agent_cpu_ratio']:.2f} "
              "(1.00 = linear)")
    for r in summary["rows"]:
        if "bytes_per_fan" in r:
            print(f"{r['n']:>9,} fans: {r['bytes_per_fan']:,.0f} bytes per fan above the import "
                  f"baseline" + (f"; Boltzmann {r['b_bytes_per_agent']:,.0f} bytes per agent"
                                 if "b_bytes_per_agent" in r else ""))
        if r["n"] >= 10**6 and "setup_s" in r:
            verdict = "within" if r["setup_s"] <= SETUP_TARGET_S else "ABOVE"
            print(f"{r['n']:>9,} fans: set-up {r['setup_s']:.2f} s (CPU {r['setup_cpu_s']:.2f} s) "
                  f"is {verdict} the {SETUP_TARGET_S:g} s target")
        if r["n"] >= 10**6 and "peak_mb" in r:
            verdict = "within" if r["peak_mb"] <= MEMORY_TARGET_MB else "ABOVE"
            print(f"{r['n']:>9,} fans: peak {r['peak_mb']:,.0f} MB is {verdict} the "
                  f"{MEMORY_TARGET_MB} MB target")


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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=_size, default=[10**4, 10**5, 10**6],
                    help="numbers of fans (and of Boltzmann agents), e.g. 1e4 1e5 "
                    "(default: 1e4 1e5 1e6)")
    ap.add_argument("--steps", type=int, default=None,
                    help="timed steps per size (default: 50 up to 1e4, 20 up to 1e5, 5 above)")
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed steps first (default: 3 / 2 / 1 by size)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fans-per-creator", type=int, default=250,
                    help="n_creators = max(40, n_fans // this) (default 250)")
    ap.add_argument("--only", choices=["ours", "boltzmann"], help="measure one model only")
    ap.add_argument("--out-dir", type=Path, default=HERE, help="where results.json/.md go")
    ap.add_argument("--no-write", action="store_true", help="print only; write no files")
    ap.add_argument("--worker", choices=["ours", "boltzmann"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:  # inside the fresh subprocess
        sys.path.insert(0, str(ROOT))
        if args.worker == "ours":
            res = worker_ours(args.n, n_creators_for(args.n, args.fans_per_creator), args.steps,
                              args.warmup, args.seed)
        else:
            res = worker_boltzmann(args.n, args.steps, args.warmup, args.seed)
        print(MARK + json.dumps(res))
        return

    kinds = [args.only] if args.only else ["ours", "boltzmann"]
    results = {"environment": environment(), "fans_per_creator": args.fans_per_creator,
               "runs": []}
    t_start = time.perf_counter()
    for n in sorted(set(args.sizes)):
        for kind in kinds:
            print(f"[{time.perf_counter() - t_start:6.0f}s] {kind} at n={n:,} ...",
                  file=sys.stderr, flush=True)
            r = run_worker(kind, n, args)
            results["runs"].append(r)
            print(f"         set-up {r['setup_s']:.2f} s, step {r['step_median_s']:.3f} s "
                  f"(CPU {r['step_cpu_median_s']:.3f} s, {r['sys_cpu_share']:.0%} in the kernel, "
                  f"{r['minor_faults_per_step']:,.0f} page faults/step, "
                  f"{r['gc_s_per_step'] * 1e3:.0f} ms/step in the garbage collector), "
                  f"{_fmt_rate(r['steps_per_s'])} agent-steps/s, peak {r['peak_rss_mb']:,.0f} MB",
                  file=sys.stderr, flush=True)
    summary = summarise(results)
    results["summary"] = summary
    results["total_wall_s"] = time.perf_counter() - t_start
    print()
    print_table(results, summary)
    for r in results["runs"]:
        if r["model"] == "ours":
            print(f"\nset-up breakdown at {r['n']:,} fans:")
            print("\n".join(setup_breakdown_lines(r)))
    print(f"\ntotal wall time {results['total_wall_s']:.0f} s")
    if not args.no_write:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        (args.out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        md = args.out_dir / "results.md"
        md.write_text(keep_other_sections(md, render_markdown(results, summary)))
        print(f"wrote {args.out_dir / 'results.json'} and {args.out_dir / 'results.md'}")


if __name__ == "__main__":
    main()

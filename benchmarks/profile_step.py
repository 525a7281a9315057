"""Where a model step spends its time: profile steps at 10^5 fans and print the hot spots.

Run from the project root with the project's interpreter::

    python benchmarks/profile_step.py                   # 10^5 fans, 400 creators, 3 steps
    python benchmarks/profile_step.py --fans 1e6 --steps 1
    python benchmarks/profile_step.py --pyinstrument    # also a pyinstrument tree, if installed

Three views of the same steps, each taken on its own run so their overheads do
not mix:

1. functions (cProfile): self time and cumulative time, including numpy's C
   calls, and the step's phases (``ParasocialModel._attention`` etc.);
2. lines: self time of every executed line in ``sim/`` (Python >= 3.12,
   ``sys.monitoring``): the numpy work a line starts is charged to that line,
   so this points at the exact statements to optimise;
3. optionally pyinstrument's call tree (``pip install pyinstrument`` for your
   own use; it is not a project dependency).

The model is warmed up first (bonds form, money and hostility start moving).
This script measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import linecache
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIM_DIR = str(ROOT / "sim")


class LineTimer:
    """Self time per source line of the ``sim`` package, via ``sys.monitoring`` (Python 3.12+).

    Time between two line events is charged to the earlier line; on return from
    a ``sim`` function the clock continues on the caller's current line, so work
    done in a caller after a call returns is not charged to the callee.
    Lines outside ``sim`` (Mesa, pandas) are not tracked: time there is charged
    to the ``sim`` line that called them, or to the Mesa line a reporter
    returned to.
    """

    def __init__(self, prefix: str = SIM_DIR):
        self.prefix = prefix
        self.acc: dict[tuple[str, int], float] = defaultdict(float)
        self.hits: dict[tuple[str, int], int] = defaultdict(int)
        self.key: tuple[str, int] = ("<start>", 0)
        self.t = 0.0

    def _on_line(self, code, line):
        if not code.co_filename.startswith(self.prefix):
            return sys.monitoring.DISABLE
        now = time.perf_counter()
        self.acc[self.key] += now - self.t
        self.key = (code.co_filename, line)
        self.hits[self.key] += 1
        self.t = time.perf_counter()  # exclude this callback's own cost
        return None

    def _on_return(self, code, offset, retval):
        if not code.co_filename.startswith(self.prefix):
            return sys.monitoring.DISABLE
        now = time.perf_counter()
        self.acc[self.key] += now - self.t
        caller = sys._getframe(1).f_back
        self.key = (caller.f_code.co_filename, caller.f_lineno) if caller else ("<top>", 0)
        self.t = time.perf_counter()
        return None

    def run(self, fn):
        mon = sys.monitoring
        tool = mon.PROFILER_ID
        mon.use_tool_id(tool, "profile_step line timer")
        try:
            mon.register_callback(tool, mon.events.LINE, self._on_line)
            mon.register_callback(tool, mon.events.PY_RETURN, self._on_return)
            mon.set_events(tool, mon.events.LINE | mon.events.PY_RETURN)
            self.key, self.t = ("<start>", 0), time.perf_counter()
            fn()
            self.acc[self.key] += time.perf_counter() - self.t
        finally:
            mon.set_events(tool, 0)
            mon.register_callback(tool, mon.events.LINE, None)
            mon.register_callback(tool, mon.events.PY_RETURN, None)
            mon.free_tool_id(tool)
        self.acc.pop(("<start>", 0), None)


def _short(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        parts = Path(path).parts
        return "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts \
            else path


def _steps(model, k: int):
    def go():
        for _ in range(k):
            model.step()
    return go


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fans", type=lambda s: int(float(s)), default=100_000)
    ap.add_argument("--creators", type=int, default=None, help="default max(40, fans // 250)")
    ap.add_argument("--steps", type=int, default=3, help="steps profiled (results per step)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=25, help="rows per table")
    ap.add_argument("--pyinstrument", action="store_true", help="also print a pyinstrument tree")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from sim.model import ParasocialModel

    n_creators = args.creators or max(40, args.fans // 250)
    t0 = time.perf_counter()
    model = ParasocialModel(n_fans=args.fans, n_creators=n_creators, rng=args.seed)
    print(f"{args.fans:,} fans, {n_creators:,} creators: set-up {time.perf_counter() - t0:.2f} s")
    _steps(model, args.warmup)()
    k = args.steps

    plain = []
    for _ in range(k):
        t0 = time.perf_counter()
        model.step()
        plain.append(time.perf_counter() - t0)
    step_s = statistics.median(plain)
    print(f"step (unprofiled, median of {k}): {step_s * 1e3:.1f} ms = "
          f"{args.fans / step_s / 1e3:,.0f} k fan-steps/s")

    # 1. cProfile ------------------------------------------------------------------
    prof = cProfile.Profile()
    prof.runcall(_steps(model, k))
    stats = pstats.Stats(prof)
    total = stats.total_tt / k
    print(f"\n=== cProfile: {k} step(s), {total * 1e3:.1f} ms per step under the profiler ===")
    rows = []
    for (file, line, name), (_cc, nc, tt, ct, _callers) in stats.stats.items():
        where = name if file == "~" else f"{_short(file)}:{line}({name})"
        rows.append((tt / k, ct / k, nc // k, where))
    print(f"\n-- top {args.top} by self time (per step) --")
    print(f"{'self ms':>9} {'share':>6} {'cum ms':>9} {'calls':>7}  function")
    for tt, ct, nc, where in sorted(rows, reverse=True)[:args.top]:
        print(f"{tt * 1e3:9.2f} {tt / total:6.1%} {ct * 1e3:9.2f} {nc:7d}  {where}")
    print("\n-- phases of ParasocialModel.step and sim functions by cumulative time (per step) --")
    print(f"{'cum ms':>9} {'share':>6} {'calls':>7}  function")
    sim_rows = [r for r in rows if r[3].startswith("sim/")]
    for _tt, ct, nc, where in sorted(sim_rows, key=lambda r: -r[1])[:args.top]:
        print(f"{ct * 1e3:9.2f} {ct / total:6.1%} {nc:7d}  {where}")
    mesa_ct = sum(r[1] for r in rows if "DataCollector.collect" in r[3] or
                  "datacollection.py" in r[3] and "(collect)" in r[3])
    if mesa_ct:
        print(f"(Mesa DataCollector.collect: {mesa_ct * 1e3:.1f} ms per step)")

    # 2. lines ---------------------------------------------------------------------
    if hasattr(sys, "monitoring"):  # Python >= 3.12
        timer = LineTimer()
        t0 = time.perf_counter()
        timer.run(_steps(model, k))
        wall = (time.perf_counter() - t0) / k
        covered = sum(timer.acc.values()) / k
        print(f"\n=== lines: self time per line, {wall * 1e3:.1f} ms per step under the line "
              f"timer ({covered / wall:.0%} charged to lines) ===")
        print(f"{'ms/step':>8} {'share':>6} {'runs':>5}  location / source")
        top = sorted(timer.acc.items(), key=lambda kv: -kv[1])[:args.top]
        for (file, line), sec in top:
            src = linecache.getline(file, line).strip()
            runs = timer.hits[(file, line)] // k
            print(f"{sec / k * 1e3:8.2f} {sec / k / covered:6.1%} {runs:5d}"
                  f"  {_short(file)}:{line}  {src[:90]}")
        by_file = defaultdict(float)
        for (file, _), sec in timer.acc.items():
            by_file[_short(file)] += sec / k
        print("\n-- by file (ms per step) --")
        for file, sec in sorted(by_file.items(), key=lambda kv: -kv[1])[:10]:
            print(f"{sec * 1e3:8.2f} {sec / covered:6.1%}  {file}")

    # 3. pyinstrument (optional) ---------------------------------------------------
    if args.pyinstrument:
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("\npyinstrument is not installed (pip install pyinstrument); skipped")
        else:
            p = Profiler(interval=0.0005)
            p.start()
            _steps(model, k)()
            p.stop()
            out = io.StringIO()
            out.write(p.output_text(unicode=False, color=False, show_all=False))
            print("\n=== pyinstrument ===")
            print(out.getvalue())


if __name__ == "__main__":
    main()

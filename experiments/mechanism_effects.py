"""Does each headline mechanism carry its effect? Paired runs with it on and off.

Each check builds one world per seed with its base settings, runs it to the
switch day, then copies it exactly and changes one setting in the copy
(`ParasocialModel.update_params`: the policy is introduced that day). Both run
on to the end with the same random numbers, so they differ only through the
mechanism; the check reports the mean paired difference of one outcome with
its 95 % t-interval across seeds. A check is "shown" only when the interval lies on the
expected side of zero ("none" checks expect exactly zero difference in every
seed); otherwise it is "not shown" or "opposite". The world is meant to be
realistic in audience size: hundreds of followers for the median creator.

    python experiments/mechanism_effects.py                      # defaults below
    python experiments/mechanism_effects.py --fans 20000 --creators 60 --seeds 8 --workers 2

Writes results/mechanism_effects/summary.md and effects.csv.
"""

from __future__ import annotations

import argparse
import copy
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from sim.metrics import FOCAL  # noqa: E402
from sim.model import ParasocialModel  # noqa: E402
from sim.params import make_params  # noqa: E402

SWITCH = 60  # day the treated copy's setting changes
LOCKDOWN = (120, 60)  # start day and length of the lockdown check
COHORT_RECIPROCITY = "cohort_reciprocity"  # reciprocity on the bonds focal at the switch
BURNT_OUT = "burnt_out_creators"
AFTER_SWITCH = (SWITCH + 1, 10**9)


@dataclass(frozen=True)
class Check:
    name: str
    question: str
    outcome: str
    expect: str  # "up", "down" or "none"
    treated: dict
    base: dict = field(default_factory=dict)
    window: tuple[int, int] | None = None  # mean over these days instead of the last day


NO_SHOCK = {"stress_noise": 0.0}
CHECKS = [
    Check("paid_reciprocity", "paid messages (per message) raise perceived reciprocity "
          "(bonds focal at the switch)", COHORT_RECIPROCITY, "up", {"paid_messages": "per_message"}),
    Check("paid_spending", "paid messages (per message) raise spending",
          "monthly_spending", "up", {"paid_messages": "per_message"}),
    Check("subscription_reciprocity", "messages with a subscription raise perceived reciprocity "
          "(bonds focal at the switch)", COHORT_RECIPROCITY, "up",
          {"paid_messages": "subscription"}),
    Check("feed_concentration", "engagement ranking concentrates audiences (vs chronological)",
          "audience_gini", "up", {"feed": "engagement"}, {"feed": "chronological"}),
    Check("feed_top_views", "engagement ranking concentrates views (vs chronological)",
          "views_top1_share", "up", {"feed": "engagement"}, {"feed": "chronological"}),
    Check("lockdown_hours", "a lockdown raises platform hours (mean over the lockdown)",
          "platform_hours", "up", {"lockdown_day": LOCKDOWN[0], "lockdown_days": LOCKDOWN[1]},
          window=(LOCKDOWN[0], LOCKDOWN[0] + LOCKDOWN[1])),
    # Burnout as the share of creator-days spent burnt out after the switch: a share of the
    # fixed creator slots, so quits and fresh newcomers cannot dilute it (the share of active
    # creators ever burnt out can fall when harassment makes burnt-out creators quit sooner).
    Check("burnout_without_shock", "without the random shock, demands still burn creators out",
          BURNT_OUT, "up", NO_SHOCK,
          {**NO_SHOCK, "load_stress": 0.0, "demand_stress": 0.0, "harassment_stress": 0.0},
          window=AFTER_SWITCH),
    Check("burnout_harassment", "harassment adds to burnout (no random shock)",
          BURNT_OUT, "up", NO_SHOCK, {**NO_SHOCK, "harassment_stress": 0.0}, window=AFTER_SWITCH),
    Check("burnout_shock", "the random shock adds to burnout (compare its size with the above)",
          BURNT_OUT, "up", {}, NO_SHOCK, window=AFTER_SWITCH),
    Check("moderation_idle", "moderation with nothing to detect changes nothing",
          "hostility", "none", {"harassment_rate": 0.0, "moderation": 0.9},
          {"harassment_rate": 0.0}),
    Check("moderation_effect", "moderation lowers hostility (mean over the run)",
          "hostility", "down", {"moderation": 0.5}, window=AFTER_SWITCH),
    Check("posting_binds", "twice the posts: fans see more (the attention budget binds where "
          "the relative change in posts seen per fan is under +100 %)", "posts_seen", "up",
          {"posting_rate": 2.0}, {"posting_rate": 1.0}),
]


def focal_bonds(model) -> tuple[np.ndarray, np.ndarray]:
    """(fan, creator) of every focal fan's strongest bond: the cohort a check follows."""
    fans = np.flatnonzero(model.strongest >= FOCAL)
    slot = np.argmax(model.bonds.attachment[fans], axis=1)
    return fans, model.bonds.creator[fans, slot]


def cohort_reciprocity(model, cohort: tuple[np.ndarray, np.ndarray]) -> float:
    """Mean perceived reciprocity today on the cohort's bonds (0 where the bond is gone).

    The same fans and creators in both arms: a paid message that makes new
    fans focal cannot dilute the measure, as conditioning on today's focal
    fans would (those are a consequence of the treatment).
    """
    fans, creators = cohort
    if fans.size == 0:
        return 0.0
    same = model.bonds.creator[fans] == creators[:, None]
    return float((model.bonds.reciprocity[fans] * same).sum(axis=1).mean())


def outcome_value(model, frame: pd.DataFrame, check: Check, cohort) -> float:
    if check.outcome == COHORT_RECIPROCITY:
        return cohort_reciprocity(model, cohort)
    if check.window is None:
        return float(frame[check.outcome].iloc[-1])
    lo, hi = check.window
    return float(frame[check.outcome].iloc[lo:hi].mean())


def run(args) -> tuple[float, float]:
    """One seed of one check: (base value, treated value)."""
    check, world, seed, steps = args
    base = ParasocialModel(rng=seed, **world, **check.base)
    base.run_for(SWITCH)
    treated = copy.deepcopy(base)
    cohort = focal_bonds(base)
    defaults = make_params(world["preset"]).to_dict()
    keys = set(check.base) | set(check.treated)
    treated.update_params(**{k: check.treated.get(k, defaults[k]) for k in keys
                             if check.treated.get(k, defaults[k]) != check.base.get(k, defaults[k])})
    values = []
    for model in (base, treated):
        model.run_for(steps - SWITCH)
        frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        values.append(outcome_value(model, frame, check, cohort))
    return values[0], values[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fans", type=int, default=10_000, help="fans in the world")
    parser.add_argument("--creators", type=int, default=25,
                        help="creators in the world (400 fans per creator, as the report's)")
    parser.add_argument("--steps", type=int, default=365, help="days per run")
    parser.add_argument("--seeds", type=int, default=6, help="paired replicates per check")
    parser.add_argument("--workers", type=int, default=2, help="processes (1: run in this process)")
    parser.add_argument("--preset", default="influencer", help="preset of the world")
    parser.add_argument("--only", nargs="*", help="names of checks to run (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "mechanism_effects",
                        help="folder for summary.md and effects.csv")
    a = parser.parse_args(argv)
    checks = [c for c in CHECKS if not a.only or c.name in a.only]
    world = {"preset": a.preset, "n_fans": a.fans, "n_creators": a.creators}
    ParasocialModel(**{**world, "n_fans": 100, "n_creators": 2})  # validate before any work
    if a.seeds < 2:
        parser.error(f"--seeds {a.seeds} is not allowed: an interval needs at least 2 seeds")
    if a.workers < 1:
        parser.error(f"--workers {a.workers} is not allowed: must be at least 1")
    unknown = set(a.only or ()) - {c.name for c in CHECKS}
    if unknown:
        parser.error(f"--only {' '.join(sorted(unknown))} is not allowed: checks are "
                     + ", ".join(c.name for c in CHECKS))
    if a.steps <= SWITCH:
        parser.error(f"--steps {a.steps} is not allowed: must be more than the switch day {SWITCH}")
    seeds = range(1, a.seeds + 1)
    jobs = [(c, world, s, a.steps) for c in checks for s in seeds]
    if a.workers == 1:
        values = list(map(run, jobs))
    else:
        with ProcessPoolExecutor(a.workers) as pool:
            values = list(pool.map(run, jobs))
    rows = []
    for i, c in enumerate(checks):
        pairs = np.array(values[i * a.seeds:(i + 1) * a.seeds])
        b, t = pairs[:, 0], pairs[:, 1]
        d = t - b
        half = (stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
                if d.size > 1 and d.std() > 0 else 0.0)
        lo, hi = d.mean() - half, d.mean() + half
        if c.expect == "none":
            verdict = "shown" if np.all(d == 0) else ("not shown" if lo <= 0 <= hi else "opposite")
        else:
            sign = 1 if c.expect == "up" else -1
            low, high = sorted((sign * lo, sign * hi))  # the interval, turned to the expected side
            verdict = "shown" if low > 0 else "opposite" if high < 0 else "not shown"
        rows.append({"check": c.name, "question": c.question, "outcome": c.outcome,
                     "expect": c.expect, "base": b.mean(), "treated": t.mean(),
                     "difference": d.mean(), "ci_lo": lo, "ci_hi": hi,
                     "relative": d.mean() / b.mean() if b.mean() else np.nan, "verdict": verdict})
    table = pd.DataFrame(rows)
    a.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(a.out / "effects.csv", index=False)
    lines = [f"# Mechanism effects: paired runs ({a.seeds} seeds, {a.fans} fans, {a.creators} "
             f"creators, {a.steps} days, preset {a.preset})", "",
             f"Each seed's world runs with the base settings to day {SWITCH}; an exact copy then "
             "gets the treated setting, and both run on with the same random numbers. "
             "\"shown\": the 95 % interval of the paired difference lies on the expected side "
             "of zero (\"none\" checks: exactly zero in every seed).", "",
             f"Command: `python experiments/mechanism_effects.py --fans {a.fans} --creators "
             f"{a.creators} --steps {a.steps} --seeds {a.seeds} --preset {a.preset}`", "",
             "| check | outcome | base | treated | difference [95 % CI] | relative | verdict |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['question']} | `{r['outcome']}` | {r['base']:.4g} | {r['treated']:.4g} "
                     f"| {r['difference']:+.4g} [{r['ci_lo']:+.4g}, {r['ci_hi']:+.4g}] "
                     f"| {r['relative']:+.1%} | {r['verdict']} |")
    text = "\n".join(lines) + "\n"
    (a.out / "summary.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`parasocial run`: one scenario, a progress bar, a summary table, tidy data and a figure."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm

from sim.metrics import OUTCOMES
from sim.model import ParasocialModel
from sim.params import PRESETS, make_params
from sim.plots import run_figure

SUMMARY = ["share_focal", "tier_entertainment", "tier_intense", "tier_borderline",
           "mean_attachment", "platform_hours", "wellbeing", "loneliness", "monthly_spending",
           "payer_share", "top10_payer_share", "income_gini", "harassment_per_creator",
           "harassment_per_fan", "stalking", "active_creators", "burnt_out_creators",
           "quit_creators", "grief"]


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run one scenario and write its time series and figure")
    p.add_argument("--preset", default="influencer", help=f"one of {', '.join(PRESETS)}")
    p.add_argument("--fans", type=int, help="number of fans (n_fans)")
    p.add_argument("--creators", type=int, help="number of creators (n_creators)")
    p.add_argument("--steps", type=int, default=365, help="days to simulate (default 365)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any parameter, e.g. --set feed=chronological (repeatable)")
    p.add_argument("--out", type=Path, help="output folder (default results/runs/<name>)")
    p.set_defaults(func=run)


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {pair!r} is not allowed: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def run(args) -> int:
    overrides = parse_overrides(args.set)
    if args.fans is not None:
        overrides["n_fans"] = args.fans
    if args.creators is not None:
        overrides["n_creators"] = args.creators
    if args.steps < 1:
        raise ValueError(f"--steps={args.steps} is not allowed: must be >= 1")
    params = make_params(args.preset, **overrides)  # every error before any work
    name = "_".join([args.preset, f"seed{args.seed}", *(f"{k}-{v}" for k, v in overrides.items())])
    out = args.out or Path("results/runs") / name
    out.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    model = ParasocialModel(preset=args.preset, rng=args.seed, **overrides)
    for _ in tqdm(range(args.steps), desc=f"{args.preset} ({params.n_fans} fans)", unit="day"):
        model.step()
    elapsed = time.perf_counter() - started

    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "step", range(len(frame)))
    frame.to_csv(out / "timeseries.csv", index=False)
    model.creator_table.to_csv(out / "creators.csv", index=False)
    (out / "params.json").write_text(json.dumps(
        {"preset": args.preset, "seed": args.seed, "steps": args.steps, "seconds": elapsed,
         "params": params.to_dict()}, indent=2, default=str))
    fig = run_figure(frame, f"{args.preset}, {params.n_fans} fans, seed {args.seed}")
    fig.savefig(out / "timeseries.png", dpi=120)

    last = frame.iloc[-1]
    print(f"\n{'outcome':<52} {'day ' + str(args.steps):>12}")
    for key in SUMMARY:
        description, unit, _ = OUTCOMES[key]
        print(f"{description + ' (' + unit + ')':<52} {last[key]:>12.4g}")
    print(f"\n{args.steps} days in {elapsed:.1f} s; wrote {out}/timeseries.csv, creators.csv, "
          "params.json, timeseries.png")
    return 0

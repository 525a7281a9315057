"""`parasocial run`: one scenario, a progress bar, a summary table, tidy data and a figure."""

from __future__ import annotations

import difflib
import json
import time
from pathlib import Path

from sim.cli import command_parser
from sim.cli.errors import at_least, output_folder, work
from sim.params import PARAM_FIELDS, PRESETS

SUMMARY = ["share_focal", "tier_entertainment", "tier_intense", "tier_borderline",
           "mean_attachment", "platform_hours", "wellbeing", "loneliness", "monthly_spending",
           "payer_share", "top10_payer_share", "income_gini", "harassment_per_creator",
           "harassment_per_fan", "stalking", "active_creators", "burnt_out_creators",
           "quit_creators", "grief"]
# Options that set a parameter themselves; --set may not set it a second time.
SHORTCUTS = {"preset": "--preset", "n_fans": "--fans", "n_creators": "--creators"}


def add_parser(sub) -> None:
    p = command_parser(sub, "run", description=(
        "Run one scenario (a preset plus any parameter changes) for a number of days; print "
        "a summary table and write timeseries.csv, creators.csv, params.json (with the code's "
        "version and revision) and timeseries.png. `parasocial params` lists the parameters."))
    p.add_argument("--preset", default="influencer", choices=PRESETS,
                   help="named parameter set (default influencer)")
    p.add_argument("--fans", type=int, help="number of fans (sets n_fans)")
    p.add_argument("--creators", type=int, help="number of creators (sets n_creators)")
    p.add_argument("--steps", type=int, default=365, help="days to simulate (default 365)")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed, >= 0 (default 0); the same seed gives the same run")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change one parameter, e.g. --set feed=chronological (repeatable)")
    p.add_argument("--out", type=Path, help="output folder (default results/runs/<name>)")
    p.set_defaults(func=run)


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs as a dict; each name a parameter, given once."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = (part.strip() for part in pair.partition("="))
        if not sep or not key:
            raise ValueError(f"--set {pair!r} is not allowed: expected NAME=VALUE")
        if key in SHORTCUTS:
            raise ValueError(f"--set {pair} is not allowed: give {key} with {SHORTCUTS[key]}")
        if key not in PARAM_FIELDS:
            close = difflib.get_close_matches(key, PARAM_FIELDS, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ValueError(f"--set {pair} is not allowed: {key} is not a parameter; {hint}"
                             "`parasocial params` lists them")
        if key in out:
            raise ValueError(f"--set {pair} is not allowed: {key} is already set to {out[key]}")
        out[key] = value
    return out


def run(args) -> int:
    from sim.params import make_params

    overrides: dict[str, object] = parse_overrides(args.set)
    for key, value in (("n_fans", args.fans), ("n_creators", args.creators)):
        if value is not None:
            overrides[key] = value
    at_least("--steps", args.steps, 1)
    at_least("--seed", args.seed, 0)
    params = make_params(args.preset, **overrides)
    name = "_".join([args.preset, f"seed{args.seed}", *(f"{k}-{v}" for k, v in overrides.items())])
    out = output_folder("--out", args.out or Path("results/runs") / name)

    with work():
        elapsed, frame, creators = _simulate(args, overrides, params.n_fans)
        _write(out, args, params, frame, creators, elapsed)
    if not args.quiet:
        _print_summary(frame, args.steps, elapsed, out)
    return 0


def _simulate(args, overrides: dict, n_fans: int):
    from tqdm import tqdm

    from sim.model import ParasocialModel

    started = time.perf_counter()
    model = ParasocialModel(preset=args.preset, rng=args.seed, **overrides)
    for _ in tqdm(range(args.steps), desc=f"{args.preset} ({n_fans} fans)", unit="day",
                  disable=args.quiet):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "step", range(len(frame)))
    return time.perf_counter() - started, frame, model.creator_table


def _write(out: Path, args, params, frame, creators, elapsed: float) -> None:
    from sim.plots import run_figure
    from sim.provenance import record

    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "timeseries.csv", index=False)
    creators.to_csv(out / "creators.csv", index=False)
    (out / "params.json").write_text(json.dumps(
        {"preset": args.preset, "seed": args.seed, "steps": args.steps, "seconds": elapsed,
         **record(), "params": params.to_dict()}, indent=2, default=str))
    fig = run_figure(frame, f"{args.preset}, {params.n_fans} fans, seed {args.seed}")
    fig.savefig(out / "timeseries.png", dpi=120)


def _print_summary(frame, steps: int, elapsed: float, out: Path) -> None:
    from sim.metrics import OUTCOMES

    last = frame.iloc[-1]
    print(f"\n{'outcome':<52} {'day ' + str(steps):>12}")
    for key in SUMMARY:
        description, unit, _ = OUTCOMES[key]
        print(f"{description + ' (' + unit + ')':<52} {last[key]:>12.4g}")
    print(f"\n{steps} days in {elapsed:.1f} s; wrote {out}/timeseries.csv, creators.csv, "
          "params.json, timeseries.png")

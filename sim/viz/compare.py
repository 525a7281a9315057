"""Two scenarios side by side: the same world and seed, one or more settings changed.

Both models are built with the same seed, so they start from the same world
and draw the same random numbers until the changed settings make them diverge
(common random numbers): the difference between them is the effect of the
change in this world, not noise between two worlds. Both are plain
``ParasocialModel`` runs; the outcomes come from their DataCollectors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import altair as alt
import pandas as pd

from sim.metrics import OUTCOMES
from sim.model import ParasocialModel
from sim.params import PARAM_FIELDS, make_params
from sim.viz.charts import HEIGHT, day_axis, fit_width, records

MAX_DAYS = 3650  # ten simulated years: a longer comparison belongs in a sweep (parasocial sweep)
SHARED = ("n_fans", "n_creators")  # world size: the same in both scenarios by construction
DEFAULT_OUTCOMES = ("wellbeing", "share_focal", "spending", "payer_share",
                    "harassment_per_creator", "creator_income")
COLOURS = ("#377eb8", "#e41a1c")


@dataclass(frozen=True)
class Comparison:
    """Two finished runs: their labels, settings and daily outcomes (day 0 = initial state)."""

    labels: tuple[str, str]
    settings: tuple[dict, dict]
    frames: tuple[pd.DataFrame, pd.DataFrame]
    seed: int
    days: int


def parse_seed(text) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise ValueError(f"seed={text!r} is not allowed: a whole number (the same for both "
                         "scenarios)") from None


def parse_days(value) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        days = -1
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days={value!r} is not allowed: a whole number from 1 to {MAX_DAYS}")
    return days


def split(differences: list[tuple[str, object, object]]) -> tuple[dict, dict]:
    """The two scenarios' overrides from (parameter, value in A, value in B) rows, checked."""
    names = [name for name, _, _ in differences]
    for name in names:
        if name not in PARAM_FIELDS or name in SHARED:
            raise ValueError(f"setting {name!r} cannot differ between the scenarios: choose a "
                             f"model parameter other than {' and '.join(SHARED)}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"setting {repeated[0]!r} is listed twice: give each setting one row")
    a = {name: va for name, va, _ in differences}
    b = {name: vb for name, _, vb in differences}
    return a, b


def scenario_label(letter: str, overrides: dict) -> str:
    return f"{letter}: " + ", ".join(f"{k}={v}" for k, v in overrides.items())


def run_pair(preset: str, seed, days, shared: dict, differences) -> Comparison:
    """Build both scenarios (all input checked before any step), then run each for `days`."""
    seed, days = parse_seed(seed), parse_days(days)
    a, b = split(differences)
    settings = ({**shared, **a}, {**shared, **b})
    params = [make_params(preset, **s) for s in settings]  # a bad value fails here, named
    if params[0] == params[1]:
        raise ValueError("the scenarios do not differ: give at least one setting a different "
                         "value in B")
    models = [ParasocialModel(preset=preset, rng=seed, **s) for s in settings]
    for model in models:
        for _ in range(days):
            model.step()
    frames = tuple(m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
                   for m in models)
    return Comparison((scenario_label("A", a), scenario_label("B", b)), settings, frames, seed,
                      days)


def outcome_frame(cmp: Comparison, outcome: str) -> pd.DataFrame:
    """One outcome per day in both scenarios and their difference B - A."""
    a, b = (f[outcome] for f in cmp.frames)
    frame = pd.DataFrame({"A": a, "B": b, "B - A": b - a})
    frame.index.name = "day"
    return frame


def summary(cmp: Comparison, outcomes) -> pd.DataFrame:
    """Per outcome: the last day's value in A and B, their difference, and the run means."""
    rows = []
    for outcome in outcomes:
        f = outcome_frame(cmp, outcome)
        description, unit, _ = OUTCOMES[outcome]
        last, mean = f.iloc[-1], f.mean()
        rows.append({"outcome": description, "unit": unit,
                     f"A, day {cmp.days}": last["A"], f"B, day {cmp.days}": last["B"],
                     "B - A, last day": last["B - A"],
                     "A, mean over the run": mean["A"], "B, mean over the run": mean["B"],
                     "B - A, mean": mean["B - A"]})
    return pd.DataFrame(rows).round(4)


def outcome_specs(cmp: Comparison, outcome: str) -> tuple[dict, dict]:
    """Vega-Lite: both scenarios' lines, and below them the difference B - A, day by day.

    Two charts rather than one concatenated: Vega-Lite sizes only single and
    layered views to their container's width.
    """
    description, unit, _ = OUTCOMES[outcome]
    name = f"datum.scenario == 'A' ? {json.dumps(cmp.labels[0])} : {json.dumps(cmp.labels[1])}"
    x = day_axis()
    base = alt.Chart(alt.Data(name="pair"))
    both = base.transform_fold(["A", "B"], as_=["scenario", "value"]).transform_calculate(
        name=name).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("value:Q", title=unit),
        color=alt.Color("name:N", title=None, scale=alt.Scale(domain=list(cmp.labels),
                                                              range=list(COLOURS)),
                        legend=alt.Legend(orient="top", direction="vertical")),
        tooltip=["day:Q", "name:N", alt.Tooltip("value:Q", format=".4g")]).properties(
        height=HEIGHT, title=description)
    diff = base.mark_area(line={"color": "black"}, color="#999999", opacity=0.4).encode(
        x=x, y=alt.Y("B - A:Q", title=f"B - A ({unit})"),
        tooltip=["day:Q", alt.Tooltip("B - A:Q", format=".4g")])
    zero = alt.Chart().mark_rule(color="black", strokeDash=[3, 3]).encode(y=alt.datum(0))
    data = {"pair": records(outcome_frame(cmp, outcome))}
    specs = []
    for chart, what in ((both, "both scenarios"), (alt.layer(diff, zero).properties(
            height=HEIGHT // 2), "the difference B - A")):
        spec = fit_width(chart)
        spec["datasets"] = data
        spec["description"] = f"{description}, {what}: {cmp.labels[0]} against {cmp.labels[1]}"
        specs.append(spec)
    return specs[0], specs[1]

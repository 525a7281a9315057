"""The app's views as Vega-Lite specs: the browser draws them, the server only sends data.

Why not matplotlib: drawing seven figures on the server cost 55-90 ms each per
step (0.7 s per Step). Here each view's spec is built once with Altair
(validated once) and every step only fills in its data (``datasets``) and the
day, a few milliseconds; the browser's Vega renders it.

Every function reads a model through its DataCollector, ``sim.metrics`` and
the state arrays it shows; none changes the model.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from sim.metrics import BORDERLINE, FOCAL, INTENSE, OUTCOMES
from sim.metrics import focal_attachment as strongest_attachment

HEIGHT = 210  # px of each time-series view's plotting area
SMOOTH_DAYS = 7  # daily counts of rare events are spiky: show a trailing mean
NETWORK_SAMPLE = 150  # fans drawn in the network view (all creators are drawn)
HOSTILE = 0.5  # display threshold only: fans at or above this hostility get a ring

TIER_COLOURS = {
    "no focal creator": "#c8c8c8",
    "entertainment-social": "#4daf4a",
    "intense-personal": "#ff7f00",
    "borderline-pathological": "#984ea3",
}
STATUS_COLOURS = {"active": "#377eb8", "burnt out": "#e6ab02", "quit": "#bbbbbb"}
FOCAL_TIERS = list(TIER_COLOURS)[1:]
TIER_OUTCOMES = dict(zip(FOCAL_TIERS, ("tier_entertainment", "tier_intense", "tier_borderline"),
                         strict=True))
FLAGS = {f"hostile fan (hostility >= {HOSTILE})": ("circle", "red"),
         "banned fan": ("cross", "black")}
CONFIG = {"axis": {"labelFontSize": 11, "titleFontSize": 12},
          "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320},
          "view": {"stroke": None}}


# ------------------------------------------------------------------ data
def series(model) -> pd.DataFrame:
    """The model's collected outcomes, one row per day (day 0 is the initial state)."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.index.name = "day"
    return frame


def smooth(values: pd.Series) -> pd.Series:
    return values.rolling(SMOOTH_DAYS, min_periods=1).mean()


def _column(values) -> list:
    a = np.asarray(values)
    if a.dtype.kind == "f":  # NaN (e.g. an undefined share) becomes null: JSON has no NaN
        return np.where(np.isnan(a), None, a).tolist() if np.isnan(a).any() else a.tolist()
    return a.tolist()


def records(columns) -> list[dict]:
    """Rows as JSON-safe dicts, from a data frame (its index first) or a dict of columns.

    Built from numpy lists: pandas' own ``to_dict("records")`` costs ten times more.
    """
    if isinstance(columns, pd.DataFrame):
        columns = {columns.index.name or "index": columns.index, **columns}
    names = list(columns)
    return [dict(zip(names, row, strict=True))
            for row in zip(*(_column(columns[n]) for n in names), strict=True)]


def label(outcome: str, smoothed: bool = False) -> str:
    """An outcome's description from the registry, with its smoothing if any."""
    text = OUTCOMES[outcome][0]
    return f"{text} ({SMOOTH_DAYS}-day mean)" if smoothed else text


def tier_of(attachment: np.ndarray) -> np.ndarray:
    """Index into TIER_COLOURS of each fan's strongest attachment (metrics' thresholds)."""
    return np.digitize(attachment, [FOCAL, INTENSE, BORDERLINE])


def tiers_of_all_fans(frame: pd.DataFrame) -> pd.DataFrame:
    """Each focal tier as a share of *all* fans.

    The registry's tier outcomes are shares among focal fans, undefined while
    almost nobody has a focal creator: with one focal fan they read 0 or 1, so
    the first days jumped between the two. Shares of all fans grow smoothly
    from 0 and stack up to the share with a focal creator.
    """
    return pd.DataFrame({tier: frame[col] * frame["share_focal"]
                         for tier, col in TIER_OUTCOMES.items()})


# --------------------------------------------------------------- templates
def _colour(domain: dict[str, str], title=None, orient: str = "bottom") -> alt.Color:
    """Colour by the 'name' field with a fixed palette, legend below (or right of) the plot."""
    return alt.Color("name:N", title=title, scale=alt.Scale(domain=list(domain),
                                                            range=list(domain.values())),
                     legend=alt.Legend(orient=orient, direction="vertical"))


def day_axis() -> alt.X:
    """Days on x, labelled only at whole days (in the first days ticks fall on half days)."""
    return alt.X("day:Q", title="day", axis=alt.Axis(
        tickMinStep=1, format="d", labelExpr="datum.value % 1 ? '' : datum.label"))


def vega_lite(chart) -> dict:
    """A chart as a validated Vega-Lite dict, done once per view (steps only add data).

    Without ``$schema``: Altair writes Vega-Lite 6's, Solara's page loads Vega-Lite 5 (which
    draws these specs, but would warn about the version in the browser console).
    """
    spec = chart.to_dict(validate=True)
    spec.pop("$schema", None)
    return spec


def fit_width(chart) -> dict:
    """A time-series chart as the width of its card, styled like every view."""
    return vega_lite(chart.properties(width="container").configure(**CONFIG))


def _lines(names: list[str], colours: list[str], ytitle: str, domain=None, dash=None) -> alt.Chart:
    """Outcome lines against day, from the wide 'series' dataset (one column per name)."""
    y = alt.Y("value:Q", title=ytitle,
              scale=alt.Scale(domain=domain) if domain else alt.Scale(zero=True))
    chart = alt.Chart(alt.Data(name="series")).transform_fold(names, as_=["name", "value"])
    mark = {"strokeDash": dash} if dash else {}
    return chart.mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=12), **mark).encode(
        x=day_axis(), y=y, color=_colour(dict(zip(names, colours, strict=True))),
        tooltip=["day:Q", "name:N", alt.Tooltip("value:Q", format=".4g")])


@functools.cache
def tiers_template() -> dict:
    chart = alt.Chart(alt.Data(name="series")).transform_fold(
        FOCAL_TIERS, as_=["name", "value"]).transform_calculate(
        order=f"indexof({json.dumps(FOCAL_TIERS)}, datum.name)").mark_area(opacity=0.9).encode(
        x=day_axis(), y=alt.Y("value:Q", stack="zero", title="share of all fans"),
        color=_colour({k: TIER_COLOURS[k] for k in FOCAL_TIERS}, title="fans at each tier"),
        order="order:Q",
        tooltip=["day:Q", "name:N", alt.Tooltip("value:Q", format=".3f", title="share of all fans")])
    return fit_width(chart.properties(height=HEIGHT))


@functools.cache
def wellbeing_template() -> dict:
    names = [label(c) for c in ("wellbeing", "loneliness", "offline_support")]
    return fit_width(_lines(names, ["#4daf4a", "#e41a1c", "#377eb8"], "mean score (0-1)",
                        domain=[0, 1]).properties(height=HEIGHT))


DUAL = {  # view -> (left outcome, right outcome, left axis, right axis, smoothed)
    "spending": ("spending", "payer_share", "spending per fan (currency/day)",
                 "payer share, last 30 days", (True, False)),
    "harassment": ("harassment_per_creator", "harassment_per_fan", "incidents/day per creator",
                   "incidents/day per fan", (True, True)),
}


def dual_names(view: str) -> tuple[str, str]:
    left, right, _, _, smoothed = DUAL[view]
    return label(left, smoothed[0]), label(right, smoothed[1])


@functools.cache
def dual_template(view: str) -> dict:
    """Two outcomes of different scale: left axis solid, right axis dashed, one legend."""
    _, _, left_title, right_title, _ = DUAL[view]
    left, right = dual_names(view)
    colours = {left: "#377eb8", right: "#e41a1c"}
    layers = [_lines([name], [colours[name]], title, dash=dash).encode(
        color=_colour(colours), y=alt.Y("value:Q", title=title,
                                         axis=alt.Axis(orient=side, titleColor=colours[name])))
              for name, title, side, dash in ((left, left_title, "left", None),
                                              (right, right_title, "right", [5, 3]))]
    return fit_width(alt.layer(*layers).resolve_scale(y="independent").properties(height=HEIGHT))


@functools.cache
def creator_states_template() -> dict:
    names = list(STATUS_COLOURS)
    chart = alt.Chart(alt.Data(name="series")).transform_fold(
        names, as_=["name", "value"]).transform_calculate(
        order=f"indexof({json.dumps(names)}, datum.name)").mark_area(opacity=0.85).encode(
        x=day_axis(), y=alt.Y("value:Q", stack="zero", title="share of creator slots",
                        scale=alt.Scale(domain=[0, 1])),
        color=_colour(STATUS_COLOURS, title="creators"), order="order:Q",
        tooltip=["day:Q", "name:N", alt.Tooltip("value:Q", format=".2f")])
    return fit_width(chart.properties(height=HEIGHT))


@functools.cache
def attachment_template() -> dict:
    edges = [0.0, FOCAL, INTENSE, BORDERLINE, 1.0]
    bands = alt.Chart(alt.Data(values=[
        {"lo": lo, "hi": hi, "name": name}
        for lo, hi, name in zip(edges, edges[1:], TIER_COLOURS, strict=False)])).mark_rect(
        opacity=0.18).encode(x="lo:Q", x2="hi:Q", color=_colour(TIER_COLOURS, title="tier"))
    bars = alt.Chart(alt.Data(name="bins")).mark_bar(color="#555555").encode(
        x=alt.X("lo:Q", title="strongest attachment (0-1)", scale=alt.Scale(domain=[0, 1])),
        x2="hi:Q",
        y=alt.Y("fans:Q", title="fans (count, symmetric log scale)",
                scale=alt.Scale(type="symlog")),
        tooltip=[alt.Tooltip("lo:Q", title="from"), alt.Tooltip("hi:Q", title="to"), "fans:Q"])
    thresholds = [{"x": x, "text": f"{name} {x:g}"}
                  for x, name in ((FOCAL, "focal"), (INTENSE, "intense"), (BORDERLINE, "borderline"))]
    rules = alt.Chart(alt.Data(values=thresholds)).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
    text = alt.Chart(alt.Data(values=thresholds)).mark_text(
        align="left", dx=3, dy=8, fontSize=11).encode(x="x:Q", y=alt.value(0), text="text:N")
    return fit_width(alt.layer(bands, bars, rules, text).properties(height=HEIGHT))


@functools.cache
def network_template() -> dict:
    domain = {f"fan: {k}": v for k, v in TIER_COLOURS.items()}
    domain |= {f"creator: {k}": v for k, v in STATUS_COLOURS.items()}
    pos = {"x": alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-2.6, 2.6])),
           "y": alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-2.6, 2.6]))}
    bonds = alt.Chart(alt.Data(name="bonds")).mark_rule(color="#444444", strokeWidth=0.7).encode(
        **pos, x2="x2:Q", y2="y2:Q",
        opacity=alt.Opacity("attachment:Q", scale=alt.Scale(domain=[0, 1], range=[0.08, 0.9]),
                            legend=None))
    colour = _colour(domain, title="colour")
    colour.legend.columns = 2
    fans = alt.Chart(alt.Data(name="fans")).mark_circle(size=45, opacity=1).encode(
        **pos, color=colour, tooltip=["name:N", alt.Tooltip("attachment:Q", format=".2f"),
                                      alt.Tooltip("hostility:Q", format=".2f")])
    creators = alt.Chart(alt.Data(name="creators")).mark_circle(
        opacity=1, stroke="black", strokeWidth=0.8).encode(
        **pos, color=colour, size=alt.Size("audience:Q", scale=alt.Scale(range=[40, 700]),
                                           legend=None),
        tooltip=["name:N", "audience:Q"])
    flags = alt.Chart(alt.Data(name="flags")).mark_point(filled=False, size=110,
                                                         strokeWidth=2).encode(
        **pos, shape=alt.Shape("flag:N", title="marks", legend=alt.Legend(orient="bottom"),
                               scale=alt.Scale(
            domain=list(FLAGS), range=[s for s, _ in FLAGS.values()])),
        stroke=alt.Stroke("flag:N", title="marks", scale=alt.Scale(
            domain=list(FLAGS), range=[c for _, c in FLAGS.values()])))
    chart = alt.layer(bonds, fans, creators, flags).resolve_legend(color="shared")
    return vega_lite(chart.properties(width=330, height=330).configure(**CONFIG))


# --------------------------------------------------------------- per step
def _fill(template: dict, description: str, **datasets) -> dict:
    """The template with today's data; the description names the day (the SVG's aria-label)."""
    return {**template, "description": description, "datasets": datasets}


def _day(model) -> int:
    return int(model.time)


def tiers_spec(model, frame: pd.DataFrame) -> dict:
    return _fill(tiers_template(), f"Attachment tiers, day {_day(model)}",
                 series=records(tiers_of_all_fans(frame)))


def wellbeing_spec(model, frame: pd.DataFrame) -> dict:
    wide = {"day": frame.index, **{label(c): frame[c]
                                   for c in ("wellbeing", "loneliness", "offline_support")}}
    return _fill(wellbeing_template(), f"Wellbeing, day {_day(model)}", series=records(wide))


def dual_spec(view: str, model, frame: pd.DataFrame) -> dict:
    left, right, _, _, smoothed = DUAL[view]
    wide = {"day": frame.index}
    for name, col, sm in zip(dual_names(view), (left, right), smoothed, strict=True):
        wide[name] = smooth(frame[col]) if sm else frame[col]
    return _fill(dual_template(view), f"{view}, day {_day(model)}", series=records(wide))


def creator_states_spec(model, frame: pd.DataFrame) -> dict:
    wide = {"day": frame.index, "active": frame["active_creators"] - frame["burnt_out_creators"],
            "burnt out": frame["burnt_out_creators"], "quit": frame["quit_creators"]}
    return _fill(creator_states_template(), f"Creator states, day {_day(model)}",
                 series=records(wide))


def attachment_spec(model, frame: pd.DataFrame) -> dict:
    counts, edges = np.histogram(strongest_attachment(model), bins=np.linspace(0, 1, 41))
    bins = [{"lo": float(lo), "hi": float(hi), "fans": int(n)}
            for lo, hi, n in zip(edges, edges[1:], counts, strict=False)]
    return _fill(attachment_template(), f"Strongest attachment, day {_day(model)}", bins=bins)


def creator_status(model) -> np.ndarray:
    """Status name of each creator slot: active, burnt out or quit."""
    c = model.creators
    return np.where(~c.active, "quit", np.where(c.burnt_out, "burnt out", "active"))


def fan_sample(n_fans: int, size: int = NETWORK_SAMPLE) -> np.ndarray:
    """A fixed display sample of fans, the same at every step so the picture is comparable."""
    return np.sort(np.random.default_rng(0).choice(n_fans, min(size, n_fans), replace=False))


def network_layout(model) -> dict[str, dict[str, np.ndarray]]:
    """Creators on an inner ring; sampled fans beside their focal creator, nearer when stronger.

    Fans without a bond sit on the outer rim. Returns the four layers' columns.
    """
    c, b, f = model.creators, model.bonds, model.fans
    n_c = len(c.active)
    angle_c = 2 * np.pi * np.arange(n_c) / n_c
    xy_c = np.column_stack([np.cos(angle_c), np.sin(angle_c)])
    fans = fan_sample(len(f.wellbeing))
    att = b.attachment[fans]
    slots = b.creator[fans]
    strongest = strongest_attachment(model)[fans]
    focal = slots[np.arange(fans.size), np.where(slots >= 0, att, -1.0).argmax(axis=1)]
    jitter = (np.random.default_rng(1).random(fans.size) - 0.5) * 2 * np.pi / n_c
    angle_f = np.where(focal >= 0, angle_c[np.maximum(focal, 0)] + jitter,
                       2 * np.pi * np.arange(fans.size) / fans.size)
    radius = np.where(focal >= 0, 2.2 - 0.9 * strongest, 2.5)
    xy_f = np.column_stack([radius * np.cos(angle_f), radius * np.sin(angle_f)])
    rows, cols = np.nonzero(slots >= 0)
    ends = xy_c[slots[rows, cols]]
    bonds = {"x": xy_f[rows, 0], "y": xy_f[rows, 1], "x2": ends[:, 0], "y2": ends[:, 1],
             "attachment": att[rows, cols]}
    tier_names = np.array([f"fan: {k}" for k in TIER_COLOURS])
    fan_table = {"x": xy_f[:, 0], "y": xy_f[:, 1], "name": tier_names[tier_of(strongest)],
                 "attachment": strongest, "hostility": f.hostility[fans]}
    creators = {"x": xy_c[:, 0], "y": xy_c[:, 1],
                "name": np.array([f"creator: {s}" for s in creator_status(model)]),
                "audience": c.audience.astype(float)}
    hostile, banned = f.hostility[fans] >= HOSTILE, f.banned[fans]
    flagged = np.concatenate([np.flatnonzero(hostile), np.flatnonzero(banned)])
    flags = {"x": xy_f[flagged, 0], "y": xy_f[flagged, 1],
             "flag": np.array(list(FLAGS))[np.repeat([0, 1], [hostile.sum(), banned.sum()])]}
    return {"bonds": bonds, "fans": fan_table, "creators": creators, "flags": flags}


def network_spec(model, frame: pd.DataFrame) -> dict:
    layers = network_layout(model)
    n = len(model.fans.wellbeing)
    rounded = {k: {c: np.round(v, 4) if v.dtype.kind == "f" else v for c, v in cols.items()}
               for k, cols in layers.items()}  # 4 decimals: a tenth of a pixel, a third the bytes
    spec = _fill(network_template(), f"Creator-fan network, day {_day(model)}",
                 **{k: records(v) for k, v in rounded.items()})
    # No day in the title: a title that changes each step would make the browser rebuild the
    # chart rather than swap its data (sim.viz.live_chart); the page shows the day.
    spec["title"] = {"text": f"{len(layers['creators']['x'])} creators (size = audience), "
                             f"{len(layers['fans']['x'])} of {n} fans", "fontSize": 12}
    return spec


@dataclass(frozen=True)
class View:
    """One panel of the page: a title, the sentence that says what it shows, its chart spec."""

    name: str
    title: str
    explanation: str
    spec: Callable[[object, pd.DataFrame], dict]  # (model, its series(model)) -> Vega-Lite


VIEWS = {v.name: v for v in [
    View("network", "Creator-fan network",
         "Creators (inner ring, sized by audience, coloured by state) and a fixed sample of "
         "fans placed by their focal creator, closer the stronger the bond, coloured by "
         "attachment tier; red rings mark hostile fans.", network_spec),
    View("tiers", "Attachment tiers",
         "Share of all fans at each attachment tier of their strongest bond; the stack's top "
         "is the share with a focal creator.", tiers_spec),
    View("wellbeing", "Wellbeing and loneliness",
         "Fans' mean wellbeing, loneliness and offline tie strength: parasocial time "
         "displaces real ties.", wellbeing_spec),
    View("spending", "Spending",
         "Money fans spend per day (subscriptions, paid messages, donations, meetings; "
         "7-day mean) and the share who paid in the last 30 days.",
         functools.partial(dual_spec, "spending")),
    View("harassment", "Harassment",
         "Harassment incidents reaching creators (per active creator) and reaching fans "
         "(per fan) per day after moderation, as 7-day means.",
         functools.partial(dual_spec, "harassment")),
    View("creator_states", "Creator states",
         "Share of creator slots whose creator is working, burnt out (lower output) or has "
         "quit.", creator_states_spec),
    View("attachment", "Strongest attachment",
         "How many fans have each level of strongest attachment; dashed lines are the "
         "tier thresholds.", attachment_spec),
]}

"""The browser face of the model: a Mesa SolaraViz app (``solara run sim.app``).

It holds no model logic. It lets a person pick a preset, move the headline
parameters, step the model and watch eight views: the creator-fan network,
time series of attachment tiers, wellbeing, spending, harassment and creator
states, a creator table, and the distribution of fans' strongest attachment.

Two things differ from a plain ``SolaraViz(model)`` page, for reasons:

* Mesa's Reset builds the new model as ``type(model)(**params)``. A bad seed or
  a parameter combination that :func:`sim.params.make_params` rejects raises
  ``ValueError`` there and would leave the user with a traceback. The app
  therefore runs :class:`AppModel`, a ``ParasocialModel`` whose construction
  keeps the session's current model and shows the message instead.
* Every slider value is passed to the model as an override, so a preset chosen
  among the sliders would be silently overridden by them. The preset selector
  therefore sits outside SolaraViz: choosing one reloads the controls with the
  preset's values and starts a new model.

Launch with ``parasocial viz`` (see :mod:`sim.cli.viz`).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # the server draws off-screen; never open windows
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from sim.metrics import BORDERLINE, FOCAL, INTENSE, OUTCOMES, creator_table  # noqa: E402
from sim.metrics import focal_attachment as strongest_attachment  # noqa: E402
from sim.model import ParasocialModel  # noqa: E402
from sim.params import FEEDS, PAID_MESSAGES, PARAM_FIELDS, PRESETS, make_params  # noqa: E402

# ------------------------------------------------------------------ settings
APP_FANS = 1000  # default world size: one step plus redraw stays well under a second
APP_CREATORS = 30
DEFAULT_SEED = "1"
DEFAULT_PRESET = "influencer"
NETWORK_SAMPLE = 150  # fans drawn in the network view (all creators are drawn)
HOSTILE = 0.5  # display threshold only: fans at or above this hostility get a ring
TIME_LIMITS = ("inf", "0.5", "1", "1.5", "2", "3", "4")  # hours/day; strings: make_params coerces
DPI = 80

TIER_COLOURS = {
    "no focal creator": "#c8c8c8",
    "entertainment-social": "#4daf4a",
    "intense-personal": "#ff7f00",
    "borderline-pathological": "#984ea3",
}
STATUS_COLOURS = {"active": "#377eb8", "burnt out": "#e6ab02", "quit": "#bbbbbb"}

# ------------------------------------------------------------------ controls


def _label(name: str) -> str:
    """Control label from the parameter's metadata: name and unit, declared once in params."""
    return f"{name.replace('_', ' ')} ({PARAM_FIELDS[name].metadata['unit']})"


def _slider(name: str, value, lo, hi, step) -> dict:
    kind = "SliderInt" if isinstance(PARAM_FIELDS[name].default, int) else "SliderFloat"
    return {"type": kind, "value": value, "label": _label(name), "min": lo, "max": hi,
            "step": step}


def _select(name: str, value, values) -> dict:
    return {"type": "Select", "value": value, "label": _label(name), "values": list(values)}


def _time_limit_select(hours: float) -> dict:
    """The time-limit selector, starting at the preset's limit (``inf`` means none)."""
    text = f"{hours:g}"  # inf -> "inf", which make_params reads back as infinity
    values = TIME_LIMITS if text in TIME_LIMITS else (text, *TIME_LIMITS)
    return {**_select("time_limit", text, values), "label": "time limit (hours/day; inf = none)"}


@functools.cache
def model_params_for(preset: str) -> dict:
    """SolaraViz controls whose starting values are the preset's own (so Reset honours it)."""
    p = make_params(preset)
    return {
        "preset": preset,  # fixed: chosen with the selector outside SolaraViz
        "rng": {"type": "InputText", "value": DEFAULT_SEED, "label": "seed (whole number)"},
        "n_fans": _slider("n_fans", APP_FANS, 100, 5000, 100),
        "n_creators": _slider("n_creators", APP_CREATORS, 5, 200, 5),
        "posting_rate": _slider("posting_rate", p.posting_rate, 0.0, 10.0, 0.1),
        "self_disclosure": _slider("self_disclosure", p.self_disclosure, 0.0, 1.0, 0.05),
        "live_hours": _slider("live_hours", p.live_hours, 0.0, 12.0, 0.1),
        "paid_messages": _select("paid_messages", p.paid_messages, PAID_MESSAGES),
        "message_price": _slider("message_price", p.message_price, 0.0, 50.0, 0.5),
        "feed": _select("feed", p.feed, FEEDS),
        "notifications": _slider("notifications", p.notifications, 0.0, 1.0, 0.05),
        "moderation": _slider("moderation", p.moderation, 0.0, 1.0, 0.05),
        "media_literacy": _slider("media_literacy", p.media_literacy, 0.0, 0.95, 0.05),
        "time_limit": _time_limit_select(p.time_limit),
    }


def initial_kwargs(preset: str) -> dict:
    """Keyword arguments of a model built from the controls' starting values."""
    return {k: (v["value"] if isinstance(v, dict) else v)
            for k, v in model_params_for(preset).items()}


model_params = model_params_for(DEFAULT_PRESET)

# ------------------------------------------------------- per-session state
# Module-level reactives are per browser session under the Solara server.
# Their defaults are None because a default object would be shared by all sessions.
current_model = solara.reactive(None)
build_error = solara.reactive(None)
current_preset = solara.reactive(None)
switching_preset = solara.reactive(False)


class _KeepModelOnError(type):
    """Metaclass: a failed construction returns the session's current model and reports why.

    SolaraViz's Reset assigns whatever ``type(model)(**params)`` returns, so
    returning the current model leaves the page exactly as it was.
    """

    def __call__(cls, *args, **kwargs):
        try:
            model = super().__call__(*args, **kwargs)
        except ValueError as err:
            previous = current_model.peek()
            if previous is None:  # nothing to keep: the caller must see the error
                raise
            build_error.set(f"Not reset, the previous model is kept: {err}")
            return previous
        build_error.set(None)
        return model


class AppModel(ParasocialModel, metaclass=_KeepModelOnError):
    """ParasocialModel as the app builds it: bad input keeps the previous model (see module doc).

    Mesa 3.5.1's Reset also passes ``scenario=`` (an empty ``mesa.Scenario``,
    since our parameters are keywords); ParasocialModel would reject it as an
    unknown parameter, so it is dropped here. ``rng`` must stay a named
    argument: Reset routes keywords missing from the signature into the scenario.
    """

    def __init__(self, preset: str = DEFAULT_PRESET, rng=None, scenario=None, **params):
        super().__init__(preset=preset, rng=rng, **params)
        # Shown on the page: the seed this run was built with (blank or None: a random one).
        text = "" if rng is None else str(rng).strip()
        self.seed_text = text or "random"


def start_model(preset: str) -> None:
    """Replace the session's model by a fresh one with the preset's starting values."""
    model = AppModel(**initial_kwargs(preset))
    if current_preset.peek() not in (None, preset):
        switching_preset.set(True)  # the page rebuilds its controls (see Page)
    current_preset.set(preset)
    current_model.set(model)


# ------------------------------------------------------------------- views


@dataclass(frozen=True)
class View:
    """One panel of the page: a title, the sentence that says what it shows, how to draw it."""

    name: str
    title: str
    explanation: str
    draw: Callable


def _series(model) -> pd.DataFrame:
    """The model's collected outcomes, one row per day (day 0 is the initial state)."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.index.name = "day"
    return frame


def _figure(height: float = 3.0, right: float = 0.97) -> tuple[Figure, object]:
    """A small figure with fixed margins (automatic layout doubles the drawing time)."""
    fig = Figure(figsize=(6.0, height), dpi=DPI)
    fig.subplots_adjust(left=0.12, right=right, bottom=0.16, top=0.96)
    return fig, fig.add_subplot()


SMOOTH_DAYS = 7  # daily counts of rare events are spiky: show a trailing mean


def _lines(ax, frame: pd.DataFrame, columns, colours=None, smooth: bool = False,
           **kwargs) -> None:
    """Plot outcomes against day, labelled with their registry description."""
    marker = "o" if len(frame) < 3 else None  # a single day is a point, not a line
    ax.set_xlim(0, max(1, len(frame) - 1))
    for i, col in enumerate(columns):
        values, label = frame[col], OUTCOMES[col][0]
        if smooth:
            values = values.rolling(SMOOTH_DAYS, min_periods=1).mean()
            label += f" ({SMOOTH_DAYS}-day mean)"
        ax.plot(frame.index, values, label=label, color=colours[i] if colours else None,
                marker=marker, lw=1.6, **kwargs)


def _legend(ax, handles=None) -> None:
    """A small legend on a translucent box, so lines behind it stay readable."""
    handles = handles if handles is not None else ax.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="best",
              framealpha=0.8, edgecolor="none")


def _finish(ax, ylabel: str, legend: bool = True) -> None:
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if legend:
        _legend(ax)


def _twin(ax, frame, left, right, left_label, right_label, smooth=(False, False),
          colours=("C0", "C3")) -> None:
    """Two outcomes of different scale: left axis and right axis, one legend on top."""
    _lines(ax, frame, [left], [colours[0]], smooth=smooth[0])
    other = ax.twinx()
    _lines(other, frame, [right], [colours[1]], smooth=smooth[1], ls="--")
    _finish(ax, left_label, legend=False)
    other.set_ylabel(right_label)
    ax.set_ylim(bottom=0)  # counts and money: never below zero
    other.set_ylim(bottom=0)
    _legend(other, ax.get_lines() + other.get_lines())  # the twin is drawn above ax


def tier_of(attachment: np.ndarray) -> np.ndarray:
    """Index into TIER_COLOURS of each fan's strongest attachment (metrics' thresholds)."""
    return np.digitize(attachment, [FOCAL, INTENSE, BORDERLINE])


def creator_status(model) -> np.ndarray:
    """Status name of each creator slot: active, burnt out or quit."""
    c = model.creators
    return np.where(~c.active, "quit", np.where(c.burnt_out, "burnt out", "active"))


def fan_sample(n_fans: int, size: int = NETWORK_SAMPLE) -> np.ndarray:
    """A fixed display sample of fans, the same at every step so the picture is comparable."""
    return np.sort(np.random.default_rng(0).choice(n_fans, min(size, n_fans), replace=False))


def draw_network(model) -> Figure:
    """Creators on an inner ring, sized by audience; sampled fans beside their focal creator.

    A fan sits closer to the ring the stronger its strongest attachment; fans
    without bonds sit on the outer rim. Lines are bonds, darker when stronger.
    """
    c, b, f = model.creators, model.bonds, model.fans
    n_c = len(c.active)
    angle_c = 2 * np.pi * np.arange(n_c) / n_c
    xy_c = np.column_stack([np.cos(angle_c), np.sin(angle_c)])
    fans = fan_sample(len(f.wellbeing))
    att = b.attachment[fans]
    creators = b.creator[fans]
    strongest = strongest_attachment(model)[fans]
    strongest_slot = np.where(creators >= 0, att, -1.0).argmax(axis=1)
    focal = creators[np.arange(fans.size), strongest_slot]  # -1: follows nobody
    jitter = (np.random.default_rng(1).random(fans.size) - 0.5) * 2 * np.pi / n_c
    angle_f = np.where(focal >= 0, angle_c[np.maximum(focal, 0)] + jitter,
                       2 * np.pi * np.arange(fans.size) / fans.size)
    radius = np.where(focal >= 0, 2.2 - 0.9 * strongest, 2.5)
    xy_f = np.column_stack([radius * np.cos(angle_f), radius * np.sin(angle_f)])

    fig = Figure(figsize=(6.4, 3.6), dpi=DPI)
    ax = fig.add_axes((0.0, 0.0, 0.56, 0.92))  # the rings left, the legend right
    rows, slots = np.nonzero(creators >= 0)
    segments = np.stack([xy_f[rows], xy_c[creators[rows, slots]]], axis=1)
    shade = np.clip(0.1 + 0.8 * att[rows, slots], 0, 1)
    ax.add_collection(LineCollection(segments, colors=[(0.3, 0.3, 0.3, a) for a in shade],
                                     linewidths=0.6, zorder=1))
    audience = c.audience
    size = 30 + 500 * audience / max(audience.max(), 1.0)
    status = creator_status(model)
    ax.scatter(*xy_c.T, s=size, c=[STATUS_COLOURS[s] for s in status], edgecolors="black",
               linewidths=0.6, zorder=3)
    tiers = np.array(list(TIER_COLOURS.values()))[tier_of(strongest)]
    hostile = f.hostility[fans] >= HOSTILE
    banned = f.banned[fans]
    ax.scatter(*xy_f.T, s=22, c=tiers, edgecolors=np.where(hostile, "red", "none"),
               linewidths=np.where(hostile, 1.8, 0.0), zorder=2)
    if banned.any():
        ax.scatter(*xy_f[banned].T, s=30, marker="x", c="black", linewidths=1.2, zorder=4)
    handles = [Patch(color=col, label=f"fan: {name}") for name, col in TIER_COLOURS.items()]
    handles += [Line2D([], [], marker="o", ls="", mfc=col, mec="black", label=f"creator: {s}")
                for s, col in STATUS_COLOURS.items()]
    handles += [Line2D([], [], marker="o", ls="", mfc="white", mec="red", mew=1.8,
                       label=f"hostile fan (hostility >= {HOSTILE})"),
                Line2D([], [], marker="x", ls="", color="black", label="banned fan")]
    fig.legend(handles=handles, fontsize=7.5, frameon=False, loc="center left",
               bbox_to_anchor=(0.57, 0.5))
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(-2.6, 2.6)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.suptitle(f"day {int(model.time)}: {n_c} creators (size = audience), "
                 f"{fans.size} of {len(f.wellbeing)} fans", fontsize=9)
    return fig


def draw_tiers(model) -> Figure:
    frame = _series(model)
    fig, ax = _figure()
    _lines(ax, frame, ["share_focal", "tier_entertainment", "tier_intense", "tier_borderline"],
           ["black", *list(TIER_COLOURS.values())[1:]])
    ax.set_ylim(0, 1)
    _finish(ax, "share (of all fans / of focal fans)")
    return fig


def draw_wellbeing(model) -> Figure:
    frame = _series(model)
    fig, ax = _figure()
    _lines(ax, frame, ["wellbeing", "loneliness", "offline_support"], ["C2", "C3", "C0"])
    ax.set_ylim(0, 1)
    _finish(ax, "mean score (0-1)")
    return fig


def draw_spending(model) -> Figure:
    frame = _series(model)
    fig, ax = _figure(right=0.87)
    _twin(ax, frame, "spending", "payer_share", "spending per fan (currency/day)",
          "payer share, last 30 days", smooth=(True, False))
    return fig


def draw_harassment(model) -> Figure:
    frame = _series(model)
    fig, ax = _figure(right=0.87)
    _twin(ax, frame, "harassment_per_creator", "harassment_per_fan",
          "incidents/day per creator", "incidents/day per fan", smooth=(True, True))
    return fig


def draw_creator_states(model) -> Figure:
    frame = _series(model)
    working = frame["active_creators"] - frame["burnt_out_creators"]
    fig, ax = _figure()
    ax.stackplot(frame.index, working, frame["burnt_out_creators"], frame["quit_creators"],
                 labels=list(STATUS_COLOURS), colors=list(STATUS_COLOURS.values()), alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_xlim(0, max(1, frame.index.max()))
    _finish(ax, "share of creator slots")
    return fig


def draw_attachment_histogram(model) -> Figure:
    attachment = strongest_attachment(model)
    fig, ax = _figure()
    edges = [0.0, FOCAL, INTENSE, BORDERLINE, 1.0]
    for (lo, hi), colour in zip(zip(edges, edges[1:], strict=False), TIER_COLOURS.values(),
                                strict=True):
        ax.axvspan(lo, hi, color=colour, alpha=0.15, lw=0)
    ax.hist(attachment, bins=np.linspace(0, 1, 41), color="#555555", histtype="stepfilled")
    for x, name in ((FOCAL, "focal"), (INTENSE, "intense"), (BORDERLINE, "borderline")):
        ax.axvline(x, color="black", ls="--", lw=1)
        ax.annotate(f"{name} {x:g}", (x, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -10), textcoords="offset points", fontsize=7)
    ax.set_yscale("log")
    # Plain tick labels: the default log labels go through mathtext, which doubles the cost.
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0, 1)
    _finish(ax, "fans (count, log scale)", legend=False)
    ax.set_xlabel("strongest attachment (0-1)")
    return fig


def creator_frame(model) -> pd.DataFrame:
    """The creator table for people: biggest audience first, rounded, units in the headers."""
    table = creator_table(model)
    out = pd.DataFrame({
        "creator": table["creator"],
        "status": table["status"],
        "audience (fans)": table["audience"].astype(int),
        "income (currency)": table["income"].round(1),
        "stress (0-1)": table["stress"].round(2),
        "harassment (incidents)": table["harassment_total"].astype(int),
    })
    return out.sort_values("audience (fans)", ascending=False).reset_index(drop=True)


VIEWS = {v.name: v for v in [
    View("network", "Creator-fan network",
         "Creators (inner ring, sized by audience, coloured by state) and a fixed sample of "
         "fans placed by their focal creator, closer the stronger the bond, coloured by "
         "attachment tier; red rings mark hostile fans.", draw_network),
    View("tiers", "Attachment tiers",
         "Share of all fans with a focal creator, and how focal fans split into the "
         "entertainment-social, intense-personal and borderline-pathological tiers.",
         draw_tiers),
    View("wellbeing", "Wellbeing and loneliness",
         "Fans' mean wellbeing, loneliness and offline tie strength: parasocial time "
         "displaces real ties.", draw_wellbeing),
    View("spending", "Spending",
         "Money fans spend per day (subscriptions, paid messages, donations, meetings; "
         "7-day mean) and the share who paid in the last 30 days.", draw_spending),
    View("harassment", "Harassment",
         "Harassment incidents reaching creators (per active creator) and reaching fans "
         "(per fan) per day after moderation, as 7-day means.", draw_harassment),
    View("creator_states", "Creator states",
         "Share of creator slots whose creator is working, burnt out (lower output) or has "
         "quit.", draw_creator_states),
    View("attachment", "Strongest attachment",
         "How many fans have each level of strongest attachment; dashed lines are the "
         "tier thresholds.", draw_attachment_histogram),
]}


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure (what the browser receives)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _card(title: str, explanation: str):
    return solara.Card(title, subtitle=explanation, style={"height": "100%", "overflow": "auto"})


@solara.component
def FigureView(model, view: View):
    """A view card; the figure is redrawn only when the model or its day changes."""
    tick = update_counter.get()
    png = solara.use_memo(lambda: figure_png(view.draw(model)), [model, model.time, tick])
    with _card(view.title, view.explanation):
        solara.Image(png, width="100%", classes=[f"view-{view.name}"])


@solara.component
def CreatorTable(model):
    """The creator table view: audience, income, stress and status of every creator."""
    update_counter.get()
    with _card("Creators", "Every creator slot, biggest audience first: its state, followers, "
               "total income after the platform's cut, stress, and harassment received in total."):
        solara.DataFrame(creator_frame(model), items_per_page=10)


# One small component per view: SolaraViz calls ``component(model)`` and remounts
# plain functions on every render, so each view is a real, stable component.
@solara.component
def NetworkView(model):
    return FigureView(model, VIEWS["network"])


@solara.component
def TiersView(model):
    return FigureView(model, VIEWS["tiers"])


@solara.component
def WellbeingView(model):
    return FigureView(model, VIEWS["wellbeing"])


@solara.component
def SpendingView(model):
    return FigureView(model, VIEWS["spending"])


@solara.component
def HarassmentView(model):
    return FigureView(model, VIEWS["harassment"])


@solara.component
def CreatorStatesView(model):
    return FigureView(model, VIEWS["creator_states"])


@solara.component
def AttachmentView(model):
    return FigureView(model, VIEWS["attachment"])


COMPONENTS = [(c, 0) for c in (NetworkView, CreatorTable, TiersView, WellbeingView,
                               SpendingView, HarassmentView, CreatorStatesView, AttachmentView)]

# -------------------------------------------------------------------- page


def running_summary(model) -> str:
    """One line with the values the running model uses (Mesa's sliders show no numbers)."""
    parts = [f"preset {model.preset}", f"seed {getattr(model, 'seed_text', '')}"]
    for name, spec in model_params_for(model.preset).items():
        if isinstance(spec, dict) and name in PARAM_FIELDS:
            value = getattr(model.params, name)
            parts.append(f"{spec['label']}: {value:g}" if isinstance(value, float)
                         else f"{spec['label']}: {value}")
    return " · ".join(parts)


@solara.component
def PresetCard(preset: str, model):
    """The preset selector, the last rejected input, and the values the running model uses."""

    def choose(name: str) -> None:
        if name != preset:
            start_model(name)

    with solara.Card("Preset"), solara.Column(gap="8px"):
        solara.Select("preset", value=preset, values=list(PRESETS), on_value=choose)
        solara.Text("Choosing a preset loads its values into the controls and starts a "
                    "new model. Moved controls apply at Reset.", style={"font-size": "0.85em"})
        if build_error.value:
            solara.Error(build_error.value, classes=["build-error"])
        solara.Text(f"Running model: {running_summary(model)}.", classes=["running-model"],
                    style={"font-size": "0.8em", "color": "#555"})


@solara.component
def Page():
    """The app: the preset card and SolaraViz (controls, play/step/reset, the views)."""
    if current_model.value is None:  # first render of this browser session
        start_model(DEFAULT_PRESET)
    preset = current_preset.value or DEFAULT_PRESET

    def finish_switch():
        if switching_preset.peek():
            switching_preset.set(False)

    solara.use_effect(finish_switch, [switching_preset.value])
    with solara.Sidebar():
        PresetCard(preset, current_model.value)
    if switching_preset.value:
        # One render without SolaraViz: its sidebar controls live in a portal that would
        # otherwise be reused, keeping the previous preset's values behind new sliders.
        solara.Info(f"Loading the {preset} preset...")
    else:
        SolaraViz(current_model, components=COMPONENTS, model_params=model_params_for(preset),
                  name="Parasocial relationships", play_interval=150)


page = Page()

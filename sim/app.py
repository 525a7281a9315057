"""The browser face of the model: a Mesa SolaraViz app (``solara run sim.app``).

It holds no model logic. Two tabs:

* **Explore**: pick a preset, move the headline parameters, step the model and
  watch eight views (the creator-fan network, attachment tiers, wellbeing,
  spending, harassment, creator states, a creator table and the distribution
  of fans' strongest attachment). The views are Vega-Lite charts
  (:mod:`sim.viz.charts`): the server sends data, the browser draws, so a Step
  costs milliseconds on the server; an inactive tab is not redrawn.
* **Compare**: two scenarios that differ in chosen settings, run on the same
  seed, their outcomes drawn together with the difference
  (:mod:`sim.viz.compare`).

Three things differ from a plain ``SolaraViz(model)`` page, for reasons:

* Mesa's Reset builds the new model as ``type(model)(**params)``. A bad seed or
  a parameter combination that :func:`sim.params.make_params` rejects raises
  ``ValueError`` there and would leave the user with a traceback. The app
  therefore runs :class:`AppModel`, a ``ParasocialModel`` whose construction
  keeps the session's current model and shows the message instead.
* Every slider value is passed to the model as an override, so a preset chosen
  among the sliders would be silently overridden by them. The preset selector
  therefore sits outside SolaraViz: choosing one reloads the controls with the
  preset's values and starts a new model.
* SolaraViz supplies the sidebar (controls, Step/Play/Reset); the page draws its
  own tabs, because SolaraViz's component grid names its only tab "Page 0".

Launch with ``parasocial viz`` (see :mod:`sim.cli.viz`).
"""

from __future__ import annotations

import functools
import warnings

import pandas as pd
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.metrics import OUTCOMES, creator_table
from sim.model import ParasocialModel
from sim.params import FEEDS, PAID_MESSAGES, PARAM_FIELDS, PRESETS, make_params
from sim.viz import compare
from sim.viz.charts import VIEWS, View, series
from sim.viz.live_chart import LiveChart, SpecBox

# The app is served directly, not inside another site's iframe, so Solara's fallback to a
# samesite=lax session cookie over plain http is right; it would warn on every page load.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https",
                        category=UserWarning)

# ------------------------------------------------------------------ settings
APP_FANS = 1000  # default world size (benchmarks/bench_app.py measures Step at this size)
APP_CREATORS = 30
DEFAULT_SEED = "1"
DEFAULT_PRESET = "influencer"
TIME_LIMITS = ("inf", "0.5", "1", "1.5", "2", "3", "4")  # hours/day; strings: make_params coerces
TITLE = "Parasocial relationships"
# Vuetify shows a slider's value only while it is dragged: keep the value label visible,
# and leave room above each slider for it.
CSS = """
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-6px) translateX(-50%) !important;
  border-radius: 4px !important; width: auto !important; min-width: 28px; padding: 0 4px;
  height: 20px !important; font-size: 11px; }
.v-slider__thumb-label > * { transform: none !important; }
.v-input__slider { padding-top: 18px; }
.view-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(470px, 1fr));
  gap: 12px; }
"""

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
comparison = solara.reactive(None)  # the last finished compare.Comparison
comparison_error = solara.reactive(None)


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


# ------------------------------------------------------------- explore tab


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


def _card(title: str, explanation: str, name: str):
    return solara.Card(title, subtitle=explanation, classes=[f"card-{name}"],
                       style={"height": "100%", "overflow": "auto"})


def Chart(box: SpecBox, name: str):
    """A Vega-Lite chart; the wrapper's class names the view (tests and the benchmark find it)."""
    return solara.Div(children=[LiveChart.element(box=box)], classes=[f"view-{name}"])


@solara.component
def ChartView(model, day: float, frame: pd.DataFrame, view: View):
    """A view card; its chart data is rebuilt only when the model or its day changes."""
    box = solara.use_memo(lambda: SpecBox(view.spec(model, frame)), [model, day])
    with _card(view.title, view.explanation, view.name):
        Chart(box, view.name)


@solara.component
def CreatorTable(model, day: float):
    """The creator table view: audience, income, stress and status of every creator."""
    frame = solara.use_memo(lambda: creator_frame(model), [model, day])
    with _card("Creators", "Every creator slot, biggest audience first: its state, followers, "
               "total income after the platform's cut, stress, and harassment received in total.",
               "creators"):
        solara.DataFrame(frame, items_per_page=10)


@solara.component
def ExploreTab(model):
    """Every view of the running model, redrawn after each step.

    Only this component listens to SolaraViz's update counter and hands the day
    down, so a Step is one render of the tab rather than one per view.
    """
    update_counter.get()
    day = model.time
    frame = solara.use_memo(lambda: series(model), [model, day])  # read once for every view
    with solara.Div(classes=["view-grid"]):
        for name, view in VIEWS.items():
            ChartView(model, day, frame, view)
            if name == "network":
                CreatorTable(model, day)


# ------------------------------------------------------------- compare tab
COMPARE_DEFAULTS = {"paid_messages": ("off", "per_message"), "feed": ("engagement",
                                                                      "chronological")}


def default_differences(preset: str) -> list[list]:
    """Paid messages as the preset has them against the other extreme (off / per message)."""
    a = make_params(preset).paid_messages
    return [["paid_messages", a, "off" if a != "off" else "per_message"]]


def _value_input(name: str, value, on_value, label: str):
    """A value for a setting: its choices when it has them, else typed text (checked later)."""
    meta = PARAM_FIELDS[name].metadata
    if meta["choices"]:
        return solara.Select(label, value=str(value), values=list(meta["choices"]),
                             on_value=on_value)
    if type(PARAM_FIELDS[name].default) is bool:
        return solara.Select(label, value=str(value), values=["True", "False"], on_value=on_value)
    return solara.InputText(label, value=str(value), on_value=on_value)


@solara.component
def DifferenceRow(row: list, preset: str, on_change, on_remove):
    name, a, b = row
    meta = PARAM_FIELDS[name].metadata
    allowed = (", ".join(meta["choices"]) if meta["choices"] else
               "true/false" if type(PARAM_FIELDS[name].default) is bool
               else f"{meta['lo']} to {meta['hi']}")

    def rename(new):
        default = getattr(make_params(preset), new)
        on_change([new, default, default])

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("setting", value=name, values=list(PARAM_FIELDS), on_value=rename,
                      style={"min-width": "220px"})
        _value_input(name, a, lambda v: on_change([name, v, b]), "value in A")
        _value_input(name, b, lambda v: on_change([name, a, v]), "value in B")
        solara.Button("remove", text=True, on_click=on_remove, disabled=on_remove is None)
    solara.Text(f"{meta['doc']} ({meta['unit']}; allowed: {allowed}; {preset} preset: "
                f"{getattr(make_params(preset), name)})", style={"font-size": "0.8em",
                                                                 "color": "#555"})


@solara.component
def CompareTab(preset: str):
    """Choose what differs, run both scenarios on one seed, see outcomes and their difference."""
    rows, set_rows = solara.use_state(default_differences(preset))
    seed, set_seed = solara.use_state(DEFAULT_SEED)
    days, set_days = solara.use_state(180)
    n_fans, set_fans = solara.use_state(APP_FANS)
    n_creators, set_creators = solara.use_state(APP_CREATORS)
    outcomes, set_outcomes = solara.use_state(list(compare.DEFAULT_OUTCOMES))

    def run():
        try:
            result = compare.run_pair(preset, seed, days,
                                      {"n_fans": n_fans, "n_creators": n_creators},
                                      [tuple(r) for r in rows])
        except ValueError as err:
            comparison_error.set(str(err))
            return
        comparison_error.set(None)
        comparison.set(result)

    def change(i):
        return lambda row: set_rows([row if j == i else r for j, r in enumerate(rows)])

    def remove(i):
        return lambda: set_rows([r for j, r in enumerate(rows) if j != i])

    def add():
        used = {r[0] for r in rows}
        name = next(n for n in (*COMPARE_DEFAULTS, *PARAM_FIELDS)
                    if n not in used and n not in compare.SHARED)
        default = getattr(make_params(preset), name)
        set_rows([*rows, [name, default, default]])

    with solara.Card("Two scenarios, one seed", subtitle=(
            f"Both runs use the {preset} preset (change it in the sidebar), the same world size "
            "and the same seed, so they share their world and random numbers until the settings "
            "below make them diverge: the difference is the effect of the change.")):
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.InputText("seed (whole number, both runs)", value=seed, on_value=set_seed)
            solara.InputInt("days to run", value=days, on_value=set_days)
            solara.SliderInt(_label("n_fans"), value=n_fans, on_value=set_fans, min=100,
                             max=5000, step=100)
            solara.SliderInt(_label("n_creators"), value=n_creators, on_value=set_creators,
                             min=5, max=200, step=5)
        solara.Markdown("**What differs between A and B**")
        for i, row in enumerate(rows):
            DifferenceRow(row, preset, change(i), remove(i) if len(rows) > 1 else None)
        with solara.Row():
            solara.Button("add a setting", on_click=add, text=True)
            solara.Button("Run both", color="primary", on_click=run)
        solara.SelectMultiple("outcomes to draw", values=outcomes, all_values=list(OUTCOMES),
                              on_value=set_outcomes)
        if comparison_error.value:
            solara.Error(comparison_error.value, classes=["compare-error"])
    result = comparison.value
    if result is not None:
        ComparisonResult(result, tuple(outcomes))


@solara.component
def ComparisonResult(result, outcomes: tuple):
    boxes = solara.use_memo(
        lambda: [(o, *map(SpecBox, compare.outcome_specs(result, o))) for o in outcomes],
        [result, outcomes])
    with solara.Card(f"{result.labels[0]}  vs  {result.labels[1]}", subtitle=(
            f"seed {result.seed}, {result.days} days. For each outcome: both scenarios (top) and "
            "the difference B - A (bottom, shaded; above the dashed line: B is higher)."),
            classes=["compare-result"]):
        solara.DataFrame(compare.summary(result, outcomes), items_per_page=len(outcomes) or 1)
    with solara.Div(classes=["view-grid"]):
        for outcome, both, difference in boxes:
            with solara.Card(margin=0):
                Chart(both, f"compare-{outcome}")
                Chart(difference, f"compare-{outcome}-difference")


# -------------------------------------------------------------------- page


def running_summary(model) -> str:
    """One line with the values the running model uses."""
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
    """The app: the preset card, SolaraViz's controls, and the Explore and Compare tabs."""
    if current_model.value is None:  # first render of this browser session
        start_model(DEFAULT_PRESET)
    preset = current_preset.value or DEFAULT_PRESET

    def finish_switch():
        if switching_preset.peek():
            switching_preset.set(False)

    solara.use_effect(finish_switch, [switching_preset.value])
    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.Sidebar():
        PresetCard(preset, current_model.value)
    if switching_preset.value:
        # One render without SolaraViz: its sidebar controls live in a portal that would
        # otherwise be reused, keeping the previous preset's values behind new sliders.
        solara.Info(f"Loading the {preset} preset...")
        return
    SolaraViz(current_model, components=[], model_params=model_params_for(preset), name=TITLE,
              play_interval=150)
    with solara.lab.Tabs(lazy=True):  # lazy: only the visible tab is drawn
        with solara.lab.Tab("Explore the model"):
            ExploreTab(current_model.value)
        with solara.lab.Tab("Compare two scenarios"):
            CompareTab(preset).key(f"compare-{preset}")  # a new preset: fresh defaults


page = Page()

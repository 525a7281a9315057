"""The browser app without a browser: views, controls and the bad-input path (solara.render)."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from matplotlib.figure import Figure
from solara.components.datatable import DataTableWidget

import sim.app as app
from sim.cli import build_parser
from sim.cli import viz as viz_cli
from sim.metrics import BORDERLINE, FOCAL, INTENSE
from sim.params import PRESETS, make_params

SMALL = dict(n_fans=300, n_creators=10)


@pytest.fixture(autouse=True)
def fresh_session():
    """Module-level reactives are global outside a Solara server: start each test clean."""
    def clear():
        for state in (app.current_model, app.build_error, app.current_preset):
            state.set(None)
        app.switching_preset.set(False)

    clear()
    yield
    clear()


@pytest.fixture(scope="module")
def stepped_model():
    model = app.AppModel(rng=3, **SMALL)
    model.run_for(15)
    return model


@pytest.fixture
def rc(fresh_session):
    """The rendered page, inside an AppLayout (which shows the sidebar's controls)."""
    _, context = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield context
    context.close()  # before fresh_session clears the model the page watches


def button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def control(rc, kind, label):
    return rc.find(kind, label=label).widget


def image(rc, view):
    """PNG bytes of a view's image."""
    found = [w for w in rc.find(widgets.Image).widgets if f"view-{view}" in w._dom_classes]
    assert len(found) == 1, view
    return bytes(found[0].value)


def set_text(field, text):
    """Type into a Solara InputText: it applies the value on Enter or when focus leaves."""
    field.v_model = text
    field.fire_event("keyup.enter", None)


# ----------------------------------------------------------------- controls
def test_controls_are_valid_parameters():
    for name in app.model_params:
        if name not in ("preset", "rng"):
            make_params(**{name: app.initial_kwargs(app.DEFAULT_PRESET)[name]})


@pytest.mark.parametrize("preset", list(PRESETS))
def test_controls_start_at_the_presets_values(preset):
    """Otherwise the sliders' values, passed at Reset, would silently override the preset."""
    params = make_params(preset)
    for name, spec in app.model_params_for(preset).items():
        if isinstance(spec, dict) and name not in ("rng", "n_fans", "n_creators"):
            expected = params.time_limit if name == "time_limit" else getattr(params, name)
            assert make_params(**{name: spec["value"]}).__getattribute__(name) == expected
            if spec["type"].startswith("Slider"):
                assert spec["min"] <= spec["value"] <= spec["max"], name


def test_every_control_label_names_its_unit():
    for name, spec in app.model_params.items():
        if isinstance(spec, dict) and name != "rng":
            assert "(" in spec["label"] and spec["label"].endswith(")"), name


# -------------------------------------------------------------------- views
@pytest.mark.parametrize("name", list(app.VIEWS))
def test_every_view_draws_labelled_axes(stepped_model, name):
    view = app.VIEWS[name]
    assert view.explanation.endswith(".") and view.title
    fig = view.draw(stepped_model)
    assert isinstance(fig, Figure)
    if name != "network":
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
    assert app.figure_png(fig).startswith(b"\x89PNG")


def test_views_draw_on_the_first_day():
    model = app.AppModel(rng=1, **SMALL)
    for view in app.VIEWS.values():
        assert app.figure_png(view.draw(model)).startswith(b"\x89PNG")


def test_histogram_marks_the_tier_thresholds(stepped_model):
    ax = app.draw_attachment_histogram(stepped_model).axes[0]
    xs = {round(line.get_xdata()[0], 3) for line in ax.get_lines()}
    assert {FOCAL, INTENSE, BORDERLINE} <= xs


def test_tiers_follow_the_metrics_thresholds():
    a = np.array([0.0, FOCAL - 1e-9, FOCAL, INTENSE, BORDERLINE, 1.0])
    assert app.tier_of(a).tolist() == [0, 0, 1, 2, 3, 3]


def test_network_sample_is_stable_and_bounded():
    assert np.array_equal(app.fan_sample(1000), app.fan_sample(1000))
    assert app.fan_sample(1000).size == app.NETWORK_SAMPLE
    assert app.fan_sample(40).size == 40


def test_creator_table_has_units_and_every_creator(stepped_model):
    frame = app.creator_frame(stepped_model)
    assert len(frame) == SMALL["n_creators"]
    assert frame["audience (fans)"].is_monotonic_decreasing
    assert set(frame["status"]) <= {"active", "burnt out", "quit"}


# --------------------------------------------------------------------- page
def test_page_renders_every_view_and_the_controls(rc):
    images = rc.find(widgets.Image).widgets
    assert len(images) == len(app.VIEWS)
    assert all(bytes(img.value).startswith(b"\x89PNG") for img in images)
    assert rc.find(DataTableWidget).widgets, "creator table missing"
    for label in ("Reset", "Step", "▶"):
        button(rc, label)
    control(rc, v.Select, "preset")
    assert "preset influencer" in rc.find(v.Html, class_="running-model").widget.children[0]


def test_step_advances_time_and_redraws(rc):
    model = app.current_model.value
    before = image(rc, "tiers")
    button(rc, "Step").click()
    assert app.current_model.value is model and model.time == 1
    assert image(rc, "tiers") != before


def test_reset_applies_a_changed_parameter(rc):
    control(rc, v.Slider, app.model_params["n_fans"]["label"]).v_model = 500
    set_text(control(rc, v.TextField, "seed (whole number)"), "7")
    button(rc, "Reset").click()
    model = app.current_model.value
    assert model.params.n_fans == 500 and model.seed_text == "7" and model.time == 0
    assert app.build_error.value is None


def test_bad_seed_keeps_the_previous_model_and_says_why(rc):
    button(rc, "Step").click()
    model = app.current_model.value
    set_text(control(rc, v.TextField, "seed (whole number)"), "abc")
    button(rc, "Reset").click()
    assert app.current_model.value is model and model.time == 1
    message = rc.find(v.Alert, class_="build-error").widget.children[0]
    assert "rng='abc'" in message and "previous model is kept" in message


def test_rejected_combination_keeps_the_previous_model_and_says_why(rc):
    """The politician preset has no subscriptions, so subscription-paid messages are invalid."""
    control(rc, v.Select, "preset").v_model = "politician"
    model = app.current_model.value
    assert model.params.kind == "politician"
    control(rc, v.Select, app.model_params["paid_messages"]["label"]).v_model = "subscription"
    button(rc, "Reset").click()
    assert app.current_model.value is model
    assert "paid_messages" in rc.find(v.Alert, class_="build-error").widget.children[0]
    # A valid Reset afterwards clears the message.
    control(rc, v.Select, app.model_params["paid_messages"]["label"]).v_model = "off"
    button(rc, "Reset").click()
    assert app.current_model.value is not model
    assert not rc.find(v.Alert, class_="build-error").widgets


def test_preset_loads_its_values_into_the_controls(rc):
    control(rc, v.Select, "preset").v_model = "streamer"
    model = app.current_model.value
    assert model.params.kind == "streamer" and model.params.live_hours == 3.0
    slider = control(rc, v.Slider, app.model_params["live_hours"]["label"])
    assert slider.v_model == 3.0
    button(rc, "Reset").click()  # Reset keeps the preset
    assert app.current_model.value.params.kind == "streamer"


def test_switching_preset_rebuilds_moved_controls(rc):
    """A control moved before a preset switch must not keep its value behind the new model."""
    moderation = app.model_params["moderation"]["label"]
    control(rc, v.Slider, moderation).v_model = 0.5
    control(rc, v.Select, "preset").v_model = "idol"
    assert control(rc, v.Slider, moderation).v_model == 0.0
    button(rc, "Reset").click()
    params = app.current_model.value.params
    assert params.kind == "idol" and params.moderation == 0.0
    assert params.paid_messages == "per_message"


def test_blank_seed_means_a_random_seed():
    assert app.AppModel(rng=" ", **SMALL).seed_text == "random"


def test_time_limit_selector_offers_the_presets_limit():
    assert app._time_limit_select(float("inf"))["value"] == "inf"
    select = app._time_limit_select(2.5)
    assert select["value"] == "2.5" and "2.5" in select["values"]
    assert make_params(time_limit=select["value"]).time_limit == 2.5


def test_first_model_errors_are_not_hidden():
    """With no previous model to keep, a construction error must reach the caller."""
    with pytest.raises(ValueError, match="n_fans"):
        app.AppModel(n_fans=-1)


def test_plain_construction_after_a_failure_clears_the_message():
    app.current_model.set(app.AppModel(rng=1, **SMALL))
    assert app.AppModel(rng="x", **SMALL) is app.current_model.value
    assert app.build_error.value
    app.AppModel(rng=2, **SMALL)
    assert app.build_error.value is None


# ---------------------------------------------------------------------- cli
def test_viz_command_binds_to_localhost_by_default():
    args = build_parser().parse_args(["viz"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    cmd = viz_cli.solara_command(args.host, args.port)
    assert cmd[:5] == [viz_cli.sys.executable, "-m", "solara", "run", "sim.app"]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"


def test_viz_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(viz_cli, "ASSET_CACHE", tmp_path)
    env = viz_cli.solara_env({"PATH": "/bin"})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path)
    assert viz_cli.solara_env({"SOLARA_ASSETS_PROXY_CACHE_DIR": "/x"})[
        "SOLARA_ASSETS_PROXY_CACHE_DIR"] == "/x"
    monkeypatch.setattr(viz_cli, "ASSET_CACHE", tmp_path / "missing")
    assert "SOLARA_ASSETS_PROXY_CACHE_DIR" not in viz_cli.solara_env({})


def test_viz_rejects_a_bad_port():
    args = build_parser().parse_args(["viz", "--port", "70000"])
    with pytest.raises(ValueError, match="--port"):
        args.func(args)

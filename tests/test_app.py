"""The browser app without a browser: views, controls and the bad-input path (solara.render)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from solara.components.datatable import DataTableWidget

import sim.app as app
from sim.cli import build_parser
from sim.cli import viz as viz_cli
from sim.metrics import BORDERLINE, FOCAL, INTENSE
from sim.params import PRESETS, make_params
from sim.viz import assets, charts, compare
from sim.viz.live_chart import LiveChart

SMALL = dict(n_fans=300, n_creators=10)


@pytest.fixture(autouse=True)
def fresh_session():
    """Module-level reactives are global outside a Solara server: start each test clean."""
    def clear():
        for state in (app.current_model, app.build_error, app.current_preset, app.comparison,
                      app.comparison_error):
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


def chart(rc, view):
    """The Vega-Lite spec a view's chart widget holds."""
    found = rc.find(v.Html, class_=f"view-{view}").find(LiveChart).widgets
    assert len(found) == 1, view
    return found[0].spec


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
def spec_of(model, name):
    return charts.VIEWS[name].spec(model, charts.series(model))


@pytest.mark.parametrize("name", list(charts.VIEWS))
def test_every_view_is_a_valid_vega_lite_spec_with_named_axes(stepped_model, name):
    view = charts.VIEWS[name]
    assert view.explanation.endswith(".") and view.title
    spec = spec_of(stepped_model, name)
    validate_jsonschema(spec, load_schema())
    assert f"day {int(stepped_model.time)}" in spec["description"]
    assert any(spec["datasets"].values())  # (the network's flag layer may be empty)
    if name != "network":  # the x axis is named: day, or the histogram's attachment
        x_title = "strongest attachment (0-1)" if name == "attachment" else "day"
        assert f'"title": "{x_title}"' in json.dumps(spec)


def test_views_draw_on_the_first_day():
    model = app.AppModel(rng=1, **SMALL)
    for name in charts.VIEWS:
        validate_jsonschema(spec_of(model, name), load_schema())


def test_time_series_carry_every_collected_day(stepped_model):
    frame = charts.series(stepped_model)
    rows = spec_of(stepped_model, "wellbeing")["datasets"]["series"]
    assert [r["day"] for r in rows] == list(range(int(stepped_model.time) + 1))
    assert [r["mean wellbeing"] for r in rows] == pytest.approx(frame["wellbeing"].tolist())


def test_tiers_are_shares_of_all_fans_stacking_to_the_focal_share(stepped_model):
    """Shares among focal fans read 0 or 1 while one fan is focal; shares of all fans do not."""
    frame = charts.series(stepped_model)
    rows = spec_of(stepped_model, "tiers")["datasets"]["series"]
    stacked = [sum(r[t] for t in charts.FOCAL_TIERS) for r in rows]
    assert stacked == pytest.approx(frame["share_focal"].tolist())
    one_focal_fan = pd.DataFrame({"share_focal": [0.0, 1 / 300], "tier_entertainment": [0.0, 1.0],
                                  "tier_intense": [0.0, 0.0], "tier_borderline": [0.0, 0.0]})
    assert charts.tiers_of_all_fans(one_focal_fan)["entertainment-social"].max() == 1 / 300


def test_histogram_counts_every_fan_and_marks_the_tier_thresholds(stepped_model):
    spec = spec_of(stepped_model, "attachment")
    assert sum(b["fans"] for b in spec["datasets"]["bins"]) == SMALL["n_fans"]
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert {v["x"] for v in rules[0]["data"]["values"]} == {FOCAL, INTENSE, BORDERLINE}


def test_network_shows_every_creator_and_flags_hostile_and_banned_fans(stepped_model):
    layers = charts.network_layout(stepped_model)
    assert len(layers["creators"]["x"]) == SMALL["n_creators"]
    fans = charts.fan_sample(SMALL["n_fans"])
    f = stepped_model.fans
    expected = (f.hostility[fans] >= charts.HOSTILE).sum() + f.banned[fans].sum()
    assert len(layers["flags"]["flag"]) == expected
    tiers = {f"fan: {k}" for k in charts.TIER_COLOURS}
    assert set(layers["fans"]["name"]) <= tiers
    legend = spec_of(stepped_model, "network")["config"]["legend"]
    assert legend["labelFontSize"] >= 12  # legible


def test_records_are_json_safe():
    rows = charts.records({"day": np.arange(2), "x": np.array([0.5, np.nan])})
    assert rows == [{"day": 0, "x": 0.5}, {"day": 1, "x": None}]
    json.dumps(rows, allow_nan=False)


def test_tiers_follow_the_metrics_thresholds():
    a = np.array([0.0, FOCAL - 1e-9, FOCAL, INTENSE, BORDERLINE, 1.0])
    assert charts.tier_of(a).tolist() == [0, 0, 1, 2, 3, 3]


def test_network_sample_is_stable_and_bounded():
    assert np.array_equal(charts.fan_sample(1000), charts.fan_sample(1000))
    assert charts.fan_sample(1000).size == charts.NETWORK_SAMPLE
    assert charts.fan_sample(40).size == 40


def test_creator_table_has_units_and_every_creator(stepped_model):
    frame = app.creator_frame(stepped_model)
    assert len(frame) == SMALL["n_creators"]
    assert frame["audience (fans)"].is_monotonic_decreasing
    assert set(frame["status"]) <= {"active", "burnt out", "quit"}


# ------------------------------------------------------------------ compare
PAIR = dict(preset="influencer", seed="4", days=30, shared=SMALL)


def test_comparison_runs_both_scenarios_on_one_seed():
    cmp = compare.run_pair(**PAIR, differences=[("paid_messages", "off", "per_message")])
    a, b = cmp.frames
    assert len(a) == len(b) == 31 and cmp.seed == 4
    assert a.iloc[0].equals(b.iloc[0])  # the same world on day 0: common random numbers
    assert not a["wellbeing"].equals(b["wellbeing"])  # and then the change shows
    assert cmp.labels == ("A: paid_messages=off", "B: paid_messages=per_message")
    frame = compare.outcome_frame(cmp, "spending")
    assert (frame["B - A"] == frame["B"] - frame["A"]).all()
    table = compare.summary(cmp, ["spending", "wellbeing"])
    assert table.loc[0, "B - A, last day"] == pytest.approx(frame["B - A"].iloc[-1], abs=1e-4)
    for spec in compare.outcome_specs(cmp, "spending"):
        validate_jsonschema(spec, load_schema())
        assert len(spec["datasets"]["pair"]) == 31


def test_comparison_is_reproducible():
    diff = [("feed", "engagement", "chronological"), ("moderation", "0", "0.6")]
    first, again = (compare.run_pair(**PAIR, differences=diff) for _ in range(2))
    for x, y in zip(first.frames, again.frames, strict=True):
        pd.testing.assert_frame_equal(x, y)


@pytest.mark.parametrize(("change", "message"), [
    ({"seed": "abc"}, "seed='abc' is not allowed"),
    ({"days": 0}, "days=0 is not allowed"),
    ({"days": "many"}, "days='many' is not allowed"),
    ({"differences": [("moderation", "0.2", "0.2")]}, "do not differ"),
    ({"differences": [("moderation", "x", "0.2")]}, "moderation='x' is not allowed"),
    ({"differences": [("n_fans", 100, 200)]}, "'n_fans' cannot differ"),
    ({"differences": [("nonsense", 1, 2)]}, "'nonsense' cannot differ"),
    ({"differences": [("feed", "engagement", "wellbeing"), ("feed", "x", "y")]}, "listed twice"),
])
def test_comparison_rejects_bad_input_before_running(change, message):
    args = {**PAIR, "differences": [("paid_messages", "off", "per_message")], **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        compare.run_pair(**args)


# --------------------------------------------------------------------- page
def test_page_renders_every_view_and_the_controls(rc):
    for name in charts.VIEWS:
        assert chart(rc, name)["datasets"], name
    assert rc.find(DataTableWidget).widgets, "creator table missing"
    for label in ("Reset", "Step", "▶"):
        button(rc, label)
    control(rc, v.Select, "preset")
    assert "preset influencer" in rc.find(v.Html, class_="running-model").widget.children[0]
    tabs = [t.children[0] for t in rc.find(v.Tab).widgets]
    assert tabs == ["Explore the model", "Compare two scenarios"]  # not SolaraViz's "Page 0"


def test_step_advances_time_and_redraws(rc):
    model = app.current_model.value
    before = chart(rc, "tiers")
    button(rc, "Step").click()
    assert app.current_model.value is model and model.time == 1
    after = chart(rc, "tiers")
    assert len(after["datasets"]["series"]) == len(before["datasets"]["series"]) + 1
    assert chart(rc, "network")["description"].endswith("day 1")


def test_compare_tab_runs_two_scenarios_and_draws_them(rc):
    rc.find(v.Tabs).widget.v_model = 1
    set_text(control(rc, v.TextField, "days to run"), "15")
    button(rc, "Run both").click()
    result = app.comparison.value
    assert result.days == 15 and result.labels[1] == "B: paid_messages=per_message"
    assert result.settings[0]["n_fans"] == app.APP_FANS
    assert len(rc.find(DataTableWidget).widgets) == 1  # the summary (Explore's table is not drawn)
    both = chart(rc, "compare-wellbeing")
    assert len(both["datasets"]["pair"]) == 16
    assert chart(rc, "compare-wellbeing-difference")["datasets"] == both["datasets"]


def test_compare_tab_reports_bad_input_and_keeps_the_last_result(rc):
    rc.find(v.Tabs).widget.v_model = 1
    set_text(control(rc, v.TextField, "days to run"), "5")
    button(rc, "Run both").click()
    first = app.comparison.value
    set_text(control(rc, v.TextField, "seed (whole number, both runs)"), "x")
    button(rc, "Run both").click()
    assert app.comparison.value is first
    assert "seed='x'" in rc.find(v.Alert, class_="compare-error").widget.children[0]


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


def test_viz_environment(tmp_path):
    env = viz_cli.solara_env({"PATH": "/bin", "HOME": str(tmp_path)})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env[assets.ENV] == str(assets.cache_dir({"HOME": str(tmp_path)}))
    assert viz_cli.solara_env({assets.ENV: "/x"})[assets.ENV] == "/x"


def test_asset_cache_lives_outside_the_source_tree(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert assets.cache_dir({}) == tmp_path / "parasocial-sim" / "solara-assets"
    assert assets.cache_dir({assets.ENV: "/elsewhere"}) == assets.Path("/elsewhere")


def test_viz_refuses_to_serve_a_blank_page_without_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(assets.ENV, str(tmp_path / "empty"))
    args = build_parser().parse_args(["viz"])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert "parasocial viz --fetch-assets" in err and str(tmp_path / "empty") in err


FAKE_NPM = """#!/bin/sh
# npm pack SPEC: write SPEC's tarball (top directory package/) here, print its name
[ "$1" = pack ] || exit 9
spec=$3
name=$(echo "$spec" | tr '/@' '__').tgz
mkdir -p package/build
printf '{"name": "%s"}' "$spec" > package/package.json
echo js > package/build/x.js
tar -czf "$name" package && rm -rf package
echo "$name"
"""


def test_fetch_assets_fills_the_cache_from_npm_pack(tmp_path, monkeypatch, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM)
    (bin_dir / "npm").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{assets.os.environ['PATH']}")
    cache = tmp_path / "cache"
    monkeypatch.setenv(assets.ENV, str(cache))
    args = build_parser().parse_args(["viz", "--fetch-assets"])
    assert args.func(args) == 0
    assert assets.missing(cache) == []
    assert (cache / "requirejs@2.3.6" / "build" / "x.js").read_text() == "js\n"
    assert json.loads((cache / "vega@5" / "package.json").read_text())["name"] == "vega@5"
    assert "npm pack" in capsys.readouterr().err
    # Idempotent: a filled cache calls npm no more (a failing npm would show).
    (bin_dir / "npm").write_text("#!/bin/sh\nexit 1\n")
    assert args.func(args) == 0
    # The CI wrapper fills a given folder the same way, without the package installed.
    out = subprocess.run(["bash", "tools/solara_assets.sh", str(tmp_path / "ci")],
                         capture_output=True, text=True, env={**assets.os.environ,
                                                              "PYTHON": "python3"})
    assert out.returncode == 1 and "npm pack" in out.stderr  # the failing npm is reported


def test_unpacking_keeps_every_file_inside_the_cache(tmp_path):
    evil = tmp_path / "evil.tgz"
    with tarfile.open(evil, "w:gz") as tar:
        (tmp_path / "f").write_text("x")
        tar.add(tmp_path / "f", arcname="package/../../outside")
    with pytest.raises(tarfile.OutsideDestinationError):
        assets._unpack(evil, tmp_path / "cache" / "pkg")
    assert not (tmp_path / "outside").exists()


def test_fetch_without_npm_says_what_is_needed(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OSError, match="npm is required"):
        assets.fetch(tmp_path / "cache")


def test_viz_rejects_a_bad_port():
    args = build_parser().parse_args(["viz", "--port", "70000"])
    with pytest.raises(ValueError, match="--port"):
        args.func(args)

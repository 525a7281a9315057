"""Parameters: presets, keywords, validation before any work, coercion, documentation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.agents import Fan
from sim.model import ParasocialModel
from sim.params import (
    PARAM_FIELDS,
    PRESETS,
    Params,
    creator_params,
    make_params,
    markdown_table,
    parse_mix,
)
from sim.state import FanState

TINY = dict(n_fans=100, n_creators=5)


def _kind(name):
    return type(PARAM_FIELDS[name].default)


def _other_value(name):
    """A valid value different from the default, small enough for a tiny world."""
    f = PARAM_FIELDS[name]
    default, meta, kind = f.default, f.metadata, _kind(name)
    special = {"n_fans": 120, "n_creators": 6, "social_degree": 8, "initial_follows": 3.0,
               "max_follows": 7, "time_limit": 3.0, "reply_capacity": 40.0,
               "lockdown_day": 2, "quit_day": 2, "conflict_day": 2,
               "creator_mix": "influencer:0.5,streamer:0.5"}
    if name in special:
        return special[name]
    if kind is bool:
        return not default
    if meta["choices"] is not None:
        return next(c for c in meta["choices"] if c != default)
    lo, hi = meta["lo"], meta["hi"]
    if kind is int:
        return default + 1 if default < hi else default - 1
    return (default + hi) / 2 if default < hi else (default + lo) / 2


NUMERIC = [n for n, f in PARAM_FIELDS.items()
           if _kind(n) in (int, float) and f.metadata["choices"] is None]


# ----------------------------------------------------------------------- presets
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_build_and_run(preset):
    params = make_params(preset)
    assert isinstance(params, Params)
    assert params.kind == preset or params.creator_mix  # a kind, or a named mix of kinds
    for name, value in PRESETS[preset].items():
        assert getattr(params, name) == value
    model = ParasocialModel(preset=preset, rng=3, **TINY)
    model.run_for(3)
    assert model.params.kind == preset or model.params.creator_mix
    kinds = set(parse_mix(params.creator_mix)) or {preset}
    assert {c.kind_name for c in model.creator_agents} <= kinds


def test_presets_differ_from_each_other():
    built = {name: make_params(name).to_dict() for name in PRESETS}
    as_tuples = {tuple(sorted(d.items(), key=lambda kv: kv[0])) for d in built.values()}
    assert len(as_tuples) == len(PRESETS)


def test_model_with_no_arguments():
    model = ParasocialModel()
    assert model.params == make_params()
    assert model.preset == "influencer"
    assert len(model.agents_by_type[Fan]) == model.params.n_fans
    model.step()
    assert model.time == 1


def test_defaults_are_valid_and_params_is_frozen():
    p = Params()
    assert p == make_params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.n_fans = 5  # type: ignore[misc]


# ----------------------------------------------------------------- every keyword
@pytest.mark.parametrize("name", sorted(PARAM_FIELDS))
def test_every_field_is_a_keyword(name):
    value = _other_value(name)
    assert value != PARAM_FIELDS[name].default
    assert getattr(make_params(**{name: value}), name) == value
    assert getattr(Params(**{name: value}), name) == value
    assert getattr(make_params().replace(**{name: value}), name) == value
    kwargs = {**TINY, name: value}
    model = ParasocialModel(rng=0, **kwargs)
    assert getattr(model.params, name) == value
    model.step()


def test_model_rebuilds_from_its_own_parameters():
    """SolaraViz resets a model as Model(**params): every field must round-trip as a keyword."""
    original = ParasocialModel(preset="idol", rng=2, **TINY)
    rebuilt = ParasocialModel(rng=2, **original.params.to_dict())
    assert rebuilt.params == original.params
    np.testing.assert_array_equal(rebuilt.bonds.creator, original.bonds.creator)


def test_preset_values_can_be_overridden():
    assert make_params("idol", fan_meetings=False).fan_meetings is False
    assert make_params("politician", subscriptions=True).subscriptions is True
    model = ParasocialModel(preset="streamer", live_hours=1.0, **TINY)
    assert model.params.live_hours == 1.0
    assert model.params.kind == "streamer"


# -------------------------------------------------------------------- validation
def _assert_rejected(match_name, value=None, **kwargs):
    with pytest.raises(ValueError) as err:
        make_params(**kwargs)
    message = str(err.value)
    assert match_name in message, message
    if value is not None:
        assert str(value) in message, message
    return message


@pytest.mark.parametrize("name", [n for n in NUMERIC if PARAM_FIELDS[n].metadata["lo"] is not None])
def test_below_range_is_rejected_with_name_value_and_range(name):
    lo = PARAM_FIELDS[name].metadata["lo"]
    value = lo - 1 if _kind(name) is int else lo - 0.5
    message = _assert_rejected(f"{name}=", value, **{name: value})
    assert "not allowed" in message


@pytest.mark.parametrize("name", [n for n in NUMERIC
                                  if PARAM_FIELDS[n].metadata["hi"] not in (None, math.inf)])
def test_above_range_is_rejected(name):
    hi = PARAM_FIELDS[name].metadata["hi"]
    value = hi + 1 if _kind(name) is int else hi * 1.5 + 1
    kwargs = {name: value}
    if name == "social_degree":  # stay even and below n_fans: the range check must fire
        kwargs = {name: hi + 2, "n_fans": 10_000_000}
        value = hi + 2
    _assert_rejected(f"{name}=", value, **kwargs)


@pytest.mark.parametrize("name,value", [
    ("n_fans", -10), ("n_fans", 0), ("n_creators", -1), ("max_follows", 0),
    ("moderation", 1.5), ("moderation", -0.1), ("spend_propensity", 2.0),
    ("social_rewiring", -0.01), ("platform_cut", 1.01), ("notifications", 7.0),
    ("posting_rate", -1.0), ("time_limit", -1.0), ("lockdown_day", -2),
])
def test_typical_invalid_values(name, value):
    _assert_rejected(f"{name}=", value, **{name: value})


@pytest.mark.parametrize("name,value", [
    ("n_fans", 100.5), ("posting_rate", math.nan), ("posting_rate", math.inf),
    ("n_fans", math.inf), ("subscriptions", 1), ("subscriptions", "maybe"),
    ("posting_rate", "fast"), ("n_fans", "many"), ("posting_rate", None), ("feed", 3),
])
def test_wrong_types_are_rejected(name, value):
    _assert_rejected(f"{name}=", None, **{name: value})


def test_unknown_choices_are_rejected():
    m = _assert_rejected("feed=", "'random'", feed="random")
    assert "chronological" in m  # says what is allowed
    _assert_rejected("paid_messages=", "'always'", paid_messages="always")
    _assert_rejected("kind=", "'wizard'", kind="wizard")


def test_unknown_preset_is_rejected():
    with pytest.raises(ValueError, match="preset='wizard'"):
        make_params("wizard")
    with pytest.raises(ValueError, match="preset='wizard'") as err:
        ParasocialModel(preset="wizard")
    assert "influencer" in str(err.value)


def test_unknown_parameter_is_rejected():
    with pytest.raises(ValueError, match="n_fanz"):
        make_params(n_fanz=10)
    with pytest.raises(ValueError, match="n_fanz"):
        ParasocialModel(n_fanz=10)
    with pytest.raises(ValueError, match="bogus"):
        make_params().replace(bogus=1)


@pytest.mark.parametrize("kwargs,name,value", [
    (dict(paid_messages="subscription", subscriptions=False), "paid_messages", "subscription"),
    (dict(social_degree=5), "social_degree", 5),
    (dict(social_degree=8, n_fans=8), "social_degree", 8),
    (dict(initial_follows=5.0, max_follows=3), "initial_follows", 5.0),
    (dict(fan_meetings=True, meeting_capacity=0), "meeting_capacity", 0),
])
def test_inconsistent_combinations_are_rejected(kwargs, name, value):
    _assert_rejected(name, value, **kwargs)


def test_inconsistent_preset_override_is_rejected():
    # the politician preset has no subscriptions, so subscription-paid messages contradict it
    _assert_rejected("paid_messages", "subscription", preset="politician",
                     paid_messages="subscription")


@pytest.mark.parametrize("kwargs,name", [
    (dict(n_fans=-5), "n_fans"),
    (dict(moderation=2.0), "moderation"),
    (dict(feed="random"), "feed"),
    (dict(paid_messages="subscription", subscriptions=False), "paid_messages"),
    (dict(social_degree=3), "social_degree"),
    (dict(wrong_name=1), "wrong_name"),
    (dict(n_fans=10_000_000, posting_rate=-1.0), "posting_rate"),
])
def test_model_validates_before_any_agent_is_created(monkeypatch, kwargs, name):
    def forbidden(*args, **kw):
        raise AssertionError("fan state was built before the parameters were validated")

    monkeypatch.setattr(FanState, "create", classmethod(forbidden))
    with pytest.raises(ValueError) as err:
        ParasocialModel(**kwargs)
    assert name in str(err.value)


def test_invalid_seed_is_rejected():
    for bad in ("abc", -1, 1.5, True):
        with pytest.raises(ValueError, match="rng="):
            ParasocialModel(rng=bad, **TINY)


# ---------------------------------------------------------------------- coercion
def test_strings_from_a_command_line_are_coerced():
    p = make_params(n_fans="300", posting_rate="2.5", subscriptions="false", donations="Yes",
                    fan_meetings="on", feed="chronological", time_limit="inf",
                    moderation=" 0.5 ", lockdown_day="-1", n_creators="1e1")
    assert p.n_fans == 300 and type(p.n_fans) is int
    assert p.n_creators == 10 and type(p.n_creators) is int
    assert p.posting_rate == 2.5 and type(p.posting_rate) is float
    assert p.subscriptions is False and p.donations is True and p.fan_meetings is True
    assert p.feed == "chronological"
    assert p.time_limit == math.inf
    assert p.moderation == 0.5
    assert p.lockdown_day == -1


def test_numbers_are_coerced_to_the_field_type():
    p = make_params(n_fans=300.0, posting_rate=2)
    assert type(p.n_fans) is int and p.n_fans == 300
    assert type(p.posting_rate) is float and p.posting_rate == 2.0
    assert make_params().replace(n_fans="250").n_fans == 250


def test_bad_strings_name_the_parameter():
    _assert_rejected("n_fans=", "3.5", n_fans="3.5")
    _assert_rejected("posting_rate=", "'often'", posting_rate="often")
    _assert_rejected("subscriptions=", "'perhaps'", subscriptions="perhaps")
    _assert_rejected("posting_rate=", "nan", posting_rate="nan")


def test_model_accepts_cli_like_strings():
    model = ParasocialModel(rng="7", n_fans="100", n_creators="5", subscriptions="false")
    same = ParasocialModel(rng=7, n_fans=100, n_creators=5, subscriptions=False)
    assert model.params == same.params
    np.testing.assert_array_equal(model.fans.absorption, same.fans.absorption)


def test_numpy_scalars_from_sweep_designs_are_accepted():
    """Values read from a numpy/pandas design table arrive as numpy scalars."""
    p = make_params(n_fans=np.int64(300), posting_rate=np.float64(2.0),
                    subscriptions=np.bool_(False), meeting_interval=np.int32(30),
                    attachment_gain=np.int64(0))
    assert p.n_fans == 300 and p.posting_rate == 2.0 and p.subscriptions is False
    assert p.meeting_interval == 30 and p.attachment_gain == 0.0


# ------------------------------------------------------------------ documentation
def test_markdown_table_lists_every_parameter():
    table = markdown_table()
    lines = table.splitlines()
    assert len(lines) == 2 + len(PARAM_FIELDS)
    for name, f in PARAM_FIELDS.items():
        row = next((line for line in lines if line.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        assert f.metadata["unit"] in row
        assert row.count("|") >= 7


def test_every_parameter_is_documented():
    for name, f in PARAM_FIELDS.items():
        meta = f.metadata
        assert meta["unit"], name
        assert meta["doc"], name
        assert meta["source"], name
        if _kind(name) in (int, float) and meta["choices"] is None:
            assert meta["lo"] is not None and meta["hi"] is not None, name
            assert meta["lo"] <= f.default <= meta["hi"], name


def test_to_dict_round_trips():
    p = make_params("idol", n_fans=500)
    assert Params(**p.to_dict()) == p
    assert set(p.to_dict()) == set(PARAM_FIELDS)


# ------------------------------------------------------------------ mixed worlds
class TestCreatorMix:
    def test_a_mix_gives_each_kind_its_preset_settings(self):
        p = make_params("mixed")
        kinds = {kind: params for kind, _, params in creator_params(p, "mixed")}
        assert kinds["streamer"].live_hours == PRESETS["streamer"]["live_hours"]
        assert kinds["influencer"].live_hours == 0.0
        assert kinds["idol"].paid_messages == "per_message"
        assert kinds["influencer"].paid_messages == "off"

    def test_a_creator_setting_changed_for_the_run_applies_to_every_kind(self):
        p = make_params("mixed", paid_messages="per_message", posting_rate=2.5)
        for _, _, params in creator_params(p, "mixed"):
            assert params.paid_messages == "per_message"
            assert params.posting_rate == 2.5

    def test_one_world_holds_every_kind_in_its_shares(self):
        model = ParasocialModel(preset="mixed", n_fans=200, n_creators=400, rng=1)
        kinds = [c.kind_name for c in model.creator_agents]
        for kind, share in parse_mix(model.params.creator_mix).items():
            assert abs(kinds.count(kind) / len(kinds) - share) < 0.06
        c = model.creators
        streamers = np.array([k == "streamer" for k in kinds])
        assert (c.live_hours[streamers] > 0).all() and (c.live_hours[~streamers & (c.kind == 0)] == 0).all()
        assert not c.human[np.array([k == "virtual" for k in kinds])].any()

    @pytest.mark.parametrize("text", ["influencer:0.5", "robot:1", "influencer:0.5,influencer:0.5",
                                      "influencer:x", "influencer:1.5,streamer:-0.5"])
    def test_bad_mixes_are_refused_by_name(self, text):
        with pytest.raises(ValueError, match="creator_mix="):
            make_params(creator_mix=text)


def test_no_outcome_shares_a_name_with_a_parameter():
    """Tidy results hold parameters and outcomes side by side: a shared name would clash."""
    from sim.metrics import OUTCOMES

    assert not set(OUTCOMES) & set(PARAM_FIELDS)

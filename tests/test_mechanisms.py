"""Every mechanism is tested by its absence: switch it off, and its outcome must move.

Each row names a mechanism, the setting that disconnects it (its strength set to
zero, or its feature off), the outcome it carries and the direction that outcome
must move without it. A world warms up for `WARM` days; two exact copies of it
then run `DAYS` more days, one with the row's base settings and one with the
mechanism off (`ParasocialModel.update_params`), with the same random numbers.
The copies differ only through the mechanism, so one whose code is disconnected
(its effect replaced by zero or identity) leaves them alike and fails its row.
The outcome is averaged over worlds of `SEEDS`: on one seed a small effect can
have either sign once the copies' random draws part ways.
"""

from __future__ import annotations

import copy
from functools import cache

import numpy as np
import pytest

from sim.model import ParasocialModel

# 200 fans per creator, keener to bond and to pay than the defaults, so that every
# mechanism has something to act on within days; niche_creators=1: at 10 creators the taste
# width of the report's world (0.05), so that niches matter
WORLD = dict(n_fans=2000, n_creators=10, niche_creators=1.0, attachment_gain=0.1,
             spend_propensity=0.03)
WARM = 60
DAYS = 1
SEEDS = (11, 12, 13)


@cache
def warm(preset: str, seed: int) -> ParasocialModel:
    model = ParasocialModel(preset=preset, rng=seed, **WORLD)
    model.run_for(WARM)
    return model


@cache
def run(preset: str, seed: int, items: tuple, days: int) -> ParasocialModel:
    model = copy.deepcopy(warm(preset, seed))
    model.update_params(**dict(items))
    model.run_for(days)
    return model


def summary(model: ParasocialModel, days: int) -> dict:
    """Outcomes averaged over the days after the switch, and a few fan-level measures."""
    out = model.datacollector.get_model_vars_dataframe().iloc[-days:].mean().to_dict()
    f, b, c = model.fans, model.bonds, model.creators
    lonely = f.loneliness_trait >= np.quantile(f.loneliness_trait, 0.75)  # lonely by disposition
    out["lonely_hours"] = float(f.platform_hours[lonely].mean())
    focal = np.flatnonzero(model.strongest > 0.2)
    creator = b.creator[focal, np.argmax(b.attachment[focal], axis=1)]
    out["focal_disagreement"] = float(np.abs(f.opinion[focal] - c.opinion[creator]).mean())
    harassed = (c.last_harassed > WARM)[c.active]  # since the switch
    out["creators_harassed"] = float(harassed.mean()) if harassed.size else 0.0
    return out


def paired(with_it: ParasocialModel, without: ParasocialModel, variable: str) -> tuple:
    """Mean of a bond variable over the bonds both copies still hold (the same fan and creator):
    free of the noise of follows and unfollows that differ between the copies."""
    same = (with_it.bonds.creator == without.bonds.creator) & with_it.bonds.valid
    if variable == "disagreement":  # fan's opinion against the creator's stance, on focal bonds
        same &= (with_it.bonds.attachment > 0.2) & (without.bonds.attachment > 0.2)
        return tuple(float(np.abs(m.fans.opinion[:, None] - m.creators.opinion[m.bonds.creator])
                           [same].mean()) for m in (with_it, without))
    if variable == "lonely_attachment":
        lonely = with_it.fans.loneliness_trait >= np.quantile(with_it.fans.loneliness_trait, 0.75)
        same &= lonely[:, None]
        variable = "attachment"
    return (float(getattr(with_it.bonds, variable)[same].mean()),
            float(getattr(without.bonds, variable)[same].mean()))


PAIRED = {"attachment", "reciprocity", "frustration", "lonely_attachment", "disagreement"}


def values(preset, outcome, days, base, off):
    """The outcome with and without the mechanism, each averaged over the worlds of SEEDS."""
    pairs = [seed_values(preset, seed, outcome, days, base, off) for seed in SEEDS]
    return tuple(float(np.mean(v)) for v in zip(*pairs, strict=True))


def seed_values(preset, seed, outcome, days, base, off):
    with_it = run(preset, seed, tuple(sorted(base.items())), days)
    without = run(preset, seed, tuple(sorted(off.items())), days)
    if outcome == "opinion_movement":  # how far fans' opinions moved since the switch
        start = warm(preset, seed).fans.opinion
        return tuple(float(np.abs(m.fans.opinion - start).mean()) for m in (with_it, without))
    if outcome == "targeted_harassment":  # share of the incidents since the switch that hit
        start = warm(preset, seed).creators.harassment_total  # identity-targeted creators
        incidents = [m.creators.harassment_total - start for m in (with_it, without)]
        targeted = with_it.creators.targeting > 1
        return tuple(float(x[targeted].sum() / max(x.sum(), 1.0)) for x in incidents)
    if outcome in PAIRED:
        return paired(with_it, without, outcome)
    return summary(with_it, days)[outcome], summary(without, days)[outcome]


SWAMPED = {"reply_capacity": 1.0}  # creators who cannot answer their messages
SUBSCRIBING = {"subscription_churn": 0.5, "spend_propensity": 0.3}  # many subscriptions to renew
# paid messages bought every day, and no meetings or donations whose recognition could mask them
BUYING = {"paid_message_appeal": 1.0, "message_price": 0.2, "fan_meetings": False,
          "donations": False}
NO_SUBSCRIPTIONS = {"subscriptions": False}  # price then acts on purchases only, not on churn
DISCOVERING = {"discovery_rate": 0.2}  # fans looking for new creators often: recommendations matter
POOR = {"income_need": 1e9, "creator_grace": 0, "income_quit_rate": 0.2, "creator_entry_rate": 0.0}

# (mechanism, preset, base settings, disconnecting settings, outcome, direction when disconnected,
#  and optionally the days to run, for slow outcomes)
ABSENCES = [
    # mechanism 1: exposure builds attachment
    ("self-disclosure", "influencer", {}, {"disclosure_weight": 0.0}, "attachment", "down"),
    ("direct address", "influencer", {}, {"address_weight": 0.0}, "attachment", "down"),
    ("live streams", "streamer", {}, {"live_weight": 0.0}, "attachment", "down"),
    ("recognition", "influencer", {}, {"recognition_weight": 0.0}, "attachment", "down"),
    ("absorption reinforcement", "influencer", {}, {"absorption_reinforcement": 0.0},
     "attachment", "down"),
    ("literacy damping", "influencer", {}, {"literacy_effect": 0.0}, "attachment", "up"),
    ("post satiation", "influencer", {}, {"post_satiation": float("inf")}, "attachment", "up"),
    ("loneliness raises gain", "influencer", {"loneliness_effect": 5.0}, {"loneliness_effect": 0.0},
     "lonely_attachment", "down"),
    # mechanism 2: the platform and attention
    ("notifications", "influencer", {}, {"notifications": 0.0}, "platform_hours", "down"),
    ("attachment pull", "influencer", {}, {"attachment_pull": 0.0}, "platform_hours", "down"),
    ("loneliness pull", "influencer", {}, {"loneliness_pull": 0.0}, "lonely_hours", "down"),
    ("time limit", "influencer", {"time_limit": 1.5}, {"time_limit": float("inf")},
     "platform_hours", "up"),
    ("attention budget binds", "influencer", {"posting_rate": 3.0, "initial_follows": 4},
     {"posting_rate": 3.0, "initial_follows": 4, "followed_share": 1.0}, "posts_seen", "up"),
    ("engagement feed", "influencer", {}, {"feed": "chronological"}, "audience_gini", "down"),
    ("popularity signal", "influencer", DISCOVERING, {**DISCOVERING, "popularity_bias": 0.0},
     "audience_gini", "down", 30),
    ("discovery", "influencer", {}, {"discovery_rate": 0.0}, "follows", "down"),
    # without niches one ranking of creators serves every fan: audiences grow more unequal
    ("taste fit", "influencer", DISCOVERING, {**DISCOVERING, "niche_creators": float("inf")},
     "audience_gini", "up", 30),
    # at the default fade level hardly a bond has faded a day after the warm-up: raise it in both
    ("faded bonds unfollowed", "influencer", {"fade_level": 0.1},
     {"fade_level": 0.1, "fade_unfollow": 0.0}, "unfollows", "down"),
    ("frustration unfollows", "influencer", {"frustration_unfollow": 0.5},
     {"frustration_unfollow": 0.0}, "unfollows", "down"),
    # mechanism 3: offline life
    ("tie maintenance", "influencer", {}, {"tie_maintenance": 0.0}, "offline_support", "down"),
    ("social surrogacy", "influencer", {}, {"surrogacy": 0.0}, "loneliness", "up"),
    ("lockdown compensation", "influencer", {"lockdown_day": WARM + 1},
     {"lockdown_day": WARM + 1, "lockdown_compensation": 0.0}, "platform_hours", "down"),
    ("lockdown contact", "influencer", {"lockdown_day": WARM + 1}, {}, "offline_hours", "up"),
    ("parasocial comfort", "influencer", {}, {"parasocial_comfort": 0.0}, "wellbeing", "down"),
    ("overuse cost", "influencer", {}, {"overuse_cost": 0.0}, "wellbeing", "up"),
    # mechanism 4: one-and-a-half-sided interaction
    ("personal replies", "influencer", {}, {"reply_capacity": 0.0}, "reciprocity", "down"),
    ("fans' messages", "influencer", {}, {"message_rate": 0.0}, "reciprocity", "down"),
    ("names read on stream", "streamer", {}, {"chat_interaction": 0.0}, "reciprocity", "down"),
    ("paid broadcasts", "idol", BUYING, {**BUYING, "paid_messages": "off"}, "reciprocity", "down"),
    ("broadcast habituation", "idol", BUYING, {**BUYING, "broadcast_habituation": 0.0},
     "reciprocity", "up"),
    ("subscriber broadcasts", "influencer", {"paid_messages": "subscription"},
     {"paid_messages": "subscription", "broadcast_rate": 0.0}, "reciprocity", "down"),
    ("expectations from spending", "idol", {}, {"expectation_spend_weight": 0.0},
     "frustration", "down"),
    ("expectations from reciprocity", "influencer", {}, {"expectation_reciprocity_weight": 0.0},
     "frustration", "down"),
    ("creator boundaries", "influencer", {}, {"boundaries": 0.0}, "frustration", "up"),
    # mechanism 5: money
    ("paid messages earn", "idol", {}, {"paid_messages": "off"}, "spent_paid_message", "down"),
    ("price response", "influencer", NO_SUBSCRIPTIONS, {**NO_SUBSCRIPTIONS, "price_sensitivity": 0.0},
     "monthly_spending", "up", 10),
    ("dearer messages sell less", "idol", {"message_price": 1.0}, {"message_price": 3.0},
     "paid_messages_bought", "down", 10),
    # (the subscribers themselves are bounded by wallets: fewer cancellations leave less money
    # for new subscriptions, so their count moves little either way)
    ("subscription churn", "influencer", SUBSCRIBING, {**SUBSCRIBING, "subscription_churn": 0.0},
     "subscriptions_cancelled", "down", 30),
    ("satisfaction keeps subscribers", "influencer", {**SUBSCRIBING, "subscription_price": 0.01},
     {**SUBSCRIBING, "subscription_price": 0.01, "churn_sensitivity": 0.0},
     "subscriptions_cancelled", "up", 30),
    ("donations read out", "streamer", {}, {"shoutouts_per_hour": 0.0}, "donations_read_share",
     "down", 10),
    ("fan meetings", "idol", {"meeting_interval": 3}, {"meeting_interval": 3, "fan_meetings": False},
     "spent_meeting", "down", 30),
    ("platform cut", "influencer", {}, {"platform_cut": 0.0}, "platform_revenue", "down"),
    # mechanism 6: hostility
    ("frustration to hostility", "influencer", {}, {"hostility_gain": 0.0}, "hostility", "down"),
    ("fandom contagion", "influencer", {}, {"hostility_contagion": 0.0}, "hostility", "down"),
    ("moderation", "influencer", {"moderation": 0.5}, {"moderation": 0.0}, "hostility", "up"),
    ("sanctions", "influencer", {"moderation": 0.5}, {"moderation": 0.5, "sanction_effect": 0.0},
     "hostility", "up"),
    ("harassment harms", "influencer", {}, {"harassment_harm": 0.0}, "wellbeing", "up"),
    # within ten days outsiders reach creators whose own followers are not frustrated (over
    # longer windows nearly every creator is reached either way: the share saturates)
    ("outsiders target by identity", "influencer", {}, {"outsider_share": 0.0},
     "targeted_harassment", "down", 10),
    ("stalking", "idol", {"stalking_rate": 0.5, "stalking_threshold": 0.2},
     {"stalking_rate": 0.0, "stalking_threshold": 0.2}, "stalking", "down"),
    # mechanism 7: creators
    ("work beyond a sustainable day", "influencer", {"posting_rate": 3.0},
     {"posting_rate": 3.0, "load_stress": 0.0}, "creator_stress", "down"),
    ("unanswered demand", "influencer", SWAMPED, {**SWAMPED, "demand_stress": 0.0}, "creator_stress",
     "down"),
    ("harassment stress", "influencer", {"harassment_rate": 3.0},
     {"harassment_rate": 3.0, "harassment_stress": 0.0}, "creator_stress", "down"),
    ("income buys help", "influencer", {**SWAMPED, "income_support": 5.0},
     {**SWAMPED, "income_support": 0.0}, "creator_stress", "up"),
    ("stressed creators cut output", "influencer", {"adapt_threshold": 0.0},
     {"adapt_threshold": 0.0, "adapt_cut": 0.0}, "posts", "up"),
    ("breaks", "influencer", {"break_threshold": 0.0, "break_rate": 0.2},
     {"break_threshold": 0.0, "break_rate": 0.0}, "on_break", "down", 5),
    ("burnout lowers output", "influencer", {"burnout_threshold": 0.0},
     {"burnout_threshold": 0.0, "burnout_output": 1.0}, "posts", "up", 3),
    ("burnt-out creators quit", "influencer",
     {"burnout_threshold": 0.0, "quit_rate": 0.2, "creator_entry_rate": 0.0},
     {"burnout_threshold": 0.0, "quit_rate": 0.0, "creator_entry_rate": 0.0}, "quit_creators",
     "down"),
    ("low income makes creators quit", "influencer", POOR, {**POOR, "income_quit_rate": 0.0},
     "quit_creators", "down"),
    ("newcomers enter", "influencer", {**POOR, "creator_entry_rate": 0.5}, POOR,
     "active_creators", "down", 30),
    # mechanism 8: identity and politics
    ("opinion drift", "politician", {}, {"opinion_influence": 0.0}, "focal_disagreement", "up"),
    ("politicians' stances shift", "politician", {"stance_drift": 0.2}, {"stance_drift": 0.0},
     "opinion_movement", "down", 3),
    ("disagreeing followers leave", "politician", {"unfollow_rate": 0.5}, {"unfollow_rate": 0.0},
     "unfollows", "down"),
]


@pytest.mark.parametrize("row", ABSENCES, ids=[row[0] for row in ABSENCES])
def test_switching_a_mechanism_off_moves_its_outcome(row):
    mechanism, preset, base, off, outcome, direction, *days = row
    days = days[0] if days else DAYS
    with_it, without = values(preset, outcome, days, base, off)
    if direction == "down":
        assert without < with_it, f"{mechanism}: {outcome} {with_it} -> {without} without it"
    else:
        assert without > with_it, f"{mechanism}: {outcome} {with_it} -> {without} without it"


# Each mechanism's code disconnected in place (its effect replaced by zero or identity), and the
# row above that must then fail: the rows detect a disconnected mechanism, not only a parameter.
def _ones(x, *_, **__):
    return np.ones_like(np.asarray(x, dtype=float))


def _zeros(x, *_, **__):
    return np.zeros_like(np.asarray(x, dtype=float))


def _first(x, *_, **__):
    return x


def _nothing(*_, **__):
    return None


DISCONNECTIONS = [
    ("bonds", "reinforcement", lambda absorption, attachment, strength: np.ones_like(attachment),
     "absorption reinforcement"),
    ("bonds", "expectation", _zeros, "expectations from reciprocity"),
    # tried where broadcasts are the only change (bought ones also move spending on the bond)
    ("interaction", "broadcast_value", lambda value, literacy, *a: _zeros(literacy),
     "subscriber broadcasts"),
    ("interaction", "paid_broadcasts", _nothing, "paid broadcasts"),
    ("interaction", "subscriber_broadcasts", _nothing, "subscriber broadcasts"),
    ("interaction", "live_chat", _nothing, "names read on stream"),
    ("money", "price_response", lambda price, means, s: _ones(price + means), "price response"),
    ("money", "cancel_probability", _zeros, "subscription churn"),
    ("money", "read_out", lambda creator, size, capacity, rng: np.zeros(size.size, dtype=bool),
     "donations read out"),
    ("money", "meetings", _nothing, "fan meetings"),
    ("attention", "posts_seen", lambda weights, posts, budget: posts.copy(),
     "attention budget binds"),
    ("attention", "recommendation_weights",
     lambda feed, appeal, posts, engagement, bias, hostile, active: active / active.sum(),
     "popularity signal"),
    ("attention", "desired_platform_hours", _first, "notifications"),
    ("follows", "unfollow", _nothing, "faded bonds unfollowed"),
    ("follows", "discover", _nothing, "discovery"),
    ("follows", "fit_of", _nothing, "taste fit"),
    ("offline", "displaced_hours", lambda *a: 0.0, "lockdown compensation"),
    ("offline", "felt_support", _first, "social surrogacy"),
    ("hostility", "community_exposure", lambda exposure, attachment, index:
     np.zeros(attachment.shape[0]), "fandom contagion"),
    ("hostility", "visibility_weights", _zeros, "outsiders target by identity"),
    ("hostility", "moderate", lambda model, offenders: np.ones(offenders.size, dtype=bool),
     "moderation"),
    ("creators", "adaptation", _ones, "stressed creators cut output"),
    ("creators", "effective_resources", _first, "income buys help"),
    ("creators", "quit_probability", _zeros, "burnt-out creators quit"),
    ("opinion", "drift_opinions", _first, "opinion drift"),
    ("opinion", "shift_stances", _first, "politicians' stances shift"),
]
ROWS = {row[0]: row for row in ABSENCES}


@pytest.mark.slow
@pytest.mark.parametrize("module,function,replacement,row", DISCONNECTIONS,
                         ids=[f"{m}.{f}" for m, f, _, _ in DISCONNECTIONS])
def test_a_disconnected_mechanism_fails_its_row(module, function, replacement, row, monkeypatch):
    import importlib

    monkeypatch.setattr(importlib.import_module(f"sim.dynamics.{module}"), function, replacement)
    warm.cache_clear()
    run.cache_clear()
    try:
        with pytest.raises(AssertionError):
            test_switching_a_mechanism_off_moves_its_outcome(ROWS[row])
    finally:
        warm.cache_clear()
        run.cache_clear()

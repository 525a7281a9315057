"""The Mesa model: reproducibility, agents as views onto arrays, extension points, scenarios."""

from __future__ import annotations

import re
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from sim.agents import Creator, Fan, Platform
from sim.dynamics import creators
from sim.metrics import CREATOR_REPORTERS, OUTCOMES
from sim.model import ParasocialModel
from sim.simulate import run_scenario
from sim.state import Bonds, CreatorState, FanState

SMALL = dict(n_fans=300, n_creators=8)


def state_arrays(model) -> dict[str, np.ndarray]:
    """Every state array of the model, by qualified name."""
    out = {}
    for prefix, obj, cls in (("fans", model.fans, FanState), ("creators", model.creators,
                                                              CreatorState),
                             ("bonds", model.bonds, Bonds)):
        for f in fields(cls):
            out[f"{prefix}.{f.name}"] = np.asarray(getattr(obj, f.name))
    out["tie_strength"] = model.tie_strength
    return out


def run(steps=0, **kw) -> ParasocialModel:
    kw = {**SMALL, **kw}
    kw.setdefault("rng", 1)
    model = ParasocialModel(**kw)
    if steps:
        model.run_for(steps)
    return model


# --------------------------------------------------------------- reproducibility
class TestReproducibility:
    def test_same_seed_same_run(self):
        a, b = run(25, rng=11), run(25, rng=11)
        pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                      b.datacollector.get_model_vars_dataframe())
        pd.testing.assert_frame_equal(a.datacollector.get_agenttype_vars_dataframe(Creator),
                                      b.datacollector.get_agenttype_vars_dataframe(Creator))
        sa, sb = state_arrays(a), state_arrays(b)
        for name in sa:
            np.testing.assert_array_equal(sa[name], sb[name], err_msg=name)
        assert a.totals == b.totals
        assert np.array_equal(a.tie_u, b.tie_u) and np.array_equal(a.tie_v, b.tie_v)

    def test_same_seed_same_run_with_every_mechanism_on(self):
        kw = dict(preset="idol", rng=5, moderation=0.5, live_hours=2.0, meeting_interval=5,
                  lockdown_day=3, conflict_day=4, quit_day=6)
        a, b = run(15, **kw), run(15, **kw)
        pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                      b.datacollector.get_model_vars_dataframe())
        sa, sb = state_arrays(a), state_arrays(b)
        for name in sa:
            np.testing.assert_array_equal(sa[name], sb[name], err_msg=name)

    def test_string_seed_equals_int_seed(self):
        a, b = run(5, rng="42"), run(5, rng=42)
        pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                      b.datacollector.get_model_vars_dataframe())

    def test_generator_seed_is_reproducible(self):
        a = run(5, rng=np.random.default_rng(9))
        b = run(5, rng=np.random.default_rng(9))
        np.testing.assert_array_equal(a.bonds.attachment, b.bonds.attachment)

    def test_different_seed_different_run(self):
        a, b = run(25, rng=11), run(25, rng=12)
        assert not a.datacollector.get_model_vars_dataframe().equals(
            b.datacollector.get_model_vars_dataframe())
        assert not np.array_equal(a.fans.absorption, b.fans.absorption)
        assert not np.array_equal(a.bonds.attachment, b.bonds.attachment)
        assert not np.array_equal(a.tie_strength, b.tie_strength)

    def test_run_scenario_is_reproducible_and_tidy(self):
        params = {"preset": "streamer", "n_fans": 150, "n_creators": 5}
        a = run_scenario(params, seed=3, steps=10, record_every=3)
        b = run_scenario(params, seed=3, steps=10, record_every=3)
        pd.testing.assert_frame_equal(a, b)
        assert list(a["step"]) == [0, 3, 6, 9, 10]
        assert set(OUTCOMES) <= set(a.columns)
        c = run_scenario(params, seed=4, steps=10, record_every=3)
        assert not a.equals(c)


def test_default_model_runs_a_year():
    model = ParasocialModel(rng=1)
    model.run_for(365)
    assert model.time == 365
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 366
    assert list(frame.columns) == list(OUTCOMES)
    assert np.isfinite(frame.to_numpy(dtype=float)).all()
    assert frame["mean_attachment"].iloc[-1] > frame["mean_attachment"].iloc[0]
    assert model.totals["paid"] > 0


# ------------------------------------------------------------------------ agents
class TestAgents:
    def test_agent_populations(self):
        m = run(0)
        fans = m.agents_by_type[Fan]
        assert len(fans) == m.params.n_fans
        assert sorted(fans.get("index")) == list(range(m.params.n_fans))
        assert len(m.agents_by_type[Creator]) == m.params.n_creators
        assert [c.index for c in m.creator_agents] == list(range(m.params.n_creators))
        assert len(m.agents_by_type[Platform]) == 1
        assert m.agents_by_type[Platform][0] is m.platform

    def test_fan_attributes_read_and_write_the_arrays(self):
        m = run(3)
        fan = next(a for a in m.agents_by_type[Fan] if a.index == 7)
        for f in fields(FanState):
            value = getattr(fan, f.name)
            assert value == getattr(m.fans, f.name)[7], f.name
        fan.wellbeing = 0.123
        assert m.fans.wellbeing[7] == 0.123
        m.fans.hostility[7] = 0.45
        assert fan.hostility == 0.45
        fan.banned = True
        assert m.fans.banned[7]
        assert isinstance(fan.wellbeing, float)  # plain Python scalars, not numpy
        m.step()  # arrays are rebuilt by the step; the view follows
        assert fan.platform_hours == m.fans.platform_hours[7] == 0.0  # banned
        assert fan.attachment == m.bonds.attachment[7].max()
        listed = {b["creator"]: b["attachment"] for b in fan.bonds}
        row = m.bonds.creator[7]
        assert listed == {int(c): float(m.bonds.attachment[7, k])
                          for k, c in enumerate(row) if c >= 0}

    def test_creator_attributes_and_status(self):
        m = run(2)
        c = m.creator_agents[3]
        assert c.status == "active"
        assert c.kind_name == "influencer"
        assert c.audience == m.creators.audience[3]
        c.burnt_out = True
        assert m.creators.burnt_out[3] and c.status == "burnt out"
        c.active = False
        assert c.status == "quit"

    def test_agentset_select_groupby_agg_on_fan_attributes(self):
        m = run(10)
        m.fans.hostility[:20] = np.linspace(0.1, 0.9, 20)
        fans = m.agents_by_type[Fan]
        hostile = fans.select(lambda a: a.hostility > 0)
        assert len(hostile) == int((m.fans.hostility > 0).sum()) >= 20
        assert fans.agg("wellbeing", np.mean) == pytest.approx(m.fans.wellbeing.mean())
        assert fans.agg("attachment", max) == pytest.approx(m.bonds.attachment.max())
        groups = fans.groupby(lambda a: a.loneliness > 0.35)
        lonely = m.fans.loneliness > 0.35
        assert groups.count() == {k: v for k, v in {True: int(lonely.sum()),
                                                    False: int((~lonely).sum())}.items() if v}
        means = groups.agg("wellbeing", np.mean)
        assert means[True] == pytest.approx(m.fans.wellbeing[lonely].mean())
        assert means[False] == pytest.approx(m.fans.wellbeing[~lonely].mean())
        by_ban = fans.groupby("banned").count()
        assert by_ban == {False: m.params.n_fans}

    def test_social_graph_carries_tie_strengths(self):
        m = run(5)
        g = m.social_graph()
        assert g.number_of_nodes() == m.params.n_fans
        assert g.number_of_edges() == len(m.tie_strength)
        u, v = int(m.tie_u[0]), int(m.tie_v[0])
        assert g[u][v]["strength"] == m.tie_strength[0]
        degrees = np.array([d for _, d in sorted(g.degree())])
        np.testing.assert_array_equal(degrees, m.degree)

    def test_creator_table(self):
        m = run(5)
        table = m.creator_table
        assert len(table) == m.params.n_creators
        assert list(table["creator"]) == list(range(m.params.n_creators))
        assert set(CREATOR_REPORTERS) <= set(table.columns)
        np.testing.assert_allclose(table["audience"], m.creators.audience)
        np.testing.assert_allclose(table["income"], m.creators.income)
        assert set(table["status"]) <= {"active", "burnt out", "quit"}

    def test_per_creator_reporters(self):
        m = run(4)
        frame = m.datacollector.get_agenttype_vars_dataframe(Creator)
        assert len(frame) == 5 * m.params.n_creators
        assert list(frame.columns) == list(CREATOR_REPORTERS)
        last = frame.xs(frame.index.get_level_values(0).max(), level=0)
        np.testing.assert_allclose(sorted(last["audience"]), sorted(m.creators.audience))
        assert set(last["kind"]) == {"influencer"}

    def test_model_reporters_collected_every_step(self):
        m = run(6)
        frame = m.datacollector.get_model_vars_dataframe()
        assert len(frame) == 7
        assert list(frame.columns) == list(OUTCOMES)
        assert frame["wellbeing"].iloc[-1] == pytest.approx(m.fans.wellbeing.mean())


# -------------------------------------------------------------- extension points
class TestExtensions:
    def test_custom_feed_policy_replaces_ranking(self):
        calls = []

        def only_first_creator(model, posts):
            calls.append(posts.shape)
            return np.where(model.bonds.creator == 0, posts, 0.0)

        m = run(5, feed_policy=only_first_creator)
        assert calls == [(300, m.params.max_follows)] * 5
        assert m.creators.views[0] > 0
        assert m.creators.views[1:].sum() == 0
        default = run(5)
        assert default.creators.views[1:].sum() > 0

    def test_blind_feed_starves_attachment(self):
        blind = run(20, feed_policy=lambda model, posts: np.zeros_like(posts))
        normal = run(20)
        assert blind.creators.views.sum() == 0
        assert (blind.datacollector.get_model_vars_dataframe()["mean_attachment"].iloc[-1]
                < normal.datacollector.get_model_vars_dataframe()["mean_attachment"].iloc[-1])

    def test_interventions_run_every_step_before_collection(self):
        days = []

        def calm(model):
            days.append(model.time)
            model.fans.hostility[:] = 0.0

        m = run(8, interventions=[calm], hostility_gain=1.0, hostility_decay=0.0)
        assert len(days) == 8
        frame = m.datacollector.get_model_vars_dataframe()
        assert (frame["hostility"].iloc[1:] == 0.0).all()
        # without the intervention the same world grows hostile
        hot = run(8, hostility_gain=1.0, hostility_decay=0.0)
        assert hot.datacollector.get_model_vars_dataframe()["hostility"].iloc[-1] > 0

    def test_extra_reporters(self):
        m = run(3, reporters={"n_payers": lambda model: float((model.fans.spent > 0).sum()),
                              "day": lambda model: float(model.time)})
        frame = m.datacollector.get_model_vars_dataframe()
        assert list(frame["day"]) == [0.0, 1.0, 2.0, 3.0]
        assert frame["n_payers"].iloc[-1] == (m.fans.spent > 0).sum()
        assert set(OUTCOMES) <= set(frame.columns)

    def test_reporter_name_clash_is_rejected(self):
        with pytest.raises(ValueError, match="wellbeing"):
            run(0, reporters={"wellbeing": lambda model: 0.0})


# ------------------------------------------------------ mechanisms, whole model
@pytest.mark.parametrize("outcome,low,high", [
    ("mean_attachment", dict(posting_rate=0.2), dict(posting_rate=3.0)),
    ("mean_attachment", dict(self_disclosure=0.0, direct_address=0.0),
     dict(self_disclosure=1.0, direct_address=1.0)),
    ("mean_attachment", dict(media_literacy=0.9), dict(media_literacy=0.0)),
    ("mean_attachment", dict(live_hours=0.0), dict(live_hours=4.0)),
    # ranking matters where the attention budget binds (many posts from many follows); with six
    # creators the niche is the whole platform (niche_creators 25), and the engagement feed
    # deepens the strongest bond on each of seeds 21-26 (with the niches of a fixed taste width
    # 0.05 it did on some seeds, not others)
    ("mean_attachment", dict(feed="chronological", posting_rate=3.0, initial_follows=5),
     dict(feed="engagement", engagement_boost=10.0, posting_rate=3.0, initial_follows=5)),
    ("platform_hours", dict(notifications=0.0), dict(notifications=1.0)),
    ("platform_hours", dict(time_limit=0.5), dict()),
    ("offline_hours", dict(), dict(time_limit=0.5)),
    ("offline_support", dict(base_platform_hours=4.5), dict(base_platform_hours=0.5)),
    ("mean_reciprocity", dict(reply_capacity=0.0), dict(reply_capacity=1e6)),
])
def test_whole_model_direction(outcome, low, high):
    """The mechanisms act in the documented direction in the assembled model (same seed)."""
    kw = dict(rng=21, n_fans=300, n_creators=6)
    lo = run(30, **kw, **low).datacollector.get_model_vars_dataframe()[outcome].iloc[-1]
    hi = run(30, **kw, **high).datacollector.get_model_vars_dataframe()[outcome].iloc[-1]
    assert lo < hi


# --------------------------------------------------------------------- scenarios
class TestQuit:
    KW = dict(rng=2, n_fans=400, n_creators=8, quit_day=5, quit_rate=0.0, creator_entry_rate=0.0)

    def test_a_forced_quit_leaves_the_slot_vacant_until_the_next_day(self):
        m = run(4, **{**self.KW, "creator_entry_rate": 1.0})
        top = m.most_followed()
        m.step()  # day 5: the forced quit
        assert not m.creators.active[top]
        m.step()
        assert m.creators.active[top] and m.creators.audience[top] >= 0

    def test_quit_day_makes_the_most_followed_creator_quit_and_fans_grieve(self):
        m = run(4, **self.KW)  # the eve of day 5 (step t is day t)
        top = m.most_followed()
        assert m.creators.audience[top] == m.creators.audience[m.creators.active].max()
        follows = m.bonds.creator == top
        bond_attachment = m.bonds.attachment[follows].copy()
        assert m.fans.grief.sum() == 0.0
        m.step()
        assert not m.creators.active[top]
        assert m.creator_agents[top].status == "quit"
        assert not (m.bonds.creator == top).any()
        assert (m.fans.grief[follows.any(axis=1)] > 0).all()
        assert (m.fans.grief[~follows.any(axis=1)] == 0).all()
        # the breakup record pairs each bond's attachment with its grief
        assert len(m.breakups) == 1
        pairs = m.breakups[0]
        assert pairs.shape == (int(follows.sum()), 2)
        np.testing.assert_allclose(np.sort(pairs[:, 0]), np.sort(bond_attachment))
        assert np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1] > 0.5  # more attached, more grief
        assert np.all(pairs[:, 1] < pairs[:, 0])  # but not attachment itself: dependence, support

    def test_grief_depends_on_dependence_and_offline_support(self):
        """Disconnecting dependence or the support buffer changes who grieves how much."""
        def grief(**kw):
            m = run(4, **{**self.KW, **kw})
            m.step()
            return m.breakups[0][:, 1]
        base = grief()
        assert np.all(grief(grief_buffer=0.0) > base)
        assert not np.allclose(grief(grief_dependence=0.0), base)

    def test_quit_is_recorded_on_its_day(self):
        frame = run(8, **self.KW).datacollector.get_model_vars_dataframe()
        # row t of the collected frame is the state after day t
        assert frame["quit_creators"].iloc[4] == 0.0
        assert frame["quit_creators"].iloc[5] == pytest.approx(1 / 8)
        assert frame["grief"].iloc[4] == 0.0 < frame["grief"].iloc[5]

    def test_breakup_lowers_mourners_wellbeing(self):
        quit_ = run(15, **self.KW)
        stay = run(15, **{**self.KW, "quit_day": -1})
        top = stay.most_followed()
        mourners = quit_.fans.grief > 0.01
        assert mourners.sum() > 10
        assert quit_.fans.wellbeing[mourners].mean() < stay.fans.wellbeing[mourners].mean()
        assert top is not None

    def test_quit_creators_post_nothing_and_gain_no_followers_until_replaced(self):
        m = run(5, **{**self.KW, "discovery_rate": 1.0, "popularity_bias": 0.0})
        top = int(np.flatnonzero(~m.creators.active)[0])
        agent_before = m.creator_agents[top]
        for _ in range(10):
            m.step()
            assert m.creators.views[top] == 0.0
            assert m.creators.audience[top] == 0.0
            assert not (m.bonds.creator == top).any()
            assert m.creators.harassment[top] == 0.0
            assert m.creator_agents[top].status == "quit"
        # a newcomer takes the slot and is followed again
        m.params = m.params.replace(creator_entry_rate=1.0)
        m.step()
        assert m.creators.active[top]
        new_agent = m.creator_agents[top]
        assert new_agent is not agent_before
        assert new_agent.status == "active" and new_agent.income == 0.0
        assert agent_before not in m.agents_by_type[Creator]
        assert len(m.agents_by_type[Creator]) == m.params.n_creators
        for _ in range(3):
            m.step()
        assert m.creators.audience[top] > 0


class TestConflict:
    # one shared taste (niche_creators inf): with six creators in niches the instigator's
    # supporters would rarely also follow the target
    KW = dict(rng=3, n_fans=600, n_creators=6, conflict_day=5, conflict_days=5,
              conflict_loyalty=1.0, quit_rate=0.0, creator_entry_rate=0.0, moderation=0.0,
              niche_creators=float("inf"))

    def test_pile_on_costs_the_target_followers_and_brings_harassment(self):
        m = run(4, **self.KW)  # the eve of the conflict
        base = run(4, **{**self.KW, "conflict_day": -1})
        np.testing.assert_array_equal(m.bonds.creator, base.bonds.creator)  # same world so far
        instigator = m.most_followed()
        m.step()
        base.step()
        assert m.conflict is not None
        assert m.conflict[0] == instigator
        target = m.conflict[1]
        assert target != instigator and m.creators.active[target]
        audience_before = base.creators.audience[target]
        for _ in range(4):
            m.step()
            base.step()
        assert m.creators.audience[target] < base.creators.audience[target]
        assert m.creators.audience[target] < audience_before
        assert m.creators.harassment_total[target] > base.creators.harassment_total[target] + 5
        # supporters who joined grew more hostile
        assert m.fans.hostility.mean() > base.fans.hostility.mean()
        # the pile-on's own counts: every unfollow and every incident that reached the target
        assert m.pile_on_unfollows > 0
        assert m.pile_on_incidents > 5
        assert base.pile_on_incidents == base.pile_on_unfollows == 0

    def test_moderation_removes_pile_on_incidents_but_not_unfollows(self):
        m = run(10, **{**self.KW, "moderation": 1.0})
        assert m.conflict is not None
        assert m.pile_on_incidents == 0 and m.pile_on_unfollows > 0

    def test_pile_on_ends(self):
        m = run(12, **{**self.KW, "conflict_days": 2})
        target = m.conflict[1]
        hits_after = []
        for _ in range(3):
            m.step()
            hits_after.append(m.creators.harassment[target])
        assert sum(hits_after) < 5  # back to ordinary (rare) harassment

    def test_pile_on_ends_when_the_target_quits_and_spares_its_successor(self):
        m = run(6, **{**self.KW, "conflict_days": 50, "creator_entry_rate": 1.0})
        target = m.conflict[1]
        creators.quit(m, np.array([target]))  # the target leaves mid-pile-on
        assert m.conflict is None
        before = m.pile_on_incidents
        m.run_for(5)  # a newcomer takes the slot the next day
        assert m.creators.active[target]
        assert m.pile_on_incidents == before

    def test_no_conflict_without_a_rival(self):
        m = run(3, **{**self.KW, "n_creators": 1, "conflict_day": 1})
        assert m.conflict is None


class TestLockdown:
    KW = dict(rng=4, n_fans=300, n_creators=5, lockdown_day=2, lockdown_days=20,
              lockdown_contact=0.2)

    def test_lockdown_lowers_offline_contact_and_support(self):
        m, base = run(20, **self.KW), run(20, **{**self.KW, "lockdown_day": -1})
        fm = m.datacollector.get_model_vars_dataframe()
        fb = base.datacollector.get_model_vars_dataframe()
        # before the lockdown the worlds agree
        assert fm["offline_hours"].iloc[1] == pytest.approx(fb["offline_hours"].iloc[1])
        assert fm["offline_hours"].iloc[2] < 0.5 * fb["offline_hours"].iloc[2]  # day 2
        assert fm["offline_hours"].iloc[10] < 0.5 * fb["offline_hours"].iloc[10]
        assert fm["offline_support"].iloc[-1] < fb["offline_support"].iloc[-1]
        assert fm["loneliness"].iloc[-1] > fb["loneliness"].iloc[-1]

    @pytest.mark.parametrize("start", [0, 1, 4])
    def test_lockdown_lasts_lockdown_days(self, start):
        kw = dict(n_fans=100, n_creators=3, lockdown_day=start, lockdown_days=3,
                  lockdown_contact=0.0)
        try:
            m = run(start + 6, **kw)
        except ValueError as err:  # a start before day 1 may be rejected, as quit_day=0 is
            assert "lockdown_day" in str(err)
            return
        hours = m.datacollector.get_model_vars_dataframe()["offline_hours"]
        assert int((hours == 0.0).sum()) == 3, hours.tolist()

    @pytest.mark.parametrize("name", ["quit_day", "conflict_day"])
    def test_day_zero_shocks_are_rejected(self, name):
        with pytest.raises(ValueError, match=f"{name}=0"):
            run(0, **{name: 0})

    def test_contact_returns_after_lockdown(self):
        m = run(30, **{**self.KW, "lockdown_days": 5})
        frame = m.datacollector.get_model_vars_dataframe()
        assert frame["offline_hours"].iloc[-1] > 2 * frame["offline_hours"].iloc[5]


class TestMoney:
    KW = dict(rng=6, n_fans=400, n_creators=6, spend_propensity=1.0,
              spend_attachment_power=1.0, subscriptions=False, donations=False,
              paid_messages="off", fan_meetings=False)

    def _check_books(self, m):
        t = m.totals
        assert t["paid"] == pytest.approx(t["creator_income"] + t["platform"] + t["agency"])
        assert t["paid"] == pytest.approx(m.fans.spent.sum())
        assert t["platform"] == pytest.approx(m.platform.revenue)

    def test_nothing_offered_nothing_paid(self):
        m = run(20, **self.KW)
        assert m.totals["paid"] == 0.0
        assert (m.fans.spent == 0).all()

    def test_subscriptions_produce_payments(self):
        m = run(20, **{**self.KW, "subscriptions": True})
        assert m.totals["paid"] > 0
        payers = m.fans.spent > 0
        ratio = m.fans.spent[payers] / m.params.subscription_price
        np.testing.assert_allclose(ratio, np.round(ratio))
        assert (m.bonds.subscribed_until > m.time - 1).any()
        self._check_books(m)

    def test_per_message_mode_produces_payments(self):
        m = run(20, **{**self.KW, "paid_messages": "per_message", "message_price": 1.5})
        assert m.totals["paid"] > 0
        payers = m.fans.spent > 0
        ratio = m.fans.spent[payers] / 1.5
        np.testing.assert_allclose(ratio, np.round(ratio))
        self._check_books(m)

    def test_donations_produce_payments(self):
        m = run(20, **{**self.KW, "donations": True})
        assert m.totals["paid"] > 0
        self._check_books(m)

    def test_subscription_messages_raise_reciprocity(self):
        kw = {**self.KW, "subscriptions": True}
        with_dm = run(20, **{**kw, "paid_messages": "subscription"})
        without = run(20, **kw)
        assert (with_dm.datacollector.get_model_vars_dataframe()["mean_reciprocity"].iloc[-1]
                > without.datacollector.get_model_vars_dataframe()["mean_reciprocity"].iloc[-1])

    def test_cuts_go_to_platform_and_agency(self):
        m = run(20, **{**self.KW, "paid_messages": "per_message", "platform_cut": 0.5,
                       "agency_cut": 0.5})
        t = m.totals
        assert t["platform"] == pytest.approx(0.5 * t["paid"])
        assert t["agency"] == pytest.approx(0.25 * t["paid"])
        assert t["creator_income"] == pytest.approx(m.creators.income.sum())
        self._check_books(m)

    def test_fan_meetings_set_met_and_respect_capacity(self):
        kw = {**self.KW, "fan_meetings": True, "meeting_interval": 1, "meeting_price": 1.0,
              "meeting_capacity": 3}
        m = run(0, **kw)
        assert not m.bonds.met.any()
        m.step()
        met_per_creator = np.bincount(m.bonds.creator[m.bonds.met], minlength=6)
        assert met_per_creator.sum() > 0
        assert met_per_creator.max() <= 3
        assert (m.fans.spent[m.bonds.met.any(axis=1)] >= 1.0).all()
        assert m.today.meetings.sum() == m.creators.active.sum()
        self._check_books(m)
        no_meetings = run(5, **{**kw, "fan_meetings": False})
        assert not no_meetings.bonds.met.any()


class TestModeration:
    KW = dict(rng=8, n_fans=300, n_creators=5, harassment_rate=1.0, hostility_decay=0.0,
              fan_target_share=1.0, strikes_to_ban=1, sanction_effect=0.5)

    def _hostile(self, **kw):
        m = run(0, **{**self.KW, **kw})
        m.fans.hostility[:] = 1.0
        m.step()
        return m

    def test_moderation_detects_and_bans(self):
        m = self._hostile(moderation=1.0)
        assert m.platform.detected > 0
        assert m.platform.bans == m.fans.banned.sum() > 0
        assert m.today.fan_incidents == 0.0  # every incident removed
        assert (m.fans.hostility[m.fans.banned] < 1.0).all()  # sanctioned
        m.step()
        assert (m.fans.platform_hours[m.fans.banned] == 0.0).all()

    def test_no_moderation_no_detection(self):
        m = self._hostile(moderation=0.0)
        assert m.platform.detected == 0 and m.platform.bans == 0
        assert not m.fans.banned.any()
        assert m.today.fan_incidents > 0

    def test_partial_moderation_removes_a_share(self):
        none, half = self._hostile(moderation=0.0), self._hostile(moderation=0.5)
        assert 0 < half.today.fan_incidents < none.today.fan_incidents
        assert half.platform.detected > 0

    def test_moderation_with_nothing_to_detect_changes_nothing(self):
        """Contagion runs through incidents left visible: with no harassment, moderation is idle."""
        runs = []
        for moderation in (0.0, 0.9):
            m = run(0, **{**self.KW, "harassment_rate": 0.0, "moderation": moderation})
            m.fans.hostility[:] = np.where(np.arange(m.params.n_fans) % 2 == 0, 1.0, 0.0)
            m.run_for(10)
            assert m.platform.detected == 0
            runs.append(m.fans.hostility.copy())
        np.testing.assert_array_equal(runs[0], runs[1])

    def test_moderation_slows_contagion_without_any_sanction(self):
        """Removed incidents are not seen, so calm fans catch less of their fandom's hostility."""
        calm_rise, exposure = [], []
        for moderation in (0.0, 0.9):
            m = run(0, **{**self.KW, "fan_target_share": 0.0, "sanction_effect": 0.0,
                          "strikes_to_ban": 1000, "moderation": moderation})
            hostile = np.arange(m.params.n_fans) % 2 == 0
            m.fans.hostility[:] = np.where(hostile, 1.0, 0.0)
            m.bonds.frustration[:] = np.where(m.bonds.valid, 0.5, 0.0)  # someone to aim at
            m.run_for(3)
            calm_rise.append(m.fans.hostility[~hostile].mean())
            exposure.append(m.creators.exposure.sum())
        assert exposure[0] > exposure[1]
        assert calm_rise[0] > calm_rise[1] > 0.0

    def test_banned_fans_do_not_harass_again(self):
        m = self._hostile(moderation=1.0)
        banned = m.fans.banned.copy()
        detected = m.platform.detected
        m.fans.hostility[:] = 1.0
        m.step()
        new = m.platform.detected - detected
        assert new <= (~banned).sum()
        assert m.fans.strikes[banned].max() == 1


@pytest.mark.parametrize("kw,name", [
    (dict(feed_policy="engagement"), "feed_policy="),
    (dict(interventions=[print, 3]), "interventions[1]="),
    (dict(interventions=5), "interventions="),
    (dict(reporters={"x": 1.0}), "reporters['x']="),
])
def test_what_cannot_be_called_is_refused_by_name_before_any_step(kw, name):
    with pytest.raises(ValueError, match=re.escape(name)):
        ParasocialModel(n_fans=50, n_creators=2, rng=1, **kw)


def test_interventions_may_be_any_iterable():
    seen = []
    model = ParasocialModel(n_fans=50, n_creators=2, rng=1,
                            interventions=(f for f in [lambda m: seen.append(m.time)]))
    model.run_for(2)
    assert seen == [1, 2]


def test_creators_fates_are_common_random_numbers_across_runs_of_one_seed():
    """Two runs of one seed that differ on the fans' side draw the same creator fates: with
    every creator burnt out and quitting independent of income, the same creators quit on the
    same days (from the model's one generator they would not: the fans' draws differ)."""
    runs = []
    for gain in (0.04, 0.08):
        quits: list[list[int]] = []
        model = ParasocialModel(n_fans=800, n_creators=30, rng=5, burnout_threshold=0.0,
                                income_quit_rate=0.0, quit_rate=0.05, attachment_gain=gain,
                                interventions=[lambda m, q=quits: q.append(
                                    np.flatnonzero(m.today.quit).tolist())])
        model.run_for(60)
        runs.append((quits, model.bonds.attachment.copy()))
    (quits_a, bonds_a), (quits_b, bonds_b) = runs
    assert sum(map(len, quits_a)) >= 10
    assert quits_a == quits_b
    assert not np.array_equal(bonds_a, bonds_b)  # the fans' side did differ

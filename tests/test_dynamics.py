"""Unit tests of the pure dynamics: the direction of every effect, and its bounds.

Each test compares two (or more) cases that differ in one input, so it fails
if the mechanism is switched off or reversed, not only if it crashes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dynamics import attention, bonds, creators, hostility, money, offline, opinion
from sim.params import make_params

unit = st.floats(0.0, 1.0, allow_nan=False)
nonneg = st.floats(0.0, 1e3, allow_nan=False)


def increasing(values) -> bool:
    v = np.asarray(values, dtype=float)
    return bool(np.all(np.diff(v) > 0))


def decreasing(values) -> bool:
    v = np.asarray(values, dtype=float)
    return bool(np.all(np.diff(v) < 0))


# --------------------------------------------------------------------- attention
class TestAttention:
    def _desired(self, **kw):
        args = dict(base_hours=np.array([1.5]), notifications=0.5, notification_pull=0.5,
                    strongest_attachment=np.array([0.5]), attachment_pull=1.0,
                    feed="engagement", wellbeing=np.array([0.5]))
        args.update(kw)
        return float(attention.desired_platform_hours(**args)[0])

    def test_desired_hours_rise_with_notifications_and_attachment(self):
        assert increasing([self._desired(notifications=n) for n in (0.0, 0.5, 1.0)])
        assert increasing([self._desired(strongest_attachment=np.array([a]))
                           for a in (0.0, 0.5, 1.0)])
        assert self._desired(notifications=0.0, strongest_attachment=np.array([0.0])) == 1.5

    def test_wellbeing_feed_stops_feeding_struggling_fans(self):
        low = self._desired(feed="wellbeing", wellbeing=np.array([0.1]))
        high = self._desired(feed="wellbeing", wellbeing=np.array([0.9]))
        assert low < high
        # the engagement feed ignores wellbeing
        assert (self._desired(feed="engagement", wellbeing=np.array([0.1]))
                == self._desired(feed="engagement", wellbeing=np.array([0.9])))

    def test_platform_hours_respect_free_time_limit_and_bans(self):
        desired = np.array([1.0, 4.0, 10.0, 10.0])
        banned = np.array([False, False, False, True])
        h = attention.platform_hours(desired, 5.0, np.inf, banned)
        np.testing.assert_allclose(h, [1.0, 4.0, 5.0, 0.0])
        h = attention.platform_hours(desired, 5.0, 2.0, banned)
        np.testing.assert_allclose(h, [1.0, 2.0, 2.0, 0.0])

    def test_feed_weights_by_policy(self):
        posts = np.array([[1.0, 1.0]])
        attach = np.array([[0.1, 0.9]])
        chrono = attention.feed_weights("chronological", posts, attach, 2.0, 0.0, np.array([1.0]))
        assert chrono[0, 0] == chrono[0, 1]
        eng = attention.feed_weights("engagement", posts, attach, 2.0, 0.0, np.array([1.0]))
        assert eng[0, 1] > eng[0, 0]
        # the wellbeing-aware feed amplifies less for a fan doing badly
        wb_low = attention.feed_weights("wellbeing", posts, attach, 2.0, 0.0, np.array([0.1]))
        wb_high = attention.feed_weights("wellbeing", posts, attach, 2.0, 0.0, np.array([1.0]))
        assert wb_low[0, 1] < wb_high[0, 1]
        np.testing.assert_allclose(wb_high, eng)
        # more volume, more weight; notifications push followed posts up
        more = attention.feed_weights("chronological", 2 * posts, attach, 2.0, 0.0, np.array([1.0]))
        assert np.all(more > chrono)
        notif = attention.feed_weights("engagement", posts, attach, 2.0, 1.0, np.array([1.0]))
        assert np.all(notif > eng)

    def test_posts_seen_shares_capacity_and_never_exceeds_posts(self):
        posts = np.array([[5.0, 5.0, 5.0]])
        weights = np.array([[1.0, 2.0, 4.0]])
        seen = attention.posts_seen(weights, posts, np.array([6.0]), 0.0)
        assert increasing(seen[0])
        assert seen.sum() <= 6.0 + 1e-9
        assert np.all(seen <= posts)
        # huge capacity: everything posted is seen, nothing more
        seen = attention.posts_seen(weights, posts, np.array([1e6]), 0.0)
        np.testing.assert_allclose(seen, posts)
        # competing inventory crowds followed creators out
        crowded = attention.posts_seen(weights, posts, np.array([6.0]), 100.0)
        assert np.all(crowded < attention.posts_seen(weights, posts, np.array([6.0]), 0.0))
        # no capacity, nothing seen
        assert attention.posts_seen(weights, posts, np.array([0.0]), 10.0).sum() == 0.0

    def test_posts_seen_with_no_weights_is_zero_not_nan(self):
        seen = attention.posts_seen(np.zeros((2, 3)), np.zeros((2, 3)), np.array([5.0, 5.0]), 0.0)
        assert np.all(seen == 0.0)

    def test_live_watch_rises_with_attachment_and_notifications_and_is_bounded(self):
        a = np.array([0.0, 0.3, 0.6])
        w = attention.live_watch_hours(3.0, a, 0.0)
        assert increasing(w)
        assert np.all(attention.live_watch_hours(3.0, a, 1.0) > w)
        assert np.all(attention.live_watch_hours(3.0, np.array([1.0]), 1.0) <= 3.0)
        assert attention.live_watch_hours(0.0, np.array([1.0]), 1.0)[0] == 0.0

    def test_recommendation_prefers_appeal_and_audience_and_skips_inactive(self):
        appeal = np.array([1.0, 2.0, 1.0, 5.0])
        audience = np.array([10.0, 10.0, 100.0, 1000.0])
        active = np.array([True, True, True, False])
        w = attention.recommendation_weights(appeal, audience, 1.0, active)
        assert w.sum() == pytest.approx(1.0)
        assert w[3] == 0.0
        assert w[1] > w[0]  # appeal
        assert w[2] > w[0]  # audience (rich get richer)
        flat = attention.recommendation_weights(appeal, audience, 0.0, active)
        assert flat[2] == pytest.approx(flat[0])  # no popularity bias
        none = attention.recommendation_weights(appeal, audience, 1.0, np.zeros(4, dtype=bool))
        assert np.all(none == 0.0)


# ------------------------------------------------------------------------ bonds
class TestBonds:
    def _stim(self, **kw):
        args = dict(seen=2.0, disclosure=0.5, address=0.3, live_watched=1.0, recognitions=0.0,
                    disclosure_weight=1.0, address_weight=1.0, live_weight=1.0,
                    recognition_weight=3.0)
        args.update(kw)
        return float(bonds.stimulus(**args))

    @pytest.mark.parametrize("name,values", [
        ("seen", (0.0, 1.0, 3.0)),
        ("disclosure", (0.0, 0.5, 1.0)),
        ("address", (0.0, 0.5, 1.0)),
        ("live_watched", (0.0, 1.0, 2.0)),
        ("recognitions", (0.0, 1.0, 2.0)),
    ])
    def test_more_of_each_input_more_stimulus(self, name, values):
        assert increasing([self._stim(**{name: v}) for v in values])

    def test_no_contact_no_stimulus(self):
        assert self._stim(seen=0.0, live_watched=0.0, recognitions=0.0) == 0.0

    def test_recognition_outweighs_a_post(self):
        assert self._stim(seen=0.0, live_watched=0.0, recognitions=1.0) > self._stim(
            seen=1.0, live_watched=0.0, recognitions=0.0)

    def _gain(self, **kw):
        args = dict(attachment_gain=0.04, absorption=0.5, absorption_power=2.0, loneliness=0.35,
                    loneliness_mean=0.35, loneliness_effect=0.1, literacy=0.3, literacy_effect=0.6)
        args.update(kw)
        return float(bonds.susceptibility_gain(**args))

    def test_gain_rises_with_absorption_convexly(self):
        g = [self._gain(absorption=a) for a in (0.2, 0.4, 0.6)]
        assert increasing(g)
        assert g[2] - g[1] > g[1] - g[0]  # the absorbed escalate

    def test_literacy_damps_gain(self):
        assert decreasing([self._gain(literacy=x) for x in (0.0, 0.5, 0.99)])

    def test_loneliness_raises_gain_only_weakly(self):
        low, high = self._gain(loneliness=0.0), self._gain(loneliness=1.0)
        assert low < high < 1.2 * low

    def test_gain_never_negative(self):
        assert self._gain(loneliness=0.0, loneliness_mean=0.99, loneliness_effect=5.0) >= 0.0

    def test_attachment_grows_with_stimulus_and_saturates_below_one(self):
        a = np.array(0.1)
        for _ in range(2000):
            a = bonds.saturating_update(a, 0.05, 0.01)
        expected = (1 - np.exp(-0.05)) / ((1 - np.exp(-0.05)) + 0.01)  # fixed point q / (q + d)
        assert float(a) == pytest.approx(expected, rel=1e-6)
        assert float(a) < 1.0
        weak = bonds.saturating_update(0.3, 0.01, 0.01)
        strong = bonds.saturating_update(0.3, 0.1, 0.01)
        assert 0.3 < weak < strong

    def test_attachment_decays_without_stimulus(self):
        a = np.array(0.8)
        path = []
        for _ in range(50):
            a = bonds.saturating_update(a, 0.0, 0.01)
            path.append(float(a))
        assert decreasing(path)
        assert path[-1] == pytest.approx(0.8 * 0.99**50)
        assert bonds.saturating_update(0.5, 0.0, 0.0) == 0.5

    @settings(max_examples=200, deadline=None)
    @given(unit, nonneg, unit)
    def test_saturating_update_stays_in_unit_interval(self, level, drive, decay):
        x = bonds.saturating_update(np.array(level), drive, decay)
        assert 0.0 <= float(x) <= 1.0

    def test_reply_probability_falls_as_requests_exceed_capacity(self):
        p = bonds.reply_probability(np.array([0.0, 10.0, 20.0, 100.0, 1000.0]), 20.0)
        np.testing.assert_allclose(p[:3], 1.0)
        assert decreasing(p[2:])
        assert p[-1] == pytest.approx(0.02)
        assert bonds.reply_probability(np.array([50.0]), 0.0)[0] == 0.0
        assert bonds.reply_probability(np.array([1e9]), np.inf)[0] == 1.0  # an AI answers all

    def test_expectation_rises_with_attachment_and_spending_and_is_capped(self):
        e_att = bonds.expectation(np.array([0.1, 0.5, 0.9]), 0.0, 90.0, 1.0, 0.2)
        assert increasing(e_att)
        e_spend = bonds.expectation(0.5, np.array([0.0, 30.0, 90.0]), 90.0, 1.0, 0.2)
        assert increasing(e_spend)
        assert bonds.expectation(1.0, 1e6, 90.0, 10.0, 0.0) == 1.0
        assert bonds.expectation(0.0, 1e6, 90.0, 10.0, 0.0) == 0.0  # no bond, no entitlement
        # no income: finite, capped
        assert 0.0 <= bonds.expectation(0.5, 10.0, 0.0, 1.0, 0.2) <= 1.0

    def test_creator_boundaries_temper_expectations(self):
        e = bonds.expectation(0.8, 30.0, 90.0, 1.0, np.array([0.0, 0.5, 1.0]))
        assert decreasing(e)
        assert e[-1] == 0.0

    def test_unmet_expectation_is_the_positive_gap(self):
        gap = bonds.unmet_expectation(np.array([0.8, 0.8, 0.2]), np.array([0.2, 0.5, 0.9]))
        np.testing.assert_allclose(gap, [0.6, 0.3, 0.0])


# --------------------------------------------------------------------- creators
class TestCreators:
    def _load(self, **kw):
        args = dict(posts=1.0, hours_per_post=3.0, live_hours=2.0, replies=20.0,
                    minutes_per_reply=2.0, extra_hours=0.0, work_hours=8.0, resources=1.0)
        args.update(kw)
        return float(creators.workload(**args))

    def test_workload_rises_with_work_and_falls_with_means(self):
        assert increasing([self._load(posts=x) for x in (0.0, 1.0, 3.0)])
        assert increasing([self._load(live_hours=x) for x in (0.0, 2.0, 6.0)])
        assert increasing([self._load(replies=x) for x in (0.0, 20.0, 200.0)])
        assert increasing([self._load(extra_hours=x) for x in (0.0, 4.0)])
        assert decreasing([self._load(resources=x) for x in (0.5, 1.0, 2.0)])
        assert self._load() == pytest.approx((3 + 2 + 20 * 2 / 60) / 8)

    def _stress(self, **kw):
        args = dict(stress=0.3, load=1.0, unanswered=100.0, harassment=0.0, boundaries=0.2,
                    shock=0.0, load_stress=0.01, demand_stress=0.004, harassment_stress=0.01,
                    recovery=0.02)
        args.update(kw)
        return float(creators.update_stress(**args))

    def test_stress_rises_with_load_demand_and_harassment(self):
        assert increasing([self._stress(load=x) for x in (0.0, 1.0, 2.0)])
        assert increasing([self._stress(unanswered=x) for x in (0.0, 10.0, 1000.0)])
        assert increasing([self._stress(harassment=x) for x in (0.0, 1.0, 10.0)])
        assert increasing([self._stress(shock=x) for x in (-0.05, 0.0, 0.05)])

    def test_boundaries_soften_demand_stress(self):
        assert decreasing([self._stress(boundaries=x) for x in (0.0, 0.5, 1.0)])
        # boundaries do not soften harassment
        full = dict(unanswered=0.0, harassment=10.0)
        assert self._stress(boundaries=0.0, **full) == self._stress(boundaries=1.0, **full)

    def test_stress_recovers_without_strain(self):
        assert self._stress(load=0.0, unanswered=0.0) < 0.3
        assert self._stress(stress=0.0, load=0.0, unanswered=0.0, shock=-1.0) == 0.0
        assert self._stress(stress=1.0, load=100.0, shock=1.0) == 1.0

    def test_burnout_hysteresis(self):
        threshold, share = 0.7, 0.5
        stress = np.array([0.2, 0.5, 0.8])
        fresh = creators.burnout_state(np.zeros(3, dtype=bool), stress, threshold, share)
        burnt = creators.burnout_state(np.ones(3, dtype=bool), stress, threshold, share)
        # below 0.35: nobody burnt out; between 0.35 and 0.7 it depends on history; above: all
        np.testing.assert_array_equal(fresh, [False, False, True])
        np.testing.assert_array_equal(burnt, [False, True, True])

    def test_output_factor(self):
        out = creators.output_factor(np.array([True, True, False, False]),
                                     np.array([False, True, False, True]), 0.3)
        np.testing.assert_allclose(out, [1.0, 0.3, 0.0, 0.0])

    def test_breakup_grief_rises_with_attachment(self):
        a = np.array([0.0, 0.2, 0.5, 0.9])
        g = creators.breakup_grief(a)
        assert g[0] == 0.0
        assert increasing(g)


# -------------------------------------------------------------------- hostility
class TestHostility:
    def test_fandom_mean_is_attachment_weighted_per_creator(self):
        values = np.array([1.0, 0.0, 0.5])  # per fan
        weights = np.array([[1.0, 1.0], [3.0, 1.0], [1.0, 0.0]])
        creator = np.array([[0, 1], [0, 1], [2, 4]])  # 4 = padding for an empty slot
        m = hostility.fandom_mean(values, weights, creator, 4)
        np.testing.assert_allclose(m, [0.25, 0.5, 0.5, 0.0])

    def test_within_budget_stops_overdraft_per_fan(self):
        rows = np.array([0, 0, 0, 2, 2])
        cost = np.array([1.0, 2.0, 1.0, 5.0, 1.0])
        budget = np.array([3.0, 10.0, 5.5])
        np.testing.assert_array_equal(money.within_budget(rows, cost, budget),
                                      [True, True, False, True, False])

    def _h(self, **kw):
        args = dict(hostility=np.array(0.2), frustration_max=0.5, community=0.2, gain=0.08,
                    contagion=0.05, decay=0.05, literacy=0.3, literacy_effect=0.6)
        args.update(kw)
        return float(hostility.update_hostility(**args))

    def test_hostility_rises_with_frustration(self):
        assert increasing([self._h(frustration_max=x) for x in (0.0, 0.5, 1.0)])

    def test_hostility_rises_with_community_hostility(self):
        assert increasing([self._h(community=x) for x in (0.2, 0.6, 1.0)])
        # a calmer community does not push hostility down beyond decay
        assert self._h(community=0.0) == self._h(community=0.2)

    def test_moderation_hides_hostility_from_the_community(self):
        shares = [hostility.visible_share(m) for m in (0.0, 0.5, 1.0)]
        assert shares == [1.0, 0.5, 0.0]
        seen = [self._h(community=0.8 * v) for v in shares]
        assert decreasing(seen)

    def test_literacy_damps_hostility(self):
        assert decreasing([self._h(literacy=x) for x in (0.0, 0.5, 0.99)])

    def test_hostility_decays_without_drive_and_is_bounded(self):
        assert self._h(frustration_max=0.0, community=0.0) < 0.2
        assert self._h(hostility=np.array(1.0), frustration_max=1.0, community=1.0, gain=1.0,
                       contagion=1.0, decay=0.0) == 1.0

    @settings(max_examples=200, deadline=None)
    @given(unit, unit, unit, unit, unit, unit, unit, unit)
    def test_hostility_stays_in_unit_interval(self, h, f, comm, g, c, d, lit, e):
        x = hostility.update_hostility(np.array(h), f, comm, g, c, d, lit, e)
        assert 0.0 <= float(x) <= 1.0

    def test_harassment_probability_rises_convexly_and_is_capped(self):
        h = np.array([0.0, 0.25, 0.5, 1.0])
        p = hostility.harassment_probability(h, 0.3)
        assert p[0] == 0.0
        assert increasing(p)
        assert p[2] - p[1] > p[1] - p[0]  # only the most hostile act
        assert hostility.harassment_probability(np.array([1.0]), 10.0)[0] == 1.0

    def test_target_weights_follow_frustration_and_identity_targeting(self):
        w = hostility.target_weights(np.array([0.2, 0.8, 0.8]), np.array([1.0, 1.0, 3.0]))
        assert increasing(w)

    def _stalk(self, attachment, frustration=0.8, met=False):
        return float(hostility.stalking_probability(np.array(attachment), np.array(frustration),
                                                    np.array(met), 0.85, 0.02, 3.0))

    def test_stalking_only_above_threshold(self):
        assert self._stalk(0.5) == 0.0
        assert self._stalk(0.849) == 0.0
        assert self._stalk(0.9) > 0.0
        assert self._stalk(0.9, frustration=0.0) == 0.0

    def test_stalking_rises_with_frustration_and_after_meeting(self):
        assert self._stalk(0.9, frustration=0.9) > self._stalk(0.9, frustration=0.3)
        assert self._stalk(0.9, met=True) == pytest.approx(3.0 * self._stalk(0.9, met=False))
        assert self._stalk(0.5, met=True) == 0.0  # meeting does not lower the threshold
        big = hostility.stalking_probability(np.array(1.0), np.array(1.0), np.array(True),
                                             0.85, 1.0, 100.0)
        assert float(big) == 1.0


# ------------------------------------------------------------------------ money
class TestMoney:
    def _buy(self, **kw):
        args = dict(attachment=0.5, price=5.0, wallet=50.0, propensity=0.03, power=3.0,
                    literacy=0.3, literacy_effect=0.6)
        args.update(kw)
        return float(money.purchase_probability(**args))

    def test_purchases_rise_with_attachment(self):
        assert increasing([self._buy(attachment=a) for a in (0.1, 0.5, 0.9)])
        assert self._buy(attachment=0.0) == 0.0

    def test_purchases_fall_with_price(self):
        assert decreasing([self._buy(price=x) for x in (1.0, 10.0, 40.0)])

    def test_purchases_rise_with_means(self):
        assert increasing([self._buy(wallet=x) for x in (10.0, 50.0, 500.0)])

    def test_no_purchase_when_price_exceeds_wallet(self):
        assert self._buy(price=50.01, wallet=50.0) == 0.0
        assert self._buy(price=5.0, wallet=0.0) == 0.0
        assert self._buy(price=5.0, wallet=-3.0) == 0.0
        assert self._buy(price=50.0, wallet=50.0) > 0.0

    def test_literacy_restrains_spending(self):
        assert decreasing([self._buy(literacy=x) for x in (0.0, 0.5, 0.99)])

    @settings(max_examples=200, deadline=None)
    @given(unit, st.floats(0, 1e4), st.floats(-10, 1e4), unit, st.floats(0, 10), unit, unit)
    def test_purchase_probability_is_a_probability(self, a, price, wallet, prop, power, lit, e):
        p = self._buy(attachment=a, price=price, wallet=wallet, propensity=prop, power=power,
                      literacy=lit, literacy_effect=e)
        assert 0.0 <= p <= 1.0
        if price > wallet:
            assert p == 0.0

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.floats(0, 1e6), min_size=1, max_size=10), unit, unit)
    def test_split_payment_conserves_money(self, amounts, platform_cut, agency_cut):
        amount = np.array(amounts)
        creator, platform, agency = money.split_payment(amount, platform_cut, agency_cut)
        np.testing.assert_allclose(creator + platform + agency, amount, rtol=1e-12, atol=1e-9)
        for part in (creator, platform, agency):
            assert np.all(part >= -1e-9)

    def test_split_payment_shares(self):
        creator, platform, agency = money.split_payment(np.array([100.0]), 0.3, 0.5)
        np.testing.assert_allclose([creator[0], platform[0], agency[0]], [35.0, 30.0, 35.0])
        more = money.split_payment(np.array([100.0]), 0.5, 0.5)
        assert more[0][0] < creator[0]  # a bigger cut leaves the creator less


# ---------------------------------------------------------------------- offline
class TestOffline:
    def test_ties_weaken_when_offline_hours_fall(self):
        w = np.array([0.5, 0.5, 0.5])
        hours = np.array([4.0, 1.0, 0.0])
        new = offline.update_ties(w, hours, hours, 4.0, 4.0, 0.05, 0.01)
        assert decreasing(new)
        assert new[-1] < 0.5  # neglected ties weaken
        assert new[0] > 0.5  # tended ties strengthen

    def test_tie_limited_by_the_busier_end_and_by_many_ties(self):
        w = np.array([0.5])
        both = offline.update_ties(w, 4.0, 4.0, 4.0, 4.0, 0.05, 0.01)
        one_busy = offline.update_ties(w, 4.0, 0.5, 4.0, 4.0, 0.05, 0.01)
        spread = offline.update_ties(w, 4.0, 4.0, 20.0, 20.0, 0.05, 0.01)
        assert one_busy < both
        assert spread < both

    @settings(max_examples=200, deadline=None)
    @given(unit, st.floats(0, 24), st.floats(0, 24), st.floats(0, 100), unit, unit)
    def test_ties_stay_in_unit_interval(self, w, hu, hv, k, m, d):
        x = offline.update_ties(np.array(w), hu, hv, k, k, m, d)
        assert 0.0 <= float(x) <= 1.0

    def test_social_support_is_mean_tie_strength(self):
        u, v = np.array([0, 0, 1]), np.array([1, 2, 2])
        strength = np.array([0.2, 0.4, 0.6])
        degree = np.array([2.0, 2.0, 2.0, 0.0])
        s = offline.social_support(strength, u, v, degree)
        np.testing.assert_allclose(s, [0.3, 0.4, 0.5, 0.0])

    def test_loneliness_follows_lost_support(self):
        lonely = offline.update_loneliness(np.array([0.4, 0.4]), 0.4, np.array([0.9, 0.1]), 0.1)
        assert lonely[1] > lonely[0]
        assert lonely[0] < 0.4 < lonely[1]
        assert lonely.min() >= 0.0 and lonely.max() <= 1.0

    def _w(self, **kw):
        args = dict(support=0.5, loneliness=0.35, loneliness_mean=0.35, strongest_attachment=0.2,
                    overuse=0.0, victimisation=0.0, grief=0.0, p=make_params())
        args.update(kw)
        return float(offline.wellbeing_target(**args))

    def test_wellbeing_falls_with_overuse_grief_harassment_and_loneliness(self):
        assert decreasing([self._w(overuse=x) for x in (0.0, 0.2, 0.5)])
        assert decreasing([self._w(grief=x) for x in (0.0, 0.3, 0.8)])
        assert decreasing([self._w(victimisation=x) for x in (0.0, 0.5, 1.0)])
        assert decreasing([self._w(loneliness=x) for x in (0.1, 0.35, 0.8)])

    def test_wellbeing_rises_with_support_and_moderate_bonds(self):
        assert increasing([self._w(support=x) for x in (0.0, 0.5, 1.0)])
        assert self._w(strongest_attachment=0.4) > self._w(strongest_attachment=0.0)
        # the comfort of bonds saturates: no extra gain from obsession
        assert self._w(strongest_attachment=1.0) == self._w(strongest_attachment=0.5)

    def test_wellbeing_target_is_bounded(self):
        assert self._w(grief=100.0, victimisation=100.0, overuse=10.0) == 0.0
        assert self._w(support=1.0, loneliness=0.0, p=make_params(support_weight=2.0)) == 1.0

    def test_overuse_only_beyond_half_of_free_time(self):
        o = offline.overuse(np.array([0.0, 2.5, 3.5, 5.0]), 5.0)
        np.testing.assert_allclose(o, [0.0, 0.0, 0.2, 0.5])

    def test_relax_moves_toward_target_without_overshoot(self):
        x = offline.relax(np.array([0.2, 0.8]), np.array([0.6, 0.4]), 0.25)
        np.testing.assert_allclose(x, [0.3, 0.7])
        assert offline.relax(0.2, 0.6, 1.0) == pytest.approx(0.6)
        assert offline.relax(0.2, 0.6, 0.0) == 0.2


# ---------------------------------------------------------------------- opinion
class TestOpinion:
    def test_opinion_drifts_toward_attached_creators(self):
        x = np.array([0.0, 0.0, 0.0])
        y = np.array([[1.0, -1.0], [1.0, -1.0], [1.0, -1.0]])
        a = np.array([[0.9, 0.1], [0.1, 0.9], [0.0, 0.0]])
        valid = np.ones((3, 2), dtype=bool)
        new = opinion.drift_opinions(x, y, a, valid, 0.1)
        assert new[0] > 0.0 > new[1]  # toward the more attached creator
        assert new[2] == 0.0  # no attachment, no drift

    def test_stronger_attachment_pulls_harder(self):
        x = np.zeros(3)
        y = np.ones((3, 1))
        a = np.array([[0.1], [0.4], [0.8]])
        new = opinion.drift_opinions(x, y, a, np.ones((3, 1), dtype=bool), 0.1)
        assert increasing(new)

    def test_empty_slots_do_not_pull(self):
        x = np.zeros(1)
        y = np.array([[1.0, -1.0]])
        a = np.array([[0.5, 0.9]])
        new = opinion.drift_opinions(x, y, a, np.array([[True, False]]), 0.1)
        assert new[0] > 0.0

    @settings(max_examples=200, deadline=None)
    @given(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1), unit, unit, unit)
    def test_opinion_stays_in_range_and_between_views(self, x, y1, y2, a1, a2, k):
        new = opinion.drift_opinions(np.array([x]), np.array([[y1, y2]]), np.array([[a1, a2]]),
                                     np.ones((1, 2), dtype=bool), k)
        assert -1.0 <= new[0] <= 1.0
        assert min(x, y1, y2) - 1e-12 <= new[0] <= max(x, y1, y2) + 1e-12

    def test_attached_fans_unfollow_less(self):
        x = np.array([-1.0])
        y = np.array([[1.0]])
        p = [float(opinion.unfollow_probability(x, y, np.array([[a]]), 0.02, 0.5)[0, 0])
             for a in (0.0, 0.5, 0.9, 1.0)]
        assert decreasing(p)
        assert p[-1] == 0.0

    def test_unfollow_rises_with_disagreement_beyond_tolerance(self):
        y = np.array([[1.0], [1.0], [1.0]])
        x = np.array([0.8, 0.0, -1.0])
        p = opinion.unfollow_probability(x, y, np.zeros((3, 1)), 0.02, 0.5)[:, 0]
        assert p[0] == 0.0  # within tolerance
        assert 0.0 < p[1] < p[2] <= 1.0

"""Unit tests of the pure dynamics: the direction of every effect, and its bounds.

Each test compares two (or more) cases that differ in one input, so it fails
if the mechanism is switched off or reversed, not only if it crashes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dynamics import (
    attention,
    bonds,
    creators,
    follows,
    hostility,
    interaction,
    money,
    offline,
    opinion,
    taste,
)
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
                    feed="engagement", wellbeing=np.array([0.5]), loneliness=np.array([0.35]),
                    loneliness_mean=0.35, loneliness_pull=0.5, displaced=0.0)
        args.update(kw)
        return float(attention.desired_platform_hours(**args)[0])

    def test_desired_hours_rise_with_notifications_and_attachment(self):
        assert increasing([self._desired(notifications=n) for n in (0.0, 0.5, 1.0)])
        assert increasing([self._desired(strongest_attachment=np.array([a]))
                           for a in (0.0, 0.5, 1.0)])
        assert self._desired(notifications=0.0, strongest_attachment=np.array([0.0])) == 1.5

    def test_lonely_fans_and_displaced_hours_raise_desired_time(self):
        assert increasing([self._desired(loneliness=np.array([x])) for x in (0.1, 0.35, 0.9)])
        assert self._desired(displaced=1.0) == pytest.approx(self._desired() + 1.0)
        assert self._desired(loneliness=np.array([1.0]), loneliness_pull=10.0,
                             loneliness_mean=0.01) > 0.0
        assert self._desired(loneliness=np.array([0.0]), loneliness_pull=10.0,
                             loneliness_mean=0.99) == 0.0  # never negative

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
        chrono = attention.feed_weights("chronological", posts, attach, 2.0, np.array([1.0]))
        assert chrono[0, 0] == chrono[0, 1]
        eng = attention.feed_weights("engagement", posts, attach, 2.0, np.array([1.0]))
        assert eng[0, 1] > eng[0, 0]
        # the wellbeing-aware feed amplifies less for a fan doing badly
        wb_low = attention.feed_weights("wellbeing", posts, attach, 2.0, np.array([0.1]))
        wb_high = attention.feed_weights("wellbeing", posts, attach, 2.0, np.array([1.0]))
        assert wb_low[0, 1] < wb_high[0, 1]
        np.testing.assert_allclose(wb_high, eng)
        # more volume, more weight
        more = attention.feed_weights("chronological", 2 * posts, attach, 2.0, np.array([1.0]))
        assert np.all(more > chrono)

    def test_posts_seen_shares_the_budget_and_never_exceeds_posts(self):
        posts = np.array([[5.0, 5.0, 5.0]])
        weights = np.array([[1.0, 2.0, 4.0]])
        seen = attention.posts_seen(weights, posts, np.array([6.0]))
        assert increasing(seen[0])
        assert seen.sum() == pytest.approx(6.0)  # the budget binds
        assert np.all(seen <= posts)
        # huge budget: everything posted is seen, nothing more
        np.testing.assert_allclose(attention.posts_seen(weights, posts, np.array([1e6])), posts)
        # no budget, nothing seen
        assert attention.posts_seen(weights, posts, np.array([0.0])).sum() == 0.0

    def test_more_posts_from_one_creator_crowd_out_the_others_when_the_budget_binds(self):
        weights_posts = np.array([[2.0, 2.0]])
        before = attention.posts_seen(weights_posts, weights_posts, np.array([3.0]))
        more = np.array([[6.0, 2.0]])
        after = attention.posts_seen(more, more, np.array([3.0]))
        assert after[0, 0] > before[0, 0] and after[0, 1] < before[0, 1]
        assert after.sum() == pytest.approx(before.sum())  # the same minutes

    def test_what_a_saturated_creator_leaves_goes_to_the_others(self):
        seen = attention.posts_seen(np.array([[10.0, 1.0]]), np.array([[1.0, 10.0]]),
                                    np.array([5.0]))
        assert seen[0, 0] == pytest.approx(1.0)
        assert seen.sum() == pytest.approx(5.0)

    def test_posts_seen_with_no_weights_is_zero_not_nan(self):
        seen = attention.posts_seen(np.zeros((2, 3)), np.zeros((2, 3)), np.array([5.0, 5.0]))
        assert np.all(seen == 0.0)

    def test_live_watch_rises_with_attachment_and_notifications_and_is_bounded(self):
        a = np.array([0.0, 0.3, 0.6])
        w = attention.live_watch_hours(3.0, a, 0.0)
        assert increasing(w)
        assert np.all(attention.live_watch_hours(3.0, a, 1.0) > w)
        assert np.all(attention.live_watch_hours(3.0, np.array([1.0]), 1.0) <= 3.0)
        assert attention.live_watch_hours(0.0, np.array([1.0]), 1.0)[0] == 0.0

    def _rec(self, feed, **kw):
        args = dict(appeal=np.array([1.0, 2.0, 1.0, 1.0, 5.0]),
                    posts=np.array([1.0, 1.0, 1.0, 3.0, 1.0]),
                    engagement=np.array([10.0, 10.0, 100.0, 10.0, 1000.0]), popularity_bias=1.0,
                    fandom_hostility=np.array([0.0, 0.0, 0.0, 0.0, 0.0]),
                    active=np.array([True, True, True, True, False]))
        args.update(kw)
        return attention.recommendation_weights(feed, **args)

    @pytest.mark.parametrize("feed", ["engagement", "chronological", "wellbeing"])
    def test_recommendation_prefers_appeal_and_skips_inactive(self, feed):
        w = self._rec(feed)
        assert w.sum() == pytest.approx(1.0)
        assert w[4] == 0.0
        assert w[1] > w[0]
        assert np.all(self._rec(feed, active=np.zeros(5, dtype=bool)) == 0.0)

    def test_engagement_feed_recommends_by_recent_engagement_the_others_do_not(self):
        eng = self._rec("engagement")
        assert eng[2] > eng[0]  # social proof: rich get richer
        assert eng[3] == pytest.approx(eng[0])  # posting volume alone does not count
        flat = self._rec("engagement", popularity_bias=0.0)
        assert flat[2] == pytest.approx(flat[0])
        for feed in ("chronological", "wellbeing"):
            w = self._rec(feed)
            assert w[2] == pytest.approx(w[0])  # no popularity signal
            assert w[3] > w[0]  # recency: who posted today

    def test_wellbeing_feed_steers_away_from_hostile_fandoms(self):
        w = self._rec("wellbeing", fandom_hostility=np.array([0.0, 0.0, 0.8, 0.0, 0.0]))
        assert w[2] < w[0]
        assert self._rec("chronological",
                         fandom_hostility=np.array([0.0, 0.0, 0.8, 0.0, 0.0]))[2] == pytest.approx(
            self._rec("chronological")[2])

    def test_engagement_signal_follows_views(self):
        e = np.array([0.0, 10.0])
        new = attention.update_engagement(e, np.array([7.0, 10.0]), 7.0)
        np.testing.assert_allclose(new, [1.0, 10.0])


# ------------------------------------------------------------------------ bonds
class TestBonds:
    def _stim(self, **kw):
        args = dict(seen=2.0, disclosure=0.5, address=0.3, live_watched=1.0, recognitions=0.0,
                    disclosure_weight=1.0, address_weight=1.0, live_weight=1.0,
                    recognition_weight=3.0, post_satiation=np.inf)
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

    def test_each_further_post_adds_less_when_sated(self):
        alone = dict(live_watched=0.0, disclosure=0.0, address=0.0)
        sated = [self._stim(seen=n, post_satiation=1.0, **alone) for n in (0.0, 1.0, 2.0, 4.0)]
        assert increasing(sated) and decreasing(np.diff(sated))  # concave in posts seen
        assert sated[1] == pytest.approx(0.5)  # n = post_satiation weighs half its number
        assert self._stim(seen=4.0, **alone) == 4.0  # no satiation: every post alike
        assert self._stim(seen=4.0, post_satiation=2.0, **alone) < 4.0

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

    def test_reinforcement_draws_absorbed_attached_fans_further_in(self):
        r = bonds.reinforcement(np.array([0.1, 0.9]), np.array([[0.5], [0.5]]), 1.0)
        assert r[1, 0] > r[0, 0] > 1.0
        assert increasing(bonds.reinforcement(np.array([0.9]), np.array([[0.1, 0.5, 0.9]]), 1.0)[0])
        np.testing.assert_allclose(bonds.reinforcement(np.array([0.9]), np.array([[0.5]]), 0.0), 1.0)

    def _e(self, attachment=0.5, spend=0.0, means=90.0, reciprocity=0.0, w_s=1.0, w_r=1.0, b=0.2):
        return bonds.expectation(attachment, spend, means, reciprocity, w_s, w_r, b)

    def test_expectation_rises_with_attachment_spending_and_reciprocity_and_is_capped(self):
        assert increasing(self._e(attachment=np.array([0.1, 0.5, 0.9])))
        assert increasing(self._e(spend=np.array([0.0, 30.0, 90.0])))
        assert increasing(self._e(reciprocity=np.array([0.0, 0.5, 1.0])))  # Kowert & Daniel 2021
        assert self._e(attachment=1.0, spend=1e6, w_s=10.0, b=0.0) == 1.0
        assert self._e(attachment=0.0, spend=1e6, w_s=10.0) == 0.0  # no bond, no entitlement
        assert 0.0 <= self._e(spend=10.0, means=0.0) <= 1.0  # no income: finite, capped

    def test_recognition_still_narrows_the_gap(self):
        gaps = [float(bonds.unmet_expectation(self._e(attachment=0.8, reciprocity=r), r))
                for r in (0.0, 0.3, 0.6)]
        assert decreasing(gaps)

    def test_creator_boundaries_temper_expectations(self):
        e = self._e(attachment=0.8, spend=30.0, b=np.array([0.0, 0.5, 1.0]))
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
        args = dict(stress=0.3, load=1.5, unanswered=100.0, harassment=0.0, boundaries=0.2,
                    resources=1.0, shock=0.0, load_stress=0.01, demand_stress=0.004,
                    harassment_stress=0.01, recovery=0.02)
        args.update(kw)
        return float(creators.update_stress(**args))

    def test_stress_rises_with_overload_demand_and_harassment(self):
        assert increasing([self._stress(load=x) for x in (1.0, 1.5, 2.0)])
        # a sustainable day does not strain: only work beyond it does
        assert self._stress(load=0.2) == self._stress(load=1.0)
        assert increasing([self._stress(unanswered=x) for x in (0.0, 10.0, 1000.0)])
        assert increasing([self._stress(harassment=x) for x in (0.0, 1.0, 10.0)])
        assert increasing([self._stress(shock=x) for x in (-0.05, 0.0, 0.05)])

    def test_boundaries_soften_demand_stress(self):
        assert decreasing([self._stress(boundaries=x) for x in (0.0, 0.5, 1.0)])
        # boundaries do not soften harassment
        full = dict(unanswered=0.0, harassment=10.0)
        assert self._stress(boundaries=0.0, **full) == self._stress(boundaries=1.0, **full)

    def test_resources_buffer_every_demand(self):
        assert decreasing([self._stress(resources=x, harassment=5.0) for x in (0.5, 1.0, 3.0)])
        assert increasing(creators.effective_resources(1.0, np.array([0.0, 10.0, 40.0]), 1.0, 20.0))
        assert creators.effective_resources(2.0, 0.0, 1.0, 20.0) == 2.0

    def test_a_sustainable_day_settles_below_burnout(self):
        s = np.array(0.9)
        for _ in range(500):
            s = creators.update_stress(s, 1.0, 0.0, 0.0, 0.2, 1.0, 0.0, 0.05, 0.015, 0.01, 0.02)
        assert float(s) < 0.01

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
        out = creators.output_factor(np.array([True, True, False, False, True]),
                                     np.array([False, True, False, True, False]), 0.3,
                                     np.array([False, False, False, False, True]), 1.0)
        np.testing.assert_allclose(out, [1.0, 0.3, 0.0, 0.0, 0.0])  # last: on a break
        kept = creators.output_factor(np.array([True]), np.array([True]), 0.3, np.array([False]),
                                      0.5)
        np.testing.assert_allclose(kept, [0.15])

    def test_stressed_creators_cut_their_output(self):
        kept = creators.adaptation(np.array([0.2, 0.5, 0.75, 1.0]), 0.5, 0.6)
        np.testing.assert_allclose(kept, [1.0, 1.0, 0.7, 0.4])

    def test_quitting_follows_burnout_and_low_income_after_the_grace_period(self):
        q = creators.quit_probability(np.array([True, False, False, False]),
                                      np.array([100.0, 0.1, 0.1, 5.0]),
                                      np.array([400, 400, 10, 400]), 0.003, 0.002, 1.0, 180)
        np.testing.assert_allclose(q, [0.003, 0.002, 0.0, 0.0])

    def _grief(self, attachment=0.5, others=0.5, support=0.5, w=0.5, buffer=0.5):
        dep = creators.dependence(attachment, others, support)
        return creators.breakup_grief(attachment, dep, support, w, buffer)

    def test_breakup_grief_rises_with_attachment_and_dependence_and_falls_with_support(self):
        a = np.array([0.0, 0.2, 0.5, 0.9])
        g = self._grief(attachment=a)
        assert g[0] == 0.0
        assert increasing(g)
        assert decreasing(self._grief(others=np.array([0.0, 1.0, 3.0])))  # less dependent
        assert decreasing(self._grief(support=np.array([0.0, 0.5, 1.0])))  # buffered
        # grief is not attachment itself: two fans with the same bond grieve differently
        assert self._grief(others=0.0, support=0.0) > self._grief(others=2.0, support=0.9)

    def test_dependence_is_the_bonds_share_of_support(self):
        assert creators.dependence(0.5, 0.0, 0.0) == pytest.approx(1.0)
        assert creators.dependence(0.5, 0.5, 1.0) == pytest.approx(0.25)


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
        args = dict(hostility=np.array(0.2), frustration_max=0.5, exposure=0.02, gain=0.08,
                    contagion=0.5, decay=0.05, literacy=0.3, literacy_effect=0.6)
        args.update(kw)
        return float(hostility.update_hostility(**args))

    def test_hostility_rises_with_frustration(self):
        assert increasing([self._h(frustration_max=x) for x in (0.0, 0.5, 1.0)])

    def test_hostility_rises_with_the_harassment_seen_in_ones_fandoms(self):
        assert increasing([self._h(exposure=x) for x in (0.0, 0.02, 0.1)])
        # nothing visible, no contagion: only frustration drives
        assert self._h(exposure=0.0) == self._h(exposure=0.0, contagion=5.0)

    def test_exposure_is_the_attachment_weighted_visible_harassment_of_ones_fandoms(self):
        exposure = np.array([0.1, 0.0, 0.0])  # per creator, padding last
        attachment = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]])
        index = np.array([[0, 1], [1, 2], [2, 2]])
        x = hostility.community_exposure(exposure, attachment, index)
        np.testing.assert_allclose(x, [0.05, 0.0, 0.0])

    def test_exposure_is_a_moving_average_of_visible_incidents_per_follower(self):
        x = hostility.update_exposure(np.zeros(3), np.array([0.0, 7.0, 7.0]),
                                      np.array([10.0, 10.0, 0.0]), 7.0)
        np.testing.assert_allclose(x, [0.0, 0.1, 1.0])  # an empty fandom counts as one follower

    def test_literacy_damps_hostility(self):
        assert decreasing([self._h(literacy=x) for x in (0.0, 0.5, 0.99)])

    def test_hostility_decays_without_drive_and_is_bounded(self):
        assert self._h(frustration_max=0.0, exposure=0.0) < 0.2
        assert self._h(hostility=np.array(1.0), frustration_max=1.0, exposure=1.0, gain=1.0,
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

    def test_outsiders_pick_the_visible_and_the_targeted(self):
        views = np.array([0.0, 10.0, 100.0, 100.0, 100.0])
        targeting = np.array([1.0, 1.0, 1.0, 3.0, 3.0])
        active = np.array([True, True, True, True, False])
        w = hostility.visibility_weights(views, targeting, active)
        assert np.isclose(w.sum(), 1.0)
        assert increasing(w[:4])  # more views, then identity targeting, more harassment
        assert w[0] == 0.0 and w[4] == 0.0  # unseen or quit: nobody to find
        assert not hostility.visibility_weights(views, targeting, np.zeros(5, bool)).any()

    def _stalk(self, attachment, frustration=0.8, met=False):
        return float(hostility.stalking_probability(np.array(attachment), np.array(frustration),
                                                    np.array(met), 0.85, 0.02, 3.0))  # threshold 0.85

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
        args = dict(attachment=0.5, price=5.0, monthly_means=90.0, budget=50.0, propensity=0.03,
                    power=3.0, literacy=0.3, literacy_effect=0.6, sensitivity=10.0)
        if "wallet" in kw:
            kw["budget"] = kw.pop("wallet")
        args.update(kw)
        return float(money.purchase_probability(**args))

    def test_purchases_rise_with_attachment(self):
        assert increasing([self._buy(attachment=a) for a in (0.1, 0.5, 0.9)])
        assert self._buy(attachment=0.0) == 0.0

    def test_purchases_fall_with_price(self):
        assert decreasing([self._buy(price=x) for x in (1.0, 10.0, 40.0)])

    def test_purchases_rise_with_means(self):
        assert increasing([self._buy(monthly_means=x) for x in (10.0, 50.0, 500.0)])

    def test_demand_responds_to_price_against_means(self):
        assert decreasing([self._buy(price=x, budget=1e6) for x in (1.0, 2.0, 5.0)])
        assert self._buy(price=5.0, sensitivity=0.0) == self._buy(price=1.0, sensitivity=0.0)
        assert money.price_response(0.0, 90.0, 10.0) == 1.0

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
        p = self._buy(attachment=a, price=price, budget=wallet, propensity=prop, power=power,
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

    def _cancel(self, **kw):
        args = dict(attachment=0.5, anchor=0.5, reciprocity=0.2, price=5.0, monthly_means=90.0,
                    base=0.08, sensitivity=3.0, price_sensitivity=10.0)
        args.update(kw)
        return float(money.cancel_probability(**args))

    def test_satisfied_subscribers_renew_more(self):
        assert decreasing([self._cancel(attachment=a, anchor=a) for a in (0.1, 0.5, 0.9)])
        assert decreasing([self._cancel(anchor=a) for a in (0.7, 0.5, 0.3)])  # attachment trend
        assert decreasing([self._cancel(reciprocity=r) for r in (0.0, 0.4, 0.8)])
        assert increasing([self._cancel(price=x) for x in (1.0, 5.0, 20.0)])
        assert decreasing([self._cancel(monthly_means=x) for x in (30.0, 90.0, 900.0)])

    def test_neutral_satisfaction_cancels_at_the_base_rate(self):
        assert self._cancel(attachment=0.0, anchor=0.0, reciprocity=0.0, price=0.0) == pytest.approx(0.08)
        assert self._cancel(sensitivity=0.0) == pytest.approx(0.08)

    def test_donations_are_read_out_largest_first_within_capacity(self):
        creator = np.array([0, 0, 0, 1, 1])
        size = np.array([1.0, 9.0, 5.0, 2.0, 3.0])
        read = money.read_out(creator, size, np.array([2.0, 0.0]), np.random.default_rng(1))
        np.testing.assert_array_equal(read, [False, True, True, False, False])
        # another donor's bigger gift pushes a donation off the air
        crowded = money.read_out(np.array([0, 0]), np.array([1.0, 9.0]), np.array([1.0]),
                                 np.random.default_rng(1))
        alone = money.read_out(np.array([0]), np.array([1.0]), np.array([1.0]),
                               np.random.default_rng(1))
        assert alone[0] and not crowded[0]

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

    def test_parasocial_bonds_relieve_loneliness_less_than_real_ties(self):
        felt = offline.felt_support(np.array([0.2, 0.2]), np.array([0.0, 1.0]), 0.3)
        assert felt[1] > felt[0] == pytest.approx(0.2)
        real = offline.felt_support(np.array([0.2 + 0.8]), np.array([0.0]), 0.3)
        assert felt[1] < real[0]  # a full bond fills less than a full tie
        lonely = offline.update_loneliness(np.array([0.5, 0.5]), 0.5, felt, 0.1)
        assert lonely[1] < lonely[0]

    def test_a_lockdown_moves_part_of_the_lost_offline_time_to_the_platform(self):
        d = offline.displaced_hours(5.0, np.array([1.0, 3.0]), 0.3, 0.5)
        np.testing.assert_allclose(d, [0.5 * 0.7 * 4.0, 0.5 * 0.7 * 2.0])
        assert offline.displaced_hours(5.0, 1.0, 1.0, 0.5) == 0.0  # no lockdown
        assert offline.displaced_hours(5.0, 1.0, 0.3, 0.0) == 0.0  # no compensation

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

    def test_only_politicians_shift_their_stances(self):
        rng = np.random.default_rng(1)
        y = np.zeros(4)
        kind = np.array([opinion.POLITICIAN, 0, opinion.POLITICIAN, 1])
        new = opinion.shift_stances(y, kind, 0.1, rng)
        assert new[0] != 0.0 and new[2] != 0.0 and new[1] == 0.0 and new[3] == 0.0
        assert np.all(opinion.shift_stances(y, kind, 0.0, rng) == 0.0)

    def _join(self, loyalty=0.8, x=0.5, y_i=0.5, y_t=-0.5):
        return float(opinion.pile_on_probability(np.array(loyalty), np.array(x), y_i, y_t, 0.3,
                                                 np.array(0.3), 0.6))

    def test_loyal_aligned_supporters_join_pile_ons(self):
        assert increasing([self._join(loyalty=a) for a in (0.1, 0.5, 0.9)])
        assert decreasing([self._join(x=x) for x in (0.5, 0.0, -0.5)])  # alignment
        assert self._join(loyalty=0.0) == 0.0
        assert self._join(x=-0.5) == 0.0  # agrees with the dissenter
        # rivals on the same side: who is closer to the instigator still joins more
        assert self._join(x=0.6, y_i=0.6, y_t=0.3) > self._join(x=0.3, y_i=0.6, y_t=0.3)

    def test_unfollow_rises_with_disagreement_beyond_tolerance(self):
        y = np.array([[1.0], [1.0], [1.0]])
        x = np.array([0.8, 0.0, -1.0])
        p = opinion.unfollow_probability(x, y, np.zeros((3, 1)), 0.02, 0.5)[:, 0]
        assert p[0] == 0.0  # within tolerance
        assert 0.0 < p[1] < p[2] <= 1.0


# ---------------------------------------------------------------------- follows
class TestFollows:
    def test_faded_and_frustrated_bonds_are_unfollowed(self):
        p = follows.unfollow_probability(np.array([0.001, 0.3, 0.3, 0.3]),
                                         np.array([0.0, 0.0, 0.5, 1.0]), 0.005, 0.05, 0.05)
        np.testing.assert_allclose(p, [0.05, 0.0, 0.0125, 0.05])

    def test_taste_fit_falls_with_distance_on_the_circle(self):
        fit = taste.taste_fit(0.5, np.array([0.5, 0.52, 0.55, 0.6, 1.0]), 0.05)
        assert fit[0] == 1.0 and decreasing(fit)
        assert fit[-1] < 1e-20  # the far side of the circle
        # the circle has no edge: 0.02 and 0.98 are 0.04 apart
        assert taste.taste_fit(0.02, 0.98, 0.05) == pytest.approx(
            float(taste.taste_fit(0.5, 0.54, 0.05)))
        assert taste.taste_fit(0.5, 0.6, 0.2) > taste.taste_fit(0.5, 0.6, 0.05)  # wider
        np.testing.assert_array_equal(taste.taste_fit(np.zeros(3), 0.5, np.inf), np.ones(3))

    def test_suited_draws_follow_weights_times_fit(self):
        rng = np.random.default_rng(5)
        fans = np.arange(40_000)
        weights = np.array([0.5, 0.3, 0.2])
        by_weight = np.bincount(taste.draw_suited(rng, weights, fans), minlength=3) / fans.size
        np.testing.assert_allclose(by_weight, weights, atol=0.01)
        # nearly all weight far from the fans' taste (0.5): the draw is still weight x fit,
        # with creators inside the proposal window (0.47, 0.53), just beyond it and far away
        niche = np.array([0.5, 0.52, 0.535, 0.56, 0.9, 0.1])
        weights = np.array([1e-4, 1e-3, 0.1, 0.3, 0.3, 0.3])
        fit = taste.TasteFit(np.full(fans.size, 0.5), niche, 0.01)
        share = np.bincount(taste.draw_suited(rng, weights, fans, fit), minlength=6) / fans.size
        want = weights * fit(np.zeros(6, int), np.arange(6))
        np.testing.assert_allclose(share, want / want.sum(), atol=0.01)
        assert share[2] > 0.3 and share[4] == share[5] == 0  # beyond the window, not far away
        nobody = taste.draw_suited(rng, np.array([0.0, 1.0]), fans[:10],
                                   taste.TasteFit(np.zeros(10), np.array([0.0, 0.5]), 0.01))
        np.testing.assert_array_equal(nobody, -1)  # no suited creator with weight: none


# ------------------------------------------------------------------ interaction
class TestInteraction:
    def test_reply_probability_falls_as_requests_exceed_capacity(self):
        p = interaction.reply_probability(np.array([0.0, 10.0, 20.0, 100.0, 1000.0]), 20.0)
        np.testing.assert_allclose(p[:3], 1.0)
        assert decreasing(p[2:])
        assert p[-1] == pytest.approx(0.02)
        assert interaction.reply_probability(np.array([50.0]), 0.0)[0] == 0.0
        assert interaction.reply_probability(np.array([1e9]), np.inf)[0] == 1.0  # an AI answers all

    def test_broadcasts_feel_less_personal_to_the_literate_and_the_habituated(self):
        v = interaction.broadcast_value(0.5, np.array([0.0, 0.5, 0.9]), 0.6, 0.0, 0.05)
        assert decreasing(v)
        h = interaction.broadcast_value(0.5, 0.0, 0.6, np.array([0.0, 10.0, 30.0]), 0.05)
        assert decreasing(h)
        assert h[0] == 0.5
        assert interaction.broadcast_value(0.5, 0.0, 0.6, 30.0, 0.0) == 0.5

"""The compiled kernels (sim/kernels.py) give the pure functions' results on random inputs."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim import kernels
from sim.dynamics import attention, bonds
from sim.model import ParasocialModel
from sim.state import Slots, row_max


def _random_day(model, rng, with_live):
    shape = model.bonds.creator.shape
    valid = model.bonds.creator >= 0
    seen = np.where(valid, rng.exponential(2.0, shape), 0.0)
    live = np.where(valid, rng.uniform(0.0, 2.0, shape), 0.0) if with_live else None
    recognitions = np.where(valid & (rng.random(shape) < 0.3), rng.exponential(1.0, shape), 0.0)
    return seen, live, recognitions


@pytest.mark.parametrize("satiation", [0.5, 0.3, np.inf])  # a power of two, not one, none
@pytest.mark.parametrize("with_live", [True, False])
@pytest.mark.parametrize("seed", [1, 2])
def test_bond_update_is_the_pure_functions_exactly(seed, with_live, satiation):
    model = ParasocialModel(n_fans=2000, n_creators=20, rng=seed, absorption_reinforcement=2.0,
                            post_satiation=satiation)
    model.run_for(5)
    rng = np.random.default_rng(seed)
    b = model.bonds
    valid = b.creator >= 0
    b.attachment[valid] = rng.random(valid.sum())  # the whole unit interval, not just weak bonds
    b.reciprocity[valid] = rng.random(valid.sum())
    b.frustration[valid] = rng.random(valid.sum())
    b.recent_spend[valid] = rng.exponential(20.0, valid.sum())
    model.slots = Slots(b.creator, model.params.n_creators)
    seen, live, recognitions = _random_day(model, rng, with_live)
    ref = copy.deepcopy(model)
    bonds.reference_step(ref, seen, live, recognitions)
    bonds.step(model, seen, live, recognitions)
    for name in ("attachment", "reciprocity", "frustration"):
        np.testing.assert_array_equal(getattr(model.bonds, name), getattr(ref.bonds, name),
                                      err_msg=name)
    np.testing.assert_array_equal(model.strongest, ref.strongest)


@pytest.mark.parametrize("seed", range(4))
def test_posts_seen_views_matches_posts_seen(seed):
    rng = np.random.default_rng(seed)
    n, k, c = 500, 6, 7
    index = rng.integers(0, c + 1, (n, k))  # c is the padding creator (empty slots)
    posts = np.append(rng.choice([0.0, 0.5, 1.0, 3.0, 10.0], c), 0.0)
    valid = index < c
    weights = (posts[index] + rng.random((n, k))) * (rng.random((n, k)) < 0.8)  # some on pads
    budget = rng.choice([0.0, 1.0, 5.0, 100.0], n)
    views = np.zeros(c + 1)
    seen = kernels.posts_seen_views(weights, posts, budget, index, views)
    expected = attention.posts_seen(weights * valid, posts[index], budget)
    np.testing.assert_allclose(seen, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(views, np.bincount(index.ravel(), expected.ravel(), c + 1),
                               rtol=1e-12, atol=1e-12)
    assert views[c] == 0.0


def test_row_sum_matches_numpy():
    a = np.random.default_rng(5).random((1000, 6))
    np.testing.assert_allclose(kernels.row_sum(a), a.sum(axis=1), rtol=1e-14)


def test_focal_values_match_argmax():
    rng = np.random.default_rng(0)
    a = rng.choice([0.0, 0.1, 0.5], (300, 6))  # ties: the first strongest slot, as argmax
    r = rng.random((300, 6))
    strongest, values = np.empty(300), np.empty(300)
    kernels.focal_values(a, r, strongest, values)
    np.testing.assert_array_equal(strongest, row_max(a))
    np.testing.assert_array_equal(values, r[np.arange(300), a.argmax(axis=1)])


def test_outcomes_over_bonds_match_their_direct_formulas():
    from sim import metrics
    model = ParasocialModel(n_fans=3000, n_creators=15, rng=4, preset="idol")
    model.run_for(40)
    b, focal = model.bonds, model.strongest >= metrics.FOCAL
    valid = b.creator >= 0
    slot = np.argmax(b.attachment[focal], axis=1)
    direct = {
        "mean_reciprocity": b.reciprocity[valid].mean(),
        "frustrated_bonds": (b.frustration[valid] > 0.1).mean(),
        "subscribers": (b.subscribed_until > model.time).any(axis=1).mean(),
        "focal_reciprocity": b.reciprocity[focal][np.arange(slot.size), slot].mean(),
    }
    assert direct["subscribers"] > 0 and direct["frustrated_bonds"] > 0  # not trivially zero
    row = model.datacollector.get_model_vars_dataframe().iloc[-1]
    for name, value in direct.items():  # single-precision sums in numpy: agreement to ~1e-7
        assert row[name] == pytest.approx(value, rel=1e-6), name
        assert metrics.OUTCOMES[name][2](model) == pytest.approx(value, rel=1e-6), name


def _busy_model(seed, preset="politician", max_follows=kernels.WIDTH):
    """A model with bonds all over the unit interval; rows of another width than
    ``kernels.WIDTH`` take the row kernels' general copies."""
    model = ParasocialModel(preset, n_fans=1500, n_creators=15, rng=seed, max_follows=max_follows)
    model.run_for(8)
    rng = np.random.default_rng(seed)
    b = model.bonds
    valid = b.creator >= 0
    b.attachment[valid] = rng.random(valid.sum())
    b.frustration[valid] = rng.random(valid.sum())
    model.fans.banned[rng.random(model.params.n_fans) < 0.1] = True
    model.slots = Slots(b.creator, model.params.n_creators)
    return model, rng


@pytest.mark.parametrize("seed", [1, 2])
def test_tie_update_support_is_the_numpy_reference_exactly(seed):
    from sim.dynamics import offline

    model, rng = _busy_model(seed)
    p = model.params
    hours = rng.uniform(0.0, 6.0, p.n_fans)
    expected = offline.update_ties(model.tie_strength, hours[model.tie_u], hours[model.tie_v],
                                   *model.tie_degrees, p.tie_maintenance, p.tie_decay)
    support = offline.social_support(expected, model.tie_u, model.tie_v, model.degree)
    got, got_support = np.empty_like(expected), np.empty(p.n_fans)
    kernels.tie_update_support(model.tie_strength, hours, model.tie_u, model.tie_v,
                               *model.tie_degrees, model.degree, p.tie_maintenance, p.tie_decay,
                               got, got_support)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_support, support)


@pytest.mark.parametrize("seed,width", [(1, kernels.WIDTH), (2, kernels.WIDTH), (3, 4)])
def test_drift_and_disagreeing_are_the_numpy_reference_exactly(seed, width):
    from sim.dynamics import opinion

    model, rng = _busy_model(seed, max_follows=width)
    p, b, s = model.params, model.bonds, model.slots
    b.creator[rng.random(b.creator.shape) < 0.05] = -1  # emptied earlier in the step
    y = np.append(model.creators.opinion, 0.0)
    x = opinion.drift_opinions(model.fans.opinion, y[s.index], b.attachment, s.valid, 0.3)
    got_x = np.empty(p.n_fans)
    kernels.drift(model.fans.opinion, y, b.attachment, s.index, 0.3, got_x)
    np.testing.assert_array_equal(got_x, x)
    candidates = np.flatnonzero((rng.random(b.creator.size) < 0.5) & (b.creator.ravel() >= 0))
    prob = opinion.unfollow_probability(x[candidates // p.max_follows],
                                        y[s.flat[candidates]][:, None],
                                        b.attachment.reshape(-1)[candidates][:, None], 0.7,
                                        0.4)[:, 0]
    assert 0 < prob.max() <= 0.7 * 1.6  # some far bonds, none beyond the ceiling
    uniform = rng.random(candidates.size)
    out = np.empty(candidates.size, np.intp)
    count = kernels.disagreeing(candidates, x, y, b.attachment, s.index, 0.4, 0.7, uniform,
                                0.7 * 1.6, out)
    np.testing.assert_array_equal(out[:count], candidates[uniform * (0.7 * 1.6) < prob])


@pytest.mark.parametrize("fused", [True, False])
def test_opinion_unfollows_are_drawn_with_their_chances(fused, monkeypatch):
    """The thinned draw drops each bond with its own chance: the mean count is their sum."""
    from sim.dynamics import opinion

    if not fused:  # a replaced function: the numpy path
        monkeypatch.setattr(opinion, "unfollow_probability",
                            lambda *a: opinion._FUSED[1](*a))
    model, _ = _busy_model(7)
    p, b = model.params, model.bonds
    model.params = p = p.replace(unfollow_rate=0.2, stance_drift=0.0, opinion_influence=0.0)
    y = np.append(model.creators.opinion, 0.0)
    x = model.fans.opinion
    valid = (b.creator >= 0).ravel()
    chance = opinion._FUSED[1](x, y[model.slots.index], b.attachment, p.unfollow_rate,
                                          p.opinion_tolerance).ravel()[valid]
    counts = []
    for seed in range(200):
        m = copy.deepcopy(model)
        m.rng = np.random.default_rng(seed)
        before = m.today.unfollows
        opinion.step(m)
        counts.append(m.today.unfollows - before)
    expected, spread = chance.sum(), np.sqrt((chance * (1 - chance)).sum() / 200)
    assert expected > 20 and abs(np.mean(counts) - expected) < 4 * spread


@pytest.mark.parametrize("seed", [1, 2])
def test_fandom_exposure_and_at_least_are_the_numpy_reference_exactly(seed):
    from sim.dynamics import hostility

    model, rng = _busy_model(seed)
    b, f, s, n = model.bonds, model.fans, model.slots, model.params.n_fans
    exposure = np.append(rng.exponential(0.1, model.params.n_creators), 0.0)
    expected = hostility.community_exposure(exposure, b.attachment * ~f.banned[:, None], s.index)
    got, got_max = np.empty(n), np.empty(n, b.frustration.dtype)
    kernels.fandom_exposure(b.attachment, f.banned, exposure, s.index, b.frustration, got, got_max)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_max, row_max(b.frustration))
    out = np.empty(b.attachment.size, np.intp)
    count = kernels.at_least(b.attachment, f.banned, 0.7, out)
    np.testing.assert_array_equal(out[:count], np.flatnonzero(
        (b.attachment >= 0.7).ravel() & np.repeat(~f.banned, model.params.max_follows)))


def test_slot_index_is_the_numpy_reference_exactly():
    model, _ = _busy_model(4)
    b, n = model.bonds, model.params.n_creators
    index = np.empty_like(b.creator)
    kernels.slot_index(b.creator, n, index)
    np.testing.assert_array_equal(index, np.where(b.creator >= 0, b.creator, n))


def test_creator_table_from_the_arrays_is_what_the_agents_report():
    from sim.agents import Creator

    kw = dict(n_fans=600, n_creators=12, rng=5, creator_entry_rate=0.3, quit_rate=0.05)
    fast, slow = ParasocialModel(**kw), ParasocialModel(**kw)
    slow.datacollector.creator_table_from_arrays = False  # Mesa's per-agent attribute reads
    fast.run_for(25)
    slow.run_for(25)
    import pandas as pd

    pd.testing.assert_frame_equal(fast.datacollector.get_agenttype_vars_dataframe(Creator),
                                  slow.datacollector.get_agenttype_vars_dataframe(Creator))


@pytest.mark.parametrize("width", [kernels.WIDTH, 4])
@pytest.mark.parametrize("feed", ["chronological", "engagement", "wellbeing"])
def test_feed_posts_seen_is_the_built_in_feed_then_posts_seen_exactly(feed, width):
    model, rng = _busy_model(6, "influencer", max_follows=width)
    b, s, n, c = model.bonds, model.slots, model.params.n_fans, model.params.n_creators
    posts = np.append(rng.choice([0.0, 0.5, 1.0, 3.0], c), 0.0)
    budget = rng.choice([0.0, 1.0, 5.0, 100.0], n)
    wellbeing = rng.random(n)
    weights = attention.feed_weights(feed, posts[s.index], b.attachment, 0.8, wellbeing)
    views, seen = np.zeros(c + 1), np.empty(s.index.shape)
    kernels.posts_seen_views_into(np.ascontiguousarray(np.broadcast_to(weights, s.index.shape)),
                                  posts, budget, s.index, views, seen)
    got_views, got = np.zeros(c + 1), np.empty(s.index.shape)
    kernels.feed_posts_seen(("chronological", "engagement", "wellbeing").index(feed), b.attachment,
                            0.8, wellbeing, posts, budget, s.index, got_views, got)
    np.testing.assert_array_equal(got, seen)
    np.testing.assert_array_equal(got_views, views)


def test_end_of_day_is_the_numpy_reference_exactly():
    model, rng = _busy_model(7, "streamer")
    b, n = model.bonds, model.params.n_creators
    b.subscribed_until[rng.random(b.creator.shape) < 0.1] = int(model.time) + 3
    audience, strongest = np.empty(n), np.empty(b.attachment.shape[0], b.attachment.dtype)
    focal = np.empty(b.attachment.shape[0])
    n_valid, total, frustrated, subscribers = kernels.end_of_day(
        b.creator, b.attachment, b.reciprocity, b.frustration, b.subscribed_until,
        float(model.time), 0.1, n, audience, strongest, focal)
    valid = b.creator >= 0
    assert n_valid == np.count_nonzero(valid)
    assert total == kernels.occupied_sum(b.reciprocity, b.creator)
    assert frustrated == np.count_nonzero((b.frustration > 0.1) & valid)
    assert subscribers == np.count_nonzero((b.subscribed_until > model.time).any(axis=1))
    np.testing.assert_array_equal(
        focal, b.reciprocity[np.arange(focal.size), b.attachment.argmax(axis=1)])
    np.testing.assert_array_equal(strongest, b.attachment.max(axis=1))
    np.testing.assert_array_equal(audience, np.bincount(b.creator[valid], minlength=n)[:n])


# ---- each fused step against its numpy path on the same state (same draws, exact equality)

def _fan_state(model):
    from dataclasses import fields

    out = {f.name: getattr(model.fans, f.name).copy() for f in fields(model.fans)}
    out.update({f"bonds.{f.name}": getattr(model.bonds, f.name).copy()
                for f in fields(model.bonds)})
    out.update({f"creators.{f.name}": getattr(model.creators, f.name).copy()
                for f in fields(model.creators)})
    out["tie_strength"] = model.tie_strength.copy()
    out["strongest"] = np.asarray(model.strongest).copy()
    out["rng"] = model.rng.random(3)  # the same draws were taken
    return out


def _assert_same(fast, slow):
    a, b = _fan_state(fast), _fan_state(slow)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _pair(seed, preset, single_strongest, width=kernels.WIDTH, **kw):
    model, _ = _busy_model(seed, preset, max_follows=width)
    for name, value in kw.items():
        setattr(model, name, value)
    if single_strongest:  # as row_max leaves it after a quit or a pile-on
        model.strongest = row_max(model.bonds.attachment)
    else:
        model.strongest = row_max(model.bonds.attachment).astype(float)
    return model, copy.deepcopy(model)


@pytest.mark.parametrize("single", [True, False])
@pytest.mark.parametrize("seed,preset,contact", [(1, "influencer", 1.0), (2, "streamer", 0.3)])
def test_offline_day_is_the_numpy_step_exactly(monkeypatch, seed, preset, contact, single):
    from sim.dynamics import offline

    fast, slow = _pair(seed, preset, single, contact=contact)
    fast.fans.victimisation[:] = np.random.default_rng(seed).exponential(0.2, fast.params.n_fans)
    fast.fans.grief[:] = np.random.default_rng(seed + 1).exponential(0.1, fast.params.n_fans)
    slow.fans.victimisation[:], slow.fans.grief[:] = fast.fans.victimisation, fast.fans.grief
    offline.step(fast)
    monkeypatch.setattr(offline, "_FUSED_DAY", ())  # the numpy functions, one by one
    offline.step(slow)
    _assert_same(fast, slow)


@pytest.mark.parametrize("single", [True, False])
@pytest.mark.parametrize("feed", ["engagement", "wellbeing", "chronological"])
@pytest.mark.parametrize("preset", ["influencer", "streamer"])
def test_platform_time_is_the_numpy_attention_step_exactly(monkeypatch, preset, feed, single):
    from sim.dynamics import attention

    fast, slow = _pair(3, preset, single, contact=0.5)
    for m in (fast, slow):
        m.params = m.params.replace(feed=feed, time_limit=3.0)
    posts = fast.creators.posting_rate.copy()
    live = fast.creators.live_hours * (np.arange(posts.size) % 2)  # some streams today
    seen_fast, live_fast = attention.step(fast, posts, live)
    seen_fast = seen_fast.copy()
    monkeypatch.setattr(attention, "_FUSED", ())
    seen_slow, live_slow = attention.step(slow, posts, live)
    np.testing.assert_array_equal(seen_fast, seen_slow)
    np.testing.assert_array_equal(live_fast, live_slow)
    _assert_same(fast, slow)


@pytest.mark.parametrize("seed,width", [(1, kernels.WIDTH), (2, kernels.WIDTH), (3, 4)])
def test_fandom_hostility_is_the_numpy_hostility_step_exactly(monkeypatch, seed, width):
    from sim.dynamics import hostility, opinion

    fast, slow = _pair(seed, "politician", True, width)
    for m in (fast, slow):
        m.params = m.params.replace(harassment_rate=0.5, stalking_threshold=0.6,
                                    moderation=0.5, strikes_to_ban=1, conflict_day=1)
        m.fans.hostility[:] = np.random.default_rng(seed).random(m.params.n_fans)
        m.conflict = opinion.choose_conflict(m)  # a pile-on empties slots between the scans
    banned = fast.fans.banned.sum()
    hostility.step(fast, 1)
    monkeypatch.setattr(hostility, "_FUSED", ())
    hostility.step(slow, 1)
    assert fast.fans.banned.sum() > banned  # moderation banned fans between the two scans
    _assert_same(fast, slow)


@pytest.mark.parametrize("seed", [1, 2])
def test_unfollow_and_messages_passes_are_the_numpy_reference_exactly(monkeypatch, seed):
    from sim.dynamics import follows, interaction

    fast, slow = _pair(seed, "idol", False)
    follows.unfollow(fast)
    monkeypatch.setattr(follows, "_UNFOLLOW", None)
    follows.unfollow(slow)
    _assert_same(fast, slow)
    assert fast.today.unfollows == slow.today.unfollows > 0
    b, f, rng = fast.bonds, fast.fans, np.random.default_rng(seed)
    b.creator[rng.random(b.creator.shape) < 0.1] = -1  # emptied earlier in the step
    sent = np.flatnonzero(rng.random(b.creator.size) < 0.3)
    uniform = rng.random(sent.size)
    kept = sent[uniform < b.attachment.reshape(-1)[sent]]
    expected = kept[~f.banned[kept // b.creator.shape[1]] & (b.creator.reshape(-1)[kept] >= 0)]
    got = np.empty(sent.size, np.intp)
    got = got[:kernels.messages_free(sent, uniform, b.attachment, f.banned, b.creator, got)]
    np.testing.assert_array_equal(got, expected)
    assert expected.size > 0
    del interaction


@pytest.mark.parametrize("seed", [1, 2])
def test_purchases_with_lazy_eligibility_are_the_mask_path_exactly(monkeypatch, seed):
    from sim.dynamics import money

    fast, slow = _pair(seed, "streamer", False)
    for m in (fast, slow):
        m.params = m.params.replace(spend_propensity=0.3)
        b = m.bonds
        due = np.random.default_rng(seed).random(b.creator.shape) < 0.2
        b.subscribed_until[due & (b.creator >= 0)] = int(m.time)  # renewals due today
    ledgers = []
    for m, lazy in ((fast, True), (slow, False)):
        ledger = money.Ledger(m.bonds.creator.shape, m.fans.wallet)
        able = money.Able(m) if lazy else m.slots.valid & ~m.fans.banned[:, None]
        money.subscriptions(m, int(m.time), able, ledger)
        recognition, thanked = money.donations(m, able, m.creators.live_hours, ledger)
        money.meetings(m, int(m.time), able, ledger, recognition)
        ledgers.append((ledger, recognition.values(), thanked))
    (la, ra, ta), (lb, rb, tb) = ledgers
    assert la.bonds.size > 0
    for x, y in ((la.bonds, lb.bonds), (la.amounts, lb.amounts), (la.kinds, lb.kinds),
                 (la.budget, lb.budget), (ra[0], rb[0]), (ra[1], rb[1]), (ta, tb)):
        np.testing.assert_array_equal(x, y)
    _assert_same(fast, slow)


@pytest.mark.parametrize("prob", [0.0, 1e-300, 1e-6, 0.003, 0.2, 0.7, 1.0])
@pytest.mark.parametrize("n", [0, 1, 50, 20_000])
def test_bernoulli_positions_are_the_numpy_cumsum_exactly(n, prob):
    from sim import state

    def reference(rng, n, prob):  # the numpy expression the compiled pass replaces
        if prob <= 0.0 or n == 0:
            return np.zeros(0, dtype=np.intp)
        if prob >= 1.0:
            return np.arange(n, dtype=np.intp)
        out, start = [], -1
        while True:
            size = int(max(16, (n - start) * prob * 1.1 + 4 * np.sqrt((n - start) * prob + 1)))
            positions = start + np.cumsum(np.minimum(rng.geometric(prob, size), n + 1))
            out.append(positions[positions < n])
            if positions[-1] >= n:
                break
            start = int(positions[-1])
        return np.concatenate(out).astype(np.intp)

    for seed in range(5):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        got, expected = state.bernoulli_positions(a, n, prob), reference(b, n, prob)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        assert a.random() == b.random()  # the same draws were taken


@pytest.mark.parametrize("weights", ["heavy", "with_zeros", "one", "uniform"])
def test_weighted_picks_are_searchsorted_exactly(weights):
    from sim.dynamics.taste import guide_table
    rng = np.random.default_rng(7)
    w = {"heavy": rng.pareto(1.0, 3000), "with_zeros": np.where(rng.random(500) < 0.6, 0.0, 1.0),
         "one": np.ones(1), "uniform": np.ones(64)}[weights]
    cdf = np.cumsum(w) / w.sum()
    guide = guide_table(cdf)
    # uniforms on and just around the cells' edges, the cdf's values, and random ones
    edges = np.arange(cdf.size) / cdf.size
    u = np.concatenate([rng.random(50_000), edges, np.nextafter(edges, 1.0), np.nextafter(edges, 0.0),
                        cdf[:-1], np.nextafter(cdf[:-1], 0.0), [0.0, np.nextafter(1.0, 0.0)]])
    u = u[(u >= 0.0) & (u < 1.0)]
    got = np.empty(u.size, np.intp)
    kernels.weighted_picks(cdf, guide, u, got)
    np.testing.assert_array_equal(got, np.minimum(cdf.searchsorted(u, side="right"), cdf.size - 1))


def test_shrink_is_the_numpy_reference_and_a_collect_reads_the_end_of_day_pass():
    from sim import metrics
    from sim.state import shrink

    model, rng = _busy_model(9, "streamer")
    for dtype in (np.float32, np.float64):
        a = rng.exponential(3.0, (500, 6)).astype(dtype)
        expected = a - a / 30
        shrink(a, 30)
        np.testing.assert_array_equal(a, expected)
    # a collect right after the end of day uses that pass; any other collect its own
    model._end_of_day()
    model.datacollector.collect(model)
    again = metrics.BondSummary(model)
    row = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert row["mean_reciprocity"] == again.mean_reciprocity
    assert row["frustrated_bonds"] == again.frustrated_share
    assert getattr(model, "_pending_summary", None) is None


def test_victimised_and_refill_are_the_numpy_reference_exactly():
    rng = np.random.default_rng(11)
    n = 5000
    hits = rng.poisson(0.3, n)
    victimisation, received = rng.exponential(1.0, n), rng.integers(0, 9, n).astype(np.int32)
    last = np.full(n, -5, dtype=np.int64)
    expected_v = victimisation.copy()
    expected_v += hits - expected_v / 30.0
    expected_r = received + hits.astype(np.int32)
    expected_last = last.copy()
    expected_last[hits > 0] = 7
    kernels.victimised(hits, victimisation, received, last, 7)
    np.testing.assert_array_equal(victimisation, expected_v)
    np.testing.assert_array_equal(received, expected_r)
    np.testing.assert_array_equal(last, expected_last)
    wallet, income = rng.exponential(50.0, n), rng.exponential(2.0, n)
    np.testing.assert_array_equal(kernels.refill(wallet, income, 60.0),
                                  np.minimum(wallet + income, 30 * 2.0 * income))


def _numpy_row_max(a):
    out = a[:, 0].copy()
    for k in range(1, a.shape[1]):
        np.maximum(out, a[:, k], out=out)
    return out


def _numpy_tier_shares(strongest):
    from sim.metrics import BORDERLINE, FOCAL, INTENSE

    focal = strongest >= FOCAL
    n = focal.sum()
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0
    af = strongest[focal]
    return (float(n / strongest.size), float((af < INTENSE).mean()),
            float(((af >= INTENSE) & (af < BORDERLINE)).mean()), float((af >= BORDERLINE).mean()))


@pytest.mark.parametrize("width", [kernels.WIDTH, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_max_tiers_and_bonds_of_are_the_numpy_reference_exactly(dtype, width):
    from sim.metrics import BORDERLINE, FOCAL, INTENSE, tier_shares

    rng = np.random.default_rng(21)
    a = rng.random((3000, width)).astype(dtype)
    a[rng.random(a.shape) < 0.4] = 0.0
    a[5, 2] = np.nan  # np.maximum propagates it
    a[7, 0] = np.nan
    got = row_max(a)
    assert got.dtype == a.dtype
    np.testing.assert_array_equal(got, _numpy_row_max(a))
    strongest = _numpy_row_max(np.nan_to_num(a))
    strongest[:30] = np.array([FOCAL, INTENSE, BORDERLINE], dtype)[np.arange(30) % 3]  # the edges
    assert tier_shares(strongest) == _numpy_tier_shares(strongest)
    assert tier_shares(np.zeros(10, dtype)) == (0.0, 0.0, 0.0, 0.0)
    creator = rng.integers(-1, 40, (3000, 6))
    idx = np.array([3, 17, 39])
    chosen = np.zeros(40, bool)
    chosen[idx] = True
    got = kernels.bonds_of(creator, chosen)
    assert got.dtype == np.intp
    np.testing.assert_array_equal(got, np.flatnonzero(np.isin(creator, idx)))


def test_collect_shortcuts_are_the_numpy_reference_exactly():
    from sim import metrics

    model, rng = _busy_model(4, "streamer")
    model.fans.last_paid[:] = rng.integers(int(model.time) - 60, int(model.time) + 1,
                                           model.params.n_fans)
    assert (metrics._recent_share(model.fans.last_paid, model)
            == float(metrics._recent(model.fans.last_paid, model).mean()))
    model._end_of_day()
    model._bond_summary = metrics.BondSummary(model, model._pending_summary[1])
    reciprocity = model._bond_summary.focal_reciprocity
    focal = model.strongest >= metrics.FOCAL
    assert focal.any()
    assert metrics._focal_reciprocity(model) == float(reciprocity[focal].mean())
    model.strongest = np.zeros_like(model.strongest)
    assert metrics._focal_reciprocity(model) == 0.0


@pytest.mark.parametrize("share", [0.0, 0.2, 1.0])
def test_compress_at_least_is_boolean_indexing_exactly(share):
    rng = np.random.default_rng(3)
    values, key = rng.random(1000), rng.random(1000).astype(np.float32)
    key[: int(share * 1000)] = 1.0  # none, some or all at the threshold
    got = kernels.compress_at_least(values, key, np.float32(1.0))
    np.testing.assert_array_equal(got, values[key >= np.float32(1.0)])


@pytest.mark.parametrize("width", [0.05, 0.01, 0.3, 0.0005])
def test_suited_picks_draw_what_the_numpy_rounds_draw(width):
    from sim.dynamics.taste import TasteFit, draw_suited, reference_suited
    rng = np.random.default_rng(3)
    taste, niche = rng.random(20_000), rng.random(300)
    weights = rng.pareto(1.0, 300) * (rng.random(300) < 0.8)  # heavy, some creators at zero
    fans = rng.integers(0, taste.size, 5_000)
    fit = TasteFit(taste, niche, width)
    compiled, numpy_path = np.random.default_rng(9), np.random.default_rng(9)
    got = draw_suited(compiled, weights, fans, fit)
    want = reference_suited(numpy_path, weights, fans, fit)
    np.testing.assert_array_equal(got, want)
    assert (want == -1).any() == (width < 0.001)  # only a very narrow niche leaves fans without one
    assert compiled.random() == numpy_path.random()  # the same draws were taken


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(3))
def test_discovery_passes_are_the_numpy_reference_exactly(seed, dtype):
    from sim.dynamics import follows

    rng = np.random.default_rng(seed)
    n, k, c = 3000, 6, 9
    uniform, banned = rng.random(n), rng.random(n) < 0.2
    fans = np.empty(n, np.intp)
    fans = fans[:kernels.unbanned_below(uniform, 0.3, banned, fans)]
    np.testing.assert_array_equal(fans, np.flatnonzero(~banned & (uniform < 0.3)))
    creator = np.where(rng.random((n, k)) < 0.4, -1, rng.integers(0, c, (n, k)))
    # ties, attachments at the fade level, empty rows, full rows and a NaN
    attachment = np.where(rng.random((n, k)) < 0.5, rng.choice([0.0, 0.01, 0.02, 0.3], (n, k)),
                          rng.uniform(0.0, 0.05, (n, k))).astype(dtype)
    attachment[5, 2] = np.nan
    creator[5, :] = 1
    creator[7, :] = -1
    fans = np.unique(np.concatenate([fans, [5, 7]]))
    pick = rng.integers(-1, c, fans.size)
    expected = follows._follow_slots(creator, attachment, fans, pick, 0.02)
    t = attachment.dtype.type
    slots, picks = np.empty(fans.size, np.intp), pick.copy()
    count = kernels.follow_slots(fans, picks, creator, attachment, t(-1.0), t(0.02), slots)
    np.testing.assert_array_equal(slots[:count], expected[0])
    np.testing.assert_array_equal(picks[:count], expected[1])
    assert 0 < count < fans.size


def test_a_share_of_fans_is_the_mean_of_the_mask_exactly():
    from sim.metrics import _share

    rng = np.random.default_rng(4)
    for n in (1, 7, 8191, 8193, 100_003):
        for p in (0.0, 0.001, 0.3, 1.0):
            mask = rng.random(n) < p
            got = _share(mask)
            assert type(got) is float and got == float(mask.mean())

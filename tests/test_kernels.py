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


@pytest.mark.parametrize("with_live", [True, False])
@pytest.mark.parametrize("seed", [1, 2])
def test_bond_update_matches_the_pure_functions(seed, with_live):
    model = ParasocialModel(n_fans=2000, n_creators=20, rng=seed, absorption_reinforcement=2.0)
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
        # the reference takes exp in single precision: agreement to ~1e-7
        np.testing.assert_allclose(getattr(model.bonds, name), getattr(ref.bonds, name),
                                   rtol=1e-6, atol=1e-7, err_msg=name)
    np.testing.assert_allclose(model.strongest, ref.strongest, rtol=1e-6, atol=1e-7)


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


def _busy_model(seed, preset="politician"):
    model = ParasocialModel(preset, n_fans=1500, n_creators=15, rng=seed)
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


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_drift_and_far_is_the_numpy_reference_exactly(seed):
    from sim.dynamics import opinion

    model, rng = _busy_model(seed)
    p, b, s = model.params, model.bonds, model.slots
    b.creator[rng.random(b.creator.shape) < 0.05] = -1  # emptied earlier in the step
    y = np.append(model.creators.opinion, 0.0)
    x = opinion.drift_opinions(model.fans.opinion, y[s.index], b.attachment, s.valid, 0.3)
    far = np.flatnonzero((np.abs(x[:, None] - y[s.index]) > 0.4) & (b.creator >= 0))
    leave_p = opinion.unfollow_probability(x[far // p.max_follows], y[s.flat[far]][:, None],
                                           b.attachment.reshape(-1)[far][:, None], 0.7, 0.4)[:, 0]
    got_x, got_far, got_p = np.empty(p.n_fans), np.empty(b.creator.size, np.intp), np.empty(b.creator.size)
    count = kernels.drift_and_far(model.fans.opinion, y, b.attachment, s.index, b.creator, 0.3,
                                  0.4, 0.7, got_x, got_far, got_p)
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_far[:count], far)
    np.testing.assert_array_equal(got_p[:count], leave_p)


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


def test_audience_strongest_and_slot_index_are_the_numpy_reference_exactly():
    model, _ = _busy_model(4)
    b, n = model.bonds, model.params.n_creators
    audience, strongest = np.empty(n), np.empty(b.attachment.shape[0], b.attachment.dtype)
    kernels.audience_strongest(b.creator, b.attachment, n, audience, strongest)
    expected = np.bincount(np.where(b.creator >= 0, b.creator, n).ravel(), minlength=n + 1)[:n]
    np.testing.assert_array_equal(audience, expected.astype(float))
    np.testing.assert_array_equal(strongest, row_max(b.attachment))
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


@pytest.mark.parametrize("feed", ["chronological", "engagement", "wellbeing"])
def test_feed_posts_seen_is_the_built_in_feed_then_posts_seen_exactly(feed):
    model, rng = _busy_model(6, "influencer")
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


def test_bond_summary_is_the_numpy_reference_exactly():
    model, rng = _busy_model(7, "streamer")
    b = model.bonds
    b.subscribed_until[rng.random(b.creator.shape) < 0.1] = int(model.time) + 3
    focal = np.empty(b.attachment.shape[0])
    n_valid, total, frustrated, subscribers = kernels.bond_summary(
        b.creator, b.attachment, b.reciprocity, b.frustration, b.subscribed_until,
        float(model.time), 0.1, focal)
    valid = b.creator >= 0
    assert n_valid == np.count_nonzero(valid)
    assert total == kernels.occupied_sum(b.reciprocity, b.creator)
    assert frustrated == np.count_nonzero((b.frustration > 0.1) & valid)
    assert subscribers == np.count_nonzero((b.subscribed_until > model.time).any(axis=1))
    np.testing.assert_array_equal(
        focal, b.reciprocity[np.arange(focal.size), b.attachment.argmax(axis=1)])

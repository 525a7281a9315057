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

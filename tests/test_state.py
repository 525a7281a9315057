"""The struct-of-arrays helpers that the step relies on for exact, fast random draws."""

from __future__ import annotations

import numpy as np
import pytest

from sim.state import bernoulli_positions


@pytest.mark.parametrize("prob", [5e-324, 1e-300, 1e-20, 1e-12])
def test_bernoulli_positions_terminates_at_tiny_probabilities(prob):
    """numpy's geometric draw saturates at the int64 maximum for tiny p; the sum must not overflow."""
    rng = np.random.default_rng(0)
    for n in (1, 300, 10_000_000):
        out = bernoulli_positions(rng, n, prob)
        assert out.size <= 1 and ((out >= 0) & (out < n)).all()


@pytest.mark.parametrize("prob", [0.0, 1.0])
def test_bernoulli_positions_edges(prob):
    out = bernoulli_positions(np.random.default_rng(0), 50, prob)
    np.testing.assert_array_equal(out, np.arange(50) if prob == 1.0 else [])


@pytest.mark.parametrize("prob", [0.003, 0.05, 0.6])
def test_bernoulli_positions_match_independent_trials(prob):
    """Counts follow Binomial(n, p) and every position succeeds with probability p."""
    rng, n, reps = np.random.default_rng(1), 400, 4000
    hits = np.zeros(n)
    counts = np.empty(reps)
    for r in range(reps):
        out = bernoulli_positions(rng, n, prob)
        assert (np.diff(out) > 0).all() and out.min(initial=0) >= 0 and out.max(initial=0) < n
        hits[out] += 1
        counts[r] = out.size
    sd = np.sqrt(n * prob * (1 - prob))
    assert abs(counts.mean() - n * prob) < 5 * sd / np.sqrt(reps)
    assert abs(counts.std() - sd) < 0.1 * sd
    # per-position frequency: no position (e.g. the first or the last) is favoured
    per_position_sd = np.sqrt(prob * (1 - prob) / reps)
    assert np.abs(hits / reps - prob).max() < 5 * per_position_sd


def _drop_duplicates_by_sorting(creator):
    """The sort-based reference: repeated creators in a row emptied, first occurrence kept."""
    order = np.argsort(creator, axis=1, kind="stable")
    sorted_ = np.take_along_axis(creator, order, axis=1)
    dup_sorted = np.zeros_like(sorted_, dtype=bool)
    dup_sorted[:, 1:] = (sorted_[:, 1:] == sorted_[:, :-1]) & (sorted_[:, 1:] >= 0)
    dup = np.zeros_like(dup_sorted)
    np.put_along_axis(dup, order, dup_sorted, axis=1)
    return np.where(dup, -1, creator)


@pytest.mark.parametrize("k", [1, 2, 6, 9])
def test_drop_duplicates_matches_sorting(k):
    from sim.state import _drop_duplicates
    creator = np.random.default_rng(k).integers(-1, 4, size=(500, k))
    assert np.array_equal(_drop_duplicates(creator), _drop_duplicates_by_sorting(creator))


def test_bonds_create_follows_by_appeal_without_duplicates():
    from sim.params import make_params
    from sim.state import Bonds
    p = make_params("influencer", n_fans=20000, n_creators=5)
    appeal = np.array([0.4, 0.3, 0.2, 0.1, 0.0])
    b = Bonds.create(p, np.random.default_rng(3), appeal)
    valid = b.creator >= 0
    rows = np.sort(np.where(valid, b.creator, -1 - np.arange(p.max_follows)), axis=1)
    assert not (rows[:, 1:] == rows[:, :-1]).any()  # no creator twice in a row
    assert not (b.creator == 4).any()  # never a creator without appeal
    assert np.all(b.attachment[~valid] == 0) and np.all((b.attachment[valid] >= 0)
                                                        & (b.attachment[valid] < 0.1))
    first = b.creator[:, 0][b.creator[:, 0] >= 0]  # first picks are never dropped
    share = np.bincount(first, minlength=5) / first.size
    assert np.allclose(share, appeal, atol=0.02)

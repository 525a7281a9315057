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

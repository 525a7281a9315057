"""Mechanism 8: identity and politics: fans drift toward the views of those they follow."""

from __future__ import annotations

import numpy as np


def drift_opinions(opinion, creator_opinion, attachment, valid, influence):
    """x' = x + k * sum_j A_ij (y_j - x) / max(1, sum_j A_ij); stays in [-1, 1].

    Attachment, not argument, carries the influence (Cohen & Holbert 2021).
    """
    a = attachment * valid
    ones = np.ones(a.shape[1])  # row sums as matrix products: faster than .sum(axis=1)
    pull = ((a * (creator_opinion - opinion[:, None])) @ ones) / np.maximum(1.0, a @ ones)
    return np.clip(opinion + influence * pull, -1.0, 1.0)


def unfollow_probability(opinion, creator_opinion, attachment, rate, tolerance):
    """Daily unfollow chance: rate * max(0, |x - y| - tol) * (1 - A)^2.

    Disagreement drives detached followers away; the attached stay loyal to
    the person whatever the position.
    """
    distance = np.abs(opinion[:, None] - creator_opinion)
    return np.minimum(1.0, rate * np.maximum(0.0, distance - tolerance) * (1.0 - attachment) ** 2)

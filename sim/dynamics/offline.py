"""Mechanism 3: displacement of offline ties, loneliness and wellbeing."""

from __future__ import annotations

import numpy as np


def update_ties(strength, hours_u, hours_v, degree_u, degree_v, maintenance, decay):
    """w' = w + m * min(o_u / k_u, o_v / k_v) (1 - w) - d w.

    A tie is kept up by the offline hours both ends can give it (their
    offline time spread over their ties); neglected ties weaken.
    """
    per_tie = np.minimum(hours_u / np.maximum(degree_u, 1), hours_v / np.maximum(degree_v, 1))
    return np.clip(strength + maintenance * per_tie * (1.0 - strength) - decay * strength, 0.0, 1.0)


def social_support(strength, u, v, degree):
    """Mean strength of each fan's offline ties (0 for the isolated)."""
    n = degree.size
    total = np.bincount(u, weights=strength, minlength=n) + np.bincount(v, weights=strength,
                                                                        minlength=n)
    return np.divide(total, degree, out=np.zeros(n), where=degree > 0)


def update_loneliness(loneliness, trait, support, rate):
    """L' = L + r (L* - L), L* = (trait + (1 - support)) / 2: loneliness follows lost support."""
    target = 0.5 * (trait + (1.0 - support))
    return np.clip(loneliness + rate * (target - loneliness), 0.0, 1.0)


def wellbeing_target(support, loneliness, loneliness_mean, strongest_attachment, overuse,
                     victimisation, grief, p):
    """W* = base + w_s (support - 1/2) - w_L (L - mean L) + comfort * min(1, 2 A_max)
    - c_over * overuse - h_harass * victimisation - h_grief * grief, clipped to [0, 1].

    Moderate parasocial bonds comfort (Derrick et al. 2009); overuse of free
    time, harassment and breakup grief harm.
    """
    w = (p.wellbeing_base + p.support_weight * (support - 0.5)
         - p.loneliness_weight * (loneliness - loneliness_mean)
         + p.parasocial_comfort * np.minimum(1.0, 2.0 * strongest_attachment)
         - p.overuse_cost * overuse - p.harassment_harm * victimisation - p.grief_harm * grief)
    return np.clip(w, 0.0, 1.0)


def overuse(platform_hours, free_time):
    """Share of free time on the platform beyond half of it."""
    return np.maximum(0.0, platform_hours / free_time - 0.5)


def relax(value, target, rate):
    """First-order approach of a state to its target: x' = x + r (x* - x)."""
    return value + rate * (target - value)

"""Mechanisms 1 and 4: the parasocial bond and its one-and-a-half-sided reciprocity.

Attachment A, perceived reciprocity R, expectation E and frustration F live on
each fan -> creator bond and stay in [0, 1].
"""

from __future__ import annotations

import numpy as np


def stimulus(seen, disclosure, address, live_watched, recognitions,
             disclosure_weight, address_weight, live_weight, recognition_weight):
    """Daily parasocial stimulus of a bond.

    s = seen * (1 + w_d * d + w_a * a) + w_l * live_hours + w_r * recognitions
    Self-disclosure d and direct address a make each post feel personal;
    live streams and being recognised by name weigh most.
    """
    per_post = 1.0 + disclosure_weight * disclosure + address_weight * address
    return seen * per_post + live_weight * live_watched + recognition_weight * recognitions


def susceptibility_gain(attachment_gain, absorption, absorption_power, loneliness,
                        loneliness_mean, loneliness_effect, literacy, literacy_effect):
    """Per-fan gain: g = g0 * absorption^k * (1 + e_L (L - mean L)) * (1 - e_lit * literacy).

    Highly absorbed fans escalate (k > 1, absorption-addiction model);
    loneliness enters only weakly (Tukachinsky et al. 2020 find r ~ 0.1);
    media literacy damps the bond.
    """
    lonely = 1.0 + loneliness_effect * (loneliness - loneliness_mean)
    return (attachment_gain * absorption**absorption_power * np.maximum(lonely, 0.0)
            * (1.0 - literacy_effect * literacy))


def saturating_update(level, drive, decay):
    """x' = x + (1 - x)(1 - exp(-drive)) - decay * x: saturates at 1, decays to 0, stays in [0, 1]."""
    # exp in single precision: 4x faster, and 1e-7 relative error is far below the model's noise.
    saturation = -np.expm1(-np.asarray(drive, dtype=np.float32))
    return np.clip(level + (1.0 - level) * saturation - decay * level, 0.0, 1.0)


def reply_probability(requests, capacity):
    """Chance that one message gets a personal reply: capacity shared among all requests."""
    return np.minimum(1.0, capacity / np.maximum(requests, 1.0))


def expectation(attachment, recent_spend, monthly_means, spend_weight, boundaries):
    """Expected recognition: E = min(1, A^2 (1 + w * spend30 / (30 * income)) (1 - b)).

    Only strongly attached fans expect to be noticed; paying makes them feel
    entitled to it; a creator's clear boundaries b keep expectations realistic.
    """
    ratio = recent_spend / np.maximum(monthly_means, 1e-9)
    return np.minimum(1.0, attachment**2 * (1.0 + spend_weight * ratio) * (1.0 - boundaries))


def unmet_expectation(expected, reciprocity):
    """Gap between the recognition a fan expects and the reciprocity they perceive."""
    return np.maximum(0.0, expected - reciprocity)

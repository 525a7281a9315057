"""Mechanism 1: the parasocial bond. Exposure builds attachment, recognition builds
perceived reciprocity, and expectations the creator cannot meet become frustration.

Attachment A, perceived reciprocity R, expectation E and frustration F live on
each fan -> creator bond and stay in [0, 1].
"""

from __future__ import annotations

import math

import numpy as np

from sim import kernels
from sim.dynamics.money import MONTH
from sim.state import SINGLE, row_max, scratch


def stimulus(seen, disclosure, address, live_watched, recognitions,
             disclosure_weight, address_weight, live_weight, recognition_weight, post_satiation):
    """Daily parasocial stimulus of a bond.

    s = n / (1 + n / n_sat) * (1 + w_d * d + w_a * a) + w_l * live_hours + w_r * recognitions
    with n the posts seen today. A fan sated with one creator's posts takes less
    from each further one (n_sat = post_satiation, inf: none); self-disclosure d
    and direct address a make each post feel personal; live streams and being
    recognised by name weigh most.
    """
    sated = seen / (1.0 + seen / post_satiation)
    per_post = 1.0 + disclosure_weight * disclosure + address_weight * address
    return sated * per_post + live_weight * live_watched + recognition_weight * recognitions


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


def reinforcement(absorption, attachment, strength):
    """Self-reinforcing attachment: 1 + r * absorption * A.

    In the absorption-addiction model (McCutcheon et al. 2002) absorption-prone
    fans are drawn further in by the attachment they already have, so the bond
    escalates for them while casual fans stay at the entertainment level.
    """
    return 1.0 + strength * absorption[:, None] * attachment


def saturating_update(level, drive, decay):
    """x' = x + (1 - x)(1 - exp(-drive)) - decay * x: saturates at 1, decays to 0, stays in [0, 1]."""
    # exp in single precision: 4x faster, and 1e-7 relative error is far below the model's
    # noise; on the single-precision bond arrays the rest is single precision too.
    saturation = -np.expm1(-np.asarray(drive, dtype=np.float32))
    return np.clip(level + (1.0 - level) * saturation - decay * level, 0.0, 1.0)


def expectation(attachment, recent_spend, monthly_means, reciprocity, spend_weight,
                reciprocity_weight, boundaries):
    """Expected recognition: E = min(1, A^2 (1 + w_s spend30 / (30 income) + w_R R) (1 - b)).

    Only strongly attached fans expect to be noticed; paying makes them feel
    entitled to it, and recognition received raises what they expect next
    (Kowert & Daniel 2021); a creator's clear boundaries b keep expectations realistic.
    """
    ratio = recent_spend / np.maximum(monthly_means, 1e-9)
    return np.minimum(1.0, attachment**2 * (1.0 + spend_weight * ratio + reciprocity_weight
                                            * reciprocity) * (1.0 - boundaries))


def unmet_expectation(expected, reciprocity):
    """Gap between the recognition a fan expects and the reciprocity they perceive."""
    return np.maximum(0.0, expected - reciprocity)


def step(model, seen, live, recognitions) -> None:
    """Attachment, perceived reciprocity and frustration of every bond after today's contact.

    Empty slots have no stimulus and zero state, so they stay at zero. The
    bond arrays are updated in place, block of rows by block, in three compiled
    passes (:func:`sim.kernels.bond_drives`, :func:`~sim.kernels.bond_levels`,
    :func:`~sim.kernels.frustration_levels`) around numpy's vectorised float32
    ``expm1``, which compute exactly :func:`stimulus`, :func:`reinforcement`,
    :func:`saturating_update`, :func:`expectation` and :func:`unmet_expectation`
    for each bond, rounded as they round (see :func:`reference_step`). If
    one of those functions has been replaced (a test disconnecting a mechanism,
    an experiment), the step runs :func:`reference_step`, which calls them.
    """
    if (stimulus, reinforcement, saturating_update, expectation, unmet_expectation) != _FUSED:
        return reference_step(model, seen, live, recognitions)  # a formula was replaced
    p, f, b, c, s = model.params, model.fans, model.bonds, model.creators, model.slots
    if susceptibility_gain is _GAIN:  # the same products in one compiled pass, the power kept
        gain = kernels.susceptibility(_static_gain(model), f.loneliness, p.loneliness_mean,
                                      p.loneliness_effect, f.literacy, p.literacy_effect)
    else:
        gain = susceptibility_gain(p.attachment_gain, f.absorption, p.absorption_power,
                                   f.loneliness, p.loneliness_mean, p.loneliness_effect,
                                   f.literacy, p.literacy_effect)
    per_post = np.append(1.0 + p.disclosure_weight * c.disclosure + p.address_weight * c.address,
                         0.0)  # stimulus per post seen, padding creator last
    strongest = np.empty(b.attachment.shape[0])
    work = scratch(model)
    reused = work.owns("recognitions", recognitions)  # the step's buffer: left zero for tomorrow
    t = b.attachment.dtype.type  # numpy rounds the constants' products with the bonds so
    n, k = b.attachment.shape
    rows = max(1, _BLOCK // k)
    drives = work.get("drives", (2, min(rows, n), k), SINGLE)
    live_ = _EMPTY if live is None else live
    means, boundaries = MONTH * f.income, np.append(c.boundaries, 0.0)
    satiation = float(p.post_satiation)
    power_of_two = math.frexp(satiation)[0] == 0.5  # then dividing by it is exact as a product
    for lo in range(0, n, rows):
        r = slice(lo, min(lo + rows, n))
        d = drives[:, : r.stop - lo]
        kernels.bond_drives(s.index[r], b.attachment[r], seen[r], live_[r], live is not None,
                            recognitions[r], gain[r], f.absorption[r], per_post,
                            satiation, power_of_two, p.live_weight,
                            p.recognition_weight, p.absorption_reinforcement,
                            p.reciprocity_gain, d)
        np.expm1(d, out=d)  # attachment's and reciprocity's, vectorised as the reference
        kernels.bond_levels(s.index[r], b.attachment[r], b.reciprocity[r], b.recent_spend[r],
                            recognitions[r], means[r], boundaries, t(p.attachment_decay),
                            t(p.reciprocity_decay), t(1.0 - p.reciprocity_decay),
                            t(p.expectation_reciprocity_weight), p.expectation_spend_weight,
                            p.frustration_gain, d, strongest[r], reused)
        np.expm1(d[0], out=d[0])  # frustration's
        kernels.frustration_levels(b.frustration[r], d[0], t(p.frustration_decay))
    if reused:
        work.zeroed("recognitions")
    model.strongest = strongest  # today's bonds pull and comfort from now on


_EMPTY = np.zeros((0, 0))
_BLOCK = 2**15  # bonds per block: a block's drives (256 kB) stay in cache between its passes
_GAIN = susceptibility_gain


def _static_gain(model):
    """The factor of :func:`susceptibility_gain` that does not change from day to day,
    ``g0 * absorption^k`` (computed as there: the power is most of the gain's cost).

    Kept between steps while the parameters and the fans' absorption are unchanged
    (compared value by value: an intervention may change them).
    """
    p, f = model.params, model.fans
    key = (p.attachment_gain, p.absorption_power)
    kept = getattr(model, "_gain_factor", None)
    if kept is None or kept[0] != key or not np.array_equal(kept[1], f.absorption):
        kept = model._gain_factor = (key, f.absorption.copy(),
                                     p.attachment_gain * f.absorption**p.absorption_power)
    return kept[2]
_FUSED = (stimulus, reinforcement, saturating_update, expectation, unmet_expectation)


def reference_step(model, seen, live, recognitions) -> None:
    """:func:`step` as whole-array numpy passes over the pure functions (the tested reference).

    Like :func:`step` it updates the bond arrays in place, keeping their dtypes.
    """
    p, f, b, c, s = model.params, model.fans, model.bonds, model.creators, model.slots
    stim = stimulus(seen, s.gather(c.disclosure), s.gather(c.address),
                    0.0 if live is None else live, recognitions,
                    p.disclosure_weight, p.address_weight, p.live_weight, p.recognition_weight,
                    p.post_satiation)
    gain = susceptibility_gain(p.attachment_gain, f.absorption, p.absorption_power,
                               f.loneliness, p.loneliness_mean, p.loneliness_effect,
                               f.literacy, p.literacy_effect)
    drive = gain[:, None] * stim * reinforcement(f.absorption, b.attachment,
                                                 p.absorption_reinforcement)
    b.attachment[...] = saturating_update(b.attachment, drive, p.attachment_decay)
    recognised = np.flatnonzero(recognitions)
    level = b.reciprocity.reshape(-1)[recognised]
    b.reciprocity *= 1.0 - p.reciprocity_decay  # no recognition today: decay only
    b.reciprocity.reshape(-1)[recognised] = saturating_update(
        level, p.reciprocity_gain * recognitions.reshape(-1)[recognised], p.reciprocity_decay)
    expected = expectation(b.attachment, b.recent_spend, MONTH * f.income[:, None], b.reciprocity,
                           p.expectation_spend_weight, p.expectation_reciprocity_weight,
                           s.gather(c.boundaries))
    gap = unmet_expectation(expected, b.reciprocity)
    b.frustration[...] = saturating_update(b.frustration, p.frustration_gain * gap,
                                           p.frustration_decay)
    model.strongest = row_max(b.attachment)

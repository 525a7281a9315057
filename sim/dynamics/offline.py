"""Mechanism 3: displacement of offline ties, loneliness and wellbeing.

Time on the platform is not spent with offline ties, which weaken when
neglected; a lockdown removes offline contact and moves part of that time to
the platform; parasocial bonds relieve loneliness a little, less than real ties.
"""

from __future__ import annotations

import numpy as np

from sim import kernels


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


def felt_support(support, strongest_attachment, surrogacy):
    """Support as felt: s + surrogacy * min(1, A_max) * (1 - s).

    A parasocial bond fills part of the gap that missing offline support leaves
    (social surrogacy, Derrick, Gabriel & Hugenberg 2009), never more than a
    real tie would (surrogacy < 1).
    """
    return support + surrogacy * np.minimum(1.0, strongest_attachment) * (1.0 - support)


def update_loneliness(loneliness, trait, support, rate):
    """L' = L + r (L* - L), L* = (trait + (1 - support)) / 2: loneliness follows lost support."""
    target = 0.5 * (trait + (1.0 - support))
    return np.clip(loneliness + rate * (target - loneliness), 0.0, 1.0)


def displaced_hours(free_time, platform_hours, contact, compensation):
    """Offline hours a lockdown removes that move to the platform (Bond 2021).

    Of the offline time (free time - platform time) a share 1 - contact is lost
    to the lockdown; a share `compensation` of that loss is spent online instead.
    """
    return compensation * (1.0 - contact) * np.maximum(0.0, free_time - platform_hours)


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


_FUSED = (update_ties, social_support)
_FUSED_DAY = (update_ties, social_support, felt_support, update_loneliness, wellbeing_target,
              overuse, relax)


def step(model) -> None:
    """Offline ties, loneliness and wellbeing follow the time left for real life.

    One compiled pass (:func:`sim.kernels.offline_day`, the same operations in
    the same order) unless one of the functions above has been replaced.
    """
    p, f = model.params, model.fans
    a = model.strongest
    if (update_ties, social_support, felt_support, update_loneliness, wellbeing_target, overuse,
            relax) == _FUSED_DAY and a.dtype in (np.float32, np.float64):
        n = p.n_fans
        hours, strength = np.empty(n), np.empty_like(model.tie_strength)
        support, loneliness, wellbeing = np.empty(n), np.empty(n), np.empty(n)
        t = a.dtype.type
        kernels.offline_day(
            f.platform_hours, p.free_time, model.contact, model.tie_strength, model.tie_u,
            model.tie_v, *model.tie_degrees, model.degree, p.tie_maintenance, p.tie_decay, a,
            t(1.0), t(p.surrogacy), t(2.0), t(p.parasocial_comfort), f.loneliness,
            f.loneliness_trait, p.loneliness_rate, p.loneliness_mean, f.grief,
            1.0 - p.grief_decay, f.victimisation, f.wellbeing, p.wellbeing_rate,
            p.wellbeing_base, p.support_weight, p.loneliness_weight, p.overuse_cost,
            p.harassment_harm, p.grief_harm, hours, strength, support, loneliness, wellbeing)
        f.offline_hours, model.tie_strength, f.support = hours, strength, support
        f.loneliness, f.wellbeing = loneliness, wellbeing
        return
    f.offline_hours = (p.free_time - f.platform_hours) * model.contact
    u, v = model.tie_u, model.tie_v
    if (update_ties, social_support) == _FUSED:  # one compiled pass, same results
        strength, support = np.empty_like(model.tie_strength), np.empty(p.n_fans)
        kernels.tie_update_support(model.tie_strength, f.offline_hours, u, v, *model.tie_degrees,
                                   model.degree, p.tie_maintenance, p.tie_decay, strength,
                                   support)
        model.tie_strength, f.support = strength, support
    else:
        model.tie_strength = update_ties(model.tie_strength, f.offline_hours[u],
                                         f.offline_hours[v], *model.tie_degrees,
                                         p.tie_maintenance, p.tie_decay)
        f.support = social_support(model.tie_strength, u, v, model.degree)
    f.loneliness = update_loneliness(f.loneliness, f.loneliness_trait,
                                     felt_support(f.support, model.strongest, p.surrogacy),
                                     p.loneliness_rate)
    f.grief *= 1.0 - p.grief_decay
    target = wellbeing_target(f.support, f.loneliness, p.loneliness_mean, model.strongest,
                              overuse(f.platform_hours, p.free_time), f.victimisation, f.grief, p)
    f.wellbeing = np.clip(relax(f.wellbeing, target, p.wellbeing_rate), 0.0, 1.0)

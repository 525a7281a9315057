"""Mechanism 6: from unmet expectations to hostility, harassment and stalking."""

from __future__ import annotations

import numpy as np


def fandom_mean(values, weights, creator_index, n_creators):
    """Weighted mean of a fan-level value over each creator's followers (bincount scatter).

    `values` is per fan, `weights` per bond (fans, slots), `creator_index` each
    bond's creator with empty slots pointing at the padding index `n_creators`.
    """
    flat = creator_index.reshape(-1)
    num = np.bincount(flat, weights=(weights * values[:, None]).reshape(-1), minlength=n_creators + 1)
    den = np.bincount(flat, weights=weights.reshape(-1), minlength=n_creators + 1)
    return np.divide(num, den, out=np.zeros(n_creators + 1), where=den > 0)[:n_creators]


def visible_share(moderation):
    """Share of a fandom's hostility that its members see: 1 - moderation.

    Hostility spreads through what people read (exposure to earlier trolling
    makes trolling more likely, Cheng et al. 2017); moderation removes the
    detected share of incidents before anyone sees them.
    """
    return 1.0 - moderation


def update_hostility(hostility, frustration_max, community, gain, contagion, decay,
                     literacy, literacy_effect):
    """H' = H + [g F_max (1 - e_lit lit) + c max(0, H_community - H)] (1 - H) - d H.

    Frustration with the creators one follows and the hostility of one's
    fandom both push a fan toward hostility; literacy damps the first.
    """
    drive = (gain * frustration_max * (1.0 - literacy_effect * literacy)
             + contagion * np.maximum(0.0, community - hostility))
    return np.clip(hostility + drive * (1.0 - hostility) - decay * hostility, 0.0, 1.0)


def harassment_probability(hostility, rate):
    """Daily chance that a fan harasses someone: min(1, rate * H^2), so only the most hostile act."""
    return np.minimum(1.0, rate * hostility**2)


def target_weights(frustration, targeting):
    """Which followed creator a harasser turns on: weight F_ij * g_j (identity targeting g)."""
    return frustration * targeting


def stalking_probability(attachment, frustration, met, threshold, rate, meeting_boost):
    """Daily chance of stalking or intrusion on a bond.

    p = rate * F * [A >= threshold] * (boost if met in person else 1): only the
    most extreme attachment escalates, more so after in-person contact.
    """
    boost = np.where(met, meeting_boost, 1.0)
    return np.minimum(1.0, rate * frustration * (attachment >= threshold) * boost)

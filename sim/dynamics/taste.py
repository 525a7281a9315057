"""Taste fit (ODD 7.2): fans follow creators whose content suits their interests.

A fan's taste and a creator's niche are positions on a circle of circumference 1;
`taste_fit` is the chance that a fan takes to a creator, and `draw_suited` draws
creators by a weight (appeal, the feed's ranking) times that chance, for the
initial follows and for each day's recommendations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import kernels

SUITED_DRAWS = 50  # candidates drawn per fan before it is left without a suited creator


def taste_fit(taste, niche, width):
    """Chance that a fan takes to a creator's content: exp(-d^2 / 2 width^2).

    d is the distance on the circle of circumference 1 between the fan's taste and
    the creator's niche (at most 1/2). Fans follow creators of their interests, so
    a creator's possible audience is its niche, not the whole platform; an infinite
    width makes every creator suit every fan.
    """
    if not np.isfinite(width):
        return np.ones(np.broadcast_shapes(np.shape(taste), np.shape(niche)))
    d = np.abs(np.asarray(taste) - niche)
    d = np.minimum(d, 1.0 - d)
    return np.exp(-0.5 * (d / width) ** 2)


@dataclass(frozen=True)
class TasteFit:
    """`fit(fans, creators)` for :func:`draw_suited`: the taste fit of those fans to those creators."""

    taste: np.ndarray  # per fan
    niche: np.ndarray  # per creator
    width: float

    def __call__(self, fans, creators):
        return taste_fit(self.taste[fans], self.niche[creators], self.width)


def guide_table(cdf):
    """For :func:`sim.kernels.weighted_picks`: the pick of each uniform ``g / cdf.size``."""
    return np.minimum(cdf.searchsorted(np.arange(cdf.size) / cdf.size, side="right"), cdf.size - 1)


def draw_suited(rng, weights, fans, fit=None):
    """One creator per entry of `fans`, with probability proportional to weights x fit.

    `fit(fans, creators)` is the chance that a creator suits a fan (a :class:`TasteFit`);
    without it, by `weights` alone. Drawn by rejection: a candidate drawn by `weights`
    is kept with probability fit, else another is drawn, up to `SUITED_DRAWS` times; a
    fan left without one gets -1. The taste fit's rounds run in one compiled pass
    (:func:`sim.kernels.suited_picks`, the same draws).
    """
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    guide = guide_table(cdf)

    def by_weight(size):
        pick = np.empty(size, np.intp)
        kernels.weighted_picks(cdf, guide, rng.random(size), pick)
        return pick

    if fit is None:
        return by_weight(fans.size)
    pick = np.full(fans.size, -1, dtype=np.intp)
    if (isinstance(fit, TasteFit) and taste_fit is _TASTE_FIT and np.isfinite(fit.width)
            and fit.taste.dtype == fit.niche.dtype == np.float64):
        kernels.suited_picks(cdf, guide, fans, fit.taste, fit.niche, float(fit.width), rng,
                             SUITED_DRAWS, pick)
        return pick
    pending = np.arange(fans.size)
    for _ in range(SUITED_DRAWS):
        candidate = by_weight(pending.size)
        taken = rng.random(pending.size) < fit(fans[pending], candidate)
        pick[pending[taken]] = candidate[taken]
        pending = pending[~taken]
        if pending.size == 0:
            break
    return pick


_TASTE_FIT = taste_fit

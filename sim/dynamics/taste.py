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

WINDOW = 3.0  # taste widths either side of a fan's taste where the proposal is by weight alone
ROUNDS = 1000  # proposals per fan before it is left without a suited creator (see draw_suited)


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
    """The fans' tastes, the creators' niches and the width of :func:`taste_fit`."""

    taste: np.ndarray  # per fan
    niche: np.ndarray  # per creator
    width: float

    def __call__(self, fans, creators):
        return taste_fit(self.taste[fans], self.niche[creators], self.width)


def guide_table(cdf):
    """For :func:`sim.kernels.weighted_picks`: the pick of each uniform ``g / cdf.size``."""
    return np.minimum(cdf.searchsorted(np.arange(cdf.size) / cdf.size, side="right"), cdf.size - 1)


@dataclass(frozen=True)
class Envelope:
    """What :func:`draw_suited` proposes from, for some fans.

    The creators sorted by niche are laid out three times round (niche - 1, niche,
    niche + 1) with the cumulative weight along that line, so that any arc of the
    circle is one run of positions: fan t's window is [start[t], end[t]) and the
    rest of the circle [end[t], start[t] + n). Inside the window the envelope of the
    fit is 1, beyond it `edge`, the fit at the window's edge.
    """

    order: np.ndarray  # creator at each position of one lap
    cumulative: np.ndarray  # weight before each position, 3n + 1
    start: np.ndarray  # per fan
    end: np.ndarray  # per fan
    edge: float

    @classmethod
    def of(cls, weights, taste, fit):
        order = np.argsort(fit.niche, kind="stable")
        niche = np.asarray(fit.niche, np.float64)[order]
        laps = np.concatenate([niche - 1.0, niche, niche + 1.0])
        w = np.asarray(weights, np.float64)[order] / np.sum(weights)
        cumulative = np.concatenate([[0.0], np.cumsum(np.tile(w, 3))])
        half = WINDOW * fit.width
        if half >= 0.5:  # the window is the whole circle
            start = laps.searchsorted(taste - 0.5, side="left")
            return cls(order, cumulative, start, start + order.size, 0.0)
        return cls(order, cumulative, laps.searchsorted(taste - half, side="left"),
                   laps.searchsorted(taste + half, side="right"), float(np.exp(-0.5 * WINDOW**2)))

    def masses(self):
        """Per fan, the weight inside the window and the envelope's weight beyond it."""
        c = self.cumulative
        return c[self.end] - c[self.start], self.edge * (c[self.start + self.order.size] - c[self.end])


def draw_suited(rng, weights, fans, fit=None):
    """One creator per entry of `fans`, with probability proportional to weights x fit.

    `fit` is a :class:`TasteFit`; without it (or with an infinite width), by
    `weights` alone. Drawn exactly, by rejection from an envelope of the fit:
    creators within ``WINDOW`` widths of the fan's taste are proposed by weight,
    those beyond by weight times the fit at the window's edge (which bounds their
    fit), and a proposal is kept with probability fit over envelope. About four
    proposals in ten are kept for evenly weighted creators, and weights
    concentrated outside the fan's niche no longer exhaust the search (as
    proposals by platform-wide weight did); a fan whose suited creators all have
    (almost) no weight, so that ``ROUNDS`` proposals find none, gets -1. One compiled pass
    (:func:`sim.kernels.suited_picks`) draws what :func:`reference_suited` draws.
    """
    if fit is None or not np.isfinite(fit.width):
        cdf = np.cumsum(weights)
        cdf /= cdf[-1]
        pick = np.empty(fans.size, np.intp)
        kernels.weighted_picks(cdf, guide_table(cdf), rng.random(fans.size), pick)
        return pick
    taste = np.asarray(fit.taste, np.float64)[fans]
    env = Envelope.of(weights, taste, fit)
    inside, outside = env.masses()
    pick = np.full(fans.size, -1, dtype=np.intp)
    kernels.suited_picks(env.order, env.cumulative, env.start, env.end, inside, outside, env.edge,
                         taste, np.asarray(fit.niche, np.float64), float(fit.width), rng, ROUNDS,
                         pick)
    return pick


def reference_suited(rng, weights, fans, fit):
    """:func:`draw_suited`'s draws in numpy rounds, the compiled pass's reference: each
    round one uniform per fan still without a creator (its proposal), then one per
    such fan (kept with probability fit over envelope)."""
    taste = np.asarray(fit.taste, np.float64)[fans]
    env = Envelope.of(weights, taste, fit)
    inside, outside = env.masses()
    c, n = env.cumulative, env.order.size
    pick = np.full(fans.size, -1, dtype=np.intp)
    pending = np.flatnonzero(inside + outside > 0)
    for _ in range(ROUNDS):
        if pending.size == 0:
            break
        s, e, i, o = env.start[pending], env.end[pending], inside[pending], outside[pending]
        mass = rng.random(pending.size) * (i + o)
        beyond = (mass >= i) & (o > 0)
        excess = (mass - i) / env.edge if env.edge > 0 else np.zeros(pending.size)
        target = np.where(beyond, c[e] + excess, c[s] + mass)
        lo, hi = np.where(beyond, e, s), np.where(beyond, s + n, e)
        position = np.clip(c.searchsorted(target, side="right") - 1, lo, hi - 1)
        empty = c[position + 1] == c[position]  # rounding put it on a creator without weight
        position[empty] = np.maximum(c.searchsorted(c[position[empty]], side="left") - 1, lo[empty])
        creator = env.order[position % n]
        chance = taste_fit(taste[pending], fit.niche[creator], fit.width)
        taken = rng.random(pending.size) * np.where(beyond, env.edge, 1.0) < chance
        pick[pending[taken]] = creator[taken]
        pending = pending[~taken]
    return pick

"""Mechanism 2 (continued): who follows whom. Faded and frustrated bonds are unfollowed;
the platform recommends new creators by its feed policy, and fans follow those whose
content suits their taste into free slots."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.dynamics import attention
from sim.dynamics.hostility import fandom_mean
from sim.dynamics.taste import TasteFit, draw_suited
from sim.state import bernoulli_positions

NEW_FOLLOW = 0.05  # attachment of a new follow: curiosity, above the fade level


def fit_of(model):
    """The fans' fit to the creators for :func:`sim.dynamics.taste.draw_suited`, or None if
    every creator fits."""
    p = model.params
    if not np.isfinite(p.taste_width):
        return None
    return TasteFit(model.fans.taste, model.creators.niche, p.taste_width)


def unfollow_probability(attachment, frustration, fade_level, fade_rate, frustration_rate):
    """Daily unfollow chance: fade_rate [A < fade_level] + frustration_rate * F^2.

    A bond whose attachment has faded is dropped at a steady rate; a frustrated
    one is dropped the faster the more frustrated the fan (unmet expectations).
    """
    return np.minimum(1.0, fade_rate * (attachment < fade_level) + frustration_rate * frustration**2)


def unfollow(model) -> None:
    """Drop faded and frustrated bonds (drawn for a few candidates, then thinned exactly)."""
    p, b, rng = model.params, model.bonds, model.rng
    ceiling = min(1.0, p.fade_unfollow + p.frustration_unfollow)
    candidates = bernoulli_positions(rng, b.creator.size, ceiling)
    if (unfollow_probability is _UNFOLLOW and b.attachment.dtype == b.frustration.dtype
            and b.attachment.dtype in (np.float32, np.float64) and b.creator.flags.c_contiguous
            and b.attachment.flags.c_contiguous and b.frustration.flags.c_contiguous):
        # the same filter, probabilities and draw, in two compiled passes
        candidates = candidates[:kernels.occupied_of(candidates, b.creator, candidates)]
        t = b.attachment.dtype.type
        leave = np.empty(candidates.size, np.intp)
        leave = leave[:kernels.fade_or_frustration(
            candidates, b.attachment, b.frustration, t(p.fade_level), p.fade_unfollow,
            t(p.frustration_unfollow), rng.random(candidates.size), ceiling, leave)]
        model.today.unfollows += int(leave.size)
        b.clear_flat(leave)
        return
    candidates = candidates[b.creator.reshape(-1)[candidates] >= 0]
    prob = unfollow_probability(b.attachment.reshape(-1)[candidates], b.frustration.reshape(-1)[candidates],
                                p.fade_level, p.fade_unfollow, p.frustration_unfollow)
    leave = candidates[rng.random(candidates.size) * ceiling < prob]  # distinct, sorted
    model.today.unfollows += int(leave.size)
    b.clear_flat(leave)


def discover(model) -> None:
    """The platform recommends a creator suited to the fan's taste (drawn by the feed's
    weights times fit); the fan follows it into a free or faded slot.

    A new follow starts at `NEW_FOLLOW` attachment (above `fade_level`, so it is
    not dropped before it has had a chance).
    """
    p, f, b, c, rng = model.params, model.fans, model.bonds, model.creators, model.rng
    hostile = (fandom_mean(f.hostility, b.attachment, model.slots.index, p.n_creators)
               if p.feed == "wellbeing" else 0.0)
    probs = attention.recommendation_weights(p.feed, c.appeal, c.posts, c.engagement,
                                             p.popularity_bias, hostile, c.active)
    if probs.sum() == 0:
        return
    fans = np.empty(p.n_fans, np.intp)  # np.flatnonzero(~banned & (uniform < rate)), compiled
    fans = fans[:kernels.unbanned_below(rng.random(p.n_fans), p.discovery_rate, f.banned, fans)]
    pick = draw_suited(rng, probs, fans, fit_of(model))
    if (b.attachment.dtype in (np.float32, np.float64) and b.creator.flags.c_contiguous
            and b.attachment.flags.c_contiguous):  # the same choice in one compiled pass
        t = b.attachment.dtype.type
        slots = np.empty(fans.size, np.intp)
        count = kernels.follow_slots(fans, pick, b.creator, b.attachment, t(-1.0),
                                     t(p.fade_level), slots)
        slots, pick = slots[:count], pick[:count]
    else:
        slots, pick = _follow_slots(b.creator, b.attachment, fans, pick, p.fade_level)
    b.reset_flat(slots)
    b.creator.reshape(-1)[slots] = pick
    b.attachment.reshape(-1)[slots] = NEW_FOLLOW
    model.today.follows += int(slots.size)


def _follow_slots(creator, attachment, fans, pick, fade_level):
    """Where each of `fans` follows its `pick` (a creator, or -1 for none): its weakest slot,
    an empty one counting as -1 (the first on ties), if that slot's attachment is below
    `fade_level` and the fan does not follow the pick already.

    Returns (flat bond indices, the picks followed there) of the fans who follow.
    """
    rows = creator[fans]
    fresh = (pick >= 0) & ~(rows == pick[:, None]).any(axis=1)
    strength = np.where(rows >= 0, attachment[fans], -1.0)
    slot = strength.argmin(axis=1)
    open_slot = strength[np.arange(fans.size), slot] < fade_level
    ok = fresh & open_slot
    return fans[ok] * creator.shape[1] + slot[ok], pick[ok]


def step(model) -> None:
    """Today's unfollows, then today's recommendations."""
    unfollow(model)
    discover(model)


_UNFOLLOW = unfollow_probability

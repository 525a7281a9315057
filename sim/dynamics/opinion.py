"""Mechanism 8: identity and politics. Fans drift toward the views of those they follow,
follow a politician's stance shifts out of loyalty, and join the pile-ons of the
leaders they are loyal to and agree with."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.params import CREATOR_KINDS
from sim.state import row_sum, scratch

POLITICIAN = CREATOR_KINDS.index("politician")


def drift_opinions(opinion, creator_opinion, attachment, valid, influence):
    """x' = x + k * sum_j A_ij (y_j - x) / max(1, sum_j A_ij); stays in [-1, 1].

    Attachment, not argument, carries the influence (Cohen & Holbert 2021).
    """
    a = attachment * valid
    toward = creator_opinion - opinion[:, None]
    toward *= a
    pull = row_sum(toward) / np.maximum(1.0, row_sum(a))
    return np.clip(opinion + influence * pull, -1.0, 1.0)


def unfollow_probability(opinion, creator_opinion, attachment, rate, tolerance):
    """Daily unfollow chance: rate * max(0, |x - y| - tol) * (1 - A)^2.

    Disagreement drives detached followers away; the attached stay loyal to
    the person whatever the position.
    """
    distance = np.abs(opinion[:, None] - creator_opinion)
    return np.minimum(1.0, rate * np.maximum(0.0, distance - tolerance) * (1.0 - attachment) ** 2)


def shift_stances(opinion, kind, drift, rng):
    """Politicians' stances wander (s.d. `drift` per day); other creators keep theirs."""
    moves = (kind == POLITICIAN) & (drift > 0)
    if not moves.any():
        return opinion
    shifted = opinion + np.where(moves, drift * rng.standard_normal(opinion.size), 0.0)
    return np.clip(shifted, -1.0, 1.0)


def pile_on_probability(loyalty, opinion, instigator_opinion, target_opinion, rate, literacy,
                        literacy_effect):
    """Daily chance a supporter joins the instigator's pile-on on a dissenter.

    p = rate * A_instigator * clip(1/2 + (|x - y_T| - |x - y_I|) / 2) * (1 - e_lit lit):
    loyalty to the person (attachment) and alignment (closer to the instigator
    than to the target: 1/2 when equidistant) make a joiner; literacy restrains.
    """
    align = np.clip(0.5 + (np.abs(opinion - target_opinion)
                           - np.abs(opinion - instigator_opinion)) / 2.0, 0.0, 1.0)
    return np.minimum(1.0, rate * loyalty * align * (1.0 - literacy_effect * literacy))


def choose_conflict(model):
    """Instigator: the most-followed creator; target: the rival sharing most of its fans."""
    p, b, c = model.params, model.bonds, model.creators
    instigator = model.most_followed()
    if instigator is None or c.active.sum() < 2:
        return None
    fans = (b.creator == instigator).any(axis=1)
    shared = np.bincount(b.creator[fans][b.creator[fans] >= 0], minlength=p.n_creators)
    score = np.where(c.active, shared + c.audience / (c.audience.max() + 1.0), -1.0)
    score[instigator] = -1.0
    return instigator, int(np.argmax(score))


def step(model) -> None:
    """Stances shift, fans drift toward their creators' views, detached dissenters leave."""
    p, f, b, c, s = model.params, model.fans, model.bonds, model.creators, model.slots
    c.opinion = shift_stances(c.opinion, c.kind, p.stance_drift, model.rng)
    # Only bonds beyond the tolerated disagreement can be dropped: draw for those alone.
    if (drift_opinions, unfollow_probability) == _FUSED:  # drift, far bonds, their chances
        y = np.append(c.opinion, 0.0)  # padding creator (empty slots) last
        opinion = np.empty(p.n_fans)
        work = scratch(model)  # reused: bond-sized, filled up to `count` only
        far = work.get("far", (b.creator.size,), np.intp)
        leave_p = work.get("far_p", (b.creator.size,))
        count = kernels.drift_and_far(f.opinion, y, b.attachment, s.index, b.creator,
                                      p.opinion_influence, p.opinion_tolerance, p.unfollow_rate,
                                      opinion, far, leave_p)
        f.opinion = opinion
        leave = np.empty(count, np.intp)  # far[rng.random(count) < leave_p], in one pass
        leave = leave[:kernels.below(far[:count], leave_p[:count], model.rng.random(count),
                                     leave)]
        model.today.unfollows += int(leave.size)
        b.clear_flat(leave)
        return
    else:
        y = s.gather(c.opinion)
        f.opinion = drift_opinions(f.opinion, y, b.attachment, s.valid, p.opinion_influence)
        far = np.flatnonzero((np.abs(f.opinion[:, None] - y) > p.opinion_tolerance)
                             & (b.creator >= 0))
        leave_p = unfollow_probability(f.opinion[far // p.max_follows], y.reshape(-1)[far][:, None],
                                       b.attachment.reshape(-1)[far][:, None], p.unfollow_rate,
                                       p.opinion_tolerance)[:, 0]
    leave = far[model.rng.random(far.size) < leave_p]
    model.today.unfollows += int(leave.size)
    b.clear_flat(leave)


_FUSED = (drift_opinions, unfollow_probability)

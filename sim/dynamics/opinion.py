"""Mechanism 8: identity and politics. Fans drift toward the views of those they follow,
follow a politician's stance shifts out of loyalty, and join the pile-ons of the
leaders they are loyal to and agree with."""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.params import CREATOR_KINDS
from sim.state import bernoulli_positions, row_sum

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
    fused = (drift_opinions, unfollow_probability) == _FUSED
    y = np.append(c.opinion, 0.0)  # padding creator (empty slots) last
    if fused:
        opinion = np.empty(p.n_fans)
        kernels.drift(f.opinion, y, b.attachment, s.index, p.opinion_influence, opinion)
        f.opinion = opinion
    else:
        f.opinion = drift_opinions(f.opinion, y[s.index], b.attachment, s.valid,
                                   p.opinion_influence)
    # Opinions and stances stay in [-1, 1] and (1 - A)^2 <= 1, so no bond's chance exceeds
    # `ceiling`: draw candidates at that rate, then keep each with its chance / ceiling.
    ceiling = min(1.0, p.unfollow_rate * max(0.0, 2.0 - p.opinion_tolerance))
    candidates = bernoulli_positions(model.rng, b.creator.size, ceiling)
    if fused:
        candidates = candidates[:kernels.occupied_of(candidates, b.creator, candidates)]
        leave = np.empty(candidates.size, np.intp)
        leave = leave[:kernels.disagreeing(candidates, f.opinion, y, b.attachment, s.index,
                                           p.opinion_tolerance, p.unfollow_rate,
                                           model.rng.random(candidates.size), ceiling, leave)]
    else:
        candidates = candidates[b.creator.reshape(-1)[candidates] >= 0]
        prob = unfollow_probability(f.opinion[candidates // p.max_follows],
                                    y[s.flat[candidates]][:, None],
                                    b.attachment.reshape(-1)[candidates][:, None],
                                    p.unfollow_rate, p.opinion_tolerance)[:, 0]
        leave = candidates[model.rng.random(candidates.size) * ceiling < prob]
    model.today.unfollows += int(leave.size)
    b.clear_flat(leave)


_FUSED = (drift_opinions, unfollow_probability)

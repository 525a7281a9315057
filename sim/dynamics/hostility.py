"""Mechanism 6: from unmet expectations to hostility, harassment, pile-ons and stalking.

Hostility spreads through the harassment people see in their fandoms, so
moderation slows it only by what it removes and by the sanctions it imposes.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.dynamics import opinion
from sim.state import row_max, row_sum

EXPOSURE_DAYS = 7.0  # memory of the harassment seen in a fandom


def fandom_mean(values, weights, creator_index, n_creators):
    """Weighted mean of a fan-level value over each creator's followers (bincount scatter).

    `values` is per fan, `weights` per bond (fans, slots), `creator_index` each
    bond's creator with empty slots pointing at the padding index `n_creators`.
    """
    flat = creator_index.reshape(-1)
    num = np.bincount(flat, weights=(weights * values[:, None]).reshape(-1), minlength=n_creators + 1)
    den = np.bincount(flat, weights=weights.reshape(-1), minlength=n_creators + 1)
    return np.divide(num, den, out=np.zeros(n_creators + 1), where=den > 0)[:n_creators]


def community_exposure(exposure, attachment, valid_index):
    """Visible harassment per follower in a fan's fandoms, weighted by attachment.

    `exposure` is per creator (with a padding 0 appended for empty slots),
    `valid_index` each bond's creator (padding index for empty slots).
    """
    weight_total = row_sum(attachment)
    seen = row_sum(attachment * exposure[valid_index])
    return np.divide(seen, weight_total, out=np.zeros_like(seen), where=weight_total > 0)


_EXPOSURE = community_exposure


def update_exposure(exposure, visible_incidents, audience, days=EXPOSURE_DAYS):
    """Moving average of incidents left visible in each fandom, per follower."""
    return exposure + (visible_incidents / np.maximum(audience, 1.0) - exposure) / days


def update_hostility(hostility, frustration_max, exposure, gain, contagion, decay,
                     literacy, literacy_effect):
    """H' = H + [g F_max (1 - e_lit lit) + c X] (1 - H) - d H.

    Frustration with the creators one follows and the harassment one sees in
    one's fandoms (X, incidents left visible per follower per day; exposure to
    trolling begets trolling, Cheng et al. 2017) push a fan toward hostility;
    literacy damps the first.
    """
    drive = (gain * frustration_max * (1.0 - literacy_effect * literacy)
             + contagion * exposure)
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


def visibility_weights(views, targeting, active):
    """Whom a harasser from outside the audience picks: probability ∝ views_j * g_j.

    Anti-fans, trolls and raiders turn on whoever is visible, more so on those
    targeted for who they are (Thomas et al. 2022; Uttarapong, Cai & Wohn 2021),
    whether or not they follow them.
    """
    w = np.where(active, views * targeting, 0.0)
    total = w.sum()
    return w / total if total > 0 else w


def choose_in_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each row, a column index drawn with probability proportional to its weight."""
    if weights.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    cum = np.cumsum(weights, axis=1)
    draw = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((cum < draw[:, None]).sum(axis=1), weights.shape[1] - 1)


def moderate(model, offenders):
    """Detect each incident with probability `moderation`; sanction and ban offenders.

    Returns the mask of incidents that were not detected (and so reached the victim).
    """
    p, f = model.params, model.fans
    detected = model.rng.random(offenders.size) < p.moderation
    caught, times = np.unique(offenders[detected], return_counts=True)
    f.strikes[caught] += times.astype(f.strikes.dtype)
    f.hostility[caught] *= (1.0 - p.sanction_effect) ** times
    newly_banned = caught[(f.strikes[caught] >= p.strikes_to_ban) & ~f.banned[caught]]
    f.banned[newly_banned] = True
    model.platform.detected += int(detected.sum())
    model.platform.bans += int(newly_banned.size)
    return ~detected


def pile_on(model):
    """Supporters of the instigator attack the target and unfollow it (mechanism 8).

    Who joins depends on loyalty (attachment to the instigator) and on alignment
    (:func:`sim.dynamics.opinion.pile_on_probability`). Returns (offenders, targets).
    """
    p, f, b, c, rng = model.params, model.fans, model.bonds, model.creators, model.rng
    instigator, target = model.conflict
    loyalty = row_max(np.where(b.creator == instigator, b.attachment, 0.0)) * ~f.banned
    join_p = opinion.pile_on_probability(loyalty, f.opinion, c.opinion[instigator],
                                         c.opinion[target], p.conflict_loyalty, f.literacy,
                                         p.literacy_effect)
    joins = (loyalty > 0) & (rng.random(p.n_fans) < join_p)
    f.hostility[joins] += p.hostility_gain * (1.0 - f.hostility[joins])
    leaving = joins[:, None] & (b.creator == target)
    model.pile_on_unfollows += int(leaving.sum())
    b.clear(leaving)
    model.strongest = row_max(b.attachment)
    offenders = np.flatnonzero(joins)
    return offenders, np.full(offenders.size, target, dtype=b.creator.dtype)


def step(model, day) -> None:
    """Hostility spreads in fandoms and turns into harassment, stalking and pile-ons."""
    p, f, b, c, s, rng = model.params, model.fans, model.bonds, model.creators, model.slots, model.rng
    if ((community_exposure, update_hostility, harassment_probability) == _FUSED
            and b.frustration.dtype in (np.float32, np.float64)):
        # exposure, the strongest frustration, hostility and who acts, in one compiled pass
        # (and the bonds at the stalking threshold, as kernels.at_least would find them now)
        hostility, acts = np.empty(p.n_fans), np.empty(p.n_fans, np.intp)
        extreme = np.empty(b.attachment.size, dtype=np.intp)
        count, high = kernels.fandom_hostility(
            b.attachment, f.banned, np.append(c.exposure, 0.0), s.index, b.frustration,
            f.hostility, f.literacy, b.frustration.dtype.type(p.hostility_gain),
            p.literacy_effect, p.hostility_contagion, p.hostility_decay, rng.random(p.n_fans),
            p.harassment_rate, hostility, acts, p.stalking_threshold, extreme)
        f.hostility, acts, extreme = hostility, acts[:count], extreme[:high]
    else:
        acts, extreme = _hostility_and_acts(model), None
    _harass(model, day, acts, extreme)


def _hostility_and_acts(model):
    """Hostility after today's frustration and exposure; returns the fans who harass today."""
    p, f, b, c, s, rng = model.params, model.fans, model.bonds, model.creators, model.slots, model.rng
    if community_exposure is _EXPOSURE:  # with the strongest frustration, in one compiled pass
        exposure, frustration_max = np.empty(p.n_fans), np.empty(p.n_fans, b.frustration.dtype)
        kernels.fandom_exposure(b.attachment, f.banned, np.append(c.exposure, 0.0), s.index,
                                b.frustration, exposure, frustration_max)
    else:
        weight = b.attachment * ~f.banned[:, None]
        exposure = community_exposure(np.append(c.exposure, 0.0), weight, s.index)
        frustration_max = row_max(b.frustration)
    f.hostility = update_hostility(f.hostility, frustration_max, exposure,
                                   p.hostility_gain, p.hostility_contagion, p.hostility_decay,
                                   f.literacy, p.literacy_effect)
    # Who harasses today, and whom: another fan, any visible creator (from outside the
    # audience), or a followed creator who disappointed.
    return np.flatnonzero(~f.banned & (rng.random(p.n_fans) < harassment_probability(
        f.hostility, p.harassment_rate)))


def _harass(model, day, acts, extreme=None) -> None:
    """Today's harassment by the fans in `acts`, stalking and pile-ons, and who they reach.

    `extreme`, if given, are the bonds at the stalking threshold before the
    pile-on and moderation; those still there (a pile-on only empties slots,
    moderation only bans) are the ones :func:`sim.kernels.at_least` finds after them.
    """
    p, f, b, c, s, rng = model.params, model.fans, model.bonds, model.creators, model.slots, model.rng
    to_fan = rng.random(acts.size) < p.fan_target_share
    from_outside = ~to_fan & (rng.random(acts.size) < p.outsider_share)
    offenders_f, outside = acts[to_fan], acts[from_outside]
    offenders_c = acts[~to_fan & ~from_outside]
    tw = target_weights(b.frustration[offenders_c],
                        np.append(c.targeting * c.active, 0.0)[s.index[offenders_c]])
    aims = tw.sum(axis=1) > 0
    offenders_c, tw = offenders_c[aims], tw[aims]
    target_creator = b.creator[offenders_c, choose_in_rows(tw, rng)]
    visible_w = visibility_weights(c.views, c.targeting, c.active)
    if outside.size and visible_w.any():
        offenders_c = np.concatenate([offenders_c, outside])
        target_creator = np.concatenate([target_creator, rng.choice(
            p.n_creators, size=outside.size, p=visible_w).astype(target_creator.dtype)])
    # Victims are other fans, drawn uniformly (never the harasser).
    victims_f = (offenders_f + rng.integers(1, max(p.n_fans, 2), offenders_f.size)) % p.n_fans
    piling = 0  # pile-on incidents, appended after the ordinary ones
    if model.conflict is not None and day < p.conflict_day + p.conflict_days:
        extra_off, extra_tgt = pile_on(model)
        piling = extra_off.size
        offenders_c = np.concatenate([offenders_c, extra_off])
        target_creator = np.concatenate([target_creator, extra_tgt])
    # Moderation: detected incidents are removed before they reach the victim or anyone else.
    kept_c = moderate(model, offenders_c)
    model.pile_on_incidents += int(kept_c[kept_c.size - piling:].sum())
    kept_f = moderate(model, offenders_f)
    np.add.at(f.acts_committed, np.concatenate([offenders_c, offenders_f]), 1)
    hits = np.bincount(target_creator[kept_c], minlength=p.n_creators).astype(float)
    # Fan-on-fan incidents play out in the harasser's focal fandom.
    focal = s.index[offenders_f[kept_f], np.argmax(b.attachment[offenders_f[kept_f]], axis=1)]
    visible = hits + np.bincount(focal, minlength=p.n_creators + 1)[: p.n_creators]
    c.exposure = update_exposure(c.exposure, visible, c.audience)
    if extreme is None:  # bonds at the stalking threshold
        extreme = np.empty(b.attachment.size, dtype=np.intp)
        extreme = extreme[:kernels.at_least(b.attachment, f.banned, p.stalking_threshold,
                                            extreme)]
    else:
        extreme = extreme[~f.banned[extreme // p.max_follows]
                          & (b.attachment.reshape(-1)[extreme].astype(float)  # compared as
                             >= p.stalking_threshold)]  # the kernel does, in double precision
    stalk_p = stalking_probability(
        b.attachment.reshape(-1)[extreme], b.frustration.reshape(-1)[extreme], b.met.reshape(-1)[extreme],
        p.stalking_threshold, p.stalking_rate, p.meeting_stalk_boost)
    c.stalking = s.count(extreme[rng.random(extreme.size) < stalk_p])
    c.harassment = hits
    c.harassment_total += hits + c.stalking
    c.last_harassed[(hits + c.stalking) > 0] = day
    fan_hits = np.bincount(victims_f[kept_f], minlength=p.n_fans)
    if (f.acts_received.dtype == np.int32 and f.victimisation.dtype == np.float64
            and f.last_harassed.dtype == np.int64):  # the three updates in one compiled pass
        kernels.victimised(fan_hits, f.victimisation, f.acts_received,
                           f.last_harassed, day)
    else:
        f.acts_received += fan_hits.astype(f.acts_received.dtype)
        f.victimisation += fan_hits - f.victimisation / 30.0
        f.last_harassed[fan_hits > 0] = day
    model.today.fan_incidents = float(fan_hits.sum())
    model.today.creator_incidents = float(hits.sum())


_FUSED = (community_exposure, update_hostility, harassment_probability)

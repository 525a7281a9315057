"""Compiled (numba) loops over the fan x slot bond arrays, for the step's hottest passes.

One job: do in one pass per row what the pure functions in :mod:`sim.dynamics`
do in many whole-array numpy passes (each pass reads and writes every bond and
allocates a temporary). The pure functions stay the documented reference;
``tests/test_kernels.py`` checks that each kernel gives their results on
random inputs. The kernels draw no random numbers, except :func:`suited_picks`
and :func:`geometric_positions`, which draw from the model's Generator what the
numpy path draws, in its order.

- :func:`bond_drives`, :func:`bond_levels`, :func:`frustration_levels`:
  :func:`sim.dynamics.bonds.step`'s attachment, reciprocity and frustration
  updates and the row maxima of attachment, in single precision around numpy's
  vectorised float32 ``expm1`` as the reference computes them; :func:`susceptibility`:
  its per-fan gain;
- :func:`posts_seen_views`: :func:`sim.dynamics.attention.posts_seen` and
  the per-creator views it adds up;
- :func:`focal_values`: each fan's strongest attachment and a bond variable
  at that slot (the reporters' focal bond);
- :func:`row_sum`, :func:`occupied_sum`: sums without BLAS threads or masks;
- :func:`tie_update_support`: :mod:`sim.dynamics.offline`'s tie update and support;
- :func:`drift`, :func:`disagreeing`: :mod:`sim.dynamics.opinion`'s drift and
  the bonds dropped for disagreement among the thinning's candidates;
- :func:`fandom_exposure`: :mod:`sim.dynamics.hostility`'s community exposure and each
  fan's strongest frustration; :func:`at_least`: the bonds at or above a threshold;
- :func:`slot_index`: the step's bond -> creator map; :func:`end_of_day`: the
  audiences, strongest bonds and the collect's bond summary in one pass;
- :func:`offline_day`: all of :func:`sim.dynamics.offline.step` (offline hours,
  ties, support, loneliness, grief, wellbeing); :func:`platform_time`: the per-fan
  hours and feed budget of :func:`sim.dynamics.attention.step`;
- :func:`fandom_hostility`: exposure, hostility, who harasses and the bonds at the
  stalking threshold; :func:`victimised`, :func:`refill`: per-fan bookkeeping;
- :func:`geometric_positions`, :func:`occupied_of`,
  :func:`fade_or_frustration`, :func:`messages_free`, :func:`due_bonds`,
  :func:`shrink`: the sparse draws' positions and filters, and in-place decays;
- :func:`unbanned_below`, :func:`follow_slots`: the fans who look for a new creator
  today and the slots they follow their pick into (:func:`sim.dynamics.follows.discover`);
- :func:`weighted_picks`: draws by weight from uniforms, as ``cdf.searchsorted`` gives them;
  :func:`suited_picks`: draws by weight times taste fit, by rejection from an envelope;
- :func:`row_max`, :func:`bonds_of`: row maxima and a quitting creator's bonds; :func:`tier_counts`,
  :func:`compress_at_least`, :func:`count_after`: the counts and the focal values
  behind some of the collect's outcomes.

Products with single-precision arrays are rounded as numpy rounds them (a
Python float meets a float32 array in single precision, NEP 50): those kernels
take such constants already in the array's dtype. ``tests/test_kernels.py``
checks each fused pass against its numpy path with exact equality.

Empty slots are about half the bonds, scattered at random, so a branch on
whether a slot is empty is mispredicted every other bond and costs more than the
arithmetic. The passes read such a slot's values unconditionally (they are
there, zero or padding) and then zero its contribution, which the compiler turns
into a select instead of a branch: the same values, computed 2-3 times faster.

The row loops are short (`max_follows` slots, 6 by default) and a loop of unknown length
costs more than its body there, so the row kernels take rows of :data:`WIDTH` slots in a
copy compiled with that width (the loop unrolled), any other width in the general one:
the same operations in the same order either way.

Kernels that replace a pure function are used only while that function is the
module's own; a replaced one (a test disconnecting a mechanism, an experiment)
is called instead, on the numpy path.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

WIDTH = 6  # the usual row width (max_follows' default), compiled as a constant (module note)


@njit(cache=True, nogil=True)
def _saturate(level, expm1, decay):
    """:func:`sim.dynamics.bonds.saturating_update` for one single-precision bond, from
    ``expm1 = exp(-drive) - 1`` (numpy's vectorised float32 expm1): the same float32
    operations in the same order as numpy takes them on the bond arrays."""
    x = level + (np.float32(1.0) - level) * -expm1 - decay * level
    return min(max(x, np.float32(0.0)), np.float32(1.0))


@njit(cache=True, nogil=True)
def bond_drives(index, attachment, seen, live, has_live, recognitions, gain, absorption,
                per_post, satiation, power_of_two, live_weight, recognition_weight, reinforcement,
                reciprocity_gain, drives):
    """First pass of the bond update: minus today's attachment and reciprocity drives of
    every bond, rounded to single precision as :func:`sim.dynamics.bonds.saturating_update`
    rounds them, into ``drives[0]`` and ``drives[1]``.

    The exponentials are then taken by one vectorised numpy float32 ``expm1`` over
    `drives` (the reference's own, and some ten times faster than scalar ones here);
    :func:`bond_levels` and :func:`frustration_levels` finish the update.
    `index` maps bonds to creators (empty slots to a padding creator); `per_post`
    (1 + w_d d + w_a a) is per creator with the padding creator last, `satiation` the
    posts' satiation (a float, inf for none); with `power_of_two` (it is one) the
    division by it is a product with its reciprocal, which is exact then and gives the
    same value at a fraction of a division's cost; `gain` and
    `absorption` are per fan. Same formulas, in the same order, as
    :func:`sim.dynamics.bonds.reference_step`.
    """
    n, k = attachment.shape
    inverse = 1.0 / satiation
    for i in range(n):
        g, ab = gain[i], absorption[i]
        for j in range(k):
            rec = recognitions[i, j]
            n_seen = seen[i, j]
            sated = n_seen * inverse if power_of_two else n_seen / satiation
            stim = n_seen / (1.0 + sated) * per_post[index[i, j]]
            if has_live:
                stim += live_weight * live[i, j]
            stim += recognition_weight * rec
            a = np.float64(attachment[i, j])
            drives[0, i, j] = -np.float32(g * stim * (1.0 + reinforcement * ab * a))
            drives[1, i, j] = -np.float32(reciprocity_gain * rec)


@njit(cache=True, nogil=True)
def bond_levels(index, attachment, reciprocity, recent_spend, recognitions, monthly_means,
                boundaries, attachment_decay, reciprocity_decay, reciprocity_keep,
                reciprocity_weight, spend_weight, frustration_gain, drives, strongest, clear):
    """Second pass of the bond update: attachment and reciprocity from the exponentials in
    `drives` (see :func:`bond_drives`), then minus the frustration drive into ``drives[0]``;
    `strongest` gets each row's new maximum attachment.

    The decays, `reciprocity_keep` (1 - decay) and `reciprocity_weight` come in single
    precision: numpy rounds their products with the bond arrays so. With `clear`,
    `recognitions` is left all zero (each one is set back to 0 once read).
    """
    n, k = attachment.shape
    for i in range(n):
        best = -np.inf
        means = max(monthly_means[i], 1e-9)
        for j in range(k):
            a, r, rec = attachment[i, j], reciprocity[i, j], recognitions[i, j]
            e = drives[0, i, j]
            # one branch for the four tests (non-short-circuit: fewer mispredictions)
            if (e == 0.0) & (a == 0.0) & (r == 0.0) & (rec == 0.0):
                best = max(best, 0.0)  # an empty slot (or a bond at rest): A, R, E stay 0
                drives[0, i, j] = 0.0
                continue
            if clear and rec != 0.0:
                recognitions[i, j] = 0.0
            a = _saturate(a, e, attachment_decay)
            attachment[i, j] = a
            best = max(best, a)
            # recognised today: saturating update; otherwise decay only
            r = (_saturate(r, drives[1, i, j], reciprocity_decay) if rec != 0.0
                 else r * reciprocity_keep)
            reciprocity[i, j] = r
            ratio = recent_spend[i, j] / means
            expected = min(1.0, np.float64(a * a) * (1.0 + spend_weight * ratio
                                                     + np.float64(reciprocity_weight * r))
                           * (1.0 - boundaries[index[i, j]]))
            drives[0, i, j] = -np.float32(frustration_gain * max(0.0, expected - r))
        strongest[i] = best


@njit(cache=True, nogil=True)
def frustration_levels(frustration, expm1, decay):
    """Last pass of the bond update: frustration from `expm1` (``exp(-drive) - 1``)."""
    f, e = frustration.reshape(-1), expm1.reshape(-1)
    for t in range(f.size):
        f[t] = _saturate(f[t], e[t], decay)


@njit(cache=True, nogil=True)
def susceptibility(static, loneliness, loneliness_mean, loneliness_effect, literacy,
                   literacy_effect):
    """Per-fan gain of :func:`sim.dynamics.bonds.susceptibility_gain` from its static factor
    ``g0 * absorption^k``: ``static * max(1 + e_L (L - mean L), 0) * (1 - e_lit * literacy)``,
    the numpy expression's operations in its order, in one pass instead of six."""
    out = np.empty(static.size)
    for i in range(static.size):
        lonely = 1.0 + loneliness_effect * (loneliness[i] - loneliness_mean)
        out[i] = static[i] * max(lonely, 0.0) * (1.0 - literacy_effect * literacy[i])
    return out


@njit(cache=True, nogil=True)
def posts_seen_views(weights, posts, budget, index, views):
    """:func:`sim.dynamics.attention.posts_seen`, row by row; adds each bond's seen to `views`.

    `posts` and `views` are per creator with the padding creator (empty slots)
    last: a bond's posts are ``posts[index]`` and an empty slot's weight counts
    as 0 (the reference takes ``weights * valid`` and the gathered posts).
    Returns the seen array; `views` is incremented in place.
    """
    seen = np.empty(weights.shape)
    posts_seen_views_into(weights, posts, budget, index, views, seen)
    return seen


@njit(cache=True, nogil=True)
def posts_seen_views_into(weights, posts, budget, index, views, seen):
    """:func:`posts_seen_views` writing the seen posts into `seen` (a reused buffer)."""
    n, k = weights.shape
    pad = posts.size - 1
    for i in range(n):
        total = 0.0
        for j in range(k):
            if index[i, j] != pad:
                total += weights[i, j]
        total = max(total, 1e-12)
        used = 0.0
        for j in range(k):
            c = index[i, j]
            w = weights[i, j] if c != pad else 0.0
            s = min(posts[c], budget[i] * w / total)
            seen[i, j] = s
            used += s
        left = budget[i] - used
        open_total = 0.0
        for j in range(k):
            c = index[i, j]
            if c != pad and posts[c] - seen[i, j] > 1e-12:
                open_total += weights[i, j]
        open_total = max(open_total, 1e-12)
        for j in range(k):
            c = index[i, j]
            room = posts[c] - seen[i, j]
            if c != pad and room > 1e-12:  # a saturated creator (room 0) gets nothing more
                seen[i, j] += min(room, max(left * weights[i, j] / open_total, 0.0))
            views[c] += seen[i, j]


@njit(cache=True, nogil=True)
def feed_posts_seen(mode, attachment, boost, wellbeing, posts, budget, index, views, seen):
    """The built-in feed's rank weights (:func:`sim.dynamics.attention.feed_weights`) and
    :func:`posts_seen_views_into` on them, without the weights array.

    `mode` 0 chronological, 1 engagement, 2 wellbeing. The weights are rounded
    to single precision at each step as numpy does on the single-precision
    attachment (``boost * A`` in single, the products with wellbeing and posts
    in double then stored in single), so the results are identical.
    """
    k = attachment.shape[1]
    if k == WIDTH:  # rows of the usual width, the row loop unrolled (module note)
        _feed_posts_seen(mode, attachment, boost, wellbeing, posts, budget, index, views, seen,
                         WIDTH)
    else:
        _feed_posts_seen(mode, attachment, boost, wellbeing, posts, budget, index, views, seen,
                         k)


@njit(cache=True, nogil=True, inline="always")
def _feed_posts_seen(mode, attachment, boost, wellbeing, posts, budget, index, views, seen, k):
    """:func:`feed_posts_seen` on rows of `k` slots."""
    n = attachment.shape[0]
    pad = posts.size - 1
    w, room = np.empty(k), np.empty(k)
    b32 = np.float32(boost)
    for i in range(n):
        total = 0.0
        for j in range(k):
            c = index[i, j]
            if c == pad:
                x = 0.0
            elif mode == 0:
                x = posts[c]
            else:
                y = b32 * attachment[i, j]
                if mode == 2:
                    y = np.float32(np.float64(y) * wellbeing[i])
                y = y + np.float32(1.0)
                x = np.float64(np.float32(np.float64(y) * posts[c]))
            w[j] = x
            total += x
        total = max(total, 1e-12)
        # the first share, what is left of the budget and the weight of the creators with
        # room for more, in one loop (the same sums, in the same order, as three)
        used, open_total, budget_i = 0.0, 0.0, budget[i]
        for j in range(k):
            c = index[i, j]
            v = min(posts[c], budget_i * w[j] / total)
            seen[i, j] = v
            used += v
            r = room[j] = posts[c] - v
            if c != pad and r > 1e-12:
                open_total += w[j]
        left = budget_i - used
        open_total = max(open_total, 1e-12)
        for j in range(k):
            c, r = index[i, j], room[j]
            if c != pad and r > 1e-12:
                seen[i, j] += min(r, max(left * w[j] / open_total, 0.0))
            views[c] += seen[i, j]


@njit(cache=True, nogil=True)
def focal_values(attachment, values, strongest_out, values_out):
    """Each row's maximum attachment and `values` at its first strongest slot (as argmax)."""
    n, k = attachment.shape
    for i in range(n):
        best, at = attachment[i, 0], 0
        for j in range(1, k):
            if attachment[i, j] > best:
                best, at = attachment[i, j], j
        strongest_out[i] = best
        values_out[i] = values[i, at]


@njit(cache=True, nogil=True)
def row_sum(a):
    """Row sums of a (fans, slots) array, left to right (single-threaded: no BLAS threads to wake)."""
    n, k = a.shape
    out = np.empty(n)
    for i in range(n):
        total = 0.0
        for j in range(k):
            total += a[i, j]
        out[i] = total
    return out


@njit(cache=True, nogil=True)
def occupied_sum(values, creator):
    """Sum of a bond variable over the occupied slots (``creator >= 0``)."""
    n, k = values.shape
    total = 0.0
    for i in range(n):
        for j in range(k):
            if creator[i, j] >= 0:
                total += values[i, j]
    return total


@njit(cache=True, nogil=True)
def tie_update_support(strength, hours, u, v, degree_u, degree_v, degree, maintenance, decay,
                       new_strength, support):
    """:func:`sim.dynamics.offline.update_ties` then :func:`~sim.dynamics.offline.social_support`.

    Writes the new tie strengths into `new_strength` and each fan's mean tie
    strength into `support`; same operations in the same order as the numpy
    reference (the two bincounts are summed apart and then added), so the
    results are identical. `degree_u` and `degree_v` must be ``degree[u]`` and
    ``degree[v]`` (as the model keeps them).
    """
    n = degree.size
    # Each fan's hours per tie, once per fan rather than twice per tie: `degree_u` and
    # `degree_v` are `degree` at the tie's ends (whole numbers, exact in single precision),
    # so ``hours[a] / max(degree_u[t], 1)`` is this very quotient.
    share = np.empty(n)
    for i in range(n):
        share[i] = hours[i] / max(degree[i], 1.0)
    total_u, total_v = _tie_pass(strength, share, u, v, maintenance, decay, new_strength)
    for i in range(n):
        support[i] = (total_u[i] + total_v[i]) / degree[i] if degree[i] > 0 else 0.0


@njit(cache=True, nogil=True)
def _tie_pass(strength, share, u, v, maintenance, decay, new_strength):
    """:func:`tie_update_support`'s pass over the ties from each fan's hours per tie
    (`share`): the new strengths, and the strengths summed at each tie's two ends apart."""
    total_u = np.zeros(share.size)
    total_v = np.zeros(share.size)
    for t in range(strength.size):
        a, b = u[t], v[t]
        per_tie = min(share[a], share[b])
        w = strength[t]
        w = w + maintenance * per_tie * (1.0 - w) - decay * w
        w = min(max(w, 0.0), 1.0)
        new_strength[t] = w
        total_u[a] += w
        total_v[b] += w
    return total_u, total_v


@njit(cache=True, nogil=True)
def drift(opinion, creator_opinion, attachment, index, influence, new_opinion):
    """:func:`sim.dynamics.opinion.drift_opinions` into `new_opinion`.

    `creator_opinion` has the padding creator (empty slots, value 0) last and
    `index` is the step's slot map. Same sums in the same order as the reference
    (``row_sum`` left to right).
    """
    k = attachment.shape[1]
    if k == WIDTH:  # rows of the usual width, the row loop unrolled (module note)
        _drift(opinion, creator_opinion, attachment, index, influence, new_opinion, WIDTH)
    else:
        _drift(opinion, creator_opinion, attachment, index, influence, new_opinion, k)


@njit(cache=True, nogil=True, inline="always")
def _drift(opinion, creator_opinion, attachment, index, influence, new_opinion, k):
    """:func:`drift` on rows of `k` slots."""
    n = attachment.shape[0]
    pad = creator_opinion.size - 1
    for i in range(n):
        x = opinion[i]
        pulled, weight = 0.0, 0.0
        for j in range(k):
            c = index[i, j]
            a = np.float64(attachment[i, j])  # read, then zeroed if empty: a select (module note)
            a = a if c != pad else 0.0
            pulled += (creator_opinion[c] - x) * a
            weight += a
        new_opinion[i] = min(max(x + influence * (pulled / max(1.0, weight)), -1.0), 1.0)


@njit(cache=True, nogil=True)
def disagreeing(bonds, opinion, creator_opinion, attachment, index, tolerance, rate, uniform,
                ceiling, out):
    """``bonds[uniform * ceiling < p]`` with p :func:`sim.dynamics.opinion.unfollow_probability`
    at these flat bonds (``(1 - A)^2`` in single precision as numpy takes it); returns how many.

    `creator_opinion` has the padding creator last and `index` is the step's slot map.
    """
    a_flat, c_flat = attachment.reshape(-1), index.reshape(-1)
    k = index.shape[1]
    count = 0
    for t in range(bonds.size):
        b = bonds[t]
        distance = abs(opinion[b // k] - creator_opinion[c_flat[b]])
        loyal = np.float32(1.0) - a_flat[b]
        prob = min(1.0, rate * max(0.0, distance - tolerance) * np.float64(loyal * loyal))
        if uniform[t] * ceiling < prob:
            out[count] = b
            count += 1
    return count


@njit(cache=True, nogil=True)
def fandom_exposure(attachment, banned, exposure, index, frustration, exposure_out,
                    frustration_max):
    """:func:`sim.dynamics.hostility.community_exposure` of ``attachment * ~banned`` and
    each row's maximum frustration (as ``row_max``), in one pass with the same sums."""
    n, k = attachment.shape
    for i in range(n):
        total, seen = 0.0, 0.0
        if not banned[i]:  # a banned fan's weights are all 0: no exposure
            for j in range(k):
                w = np.float64(attachment[i, j])
                total += w
                seen += w * exposure[index[i, j]]
        exposure_out[i] = seen / total if total > 0 else 0.0
        best = frustration[i, 0]
        for j in range(1, k):
            if frustration[i, j] > best:
                best = frustration[i, j]
        frustration_max[i] = best


@njit(cache=True, nogil=True)
def at_least(values, banned, threshold, out):
    """Flat indices of the bonds with ``values >= threshold`` of fans not banned; returns how many."""
    n, k = values.shape
    count = 0
    for i in range(n):
        if banned[i]:
            continue
        for j in range(k):
            if values[i, j] >= threshold:
                out[count] = i * k + j
                count += 1
    return count


@njit(cache=True, nogil=True)
def slot_index(creator, n_creators, index):
    """This step's map from bonds to creators: empty slots (-1) to the padding creator."""
    c_flat, i_flat = creator.reshape(-1), index.reshape(-1)  # one flat loop: twice as fast
    for t in range(c_flat.size):
        c = c_flat[t]
        i_flat[t] = c if c >= 0 else n_creators


@njit(cache=True, nogil=True)
def end_of_day(creator, attachment, reciprocity, frustration, until, now, frustrated_above,
               n_creators, audience, strongest, focal_out):
    """The audiences and the bond outcomes of a collect in one pass over the bonds.

    Writes each creator's audience, each row's maximum attachment and the
    reciprocity at its first strongest slot (as :func:`focal_values`); returns
    (occupied slots, sum of reciprocity over them in row-major order as
    :func:`occupied_sum`, occupied slots with frustration above
    `frustrated_above`, fans with some ``until > now``).
    """
    n, k = creator.shape
    # Audiences counted in integers (the same whole numbers as adding 1.0), the padding bin
    # last for the empty slots; the sums and tests are selects (the module's note).
    counts = np.zeros(n_creators + 1, np.int64)
    c_flat, a_flat, r_flat = creator.reshape(-1), attachment.reshape(-1), reciprocity.reshape(-1)
    f_flat, u_flat = frustration.reshape(-1), until.reshape(-1)
    n_valid, total, frustrated, subscribers = 0, 0.0, 0, 0
    for i in range(n):
        base = i * k
        best, at, current = a_flat[base], 0, False
        for j in range(k):
            t = base + j
            c = c_flat[t]
            occupied = c >= 0
            counts[c if occupied else n_creators] += 1
            r = np.float64(r_flat[t])
            total += r if occupied else 0.0
            frustrated += occupied & (f_flat[t] > frustrated_above)
            current |= u_flat[t] > now
            a = a_flat[t]
            better = a > best
            best = a if better else best
            at = j if better else at
        strongest[i] = best
        focal_out[i] = r_flat[base + at]
        subscribers += current
    for c in range(n_creators):
        audience[c] = counts[c]
        n_valid += counts[c]
    return n_valid, total, frustrated, subscribers


@njit(cache=True, nogil=True)
def offline_day(platform_hours, free_time, contact, strength, u, v, degree_u, degree_v, degree,
                maintenance, decay, strongest, one, surrogacy, two, comfort, loneliness,
                trait, loneliness_rate, loneliness_mean, grief, grief_keep, victimisation,
                wellbeing, wellbeing_rate, base, support_weight, loneliness_weight, overuse_cost,
                harassment_harm, grief_harm, offline_hours, new_strength, support,
                new_loneliness, new_wellbeing):
    """:func:`sim.dynamics.offline.step` for every fan and tie: offline hours, the tie update
    and support (:func:`tie_update_support`'s, their per-fan parts in the loops over fans
    that need them), felt support, loneliness, grief decay (in place), overuse, the
    wellbeing target and its approach.

    `one`, `two`, `surrogacy` and `comfort` come in the dtype of `strongest`, so the
    products with it are rounded as numpy rounds them (in single precision when
    `strongest` is single). Same operations in the same order as the numpy functions.
    """
    n = degree.size
    share = np.empty(n)  # the hours per tie, as tie_update_support takes them
    for i in range(n):
        hours = (free_time - platform_hours[i]) * contact
        offline_hours[i] = hours
        share[i] = hours / max(degree[i], 1.0)
    total_u, total_v = _tie_pass(strength, share, u, v, maintenance, decay, new_strength)
    for i in range(n):
        s = (total_u[i] + total_v[i]) / degree[i] if degree[i] > 0 else 0.0  # as tie_update_support
        support[i] = s
        a = strongest[i]
        felt = s + np.float64(surrogacy * min(one, a)) * (1.0 - s)
        target = 0.5 * (trait[i] + (1.0 - felt))
        lonely = loneliness[i]
        lonely = min(max(lonely + loneliness_rate * (target - lonely), 0.0), 1.0)
        new_loneliness[i] = lonely
        g = grief[i] * grief_keep
        grief[i] = g
        over = max(0.0, platform_hours[i] / free_time - 0.5)
        w = (base + support_weight * (s - 0.5) - loneliness_weight * (lonely - loneliness_mean)
             + np.float64(comfort * min(one, two * a)) - overuse_cost * over
             - harassment_harm * victimisation[i] - grief_harm * g)
        w = min(max(w, 0.0), 1.0)
        x = wellbeing[i]
        new_wellbeing[i] = min(max(x + wellbeing_rate * (w - x), 0.0), 1.0)


@njit(cache=True, nogil=True)
def platform_time(platform_hours, free_time, displacement, base_hours, notified, strongest, one,
                  attachment_pull, by_wellbeing, wellbeing, loneliness, loneliness_mean,
                  loneliness_pull, live_total, has_live, time_limit, banned, posts_per_hour,
                  followed_share, feed_desire, hours_out, scale_out, budget_out):
    """:mod:`sim.dynamics.attention`'s per-fan hours in one pass: the displaced hours,
    :func:`~sim.dynamics.attention.desired_platform_hours` (`feed_desire`), the hours
    spent (:func:`~sim.dynamics.attention.platform_hours`), the share of the desire they
    allow (`scale_out`) and the feed budget.

    `displacement` is ``compensation * (1 - contact)`` and `notified` ``1 + nu pull_n``;
    `one` and `attachment_pull` come in the dtype of `strongest` (numpy rounds their
    product in that precision). `live_total` (when `has_live`) is the row sum of the
    live hours. Same operations in the same order as the numpy functions.
    """
    n = base_hours.size
    for i in range(n):
        displaced = displacement * max(0.0, free_time - platform_hours[i])
        if by_wellbeing:
            pulled = 1.0 + np.float64(attachment_pull * strongest[i]) * wellbeing[i]
        else:
            pulled = np.float64(one + attachment_pull * strongest[i])
        lonely = max(0.0, 1.0 + loneliness_pull * (loneliness[i] - loneliness_mean))
        desire = base_hours[i] * notified * pulled * lonely + displaced
        feed_desire[i] = desire
        if has_live:
            desire = desire + live_total[i]
        hours = 0.0 if banned[i] else min(min(desire, free_time), time_limit)
        hours_out[i] = hours
        scale = hours / desire if desire > 0 else 0.0
        scale_out[i] = scale
        budget_out[i] = posts_per_hour * feed_desire[i] * scale * followed_share


@njit(cache=True, nogil=True)
def geometric_positions(rng, prob, size, start, n, out):
    """Running positions ``start + cumsum(min(rng.geometric(prob, size), n + 1))`` that are
    below `n`, into `out`, the gaps drawn here one at a time instead of into an array.

    Returns (how many, the last running position, at or beyond `n` once the draw
    is over). All `size` gaps are drawn, as numpy draws them, so `rng` ends where
    numpy leaves it. Below p = 1/3 numpy's geometric is ``ceil(-E / log1p(-p))``
    of a standard exponential E (saturating at the int64 maximum, beyond the cap):
    the same operations, with the logarithm taken once instead of per draw, at
    less than half numpy's cost; from 1/3 up, numba's port of numpy's search.
    """
    position = start
    count = 0
    cap = n + 1
    log_q = math.log1p(-prob)
    inversion = prob < 0.333333333333333333333333  # numpy's own switch
    over = False
    for _ in range(size):
        if inversion:
            z = math.ceil(-rng.standard_exponential() / log_q)
            gap = cap if z >= cap else int(z)
        else:
            gap = min(rng.geometric(prob), cap)
        if over:
            continue  # drawn only to leave the generator where numpy does
        position += gap
        if position >= n:
            over = True
        else:
            out[count] = position
            count += 1
    return count, position


@njit(cache=True, nogil=True)
def _pick(cdf, guide, u):
    """``min(cdf.searchsorted(u, side="right"), cdf.size - 1)`` from the guide table's cell."""
    j = guide[min(int(u * guide.size), guide.size - 1)]
    while j > 0 and cdf[j - 1] > u:  # a product rounded up past its cell
        j -= 1
    while j < cdf.size - 1 and cdf[j] <= u:
        j += 1
    return j


@njit(cache=True, nogil=True)
def weighted_picks(cdf, guide, uniform, out):
    """``min(cdf.searchsorted(uniform, side="right"), cdf.size - 1)`` into `out`.

    `guide[g]` is that index for the uniform ``g / guide.size`` (a guide table,
    Chen 1974): each pick starts there and steps to its answer, usually in a step
    or two instead of a binary search's dozen cache misses over a long cdf.
    """
    for t in range(uniform.size):
        out[t] = _pick(cdf, guide, uniform[t])


@njit(cache=True, nogil=True)
def _position(c, target, lo, hi):
    """The position in [lo, hi) whose cumulative-weight step holds `target`: as
    :func:`sim.dynamics.taste.reference_suited` finds it (searchsorted, clipped, and
    moved back off a creator without weight where rounding put it there)."""
    a, b = 0, c.size
    while a < b:  # first index with c[index] > target
        m = (a + b) // 2
        if c[m] > target:
            b = m
        else:
            a = m + 1
    j = min(max(a - 1, lo), hi - 1)
    if c[j + 1] == c[j]:
        value = c[j]
        while j > 0 and c[j - 1] == value:
            j -= 1
        j = max(j - 1, lo)
    return j


@njit(cache=True, nogil=True)
def suited_picks(order, c, start, end, inside, outside, edge, taste, niche, width, rng, rounds,
                 pick):
    """:func:`sim.dynamics.taste.draw_suited`'s rejection rounds, into `pick` (-1 = none).

    Draws from `rng` what :func:`sim.dynamics.taste.reference_suited` draws, in its
    order: each round one uniform per fan still without a creator (its proposal),
    then one per such fan (kept with probability fit over envelope). The fit's
    exponential is libm's, which differs from numpy's vectorised one in the last
    bit for a few arguments: a draw could differ only where a uniform falls within
    that bit of its fit.
    """
    n = order.size
    pending = np.empty(taste.size, np.intp)
    count = 0
    for t in range(taste.size):
        if inside[t] + outside[t] > 0:
            pending[count] = t
            count += 1
    position = np.empty(taste.size, np.intp)
    beyond = np.empty(taste.size, np.bool_)
    for _ in range(rounds):
        if count == 0:
            break
        for r in range(count):
            t = pending[r]
            mass = rng.random() * (inside[t] + outside[t])
            beyond[r] = mass >= inside[t] and outside[t] > 0
            if beyond[r]:
                position[r] = _position(c, c[end[t]] + (mass - inside[t]) / edge, end[t],
                                        start[t] + n)
            else:
                position[r] = _position(c, c[start[t]] + mass, start[t], end[t])
        left = 0
        for r in range(count):
            t = pending[r]
            creator = order[position[r] % n]
            d = abs(taste[t] - niche[creator])
            d = min(d, 1.0 - d)
            if rng.random() * (edge if beyond[r] else 1.0) < math.exp(-0.5 * (d / width) ** 2):
                pick[t] = creator
            else:
                pending[left] = t
                left += 1
        count = left


@njit(cache=True, nogil=True)
def shrink(values, divisor):
    """``values -= values / divisor`` in place on a flat array (`divisor` in its dtype)."""
    for t in range(values.size):
        values[t] -= values[t] / divisor


@njit(cache=True, nogil=True)
def due_bonds(until, day, index, banned, offered, out):
    """Flat indices of the bonds with ``until == day`` in an occupied slot (``index`` not the
    padding creator) of a fan not banned whose creator offers it (`offered`, padding
    creator last and False), in order; returns how many."""
    k = until.shape[1]
    u_flat, c_flat = until.reshape(-1), index.reshape(-1)  # one flat loop: twice as fast
    count = 0
    for t in range(u_flat.size):
        if u_flat[t] == day and not banned[t // k] and offered[c_flat[t]]:
            out[count] = t
            count += 1
    return count


@njit(cache=True, nogil=True)
def fandom_hostility(attachment, banned, exposure, index, frustration, hostility, literacy, gain,
                     literacy_effect, contagion, decay, uniform, rate, new_hostility, acts,
                     threshold, extreme):
    """:func:`fandom_exposure`, then :func:`sim.dynamics.hostility.update_hostility` and the
    fans who act today (not banned, ``uniform < harassment_probability``), in one pass.

    `gain` comes in the dtype of `frustration` (numpy rounds ``gain * F_max`` in
    that precision). Writes the new hostility and the acting fans (in order)
    into `acts`, and the bonds :func:`at_least` `threshold` would give now into
    `extreme`; returns (acts, extreme bonds). Same operations in the same order as numpy.
    """
    k = attachment.shape[1]
    if k == WIDTH:  # rows of the usual width, the row loop unrolled (module note)
        return _fandom_hostility(attachment, banned, exposure, index, frustration, hostility,
                                 literacy, gain, literacy_effect, contagion, decay, uniform, rate,
                                 new_hostility, acts, threshold, extreme, WIDTH)
    return _fandom_hostility(attachment, banned, exposure, index, frustration, hostility,
                             literacy, gain, literacy_effect, contagion, decay, uniform, rate,
                             new_hostility, acts, threshold, extreme, k)


@njit(cache=True, nogil=True, inline="always")
def _fandom_hostility(attachment, banned, exposure, index, frustration, hostility, literacy, gain,
                      literacy_effect, contagion, decay, uniform, rate, new_hostility, acts,
                      threshold, extreme, k):
    """:func:`fandom_hostility` on rows of `k` slots."""
    n = attachment.shape[0]
    count = 0
    high = 0
    for i in range(n):
        total, seen = 0.0, 0.0
        if not banned[i]:
            for j in range(k):
                w = np.float64(attachment[i, j])
                total += w
                seen += w * exposure[index[i, j]]
                if attachment[i, j] >= threshold:
                    extreme[high] = i * k + j
                    high += 1
        x = seen / total if total > 0 else 0.0
        best = frustration[i, 0]
        for j in range(1, k):
            if frustration[i, j] > best:
                best = frustration[i, j]
        drive = np.float64(gain * best) * (1.0 - literacy_effect * literacy[i]) + contagion * x
        h = hostility[i]
        h = min(max(h + drive * (1.0 - h) - decay * h, 0.0), 1.0)
        new_hostility[i] = h
        if not banned[i] and uniform[i] < min(1.0, rate * (h * h)):
            acts[count] = i
            count += 1
    return count, high


@njit(cache=True, nogil=True)
def occupied_of(bonds, creator, out):
    """The flat `bonds` whose slot is occupied (``creator >= 0``), in order; returns how many."""
    flat = creator.reshape(-1)
    count = 0
    for b in bonds:
        if flat[b] >= 0:
            out[count] = b
            count += 1
    return count


@njit(cache=True, nogil=True)
def fade_or_frustration(bonds, attachment, frustration, fade_level, fade_rate, frustration_rate,
                        uniform, ceiling, out):
    """``bonds[uniform * ceiling < unfollow_probability(A, F)]`` of
    :func:`sim.dynamics.follows.unfollow_probability` at these flat bonds; returns how many.

    `fade_level` and `frustration_rate` come in the bond arrays' dtype (numpy
    compares and multiplies in that precision).
    """
    a_flat, f_flat = attachment.reshape(-1), frustration.reshape(-1)
    count = 0
    for t in range(bonds.size):
        b = bonds[t]
        f = f_flat[b]
        faded = 1.0 if a_flat[b] < fade_level else 0.0
        prob = min(1.0, fade_rate * faded + np.float64(frustration_rate * (f * f)))
        if uniform[t] * ceiling < prob:
            out[count] = b
            count += 1
    return count


@njit(cache=True, nogil=True)
def unbanned_below(uniform, rate, banned, out):
    """``np.flatnonzero(~banned & (uniform < rate))`` into `out` (one place per fan); returns
    how many. Without branches, as :func:`compress_at_least` (a few fans in twenty pass)."""
    count = 0
    for i in range(uniform.size):
        out[count] = i
        count += (uniform[i] < rate) & (not banned[i])
    return count


@njit(cache=True, nogil=True)
def follow_slots(fans, pick, creator, attachment, vacant, fade_level, out):
    """:func:`sim.dynamics.follows._follow_slots` in one pass: the flat bonds into `out` and
    the picks followed there into the first places of `pick`; returns how many.

    `vacant` (-1) and `fade_level` come in the dtype of `attachment`, as numpy's
    ``np.where`` and comparison take them; the weakest slot is ``argmin``'s (the first
    minimum, or the first NaN).
    """
    k = creator.shape[1]
    c_flat, a_flat = creator.reshape(-1), attachment.reshape(-1)
    count = 0
    for t in range(fans.size):
        base = fans[t] * k
        c = pick[t]
        fresh = c >= 0
        weakest, slot = vacant, 0
        for j in range(k):
            other = c_flat[base + j]
            fresh &= other != c
            s = a_flat[base + j] if other >= 0 else vacant
            if j == 0 or (weakest == weakest and (s < weakest or s != s)):
                weakest, slot = s, j
        if fresh and weakest < fade_level:
            out[count] = base + slot
            pick[count] = c
            count += 1
    return count


@njit(cache=True, nogil=True)
def messages_free(sent, uniform, attachment, banned, creator, out):
    """The messages of ``sent[uniform < A]`` from fans not banned on occupied slots
    (:func:`sim.dynamics.interaction.messages`'s two filters), in order; returns how many."""
    a_flat, c_flat = attachment.reshape(-1), creator.reshape(-1)
    k = creator.shape[1]
    count = 0
    for t in range(sent.size):
        b = sent[t]
        if uniform[t] < a_flat[b] and not banned[b // k] and c_flat[b] >= 0:
            out[count] = b
            count += 1
    return count


@njit(cache=True, nogil=True)
def victimised(hits, victimisation, received, last_harassed, day):
    """:mod:`sim.dynamics.hostility`'s per-fan bookkeeping of incidents received today, in
    place: ``received += hits``, ``victimisation += hits - victimisation / 30`` and the
    day of the last incident."""
    for i in range(hits.size):
        h = hits[i]
        received[i] += h
        v = victimisation[i]
        victimisation[i] = v + (np.float64(h) - v / 30.0)
        if h > 0:
            last_harassed[i] = day


@njit(cache=True, nogil=True)
def refill(wallet, income, cap_months):
    """``np.minimum(wallet + income, cap_months * income)`` as a new array."""
    out = np.empty(wallet.size)
    for i in range(wallet.size):
        out[i] = min(wallet[i] + income[i], cap_months * income[i])
    return out


@njit(cache=True, nogil=True)
def row_max(a, out):
    """Row maxima of a (fans, slots) array into `out` (same dtype), left to right as
    :func:`sim.state.row_max` takes them (``np.maximum`` a column at a time)."""
    k = a.shape[1]
    if k == WIDTH:  # rows of the usual width, the row loop unrolled (module note)
        return _row_max(a, out, WIDTH)
    return _row_max(a, out, k)


@njit(cache=True, nogil=True, inline="always")
def _row_max(a, out, k):
    """:func:`row_max` on rows of `k` slots."""
    n = a.shape[0]
    for i in range(n):
        best = a[i, 0]
        for j in range(1, k):
            v = a[i, j]
            if v > best or v != v:  # np.maximum propagates NaN
                best = v
        out[i] = best
    return out


@njit(cache=True, nogil=True)
def bonds_of(creator, chosen):
    """Flat indices of the bonds whose creator is marked in `chosen` (per creator),
    in row-major order (``np.flatnonzero(np.isin(creator, idx))``): counted, then
    written into an array of that size (no bond-sized buffer)."""
    c_flat = creator.reshape(-1)
    count = 0
    for t in range(c_flat.size):
        c = c_flat[t]
        count += (c >= 0) & chosen[max(c, 0)]  # no branch on the slot being empty
    out = np.empty(count, np.intp)
    count = 0
    for t in range(c_flat.size):
        c = c_flat[t]
        if (c >= 0) & chosen[max(c, 0)]:  # rarely true: a predictable branch
            out[count] = t
            count += 1
    return out


@njit(cache=True, nogil=True)
def tier_counts(strongest, focal, intense, borderline):
    """Counts of :func:`sim.metrics.tier_shares`: values >= `focal`, and among them
    those below `intense`, in [`intense`, `borderline`) and at or above `borderline`
    (thresholds in the array's dtype, compared as numpy compares them)."""
    n_focal, low, mid, high = 0, 0, 0, 0
    for i in range(strongest.size):
        v = strongest[i]
        if v >= focal:
            n_focal += 1
            if v < intense:
                low += 1
            if v >= intense and v < borderline:
                mid += 1
            if v >= borderline:
                high += 1
    return n_focal, low, mid, high



@njit(cache=True, nogil=True)
def compress_at_least(values, key, threshold):
    """``values[key >= threshold]``, in order (`threshold` in `key`'s dtype, so the
    comparison is numpy's): counted, then written into an array of that size.

    Without branches (a fifth of the fans pass, at random): every value is written
    at the next free place, which only a kept one then takes; the last such write
    lands in one spare place past the kept values.
    """
    count = 0
    for i in range(key.size):
        count += key[i] >= threshold
    out = np.empty(count + 1, values.dtype)
    count = 0
    for i in range(key.size):
        out[count] = values[i]
        count += key[i] >= threshold
    return out[:count]


@njit(cache=True, nogil=True)
def count_after(days, since):
    """How many of `days` are ``> since`` (compared in double precision, as numpy compares
    an integer array with a Python float)."""
    count = 0
    for i in range(days.size):
        if np.float64(days[i]) > since:
            count += 1
    return count


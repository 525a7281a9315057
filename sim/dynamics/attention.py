"""Mechanism 2: how the platform shapes exposure under a finite, binding attention budget.

The pure functions take numpy arrays (bond arrays have shape (fans, slots), fan
arrays (fans,)); :func:`step` applies them to a model's state for one day.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.dynamics import offline
from sim.state import row_sum, scratch


def desired_platform_hours(base_hours, notifications, notification_pull, strongest_attachment,
                           attachment_pull, feed, wellbeing, loneliness, loneliness_mean,
                           loneliness_pull, displaced):
    """Hours a fan would spend on the platform today, before limits.

    tau* = base (1 + nu pull_n) (1 + pull_A A_max f) max(0, 1 + pull_L (L - mean L)) + displaced,
    where f = W (the fan's wellbeing) under the wellbeing-aware feed, which stops
    feeding compulsive use to struggling fans, and 1 otherwise. Lonely fans seek
    more company on the platform; `displaced` is offline time a lockdown moved
    here (see :func:`sim.dynamics.offline.displaced_hours`).
    """
    f = wellbeing if feed == "wellbeing" else 1.0
    lonely = np.maximum(0.0, 1.0 + loneliness_pull * (loneliness - loneliness_mean))
    return (base_hours * (1.0 + notifications * notification_pull)
            * (1.0 + attachment_pull * strongest_attachment * f) * lonely + displaced)


def platform_hours(desired, free_time, time_limit, banned):
    """Hours actually spent: never more than free time or the platform's limit; banned fans 0."""
    hours = np.minimum(np.minimum(desired, free_time), time_limit)
    return np.where(banned, 0.0, hours)


def feed_weights(feed, posts, attachment, engagement_boost, wellbeing):
    """Rank weight of each followed creator's posts in a fan's feed.

    chronological: w = posts (volume only);
    engagement:    w = posts * (1 + boost * A), the bonds a fan engages with rise;
    wellbeing:     w = posts * (1 + boost * A * W), no amplification for fans doing badly.
    (Notifications act on platform time and live viewing, not on the ranking.)
    """
    if feed == "chronological":
        return posts
    w = engagement_boost * attachment  # in place from here: one bond-sized array, not three
    if feed != "engagement":
        w *= wellbeing[:, None]
    w += 1.0
    w *= posts
    return w


def posts_seen(weights, posts, budget):
    """Posts of each followed creator a fan sees today, within the fan's budget of posts.

    The budget is shared among followed creators in proportion to rank weight,
    nobody sees more posts than were posted, and what a saturated creator leaves
    goes once more to the others by weight. When the posts of those one follows
    exceed the budget, more posts from one creator mean fewer seen from the others.
    """
    total = row_sum(weights)
    seen = np.minimum(posts, budget[:, None] * weights / np.maximum(total, 1e-12)[:, None])
    left = budget - row_sum(seen)
    room = posts - seen
    open_weights = np.where(room > 1e-12, weights, 0.0)
    open_total = row_sum(open_weights)
    extra = left[:, None] * open_weights / np.maximum(open_total, 1e-12)[:, None]
    return seen + np.minimum(room, np.maximum(extra, 0.0))


_POSTS_SEEN = posts_seen
_FEED_WEIGHTS = feed_weights
_FEEDS = ("chronological", "engagement", "wellbeing")


def live_watch_hours(live_hours, attachment, notifications):
    """Hours of each followed creator's stream a fan would watch: share min(1, A + nu/2)."""
    return live_hours * np.minimum(1.0, attachment + 0.5 * notifications)


def recommendation_weights(feed, appeal, posts, engagement, popularity_bias, fandom_hostility,
                           active):
    """Probability that the platform recommends each creator to a fan looking for new ones.

    engagement:    w = appeal * (engagement + 1)^bias, by recent views: social proof
                   and cumulative advantage (Salganik, Dodds & Watts 2006);
    chronological: w = appeal * posts today, by recency alone (no popularity signal);
    wellbeing:     w = appeal * posts * (1 - H_fandom), recency, steering away from
                   hostile fandoms (H_fandom: mean hostility of the creator's followers).
    Appeal stands for how likely a recommended creator's content is to be followed.
    """
    if feed == "engagement":
        w = appeal * (engagement + 1.0) ** popularity_bias
    elif feed == "chronological":
        w = appeal * posts
    else:
        w = appeal * posts * np.clip(1.0 - fandom_hostility, 0.0, 1.0)
    w = np.where(active, w, 0.0)
    total = w.sum()
    return w / total if total > 0 else w


def update_engagement(engagement, views, memory):
    """Moving average of views over `memory` days: the signal the engagement feed ranks by."""
    return engagement + (views - engagement) / memory


def step(model, posts, live_hours):
    """Split each fan's platform time between live streams and the feed; return (seen, live).

    `posts` and `live_hours` are today's output per creator.
    """
    p, f, b, s = model.params, model.fans, model.bonds, model.slots
    a = model.strongest
    if (desired_platform_hours, platform_hours, offline.displaced_hours) == _FUSED \
            and a.dtype in (np.float32, np.float64):  # the per-fan hours in one compiled pass
        live = None
        if live_hours.any():
            live = live_watch_hours(s.gather(live_hours), b.attachment, p.notifications)
        n, t = p.n_fans, a.dtype.type
        hours, scale = np.empty(n), np.empty(n)
        feed_desire, budget = np.empty(n), np.empty(n)
        kernels.platform_time(
            f.platform_hours, p.free_time, p.lockdown_compensation * (1.0 - model.contact),
            f.base_hours, 1.0 + p.notifications * p.notification_pull, a, t(1.0),
            t(p.attachment_pull), p.feed == "wellbeing", f.wellbeing, f.loneliness,
            p.loneliness_mean, p.loneliness_pull, _NO_FANS if live is None else row_sum(live),
            live is not None, p.time_limit, f.banned, p.posts_per_hour, p.followed_share,
            feed_desire, hours, scale, budget)
        f.platform_hours = hours
        if live is not None:
            live *= scale[:, None]
        return _seen(model, posts, budget, live)
    displaced = offline.displaced_hours(p.free_time, f.platform_hours, model.contact,
                                        p.lockdown_compensation)
    feed_desire = desired_platform_hours(
        f.base_hours, p.notifications, p.notification_pull, model.strongest, p.attachment_pull,
        p.feed, f.wellbeing, f.loneliness, p.loneliness_mean, p.loneliness_pull, displaced)
    desire = feed_desire
    live = None
    if live_hours.any():
        live = live_watch_hours(s.gather(live_hours), b.attachment, p.notifications)
        desire = feed_desire + row_sum(live)
    f.platform_hours = platform_hours(desire, p.free_time, p.time_limit, f.banned)
    scale = np.divide(f.platform_hours, desire, out=np.zeros_like(desire), where=desire > 0)
    if live is not None:
        live *= scale[:, None]
    budget = p.posts_per_hour * feed_desire * scale * p.followed_share
    return _seen(model, posts, budget, live)


def _seen(model, posts, budget, live):
    """Posts seen within each fan's `budget` and the views they give; returns (seen, live)."""
    p, f, b, s, c = model.params, model.fans, model.bonds, model.slots, model.creators
    from sim.agents import builtin_feed  # agents import this module

    if (posts_seen is _POSTS_SEEN and feed_weights is _FEED_WEIGHTS
            and model.platform.feed_policy is builtin_feed and b.attachment.dtype == np.float32
            and p.feed in _FEEDS):  # the built-in feed and the budget in one compiled pass
        views = np.zeros(p.n_creators + 1)  # padding creator last
        seen = scratch(model).get("seen", s.index.shape)
        kernels.feed_posts_seen(_FEEDS.index(p.feed), b.attachment, p.engagement_boost,
                                f.wellbeing, np.append(posts, 0.0),
                                np.asarray(budget, dtype=float), s.index, views, seen)
        c.views = views[: p.n_creators]
        c.engagement = update_engagement(c.engagement, c.views, p.engagement_memory)
        return seen, live
    weights = model.platform.rank(s.gather(posts))
    if posts_seen is _POSTS_SEEN:  # the compiled pass, unless the function was replaced
        # = posts_seen(weights * s.valid, s.gather(posts), budget), without those two arrays
        views = np.zeros(p.n_creators + 1)  # padding creator last
        weights = np.broadcast_to(weights, s.index.shape)  # a policy may return any array-like
        if weights.dtype not in (np.float32, np.float64):
            weights = weights.astype(float)
        seen = scratch(model).get("seen", s.index.shape)
        kernels.posts_seen_views_into(np.ascontiguousarray(weights), np.append(posts, 0.0),
                                      np.asarray(budget, dtype=float), s.index, views, seen)
        c.views = views[: p.n_creators]
    else:
        seen = posts_seen(weights * s.valid, s.gather(posts), budget)
        c.views = s.total(seen)
    c.engagement = update_engagement(c.engagement, c.views, p.engagement_memory)
    return seen, live


_FUSED = (desired_platform_hours, platform_hours, offline.displaced_hours)
_NO_FANS = np.zeros(0)

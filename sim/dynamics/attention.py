"""Mechanism 2: how the platform shapes exposure under a finite attention budget.

All functions are pure: numpy arrays in, numpy arrays out. Bond arrays have
shape (fans, slots); fan arrays have shape (fans,).
"""

from __future__ import annotations

import numpy as np


def desired_platform_hours(base_hours, notifications, notification_pull, strongest_attachment,
                           attachment_pull, feed, wellbeing):
    """Hours a fan would spend on the platform today, before limits.

    tau* = base * (1 + nu * pull_n) * (1 + pull_A * A_max * f), where f = 1 for
    chronological and engagement feeds and f = W (the fan's wellbeing) for the
    wellbeing-aware feed, which stops feeding compulsive use to struggling fans.
    """
    f = wellbeing if feed == "wellbeing" else 1.0
    return (base_hours * (1.0 + notifications * notification_pull)
            * (1.0 + attachment_pull * strongest_attachment * f))


def platform_hours(desired, free_time, time_limit, banned):
    """Hours actually spent: never more than free time or the platform's limit; banned fans 0."""
    hours = np.minimum(np.minimum(desired, free_time), time_limit)
    return np.where(banned, 0.0, hours)


def feed_weights(feed, posts, attachment, engagement_boost, notifications, wellbeing):
    """Rank weight of each followed creator's posts in a fan's feed.

    chronological: w = posts (volume only);
    engagement:    w = posts * (1 + boost * A), the bonds a fan engages with rise;
    wellbeing:     w = posts * (1 + boost * A * W), no amplification for fans doing badly.
    Notifications push followed creators' posts further up: w *= (1 + nu).
    """
    if feed == "chronological":
        w = posts
    elif feed == "engagement":
        w = posts * (1.0 + engagement_boost * attachment)
    else:
        w = posts * (1.0 + engagement_boost * attachment * wellbeing[:, None])
    return w * (1.0 + notifications)


def posts_seen(weights, posts, capacity, inventory):
    """Posts of each followed creator a fan sees today.

    The fan's feed capacity (posts/hour * hours) is shared between followed
    creators and the other content in the feed in proportion to rank weight;
    nobody sees more posts than were posted.
    """
    share = weights / (weights.sum(axis=1, keepdims=True) + inventory + 1e-12)
    return np.minimum(capacity[:, None] * share, posts)


def live_watch_hours(live_hours, attachment, notifications):
    """Hours of each followed creator's stream a fan would watch: share min(1, A + nu/2)."""
    return live_hours * np.minimum(1.0, attachment + 0.5 * notifications)


def recommendation_weights(appeal, audience, popularity_bias, active):
    """Probability of recommending each creator: appeal * (audience + 1)^bias, active only."""
    w = np.where(active, appeal * (audience + 1.0) ** popularity_bias, 0.0)
    total = w.sum()
    return w / total if total > 0 else w

"""Mechanism 5: spending on subscriptions, paid messages, donations and fan meetings."""

from __future__ import annotations

import numpy as np


def purchase_wish(attachment, propensity, power, literacy, literacy_effect):
    """The wish to pay: propensity * A^power * (1 - e_lit * literacy); attachment drives it."""
    return propensity * attachment**power * (1.0 - literacy_effect * literacy)


def affordability(price, budget):
    """exp(-price / budget), and 0 when the price exceeds the budget: means decide."""
    budget = np.asarray(budget, dtype=float)
    return np.where(budget >= price, np.exp(-price / np.maximum(budget, 1e-12)), 0.0)


def purchase_probability(attachment, price, wallet, propensity, power, literacy, literacy_effect):
    """Daily chance that a fan buys something from a creator: wish * affordability.

    p = propensity * A^power * exp(-price / wallet) * (1 - e_lit * literacy),
    and 0 when the price exceeds the wallet: attachment drives the wish,
    means decide whether it is affordable, literacy restrains it.
    """
    return (purchase_wish(attachment, propensity, power, literacy, literacy_effect)
            * affordability(price, wallet))


def split_payment(amount, platform_cut, agency_cut):
    """Split payments into (creator, platform, agency) shares that add up to the amount."""
    platform = amount * platform_cut
    agency = (amount - platform) * agency_cut
    return amount - platform - agency, platform, agency



def within_budget(rows, cost, budget):
    """Which purchases fit: a fan's purchases (sorted by row, in slot order) are kept only
    while their running total stays within that fan's budget.

    Purchases are drawn for all of a fan's creators at once; this stops several
    on the same day from overdrawing the wallet.
    """
    if rows.size == 0:
        return np.zeros(0, dtype=bool)
    running = np.cumsum(cost)
    start = np.searchsorted(rows, rows, side="left")
    spent_before_row = running[start] - cost[start]
    return running - spent_before_row <= budget[rows] + 1e-9

"""Mechanism 5: spending on subscriptions, paid messages, donations and fan meetings."""

from __future__ import annotations

import numpy as np


def purchase_probability(attachment, price, wallet, propensity, power, literacy, literacy_effect):
    """Daily chance that a fan buys something from a creator.

    p = propensity * A^power * exp(-price / wallet) * (1 - e_lit * literacy),
    and 0 when the price exceeds the wallet: attachment drives the wish,
    means decide whether it is affordable, literacy restrains it.
    """
    wallet = np.asarray(wallet, dtype=float)
    afford = np.where(wallet >= price, np.exp(-price / np.maximum(wallet, 1e-12)), 0.0)
    return propensity * attachment**power * afford * (1.0 - literacy_effect * literacy)


def split_payment(amount, platform_cut, agency_cut):
    """Split payments into (creator, platform, agency) shares that add up to the amount."""
    platform = amount * platform_cut
    agency = (amount - platform) * agency_cut
    return amount - platform - agency, platform, agency



def within_budget(cost, budget):
    """Keep a fan's purchases (in slot order) only while their running total fits the budget.

    Purchases are drawn for all of a fan's creators at once; this stops several
    on the same day from overdrawing the wallet.
    """
    return np.cumsum(cost, axis=1) <= budget[:, None] + 1e-9

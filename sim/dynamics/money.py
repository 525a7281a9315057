"""Mechanism 5: spending on subscriptions, paid messages, donations and fan meetings.

Attachment drives the wish to pay, price against the fan's means decides it;
subscriptions renew until satisfaction falls; donations read out on stream
compete for the creator's limited shout-outs. All money is conserved: what
fans pay is split exactly between creators, the platform and agencies.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.state import bernoulli_positions, shrink

SPEND_KINDS = ("subscription", "paid_message", "donation", "meeting")
WALLET_MONTHS = 2.0  # savings cap: fans keep at most this many months of disposable money
MONTH = 30  # days in a subscription period and in "recent" spending


def price_response(price, monthly_means, sensitivity):
    """Demand's response to price: exp(-s * price / monthly means) (1 at price 0)."""
    return np.exp(-sensitivity * price / np.maximum(monthly_means, 1e-12))


def purchase_probability(attachment, price, monthly_means, budget, propensity, power, literacy,
                         literacy_effect, sensitivity):
    """Daily chance that a fan buys something from a creator.

    p = propensity * A^power * (1 - e_lit * literacy) * exp(-s * price / means),
    and 0 when the price exceeds what is left in the wallet: attachment drives
    the wish, the price against the fan's monthly means scales it down, literacy
    restrains it.
    """
    wish = propensity * attachment**power * (1.0 - literacy_effect * literacy)
    return np.where(budget >= price, wish * price_response(price, monthly_means, sensitivity), 0.0)


def cancel_probability(attachment, anchor, reciprocity, price, monthly_means, base, sensitivity,
                       price_sensitivity):
    """Chance a subscriber cancels at renewal: logistic in satisfaction.

    logit p = logit(base) - k * (A + (A - A_anchor) + R - s * price / means):
    satisfaction rises with attachment, its trend since the last renewal and
    perceived reciprocity (which the creator's broadcasts feed), and falls with
    the price against the fan's means; at zero net value the chance is `base`.
    """
    value = attachment + (attachment - anchor) + reciprocity
    cost = price_sensitivity * price / np.maximum(monthly_means, 1e-12)
    base = np.clip(base, 1e-9, 1.0 - 1e-9)
    logit = np.log(base / (1.0 - base)) - sensitivity * (value - cost)
    return 1.0 / (1.0 + np.exp(-logit))


def read_out(creator, size, capacity, rng):
    """Which donations a creator reads out: the largest first, up to its capacity today.

    Donors compete for visibility (Wohn, Freeman & McLaughlin 2018): the same
    gift is recognised on a quiet day and lost on a busy one. Ties break at random.
    """
    order = np.lexsort((rng.random(size.size), -size, creator))
    rank = np.empty(size.size, dtype=np.int64)
    sorted_creator = creator[order]
    first = np.searchsorted(sorted_creator, sorted_creator, side="left")
    rank[order] = np.arange(size.size) - first
    return rank < np.floor(capacity[creator])


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


class Recognition:
    """Recognition per bond from purchases (donations read out, meetings), kept sparse.

    Few bonds get any on a day, so instead of a bond-sized array this keeps
    what such an array would hold at those bonds: `set` and `add` act as
    ``array.flat[bonds] = value`` and ``array.flat[bonds] += value`` on
    distinct `bonds`, and :meth:`add_to` adds the result into a dense array.
    """

    def __init__(self):
        self._ops: list[tuple[bool, np.ndarray, float]] = []

    def set(self, bonds: np.ndarray, value: float) -> None:
        self._ops.append((False, np.asarray(bonds, dtype=np.intp), value))

    def add(self, bonds: np.ndarray, value: float) -> None:
        self._ops.append((True, np.asarray(bonds, dtype=np.intp), value))

    def values(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct flat bonds, their recognition), as the dense array would have them."""
        if not self._ops:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        bonds, where = np.unique(np.concatenate([b for _, b, _ in self._ops]),
                                 return_inverse=True)
        values, start = np.zeros(bonds.size), 0
        for add, b, value in self._ops:
            at = where[start:start + b.size]
            start += b.size
            if add:
                values[at] += value
            else:
                values[at] = value
        return bonds, values

    def add_to(self, dense: np.ndarray) -> np.ndarray:
        """``dense + this`` in place (each bond once: the same sum as the dense arrays')."""
        bonds, values = self.values()
        dense.reshape(-1)[bonds] += values
        return dense


class Ledger:
    """Today's payments as (flat bond index, amount, kind) triples, with each fan's budget left."""

    def __init__(self, shape: tuple[int, int], wallet: np.ndarray):
        self.slots = shape[1]
        self.budget = wallet.copy()
        self.bonds = np.zeros(0, dtype=np.intp)
        self.amounts = np.zeros(0)
        self.kinds = np.zeros(0, dtype=np.int8)

    def pay(self, bonds: np.ndarray, cost: np.ndarray, kind: str) -> np.ndarray:
        """Record the purchases that fit each fan's budget (bonds sorted); return those bonds."""
        rows = bonds // self.slots
        fits = within_budget(rows, cost, self.budget)
        bonds, cost, rows = bonds[fits], cost[fits], rows[fits]
        np.subtract.at(self.budget, rows, cost)
        self.bonds = np.concatenate([self.bonds, bonds])
        self.amounts = np.concatenate([self.amounts, cost])
        self.kinds = np.concatenate([self.kinds, np.full(bonds.size, SPEND_KINDS.index(kind),
                                                         dtype=np.int8)])
        return bonds

    def per_fan(self) -> np.ndarray:
        return np.bincount(self.bonds // self.slots, weights=self.amounts,
                           minlength=self.budget.size)

    def per_kind(self) -> np.ndarray:
        return np.bincount(self.kinds, weights=self.amounts, minlength=len(SPEND_KINDS))


def monthly_means(model, rows):
    """Disposable money per 30 days of the fans in `rows`."""
    return MONTH * model.fans.income[rows]


class Able:
    """The bonds that can buy today: occupied slots (this step's slot map) of fans not banned.

    Stands for the boolean mask ``model.slots.valid & ~banned[:, None]`` but is
    evaluated only where asked: :meth:`at` the few bonds a purchase draw picked,
    :meth:`mask` whole. ``offers`` (per creator) narrows it to the creators that
    sell something, `condition` (flat bonds -> bool) to a per-bond condition.
    """

    def __init__(self, model, offers=None, condition=None):
        self.model, self.offers, self.condition = model, offers, condition
        self.size = model.slots.index.size

    def where(self, offers=None, condition=None) -> Able:
        return Able(self.model, offers, condition)

    def at(self, bonds: np.ndarray) -> np.ndarray:
        s = self.model.slots
        creator = s.flat[bonds]
        ok = (creator != s.n) & ~self.model.fans.banned[bonds // s.index.shape[1]]
        if self.offers is not None:
            ok &= np.append(self.offers, False)[creator]
        if self.condition is not None:
            ok &= self.condition(bonds)
        return ok

    def mask(self) -> np.ndarray:
        s = self.model.slots
        ok = s.valid & ~self.model.fans.banned[:, None]
        if self.offers is not None:
            ok &= s.gather(self.offers, False)
        if self.condition is not None:
            ok &= self.condition(np.arange(self.size)).reshape(ok.shape)
        return ok


def buy(model, eligible, price, ledger, kind, per_fan=False):
    """Draw today's purchases of one kind; returns the flat bond indices that paid.

    The purchase probability never exceeds `spend_propensity`, so bonds are
    first drawn at that rate and then thinned by the exact probability: the
    same Bernoulli draws, evaluated on a few bonds instead of all. `price` is
    per creator (an array over creators) or, with ``per_fan``, per fan.
    """
    p, f, b, rng = model.params, model.fans, model.bonds, model.rng
    bonds_ = bernoulli_positions(rng, eligible.size, p.spend_propensity)
    bonds_ = bonds_[eligible.at(bonds_) if isinstance(eligible, Able)
                    else eligible.reshape(-1)[bonds_]]
    rows = bonds_ // p.max_follows
    cost = price[rows] if per_fan else price[model.slots.flat[bonds_]]
    prob = purchase_probability(b.attachment.reshape(-1)[bonds_], cost, monthly_means(model, rows),
                                ledger.budget[rows], 1.0, p.spend_attachment_power,
                                f.literacy[rows], p.literacy_effect, p.price_sensitivity)
    ok = rng.random(bonds_.size) < prob
    return ledger.pay(bonds_[ok], cost[ok], kind)


def subscriptions(model, day, able, ledger) -> None:
    """Renew or cancel the subscriptions due today; draw new ones."""
    p, b, c, s, rng = model.params, model.bonds, model.creators, model.slots, model.rng
    price = np.append(c.subscription_price, 0.0)
    if isinstance(able, Able):  # (until == day) & able & offered, in one compiled pass
        due = np.empty(b.subscribed_until.size, np.intp)
        due = due[:kernels.due_bonds(b.subscribed_until, day, s.index, model.fans.banned,
                                     np.append(c.offers_subscription, False), due)].copy()
    else:
        offered = s.gather(c.offers_subscription, False)
        due = np.flatnonzero((b.subscribed_until.ravel() == day) & (able & offered).ravel())
    rows = due // p.max_follows
    cancel = rng.random(due.size) < cancel_probability(
        b.attachment.reshape(-1)[due], b.anchor.reshape(-1)[due], b.reciprocity.reshape(-1)[due],
        price[s.flat[due]], monthly_means(model, rows), p.subscription_churn,
        p.churn_sensitivity, p.price_sensitivity)
    renewing = due[~cancel]
    renewed = ledger.pay(renewing, price[s.flat[renewing]], "subscription")
    if isinstance(able, Able):
        eligible = able.where(c.offers_subscription,
                              lambda bonds: b.subscribed_until.reshape(-1)[bonds] < day)
    else:
        eligible = able & offered & (b.subscribed_until < day)
    new = buy(model, eligible, price, ledger, "subscription")
    started = np.concatenate([renewed, new])
    b.subscribed_until.reshape(-1)[started] = day + MONTH
    b.anchor.reshape(-1)[started] = b.attachment.reshape(-1)[started]
    model.today.subscriptions_started += int(new.size)
    model.today.subscriptions_cancelled += int(due.size - renewed.size)


def donations(model, able, live_today, ledger):
    """Gifts that scale with the giver's means. On stream they are read out within the
    creator's capacity (the rest go unrecognised); off stream each donor is thanked by
    a name-inserted broadcast. Returns (recognition per bond, flat bonds to thank)."""
    p, f, c, s = model.params, model.fans, model.creators, model.slots
    size = p.donation_size * f.income / max(p.fan_income, 1e-12)
    eligible = (able.where(c.offers_donations) if isinstance(able, Able)
                else able & s.gather(c.offers_donations, False))
    donate = buy(model, eligible, size, ledger, "donation", per_fan=True)
    on_stream = live_today[s.flat[donate]] > 0
    streamed = donate[on_stream]
    read = read_out(s.flat[streamed], size[streamed // p.max_follows],
                    p.shoutouts_per_hour * live_today, model.rng)
    recognition = Recognition()
    recognition.set(streamed[read], p.shoutout_value)
    model.today.donations_read += int(read.sum())
    model.today.donations += int(streamed.size)
    return recognition, donate[~on_stream]


def meetings(model, day, able, ledger, recognition) -> None:
    """Creators holding a meeting today admit up to `meeting_capacity` paying fans."""
    p, f, b, c, s, rng = model.params, model.fans, model.bonds, model.creators, model.slots, model.rng
    holding = (c.active & ~c.burnt_out & c.offers_meetings & (c.break_until <= day)
               & ((day + c.meeting_phase) % p.meeting_interval == 0))
    model.today.meetings = holding.astype(float)
    if not holding.any():
        return
    if isinstance(able, Able):
        able = able.mask()
    candidates = np.flatnonzero((able & s.gather(holding, False)).ravel())
    rows = candidates // p.max_follows
    want = purchase_probability(b.attachment.reshape(-1)[candidates], p.meeting_price,
                                monthly_means(model, rows), ledger.budget[rows], 1.0,
                                p.spend_attachment_power, f.literacy[rows], p.literacy_effect,
                                p.price_sensitivity)
    candidates = candidates[rng.random(candidates.size) < want]
    creator_of = s.flat[candidates]
    order = np.lexsort((rng.random(candidates.size), creator_of))
    candidates, creator_of = candidates[order], creator_of[order]
    first = np.searchsorted(creator_of, creator_of, side="left")
    admitted = np.sort(candidates[np.arange(candidates.size) - first < p.meeting_capacity])
    attend = ledger.pay(admitted, np.full(admitted.size, p.meeting_price), "meeting")
    b.met.reshape(-1)[attend] = True
    recognition.add(attend, 1.0)


def purchases(model, day, live_today, ledger):
    """Subscriptions, donations and fan meetings of the day.

    Returns their recognition per bond (a sparse :class:`Recognition`) and the donors
    to thank by broadcast (off stream). Paid messages are bought where they are sent
    (:mod:`sim.dynamics.interaction`).
    """
    f = model.fans
    if f.wallet.dtype == f.income.dtype == np.float64:  # the same sums, in one pass
        f.wallet = kernels.refill(f.wallet, f.income, MONTH * WALLET_MONTHS)
    else:
        f.wallet = np.minimum(f.wallet + f.income, MONTH * WALLET_MONTHS * f.income)
    able = Able(model)  # occupied slots of fans not banned (quit creators have no bonds)
    subscriptions(model, day, able, ledger)
    recognition, thanked = donations(model, able, live_today, ledger)
    meetings(model, day, able, ledger, recognition)
    return recognition, thanked


def settle(model, ledger, day) -> None:
    """Move money from fans to creators, the platform and agencies (conserved exactly)."""
    p, f, b, c, s = model.params, model.fans, model.bonds, model.creators, model.slots
    per_fan = ledger.per_fan()
    f.wallet -= per_fan
    f.spent += per_fan
    f.last_paid[per_fan > 0] = day
    shrink(b.recent_spend, MONTH)  # b.recent_spend -= b.recent_spend / MONTH
    np.add.at(b.recent_spend.reshape(-1), ledger.bonds, ledger.amounts)
    amount = np.bincount(s.flat[ledger.bonds], weights=ledger.amounts,
                         minlength=p.n_creators + 1)[: p.n_creators]
    to_creator, to_platform, to_agency = split_payment(amount, p.platform_cut, c.agency_cut)
    c.income += to_creator
    c.recent_income += (to_creator - c.recent_income) / MONTH
    model.platform.revenue += to_platform.sum()
    model.platform.agency_revenue += to_agency.sum()
    model.today.spending = per_fan
    for kind, total in zip(SPEND_KINDS, ledger.per_kind(), strict=True):
        model.spending_by_kind[kind] += float(total)
    model.totals["paid"] += amount.sum()
    model.totals["creator_income"] += to_creator.sum()
    model.totals["platform"] += to_platform.sum()
    model.totals["agency"] += to_agency.sum()

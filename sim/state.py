"""Struct-of-arrays state: one numpy array per variable for all fans, creators and bonds.

Agents are thin views onto these arrays (see :mod:`sim.agents`), so the step
updates whole populations with vectorised numpy and never loops over fans.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.dynamics.money import within_budget
from sim.params import CREATOR_KINDS, Params

NEVER = -(10**9)  # day index meaning "has not happened"


def beta(rng, mean, concentration, size):
    """Beta draws with the given mean (a constant at the edges 0 and 1)."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(size, float(np.clip(mean, 0.0, 1.0)))
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size)


def lognormal(rng, median, sigma, size):
    """Lognormal draws with the given median and log-space spread."""
    return median * np.exp(sigma * rng.standard_normal(size))


@dataclass
class FanState:
    """Per-fan arrays, shape (n_fans,)."""

    absorption: np.ndarray  # susceptibility to bonding, 0-1
    literacy: np.ndarray  # media literacy, 0-1
    loneliness_trait: np.ndarray  # dispositional loneliness, 0-1
    loneliness: np.ndarray  # current loneliness, 0-1
    income: np.ndarray  # disposable money per day
    wallet: np.ndarray  # money available to spend
    base_hours: np.ndarray  # unprompted platform use, hours/day
    platform_hours: np.ndarray  # hours on the platform today
    offline_hours: np.ndarray  # hours with offline ties today
    support: np.ndarray  # mean offline tie strength, 0-1
    wellbeing: np.ndarray  # 0-1
    hostility: np.ndarray  # 0-1
    grief: np.ndarray  # parasocial-breakup distress, >= 0
    victimisation: np.ndarray  # recent harassment received (30-day moving sum)
    opinion: np.ndarray  # political / identity position, -1..1
    strikes: np.ndarray  # detected harassment incidents
    banned: np.ndarray  # removed by moderation
    last_paid: np.ndarray  # day of the last payment
    last_harassed: np.ndarray  # day last harassed
    spent: np.ndarray  # cumulative spending

    @classmethod
    def create(cls, p: Params, rng: np.random.Generator) -> FanState:
        n = p.n_fans
        trait = beta(rng, p.loneliness_mean, 6.0, n)
        income = lognormal(rng, p.fan_income, p.fan_income_sigma, n)
        base_hours = lognormal(rng, p.base_platform_hours, 0.5, n)
        hours = np.minimum(np.minimum(base_hours, p.free_time), p.time_limit)
        return cls(
            absorption=beta(rng, p.absorption_mean, p.absorption_concentration, n),
            literacy=beta(rng, p.media_literacy, 4.0, n),
            loneliness_trait=trait,
            loneliness=trait.copy(),
            income=income,
            wallet=15.0 * income,
            base_hours=base_hours,
            platform_hours=hours,
            offline_hours=p.free_time - hours,
            support=np.zeros(n),
            wellbeing=np.full(n, p.wellbeing_base),
            hostility=np.zeros(n),
            grief=np.zeros(n),
            victimisation=np.zeros(n),
            opinion=rng.uniform(-1.0, 1.0, n),
            strikes=np.zeros(n, dtype=np.int32),
            banned=np.zeros(n, dtype=bool),
            last_paid=np.full(n, NEVER, dtype=np.int64),
            last_harassed=np.full(n, NEVER, dtype=np.int64),
            spent=np.zeros(n),
        )


@dataclass
class CreatorState:
    """Per-creator arrays, shape (n_creators,)."""

    kind: np.ndarray  # index into CREATOR_KINDS
    appeal: np.ndarray  # content appeal (lognormal, heavy-tailed)
    resources: np.ndarray  # team and means (lognormal, median 1)
    posting_rate: np.ndarray  # posts/day at full output
    disclosure: np.ndarray  # self-disclosure, 0-1
    address: np.ndarray  # direct address, 0-1
    live_hours: np.ndarray  # live hours/day at full output
    reply_capacity: np.ndarray  # replies/day at full output
    boundaries: np.ndarray  # 0-1
    targeting: np.ndarray  # identity-based harassment multiplier, >= 1
    opinion: np.ndarray  # -1..1
    meeting_phase: np.ndarray  # day offset of fan meetings
    stress: np.ndarray  # 0-1
    burnt_out: np.ndarray
    ever_burnt_out: np.ndarray
    active: np.ndarray
    income: np.ndarray  # cumulative income received
    harassment: np.ndarray  # incidents received today
    stalking: np.ndarray  # stalking incidents received today
    harassment_total: np.ndarray  # cumulative incidents received
    last_harassed: np.ndarray  # day last harassed
    audience: np.ndarray  # followers today
    views: np.ndarray  # posts seen by fans today

    @classmethod
    def create(cls, p: Params, rng: np.random.Generator) -> CreatorState:
        c = p.n_creators
        dtypes = {"burnt_out": bool, "ever_burnt_out": bool, "active": bool, "kind": np.int64,
                  "meeting_phase": np.int64, "last_harassed": np.int64}
        state = cls(**{f.name: np.zeros(c, dtype=dtypes.get(f.name, float)) for f in fields(cls)})
        state.renew(np.arange(c), p, rng)
        return state

    def renew(self, idx: np.ndarray, p: Params, rng: np.random.Generator) -> None:
        """Give slots `idx` fresh creators (at start, and when newcomers replace quitters)."""
        k = idx.size
        resources = lognormal(rng, 1.0, p.resources_sigma, k)
        draws = {
            "kind": np.full(k, CREATOR_KINDS.index(p.kind)),
            "appeal": lognormal(rng, 1.0, p.appeal_sigma, k),
            "resources": resources,
            "posting_rate": lognormal(rng, p.posting_rate, 0.5, k),
            "disclosure": beta(rng, p.self_disclosure, 5.0, k),
            "address": beta(rng, p.direct_address, 5.0, k),
            "live_hours": np.minimum(lognormal(rng, p.live_hours, 0.5, k), 16.0),
            "reply_capacity": p.reply_capacity * resources,
            "boundaries": beta(rng, p.boundaries, 5.0, k),
            "targeting": np.where(rng.random(k) < p.targeted_share, p.targeting_multiplier, 1.0),
            "opinion": rng.uniform(-1.0, 1.0, k),
            "meeting_phase": rng.integers(0, p.meeting_interval, k),
            "stress": rng.uniform(0.0, 0.2, k),
        }
        for name, value in draws.items():
            getattr(self, name)[idx] = value
        self.burnt_out[idx] = False
        self.ever_burnt_out[idx] = False
        self.active[idx] = True
        for name in ("income", "harassment", "stalking", "harassment_total", "audience", "views"):
            getattr(self, name)[idx] = 0.0
        self.last_harassed[idx] = NEVER


@dataclass
class Bonds:
    """The relationship store: fan -> creator bonds in fixed slots, shape (n_fans, max_follows).

    `creator` is -1 for an empty slot. Fixed-width rows make per-fan reductions
    (strongest bond, totals) plain axis-1 numpy calls and per-creator ones a
    bincount over `creator`.
    """

    creator: np.ndarray  # intp (fast as a gather index), -1 = empty
    attachment: np.ndarray  # A, 0-1
    reciprocity: np.ndarray  # perceived reciprocity R, 0-1
    frustration: np.ndarray  # F, 0-1
    recent_spend: np.ndarray  # 30-day moving sum of spending
    subscribed_until: np.ndarray  # day the subscription lapses
    met: np.ndarray  # met the creator in person

    @classmethod
    def create(cls, p: Params, rng: np.random.Generator, popularity: np.ndarray) -> Bonds:
        n, k = p.n_fans, p.max_follows
        creator = rng.choice(p.n_creators, size=(n, k), p=popularity).astype(np.intp)
        count = np.minimum(rng.poisson(p.initial_follows, n), min(k, p.n_creators))
        creator[np.arange(k)[None, :] >= count[:, None]] = -1
        creator = _drop_duplicates(creator)
        bonds = cls(
            creator=creator,
            attachment=np.where(creator >= 0, rng.uniform(0.0, 0.1, (n, k)), 0.0),
            reciprocity=np.zeros((n, k)),
            frustration=np.zeros((n, k)),
            recent_spend=np.zeros((n, k)),
            subscribed_until=np.full((n, k), NEVER, dtype=np.int64),
            met=np.zeros((n, k), dtype=bool),
        )
        return bonds

    @property
    def valid(self) -> np.ndarray:
        return self.creator >= 0

    def clear(self, mask: np.ndarray) -> None:
        """Empty the slots in `mask` (unfollow, creator quit)."""
        self.creator[mask] = -1
        self.reset(mask)

    def reset(self, mask: np.ndarray) -> None:
        """Zero every bond variable in `mask` (a new or emptied slot)."""
        for name in ("attachment", "reciprocity", "frustration", "recent_spend"):
            getattr(self, name)[mask] = 0.0
        self.subscribed_until[mask] = NEVER
        self.met[mask] = False


def _drop_duplicates(creator: np.ndarray) -> np.ndarray:
    """Empty repeated creators within a row (a fan follows a creator at most once)."""
    order = np.argsort(creator, axis=1, kind="stable")
    sorted_ = np.take_along_axis(creator, order, axis=1)
    dup_sorted = np.zeros_like(sorted_, dtype=bool)
    dup_sorted[:, 1:] = (sorted_[:, 1:] == sorted_[:, :-1]) & (sorted_[:, 1:] >= 0)
    dup = np.zeros_like(dup_sorted)
    np.put_along_axis(dup, order, dup_sorted, axis=1)
    return np.where(dup, -1, creator)


class Slots:
    """This step's map from bonds to creators, for fast gathers and per-creator sums.

    Empty slots point at a padding creator ``n_creators``, so gathers need no
    masking and per-creator bincounts simply drop the padding bin.
    """

    def __init__(self, creator: np.ndarray, n_creators: int):
        self.valid = creator >= 0
        self.index = np.where(self.valid, creator, n_creators)
        self.flat = self.index.reshape(-1)
        self.n = n_creators

    def gather(self, values: np.ndarray, empty=0.0) -> np.ndarray:
        """A per-creator array spread onto bonds (empty slots get `empty`)."""
        return np.append(values, empty)[self.index]

    def total(self, per_bond: np.ndarray) -> np.ndarray:
        """Per-creator sums of a per-bond quantity."""
        return np.bincount(self.flat, weights=per_bond.reshape(-1), minlength=self.n + 1)[: self.n]

    def count(self, flat_bonds: np.ndarray) -> np.ndarray:
        """Per-creator counts of the bonds with these flat indices."""
        return np.bincount(self.flat[flat_bonds], minlength=self.n + 1)[: self.n].astype(float)


class Ledger:
    """Today's payments as (flat bond index, amount) pairs, with each fan's remaining budget."""

    def __init__(self, shape: tuple[int, int], wallet: np.ndarray):
        self.slots = shape[1]
        self.budget = wallet.copy()
        self.bonds = np.zeros(0, dtype=np.intp)
        self.amounts = np.zeros(0)

    def pay(self, bonds: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Record the purchases that fit each fan's budget (bonds sorted); return those bonds."""
        rows = bonds // self.slots
        fits = within_budget(rows, cost, self.budget)
        bonds, cost, rows = bonds[fits], cost[fits], rows[fits]
        np.subtract.at(self.budget, rows, cost)
        self.bonds = np.concatenate([self.bonds, bonds])
        self.amounts = np.concatenate([self.amounts, cost])
        return bonds

    def per_fan(self) -> np.ndarray:
        return np.bincount(self.bonds // self.slots, weights=self.amounts,
                           minlength=self.budget.size)


def row_max(a: np.ndarray) -> np.ndarray:
    """Row maxima of a (fans, slots) array, a column at a time (faster than .max(axis=1))."""
    out = a[:, 0].copy()
    for k in range(1, a.shape[1]):
        np.maximum(out, a[:, k], out=out)
    return out


def row_sum(a: np.ndarray) -> np.ndarray:
    """Row sums of a (fans, slots) array as a matrix-vector product (faster than .sum(axis=1))."""
    return a @ np.ones(a.shape[1])


def bernoulli_positions(rng: np.random.Generator, n: int, prob: float) -> np.ndarray:
    """Indices i < n that succeed in independent Bernoulli(prob) trials, drawn in O(successes).

    Geometric gaps between successes give exactly the same distribution as
    ``np.flatnonzero(rng.random(n) < prob)`` without drawing n uniforms. Gaps
    are capped at n + 1 (any such gap already ends the draw): at tiny `prob`
    numpy returns the int64 maximum, whose running sum would overflow.
    """
    if prob <= 0.0 or n == 0:
        return np.zeros(0, dtype=np.intp)
    if prob >= 1.0:
        return np.arange(n, dtype=np.intp)
    out, start = [], -1
    while True:
        size = int(max(16, (n - start) * prob * 1.1 + 4 * np.sqrt((n - start) * prob + 1)))
        positions = start + np.cumsum(np.minimum(rng.geometric(prob, size), n + 1))
        out.append(positions[positions < n])
        if positions[-1] >= n:
            break
        start = int(positions[-1])
    return np.concatenate(out).astype(np.intp)

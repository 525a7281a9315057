"""Struct-of-arrays state: one numpy array per variable for all fans, creators and bonds.

Agents are thin views onto these arrays (see :mod:`sim.agents`), so the step
updates whole populations with vectorised numpy and never loops over fans.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim import kernels
from sim.dynamics.taste import draw_suited
from sim.params import CREATOR_KINDS, PAID_MESSAGES, Params

NEVER = -(10**9)  # day index meaning "has not happened"
# Bond variables kept in single precision (docs/ODD.md, 2.1): 7 significant digits are far
# finer than anything the model resolves, and at 10^6 fans x 6 slots each saves 24 MB.
# Arithmetic on them is done in double precision; only the stored values are rounded.
SINGLE = np.float32


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
    taste: np.ndarray  # content interest, a position on a circle of circumference 1
    strikes: np.ndarray  # detected harassment incidents
    banned: np.ndarray  # removed by moderation
    last_paid: np.ndarray  # day of the last payment
    last_harassed: np.ndarray  # day last harassed
    spent: np.ndarray  # cumulative spending
    acts_committed: np.ndarray  # harassment incidents committed (detected or not)
    acts_received: np.ndarray  # harassment incidents received (that reached the fan)

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
            taste=rng.random(n),
            strikes=np.zeros(n, dtype=np.int32),
            banned=np.zeros(n, dtype=bool),
            last_paid=np.full(n, NEVER, dtype=np.int64),
            last_harassed=np.full(n, NEVER, dtype=np.int64),
            spent=np.zeros(n),
            acts_committed=np.zeros(n, dtype=np.int32),
            acts_received=np.zeros(n, dtype=np.int32),
        )


@dataclass
class CreatorState:
    """Per-creator arrays, shape (n_creators,): one slot per creator, refilled by newcomers."""

    kind: np.ndarray  # index into CREATOR_KINDS
    human: np.ndarray  # False for virtual (AI) creators, who do not tire
    appeal: np.ndarray  # content appeal (lognormal, heavy-tailed)
    resources: np.ndarray  # team and means (lognormal, median 1)
    posting_rate: np.ndarray  # posts/day at full output
    disclosure: np.ndarray  # self-disclosure, 0-1
    address: np.ndarray  # direct address, 0-1
    live_hours: np.ndarray  # live hours/day at full output
    chat_share: np.ndarray  # share of stream chat capacity spent reading fans by name
    reply_capacity: np.ndarray  # replies/day at full output
    minutes_per_reply: np.ndarray  # working minutes per personal reply
    boundaries: np.ndarray  # 0-1
    targeting: np.ndarray  # identity-based harassment multiplier, >= 1
    opinion: np.ndarray  # -1..1
    niche: np.ndarray  # content position on the fans' taste circle, 0-1
    meeting_phase: np.ndarray  # day offset of fan meetings
    offers_subscription: np.ndarray  # paid features this creator offers ...
    paid_mode: np.ndarray  # index into PAID_MESSAGES
    offers_donations: np.ndarray
    offers_meetings: np.ndarray
    subscription_price: np.ndarray  # ... and their prices
    message_price: np.ndarray
    broadcast_rate: np.ndarray  # name-inserted broadcasts/day to subscribers
    agency_cut: np.ndarray  # agency's share of what the platform leaves
    stress: np.ndarray  # 0-1
    burnt_out: np.ndarray
    ever_burnt_out: np.ndarray
    active: np.ndarray
    break_until: np.ndarray  # day a break ends (no output before it)
    start_day: np.ndarray  # day this creator started
    income: np.ndarray  # cumulative income received
    recent_income: np.ndarray  # income per day, 30-day moving average
    harassment: np.ndarray  # incidents received today
    stalking: np.ndarray  # stalking incidents received today
    harassment_total: np.ndarray  # cumulative incidents received
    last_harassed: np.ndarray  # day last harassed
    audience: np.ndarray  # followers today
    views: np.ndarray  # posts seen by fans today
    engagement: np.ndarray  # recent views (moving average over engagement_memory days)
    posts: np.ndarray  # posts published today
    posts_total: np.ndarray  # posts published since the creator started
    exposure: np.ndarray  # harassment by its followers left visible, per follower (moving average)

    _DTYPES = {"kind": np.int64, "paid_mode": np.int64, "meeting_phase": np.int64,
               "last_harassed": np.int64, "break_until": np.int64, "start_day": np.int64,
               **dict.fromkeys(("human", "burnt_out", "ever_burnt_out", "active",
                                "offers_subscription", "offers_donations", "offers_meetings"), bool)}

    @classmethod
    def create(cls, p: Params, kinds: list[tuple[str, float, Params]],
               rng: np.random.Generator) -> CreatorState:
        c = p.n_creators
        state = cls(**{f.name: np.zeros(c, dtype=cls._DTYPES.get(f.name, float))
                       for f in fields(cls)})
        state.renew(np.arange(c), kinds, rng, day=0)
        return state

    def renew(self, idx: np.ndarray, kinds: list[tuple[str, float, Params]],
              rng: np.random.Generator, day: int) -> None:
        """Give slots `idx` fresh creators (at start, and when newcomers replace quitters).

        `kinds` lists each creator kind of this world with its share and the
        parameters its creators are drawn from (:func:`sim.params.creator_params`);
        with several kinds, each newcomer's kind is drawn by those shares.
        """
        which = (rng.choice(len(kinds), size=idx.size, p=[share for _, share, _ in kinds])
                 if len(kinds) > 1 else np.zeros(idx.size, dtype=np.int64))
        for k, (name, _, params) in enumerate(kinds):
            self._draw(idx[which == k], name, params, rng)
        for name in ("burnt_out", "ever_burnt_out"):
            getattr(self, name)[idx] = False
        self.active[idx] = True
        self.break_until[idx] = day
        self.start_day[idx] = day
        for name in ("income", "recent_income", "harassment", "stalking", "harassment_total",
                     "audience", "views", "engagement", "posts", "posts_total", "exposure"):
            getattr(self, name)[idx] = 0.0
        self.last_harassed[idx] = NEVER

    _SCALED = {"posting_rate": "posting_rate", "live_hours": "live_hours",
               "reply_capacity": "reply_capacity", "self_disclosure": "disclosure",
               "direct_address": "address", "boundaries": "boundaries",
               "chat_interaction": "chat_share", "minutes_per_reply": "minutes_per_reply",
               "broadcast_rate": "broadcast_rate"}
    _SET = {"subscriptions": "offers_subscription", "donations": "offers_donations",
            "fan_meetings": "offers_meetings", "subscription_price": "subscription_price",
            "message_price": "message_price", "agency_cut": "agency_cut"}

    def apply_settings(self, old: Params, new: Params, names: set[str]) -> None:
        """Carry changed creator settings over to the creators already here (see
        :meth:`sim.model.ParasocialModel.update_params`)."""
        for name in names:
            if name in self._SCALED:
                before, after = getattr(old, name), getattr(new, name)
                values = getattr(self, self._SCALED[name])
                if 0 < before < np.inf and after < np.inf:
                    values *= after / before
                else:  # from or to nothing (or unlimited): every creator at the new level
                    values[:] = after * (self.resources if name == "reply_capacity" else 1.0)
                if name in ("self_disclosure", "direct_address", "boundaries", "chat_interaction"):
                    np.clip(values, 0.0, 1.0, out=values)
            elif name in self._SET:
                getattr(self, self._SET[name])[:] = getattr(new, name)
            elif name == "paid_messages":
                self.paid_mode[:] = PAID_MESSAGES.index(new.paid_messages)

    def _draw(self, idx: np.ndarray, kind: str, p: Params, rng: np.random.Generator) -> None:
        """Traits and offers of new creators of one kind."""
        k = idx.size
        if k == 0:
            return
        resources = lognormal(rng, 1.0, p.resources_sigma, k)
        draws = {
            "kind": CREATOR_KINDS.index(kind),
            "human": kind != "virtual",
            "appeal": lognormal(rng, 1.0, p.appeal_sigma, k),
            "resources": resources,
            "posting_rate": lognormal(rng, p.posting_rate, 0.5, k),
            "disclosure": beta(rng, p.self_disclosure, 5.0, k),
            "address": beta(rng, p.direct_address, 5.0, k),
            "live_hours": np.minimum(lognormal(rng, p.live_hours, 0.5, k), 16.0),
            "chat_share": p.chat_interaction,
            "reply_capacity": p.reply_capacity * resources,
            "minutes_per_reply": p.minutes_per_reply,
            "boundaries": beta(rng, p.boundaries, 5.0, k),
            "targeting": np.where(rng.random(k) < p.targeted_share, p.targeting_multiplier, 1.0),
            "opinion": rng.uniform(-1.0, 1.0, k),
            "meeting_phase": rng.integers(0, p.meeting_interval, k),
            "offers_subscription": p.subscriptions,
            "paid_mode": PAID_MESSAGES.index(p.paid_messages),
            "offers_donations": p.donations,
            "offers_meetings": p.fan_meetings,
            "subscription_price": p.subscription_price,
            "message_price": p.message_price,
            "broadcast_rate": p.broadcast_rate,
            "agency_cut": p.agency_cut,
            "stress": rng.uniform(0.0, 0.2, k),
            "niche": rng.random(k),
        }
        for name, value in draws.items():
            getattr(self, name)[idx] = value


@dataclass
class Bonds:
    """The relationship store: fan -> creator bonds in fixed slots, shape (n_fans, max_follows).

    `creator` is -1 for an empty slot. Fixed-width rows make per-fan reductions
    (strongest bond, totals) plain axis-1 numpy calls and per-creator ones a
    bincount over `creator`.
    """

    creator: np.ndarray  # intp (fast as a gather index), -1 = empty
    attachment: np.ndarray  # A, 0-1 (single precision, like the other bond variables: SINGLE)
    reciprocity: np.ndarray  # perceived reciprocity R, 0-1
    frustration: np.ndarray  # F, 0-1
    recent_spend: np.ndarray  # 30-day moving sum of spending
    subscribed_until: np.ndarray  # day the subscription renews or lapses
    anchor: np.ndarray  # attachment when the subscription last started or renewed
    broadcasts: np.ndarray  # name-inserted broadcasts received, 30-day moving sum
    met: np.ndarray  # met the creator in person

    @classmethod
    def create(cls, p: Params, rng: np.random.Generator, popularity: np.ndarray,
               fit=None) -> Bonds:
        """Initial follows: a Poisson(`initial_follows`) number per fan, each drawn by
        `popularity` times the fan's `fit` (see :func:`draw_suited`)."""
        n, k = p.n_fans, p.max_follows
        count = np.minimum(rng.poisson(p.initial_follows, n), min(k, p.n_creators))
        used = np.arange(k)[None, :] < count[:, None]  # the first `count` slots of each row
        creator = np.full((n, k), -1, dtype=np.intp)
        slots = np.flatnonzero(used)
        creator.flat[slots] = draw_suited(rng, popularity, slots // k, fit)
        creator = _drop_duplicates(creator)
        attachment = rng.uniform(0.0, 0.1, (n, k)).astype(SINGLE)
        attachment[creator < 0] = 0.0
        bonds = cls(
            creator=creator,
            attachment=attachment,
            reciprocity=np.zeros((n, k), dtype=SINGLE),
            frustration=np.zeros((n, k), dtype=SINGLE),
            recent_spend=np.zeros((n, k), dtype=SINGLE),
            subscribed_until=np.full((n, k), NEVER, dtype=np.int32),  # days fit in 32 bits
            anchor=np.zeros((n, k), dtype=SINGLE),
            broadcasts=np.zeros((n, k), dtype=SINGLE),
            met=np.zeros((n, k), dtype=bool),
        )
        return bonds

    @property
    def valid(self) -> np.ndarray:
        return self.creator >= 0

    def clear(self, mask: np.ndarray) -> None:
        """Empty the slots in `mask` (unfollow, creator quit)."""
        self.clear_flat(np.flatnonzero(mask))

    def reset(self, mask: np.ndarray) -> None:
        """Zero every bond variable in `mask` (a new or emptied slot)."""
        self.reset_flat(np.flatnonzero(mask))

    def clear_flat(self, bonds: np.ndarray) -> None:
        """Empty the slots with these flat indices (a few, typically: no whole-array masks)."""
        self.creator.reshape(-1)[bonds] = -1
        self.reset_flat(bonds)

    def reset_flat(self, bonds: np.ndarray) -> None:
        """Zero every bond variable at these flat indices (new or emptied slots)."""
        for name in ("attachment", "reciprocity", "frustration", "recent_spend", "anchor",
                     "broadcasts"):
            getattr(self, name).reshape(-1)[bonds] = 0.0
        self.subscribed_until.reshape(-1)[bonds] = NEVER
        self.met.reshape(-1)[bonds] = False


def _drop_duplicates(creator: np.ndarray) -> np.ndarray:
    """Empty repeated creators within a row (a fan follows a creator at most once).

    The first occurrence in a row stays. Rows are short (`max_follows`), so
    comparing each column with the ones before it is cheaper than sorting rows.
    """
    out = creator.copy()
    for j in range(1, creator.shape[1]):
        col = creator[:, j]
        dup = col == creator[:, 0]
        for i in range(1, j):
            dup |= col == creator[:, i]
        out[dup & (col >= 0), j] = -1
    return out


class Scratch:
    """Bond-sized work arrays kept from one step to the next (one per name).

    A fresh array of 10^5-10^6 x 6 values costs a page fault per 4 kB the
    first time it is written (the kernel hands out new zeroed pages), more than
    the arithmetic on it; reusing the memory avoids that. A buffer holds only
    one step's intermediate values and is never part of the model's state.
    """

    def __init__(self):
        self._arrays: dict[str, np.ndarray] = {}
        self._zeroed: set[str] = set()  # buffers their last user left all zero

    def get(self, name: str, shape, dtype=float, zero: bool = False) -> np.ndarray:
        """The buffer `name` with this shape and dtype (contents undefined unless `zero`)."""
        a = self._arrays.get(name)
        if a is None or a.shape != tuple(shape) or a.dtype != np.dtype(dtype):
            a = self._arrays[name] = np.empty(shape, dtype=dtype)
            self._zeroed.discard(name)
        if zero and name not in self._zeroed:
            a.fill(0)
        self._zeroed.discard(name)
        return a

    def owns(self, name: str, a: np.ndarray) -> bool:
        """Whether `a` is the buffer `name` (and not an array of the caller's)."""
        return self._arrays.get(name) is a

    def zeroed(self, name: str) -> None:
        """Buffer `name` has been left all zero: the next ``get(..., zero=True)`` skips the fill."""
        self._zeroed.add(name)


def scratch(model) -> Scratch:
    """The model's :class:`Scratch` (made on first use, for models built without one)."""
    found = getattr(model, "scratch", None)
    if found is None:
        found = model.scratch = Scratch()
    return found


SLOT_INDEX = np.int32  # the slot map's dtype: creator indices fit, half the bytes of intp


class Slots:
    """This step's map from bonds to creators, for fast gathers and per-creator sums.

    Empty slots point at a padding creator ``n_creators``, so gathers need no
    masking and per-creator bincounts simply drop the padding bin. The map is
    in 32 bits (:data:`SLOT_INDEX`, or the dtype of `out`): the compiled passes
    read it on every bond, and half the bytes is half that traffic.
    """

    def __init__(self, creator: np.ndarray, n_creators: int, out: np.ndarray | None = None):
        if out is None:
            out = np.empty(creator.shape, SLOT_INDEX if n_creators < 2**31 - 1 else np.intp)
        self.index = out
        kernels.slot_index(creator, n_creators, self.index)
        self.flat = self.index.reshape(-1)
        self.n = n_creators
        self._valid = None

    @property
    def valid(self) -> np.ndarray:
        """Occupied slots (computed on first use)."""
        if self._valid is None:
            self._valid = self.index != self.n
        return self._valid

    def gather(self, values: np.ndarray, empty=0.0) -> np.ndarray:
        """A per-creator array spread onto bonds (empty slots get `empty`)."""
        if values.dtype == bool and empty is False and values.all():
            return self.valid.copy()  # every creator: exactly the occupied slots
        return np.append(values, empty)[self.index]

    def total(self, per_bond: np.ndarray) -> np.ndarray:
        """Per-creator sums of a per-bond quantity."""
        return np.bincount(self.flat, weights=per_bond.reshape(-1), minlength=self.n + 1)[: self.n]

    def count(self, flat_bonds: np.ndarray) -> np.ndarray:
        """Per-creator counts of the bonds with these flat indices."""
        return np.bincount(self.flat[flat_bonds], minlength=self.n + 1)[: self.n].astype(float)


def row_max(a: np.ndarray) -> np.ndarray:
    """Row maxima of a (fans, slots) array, a column at a time (faster than .max(axis=1))."""
    if a.ndim == 2 and a.shape[1] > 0 and a.dtype in (np.float32, np.float64):
        return kernels.row_max(a, np.empty(a.shape[0], a.dtype))  # the same, in one pass
    out = a[:, 0].copy()
    for k in range(1, a.shape[1]):
        np.maximum(out, a[:, k], out=out)
    return out


def row_sum(a: np.ndarray) -> np.ndarray:
    """Row sums of a (fans, slots) array, compiled (faster than .sum(axis=1), and than a
    matrix-vector product, whose BLAS threads stall when the other cores are busy)."""
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(float)
    return kernels.row_sum(np.ascontiguousarray(a))  # sums in double precision


def shrink(a: np.ndarray, divisor: int) -> None:
    """``a -= a / divisor`` in place, compiled (one pass, no temporary; same rounding)."""
    if a.flags.c_contiguous and a.dtype in (np.float32, np.float64):
        kernels.shrink(a.reshape(-1), a.dtype.type(divisor))
    else:
        a -= a / divisor


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
        # start + np.cumsum(np.minimum(rng.geometric(prob, size), n + 1)), kept below n,
        # drawn and summed in one compiled pass
        positions = np.empty(size, dtype=np.intp)
        count, last = kernels.geometric_positions(rng, prob, size, start, n, positions)
        out.append(positions[:count])
        if last >= n:
            break
        start = int(last)
    return out[0] if len(out) == 1 else np.concatenate(out)

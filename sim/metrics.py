"""Outcome measures: aggregates of the model's state, collected each step.

Each outcome is a small function of the model registered in ``OUTCOMES`` with
its description and unit; the DataCollector, the experiment runner, the plots
and the validation report all read that one registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from sim import kernels

# Attachment tiers on the 0-1 attachment scale, mirroring the Celebrity Attitude
# Scale levels (McCutcheon, Lange & Houran 2002): a fan "has a focal creator" at
# FOCAL and above; entertainment-social below INTENSE, intense-personal below
# BORDERLINE, borderline-pathological above.
FOCAL = 0.2
INTENSE = 0.5
BORDERLINE = 0.8
WINDOW = 30  # days over which "recent" payers and harassment are counted


@dataclass
class DailyCounts:
    """What happened today (reset each step), kept for reporters and stress."""

    replies: np.ndarray
    unanswered: np.ndarray
    meetings: np.ndarray
    quit: np.ndarray  # creator slots whose creator quit today (no newcomer before tomorrow)
    spending: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fan_incidents: float = 0.0
    creator_incidents: float = 0.0
    paid_messages: int = 0  # paid messages bought (each answered by a broadcast)
    subscriptions_started: int = 0
    subscriptions_cancelled: int = 0  # cancelled or lapsed at renewal
    donations: int = 0
    donations_read: int = 0  # donations read out on stream
    follows: int = 0
    unfollows: int = 0

    @classmethod
    def zeros(cls, n_creators: int) -> DailyCounts:
        return cls(np.zeros(n_creators), np.zeros(n_creators), np.zeros(n_creators),
                   np.zeros(n_creators, dtype=bool))


def top_share(values, share: float) -> float:
    """Share of the total held by the top `share` of the values."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    total = v.sum()
    if total <= 0:
        return 0.0
    k = max(1, int(np.ceil(share * v.size)))
    return float(v[:k].sum() / total)


def active(model, values: np.ndarray) -> np.ndarray:
    """A per-creator-slot array restricted to active creators: a vacant slot is not a creator."""
    return values[model.creators.active]


def gini(values) -> float:
    """Gini coefficient of non-negative values (0 equal, 1 all to one)."""
    v = np.sort(np.asarray(values, dtype=float))
    n, total = v.size, v.sum()
    if n == 0 or total <= 0:
        return 0.0
    return float((2.0 * np.arange(1, n + 1) - n - 1) @ v / (n * total))


def focal_attachment(model) -> np.ndarray:
    """Each fan's strongest attachment (their focal bond), as of the end of the last step."""
    return model.strongest


def tier_shares(strongest: np.ndarray) -> tuple[float, float, float, float]:
    """(share with a focal creator, and among them entertainment / intense / borderline shares)."""
    if strongest.ndim == 1 and strongest.dtype in (np.float32, np.float64):
        # one compiled pass counting what the masks below count; a mean of booleans
        # is their count over their number, as computed here
        t = strongest.dtype.type  # a Python float meets the array in its dtype (NEP 50)
        n, low, mid, high = kernels.tier_counts(strongest, t(FOCAL), t(INTENSE), t(BORDERLINE))
        if n == 0:
            return 0.0, 0.0, 0.0, 0.0
        return float(n / strongest.size), float(low / n), float(mid / n), float(high / n)
    focal = strongest >= FOCAL
    n = focal.sum()
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0
    af = strongest[focal]
    return (float(n / strongest.size), float((af < INTENSE).mean()),
            float(((af >= INTENSE) & (af < BORDERLINE)).mean()), float((af >= BORDERLINE).mean()))


def _recent(last_day, model) -> np.ndarray:
    return last_day > model.time - WINDOW


def _payers(model) -> np.ndarray:
    return _recent(model.fans.last_paid, model)


def _recent_share(last_day, model) -> float:
    """``float(_recent(last_day, model).mean())``: the count over the number (a mean of
    booleans), counted in one compiled pass."""
    if last_day.ndim == 1 and last_day.dtype == np.int64 and isinstance(model.time, float):
        return float(kernels.count_after(last_day, model.time - WINDOW) / last_day.size)
    return float(_recent(last_day, model).mean())


def _share(mask: np.ndarray) -> float:
    """``float(mask.mean())`` of a non-empty boolean mask (a per-fan one: there is at least
    one fan) as its count over its size: the same value, since a sum of zeros and ones is
    exact, without the mean's pass in floating point."""
    return float(np.count_nonzero(mask) / mask.size)


def _focal_reciprocity(model) -> float:
    """Perceived reciprocity of each focal fan's strongest bond (composition-free: new
    follows with no history do not dilute it)."""
    reciprocity, strongest = _bond_summary(model).focal_reciprocity, model.strongest
    if (strongest.ndim == 1 and strongest.dtype in (np.float32, np.float64)
            and reciprocity.shape == strongest.shape and reciprocity.dtype == np.float64):
        # reciprocity[focal] gathered in one compiled pass; the same mean of the same values
        focal = kernels.compress_at_least(reciprocity, strongest, strongest.dtype.type(FOCAL))
        return float(focal.mean()) if focal.size > 0 else 0.0
    focal = strongest >= FOCAL
    return float(reciprocity[focal].mean()) if focal.any() else 0.0


def bond_pass(model):
    """One pass over the bonds: (counts, focal reciprocity, audiences, strongest attachment).

    The counts are what :class:`BondSummary` reads (`kernels.end_of_day`); the
    model's end of day keeps the audiences and strongest attachments too.
    """
    b = model.bonds
    n = b.attachment.shape[0]
    audience, strongest = np.empty(model.params.n_creators), np.empty(n, b.attachment.dtype)
    focal = np.empty(n)
    counts = kernels.end_of_day(b.creator, b.attachment, b.reciprocity, b.frustration,
                                b.subscribed_until, float(model.time), BondSummary.FRUSTRATED,
                                model.params.n_creators, audience, strongest, focal)
    return counts, focal, audience, strongest


class BondSummary:
    """Quantities over the fan x slot arrays that several outcomes share, computed once.

    :class:`Collector` makes one per collect; outside a collect each outcome
    makes its own, so a reporter never reads a stale summary.
    """

    FRUSTRATED = 0.1  # a bond counts as frustrated above this frustration

    def __init__(self, model, computed=None):
        b = self.b = model.bonds
        if computed is None:
            computed, self._focal, _, _ = bond_pass(model)  # the end-of-day pass, recomputed
        else:  # (counts, focal reciprocity) from the end of the day (ParasocialModel._end_of_day)
            computed, self._focal = computed
        self.n_valid, reciprocity, frustrated, subscribers = computed
        self.mean_reciprocity = float(reciprocity / self.n_valid) if self.n_valid else 0.0
        self.frustrated_share = frustrated / self.n_valid if self.n_valid else 0.0
        self.subscriber_share = float(subscribers / b.creator.shape[0])
        self._valid = None

    @property
    def valid(self) -> np.ndarray:
        if self._valid is None:
            self._valid = self.b.creator >= 0
        return self._valid

    def mean_over_bonds(self, values: np.ndarray) -> float:
        """Mean of a bond variable over the occupied slots (0 when there are none)."""
        if self.n_valid == 0:
            return 0.0
        return float(kernels.occupied_sum(values, self.b.creator) / self.n_valid)

    def share_of_bonds(self, condition: np.ndarray) -> float:
        """Share of the occupied slots where `condition` holds (0 when there are none)."""
        if self.n_valid == 0:
            return 0.0
        return np.count_nonzero(condition & self.valid) / self.n_valid

    @property
    def focal_reciprocity(self) -> np.ndarray:
        """Each fan's reciprocity on its (first) strongest bond, as ``argmax`` would pick it."""
        return self._focal


def _bond_summary(model) -> BondSummary:
    summary = getattr(model, "_bond_summary", None)
    return summary if summary is not None else BondSummary(model)


def _subscribers(model) -> float:
    """Share of fans with at least one current subscription."""
    return _bond_summary(model).subscriber_share


class Collector(mesa.DataCollector):
    """Mesa's DataCollector, sharing one :class:`BondSummary` among the outcomes of a collect.

    The per-creator table (``get_agenttype_vars_dataframe(Creator)``) is read
    from the creator arrays in one go instead of through each agent's
    attributes: the same records (step, unique id, then the
    ``CREATOR_REPORTERS`` values as Python objects), in the same agent order.
    """

    def collect(self, model):
        # The summary the step's end of day computed with the audiences (same pass, same
        # values), if it is of this very step; otherwise a pass of its own.
        pending, model._pending_summary = getattr(model, "_pending_summary", None), None
        fresh = pending is not None and pending[0] == model.steps
        model._bond_summary = BondSummary(model, pending[1] if fresh else None)
        try:
            super().collect(model)
        finally:
            model._bond_summary = None

    def _record_agenttype(self, model, agent_type):
        from sim.agents import Creator

        if (agent_type is not Creator or agent_type not in model.agent_types
                or list(self.agenttype_reporters[agent_type]) != list(CREATOR_REPORTERS)
                or not getattr(self, "creator_table_from_arrays", False)):
            return super()._record_agenttype(model, agent_type)
        agents = model.agents_by_type[Creator]
        ids = [a.unique_id for a in agents]
        idx = np.fromiter((a.index for a in agents), dtype=np.intp, count=len(ids))
        return _creator_records(model, model.time, ids, idx)


def _creator_records(model, time, ids, idx) -> list[tuple]:
    """(time, unique id, kind, status, audience, income, stress, harassment, stalking) rows,
    the values the Creator agents' attributes give (:data:`CREATOR_REPORTERS`)."""
    from sim.params import CREATOR_KINDS

    c = model.creators
    kind = [CREATOR_KINDS[k] for k in c.kind[idx].tolist()]
    status = np.where(~c.active[idx], "quit", np.where(c.burnt_out[idx], "burnt out", "active"))
    return list(zip([time] * len(ids), ids, kind, status.tolist(),
                    *(getattr(c, name)[idx].tolist()
                      for name in ("audience", "income", "stress", "harassment", "stalking")),
                    strict=True))


def _ratio(num, den) -> float:
    return float(num / den) if den > 0 else 0.0


OUTCOMES: dict[str, tuple[str, str, Callable]] = {
    "share_focal": (f"fans with a focal creator (attachment >= {FOCAL})", "share",
                    lambda m: m.tiers[0]),
    "tier_entertainment": ("focal fans at the entertainment-social level", "share",
                           lambda m: m.tiers[1]),
    "tier_intense": ("focal fans at the intense-personal level", "share",
                     lambda m: m.tiers[2]),
    "tier_borderline": ("focal fans at the borderline-pathological level", "share",
                        lambda m: m.tiers[3]),
    "mean_attachment": ("mean strongest attachment", "0-1", lambda m: float(m.strongest.mean())),
    "mean_reciprocity": ("mean perceived reciprocity of bonds", "0-1",
                         lambda m: _bond_summary(m).mean_reciprocity),
    "focal_reciprocity": ("mean perceived reciprocity of focal fans' strongest bond", "0-1",
                          lambda m: _focal_reciprocity(m)),
    "platform_hours": ("mean time on the platform", "hours/day",
                       lambda m: float(m.fans.platform_hours.mean())),
    "offline_hours": ("mean time with offline ties", "hours/day",
                      lambda m: float(m.fans.offline_hours.mean())),
    "offline_support": ("mean offline tie strength", "0-1", lambda m: float(m.fans.support.mean())),
    "wellbeing": ("mean wellbeing", "0-1", lambda m: float(m.fans.wellbeing.mean())),
    "loneliness": ("mean loneliness", "0-1", lambda m: float(m.fans.loneliness.mean())),
    "spending": ("spending per fan", "currency/day", lambda m: float(m.today.spending.mean())
                 if m.today.spending.size else 0.0),
    "monthly_spending": (f"spending per fan over the last {WINDOW} days", "currency",
                         lambda m: float(m.bonds.recent_spend.sum() / m.params.n_fans)),
    "payer_share": (f"fans who paid in the last {WINDOW} days", "share",
                    lambda m: _recent_share(m.fans.last_paid, m)),
    "top10_payer_share": ("share of all spending by the top 10 % of payers", "share",
                          lambda m: top_share(m.fans.spent[m.fans.spent > 0], 0.10)),
    "creator_income": ("mean cumulative income of active creators", "currency",
                       lambda m: float(active(m, m.creators.income).mean())
                       if m.creators.active.any() else 0.0),
    "income_gini": ("Gini of active creators' cumulative income", "0-1",
                    lambda m: gini(active(m, m.creators.income))),
    "audience_gini": ("Gini of active creators' audiences", "0-1",
                      lambda m: gini(active(m, m.creators.audience))),
    "audience_top1_share": ("followers held by the top 1 % of active creators", "share",
                            lambda m: top_share(active(m, m.creators.audience), 0.01)),
    "views_top1_share": ("views held by the top 1 % of active creators", "share",
                         lambda m: top_share(active(m, m.creators.views), 0.01)),
    **{f"spent_{kind}": (f"cumulative spending per fan on {kind.replace('_', ' ')}s", "currency",
                         lambda m, kind=kind: m.spending_by_kind[kind] / m.params.n_fans)
       for kind in ("subscription", "paid_message", "donation", "meeting")},
    "subscribers": ("fans with at least one current subscription", "share",
                    _subscribers),
    "subscriptions_started": ("subscriptions started today", "subscriptions/day",
                              lambda m: float(m.today.subscriptions_started)),
    "subscriptions_cancelled": ("subscriptions cancelled or lapsed at renewal today",
                                "subscriptions/day",
                                lambda m: float(m.today.subscriptions_cancelled)),
    "paid_messages_bought": ("paid messages bought today, per fan", "messages/day",
                             lambda m: m.today.paid_messages / m.params.n_fans),
    "reply_share": ("share of free messages that got a personal reply today", "share",
                    lambda m: _ratio(m.today.replies.sum(),
                                     m.today.replies.sum() + m.today.unanswered.sum())),
    "donations_read_share": ("share of today's donations read out on stream", "share",
                             lambda m: _ratio(m.today.donations_read, m.today.donations)),
    "frustrated_bonds": ("bonds with frustration above 0.1", "share",
                         lambda m: _bond_summary(m).frustrated_share),
    "follows": ("new follows today, per fan", "follows/day",
                lambda m: m.today.follows / m.params.n_fans),
    "unfollows": ("bonds dropped today, per fan", "unfollows/day",
                  lambda m: m.today.unfollows / m.params.n_fans),
    "posts_seen": ("followed creators' posts seen today, per fan", "posts/day",
                   lambda m: float(m.creators.views.sum() / m.params.n_fans)),
    "posts": ("posts published today, per active creator", "posts/day",
              lambda m: _ratio(m.creators.posts.sum(), m.creators.active.sum())),
    "platform_revenue": ("platform's cumulative revenue", "currency",
                         lambda m: float(m.platform.revenue)),
    "hostility": ("mean fan hostility", "0-1", lambda m: float(m.fans.hostility.mean())),
    "harassment_per_creator": ("incidents reaching creators, per active creator", "incidents/day",
                               lambda m: _ratio(m.today.creator_incidents, m.creators.active.sum())),
    "harassment_per_fan": ("incidents reaching fans, per fan", "incidents/day",
                           lambda m: m.today.fan_incidents / m.params.n_fans),
    "harassed_creators": (f"creators harassed in the last {WINDOW} days", "share",
                          lambda m: float(_recent(m.creators.last_harassed, m)[m.creators.active].mean())
                          if m.creators.active.any() else 0.0),
    "harassed_fans": (f"fans harassed in the last {WINDOW} days", "share",
                      lambda m: _recent_share(m.fans.last_harassed, m)),
    "stalking": ("stalking incidents", "incidents/day", lambda m: float(m.creators.stalking.sum())),
    "harassers": ("fans who have harassed anyone so far", "share",
                  lambda m: _share(m.fans.acts_committed > 0)),
    "pile_on_incidents": ("pile-on incidents that reached the target, so far", "incidents",
                          lambda m: float(m.pile_on_incidents)),
    "pile_on_unfollows": ("followers the pile-on target lost to joiners, so far", "followers",
                          lambda m: float(m.pile_on_unfollows)),
    "banned_share": ("fans banned by moderation", "share", lambda m: _share(m.fans.banned)),
    "active_creators": ("creators active (incl. burnt out)", "share",
                        lambda m: float(m.creators.active.mean())),
    "burnt_out_creators": ("creators currently burnt out", "share",
                           lambda m: float(m.creators.burnt_out.mean())),
    "on_break": ("active creators on a break", "share",
                 lambda m: float((m.creators.break_until[m.creators.active] > m.time).mean())
                 if m.creators.active.any() else 0.0),
    "ever_burnt_out": ("active creators who have burnt out at least once", "share",
                       lambda m: float(m.creators.ever_burnt_out[m.creators.active].mean())
                       if m.creators.active.any() else 0.0),
    "quit_creators": ("creator slots whose creator quit", "share",
                      lambda m: float((~m.creators.active).mean())),
    "creator_stress": ("mean stress of active creators", "0-1",
                       lambda m: float(m.creators.stress[m.creators.active].mean())
                       if m.creators.active.any() else 0.0),
    "grief": ("mean breakup grief", "attachment units", lambda m: float(m.fans.grief.mean())),
    "opinion_spread": ("standard deviation of fans' views", "opinion units",
                       lambda m: float(m.fans.opinion.std())),
}

CREATOR_REPORTERS = {
    "kind": "kind_name", "status": "status", "audience": "audience", "income": "income",
    "stress": "stress", "harassment": "harassment", "stalking": "stalking",
}


def make_datacollector(extra: dict[str, Callable] | None = None) -> mesa.DataCollector:
    """Model-level outcomes every step, plus a small per-creator table (never per-fan rows)."""
    from sim.agents import Creator  # agents import dynamics only; avoid a cycle at import time

    reporters = {name: spec[2] for name, spec in OUTCOMES.items()}
    for name, fn in (extra or {}).items():
        if not callable(fn):
            raise ValueError(f"reporters[{name!r}]={fn!r} is not allowed: expected a function "
                             "f(model) -> float")
        if name in reporters:
            raise ValueError(f"reporters={name!r} is not allowed: it names a built-in outcome")
        reporters[name] = fn
    collector = Collector(model_reporters=reporters,
                          agenttype_reporters={Creator: dict(CREATOR_REPORTERS)})
    collector.creator_table_from_arrays = True  # the reporters above: read from the arrays
    return collector


def creator_table(model) -> pd.DataFrame:
    """One row per creator slot: kind, status, audience, income, stress, harassment received."""
    return pd.DataFrame([{"creator": a.index, "unique_id": a.unique_id,
                          **{k: getattr(a, v) for k, v in CREATOR_REPORTERS.items()},
                          "harassment_total": a.harassment_total}
                         for a in model.creator_agents])

"""ParasocialModel: creators, fans and the platform between them, one step per day."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import mesa
import networkx as nx
import numpy as np

from sim import metrics, social
from sim.agents import Creator, Platform, defer_fans
from sim.dynamics import (
    attention,
    bonds,
    creators,
    follows,
    hostility,
    interaction,
    money,
    offline,
    opinion,
)
from sim.params import Params, creator_params, make_params
from sim.state import SLOT_INDEX, Bonds, CreatorState, FanState, Scratch, Slots


class ParasocialModel(mesa.Model):
    """Agent-based model of parasocial relationships on a platform.

    Args:
        preset: named parameter set (influencer, streamer, idol, politician, virtual).
        rng: seed (int) or numpy Generator; the same seed gives the same run.
        feed_policy: optional ``policy(model, posts) -> weights`` replacing the built-in feed.
        interventions: optional callables ``f(model)`` run at the end of every step.
        reporters: optional extra ``{name: f(model) -> float}`` outcome measures.
        scenario: a Mesa scenario object (SolaraViz passes one on reset); parameters go in **params.
        **params: any field of :class:`sim.params.Params`, overriding the preset.

    Example:
        >>> m = ParasocialModel(n_fans=300, n_creators=10, rng=1)
        >>> m.run_for(30)
        >>> 0.0 <= m.datacollector.get_model_vars_dataframe()["wellbeing"].iloc[-1] <= 1.0
        True
    """

    def __init__(self, preset: str = "influencer", rng=None,
                 feed_policy: Callable | None = None,
                 interventions: Iterable[Callable] = (),
                 reporters: dict[str, Callable] | None = None, scenario=None, **params):
        self.params: Params = make_params(preset, **params)  # validate before any work
        interventions = _check_callables(feed_policy, interventions)
        self.preset = preset
        super().__init__(rng=_coerce_seed(rng), scenario=scenario)  # SolaraViz passes scenario
        p = self.params
        self.interventions = interventions
        self.fate_seed = creators.fate_seed(self.rng)  # creators' fates: a stream of their own
        self.scratch = Scratch()  # the step's bond-sized work arrays, reused
        self.fans = FanState.create(p, self.rng)
        self.kinds = creator_params(p, preset)  # each creator kind and what it is drawn from
        self.creators = CreatorState.create(p, self.kinds, self.rng)
        appeal = self.creators.appeal / self.creators.appeal.sum()  # first follows: by appeal
        self.bonds = Bonds.create(p, self.rng, appeal, follows.fit_of(self))
        self._build_social_graph()
        self.platform = Platform(self, feed_policy)
        defer_fans(self, p.n_fans)  # Mesa agents, built when first read
        self.creator_agents = list(Creator.create_agents(self, p.n_creators,
                                                         index=np.arange(p.n_creators)))
        self.totals = {"paid": 0.0, "creator_income": 0.0, "platform": 0.0, "agency": 0.0}
        self.spending_by_kind = dict.fromkeys(money.SPEND_KINDS, 0.0)  # cumulative, currency
        self.contact = 1.0  # share of offline contact possible today (lockdowns lower it)
        self.today = metrics.DailyCounts.zeros(p.n_creators)
        self.breakups: list[np.ndarray] = []  # (attachment, grief) pairs when creators quit
        self.conflict: tuple[int, int] | None = None
        self.pile_on_incidents = 0  # pile-on incidents that reached the target (not removed)
        self.pile_on_unfollows = 0  # follows of the target dropped by joiners
        self._end_of_day()
        self.datacollector = metrics.make_datacollector(reporters)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up
    def _build_social_graph(self) -> None:
        """Offline ties among fans: a Watts-Strogatz small world, kept as edge arrays."""
        p = self.params
        u, v = social.watts_strogatz_edges(p.n_fans, p.social_degree, p.social_rewiring,
                                           self.rng)
        # Fan indices in 32 bits: the tie pass reads both ends of every tie each step.
        ends = np.int32 if p.n_fans < 2**31 else np.intp
        self.tie_u, self.tie_v = u.astype(ends), v.astype(ends)
        del u, v
        self.tie_strength = self.rng.uniform(0.3, 0.8, self.tie_u.size)
        self.degree = np.bincount(np.concatenate([self.tie_u, self.tie_v]),
                                  minlength=p.n_fans).astype(float)
        self.tie_degrees = (self.degree[self.tie_u].astype(np.float32),  # static per tie;
                            self.degree[self.tie_v].astype(np.float32))  # whole numbers: exact
        self.fans.support = offline.social_support(self.tie_strength, self.tie_u, self.tie_v,
                                                   self.degree)

    def social_graph(self) -> nx.Graph:
        """The offline social graph with current tie strengths as edge attribute ``strength``."""
        g = nx.Graph()
        g.add_nodes_from(range(self.params.n_fans))
        g.add_weighted_edges_from(zip(self.tie_u.tolist(), self.tie_v.tolist(),
                                      self.tie_strength.tolist(), strict=True), weight="strength")
        return g

    # -------------------------------------------------------------------- step
    def step(self) -> None:
        """One day: each mechanism in turn (ODD section 3), then interventions and reporters."""
        day = int(self.time)
        self.today = metrics.DailyCounts.zeros(self.params.n_creators)
        self._shocks(day)
        self.slots = Slots(self.bonds.creator, self.params.n_creators,
                           self.scratch.get("slots", self.bonds.creator.shape, SLOT_INDEX))
        output = creators.plan(self, day)
        live_today = self.creators.live_hours * output
        seen, live = attention.step(self, self.creators.posts, live_today)
        ledger = money.Ledger(self.bonds.creator.shape, self.fans.wallet)
        bought, thanked = money.purchases(self, day, live_today, ledger)
        recognitions = bought.add_to(interaction.step(self, day, output, live, ledger, thanked))
        money.settle(self, ledger, day)
        bonds.step(self, seen, live, recognitions)
        del seen, live, recognitions, ledger  # today's per-bond arrays: not held to the end
        hostility.step(self, day)
        creators.step(self, day, output)
        offline.step(self)
        opinion.step(self)
        follows.step(self)
        for intervene in self.interventions:
            intervene(self)
        self._end_of_day()
        self.datacollector.collect(self)

    def _shocks(self, day: int) -> None:
        """Scheduled scenario events: a forced quit, a pile-on, a lockdown."""
        p = self.params
        if day == p.quit_day:
            top = self.most_followed()
            if top is not None:
                creators.quit(self, np.array([top]))
        if day == p.conflict_day:
            self.conflict = opinion.choose_conflict(self)
        lockdown = 0 <= p.lockdown_day <= day < p.lockdown_day + p.lockdown_days
        self.contact = p.lockdown_contact if lockdown else 1.0

    def _end_of_day(self) -> None:
        """Audiences and strongest bonds after today's follows and unfollows (read by reporters).

        The same pass computes the bond outcomes of the collect that follows
        (:class:`sim.metrics.BondSummary`), kept for that collect only.
        """
        counts, focal, audience, strongest = metrics.bond_pass(self)
        self._pending_summary = (self.steps, (counts, focal))
        self.creators.audience, self.strongest = audience, strongest
        self.tiers = metrics.tier_shares(self.strongest)

    def replace_creator_agents(self, idx: np.ndarray) -> None:
        """Newcomers in slots `idx` are new Creator agents (new unique ids)."""
        for i in idx:
            self.creator_agents[i].remove()
            self.creator_agents[i] = Creator(self, i)

    # ---------------------------------------------------------------- helpers

    def update_params(self, **changes) -> None:
        """Change parameters mid-run (a policy introduced on some day, a what-if from a state).

        Validated like the constructor's. Creator settings apply to the creators
        already active too: posting rate, live hours, reply capacity and minutes per
        reply, disclosure, address, boundaries, chat share and broadcast rate scale
        by new / old (0 switches them off; shares stay within [0, 1]), offers and
        prices are set; the other creator traits apply to newcomers only. Sizes
        cannot change.
        """
        if {"n_fans", "n_creators", "max_follows"} & set(changes):
            raise ValueError("n_fans, n_creators and max_follows cannot change during a run")
        old, self.params = self.params, self.params.replace(**changes)
        self.kinds = creator_params(self.params, self.preset)
        self.creators.apply_settings(old, self.params, set(changes))

    def most_followed(self) -> int | None:
        """Index of the active creator with the largest audience (None if all quit)."""
        c = self.creators
        if not c.active.any():
            return None
        return int(np.argmax(np.where(c.active, c.audience, -1.0)))

    @property
    def creator_table(self):
        """One row per creator: kind, status, audience, income, stress, harassment."""
        return metrics.creator_table(self)


def _check_callables(feed_policy, interventions) -> list:
    """A policy or intervention that cannot be called fails here, by name, not at the first step.

    Returns the interventions as a list.
    """
    if feed_policy is not None and not callable(feed_policy):
        raise ValueError(f"feed_policy={feed_policy!r} is not allowed: expected a function "
                         "policy(model, posts) -> weights")
    if not isinstance(interventions, Iterable) or isinstance(interventions, str | bytes):
        raise ValueError(f"interventions={interventions!r} is not allowed: expected a list of "
                         "functions f(model)")
    interventions = list(interventions)
    for i, fn in enumerate(interventions):
        if not callable(fn):
            raise ValueError(f"interventions[{i}]={fn!r} is not allowed: expected a function "
                             "f(model)")
    return interventions


def _coerce_seed(rng):
    """Accept an int, a numeric string (from a browser field), a Generator or None."""
    if isinstance(rng, str):
        text = rng.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"rng={rng!r} is not allowed: expected a whole number seed") from None
    if isinstance(rng, bool) or (rng is not None and not isinstance(rng, int | np.integer |
                                                                     np.random.Generator)):
        raise ValueError(f"rng={rng!r} is not allowed: expected a whole number seed or None")
    if isinstance(rng, int | np.integer) and rng < 0:
        raise ValueError(f"rng={rng!r} is not allowed: seeds must be >= 0")
    return rng

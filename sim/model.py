"""ParasocialModel: creators, fans and the platform between them, one step per day."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import mesa
import networkx as nx
import numpy as np

from sim import metrics, social
from sim.agents import Creator, Platform, defer_fans
from sim.dynamics import attention, bonds, creators, hostility, money, offline, opinion
from sim.params import Params, make_params
from sim.state import (
    Bonds,
    CreatorState,
    FanState,
    Ledger,
    Slots,
    bernoulli_positions,
    row_max,
    row_sum,
)

MEETING_HOURS = 4.0  # a creator's working hours per fan meeting
WALLET_MONTHS = 2.0  # savings cap: fans keep at most this many months of disposable money


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
        self.preset = preset
        super().__init__(rng=_coerce_seed(rng), scenario=scenario)  # SolaraViz passes scenario
        p = self.params
        self.interventions = list(interventions)
        self.fans = FanState.create(p, self.rng)
        self.creators = CreatorState.create(p, self.rng)
        popularity = attention.recommendation_weights(self.creators.appeal, 0.0, 0.0,
                                                      self.creators.active)
        self.bonds = Bonds.create(p, self.rng, popularity)
        self._build_social_graph()
        self.platform = Platform(self, feed_policy)
        defer_fans(self, p.n_fans)  # Mesa agents, built when first read
        self.creator_agents = list(Creator.create_agents(self, p.n_creators,
                                                         index=np.arange(p.n_creators)))
        self.totals = {"paid": 0.0, "creator_income": 0.0, "platform": 0.0, "agency": 0.0}
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
        self.tie_u, self.tie_v = social.watts_strogatz_edges(p.n_fans, p.social_degree,
                                                             p.social_rewiring, self.rng)
        self.tie_strength = self.rng.uniform(0.3, 0.8, self.tie_u.size)
        self.degree = np.bincount(np.concatenate([self.tie_u, self.tie_v]),
                                  minlength=p.n_fans).astype(float)
        self._tie_degrees = self.degree[self.tie_u], self.degree[self.tie_v]  # static per tie
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
        """One day: shocks, attention, interaction, money, bonds, hostility, creators, offline life."""
        p, c, day = self.params, self.creators, int(self.time)
        self.today = metrics.DailyCounts.zeros(p.n_creators)
        self._shocks(day)
        self.slots = Slots(self.bonds.creator, p.n_creators)
        output = creators.output_factor(c.active, c.burnt_out, p.burnout_output)
        posts = c.posting_rate * output
        seen, live = self._attention(posts, c.live_hours * output)
        recognitions = self._interaction(day, output, live)
        self._update_bonds(seen, live, recognitions)
        self._hostility(day)
        self._creator_wellbeing(day, posts, output)
        self._offline_life(day)
        self._identity()
        self._discovery()
        for intervene in self.interventions:
            intervene(self)
        self._end_of_day()
        self.datacollector.collect(self)

    def _shocks(self, day: int) -> None:
        """Scheduled scenario events: a forced quit and a pile-on."""
        p = self.params
        if day == p.quit_day:
            top = self.most_followed()
            if top is not None:
                self._quit(np.array([top]))
        if day == p.conflict_day:
            self.conflict = self._choose_conflict()

    def _attention(self, posts, live_hours):
        """Split each fan's platform time between live streams and the feed; return posts seen."""
        p, f, b, s = self.params, self.fans, self.bonds, self.slots
        feed_desire = attention.desired_platform_hours(
            f.base_hours, p.notifications, p.notification_pull, self.strongest, p.attachment_pull,
            p.feed, f.wellbeing)
        desire = feed_desire
        live = None
        if live_hours.any():
            live = attention.live_watch_hours(s.gather(live_hours), b.attachment, p.notifications)
            desire = feed_desire + row_sum(live)
        f.platform_hours = attention.platform_hours(desire, p.free_time, p.time_limit, f.banned)
        scale = np.divide(f.platform_hours, desire, out=np.zeros_like(desire), where=desire > 0)
        if live is not None:
            live *= scale[:, None]
        bond_posts = s.gather(posts)
        weights = self.platform.rank(bond_posts) * s.valid
        seen = attention.posts_seen(weights, bond_posts, p.posts_per_hour * feed_desire * scale,
                                    p.feed_inventory)
        self.creators.views = s.total(seen)
        return seen, live

    def _interaction(self, day, output, live):
        """Messages, replies, stream shout-outs and purchases; returns recognitions per bond."""
        p, f, b, c, s, rng = self.params, self.fans, self.bonds, self.creators, self.slots, self.rng
        # Free messages compete for the creator's finite reply capacity.
        sent = bernoulli_positions(rng, b.creator.size, p.message_rate)  # then thin by A
        sent = sent[rng.random(sent.size) < b.attachment.flat[sent]]
        sent = sent[~f.banned[sent // p.max_follows]]
        requests = s.count(sent)
        capacity = np.multiply(c.reply_capacity, output, out=np.zeros(p.n_creators),
                               where=output > 0)  # an AI's inf * 0 would be nan
        reply_p = bonds.reply_probability(requests, capacity)
        replied = sent[rng.random(sent.size) < reply_p[s.flat[sent]]]
        self.today.replies = s.count(replied)
        self.today.unanswered = requests - self.today.replies
        recognitions = np.zeros(b.creator.shape)
        recognitions.flat[replied] = 1.0
        if live is not None:
            # Live chat: a creator reads a limited number of names per hour on stream.
            watching = np.flatnonzero(live.ravel() > 0)
            chatting = watching[rng.random(watching.size) < b.attachment.flat[watching]]
            names = p.chat_interaction * 60.0 * c.live_hours * output
            read_p = bonds.reply_probability(s.count(chatting), names)
            read = chatting[rng.random(chatting.size) < read_p[s.flat[chatting]]]
            recognitions.flat[read] += p.shoutout_value
        return recognitions + self._purchases(day, output)

    def _purchases(self, day, output):
        """Subscriptions, paid messages, donations and fan meetings; returns their recognition."""
        p, f, b, c, s = self.params, self.fans, self.bonds, self.creators, self.slots
        f.wallet = np.minimum(f.wallet + f.income, 30.0 * WALLET_MONTHS * f.income)
        able = s.valid & ~f.banned[:, None]  # quit creators have no bonds
        ledger = Ledger(b.creator.shape, f.wallet)
        recognition = np.zeros(b.creator.shape)
        if p.subscriptions:
            subscribe = self._buy(able & (b.subscribed_until <= day), p.subscription_price, ledger)
            b.subscribed_until.flat[subscribe] = day + 30
            if p.paid_messages == "subscription":
                subscribed = able & (b.subscribed_until > day)
                recognition += subscribed * p.broadcast_value * np.minimum(1.0, s.gather(output))
        if p.paid_messages == "per_message":
            message = self._buy(able, p.message_price, ledger)
            recognition.flat[message] += p.broadcast_value
        if p.donations:
            # Gifts scale with the giver's means: the few rich, attached fans give most.
            size = p.donation_size * f.income / max(p.fan_income, 1e-12)
            donate = self._buy(able, size, ledger, per_fan=True)
            on_stream = s.gather(c.live_hours * output).flat[donate] > 0
            recognition.flat[donate] += np.where(on_stream, p.shoutout_value, p.broadcast_value)
        if p.fan_meetings:
            self._meetings(day, able, ledger, recognition)
        self._settle(ledger, day)
        return recognition

    def _buy(self, eligible, price, ledger, per_fan=False):
        """Draw today's purchases of one kind; returns the flat bond indices that paid.

        The purchase probability never exceeds `spend_propensity`, so bonds are
        first drawn at that rate and then thinned by the exact probability: the
        same Bernoulli draws, evaluated on a few bonds instead of all.
        """
        p, f, b, rng = self.params, self.fans, self.bonds, self.rng
        bonds_ = bernoulli_positions(rng, eligible.size, p.spend_propensity)
        bonds_ = bonds_[eligible.flat[bonds_]]
        rows = bonds_ // p.max_follows
        cost = price[rows] if per_fan else np.full(bonds_.size, float(price))
        prob = money.purchase_probability(b.attachment.flat[bonds_], cost, ledger.budget[rows], 1.0,
                                          p.spend_attachment_power, f.literacy[rows],
                                          p.literacy_effect)
        ok = rng.random(bonds_.size) < prob
        return ledger.pay(bonds_[ok], cost[ok])

    def _meetings(self, day, able, ledger, recognition):
        """Creators holding a meeting today admit up to `meeting_capacity` paying fans."""
        p, f, b, c, s, rng = self.params, self.fans, self.bonds, self.creators, self.slots, self.rng
        holding = c.active & ~c.burnt_out & ((day + c.meeting_phase) % p.meeting_interval == 0)
        self.today.meetings = holding.astype(float)
        if not holding.any():
            return
        eligible = able & s.gather(holding, False)
        candidates = np.flatnonzero(eligible.ravel())
        rows = candidates // p.max_follows
        want = money.purchase_probability(b.attachment.flat[candidates], p.meeting_price,
                                          ledger.budget[rows], 1.0, p.spend_attachment_power,
                                          f.literacy[rows], p.literacy_effect)
        candidates = candidates[rng.random(candidates.size) < want]
        creator_of = s.flat[candidates]
        order = np.lexsort((rng.random(candidates.size), creator_of))
        candidates, creator_of = candidates[order], creator_of[order]
        first = np.searchsorted(creator_of, creator_of, side="left")
        admitted = np.sort(candidates[np.arange(candidates.size) - first < p.meeting_capacity])
        attend = ledger.pay(admitted, np.full(admitted.size, p.meeting_price))
        b.met.flat[attend] = True
        recognition.flat[attend] += 1.0

    def _settle(self, ledger, day):
        """Move money from fans to creators, the platform and agencies (conserved exactly)."""
        p, f, b, c, s = self.params, self.fans, self.bonds, self.creators, self.slots
        per_fan = ledger.per_fan()
        f.wallet -= per_fan
        f.spent += per_fan
        f.last_paid[per_fan > 0] = day
        b.recent_spend -= b.recent_spend / 30.0
        np.add.at(b.recent_spend.reshape(-1), ledger.bonds, ledger.amounts)
        amount = np.bincount(s.flat[ledger.bonds], weights=ledger.amounts,
                             minlength=p.n_creators + 1)[: p.n_creators]
        to_creator, to_platform, to_agency = money.split_payment(amount, p.platform_cut, p.agency_cut)
        c.income += to_creator
        self.platform.revenue += to_platform.sum()
        self.platform.agency_revenue += to_agency.sum()
        self.today.spending = per_fan
        self.totals["paid"] += amount.sum()
        self.totals["creator_income"] += to_creator.sum()
        self.totals["platform"] += to_platform.sum()
        self.totals["agency"] += to_agency.sum()

    def _update_bonds(self, seen, live, recognitions):
        """Attachment, perceived reciprocity and frustration of every bond (mechanisms 1, 4, 6).

        Empty slots have no stimulus and zero state, so they stay at zero.
        """
        p, f, b, c, s = self.params, self.fans, self.bonds, self.creators, self.slots
        stim = bonds.stimulus(seen, s.gather(c.disclosure), s.gather(c.address),
                              0.0 if live is None else live, recognitions,
                              p.disclosure_weight, p.address_weight, p.live_weight,
                              p.recognition_weight)
        gain = bonds.susceptibility_gain(p.attachment_gain, f.absorption, p.absorption_power,
                                         f.loneliness, p.loneliness_mean, p.loneliness_effect,
                                         f.literacy, p.literacy_effect)
        b.attachment = bonds.saturating_update(b.attachment, gain[:, None] * stim,
                                               p.attachment_decay)
        recognised = np.flatnonzero(recognitions)
        level = b.reciprocity.flat[recognised]
        b.reciprocity *= 1.0 - p.reciprocity_decay  # no recognition today: decay only
        b.reciprocity.flat[recognised] = bonds.saturating_update(
            level, p.reciprocity_gain * recognitions.flat[recognised], p.reciprocity_decay)
        expected = bonds.expectation(b.attachment, b.recent_spend, 30.0 * f.income[:, None],
                                     p.expectation_spend_weight, s.gather(c.boundaries))
        gap = bonds.unmet_expectation(expected, b.reciprocity)
        b.frustration = bonds.saturating_update(b.frustration, p.frustration_gain * gap,
                                                p.frustration_decay)
        self.strongest = row_max(b.attachment)

    def _hostility(self, day):
        """Hostility spreads in fandoms and turns into harassment, stalking and pile-ons."""
        p, f, b, c, s, rng = self.params, self.fans, self.bonds, self.creators, self.slots, self.rng
        weight = b.attachment * ~f.banned[:, None]
        fandom = hostility.fandom_mean(f.hostility, weight, s.index, p.n_creators)
        total_weight = row_sum(weight)
        community = np.divide(row_sum(weight * s.gather(fandom)), total_weight,
                              out=np.zeros(p.n_fans), where=total_weight > 0)
        community *= hostility.visible_share(p.moderation)  # removed incidents do not spread
        f.hostility = hostility.update_hostility(f.hostility, row_max(b.frustration), community,
                                                 p.hostility_gain, p.hostility_contagion,
                                                 p.hostility_decay, f.literacy, p.literacy_effect)
        # Who harasses today, and whom: another fan, or the creator who disappointed most.
        acts = np.flatnonzero(~f.banned & (rng.random(p.n_fans) < hostility.harassment_probability(
            f.hostility, p.harassment_rate)))
        to_fan = rng.random(acts.size) < p.fan_target_share
        offenders_f, offenders_c = acts[to_fan], acts[~to_fan]
        tw = hostility.target_weights(b.frustration[offenders_c],
                                      np.append(c.targeting * c.active, 0.0)[s.index[offenders_c]])
        aims = tw.sum(axis=1) > 0
        offenders_c, tw = offenders_c[aims], tw[aims]
        target_creator = b.creator[offenders_c, _choose_in_rows(tw, rng)]
        # Victims are other fans, drawn uniformly (never the harasser).
        victims_f = (offenders_f + rng.integers(1, max(p.n_fans, 2), offenders_f.size)) % p.n_fans
        piling = 0  # pile-on incidents, appended after the ordinary ones
        if self.conflict is not None and day < p.conflict_day + p.conflict_days:
            extra_off, extra_tgt = self._pile_on()
            piling = extra_off.size
            offenders_c = np.concatenate([offenders_c, extra_off])
            target_creator = np.concatenate([target_creator, extra_tgt])
        # Moderation: detected incidents are removed before they reach the victim.
        kept_c = self._moderate(offenders_c)
        self.pile_on_incidents += int(kept_c[kept_c.size - piling:].sum())
        kept_f = self._moderate(offenders_f)
        hits = np.bincount(target_creator[kept_c], minlength=p.n_creators).astype(float)
        extreme = np.flatnonzero((b.attachment >= p.stalking_threshold).ravel()
                                 & np.repeat(~f.banned, p.max_follows))
        stalk_p = hostility.stalking_probability(
            b.attachment.flat[extreme], b.frustration.flat[extreme], b.met.flat[extreme],
            p.stalking_threshold, p.stalking_rate, p.meeting_stalk_boost)
        c.stalking = s.count(extreme[rng.random(extreme.size) < stalk_p])
        c.harassment = hits
        c.harassment_total += hits + c.stalking
        c.last_harassed[(hits + c.stalking) > 0] = day
        fan_hits = np.bincount(victims_f[kept_f], minlength=p.n_fans).astype(float)
        f.victimisation += fan_hits - f.victimisation / 30.0
        f.last_harassed[fan_hits > 0] = day
        self.today.fan_incidents = float(fan_hits.sum())
        self.today.creator_incidents = float(hits.sum())

    def _moderate(self, offenders):
        """Detect each incident with probability `moderation`; sanction and ban offenders.

        Returns the mask of incidents that were not detected (and so reached the victim).
        """
        p, f = self.params, self.fans
        detected = self.rng.random(offenders.size) < p.moderation
        caught, times = np.unique(offenders[detected], return_counts=True)
        f.strikes[caught] += times.astype(f.strikes.dtype)
        f.hostility[caught] *= (1.0 - p.sanction_effect) ** times
        newly_banned = caught[(f.strikes[caught] >= p.strikes_to_ban) & ~f.banned[caught]]
        f.banned[newly_banned] = True
        self.platform.detected += int(detected.sum())
        self.platform.bans += int(newly_banned.size)
        return ~detected

    def _pile_on(self):
        """Supporters of the instigator attack the target and unfollow it (mechanism 8)."""
        p, f, b, rng = self.params, self.fans, self.bonds, self.rng
        instigator, target = self.conflict
        support = (b.creator == instigator) & ~f.banned[:, None]
        join_p = p.conflict_loyalty * b.attachment * (1.0 - p.literacy_effect * f.literacy[:, None])
        joins = (support & (rng.random(b.creator.shape) < join_p)).any(axis=1)
        f.hostility[joins] += p.hostility_gain * (1.0 - f.hostility[joins])
        leaving = joins[:, None] & (b.creator == target)
        self.pile_on_unfollows += int(leaving.sum())
        b.clear(leaving)
        self.strongest = row_max(b.attachment)
        offenders = np.flatnonzero(joins)
        return offenders, np.full(offenders.size, target, dtype=b.creator.dtype)

    def _creator_wellbeing(self, day, posts, output):
        """Workload, demands and harassment build stress; burnout lowers output or ends it."""
        p, c, rng = self.params, self.creators, self.rng
        load = creators.workload(posts, p.hours_per_post, c.live_hours * output, self.today.replies,
                                 p.minutes_per_reply, MEETING_HOURS * self.today.meetings,
                                 p.work_hours, c.resources)
        stress = creators.update_stress(c.stress, load, self.today.unanswered,
                                        c.harassment + c.stalking, c.boundaries,
                                        p.stress_noise * rng.standard_normal(p.n_creators),
                                        p.load_stress,
                                        p.demand_stress, p.harassment_stress, p.stress_recovery)
        c.stress = np.where(c.active, stress, 0.0)
        c.burnt_out = c.active & creators.burnout_state(c.burnt_out, c.stress, p.burnout_threshold,
                                                        p.burnout_recovery)
        c.ever_burnt_out |= c.burnt_out
        quitting = np.flatnonzero(c.burnt_out & (rng.random(p.n_creators) < p.quit_rate))
        self._quit(quitting)
        entering = np.flatnonzero(~c.active & ~self.today.quit  # vacant since before today
                                  & (rng.random(p.n_creators) < p.creator_entry_rate))
        if entering.size:
            c.renew(entering, p, rng)
            for i in entering:
                self.creator_agents[i].remove()
                self.creator_agents[i] = Creator(self, i)

    def _quit(self, idx: np.ndarray) -> None:
        """Creators in `idx` stop; their fans grieve in proportion to attachment."""
        if idx.size == 0:
            return
        c, b, f = self.creators, self.bonds, self.fans
        if self.conflict is not None and np.isin(self.conflict, idx).any():
            self.conflict = None  # the pile-on ends with either party; a newcomer inherits none
        self.today.quit[idx] = True
        c.active[idx] = False
        c.burnt_out[idx] = False
        c.views[idx] = 0.0
        leaving = np.isin(b.creator, idx)
        rows = np.nonzero(leaving)[0]
        grief = creators.breakup_grief(b.attachment[leaving])
        np.add.at(f.grief, rows, grief)
        self.breakups.append(np.column_stack([b.attachment[leaving], grief]))
        b.clear(leaving)
        self.strongest = row_max(b.attachment)  # the lost bond no longer pulls or comforts

    def _offline_life(self, day):
        """Offline ties, loneliness and wellbeing follow the time left for real life (mechanism 3)."""
        p, f = self.params, self.fans
        lockdown = 0 <= p.lockdown_day <= day < p.lockdown_day + p.lockdown_days
        contact = p.lockdown_contact if lockdown else 1.0
        f.offline_hours = (p.free_time - f.platform_hours) * contact
        u, v = self.tie_u, self.tie_v
        self.tie_strength = offline.update_ties(self.tie_strength, f.offline_hours[u],
                                                f.offline_hours[v], *self._tie_degrees,
                                                p.tie_maintenance, p.tie_decay)
        f.support = offline.social_support(self.tie_strength, u, v, self.degree)
        f.loneliness = offline.update_loneliness(f.loneliness, f.loneliness_trait, f.support,
                                                 p.loneliness_rate)
        f.grief *= 1.0 - p.grief_decay
        target = offline.wellbeing_target(
            f.support, f.loneliness, p.loneliness_mean, self.strongest,
            offline.overuse(f.platform_hours, p.free_time), f.victimisation, f.grief, p)
        f.wellbeing = np.clip(offline.relax(f.wellbeing, target, p.wellbeing_rate), 0.0, 1.0)

    def _identity(self):
        """Fans drift toward their creators' views; detached, disagreeing followers leave."""
        p, f, b, c, s = self.params, self.fans, self.bonds, self.creators, self.slots
        y = s.gather(c.opinion)
        f.opinion = opinion.drift_opinions(f.opinion, y, b.attachment, s.valid, p.opinion_influence)
        # Only bonds beyond the tolerated disagreement can be dropped: draw for those alone.
        far = np.flatnonzero((np.abs(f.opinion[:, None] - y) > p.opinion_tolerance)
                             & (b.creator >= 0))
        r = far // p.max_follows
        leave_p = opinion.unfollow_probability(f.opinion[r], y.flat[far][:, None],
                                               b.attachment.flat[far][:, None], p.unfollow_rate,
                                               p.opinion_tolerance)[:, 0]
        leave = np.zeros(b.creator.size, dtype=bool)
        leave[far[self.rng.random(far.size) < leave_p]] = True
        b.clear(leave.reshape(b.creator.shape))

    def _discovery(self):
        """The platform recommends a creator; the fan follows into a free or faded slot."""
        p, f, b, c, rng = self.params, self.fans, self.bonds, self.creators, self.rng
        probs = attention.recommendation_weights(c.appeal, c.audience, p.popularity_bias, c.active)
        if probs.sum() == 0:
            return
        fans = np.flatnonzero(~f.banned & (rng.random(p.n_fans) < p.discovery_rate))
        pick = rng.choice(p.n_creators, size=fans.size, p=probs)
        rows = b.creator[fans]
        fresh = ~(rows == pick[:, None]).any(axis=1)
        strength = np.where(rows >= 0, b.attachment[fans], -1.0)
        slot = strength.argmin(axis=1)
        open_slot = strength[np.arange(fans.size), slot] < 0.05
        ok = fresh & open_slot
        fans, slot, pick = fans[ok], slot[ok], pick[ok]
        mask = np.zeros(b.creator.shape, dtype=bool)
        mask[fans, slot] = True
        b.reset(mask)
        b.creator[fans, slot] = pick
        b.attachment[fans, slot] = 0.01

    def _end_of_day(self) -> None:
        """Audiences and strongest bonds after today's follows and unfollows (read by reporters)."""
        b, n = self.bonds, self.params.n_creators
        self.creators.audience = np.bincount(np.where(b.creator >= 0, b.creator, n).reshape(-1),
                                             minlength=n + 1)[:n].astype(float)
        self.strongest = row_max(b.attachment)
        self.tiers = metrics.tier_shares(self.strongest)

    # ---------------------------------------------------------------- helpers

    def most_followed(self) -> int | None:
        """Index of the active creator with the largest audience (None if all quit)."""
        c = self.creators
        if not c.active.any():
            return None
        return int(np.argmax(np.where(c.active, c.audience, -1.0)))

    def _choose_conflict(self) -> tuple[int, int] | None:
        """Instigator: the most-followed creator; target: the rival sharing most of its fans."""
        p, b, c = self.params, self.bonds, self.creators
        instigator = self.most_followed()
        if instigator is None or c.active.sum() < 2:
            return None
        fans = (b.creator == instigator).any(axis=1)
        shared = np.bincount(b.creator[fans][b.creator[fans] >= 0], minlength=p.n_creators)
        score = np.where(c.active, shared + c.audience / (c.audience.max() + 1.0), -1.0)
        score[instigator] = -1.0
        return instigator, int(np.argmax(score))

    @property
    def creator_table(self):
        """One row per creator: kind, status, audience, income, stress, harassment."""
        return metrics.creator_table(self)


def _choose_in_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each row, a column index drawn with probability proportional to its weight."""
    if weights.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    cum = np.cumsum(weights, axis=1)
    draw = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((cum < draw[:, None]).sum(axis=1), weights.shape[1] - 1)


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

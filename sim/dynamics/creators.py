"""Mechanism 7: creators' work, stress, burnout, adaptation, quitting and entry.

Stress follows the job demands-resources model (Bakker & Demerouti 2007):
work beyond a sustainable day, unanswered audience demand and harassment are
demands; the creator's team, the help its income buys and its boundaries are
resources that buffer them. Stressed creators cut their output, take breaks,
burn out and quit; newcomers take vacant slots. When a creator quits its fans
grieve (a parasocial breakup).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.state import row_max, row_sum

MEETING_HOURS = 4.0  # a creator's working hours per fan meeting


def fate_seed(rng: np.random.Generator) -> np.random.SeedSequence:
    """The seed of the creators' own random stream, spawned from the model's generator's
    seed (drawing nothing from it); a generator without one gives a draw from it."""
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if isinstance(seq, np.random.SeedSequence):
        return seq.spawn(1)[0]
    return np.random.SeedSequence(int(rng.integers(2**63)))


def fate_rng(seed: np.random.SeedSequence, day: int) -> np.random.Generator:
    """The day's generator for creators' fates: stress shocks, breaks, quits and entries.

    A stream of its own, one per day, so that two runs of the same seed that differ
    elsewhere (a counterfactual, a copy changed half-way, another level of a study's
    factor) draw the same fates for the same creator on the same day: common random
    numbers. A creator burnt out in both runs then quits on the same day in both,
    instead of a lottery of which large creator quits deciding the comparison.
    """
    return np.random.default_rng(np.random.SeedSequence(seed.entropy,
                                                        spawn_key=(*seed.spawn_key, day)))


def workload(posts, hours_per_post, live_hours, replies, minutes_per_reply, extra_hours,
             work_hours, resources):
    """Working hours as a share of a sustainable day: 1 = full-time for this creator's means."""
    hours = posts * hours_per_post + live_hours + replies * minutes_per_reply / 60.0 + extra_hours
    return hours / (work_hours * resources)


def effective_resources(team, recent_income, income_support, income_reference):
    """Resources: the creator's team and means, plus the help its income buys."""
    return team * (1.0 + income_support * recent_income / income_reference)


def update_stress(stress, load, unanswered, harassment, boundaries, resources, shock, load_stress,
                  demand_stress, harassment_stress, recovery):
    """S' = S + k_l max(0, load - 1) + [k_d (1 - b) ln(1 + unanswered) + k_h ln(1 + harassment)] / R
    + e - r S.

    Only work beyond a sustainable day strains (the load already counts the
    team sharing the work); unanswered demand strains less when the creator
    sets boundaries b; resources R (team, the help income buys) buffer the
    audience's demands and harassment; recovery r pulls stress back; e is a
    life event (a random shock).
    Logarithms because the thousandth unanswered message weighs less than the first.
    """
    audience = (demand_stress * (1.0 - boundaries) * np.log1p(unanswered)
                + harassment_stress * np.log1p(harassment))
    strain = load_stress * np.maximum(0.0, load - 1.0) + audience / np.maximum(resources, 1e-9)
    return np.clip(stress + strain + shock - recovery * stress, 0.0, 1.0)


def burnout_state(burnt_out, stress, threshold, recovery_share):
    """Burn out at the threshold; recover only once stress falls below a share of it."""
    return np.where(burnt_out, stress >= threshold * recovery_share, stress >= threshold)


def adaptation(stress, threshold, cut):
    """Share of output a stressed creator keeps: 1 - cut * (S - threshold) / (1 - threshold)."""
    over = np.clip((stress - threshold) / max(1.0 - threshold, 1e-9), 0.0, 1.0)
    return 1.0 - cut * over


def output_factor(active, burnt_out, burnout_output, on_break, kept):
    """Share of normal output: 0 if quit or on a break, reduced while burnt out or stressed."""
    return np.where(active & ~on_break, np.where(burnt_out, burnout_output, 1.0) * kept, 0.0)


def quit_probability(burnt_out, recent_income, age, quit_rate, income_quit_rate, income_need,
                     grace):
    """Daily chance to quit: quit_rate while burnt out, plus income_quit_rate for an
    established creator (older than `grace` days) earning less than `income_need`."""
    poor = (recent_income < income_need) & (age >= grace)
    return np.minimum(1.0, quit_rate * burnt_out + income_quit_rate * poor)


def dependence(attachment, other_attachment, support):
    """Share of a fan's support that one bond supplied: A / (sum of A over bonds + support)."""
    return attachment / np.maximum(attachment + other_attachment + support, 1e-12)


def breakup_grief(attachment, dependence_share, support, dependence_weight, buffer):
    """Distress of a fan whose creator quits (Eyal & Cohen 2006; Cohen 2003).

    G = A * (1 - w_d + w_d * dependence) * (1 - buffer * support): the loss
    weighs with the bond's intensity, more when the bond was a large share of
    the fan's support, less when offline support cushions it.
    """
    return (attachment * (1.0 - dependence_weight + dependence_weight * dependence_share)
            * (1.0 - buffer * support))


def plan(model, day):
    """Today's share of normal output of each creator, and the posts it publishes."""
    p, c = model.params, model.creators
    kept = adaptation(c.stress, p.adapt_threshold, p.adapt_cut)
    output = output_factor(c.active, c.burnt_out, p.burnout_output, c.break_until > day, kept)
    c.posts = c.posting_rate * output
    c.posts_total += c.posts
    return output


def quit(model, idx: np.ndarray) -> None:
    """Creators in `idx` stop; their fans grieve (a parasocial breakup)."""
    if idx.size == 0:
        return
    c, b, f, p = model.creators, model.bonds, model.fans, model.params
    if model.conflict is not None and np.isin(model.conflict, idx).any():
        model.conflict = None  # the pile-on ends with either party; a newcomer inherits none
    model.today.quit[idx] = True
    c.active[idx] = False
    c.burnt_out[idx] = False
    c.views[idx] = 0.0
    chosen = np.zeros(p.n_creators, bool)
    chosen[idx] = True
    leaving = kernels.bonds_of(b.creator, chosen)  # np.flatnonzero(np.isin(b.creator, idx))
    rows = leaving // b.creator.shape[1]
    lost = b.attachment.reshape(-1)[leaving]
    others = row_sum(b.attachment[rows]) - lost  # the same sums, for these rows only
    grief = breakup_grief(lost, dependence(lost, others, f.support[rows]), f.support[rows],
                          p.grief_dependence, p.grief_buffer)
    np.add.at(f.grief, rows, grief)
    model.breakups.append(np.column_stack([lost, grief]))
    b.clear_flat(leaving)
    model.strongest = row_max(b.attachment)  # the lost bond no longer pulls or comforts


def step(model, day, output) -> None:
    """Workload, demands and harassment against resources; breaks, burnout, quits and entry."""
    p, c, rng = model.params, model.creators, fate_rng(model.fate_seed, day)
    resources = effective_resources(c.resources, c.recent_income, p.income_support,
                                    p.income_reference)
    load = workload(c.posts, p.hours_per_post, c.live_hours * output, model.today.replies,
                    c.minutes_per_reply, MEETING_HOURS * model.today.meetings, p.work_hours,
                    resources)
    on_break = c.break_until > day
    recovery = p.stress_recovery * np.where(on_break, p.break_recovery, 1.0)
    shock = p.stress_noise * rng.standard_normal(p.n_creators) if p.stress_noise > 0 else 0.0
    stress = update_stress(c.stress, load, model.today.unanswered, c.harassment + c.stalking,
                           c.boundaries, resources, shock, p.load_stress, p.demand_stress,
                           p.harassment_stress, recovery)
    c.stress = np.where(c.active & c.human, stress, 0.0)  # AI creators do not tire
    starting = (c.active & ~on_break & (c.stress > p.break_threshold)
                & (rng.random(p.n_creators) < p.break_rate))
    c.break_until[starting] = day + 1 + p.break_days  # no output from tomorrow, for break_days
    c.burnt_out = c.active & burnout_state(c.burnt_out, c.stress, p.burnout_threshold,
                                           p.burnout_recovery)
    c.ever_burnt_out |= c.burnt_out
    quitting = np.flatnonzero(c.active & (rng.random(p.n_creators) < quit_probability(
        c.burnt_out, c.recent_income, day - c.start_day, p.quit_rate, p.income_quit_rate,
        p.income_need, p.creator_grace)))
    quit(model, quitting)
    entering = np.flatnonzero(~c.active & ~model.today.quit  # vacant since before today
                              & (rng.random(p.n_creators) < p.creator_entry_rate))
    if entering.size:
        c.renew(entering, model.kinds, rng, day)
        model.replace_creator_agents(entering)

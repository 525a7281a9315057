"""Mechanism 7: creators' workload, stress, burnout and quitting."""

from __future__ import annotations

import numpy as np


def workload(posts, hours_per_post, live_hours, replies, minutes_per_reply, extra_hours,
             work_hours, resources):
    """Working hours as a share of a sustainable day: 1 = full-time for this creator's means."""
    hours = posts * hours_per_post + live_hours + replies * minutes_per_reply / 60.0 + extra_hours
    return hours / (work_hours * resources)


def update_stress(stress, load, unanswered, harassment, boundaries, shock, load_stress,
                  demand_stress, harassment_stress, recovery):
    """S' = S + k_l load + k_d (1 - b) ln(1 + unanswered) + k_h ln(1 + harassment) + e - r S.

    Workload, audience demand (softened by the creator's boundaries),
    harassment and life events e (a random shock) build stress; recovery
    pulls it back. Logarithms because the thousandth unanswered message weighs
    less than the first.
    """
    strain = (load_stress * load
              + demand_stress * (1.0 - boundaries) * np.log1p(unanswered)
              + harassment_stress * np.log1p(harassment) + shock)
    return np.clip(stress + strain - recovery * stress, 0.0, 1.0)


def burnout_state(burnt_out, stress, threshold, recovery_share):
    """Burn out at the threshold; recover only once stress falls below a share of it."""
    return np.where(burnt_out, stress >= threshold * recovery_share, stress >= threshold)


def output_factor(active, burnt_out, burnout_output):
    """Share of normal output: 0 if quit, reduced while burnt out."""
    return np.where(active, np.where(burnt_out, burnout_output, 1.0), 0.0)


def breakup_grief(attachment):
    """Distress of a fan whose creator quits, in proportion to attachment (Eyal & Cohen 2006)."""
    return attachment

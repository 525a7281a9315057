"""Figures of one run's time series (sweeps have their own, with uncertainty, in sim.report)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure  # no pyplot: works headless and inline in notebooks

from sim.metrics import OUTCOMES

PANELS = [
    ("Attachment tiers", ["share_focal", "tier_entertainment", "tier_intense", "tier_borderline"]),
    ("Time use", ["platform_hours", "offline_hours"]),
    ("Wellbeing", ["wellbeing", "loneliness", "offline_support"]),
    ("Spending", ["monthly_spending"]),
    ("Payers", ["payer_share", "top10_payer_share"]),
    ("Harassment", ["harassment_per_creator", "harassment_per_fan"]),
    ("Hostility", ["hostility", "banned_share"]),
    ("Creators", ["active_creators", "burnt_out_creators", "quit_creators"]),
    ("Grief", ["grief"]),
]


def label(name: str) -> str:
    """Axis label of an outcome: its description and unit from the registry."""
    description, unit, _ = OUTCOMES[name]
    return f"{description} ({unit})"


def run_figure(frame: pd.DataFrame, title: str = "") -> Figure:
    """A 3x3 panel figure of one run's outcomes against simulated days.

    ``frame`` is a run's outcomes, e.g. ``model.datacollector.get_model_vars_dataframe()``
    (days are its index) or :func:`sim.run_scenario`'s result (a ``step`` column).
    """
    days = frame.get("step", frame.index)
    fig = Figure(figsize=(13, 9.5), layout="constrained")
    axes = fig.subplots(3, 3, sharex=True)
    for ax, (name, columns) in zip(axes.ravel(), PANELS, strict=True):
        for col in columns:
            ax.plot(days, frame[col], label=OUTCOMES[col][0], lw=1.6)
        units = {OUTCOMES[c][1] for c in columns}
        ax.set_title(name)
        ax.set_ylabel(" / ".join(sorted(units)))
        ax.grid(alpha=0.3)
        if len(columns) > 1:
            ax.legend(fontsize=7, loc="best", frameon=False)
    for ax in axes[-1]:
        ax.set_xlabel("day")
    if title:
        fig.suptitle(title)
    return fig

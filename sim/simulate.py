"""Run one scenario and return its tidy time series: the unit of work of every sweep."""

from __future__ import annotations

import pandas as pd

from sim.model import ParasocialModel


def run_scenario(params: dict, seed: int, steps: int, record_every: int = 1) -> pd.DataFrame:
    """Build a model from ``params`` (optional "preset" key plus overrides), run it, return outcomes.

    One row per recorded step (``step`` column, day 0 included, and the last
    day always), one column per outcome in :data:`sim.metrics.OUTCOMES`.
    """
    for name, value, low in (("steps", steps, 0), ("record_every", record_every, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name}={value!r} is not allowed: must be a whole number >= {low}")
    params = dict(params)
    preset = params.pop("preset", "influencer")
    model = ParasocialModel(preset=preset, rng=seed, **params)
    model.run_for(steps)
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "step", range(len(frame)))
    keep = (frame["step"] % record_every == 0) | (frame["step"] == frame["step"].iloc[-1])
    return frame[keep].reset_index(drop=True)

"""A fast stand-in for ``sim.simulate.run_scenario``, importable by worker processes.

Its outcomes depend on parameters in known directions, so tests can check
that sweeps, summaries and sensitivity indices recover them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTCOMES = {
    "mean_attachment": ("mean strongest attachment", "0-1"),
    "wellbeing": ("mean wellbeing", "0-1"),
    "spending": ("spending per fan", "currency/day"),
}


def fake_run(params: dict, seed: int, steps: int, record_every: int = 1) -> pd.DataFrame:
    """Attachment grows with posting_rate and attachment_gain; self_disclosure does nothing."""
    rng = np.random.default_rng(seed)
    days = np.unique(np.r_[np.arange(0, steps + 1, record_every), steps])
    time = days / max(steps, 1)
    drive = params.get("posting_rate", 1.0) * params.get("attachment_gain", 0.04) * 10
    attachment = np.clip(drive * time + rng.normal(0, 0.02, days.size), 0, 1)
    paid = 2.0 if params.get("paid_messages", "off") != "off" else 1.0
    return pd.DataFrame({
        "step": days,
        "mean_attachment": attachment,
        "wellbeing": 0.6 - 0.2 * attachment + rng.normal(0, 0.01, days.size),
        "spending": paid * attachment + rng.normal(0, 0.01, days.size),
    })


class FailOn:
    """A run function that raises on one seed: a run that crashes mid-sweep."""

    def __init__(self, seed: int):
        self.seed = seed

    def __call__(self, params, seed, steps, record_every=1):
        if seed == self.seed:
            raise ValueError("simulated crash")
        return fake_run(params, seed, steps, record_every)


class SignalOn:
    """A run function that sends this process signals on one seed: Ctrl-C or SIGTERM mid-sweep."""

    def __init__(self, seed: int, *signals: int):
        self.seed, self.signals = seed, signals

    def __call__(self, params, seed, steps, record_every=1):
        if seed == self.seed:
            import os

            for sig in self.signals:
                os.kill(os.getpid(), sig)
        return fake_run(params, seed, steps, record_every)


class Recorder:
    """A run function that remembers which seeds it ran (in-process executors only)."""

    def __init__(self):
        self.seeds: list[int] = []

    def __call__(self, params, seed, steps, record_every=1):
        self.seeds.append(seed)
        return fake_run(params, seed, steps, record_every)


TINY = """
name = "tiny"
question = "Does posting more deepen attachment?"
seed = 7
common_seeds = false  # one seed per (condition, replicate); the default pairs conditions
replicates = 3
steps = 12
record_every = 4
outcomes = ["mean_attachment", "wellbeing"]

[base]
n_fans = 100

[factors]
posting_rate = [0.5, 1, 2]
paid_messages = ["off", "per_message"]
"""


def tiny(text: str = TINY, **overrides):
    """A small validated experiment checked against the fake's outcomes."""
    from sim.experiment import parse_experiment

    return parse_experiment(text, "tiny.toml", registry=OUTCOMES, **overrides)

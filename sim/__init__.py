"""Parasocial relationships between creators, fans and platforms: an agent-based model on Mesa."""

from sim.agents import Creator, Fan, Platform
from sim.metrics import OUTCOMES
from sim.model import ParasocialModel
from sim.params import PRESETS, Params, make_params
from sim.simulate import run_scenario

__all__ = ["Creator", "Fan", "OUTCOMES", "PRESETS", "ParasocialModel", "Params", "Platform",
           "make_params", "run_scenario"]
__version__ = "0.1.0"

"""Parasocial relationships between creators, fans and platforms: an agent-based model on Mesa.

One step is one day. Every mechanism, parameter (unit, default, source) and
outcome is described in ``docs/ODD.md``; worked examples are in ``notebooks/``.

The public API, all importable from ``sim``:

========================  ==============================================================
Model and agents          :class:`ParasocialModel`, :class:`Fan`, :class:`Creator`,
                          :class:`Platform`, :func:`builtin_feed` (the default feed policy)
Parameters                :class:`Params` (frozen, validated), :func:`make_params`,
                          ``PRESETS`` (influencer, streamer, idol, politician, virtual)
Outcome measures          ``OUTCOMES`` (name -> (description, unit, function of the model)),
                          :func:`gini`, :func:`top_share`, :func:`focal_attachment`
One run                   :func:`run_scenario` (params, seed, steps -> tidy data frame)
Experiments (sweeps)      :func:`parse_experiment` (TOML text), :func:`load_experiment`
                          (TOML file), :func:`run_experiment` (any ``concurrent.futures``
                          executor, incl. Dask's; resumable), :func:`load_results`,
                          :func:`load_metadata`
Figures and summaries     :func:`run_figure` (one run, :mod:`sim.plots`),
                          :func:`write_report` and :func:`summarise` (a stored sweep,
                          :mod:`sim.report`)
Validation                :func:`run_validation` (the published patterns,
                          :mod:`sim.validation`; ``parasocial validate`` writes the report)
========================  ==============================================================

Names load on first use, so ``import sim`` stays quick (Mesa, pandas and
matplotlib are imported only when a name that needs them is touched).

Build, step and inspect a model (every parameter is a keyword argument):

>>> import statistics
>>> import sim
>>> from sim import Fan, ParasocialModel
>>> model = ParasocialModel(preset="streamer", n_fans=300, n_creators=10, rng=1)
>>> model.step()                  # one day
>>> model.run_for(29)             # 29 more
>>> int(model.time)
30
>>> daily = model.datacollector.get_model_vars_dataframe()  # one row per day, day 0 included
>>> len(daily), "wellbeing" in daily.columns
(31, True)

Fans and creators are Mesa agents whose attributes read (and write) the
model's arrays, so Mesa's AgentSet tools work on them:

>>> fans = model.agents_by_type[Fan]
>>> attached = fans.select(lambda f: f.attachment >= 0.2)   # strongest bond, 0-1
>>> by_literacy = fans.groupby(lambda f: f.literacy >= 0.5).agg("wellbeing", statistics.fmean)
>>> sorted(by_literacy)
[False, True]
>>> table = model.creator_table          # one row per creator: status, audience, income, ...
>>> len(table), "audience" in table.columns
(10, True)

The whole population is also there as arrays (``model.fans``, ``model.creators``,
``model.bonds``: fans x followed-creator slots), which is what to use at scale.

A feed policy of your own, ``policy(model, posts) -> weights``: both arrays are
fans x bond slots; ``posts`` holds today's posts of each followed creator.
This one caps any one creator at 30 % of a fan's followed-creator feed:

>>> import numpy as np
>>> def capped_feed(model, posts):
...     weights = sim.builtin_feed(model, posts)
...     return np.minimum(weights, 0.3 * weights.sum(axis=1, keepdims=True))

An intervention of your own is any ``f(model)``; it runs at the end of every
step (``model.time`` is the day) and may change the state arrays:

>>> def literacy_campaign(model):
...     if model.time == 15:  # on day 15, every fan's media literacy rises by 0.2
...         model.fans.literacy[:] = np.minimum(1.0, model.fans.literacy + 0.2)

An outcome of your own is a reporter ``f(model) -> float``, collected every day
next to the built-in ``OUTCOMES``:

>>> model = ParasocialModel(n_fans=300, n_creators=10, rng=1, feed_policy=capped_feed,
...                         interventions=[literacy_campaign],
...                         reporters={"views_gini": lambda m: sim.gini(m.creators.views)})
>>> model.run_for(30)
>>> views_gini = model.datacollector.get_model_vars_dataframe()["views_gini"]
>>> len(views_gini), bool(views_gini.between(0.0, 1.0).all())
(31, True)

A sweep: an experiment (TOML text or a file in ``experiments/``), run on any
executor (``"serial"``, ``"processes"``, ``"dask"`` or a ready
``concurrent.futures.Executor`` such as ``dask.distributed.Client.get_executor()``),
stored as parquet parts that a re-run resumes::

    exp = sim.parse_experiment('''
    name = "feeds"
    question = "Does an engagement-ranked feed deepen attachment?"
    replicates = 4
    steps = 120
    outcomes = ["mean_attachment", "wellbeing"]
    [base]
    n_fans = 400
    n_creators = 15
    [factors]
    feed = ["chronological", "engagement"]
    ''')
    data = sim.run_experiment(exp, "results/feeds", executor="processes", workers=2)
    sim.write_report("results/feeds")   # summary.csv, figures/, summary.md
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The public names, grouped as in the table above (a literal, so linters and IDEs read it).
__all__ = [
    "ParasocialModel", "Fan", "Creator", "Platform", "builtin_feed",
    "Params", "make_params", "PRESETS",
    "OUTCOMES", "gini", "top_share", "focal_attachment",
    "run_scenario",
    "Experiment", "ExperimentError", "parse_experiment", "load_experiment",
    "run_experiment", "load_results", "load_metadata", "RunError", "ResultsError",
    "run_figure", "write_report", "summarise",
    "run_validation",
]

# Module defining each public name. Loaded on first access (PEP 562), so that
# `import sim` does not pay for Mesa, pandas, scipy and matplotlib up front.
_EXPORTS: dict[str, str] = {
    name: module
    for module, names in {
        "sim.model": ("ParasocialModel",),
        "sim.agents": ("Fan", "Creator", "Platform", "builtin_feed"),
        "sim.params": ("Params", "make_params", "PRESETS"),
        "sim.metrics": ("OUTCOMES", "gini", "top_share", "focal_attachment"),
        "sim.simulate": ("run_scenario",),
        "sim.experiment": ("Experiment", "ExperimentError", "parse_experiment",
                           "load_experiment"),
        "sim.runner": ("run_experiment", "load_results", "load_metadata", "RunError",
                       "ResultsError"),
        "sim.plots": ("run_figure",),
        "sim.report": ("write_report", "summarise"),
        "sim.validation": ("run_validation",),
    }.items()
    for name in names
}

# Submodules reachable as attributes after a bare `import sim` (e.g. `sim.plots.run_figure`).
_SUBMODULES = ("agents", "app", "experiment", "metrics", "model", "params", "plots", "provenance",
               "report", "runner", "sensitivity", "simulate", "state", "validation",
               "validation_report", "dynamics", "cli")


def __getattr__(name: str) -> Any:
    if name == "__version__":  # one source: pyproject.toml (see sim.provenance)
        from sim.provenance import package_version

        return package_version() or "unknown"
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})


if TYPE_CHECKING:  # static analysers and IDEs see the real names
    from sim.agents import Creator, Fan, Platform, builtin_feed
    from sim.experiment import Experiment, ExperimentError, load_experiment, parse_experiment
    from sim.metrics import OUTCOMES, focal_attachment, gini, top_share
    from sim.model import ParasocialModel
    from sim.params import PRESETS, Params, make_params
    from sim.plots import run_figure
    from sim.report import summarise, write_report
    from sim.runner import (
        ResultsError,
        RunError,
        load_metadata,
        load_results,
        run_experiment,
    )
    from sim.simulate import run_scenario
    from sim.validation import run_validation

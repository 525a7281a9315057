"""Which parameters matter: SALib Morris screening and Sobol indices over named ranges.

The sample comes from the experiment's ``[sensitivity]`` table (see
:mod:`sim.experiment`), the runs from the ordinary runner, and the analysis
from stored results only: each condition's outcome is its final-day value
averaged over replicates. Morris (elementary effects, cheap) screens many
parameters; Sobol indices (variance shares, costlier) quantify the few that
survive screening.

Example file::

    [sensitivity]
    method = "morris"      # or "sobol"
    samples = 10           # Morris trajectories, or Sobol base sample N (power of 2)
    levels = 4             # Morris grid levels
    [sensitivity.ranges]
    attachment_gain = [0.005, 0.04]
    posting_rate = [0.25, 4]
"""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment import Design, Experiment, sample_matrix
from sim.runner import ResultsError, load_metadata, load_results, run_experiment

MEASURES = {"morris": ["mu_star", "mu_star_conf", "mu", "sigma"],
            "sobol": ["ST", "ST_conf", "S1", "S1_conf"]}


def run_sensitivity(exp: Experiment, out_dir: str | Path, outcomes: list[str] | None = None,
                    **runner_kwargs) -> pd.DataFrame:
    """Run (or resume) the experiment's sensitivity sample, then analyse and write the table.

    Args:
        exp: an experiment with a ``[sensitivity]`` table.
        out_dir: results folder.
        outcomes: outcomes to analyse (default: the experiment's).
        **runner_kwargs: passed to :func:`sim.runner.run_experiment` (executor, workers, ...).
    """
    if exp.design is None or exp.design.analysis is None:
        raise ValueError(f"{exp.source}: no [sensitivity] table; add one to analyse sensitivity")
    run_experiment(exp, out_dir, **runner_kwargs)
    return analyze(out_dir, outcomes)


def analyze(out_dir: str | Path, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Indices per outcome and parameter from stored results; writes CSV, markdown and figure.

    Writes ``sensitivity.csv``, ``sensitivity.md`` and ``figures/sensitivity.png``.
    """
    out = Path(out_dir)
    meta = load_metadata(out)
    design = stored_design(meta)
    info = meta["outcomes"]
    outcomes = outcomes or list(meta["experiment"]["outcomes"])
    table = indices(load_results(out), design, outcomes)
    table.to_csv(out / "sensitivity.csv", index=False)
    (out / "sensitivity.md").write_text(markdown(table, design) + "\n")
    (out / "figures").mkdir(exist_ok=True)
    figure(table, design, info).savefig(out / "figures" / "sensitivity.png", dpi=120)
    return table


def stored_design(meta: dict) -> Design:
    """The sensitivity design recorded in a results folder's metadata."""
    stored = meta["experiment"].get("design")
    if not stored or stored["method"] not in ("morris", "saltelli"):
        raise ResultsError("these results have no [sensitivity] design to analyse")
    return Design(**{**stored, "ranges": {k: tuple(v) for k, v in stored["ranges"].items()}})


def indices(data: pd.DataFrame, design: Design, outcomes: list[str]) -> pd.DataFrame:
    """Morris or Sobol indices of each outcome's final value (mean over replicates)."""
    from SALib.analyze import morris, sobol

    x = sample_matrix(design)
    final = data[data["step"] == data.groupby(["condition", "replicate"])["step"].transform("max")]
    means = final.groupby("condition")[outcomes].mean().reindex(range(len(x)))
    missing = int(means.isna().any(axis=1).sum())
    if missing:
        raise ResultsError(f"sensitivity needs all {len(x)} conditions; {missing} have no "
                           "results yet: finish the sweep (re-run it to resume)")
    problem = design.problem()
    rows = []
    for outcome in outcomes:
        y = means[outcome].to_numpy(dtype=float)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # a constant outcome has no variance to split
            if design.analysis == "morris":
                res = morris.analyze(problem, x, y, num_levels=design.levels, seed=design.seed)
            else:
                res = sobol.analyze(problem, y, calc_second_order=design.second_order,
                                    seed=design.seed)
        for i, name in enumerate(problem["names"]):
            rows.append({"outcome": outcome, "parameter": name,
                         **{m: float(res[m][i]) for m in MEASURES[design.analysis]}})
    table = pd.DataFrame(rows)
    lead = MEASURES[design.analysis][0]
    order = table.assign(_rank=table[lead].fillna(-np.inf))
    order = order.sort_values(["outcome", "_rank"], ascending=[True, False], kind="stable")
    return order.drop(columns="_rank").reset_index(drop=True)


def markdown(table: pd.DataFrame, design: Design) -> str:
    """The table as markdown, with a sentence on how to read it."""
    if design.analysis == "morris":
        intro = (f"Morris screening ({design.samples} trajectories, {design.levels} levels): "
                 "mu_star is the mean absolute change of the outcome when a parameter moves "
                 "across its range (larger = more influential); sigma large relative to mu_star "
                 "signals interactions or non-linearity.")
    else:
        intro = (f"Sobol indices (base sample {design.samples}): S1 is the share of the "
                 "outcome's variance due to a parameter alone, ST the share including its "
                 "interactions; conf columns are 95 % bootstrap half-widths.")
    intro += " " + " ".join(answers(table, design))
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([intro, "", head, rule, *body])


def answers(table: pd.DataFrame, design: Design, describe=str) -> list[str]:
    """Per outcome, in words: which parameters the indices' 95 % intervals resolve.

    A parameter is resolved as influential when the interval of its leading index
    (mu_star or ST) excludes 0; a Sobol outcome whose indices fall outside [0, 1]
    beyond their intervals is resolved for none (the sample is too small for it).
    """
    lead, conf = MEASURES[design.analysis][:2]
    broken = unresolved_outcomes(table) if design.analysis == "sobol" else []
    lines = []
    for outcome in dict.fromkeys(table["outcome"]):
        sub = table[table["outcome"] == outcome]
        name = describe(outcome)
        name = name[:1].upper() + name[1:]
        shown = list(sub.loc[sub[lead] - sub[conf] > 0, "parameter"])
        if outcome in broken:
            lines.append(f"{name}: indices fall outside [0, 1] beyond their intervals, so this "
                         "design does not resolve the parameters (too few samples for the "
                         "run-to-run noise; raise the base sample).")
        elif not shown:
            lines.append(f"{name}: no parameter's {lead} interval excludes 0, so this design "
                         "does not resolve the parameters.")
        else:
            rest = len(sub) - len(shown)
            tail = (f"; the other {rest} parameter(s) are not resolved (interval includes 0)"
                    if rest else "")
            lines.append(f"{name}: {', '.join(shown)} resolved as influential ({lead} interval "
                         f"above 0){tail}.")
    return lines


def unresolved_outcomes(table: pd.DataFrame) -> list[str]:
    """Outcomes with a Sobol index that its 95 % interval places outside [0, 1]."""
    bad = ((table["ST"] - table["ST_conf"] > 1.0) | (table["S1"] + table["S1_conf"] < 0.0)
           | (table["ST"] + table["ST_conf"] < 0.0))
    return list(dict.fromkeys(table.loc[bad, "outcome"]))


def _cell(value) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def figure(table: pd.DataFrame, design: Design, info: dict) -> Figure:
    """One panel per outcome: horizontal bars of the leading index with 95 % error bars."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    cols = min(3, len(outcomes))
    rows = -(-len(outcomes) // cols)
    height = 0.35 * len(design.ranges) + 1.6
    fig = Figure(figsize=(4.6 * cols, height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    bars = [("mu_star", "mu_star_conf", "μ*")] if design.analysis == "morris" else [
        ("ST", "ST_conf", "total (ST)"), ("S1", "S1_conf", "first order (S1)")]
    for ax, outcome in zip(axes, outcomes, strict=False):
        sub = table[table["outcome"] == outcome].iloc[::-1]
        pos = np.arange(len(sub))
        width = 0.8 / len(bars)
        for k, (col, conf, label) in enumerate(bars):
            ax.barh(pos + (k - (len(bars) - 1) / 2) * width, sub[col], height=width,
                    xerr=sub[conf], capsize=2, label=label)
        ax.set_yticks(pos, sub["parameter"])
        description, unit = info.get(outcome, (outcome, ""))
        ax.set_title(_wrap(f"{description} ({unit})" if unit else description), fontsize=9)
        ax.set_xlabel(f"μ* ({unit} over a parameter's range)" if design.analysis == "morris"
                      else "share of variance")
        if len(bars) > 1:
            ax.legend(fontsize=8)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    fig.suptitle("Sensitivity of final-day outcomes (mean over replicates)")
    return fig


def _wrap(text: str, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(text, width))

"""Summaries, figures and a written account of a sweep, from stored results only.

Reads ``metadata.json`` and the parquet parts written by :mod:`sim.runner`,
never the model, so figures can be redrawn (``parasocial plot``) long after
the runs and on a machine without the model's dependencies at their versions.
Writes into the results folder:

- ``summary.csv``: per condition, outcome and recorded day: mean, 95 % t-interval
  across replicates, n (the time series; not written for one-replicate designs,
  whose per-day rows would be single runs);
- ``summary_final.csv``: the same on the final day;
- ``final_day.csv``: the digest, one row per run (keys, seed, varied parameters and every
  outcome on the last day): small enough for git, so a rerun from the seeds can be checked
  against it when the parts (regenerable, not committed) are gone;
- ``contrasts.csv`` (factorial designs): every condition's final-day change from the
  reference condition (each factor at its reference level, by default its first), with
  a 95 % interval: paired replicate by replicate under common random numbers;
- ``figures/final_<outcome>.png``: final day against the first factor, one line
  per level of the second (points, not lines, for unordered levels), panels for
  further factors, 95 % error bars (sampled designs: one scatter panel per parameter);
- ``figures/time_<outcome>.png``: the time series with 95 % bands (factorial designs);
- ``summary.md``: the question, a one-line answer per outcome, the design, and what
  the figures show in numbers.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy import stats

from sim import sensitivity
from sim.store import ResultsError, child, load_metadata, load_results

DPI = 120
DIGEST = "final_day.csv"


def write_report(out_dir: str | Path, outcomes: list[str] | None = None) -> Path:
    """Write summaries, figures and ``summary.md`` for a results folder; return the markdown path.

    Args:
        out_dir: a folder written by :func:`sim.runner.run_experiment`.
        outcomes: outcomes to report (default: the experiment's).
    """
    out = Path(out_dir)
    meta = load_metadata(out)
    exp = meta["experiment"]
    outcomes = list(outcomes or exp["outcomes"])
    varied = list(exp["varied"])
    # Outcome names come from the folder's metadata: the figures they name must stay inside it.
    paths = {(kind, outcome): child(out / "figures", f"{kind}_{outcome}.png", "figure name")
             for outcome in outcomes for kind in ("final", "time")}
    data = load_results(out)
    missing = [name for name in [*varied, *outcomes] if name not in data.columns]
    if missing:
        raise ResultsError(f"{out}: metadata.json names {', '.join(map(repr, missing))}, which the "
                           "stored data lack; restore metadata.json or run the sweep again")
    table = summarise(data, varied, outcomes)
    final = final_day(table)
    runs = final_runs(data)
    digest(runs, varied, outcomes).to_csv(out / DIGEST, index=False)
    if exp["replicates"] > 1:
        table.to_csv(out / "summary.csv", index=False)
    final.to_csv(out / "summary_final.csv", index=False)
    changes, earlier = None, {}
    if exp["factors"] and len(exp["conditions"]) > 1:
        # With common random numbers, replicate r of every condition is the same world: the
        # change is paired replicate by replicate, which removes world-to-world noise.
        def compare(day_runs):
            return contrasts(day_runs, varied, outcomes, reference_levels(exp),
                             paired=bool(exp.get("common_seeds")))
        changes = compare(runs)
        earlier = {day: compare(runs_on(data, day)) for day in exp.get("answer_days", [])}
        pd.concat([c.assign(day=day) for day, c in
                   [*earlier.items(), (int(final["step"].max()), changes)]]).to_csv(
            out / "contrasts.csv", index=False)

    labels = Labels(meta)
    (out / "figures").mkdir(exist_ok=True)
    figures: dict[str, list[str]] = {}
    for outcome in outcomes:
        drawn = {}
        if exp["design"]:
            drawn["final"] = sampled_figure(final, outcome, varied, labels)
        else:
            if varied:
                drawn["final"] = final_figure(final, outcome, varied, labels)
            drawn["time"] = time_figure(table, outcome, varied, labels)
        figures[outcome] = []
        for kind, fig in drawn.items():
            fig.savefig(paths[kind, outcome], dpi=DPI)
            figures[outcome].append(f"figures/{paths[kind, outcome].name}")

    sens = None
    design = exp["design"]
    if design and design["method"] in ("morris", "saltelli"):
        sens = (sensitivity.analyze(out, outcomes), sensitivity.stored_design(meta))
    path = out / "summary.md"
    path.write_text(markdown(meta, final, outcomes, figures, sens, changes, earlier))
    return path


# --- numbers -------------------------------------------------------------


def summarise(data: pd.DataFrame, varied: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Mean, 95 % t-interval and n across replicates, per condition, outcome and day."""
    long = data.melt(id_vars=["condition", "replicate", "step"], value_vars=outcomes,
                     var_name="outcome")
    grouped = long.groupby(["condition", "outcome", "step"], sort=False)["value"]
    table = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, table["n"] - 1) * table["sd"] / np.sqrt(table["n"])
    table["ci_low"], table["ci_high"] = table["mean"] - half, table["mean"] + half
    factors = data.groupby("condition", sort=True)[varied].first().reset_index()
    table = factors.merge(table, on="condition")
    order = {name: i for i, name in enumerate(outcomes)}
    table = table.sort_values(["outcome", "condition", "step"],
                              key=lambda c: c.map(order) if c.name == "outcome" else c)
    return table[["condition", *varied, "outcome", "step", "mean", "ci_low", "ci_high", "n"]
                 ].reset_index(drop=True)


def final_runs(data: pd.DataFrame) -> pd.DataFrame:
    """Each run's row on its last recorded day (the raw data behind paired comparisons)."""
    last = data.groupby("condition")["step"].transform("max")
    return data[data["step"] == last].reset_index(drop=True)


def runs_on(data: pd.DataFrame, day: int) -> pd.DataFrame:
    """Each run's row on a recorded day (an experiment's ``answer_days``)."""
    return data[data["step"] == day].reset_index(drop=True)


def digest(runs: pd.DataFrame, varied: list[str], outcomes: list[str]) -> pd.DataFrame:
    """One row per run on its last day: what a rerun from the seed must reproduce."""
    return runs[["condition", "replicate", "seed", *varied, "step", *outcomes]]


def paired_change(runs: pd.DataFrame, outcome: str, first: int, last: int) -> dict:
    """Mean and 95 % t-interval of (last - first condition), matched replicate by replicate."""
    a = runs[runs["condition"] == first].set_index("replicate")[outcome]
    b = runs[runs["condition"] == last].set_index("replicate")[outcome]
    diff = (b - a).dropna()
    n, mean = len(diff), float(diff.mean())
    half = (stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n)) if n > 1 else math.nan
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def unpaired_change(runs: pd.DataFrame, outcome: str, first: int, last: int) -> dict:
    """Mean and 95 % Welch interval of (last - first condition), for independent seeds."""
    a = runs.loc[runs["condition"] == first, outcome].dropna()
    b = runs.loc[runs["condition"] == last, outcome].dropna()
    mean, n = float(b.mean() - a.mean()), min(len(a), len(b))
    if n < 2:
        return {"mean": mean, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
        half = float(stats.t.ppf(0.975, df) * np.sqrt(va + vb)) if va + vb > 0 else 0.0
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def reference_levels(exp: dict) -> dict:
    """Each factor's reference level: the experiment's, or (older metadata) its first."""
    return exp.get("reference") or {k: levels[0] for k, levels in exp["factors"].items()}


def contrasts(runs: pd.DataFrame, varied: list[str], outcomes: list[str], reference: dict,
              paired: bool) -> pd.DataFrame:
    """Every condition's final-day change from the reference condition, with a 95 % interval."""
    ref = int(runs.loc[_match(runs, reference), "condition"].iloc[0])
    change = paired_change if paired else unpaired_change
    levels = runs.groupby("condition", sort=True)[varied].first()
    rows = [{"outcome": outcome, "condition": c, **levels.loc[c].to_dict(),
             "reference": int(c) == ref,
             **change(runs, outcome, ref, c), "paired": paired}
            for outcome in outcomes for c in levels.index]
    table = pd.DataFrame(rows)
    table["reading"] = [_reading(r) for r in table.itertuples()]
    return table


def _reading(row) -> str:
    """Whether the interval of a change from the reference excludes 0."""
    if row.reference:
        return "reference"
    if not math.isfinite(row.ci_low):
        return "no interval"
    return "higher" if row.ci_low > 0 else "lower" if row.ci_high < 0 else "no difference shown"


def final_day(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of each condition's last recorded day."""
    last = table.groupby("condition")["step"].transform("max")
    return table[table["step"] == last].reset_index(drop=True)


# --- labels --------------------------------------------------------------


class Labels:
    """Axis and legend text with units, from the metadata stored beside the results."""

    def __init__(self, meta: dict):
        self.params = meta.get("parameters", {})
        self.outcomes = meta.get("outcomes", {})

    def param(self, name: str) -> str:
        unit = self.params.get(name, {}).get("unit")
        return f"{name} ({unit})" if unit else name

    def outcome(self, name: str, width: int = 40) -> str:
        description, unit = self.outcomes.get(name, (name, ""))
        return "\n".join(textwrap.wrap(f"{description} ({unit})" if unit else description,
                                       width))

    def description(self, name: str) -> str:
        return self.outcomes.get(name, (name, ""))[0]


def show(value) -> str:
    """A factor level as people write it."""
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return str(value)


def _levels(frame: pd.DataFrame, name: str | None) -> list:
    """A column's distinct values in condition order (the experiment file's order)."""
    if name is None:
        return [None]
    return list(frame.sort_values("condition")[name].drop_duplicates())


def _combos(frame: pd.DataFrame, names: list[str]) -> list[dict]:
    if not names:
        return [{}]
    firsts = frame.sort_values("condition").drop_duplicates(names)
    return [dict(zip(names, row, strict=True)) for row in firsts[names].itertuples(index=False)]


def _match(frame: pd.DataFrame, combo: dict) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for name, value in combo.items():
        if name is not None:
            mask &= frame[name] == value
    return mask


def _title(combo: dict) -> str:
    return ", ".join(f"{k}={show(v)}" for k, v in combo.items())


def _numeric(levels: list) -> bool:
    return all(isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
               and math.isfinite(v) for v in levels)


def _grid(n: int, width: float, height: float) -> tuple[Figure, np.ndarray]:
    cols = min(3, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(width * cols + 1.5, height * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


# --- figures -------------------------------------------------------------


def final_figure(final: pd.DataFrame, outcome: str, varied: list[str], labels: Labels) -> Figure:
    """Final day against the first factor; a line per level of the second; panels for the rest."""
    sub = final[final["outcome"] == outcome]
    x, line = varied[0], (varied[1] if len(varied) > 1 else None)
    xs, lines = _levels(sub, x), _levels(sub, line)
    numeric = _numeric(xs)
    index = {v: i for i, v in enumerate(xs)}
    facets = _combos(sub, varied[2:])
    fig, axes = _grid(len(facets), 4.8, 3.6)
    for ax, facet in zip(axes, facets, strict=False):
        for k, level in enumerate(lines):
            rows = sub[_match(sub, {**facet, line: level})]
            rows = rows.iloc[np.argsort([index[v] for v in rows[x]], kind="stable")]
            if numeric:
                pos = rows[x].to_numpy(dtype=float)
            else:  # dodge categorical points so error bars do not hide each other
                pos = np.array([index[v] for v in rows[x]]) + 0.08 * (k - (len(lines) - 1) / 2)
            err = np.vstack([rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]])
            ax.errorbar(pos, rows["mean"], yerr=np.nan_to_num(err), marker="o", capsize=3,
                        linestyle="-" if numeric else "none",  # no line between unordered levels
                        color=f"C{k % 10}", label=None if level is None else show(level))
        if numeric:
            positive = min(xs) > 0 and max(xs) / min(xs) >= 8
            if positive:
                ax.set_xscale("log")
            ax.set_xticks(xs, [show(v) for v in xs])
            ax.minorticks_off()
        else:
            ax.set_xticks(range(len(xs)), [show(v) for v in xs])
        ax.set_xlabel(labels.param(x))
        ax.set_title(_title(facet), fontsize=9)
        ax.grid(alpha=0.3)
    fig.supylabel(labels.outcome(outcome), fontsize=10)
    if line is not None:
        fig.legend(*axes[0].get_legend_handles_labels(), title=labels.param(line),
                   loc="outside right center", fontsize=8)
    day = int(sub["step"].max())
    fig.suptitle(f"{labels.description(outcome)} on day {day} (mean, 95 % CI)", fontsize=10)
    return fig


def time_figure(table: pd.DataFrame, outcome: str, varied: list[str], labels: Labels) -> Figure:
    """Each condition over time with a 95 % band: colour by the first factor, panels by others."""
    sub = table[table["outcome"] == outcome]
    color = varied[0] if varied else None
    levels = _levels(sub, color)
    cmap = colormaps["viridis"] if _numeric(levels) and len(levels) > 2 else None
    facets = _combos(sub, varied[1:])
    fig, axes = _grid(len(facets), 4.8, 3.4)
    for ax, facet in zip(axes, facets, strict=False):
        for k, level in enumerate(levels):
            rows = sub[_match(sub, {**facet, color: level})].sort_values("step")
            shade = cmap(k / (len(levels) - 1) * 0.9) if cmap else f"C{k % 10}"
            ax.plot(rows["step"], rows["mean"], color=shade,
                    label=None if level is None else show(level))
            ax.fill_between(rows["step"], rows["ci_low"], rows["ci_high"], color=shade,
                            alpha=0.2, linewidth=0)
        ax.set_xlabel("day")
        ax.set_title(_title(facet), fontsize=9)
        ax.grid(alpha=0.3)
    fig.supylabel(labels.outcome(outcome), fontsize=10)
    if color is not None:
        fig.legend(*axes[0].get_legend_handles_labels(), title=labels.param(color),
                   loc="outside right center", fontsize=8)
    fig.suptitle(f"{labels.description(outcome)} over time (mean, 95 % band)", fontsize=10)
    return fig


def sampled_figure(final: pd.DataFrame, outcome: str, varied: list[str],
                   labels: Labels) -> Figure:
    """Final day of every sampled condition against each parameter (95 % error bars)."""
    sub = final[final["outcome"] == outcome]
    fig, axes = _grid(len(varied), 3.6, 3.0)
    err = np.nan_to_num(np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]]))
    for ax, name in zip(axes, varied, strict=False):
        ax.errorbar(sub[name], sub["mean"], yerr=err, fmt="o", ms=3, alpha=0.6,
                    elinewidth=0.8)
        ax.set_xlabel(labels.param(name))
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(alpha=0.3)
    fig.supylabel(labels.outcome(outcome), fontsize=10)
    day = int(sub["step"].max())
    fig.suptitle(f"{labels.description(outcome)} on day {day} across sampled conditions",
                 fontsize=10)
    return fig


# --- words ---------------------------------------------------------------


def ci(row) -> str:
    """A mean with its 95 % interval, e.g. ``0.26 [0.25, 0.27]``."""
    if not math.isfinite(row["ci_low"]):
        return f"{row['mean']:.3g} (n={int(row['n'])}, no interval)"
    return f"{row['mean']:.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}]"


def _differs(row, reference: dict) -> str:
    """A condition by the factors it changes from the reference, e.g. ``feed=engagement``."""
    changed = {k: row[k] for k, v in reference.items() if row[k] != v}
    return _title(changed) or _title(reference)


def answer(changes: pd.DataFrame, outcome: str, description: str, reference: dict) -> str:
    """One line: which conditions raise or lower the outcome against the reference."""
    sub = changes[(changes["outcome"] == outcome) & ~changes["reference"]]
    against = f"against {_title(reference)}"
    if (sub["reading"] == "no interval").all():
        return f"{description.capitalize()}: one replicate per condition, so no verdict."
    said = []
    for reading, verb in (("higher", "higher"), ("lower", "lower")):
        hits = sub[sub["reading"] == reading]
        if len(hits):
            said.append(f"{verb} under " + ", ".join(
                f"{_differs(r, reference)} ({r['mean']:+.3g} [{r['ci_low']:+.3g}, "
                f"{r['ci_high']:+.3g}])" for _, r in hits.iterrows()))
    rest = sub[sub["reading"] == "no difference shown"]
    if not said:
        return (f"{description.capitalize()}: no condition differs from {_title(reference)} "
                "beyond the noise (every 95 % interval of the change includes 0).")
    if len(rest):
        said.append(f"no difference shown under {len(rest)} other condition"
                    + ("s" if len(rest) > 1 else ""))
    return f"{description.capitalize()} {against}: " + "; ".join(said) + "."


def contrast_table(final: pd.DataFrame, changes: pd.DataFrame, outcome: str,
                   varied: list[str]) -> list[str]:
    """Each condition's final-day mean and its change from the reference, as markdown rows."""
    means = final[final["outcome"] == outcome].set_index("condition")
    lines = ["| condition | final day [95 % CI] | change from reference [95 % CI] | reading |",
             "|---|---|---|---|"]
    for _, r in changes[changes["outcome"] == outcome].iterrows():
        change = "" if r["reference"] else ci(r)
        lines.append(f"| {_title({k: r[k] for k in varied})} | "
                     f"{ci(means.loc[r['condition']])} | {change} | {r['reading']} |")
    return lines


def _rank_correlations(sub: pd.DataFrame, varied: list[str]) -> list[tuple[str, float]]:
    """Spearman's rho of the outcome with each sampled parameter, strongest first."""
    rhos = {name: stats.spearmanr(sub[name], sub["mean"]).statistic for name in varied}
    return sorted(rhos.items(), key=lambda kv: -abs(np.nan_to_num(kv[1])))


def sampled_sentences(final: pd.DataFrame, outcome: str, varied: list[str],
                      description: str) -> list[str]:
    """The outcome's spread across sampled conditions and its rank correlation with each input."""
    sub = final[final["outcome"] == outcome]
    text = (f"Across the {len(sub)} sampled conditions, {description} ranges from "
            f"{sub['mean'].min():.3g} to {sub['mean'].max():.3g}.")
    if sub["mean"].nunique() < 2:
        return [text]
    parts = [f"{name} (ρ = {rho:+.2f})" for name, rho in _rank_correlations(sub, varied)]
    return [text, f"Spearman rank correlation with each parameter, strongest first: "
                  f"{', '.join(parts)}."]


def sampled_answer(final: pd.DataFrame, outcome: str, varied: list[str],
                   description: str) -> str:
    """One line: the parameter the outcome follows most closely across the sample."""
    sub = final[final["outcome"] == outcome]
    if sub["mean"].nunique() < 2:
        return f"{description.capitalize()}: the same in every sampled condition."
    name, rho = _rank_correlations(sub, varied)[0]
    return (f"{description.capitalize()}: follows {name} most closely across the sample "
            f"(Spearman ρ = {rho:+.2f}).")


def design_lines(meta: dict) -> list[str]:
    """The design in words: preset, factors or sample, replicates, days, seeds, code version."""
    exp = meta["experiment"]
    params = meta.get("parameters", {})
    unit = {k: f" ({v['unit']})" for k, v in params.items()}
    base = ", ".join(f"`{k}={show(v)}`" for k, v in exp["base"].items()) or "none"
    lines = [f"- Preset `{exp['preset']}`; fixed overrides: {base}."]
    n = len(exp["conditions"])
    if exp["design"]:
        d = exp["design"]
        names = {"lhs": "Latin hypercube sample", "sobol": "scrambled Sobol sequence",
                 "morris": f"Morris design ({d['samples']} trajectories, {d['levels']} levels)",
                 "saltelli": f"Saltelli sample for Sobol indices (N={d['samples']})"}
        ranges = "; ".join(f"`{k}`{unit.get(k, '')} in [{show(lo)}, {show(hi)}]"
                           for k, (lo, hi) in d["ranges"].items())
        lines.append(f"- Design: {names[d['method']]} of {n} conditions (sampler seed "
                     f"{d['seed']}) over {ranges}.")
    elif exp["factors"]:
        levels = "; ".join(f"`{k}`{unit.get(k, '')} = {', '.join(show(v) for v in values)}"
                           for k, values in exp["factors"].items())
        lines.append(f"- Factors (full factorial, {n} conditions): {levels}.")
    else:
        lines.append("- One condition (no factors).")
    every = "daily" if exp["record_every"] == 1 else f"every {exp['record_every']} days"
    replicates = "1 replicate" if exp["replicates"] == 1 else f"{exp['replicates']} replicates"
    lines.append(
        f"- {replicates} per condition, {exp['steps']} days each (one step "
        f"is one day), outcomes recorded {every}; "
        f"{meta['runs_done']} of {meta['runs_total']} runs finished.")
    goal = meta.get("precision")
    if goal:
        reached = ("met" if goal["met"] else
                   f"**not met** at the cap of {goal['max_replicates']} replicates")
        lines.append(f"- Replicates chosen by a precision goal (`replicates = \"auto\"`): the "
                     f"widest 95 % half-width of final-day `{goal['outcome']}` over the "
                     f"conditions is {goal['achieved']:.3g} against the goal "
                     f"{goal['half_width']:.3g}: {reached}.")
    if exp.get("common_seeds", False):
        lines.append(
            f"- Seeds: root seed {exp['seed']}; common random numbers: replicate r uses "
            f"`SeedSequence({exp['seed']}).spawn(..)[0].spawn(..)[r].generate_state(1)[0]` in "
            "every condition, so conditions are compared on the same simulated worlds "
            "(`sim.experiment.run_seed`); every run's seed is in `metadata.json`.")
    else:
        lines.append(
            f"- Seeds: root seed {exp['seed']}; run (condition c, replicate r) uses "
            f"`SeedSequence({exp['seed']}).spawn(..)[c].spawn(..)[r].generate_state(1)[0]` "
            "(`sim.experiment.run_seed`); every run's seed is in `metadata.json`.")
    executors = ", ".join(dict.fromkeys(s["executor"] for s in meta.get("sessions", [])))
    lines.append(f"- Code: parasocial-sim {meta.get('package_version')}, {code_text(meta)}; "
                 f"executor {executors or 'unknown'}; {meta.get('run_seconds_total', 0):.1f} s "
                 "of model time.")
    return lines


def code_text(meta: dict) -> str:
    """The code revision(s) and library versions behind the stored runs, in words."""
    sessions = meta.get("sessions") or [meta]
    revisions = list(dict.fromkeys(s.get("git_revision", meta.get("git_revision"))
                                   for s in sessions))
    named = ["no git revision (run from an installed package)" if r is None else f"git {r}"
             for r in revisions]
    code = (named[0] if len(named) == 1 else
            f"runs from {len(named)} code revisions (sessions in metadata.json): "
            + ", ".join(str(r) for r in revisions))
    versions = meta.get("versions")
    if versions:
        code += " (" + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + ")"
    return code


def reading_note(exp: dict, day: int, changes: pd.DataFrame | None) -> str:
    """How to read the numbers of the results section."""
    if exp["replicates"] < 2:
        return (f"One replicate per condition: each value is a single run on day {day}, "
                "with no interval, so no verdicts.")
    text = (f"Values are final-day (day {day}) means over {exp['replicates']} replicates "
            "with 95 % t-intervals in brackets.")
    if changes is None:
        return text
    pairing = ("paired replicate by replicate (common random numbers: replicate r has the "
               "same seed in every condition)" if changes["paired"].any() else
               "from Welch's t (independent seeds)")
    return (f"{text} Each condition's change from the reference "
            f"({_title(reference_levels(exp))}) has a 95 % interval {pairing}; "
            "\"higher\"/\"lower\" means that interval excludes 0.")


def answers(exp: dict, final: pd.DataFrame, outcomes: list[str], labels: Labels,
            changes: pd.DataFrame | None, sens: tuple | None,
            earlier: dict[int, pd.DataFrame] | None = None) -> list[str]:
    """One line per outcome answering the study's question (per answer day, if it names any)."""
    varied = list(exp["varied"])
    if sens is not None:
        return sensitivity.answers(*sens, labels.description)
    lines = []
    for outcome in outcomes:
        description = labels.description(outcome)
        if exp["design"]:
            lines.append(sampled_answer(final, outcome, varied, description))
        elif changes is not None:
            days = {**(earlier or {}), int(final["step"].max()): changes}
            for day, day_changes in days.items():
                line = answer(day_changes, outcome, description, reference_levels(exp))
                lines.append(f"Day {day}: {line[0].lower()}{line[1:]}" if len(days) > 1 else line)
        else:
            lines.append(ends_at(final, outcome, description))
    return lines


def ends_at(final: pd.DataFrame, outcome: str, description: str) -> str:
    """The one condition's final-day value, as a sentence."""
    return f"{description.capitalize()} ends at {ci(final[final['outcome'] == outcome].iloc[0])}."


def markdown(meta: dict, final: pd.DataFrame, outcomes: list[str],
             figures: dict[str, list[str]], sens: tuple | None,
             changes: pd.DataFrame | None = None,
             earlier: dict[int, pd.DataFrame] | None = None) -> str:
    """The whole ``summary.md``; ``sens`` is (index table, design) for sensitivity designs;
    ``earlier`` the changes on the experiment's answer days before the last."""
    exp = meta["experiment"]
    varied = list(exp["varied"])
    labels = Labels(meta)
    day = int(final["step"].max())
    lines = [f"# {exp['name']}", "", f"**Question.** {exp['question']}", "", "## Answer", "",
             *[f"- {line}" for line in answers(exp, final, outcomes, labels, changes, sens,
                                               earlier)],
             "", "## Design", "", *design_lines(meta), "", "## Results", "",
             reading_note(exp, day, changes), ""]
    for outcome in outcomes:
        lines += [f"### {labels.outcome(outcome, width=1000)}", ""]
        if exp["design"]:
            lines += sampled_sentences(final, outcome, varied, labels.description(outcome))
        elif changes is not None:
            lines += contrast_table(final, changes, outcome, varied)
        else:
            lines.append(ends_at(final, outcome, labels.description(outcome)))
        lines += ["", *[f"![{outcome}]({name})" for name in figures.get(outcome, [])], ""]
    if sens:
        lines += ["## Sensitivity", "", sensitivity.markdown(*sens), "",
                  "![sensitivity](figures/sensitivity.png)", ""]
    lines += ["## Files", "", *files_lines(exp, changes is not None), ""]
    return "\n".join(lines)


def files_lines(exp: dict, contrasted: bool) -> list[str]:
    """What the results folder holds, as markdown bullets."""
    lines = []
    if exp["replicates"] > 1:
        lines.append("- `summary.csv`: mean, 95 % interval and n per condition, outcome and "
                     "recorded day.")
    lines.append("- `summary_final.csv`: the final day per condition and outcome.")
    if contrasted:
        lines.append("- `contrasts.csv`: every condition's change from the reference, with its "
                     "95 % interval, on the final day and each answer day (`day`).")
    return lines + [
        f"- `{DIGEST}`: every run's final day (keys, seed, varied parameters, outcomes).",
        "- `parts/*.parquet` (read with `sim.runner.load_results`): every run's time series; "
        "not kept in git: `parasocial sweep` on the experiment file regenerates them from "
        "the seeds in `metadata.json`.",
        "- `metadata.json`: experiment file, versions, seeds, timings."]

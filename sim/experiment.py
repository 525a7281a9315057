"""Experiment files: a study's question and design, validated before anything runs.

An experiment file (TOML) names the question, a preset, fixed overrides
(``[base]``), and one design: a full factorial (``[factors]``), a sampled
design over ranges (``[design]``: Latin hypercube or Sobol points) or a
sensitivity design (``[sensitivity]``: SALib's Morris or Sobol-index sample).
:func:`load_experiment` checks every name and builds the parameters of every
condition, so a typo fails in a second rather than after an hour of runs.
:func:`expand` turns the experiment into runs, each with its own seed.

Example::

    name = "posting_frequency"
    question = "Does posting more often deepen fans' attachment?"
    preset = "influencer"
    replicates = 10
    steps = 365
    record_every = 5
    seed = 1
    outcomes = ["mean_attachment", "wellbeing"]
    answer_days = [180]        # optional: also answer on these recorded days

    [base]
    n_fans = 2000

    [factors]
    posting_rate = [0.5, 1, 2, 4]

    [reference]                # optional: the level every other is compared with
    posting_rate = 1           # (default: each factor's first level)

``replicates = "auto"`` with a ``[precision]`` table (``outcome``, ``half_width``,
optional ``min_replicates`` and ``max_replicates``) lets the runner add replicates
until the headline outcome's final-day 95 % interval is that narrow in every
condition, or the cap is reached.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.params import PARAM_FIELDS, PRESETS, make_params

TOP_LEVEL = ("name", "question", "preset", "seed", "common_seeds", "replicates", "steps",
             "record_every", "outcomes", "base", "factors", "reference", "design",
             "sensitivity", "precision", "answer_days")
PRECISION_KEYS = ("outcome", "half_width", "min_replicates", "max_replicates")
# Replicates of a precision goal when the file does not say: start, cap.
AUTO_REPLICATES = (5, 40)
# Parameters naming the day a scenario event happens (-1: never); it must fall inside the run.
SCENARIO_DAYS = ("quit_day", "lockdown_day", "conflict_day")
DESIGN_KEYS = ("method", "samples", "seed", "ranges")
SENSITIVITY_KEYS = ("method", "samples", "seed", "ranges", "levels", "second_order")
# Sampling methods: qmc points for [design]; SALib samples for [sensitivity].
SAMPLED = ("lhs", "sobol")
SENSITIVITY = {"morris": "morris", "sobol": "saltelli"}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Whole-number settings: key, default, lowest allowed value.
COUNTS = (("replicates", 10, 1), ("steps", 365, 1), ("record_every", 1, 1), ("seed", 0, 0))
# The stated size above which a study needs allow_large=True (``--allow-large``): about ten
# minutes on two cores at the benchmarked ~1.8 M fan-steps/s per core, or that many runs
# (each builds a world: a fixed cost however small it is). Every shipped study fits.
MAX_FAN_DAYS = 2e9
MAX_RUNS = 10_000


class ExperimentError(ValueError):
    """An experiment file that cannot run; the message names the file and the fix."""


@dataclass(frozen=True)
class Design:
    """Sampled conditions over parameter ranges.

    Attributes:
        method: "lhs" or "sobol" (scipy.stats.qmc points), "morris" (SALib
            Morris trajectories) or "saltelli" (SALib's sample for Sobol indices).
        samples: points (lhs, sobol), trajectories (morris) or base sample N (saltelli).
        ranges: parameter name -> (low, high).
        seed: seed of the sampler.
        levels: grid levels of a Morris design.
        second_order: whether a Saltelli sample supports second-order indices.
    """

    method: str
    samples: int
    ranges: Mapping[str, tuple[float, float]]
    seed: int
    levels: int = 4
    second_order: bool = False

    @property
    def analysis(self) -> str | None:
        """The SALib analysis this sample is built for ("morris", "sobol"), if any."""
        return {"morris": "morris", "saltelli": "sobol"}.get(self.method)

    def problem(self) -> dict[str, Any]:
        """The SALib problem description of the ranges."""
        return {"num_vars": len(self.ranges), "names": list(self.ranges),
                "bounds": [list(b) for b in self.ranges.values()]}


@dataclass(frozen=True)
class Precision:
    """A precision goal: replicates are added until it is met or the cap is reached.

    Attributes:
        outcome: the headline outcome.
        half_width: the widest 95 % half-width of its final-day mean allowed in any condition.
        min_replicates: replicates run first.
        max_replicates: the cap.
    """

    outcome: str
    half_width: float
    min_replicates: int
    max_replicates: int


@dataclass(frozen=True)
class Run:
    """One model run: a condition's parameters and a replicate's seed.

    Attributes:
        condition: index of the condition (factor combination or sample point).
        replicate: index of the replicate within the condition.
        seed: the model's seed, derived from the root seed, condition and replicate.
        params: what the run function receives: "preset" plus every override.
        factors: the varied parameters' values (columns of the tidy results).
    """

    condition: int
    replicate: int
    seed: int
    params: Mapping[str, Any]
    factors: Mapping[str, Any]

    @property
    def key(self) -> tuple[int, int]:
        return (self.condition, self.replicate)


@dataclass(frozen=True)
class Experiment:
    """A validated study; build it with :func:`load_experiment` or :func:`parse_experiment`.

    Attributes:
        name: short name, used as the results folder.
        question: the question the study answers, in words.
        preset: the parameter preset every condition starts from.
        base: overrides shared by every condition.
        factors: full-factorial factors, name -> levels (empty for sampled designs).
        design: the sampled design, if any.
        replicates: runs per condition, each with its own seed.
        steps: days simulated per run.
        record_every: record outcomes every this many days (the last day always).
        outcomes: outcome measures the study reports.
        seed: root seed of every run's seed.
        common_seeds: replicate r uses the same seed in every condition (common random
            numbers: conditions are compared on the same simulated worlds, which removes
            between-world noise from their differences). True unless the file says false.
        conditions: the varied values of every condition, in condition order.
        reference: factor -> the level every other is compared with (as the model reads it).
        precision: the precision goal of ``replicates = "auto"`` (then ``replicates`` is
            the number to start with), or None.
        answer_days: days the summary also answers on, besides the last (a scenario's
            event is over by the last day: a lockdown's effect is read during it).
        outcome_info: outcome name -> (description, unit).
        source: the file the experiment came from.
        text: the file's text, stored with the results.
    """

    name: str
    question: str
    preset: str
    base: Mapping[str, Any]
    factors: Mapping[str, tuple]
    design: Design | None
    replicates: int
    steps: int
    record_every: int
    outcomes: tuple[str, ...]
    seed: int
    conditions: tuple[Mapping[str, Any], ...]
    outcome_info: Mapping[str, tuple[str, str]] = field(compare=False)
    source: str = field(default="<string>", compare=False)
    text: str = field(default="", compare=False)
    common_seeds: bool = True
    reference: Mapping[str, Any] = field(default_factory=dict)
    precision: Precision | None = None
    answer_days: tuple[int, ...] = ()

    def __post_init__(self):
        # An Experiment built or changed in code (dataclasses.replace) is checked like a file.
        for key, _, low in COUNTS:
            _whole(getattr(self, key), key, low,
                   lambda message: ExperimentError(f"{self.source}: {message}"))

    @property
    def varied(self) -> tuple[str, ...]:
        """Names of the parameters that differ between conditions."""
        return tuple(self.design.ranges) if self.design else tuple(self.factors)

    @property
    def n_runs(self) -> int:
        return len(self.conditions) * self.replicates

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description, stored in the results' metadata."""
        out = {k: v for k, v in asdict(self).items() if k != "text"}
        out["factors"] = {k: list(v) for k, v in self.factors.items()}
        out["varied"] = list(self.varied)
        return out

    def fingerprint(self) -> str:
        """Hash of everything that decides a run's data (not replicates or outcomes).

        Stored results are resumed only under the same fingerprint, so adding
        replicates extends a study but changing a parameter cannot mix data.
        """
        key = {"preset": self.preset, "base": self.base, "conditions": self.conditions,
               "steps": self.steps, "record_every": self.record_every, "seed": self.seed,
               "common_seeds": self.common_seeds}
        text = json.dumps(key, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_experiment(path: str | Path, *, replicates: int | None = None, steps: int | None = None,
                    registry: Mapping[str, Any] | Iterable[str] | None = None,
                    allow_large: bool = False) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: the TOML file.
        replicates: replaces the file's replicates (e.g. from the command line).
        steps: replaces the file's steps.
        registry: known outcomes, name -> (description, unit, ...) or just names;
            defaults to :data:`sim.metrics.OUTCOMES`.
        allow_large: accept a study above :data:`MAX_RUNS` runs or :data:`MAX_FAN_DAYS`
            fan-days (refused otherwise, before its conditions are even built).

    Raises:
        ExperimentError: naming the file, the parameter, the value and what is allowed.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ExperimentError(f"{path}: cannot read experiment file ({err.strerror})") from None
    except UnicodeDecodeError:
        raise ExperimentError(f"{path}: not a UTF-8 text file (TOML must be UTF-8)") from None
    return parse_experiment(text, str(path), replicates=replicates, steps=steps,
                            registry=registry, default_name=path.stem, allow_large=allow_large)


def parse_experiment(text: str, source: str = "<string>", *, replicates: int | None = None,
                     steps: int | None = None,
                     registry: Mapping[str, Any] | Iterable[str] | None = None,
                     default_name: str = "experiment", allow_large: bool = False) -> Experiment:
    """Validate an experiment given as TOML text; see :func:`load_experiment`."""
    def fail(message: str) -> ExperimentError:
        return ExperimentError(f"{source}: {message}")

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise fail(f"not valid TOML: {err}") from None
    _check_keys(data, TOP_LEVEL, "top-level key", fail)
    precision = _precision(data, fail)
    if replicates is not None:
        data["replicates"], precision = replicates, None
    elif precision:
        data["replicates"] = precision.min_replicates
    if steps is not None:
        data["steps"] = steps

    name = data.get("name", default_name)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise fail(f"name={name!r} is not allowed: use letters, digits, '_', '-' or '.'")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise fail("question is missing: state the question the study answers")
    preset = data.get("preset", "influencer")
    if not isinstance(preset, str) or preset not in PRESETS:
        raise fail(f"preset={preset!r} is not allowed: choose one of {', '.join(PRESETS)}")
    counts = {key: _whole(data.get(key, default), key, low, fail) for key, default, low in COUNTS}
    common_seeds = data.get("common_seeds", True)
    if not isinstance(common_seeds, bool):
        raise fail(f"common_seeds={common_seeds!r} is not allowed: expected true or false")
    info = _outcome_info(registry)
    outcomes = _outcomes(data.get("outcomes", list(info)), info, fail)

    base = _table(data.get("base", {}), "[base]", fail)
    for key in base:
        if key == "preset":
            raise fail("[base] preset: set the preset at the top level (preset = ...)")
        _check_param(key, "[base]", fail)
    factors, design = _design(data, base, counts["seed"], fail)
    if precision and precision.outcome not in outcomes:
        raise fail(f"[precision] outcome={precision.outcome!r} is not allowed: choose one of "
                   f"the study's outcomes ({', '.join(outcomes)})")
    most = precision.max_replicates if precision else counts["replicates"]
    runs = _condition_count(factors, design) * most
    if runs > MAX_RUNS and not allow_large:
        raise fail(f"the study is too large: {_condition_count(factors, design)} conditions x "
                   f"replicates={most} = {runs} runs, more than {MAX_RUNS}; "
                   "shrink the design, or pass allow_large=True (parasocial sweep "
                   "--allow-large) to run it anyway")
    points, fans = _validate_conditions(preset, base, _conditions(factors, design),
                                        counts["steps"], fail)
    fan_days = most * counts["steps"] * sum(fans)
    if fan_days > MAX_FAN_DAYS and not allow_large:
        raise fail(f"the study is too large: {runs} runs x steps={counts['steps']} x n_fans "
                   f"(up to {max(fans)}) = {fan_days:.3g} fan-days, more than "
                   f"{MAX_FAN_DAYS:.0e} (about ten minutes on two cores); shrink it, or pass "
                   "allow_large=True (parasocial sweep --allow-large) to run it anyway")
    # Levels as the model reads them (1 -> 1.0 for a real-valued parameter).
    read = {k: tuple(dict.fromkeys(p[k] for p in points)) for k in factors}
    for k, levels in factors.items():
        if len(read[k]) < len(levels):
            raise fail(f"[factors] {k} lists a value twice: {list(levels)} are "
                       f"{list(read[k])} as the model reads them")
    factors = read
    reference = _reference(data.get("reference", {}), factors, fail)
    answer_days = _answer_days(data.get("answer_days", []), counts["steps"],
                               counts["record_every"], fail)
    return Experiment(name=name, question=question.strip(), preset=preset, base=base,
                      factors=factors, design=design, outcomes=outcomes, conditions=points,
                      outcome_info={k: info[k] for k in outcomes}, source=source, text=text,
                      common_seeds=common_seeds, reference=reference, precision=precision,
                      answer_days=answer_days, **counts)


def _answer_days(value: Any, steps: int, record_every: int, fail) -> tuple[int, ...]:
    """Recorded days before the last, in order; a day the run never records is refused."""
    if not isinstance(value, list):
        raise fail(f"answer_days={value!r} is not allowed: expected a list of days, "
                   "e.g. answer_days = [150]")
    for day in value:
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day < steps \
                or day % record_every:
            raise fail(f"answer_days: {day!r} is not allowed: a day from 1 to {steps - 1} "
                       f"(steps={steps}; the last day is always answered) that the run records "
                       f"(a multiple of record_every={record_every})")
    return tuple(sorted(set(value)))


def run_seed(root: int, condition: int, replicate: int) -> int:
    """The seed of one run: ``SeedSequence(root).spawn(...)[condition].spawn(...)[replicate]``.

    Built from the spawn key directly, so it does not depend on how many
    conditions or replicates there are, on the executor or on completion order;
    adding replicates later keeps every existing run's seed.
    """
    sequence = np.random.SeedSequence(root, spawn_key=(condition, replicate))
    return int(sequence.generate_state(1)[0])


def expand(exp: Experiment) -> list[Run]:
    """Every run of the experiment, in (condition, replicate) order."""
    return [Run(condition=c, replicate=r,
                seed=run_seed(exp.seed, 0 if exp.common_seeds else c, r),
                params={"preset": exp.preset, **exp.base, **point}, factors=dict(point))
            for c, point in enumerate(exp.conditions) for r in range(exp.replicates)]


def sample_matrix(design: Design) -> np.ndarray:
    """The design's points in parameter units, one row per condition (before int rounding)."""
    d = len(design.ranges)
    if design.method == "morris":
        from SALib.sample import morris
        return morris.sample(design.problem(), design.samples, num_levels=design.levels,
                             seed=design.seed)
    if design.method == "saltelli":
        from SALib.sample import sobol
        return sobol.sample(design.problem(), design.samples,
                            calc_second_order=design.second_order, seed=design.seed)
    if design.method == "lhs":
        unit = qmc.LatinHypercube(d, rng=design.seed).random(design.samples)
    else:
        unit = qmc.Sobol(d, rng=design.seed).random_base2(int(math.log2(design.samples)))
    lows, highs = zip(*design.ranges.values(), strict=True)
    return qmc.scale(unit, lows, highs)


def _check_keys(table: Mapping, allowed: Iterable[str], what: str, fail) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise fail(f"unknown {what} {key!r}{suggestion} (allowed: {', '.join(allowed)})")


def _precision(data: dict, fail) -> Precision | None:
    """The precision goal of ``replicates = "auto"``; a goal needs "auto" and vice versa."""
    auto = data.get("replicates") == "auto"
    if "precision" not in data:
        if auto:
            raise fail('replicates="auto" needs a [precision] table: outcome = "<headline '
                       'outcome>", half_width = <widest 95 % half-width allowed>')
        return None
    if not auto:
        raise fail(f"[precision] needs replicates = \"auto\" (replicates="
                   f"{data.get('replicates', COUNTS[0][1])!r}): drop one of them")
    table = _table(data["precision"], "[precision]", fail)
    _check_keys(table, PRECISION_KEYS, "key in [precision]", fail)
    outcome = table.get("outcome")
    if not isinstance(outcome, str):
        raise fail(f"[precision] outcome={outcome!r} is not allowed: name the headline outcome")
    half = table.get("half_width")
    if (isinstance(half, bool) or not isinstance(half, int | float) or not math.isfinite(half)
            or half <= 0):
        raise fail(f"[precision] half_width={half!r} is not allowed: must be a number > 0 "
                   "(in the outcome's unit)")
    start = _whole(table.get("min_replicates", AUTO_REPLICATES[0]),
                   "[precision] min_replicates", 2, fail)
    cap = _whole(table.get("max_replicates", max(start, AUTO_REPLICATES[1])),
                 "[precision] max_replicates", start, fail)
    return Precision(outcome, float(half), start, cap)


def _reference(table: Any, factors: Mapping[str, tuple], fail) -> dict[str, Any]:
    """Each factor's reference level (default: its first), as the model reads the levels."""
    table = _table(table, "[reference]", fail)
    reference = {name: levels[0] for name, levels in factors.items()}
    for name, level in table.items():
        if name not in factors:
            raise fail(f"[reference] {name}={level!r} is not allowed: {name} is not a factor "
                       f"(factors: {', '.join(factors) or 'none'})")
        match = [v for v in factors[name]
                 if v == level and isinstance(v, bool) == isinstance(level, bool)]
        if not match:
            raise fail(f"[reference] {name}={level!r} is not allowed: choose one of its levels "
                       f"{list(factors[name])}")
        reference[name] = match[0]
    return reference


def _check_param(name: str, where: str, fail) -> None:
    if name not in PARAM_FIELDS and name != "preset":
        hint = difflib.get_close_matches(name, PARAM_FIELDS, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise fail(f"{where} unknown parameter {name!r}{suggestion} "
                   "(see sim.params.Params for the allowed names)")


def _whole(value: Any, key: str, low: int, fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise fail(f"{key}={value!r} is not allowed: must be a whole number >= {low}")
    return value


def _table(value: Any, where: str, fail) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"{where} must be a table of name = value")
    return dict(value)


def _outcome_info(registry) -> dict[str, tuple[str, str]]:
    if registry is None:
        from sim.metrics import OUTCOMES as registry
    if isinstance(registry, Mapping):
        return {k: (str(v[0]), str(v[1])) for k, v in registry.items()}
    return {k: (k, "") for k in registry}


def _outcomes(value: Any, info: Mapping, fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise fail("outcomes must be a non-empty list of outcome names")
    for name in value:
        if name not in info:
            hint = difflib.get_close_matches(name, info, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise fail(f"unknown outcome {name!r}{suggestion} (known: {', '.join(info)})")
    if len(set(value)) != len(value):
        raise fail("outcomes lists a name twice")
    return tuple(value)


def _design(data: dict, base: dict, root: int, fail) -> tuple[dict[str, tuple], Design | None]:
    """The factorial factors or the sampled design; a study has at most one."""
    given = [k for k in ("factors", "design", "sensitivity") if k in data]
    if len(given) > 1:
        raise fail(f"[{given[0]}] and [{given[1]}] cannot be combined: choose one design")
    if "factors" in data:
        factors = {}
        for name, levels in _table(data["factors"], "[factors]", fail).items():
            _check_param(name, "[factors]", fail)
            if name in base:
                raise fail(f"{name} is set in both [base] and [factors]: keep one")
            if not isinstance(levels, list) or not levels:
                raise fail(f"[factors] {name} must be a non-empty list of values")
            if len({repr(v) for v in levels}) != len(levels):
                raise fail(f"[factors] {name} lists a value twice: {levels}")
            factors[name] = tuple(levels)
        return factors, None
    if not given:
        return {}, None
    where = given[0]
    table = _table(data[where], f"[{where}]", fail)
    _check_keys(table, DESIGN_KEYS if where == "design" else SENSITIVITY_KEYS,
                f"key in [{where}]", fail)
    methods = SAMPLED if where == "design" else tuple(SENSITIVITY)
    method = table.get("method")
    if method not in methods:
        raise fail(f"[{where}] method={method!r} is not allowed: choose one of "
                   f"{', '.join(methods)}")
    samples = _whole(table.get("samples"), f"[{where}] samples", 1, fail)
    if method == "sobol" and samples & (samples - 1):
        raise fail(f"[{where}] samples={samples} is not allowed for method 'sobol': use a "
                   "power of 2 (Sobol sequences lose their balance otherwise)")
    levels = _whole(table.get("levels", 4), f"[{where}] levels", 2, fail)
    if method == "morris" and levels % 2:
        raise fail(f"[{where}] levels={levels} is not allowed: Morris needs an even number of "
                   "levels (an odd grid biases the sample)")
    second_order = table.get("second_order", False)
    if not isinstance(second_order, bool):
        raise fail(f"[{where}] second_order={second_order!r} is not allowed: true or false")
    ranges = _ranges(table.get("ranges"), f"[{where}.ranges]", base, fail)
    seed = _whole(table.get("seed", root), f"[{where}] seed", 0, fail)
    method = method if where == "design" else SENSITIVITY[method]
    return {}, Design(method, samples, ranges, seed, levels, second_order)


def _ranges(value: Any, where: str, base: dict, fail) -> dict[str, tuple[float, float]]:
    table = _table({} if value is None else value, where, fail)
    if not table:
        raise fail(f"{where} is missing: give name = [low, high] for each sampled parameter")
    ranges = {}
    for name, bounds in table.items():
        _check_param(name, where, fail)
        if name in base:
            raise fail(f"{name} is set in both [base] and {where}: keep one")
        if name not in PARAM_FIELDS or type(PARAM_FIELDS[name].default) not in (int, float):
            raise fail(f"{where} {name} is not numeric: sample numbers only; "
                       "vary switches and names with [factors]")
        meta = PARAM_FIELDS[name].metadata
        lo, hi = meta["lo"], meta["hi"]
        ok = (isinstance(bounds, list) and len(bounds) == 2
              and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
              and all(math.isfinite(b) for b in bounds) and bounds[0] < bounds[1]
              and (lo is None or bounds[0] >= lo) and (hi is None or bounds[1] <= hi))
        if not ok:
            raise fail(f"{where} {name}={bounds!r} is not allowed: expected [low, high] with "
                       f"finite low < high within [{lo}, {hi}] ({meta['unit']})")
        ranges[name] = (float(bounds[0]), float(bounds[1]))
    return ranges


def _conditions(factors: Mapping[str, tuple], design: Design | None) -> list[dict[str, Any]]:
    if design is None:
        return [dict(zip(factors, combo, strict=True))
                for combo in itertools.product(*factors.values())]
    points = sample_matrix(design)
    kinds = [type(PARAM_FIELDS[name].default) for name in design.ranges]
    return [{name: int(round(x)) if kind is int else float(x)
             for name, kind, x in zip(design.ranges, kinds, row, strict=True)}
            for row in points]


def _condition_count(factors: Mapping[str, tuple], design: Design | None) -> int:
    """How many conditions a design has, known before any is built."""
    if design is None:
        return math.prod(len(levels) for levels in factors.values())
    d = len(design.ranges)
    return design.samples * {"morris": d + 1,
                             "saltelli": 2 * d + 2 if design.second_order else d + 2
                             }.get(design.method, 1)


def _validate_conditions(preset: str, base: dict, points: list[dict], steps: int,
                         fail) -> tuple[tuple[dict, ...], list[int]]:
    """Build every condition's parameters; return the values as the model reads them, and
    each condition's world size (n_fans). A scenario day past the run is refused: the
    condition would be a silent copy of its control."""
    try:
        make_params(preset, **base)
    except ValueError as err:
        raise fail(f"[base] {err}") from None
    checked, fans = [], []
    for index, point in enumerate(points):
        values = {**point}
        values.pop("preset", None)
        try:
            params = make_params(point.get("preset", preset), **base, **values)
        except ValueError as err:
            where = ", ".join(f"{k}={v!r}" for k, v in point.items())
            raise fail(f"condition {index} ({where}): {err}") from None
        late = [name for name in SCENARIO_DAYS if getattr(params, name) >= steps]
        if late:
            where = "[base]" if late[0] in base else f"condition {index}"
            raise fail(f"{where} {late[0]}={getattr(params, late[0])} is not allowed: the run "
                       f"ends at steps={steps}, so the event never happens; choose a day "
                       f"below {steps} (or -1: never)")
        checked.append({k: v if k == "preset" else getattr(params, k) for k, v in point.items()})
        fans.append(params.n_fans)
    return tuple(checked), fans

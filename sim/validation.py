"""Pattern-oriented validation: the published patterns of docs/PATTERNS.md, measured on the model.

Each replicate runs the default calibration and three paired counterfactuals,
exact copies of its world half-way through the run with one setting changed:
without individual address (no replies, no names read on stream), with
moderation, and with the most-followed creator quitting. Each
pattern is a number per replicate; the report gives the mean, a 95 %
interval across replicates and a verdict from the interval (:func:`verdict`):
met when it lies inside the target range, missed when it lies outside it,
inconclusive otherwise, with the replicates it would take to decide.

Each pattern names a counterfactual setting under which it should not hold,
so that meeting it shows the model can fail it; :func:`counterfactual_checks`
measures whether it does. Ten patterns were targets of the calibration search
(``fitted``, docs/CALIBRATION.md); the three that need paired runs were held out.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats

from sim import metrics
from sim.model import ParasocialModel
from sim.params import REPORT_FIRST_SEED, WORLD, world

STEPS = 730  # two years: burnout is a multi-year pattern
YEAR = 365  # harassment is counted over the past year, as surveys ask
MODERATION = 0.5  # detection probability of the moderated counterfactual
GRIEF_BINS = (0.0, 0.2, 0.4, 0.6, 1.01)  # attachment bins for breakup distress
GRIEF_MIN_FANS = 10  # a bin holding fewer fans gives no estimate and is left out
MIN_REPLICATES = 3  # below this a t-interval is too wide to judge anything: no verdicts
VERDICTS = ("met", "missed", "inconclusive", "withheld")


def report_seeds(n: int) -> list[int]:
    """The first ``n`` seeds of a report (replicates, counterfactual checks, scale table)."""
    return list(range(REPORT_FIRST_SEED, REPORT_FIRST_SEED + n))


@dataclass(frozen=True)
class Pattern:
    """A published pattern: its target range, and how the model could fail it.

    Attributes:
        fitted: a target of the calibration search (docs/CALIBRATION.md), so meeting it
            shows the fit; the others were held out of it.
        counterfactual: parameter overrides under which the pattern should not hold.
    """

    name: str
    description: str
    lo: float
    hi: float
    source: str
    unit: str = "share"
    fitted: bool = True
    counterfactual: Mapping[str, float] = field(default_factory=dict)


PATTERNS = [
    Pattern("share_focal", "people with a focal creator", 0.30, 0.40,
            "Zsila et al. 2024 (38 %); McCutcheon & Houran surveys (~1/3)",
            counterfactual={"attachment_gain": 0.002}),
    Pattern("tier_entertainment", "focal fans at the entertainment-social level", 0.60, 0.70,
            "McCutcheon, Lange & Houran 2002; Maltby et al. 2003/2004",
            counterfactual={"attachment_gain": 0.15}),
    Pattern("tier_intense", "focal fans at the intense-personal level", 0.25, 0.35,
            "McCutcheon, Lange & Houran 2002; Maltby et al. 2003/2004",
            counterfactual={"attachment_gain": 0.004}),
    Pattern("tier_borderline", "focal fans at the borderline-pathological level", 0.02, 0.05,
            "McCutcheon, Lange & Houran 2002; Maltby et al. 2003/2004",
            counterfactual={"attachment_gain": 0.004}),
    Pattern("loneliness_corr", "|correlation| of loneliness with attachment strength", 0.0, 0.2,
            "Tukachinsky, Walter & Saucier 2020 meta-analysis (k=120)", "|r|",
            # loneliness drives bonding at its strongest, and the bonds no longer relieve it
            # (surrogacy would otherwise lower the lonely fans' loneliness as they bond)
            counterfactual={"loneliness_effect": 5.0, "surrogacy": 0.0}),
    Pattern("address_effect", "attachment gained from individual address (relative)", 0.01, np.inf,
            "Wulf, Schneider & Queck 2021", "relative change", fitted=False,
            # replies fans neither feel (no stimulus) nor perceive as reciprocity: the effect
            # runs mostly through reciprocity (less unmet expectation, fewer frustrated bonds)
            counterfactual={"recognition_weight": 0.0, "reciprocity_gain": 0.0}),
    Pattern("grief_monotone", "breakup distress rising across attachment bins", 1.0, 1.0,
            "Eyal & Cohen 2006", "share of replicates monotone", fitted=False,
            # losing a bond costs wellbeing through grief and through the comfort it gave
            counterfactual={"grief_harm": 0.0, "parasocial_comfort": 0.0}),
    Pattern("views_top3_share", "views held by the top 3 % of creators", 0.50, 0.85,
            "Bärtl 2018; Twitch watch-time data 2023",
            counterfactual={"appeal_sigma": 0.0, "popularity_bias": 0.0}),
    Pattern("payer_share", "fans who paid in the last 30 days", 0.015, 0.05,
            "Swrve; Patreon analyses", counterfactual={"spend_propensity": 0.0}),
    Pattern("top10_payer_share", "revenue from the top 10 % of payers", 0.50, 0.65,
            "Swrve; Patreon analyses",
            counterfactual={"fan_income_sigma": 0.0, "spend_attachment_power": 0.0}),
    Pattern("ever_burnt_out", "active creators who have burnt out", 0.70, 0.90,
            "creator-economy surveys (low quality; loose)",
            counterfactual={"burnout_threshold": 1.0}),
    Pattern("harassment_ratio", "incidents per creator-year / per fan-year (past year)", 5.0,
            np.inf,
            "Hoffmann 2005; UK MPs 2016; Pew 2017/2021", "ratio",
            # harassers aim only at fans and nobody stalks: creators no more exposed than fans
            counterfactual={"fan_target_share": 1.0, "stalking_rate": 0.0}),
    Pattern("moderation_effect", "hostility reduction among fans who stay, moderation 0.5",
            0.07, 0.80, "Chandrasekharan et al. 2017; Cima et al. 2024", "relative reduction",
            # moderation that can act neither on offenders nor through what others see
            fitted=False, counterfactual={"strikes_to_ban": 1000, "sanction_effect": 0.0,
                                          "hostility_contagion": 0.0}),
]
BY_NAME = {p.name: p for p in PATTERNS}


class HostilityExposure:
    """Intervention that sums each fan's hostility over the days (reads state, draws nothing).

    Hostility comes in fandom flare-ups, so a last-day snapshot mostly says
    whether a flare-up is under way; the run's total says how hostile a fan was.
    """

    def __init__(self):
        self.total: np.ndarray | None = None

    def __call__(self, model: ParasocialModel) -> None:
        h = model.fans.hostility
        self.total = h.copy() if self.total is None else self.total + h


# Why the attachment and payer patterns may miss in the report's world (one reason, five patterns)
_SEED_TO_SEED = (
    "How many fans form strong bonds, and so how many pay, depends on the fates of the few "
    "creators who hold most of the views (the top 3 % are 8 of 250): whether one of them "
    "stays healthy and posts at full output or they all burn out. Satiation with one "
    "creator's posts (post_satiation) damps that dependence (at 100,000 fans the borderline "
    "tier ranged 0.02-0.27 over six seeds without it, 0.01-0.05 with it), but it remains the "
    "largest source of spread between replicates (docs/CALIBRATION.md, stage 5); whether it "
    "narrows in a larger world, where the top 3 % are more creators, the scale table shows.")

# Why a pattern is not met in the report's world (100,000 fans, 250 creators), as far as the
# calibration search (docs/CALIBRATION.md) and the report show; the report prints these.
KNOWN_MISSES: dict[str, str] = {
    "share_focal": _SEED_TO_SEED,
    "tier_entertainment": _SEED_TO_SEED,
    "tier_intense": _SEED_TO_SEED,
    "tier_borderline": _SEED_TO_SEED,
    "payer_share": _SEED_TO_SEED,
    "top10_payer_share": (
        "Subscriptions renew at one price until satisfaction falls, so much of the revenue "
        "comes from many steady subscribers; the large spenders (donations and meetings scaled "
        "to a fan's income) outweigh them only where purchases rise steeply with attachment and "
        "incomes are spread wide (spend_attachment_power, fan_income_sigma): at every point "
        "calibration stages 1-3 confirmed the top tenth of payers held 40-48 % of revenue, at "
        "stage 4's winner 52-56 % on its two seeds."),
    "ever_burnt_out": (
        "Burnout follows job demands against resources (work beyond a sustainable day, "
        "unanswered messages, harassment), so the share of creators who burn out depends on "
        "how large their audiences are: it moves with the world's size (the scale table)."),
    "address_effect": (
        "Individual address works here mostly through perceived reciprocity: replies close the "
        "gap between the recognition a fan expects and what it perceives, so fewer bonds are "
        "frustrated and dropped; the stimulus of recognition itself adds little (at 20,000 fans "
        "the effect is about 0.10 with or without recognition_weight, and about 0.01 once "
        "replies also leave reciprocity unchanged). Replies are rare (about one per bond a "
        "year), so the effect is small against the spread between seeds at 100,000 fans."),
    "views_top3_share": (
        "Fans follow the leaders of their own niche (taste fit), so every niche has its leaders "
        "and the top 3 % of creators hold less of the views than on a platform with one shared "
        "ranking. A niche holds a fixed number of creators (niche_creators), so a larger world "
        "has more niches rather than larger ones, but the top 3 % counts 1 creator of 25 and 75 "
        "of 2,500, so the pattern is not like for like across sizes (the scale table)."),
}


def breakup_distress(model: ParasocialModel, steps_after: int = 14) -> pd.DataFrame:
    """Wellbeing lost by each fan of the creator who quits at ``quit_day``, with their attachment."""
    p = model.params
    if p.quit_day - 1 > model.time:  # to the eve of the quit (step t is day t)
        model.run_for(p.quit_day - 1 - model.time)
    top = model.most_followed()
    rows, slots = np.nonzero(model.bonds.creator == top)
    attachment = model.bonds.attachment[rows, slots].copy()
    before = model.fans.wellbeing[rows].copy()
    model.run_for(steps_after + 1)
    return pd.DataFrame({"attachment": attachment, "distress": before - model.fans.wellbeing[rows]})


class HarassmentYear:
    """Intervention that counts harassment over the run's last year, as a survey asks about it.

    Surveys ask who was harassed in the past twelve months; incidents per person-year
    compare creators with fans without the ceiling a share has (a share cannot exceed 1,
    so with a third of fans harassed it could not be five times theirs). Reads state,
    draws nothing.
    """

    def __init__(self, steps: int):
        self.start = max(steps - YEAR, 0)
        self.creator_incidents = self.creator_days = 0.0
        self.fan_received: np.ndarray | None = None

    def __call__(self, model: ParasocialModel) -> None:
        if self.fan_received is None:  # a run shorter than a year counts from its start
            self.fan_received = np.zeros_like(model.fans.acts_received)
        if model.time <= self.start:  # the year opens after this step (model.time = days done)
            self.fan_received = model.fans.acts_received.copy()
            return
        active = model.creators.active
        self.creator_incidents += float(model.creators.harassment[active].sum())
        self.creator_days += float(active.sum())

    def rates(self, model: ParasocialModel) -> dict[str, float]:
        """Incidents per person-year and shares harassed in the past year, creators and fans."""
        days = model.time - self.start
        fan_incidents = float((model.fans.acts_received - self.fan_received).sum())
        c, since = model.creators, self.start  # days are numbered from 0: the year's first is start
        return {"creator_incidents_per_year": self.creator_incidents / max(self.creator_days, 1)
                * YEAR,
                "fan_incidents_per_year": fan_incidents / model.params.n_fans * YEAR / days,
                "creators_harassed_year": float((c.last_harassed[c.active] >= since).mean()),
                "fans_harassed_year": float((model.fans.last_harassed >= since).mean())}


# The four runs of a replicate, and the patterns each gives (a counterfactual check runs
# only the ones its pattern needs).
RUNS = {"default": ("share_focal", "tier_entertainment", "tier_intense", "tier_borderline",
                    "loneliness_corr", "views_top3_share", "payer_share", "top10_payer_share",
                    "ever_burnt_out", "harassment_ratio"),
        "address": ("address_effect",), "moderation": ("moderation_effect",),
        "grief": ("grief_monotone",)}
SINGLE_RUN = RUNS["default"]


def default_run(seed: int, steps: int, size: dict) -> tuple[ParasocialModel, dict, HostilityExposure]:
    """The default model over ``steps`` days and its single-run patterns."""
    base, exposure, harassment = _default_model(seed, steps, size)
    base.run_for(steps)
    return base, _single_run_values(base, harassment, steps, size), exposure


def _default_model(seed: int, steps: int, size: dict):
    exposure, harassment = HostilityExposure(), HarassmentYear(steps)
    return ParasocialModel(rng=seed, interventions=[exposure, harassment], **size), exposure, \
        harassment


def _single_run_values(base: ParasocialModel, harassment: HarassmentYear, steps: int,
                       size: dict) -> dict:
    out = base.datacollector.get_model_vars_dataframe().iloc[-1]
    a = metrics.focal_attachment(base)
    values = {name: float(out[name]) for name in
              ("share_focal", "tier_entertainment", "tier_intense", "tier_borderline",
               "payer_share", "top10_payer_share", "ever_burnt_out")}
    values["loneliness_corr"] = abs(float(np.corrcoef(base.fans.loneliness, a)[0, 1]))
    values["views_top3_share"] = metrics.top_share(metrics.active(base, base.creators.views), 0.03)
    values.update(harassment.rates(base))
    # Floor the fans' rate at one incident among all fans, so the ratio stays finite (and
    # conservative).
    values["harassment_ratio"] = float(values["creator_incidents_per_year"] / max(
        values["fan_incidents_per_year"], YEAR / max(steps - harassment.start, 1) / size["n_fans"]))
    return values


def audiences(model: ParasocialModel, settled: int = 180) -> dict[str, float]:
    """Followers per active creator on the last day: what makes a world realistic or a toy.

    ``settled``: creators active at least that many days (newcomers start with none).
    """
    c = model.creators
    audience = c.audience[c.active].astype(float)
    old = c.audience[c.active & (model.time - c.start_day >= settled)].astype(float)
    return {"median": float(np.median(audience)), "median_settled": float(np.median(old))
            if old.size else np.nan, "p99": float(np.quantile(audience, 0.99)),
            "max": float(audience.max()),
            "follows_per_fan": float(c.audience.sum() / model.params.n_fans)}


def fork_day(steps: int) -> int:
    """The day the paired runs branch off the default run: half-way, in a settled world."""
    return steps // 2


def _fork(model: ParasocialModel, **changes) -> ParasocialModel:
    """An exact copy of ``model`` (state, random generator, interventions) with ``changes``."""
    twin = copy.deepcopy(model)
    twin.update_params(**changes)
    return twin


def replicate(seed: int, n_fans: int, n_creators: int, steps: int = STEPS,
              runs=tuple(RUNS), **params) -> dict:
    """Pattern values for one seed from the default run and the paired ``runs`` (all by default).

    Each paired run is an exact copy of the default run on :func:`fork_day` with one
    setting changed, run to the end: the same world, fans and bonds up to that day, so the
    difference is the counterfactual's (their random draws part once it changes an outcome).
    """
    size = dict(n_fans=n_fans, n_creators=n_creators, **params)
    base, exposure, harassment = _default_model(seed, steps, size)
    day = fork_day(steps)
    base.run_for(day)
    at_fork = exposure.total.copy() if exposure.total is not None else 0.0
    paired = {}
    if "address" in runs:
        silent = _fork(base, reply_capacity=0.0, chat_interaction=0.0)
        silent.run_for(steps - day)
        paired["without_address"] = silent.bonds.attachment[silent.bonds.valid].mean()
    if "moderation" in runs:
        moderated = _fork(base, moderation=MODERATION)
        moderated.run_for(steps - day)
        counter = next(f for f in moderated.interventions if isinstance(f, HostilityExposure))
        paired["moderated_total"] = counter.total - at_fork  # the copy's own exposure counter
        paired["stay"] = ~moderated.fans.banned
    if "grief" in runs:
        distress = breakup_distress(_fork(base, quit_day=day + 1))
    base.run_for(steps - day)
    values = _single_run_values(base, harassment, steps, size)
    values["distributions"] = {"audience": metrics.active(base, base.creators.audience),
                               "creator income": metrics.active(base, base.creators.income),
                               "fan spending": base.fans.spent.copy(),
                               "views": metrics.active(base, base.creators.views)}
    values["audiences"] = audiences(base)
    if "address" in runs:
        with_address = base.bonds.attachment[base.bonds.valid].mean()
        without = paired["without_address"]
        values["address_effect"] = _safe_ratio(with_address - without, without)
    if "moderation" in runs:
        # The same fans, from the same state, with and without moderation: no selection
        # effect; hostility averaged over the days after the fork, not read on one day (see
        # HostilityExposure).
        stay, after = paired["stay"], steps - day
        values["hostility_unmoderated"] = float((exposure.total - at_fork)[stay].mean() / after)
        values["hostility_moderated"] = float(paired["moderated_total"][stay].mean() / after)
        values["moderation_effect"] = 1.0 - _safe_ratio(values["hostility_moderated"],
                                                        values["hostility_unmoderated"])
    if "grief" in runs:
        bins = distress.groupby(pd.cut(distress["attachment"], GRIEF_BINS), observed=True)["distress"]
        means = bins.mean()[bins.count() >= GRIEF_MIN_FANS]
        values["grief_monotone"] = float(len(means) >= 2 and bool(np.all(np.diff(means.values) > 0)))
        values["grief_by_attachment"] = {interval.mid: float(v) for interval, v in means.items()}
    return values


def _safe_ratio(num, den) -> float:
    return float(num / den) if den > 0 else float("inf") if num > 0 else 0.0


def interval(x: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the 95 % t-interval (half 0 when every replicate agrees)."""
    mean = float(np.mean(x))
    if len(x) > 1 and np.all(np.isfinite(x)) and np.std(x) > 0:
        return mean, float(stats.t.ppf(0.975, len(x) - 1) * np.std(x, ddof=1) / np.sqrt(len(x)))
    return mean, 0.0 if len(x) > 1 else np.inf


def verdict(lo: float, hi: float, mean: float, half: float) -> tuple[str, float]:
    """Met, missed or inconclusive from the interval, and the replicates-to-decide factor.

    Met: the interval lies inside [lo, hi] (a one-sided target, hi = inf, needs it above
    lo). Missed: it lies wholly outside. Otherwise inconclusive; the second value is how
    many times the current replicates would narrow the interval enough to decide, at
    the same mean and spread (half-width scales as 1/sqrt(n)); inf when no number can
    (the mean sits on a bound, or a point target that not every replicate meets).
    """
    low, high = mean - half, mean + half
    inside = low > lo if not np.isfinite(hi) else lo <= low and high <= hi
    if inside:
        return "met", 1.0
    if high < lo or low > hi:
        return "missed", 1.0
    room = min(mean - lo, hi - mean) if lo <= mean <= hi else max(lo - mean, mean - hi)
    return "inconclusive", (half / room) ** 2 if room > 0 else np.inf


def summarise(replicates: list[dict], min_replicates: int = MIN_REPLICATES) -> pd.DataFrame:
    """One row per pattern: target, source, mean, 95 % interval, verdict, replicates to decide.

    With fewer than ``min_replicates`` replicates the verdict is "withheld".
    """
    rows = []
    for p in PATTERNS:
        x = np.array([r.get(p.name, np.nan) for r in replicates], dtype=float)
        mean, half = interval(x)
        judged, factor = verdict(p.lo, p.hi, mean, half)
        if len(x) < min_replicates:
            judged, factor = "withheld", np.nan
        needed = (np.nan if judged != "inconclusive" else
                  np.inf if not np.isfinite(factor) else float(np.ceil(len(x) * factor)))
        rows.append({"pattern": p.name, "description": p.description, "unit": p.unit,
                     "fitted": p.fitted, "target_lo": p.lo, "target_hi": p.hi, "mean": mean,
                     "ci_lo": mean - half, "ci_hi": mean + half, "verdict": judged,
                     "replicates_needed": needed, "source": p.source,
                     "counterfactual": _setting(p.counterfactual)})
    return pd.DataFrame(rows)


def tally(summary: pd.DataFrame) -> str:
    """The verdicts in a few words, e.g. "5 of 13 patterns are met, 2 missed and 6 inconclusive"."""
    counts = summary["verdict"].value_counts()
    if counts.get("withheld"):
        return (f"no verdicts: {len(summary)} patterns measured on fewer than {MIN_REPLICATES} "
                "replicates, too few for a 95 % interval to decide any")
    return (f"{counts.get('met', 0)} of {len(summary)} patterns are met, "
            f"{counts.get('missed', 0)} missed and {counts.get('inconclusive', 0)} inconclusive")


def _setting(overrides: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in overrides.items())


def counterfactual_checks(seeds, n_fans: int, n_creators: int, steps: int = STEPS,
                          map_fn: Callable = map) -> pd.DataFrame:
    """Each pattern measured under its own counterfactual, where it should be missed.

    A pattern still met there cannot fail, so meeting it at the defaults shows little.
    """
    jobs = [(p.name, seed) for p in PATTERNS for seed in seeds]
    values = list(map_fn(partial(_counterfactual_value, n_fans=n_fans, n_creators=n_creators,
                                 steps=steps), jobs))
    rows = []
    for p in PATTERNS:
        x = np.array([v for (name, _), v in zip(jobs, values, strict=True) if name == p.name])
        mean, half = interval(x)
        judged = verdict(p.lo, p.hi, mean, half)[0] if len(x) >= MIN_REPLICATES else "withheld"
        rows.append({"pattern": p.name, "counterfactual_mean": mean,
                     "counterfactual_verdict": judged})
    return pd.DataFrame(rows)


def _counterfactual_value(job: tuple[str, int], n_fans: int, n_creators: int,
                          steps: int) -> float:
    name, seed = job
    runs = next(run for run, names in RUNS.items() if name in names)
    return replicate(seed, n_fans, n_creators, steps, runs=(runs,),
                     **BY_NAME[name].counterfactual)[name]


def scale_table(sizes, seeds, steps: int = STEPS, map_fn: Callable = map) -> pd.DataFrame:
    """Every pattern at each world size in ``sizes`` (fans; creators = fans / FANS_PER_CREATOR).

    The same fans-per-creator distribution at every size, so a pattern that moves with size
    moves with the number of fans and creators, not with their ratio. Above the report's
    world only the single-run patterns are measured: a replicate's three paired runs would
    cost three times as much again. One row per pattern and size, judged as the report is.
    """
    jobs = [(n, seed) for n in sizes for seed in seeds]
    values = list(map_fn(_scale_replicate, [(n, seed, steps) for n, seed in jobs]))
    rows = []
    for n in sizes:
        reps = [v for (size, _), v in zip(jobs, values, strict=True) if size == n]
        table = summarise(reps)
        table.loc[~table["pattern"].isin(reps[0]), ["mean", "ci_lo", "ci_hi", "verdict"]] = \
            [np.nan, np.nan, np.nan, "unmeasured"]
        rows.append(table.assign(**world(n), replicates=len(reps))
                    [["pattern", "n_fans", "n_creators", "replicates", "mean", "ci_lo", "ci_hi",
                      "verdict"]])
    return pd.concat(rows, ignore_index=True)


def _scale_replicate(job: tuple[int, int, int]) -> dict:
    n_fans, seed, steps = job
    runs = tuple(RUNS) if n_fans <= WORLD["n_fans"] else ("default",)
    values = replicate(seed, steps=steps, runs=runs, **world(n_fans))
    return {k: v for k, v in values.items() if k in {p.name for p in PATTERNS}}


def run_validation(seeds, n_fans: int, n_creators: int, steps: int = STEPS,
                   map_fn: Callable = map, counterfactual_seeds=(),
                   **params) -> tuple[pd.DataFrame, list[dict]]:
    """Replicates over ``seeds`` (``map_fn`` may be an executor's map) and their summary.

    With ``counterfactual_seeds`` each pattern is also measured under its counterfactual
    (columns ``counterfactual_mean`` and ``counterfactual_verdict``; "unmeasured" without).
    """
    reps = list(map_fn(partial(replicate, n_fans=n_fans, n_creators=n_creators, steps=steps,
                               **params), seeds))
    summary = summarise(reps)
    if counterfactual_seeds:
        checks = counterfactual_checks(counterfactual_seeds, n_fans, n_creators, steps, map_fn)
        return summary.merge(checks, on="pattern"), reps
    return summary.assign(counterfactual_mean=np.nan, counterfactual_verdict="unmeasured"), reps

"""Pattern-oriented validation: the published patterns of docs/PATTERNS.md, measured on the model.

Each replicate runs the default calibration and three paired counterfactuals
from the same seed: without individual address (no replies, no names read on
stream), with moderation, and with the most-followed creator quitting. Each
pattern is a number per replicate; the report gives the mean, a 95 %
interval across replicates and whether the mean falls in the target range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim import metrics
from sim.model import ParasocialModel

STEPS = 730  # two years: burnout is a multi-year pattern
MODERATION = 0.5  # detection probability of the moderated counterfactual
GRIEF_BINS = (0.0, 0.2, 0.4, 0.6, 1.01)  # attachment bins for breakup distress
GRIEF_MIN_FANS = 10  # a bin holding fewer fans gives no estimate and is left out


@dataclass(frozen=True)
class Pattern:
    name: str
    description: str
    lo: float
    hi: float
    source: str
    unit: str = "share"


PATTERNS = [
    Pattern("share_focal", "people with a focal creator", 0.30, 0.40,
            "Zsila et al. 2024 (38 %); McCutcheon & Houran surveys (~1/3)"),
    Pattern("tier_entertainment", "focal fans at the entertainment-social level", 0.60, 0.70,
            "McCutcheon, Lange & Houran 2002; Maltby et al. 2003/2004"),
    Pattern("tier_intense", "focal fans at the intense-personal level", 0.25, 0.35,
            "McCutcheon, Lange & Houran 2002; Maltby et al. 2003/2004"),
    Pattern("tier_borderline", "focal fans at the borderline-pathological level", 0.02, 0.05,
            "McCutcheon, Lange & Houran 2002; Maltby et al. 2003/2004"),
    Pattern("loneliness_corr", "|correlation| of loneliness with attachment strength", 0.0, 0.2,
            "Tukachinsky, Walter & Saucier 2020 meta-analysis (k=120)", "|r|"),
    Pattern("address_effect", "attachment gained from individual address (relative)", 0.01, np.inf,
            "Wulf, Schneider & Queck 2021", "relative change"),
    Pattern("grief_monotone", "breakup distress rising across attachment bins", 1.0, 1.0,
            "Eyal & Cohen 2006", "share of replicates monotone"),
    Pattern("views_top3_share", "views held by the top 3 % of creators", 0.50, 0.85,
            "Bärtl 2018; Twitch watch-time data 2023"),
    Pattern("payer_share", "fans who paid in the last 30 days", 0.015, 0.05,
            "Swrve; Patreon analyses"),
    Pattern("top10_payer_share", "revenue from the top 10 % of payers", 0.50, 0.65,
            "Swrve; Patreon analyses"),
    Pattern("ever_burnt_out", "active creators who have burnt out", 0.70, 0.90,
            "creator-economy surveys (low quality; loose)"),
    Pattern("harassment_ratio", "creators' harassment rate / fans' rate (30 days)", 5.0, np.inf,
            "Hoffmann 2005; UK MPs 2016; Pew 2017/2021", "ratio"),
    Pattern("moderation_effect", "hostility reduction among fans who stay, moderation 0.5",
            0.07, 0.80, "Chandrasekharan et al. 2017; Cima et al. 2024", "relative reduction"),
]


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


# Patterns the defaults miss at the calibration world (2000 fans, 150 creators), the side of the
# target each falls on, and why; the report prints these, a test checks the side.
NOT_REFITTED = ("The mechanisms were reworked after the calibration search of docs/CALIBRATION.md "
                "and the defaults have not been refitted since (only hand-set changes, listed "
                "there); a recalibration at a realistic world is pending. ")
KNOWN_MISSES: dict[str, tuple[str, str]] = {
    "tier_intense": ("above", NOT_REFITTED + (
        "Before the rework the fitted compromise already had too many intense-personal fans: "
        "the saturating attachment update compresses the top of the scale, and no point of the "
        "earlier search put both upper tiers in range without missing another pattern. The "
        "absorption reinforcement now lets absorption-prone fans escalate (the borderline tier "
        "reaches its range), but the intense tier stays slightly above its range.")),
    "top10_payer_share": ("below", NOT_REFITTED + (
        "Subscriptions now renew until satisfaction falls, so revenue comes from many steady "
        "subscribers paying the same price: the top tenth of payers holds about 43 % of it. The "
        "large spenders come from donations and meetings scaled to a fan's means; their weight "
        "against subscriptions (spend_attachment_power, fan_income_sigma, price_sensitivity) "
        "has not been refitted.")),
    "ever_burnt_out": ("below", NOT_REFITTED + (
        "Burnout now follows job demands against resources: work beyond a sustainable day, "
        "unanswered messages and harassment; the random shock no longer carries it. In this "
        "world the average creator has about 13 followers (the median almost none), too few to "
        "swamp anyone, so few burn out. With hundreds of followers per creator demands do burn "
        "creators out without any shock (results/mechanism_effects/summary.md). The pattern is "
        "a survey figure about creators with real audiences.")),
}


def _run(seed: int, steps: int, **params) -> ParasocialModel:
    model = ParasocialModel(rng=seed, **params)
    model.run_for(steps)
    return model


def breakup_distress(model: ParasocialModel, steps_after: int = 14) -> pd.DataFrame:
    """Wellbeing lost by each fan of the creator who quits at ``quit_day``, with their attachment."""
    p = model.params
    model.run_for(p.quit_day - 1 - model.time)  # the eve of the quit (step t is day t)
    top = model.most_followed()
    rows, slots = np.nonzero(model.bonds.creator == top)
    attachment = model.bonds.attachment[rows, slots].copy()
    before = model.fans.wellbeing[rows].copy()
    model.run_for(steps_after + 1)
    return pd.DataFrame({"attachment": attachment, "distress": before - model.fans.wellbeing[rows]})


def replicate(seed: int, n_fans: int, n_creators: int, steps: int = STEPS, **params) -> dict:
    """All pattern values for one seed (four paired runs)."""
    size = dict(n_fans=n_fans, n_creators=n_creators, **params)
    exposure, moderated_exposure = HostilityExposure(), HostilityExposure()
    base = _run(seed, steps, interventions=[exposure], **size)
    out = base.datacollector.get_model_vars_dataframe().iloc[-1]
    a = metrics.focal_attachment(base)
    values = {name: float(out[name]) for name in
              ("share_focal", "tier_entertainment", "tier_intense", "tier_borderline",
               "payer_share", "top10_payer_share", "ever_burnt_out")}
    values["loneliness_corr"] = abs(float(np.corrcoef(base.fans.loneliness, a)[0, 1]))
    values["views_top3_share"] = metrics.top_share(metrics.active(base, base.creators.views), 0.03)
    # Floor the fans' rate at one harassed fan, so the ratio stays finite (and conservative).
    values["harassment_ratio"] = float(out["harassed_creators"]
                                       / max(out["harassed_fans"], 1.0 / n_fans))
    values["harassed_creators"] = float(out["harassed_creators"])
    values["harassed_fans"] = float(out["harassed_fans"])
    values["distributions"] = {"audience": metrics.active(base, base.creators.audience),
                               "creator income": metrics.active(base, base.creators.income),
                               "fan spending": base.fans.spent.copy(),
                               "views": metrics.active(base, base.creators.views)}

    silent = _run(seed, steps, **{**size, "reply_capacity": 0.0, "chat_interaction": 0.0})
    with_address = base.bonds.attachment[base.bonds.valid].mean()
    without = silent.bonds.attachment[silent.bonds.valid].mean()
    values["address_effect"] = _safe_ratio(with_address - without, without)

    moderated = _run(seed, steps, interventions=[moderated_exposure],
                     **{**size, "moderation": MODERATION})
    stay = ~moderated.fans.banned
    # The same fans (same seed, same traits) with and without moderation: no selection effect;
    # hostility averaged over the run, not read on one day (see HostilityExposure).
    values["hostility_unmoderated"] = float(exposure.total[stay].mean() / steps)
    values["hostility_moderated"] = float(moderated_exposure.total[stay].mean() / steps)
    values["moderation_effect"] = 1.0 - _safe_ratio(values["hostility_moderated"],
                                                    values["hostility_unmoderated"])

    quit_model = ParasocialModel(rng=seed, **{**size, "quit_day": steps // 2})
    distress = breakup_distress(quit_model)
    bins = distress.groupby(pd.cut(distress["attachment"], GRIEF_BINS), observed=True)["distress"]
    means = bins.mean()[bins.count() >= GRIEF_MIN_FANS]
    values["grief_monotone"] = float(len(means) >= 2 and bool(np.all(np.diff(means.values) > 0)))
    values["grief_by_attachment"] = {interval.mid: float(v) for interval, v in means.items()}
    return values


def _safe_ratio(num, den) -> float:
    return float(num / den) if den > 0 else float("inf") if num > 0 else 0.0


def summarise(replicates: list[dict]) -> pd.DataFrame:
    """One row per pattern: target, source, mean, 95 % interval across replicates, pass/miss."""
    rows = []
    for p in PATTERNS:
        x = np.array([r[p.name] for r in replicates], dtype=float)
        mean = float(np.mean(x))
        if len(x) > 1 and np.all(np.isfinite(x)) and np.std(x) > 0:
            half = stats.t.ppf(0.975, len(x) - 1) * np.std(x, ddof=1) / np.sqrt(len(x))
        else:
            half = 0.0
        rows.append({"pattern": p.name, "description": p.description, "unit": p.unit,
                     "target_lo": p.lo, "target_hi": p.hi, "mean": mean,
                     "ci_lo": mean - half, "ci_hi": mean + half,
                     "passed": bool(p.lo <= mean <= p.hi), "source": p.source})
    return pd.DataFrame(rows)


def run_validation(seeds, n_fans: int, n_creators: int, steps: int = STEPS,
                   map_fn: Callable = map, **params) -> tuple[pd.DataFrame, list[dict]]:
    """Replicates over ``seeds`` (``map_fn`` may be an executor's map) and their summary."""
    from functools import partial

    reps = list(map_fn(partial(replicate, n_fans=n_fans, n_creators=n_creators, steps=steps,
                               **params), seeds))
    return summarise(reps), reps

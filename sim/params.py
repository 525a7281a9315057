"""Every parameter of the model, in one validated, documented place.

Each field carries its unit, allowed range, meaning and source in its metadata;
validation, the ODD parameter table and the command line's ``--set`` all read
that metadata, so a parameter is declared exactly once.

One step is one day.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

# The world of the validation report and the studies. On real platforms a median creator
# with an audience has hundreds of followers and the top ones thousands or more; with 400
# fans per creator the median creator active for half a year has a few hundred followers
# and the top 1 % thousands (docs/CALIBRATION.md, "The world"). Patterns are shares that
# depend on fans per creator, so every size keeps this ratio.
FANS_PER_CREATOR = 400


def world(n_fans: int) -> dict[str, int]:
    """World size parameters: ``n_fans`` fans and one creator per FANS_PER_CREATOR of them."""
    return {"n_fans": n_fans, "n_creators": max(1, n_fans // FANS_PER_CREATOR)}


WORLD = world(100_000)
# The validation report's seeds start here, apart from every seed the calibration ran
# (its screens from 0, its confirmations from 100, stage 5's grid 1-7;
# docs/CALIBRATION.md), so that no run of the report was seen while fitting.
REPORT_FIRST_SEED = 1001

INF = math.inf

CREATOR_KINDS = ("influencer", "streamer", "idol", "politician", "virtual")
FEEDS = ("chronological", "engagement", "wellbeing")
PAID_MESSAGES = ("off", "subscription", "per_message")


def _p(default, unit, lo=None, hi=None, doc="", source="assumption", choices=None):
    """Declare a parameter: default, unit, allowed range or choices, meaning, source."""
    meta = {"unit": unit, "lo": lo, "hi": hi, "doc": doc, "source": source, "choices": choices}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Params:
    """The model's parameters (units per day unless stated).

    Build from a preset with :func:`make_params`; every field can be
    overridden by keyword. ``Params(...)`` validates itself on creation and
    raises ``ValueError`` naming the parameter, the value and what is allowed.
    """

    # --- population -------------------------------------------------------
    n_fans: int = _p(2000, "people", 1, 10_000_000, "platform users (potential fans)")
    n_creators: int = _p(40, "creators", 1, 100_000, "creators on the platform")
    max_follows: int = _p(6, "creators per fan", 1, 64, "bond slots per fan (followed creators)",
                          "Dunbar-style limit on attended figures; assumption")
    initial_follows: float = _p(2.0, "creators per fan", 0, 64,
                                "mean creators a fan follows at the start (Poisson)")
    social_degree: int = _p(6, "ties per fan", 2, 100,
                            "mean offline ties (Watts-Strogatz k, even)",
                            "Dunbar 1998 support clique ~5; Hill & Dunbar 2003")
    social_rewiring: float = _p(0.1, "probability", 0, 1, "Watts-Strogatz rewiring")

    # --- creators ---------------------------------------------------------
    kind: str = _p("influencer", "name", doc="creator kind the preset describes",
                   choices=CREATOR_KINDS)
    creator_mix: str = _p("", "kind:share,...", doc=(
        "several kinds in one world, e.g. 'influencer:0.6,streamer:0.4' (shares sum to 1); each "
        "kind takes its preset's creator settings, and creator settings set for the run apply to "
        "all kinds; empty: every creator is of `kind`"))
    posting_rate: float = _p(1.0, "posts/day", 0, 50, "mean posts per creator per day",
                             "Bärtl 2018 upload rates (0.2-3/day)")
    self_disclosure: float = _p(0.5, "0-1", 0, 1, "mean self-disclosure of posts",
                                "Kim & Song 2016; Chung & Cho 2017")
    direct_address: float = _p(0.3, "0-1", 0, 1, "share of content addressing viewers directly",
                               "Hartmann & Goldhoorn 2011")
    live_hours: float = _p(0.0, "hours/day", 0, 16, "mean hours live-streamed per day",
                           "Twitch partner schedules (2-6 h/day)")
    chat_interaction: float = _p(0.2, "0-1", 0, 1,
                                 "share of a stream's chat capacity spent reading fans by name",
                                 "Wulf, Schneider & Queck 2021")
    reply_capacity: float = _p(20.0, "replies/day", 0, INF,
                               "mean personal replies a creator can write per day (inf: AI)",
                               "assumption; one person cannot answer thousands")
    boundaries: float = _p(0.2, "0-1", 0, 1,
                           "creator boundary-setting: tempers fans' expected recognition and the "
                           "creator's demand stress",
                           "Kowert in seed 002; assumption")
    appeal_sigma: float = _p(1.5, "log-units", 0, 4,
                             "spread of creator appeal (lognormal sigma)", "Bärtl 2018 (heavy tail)")
    resources_sigma: float = _p(0.5, "log-units", 0, 3,
                                "spread of creator resources (team, capacity; lognormal sigma)")
    targeted_share: float = _p(0.3, "share", 0, 1,
                               "creators targeted for who they are (e.g. women streamers)",
                               "seed 003; Pew 2021")
    targeting_multiplier: float = _p(3.0, "ratio", 1, 20,
                                     "harassment multiplier for targeted creators", "Pew 2021")
    work_hours: float = _p(8.0, "hours/day", 0.5, 24, "sustainable creator working day")
    hours_per_post: float = _p(3.0, "hours/post", 0, 24, "production time per post")
    minutes_per_reply: float = _p(2.0, "minutes/reply", 0, 60, "time per personal reply")

    # --- money ------------------------------------------------------------
    fan_income: float = _p(3.0, "currency/day", 0, 1e6,
                           "median disposable money per fan per day",
                           "assumption; scale-free (prices are relative)")
    fan_income_sigma: float = _p(1.8, "log-units", 0, 4, "spread of fan means (lognormal)",
                                 "income/discretionary-spend skew; 'whales' (Swrve)")
    spend_propensity: float = _p(0.0093, "probability/day", 0, 1,
                                 "scale of daily purchase chance (full attachment, before "
                                 "price and literacy)")
    spend_attachment_power: float = _p(3.6, "exponent", 0, 10,
                                       "how steeply purchases rise with attachment")
    subscriptions: bool = _p(True, "switch", doc="creators offer monthly subscriptions")
    subscription_price: float = _p(5.0, "currency/30 days", 0, 1e6, "subscription price")
    paid_messages: str = _p("off", "mode", doc=("paid direct messages: off, included with a "
                            "subscription (subscribers receive the creator's name-inserted "
                            "broadcasts), or sold per message (each broadcast offered to every "
                            "follower)"), source="Bubble / Weverse DM services",
                            choices=PAID_MESSAGES)
    message_price: float = _p(2.0, "currency/message", 0, 1e6, "price of one paid message")
    broadcast_rate: float = _p(1.0, "broadcasts/day", 0, 50,
                               "name-inserted broadcasts a creator sends per day (to subscribers, "
                               "or offered for sale to every follower)",
                               "Bubble / Weverse DM services (idols post several a day)")
    paid_message_appeal: float = _p(0.3, "probability", 0, 1,
                                    "chance a fully attached fan buys a paid broadcast offered "
                                    "to it (before price and literacy)",
                                    "assumption; pay-per-view mass messages")
    broadcast_habituation: float = _p(0.05, "1/broadcast", 0, 10,
                                      "loss of a broadcast's felt value per broadcast received "
                                      "in the last 30 days (habituation)",
                                      "repetition wear-out (Bornstein 1989); assumption")
    price_sensitivity: float = _p(10.0, "ratio", 0, 1000,
                                  "demand response to price: purchase chance falls by "
                                  "exp(-s * price / monthly means)",
                                  "assumption; digital-goods price elasticities about -0.5 to -2")
    subscription_churn: float = _p(0.08, "probability/30 days", 0, 1,
                                   "chance a subscriber cancels at renewal when satisfaction is "
                                   "neutral (value equals price)",
                                   "subscription-service churn 5-15 %/month (industry reports)")
    churn_sensitivity: float = _p(3.0, "log-odds", 0, 50,
                                  "how strongly satisfaction (attachment, its trend, reciprocity, "
                                  "against price) lowers cancellation")
    donations: bool = _p(True, "switch", doc="fans can donate (gifts read out on stream)")
    donation_size: float = _p(5.0, "currency", 0, 1e6, "median donation")
    shoutouts_per_hour: float = _p(10.0, "donations/hour", 0, 1e4,
                                   "donations a creator can read out per live hour; the rest "
                                   "go unrecognised (largest first)",
                                   "Wohn, Freeman & McLaughlin 2018")
    fan_meetings: bool = _p(False, "switch", doc="creators hold paid in-person fan meetings")
    meeting_interval: int = _p(90, "days", 1, 3650, "days between fan meetings")
    meeting_price: float = _p(60.0, "currency", 0, 1e6, "ticket price of a fan meeting")
    meeting_capacity: int = _p(30, "fans", 0, 100_000, "fans met per meeting")
    platform_cut: float = _p(0.3, "share", 0, 1, "platform's share of payments",
                             "app-store / Twitch / OnlyFans cuts 20-50 %")
    agency_cut: float = _p(0.0, "share", 0, 1, "agency's share of what the platform leaves",
                           "K-pop agency contracts (idol preset)")

    # --- platform ---------------------------------------------------------
    feed: str = _p("engagement", "name", doc="feed ranking policy", choices=FEEDS)
    engagement_boost: float = _p(0.71, "ratio", 0, 20,
                                 "extra rank weight per unit attachment (engagement feed)")
    notifications: float = _p(0.5, "0-1", 0, 1, "notification intensity (FOMO pull)")
    notification_pull: float = _p(0.5, "ratio", 0, 5,
                                  "extra platform time at full notification intensity")
    base_platform_hours: float = _p(1.5, "hours/day", 0, 24, "median unprompted platform use",
                                    "DataReportal 2024 (~2.3 h/day social media)")
    attachment_pull: float = _p(0.5, "ratio", 0, 10,
                                "extra platform time per unit of strongest attachment")
    free_time: float = _p(5.0, "hours/day", 0.5, 24, "daily free time split between platform and offline")
    time_limit: float = _p(INF, "hours/day", 0, INF, "platform time limit nudge (inf: none)")
    posts_per_hour: float = _p(20.0, "posts/hour", 0.1, 1000, "feed items a fan sees per hour")
    followed_share: float = _p(0.1, "share", 0, 1,
                               "share of a fan's feed time that followed creators can fill (the "
                               "rest: friends, ads, strangers); the attention budget that binds")
    discovery_rate: float = _p(0.05, "probability/day", 0, 1,
                               "chance per day that a fan follows a recommended new creator "
                               "(about one every 20 days)", "assumption")
    popularity_bias: float = _p(1.1, "exponent", 0, 3,
                                "engagement feed: recommendation weight on recent engagement "
                                "(rich get richer); unused by the other feeds",
                                "Salganik, Dodds & Watts 2006 cumulative advantage")
    niche_creators: float = _p(25.0, "creators", 0.1, INF,
                               "size of a niche: how many creators have their niche within one "
                               "taste width of a fan's taste, on average; the taste width is "
                               "niche_creators / (2 n_creators) on a circle of circumference 1, "
                               "and a recommended or initial creator is followed with probability "
                               "exp(-d^2 / 2w^2) (inf: every fan takes to every creator alike)",
                               "assumption; interest-based niches (Bärtl 2018 long tail; "
                               "homophily predicts parasocial bonds, Turner 1993); fixed per "
                               "niche so that a larger platform has more niches, not larger ones")
    engagement_memory: float = _p(7.0, "days", 1, 365,
                                  "time scale of the engagement signal (views) that the "
                                  "engagement feed recommends by")
    fade_level: float = _p(0.02, "attachment", 0, 1,
                           "attachment below which a bond has faded: it may be unfollowed, and "
                           "a recommended creator may take its slot")
    fade_unfollow: float = _p(0.05, "probability/day", 0, 1, "daily unfollow chance of a faded bond")
    frustration_unfollow: float = _p(0.05, "probability/day", 0, 1,
                                     "daily unfollow chance of a fully frustrated bond (scales F^2)")
    moderation: float = _p(0.0, "probability", 0, 1,
                           "probability a harassment incident is detected and removed",
                           "Chandrasekharan et al. 2017; Cima et al. 2024")
    strikes_to_ban: int = _p(3, "strikes", 1, 1000, "detected incidents before a ban")
    sanction_effect: float = _p(0.3, "share", 0, 1,
                                "share of hostility removed by a detected-incident sanction")

    # --- fans -------------------------------------------------------------
    absorption_mean: float = _p(0.3, "0-1", 0.01, 0.99,
                                "mean susceptibility (absorption) to parasocial bonding",
                                "McCutcheon et al. 2002 absorption-addiction model")
    absorption_concentration: float = _p(2.0, "Beta a+b", 0.1, 100,
                                         "how alike fans are in absorption (low: a few highly absorbed)",
                                         "Maltby et al. 2004 (skewed CAS scores)")
    absorption_power: float = _p(2.0, "exponent", 0, 5,
                                 "convexity of attachment gain in absorption (the absorbed escalate)",
                                 "McCutcheon et al. 2002 absorption-addiction; assumption")
    loneliness_mean: float = _p(0.35, "0-1", 0.01, 0.99, "mean initial loneliness",
                                "UCLA scale norms; Cigna 2020")
    media_literacy: float = _p(0.3, "0-1", 0, 0.99, "mean media literacy",
                               "Jeong, Cho & Hwang 2012 meta-analysis")
    literacy_effect: float = _p(0.6, "share", 0, 1,
                                "how much literacy damps attachment gain, spending and hostility")

    # --- attachment and reciprocity (mechanisms 1, 4) ---------------------
    attachment_gain: float = _p(0.07, "1/day", 0, 1, "attachment growth per unit stimulus",
                                "Horton & Wohl 1956; Schramm & Hartmann 2008")
    attachment_decay: float = _p(0.01, "1/day", 0, 1, "attachment loss without contact",
                                 "assumption (half-life ~70 days)")
    post_satiation: float = _p(0.5, "posts/day", 0.01, INF,
                               "satiation with one creator's posts: n posts seen in a day weigh as "
                               "n / (1 + n / post_satiation) posts, so each further post adds less "
                               "(n = post_satiation weighs half its number; inf: every post alike)",
                               "diminishing returns of repeated exposure (Bornstein 1989 "
                               "meta-analysis; Berlyne 1970 two-factor model); the hyperbolic form "
                               "is an assumption")
    disclosure_weight: float = _p(1.0, "ratio", 0, 10, "stimulus gain from self-disclosure")
    address_weight: float = _p(1.0, "ratio", 0, 10, "stimulus gain from direct address")
    live_weight: float = _p(1.0, "per hour", 0, 10, "stimulus per hour of live stream watched")
    recognition_weight: float = _p(3.8, "per recognition", 0, 50,
                                   "stimulus of one act of personal recognition",
                                   "Wulf, Schneider & Queck 2021")
    loneliness_effect: float = _p(0.1, "ratio", 0, 5,
                                  "extra attachment gain at full loneliness (kept weak)",
                                  "Tukachinsky, Walter & Saucier 2020 (r ~ 0.1)")
    absorption_reinforcement: float = _p(1.0, "ratio", 0, 20,
                                         "self-reinforcing attachment of absorption-prone fans: "
                                         "gain multiplied by 1 + r * absorption * A",
                                         "McCutcheon et al. 2002 absorption-addiction model")
    message_rate: float = _p(0.2, "probability/day", 0, 1,
                             "daily chance a fully attached fan messages a creator (scales with A)")
    reciprocity_gain: float = _p(0.3, "1/recognition", 0, 1,
                                 "perceived-reciprocity gain per recognition")
    reciprocity_decay: float = _p(0.02, "1/day", 0, 1, "perceived-reciprocity decay")
    broadcast_value: float = _p(0.5, "recognitions", 0, 1,
                                "recognition value of a name-inserted paid broadcast message",
                                "seed 003 (Bubble); assumption")
    shoutout_value: float = _p(0.7, "recognitions", 0, 1,
                               "recognition value of a donation read out on stream")

    # --- expectations, frustration, hostility (mechanism 6) ---------------
    expectation_spend_weight: float = _p(1.0, "ratio", 0, 10,
                                         "extra expectation per 30 days' income spent",
                                         "Kowert & Daniel 2021")
    expectation_reciprocity_weight: float = _p(1.0, "ratio", 0, 10,
                                               "extra expectation per unit perceived reciprocity",
                                               "Kowert & Daniel 2021")
    frustration_gain: float = _p(0.05, "1/day", 0, 1, "frustration per unit unmet expectation")
    frustration_decay: float = _p(0.03, "1/day", 0, 1, "frustration decay")
    hostility_gain: float = _p(0.092, "1/day", 0, 1, "hostility per unit frustration")
    hostility_contagion: float = _p(0.5, "per incident per follower", 0, 1000,
                                    "pull toward hostility of the harassment left visible in "
                                    "one's fandoms (incidents per follower per day)",
                                    "Cheng et al. 2017")
    hostility_decay: float = _p(0.05, "1/day", 0, 1, "hostility decay")
    harassment_rate: float = _p(0.26, "incidents/day", 0, 10,
                                "incidents per day by a fully hostile fan")
    fan_target_share: float = _p(0.3, "share", 0, 1,
                                 "share of incidents aimed at other fans rather than creators")
    outsider_share: float = _p(0.5, "share", 0, 1,
                               "share of creator-directed incidents aimed at any visible creator "
                               "(by views and identity targeting) rather than a followed one "
                               "who disappointed",
                               "Thomas et al. 2022; Uttarapong, Cai & Wohn 2021 (the share is "
                               "an assumption)")
    stalking_threshold: float = _p(0.8, "attachment", 0, 1,
                                   "attachment above which frustration can become stalking")
    stalking_rate: float = _p(0.02, "probability/day", 0, 1,
                              "stalking probability of a fully frustrated, extreme fan")
    meeting_stalk_boost: float = _p(3.0, "ratio", 1, 100,
                                    "stalking multiplier after meeting the creator in person",
                                    "sasaeng reports (seed 003)")

    # --- creator stress and burnout (mechanism 7) ------------------------
    load_stress: float = _p(0.015, "1/day", 0, 1,
                            "stress per day per sustainable working day worked beyond it",
                            "Bakker & Demerouti 2007 (job demands-resources)")
    demand_stress: float = _p(0.012, "1/day", 0, 1, "stress per log-unit of unanswered messages",
                              "Bakker & Demerouti 2007")
    harassment_stress: float = _p(0.03, "1/day", 0, 1,
                                  "stress per log-unit of harassment (twice demand_stress: an "
                                  "insult strains more than an unanswered message)",
                                  "Bakker & Demerouti 2007; Grandey, Dickter & Sin 2004")
    stress_noise: float = _p(0.055, "stress/day", 0, 1, "day-to-day stress shocks (s.d.): life events")
    stress_recovery: float = _p(0.02, "1/day", 0, 1, "stress recovery rate")
    income_support: float = _p(1.0, "ratio", 0, 100,
                               "extra resources (help, means) per reference income earned",
                               "Bakker & Demerouti 2007 (resources buffer demands)")
    income_reference: float = _p(20.0, "currency/day", 0.001, 1e9,
                                 "creator income that doubles resources (with income_support 1)")
    adapt_threshold: float = _p(0.5, "stress", 0, 1,
                                "stress above which creators cut posting and live hours")
    adapt_cut: float = _p(0.6, "share", 0, 1, "share of output cut at full stress")
    break_threshold: float = _p(0.6, "stress", 0, 1, "stress above which a creator may take a break")
    break_rate: float = _p(0.03, "probability/day", 0, 1,
                           "daily chance a creator above break_threshold starts a break")
    break_days: int = _p(14, "days", 1, 3650, "length of a break (no output)")
    break_recovery: float = _p(3.0, "ratio", 1, 100, "stress recovery multiplier on a break")
    burnout_threshold: float = _p(0.52, "stress", 0, 1, "stress at which a creator burns out")
    burnout_output: float = _p(0.3, "share", 0, 1, "output of a burnt-out creator")
    burnout_recovery: float = _p(0.5, "share", 0, 1,
                                 "a burnt-out creator recovers below this share of the threshold")
    quit_rate: float = _p(0.0014, "probability/day", 0, 1, "daily quit probability while burnt out")
    income_quit_rate: float = _p(0.002, "probability/day", 0, 1,
                                 "daily quit probability of an established creator earning less "
                                 "than income_need")
    income_need: float = _p(1.0, "currency/day", 0, 1e9,
                            "income below which a creator past its first months may give up")
    creator_grace: int = _p(180, "days", 0, 100_000,
                            "days a newcomer keeps going whatever it earns")
    creator_entry_rate: float = _p(0.01, "probability/day", 0, 1,
                                   "daily chance a quit creator's slot is taken by a newcomer")
    grief_decay: float = _p(0.05, "1/day", 0, 1, "decay of parasocial-breakup grief",
                            "Cohen 2003; Eyal & Cohen 2006")
    grief_dependence: float = _p(0.5, "share", 0, 1,
                                 "weight of dependence (the bond's share of the fan's support) "
                                 "in breakup distress", "Eyal & Cohen 2006; Cohen 2003")
    grief_buffer: float = _p(0.5, "share", 0, 1,
                             "share of breakup distress that full offline support absorbs",
                             "Eyal & Cohen 2006")

    # --- offline life and wellbeing (mechanism 3) ------------------------
    tie_maintenance: float = _p(0.05, "1/hour", 0, 1, "tie strengthening per offline hour",
                                "Roberts & Dunbar 2011")
    tie_decay: float = _p(0.01, "1/day", 0, 1, "tie weakening without contact")
    loneliness_rate: float = _p(0.02, "1/day", 0, 1, "speed loneliness follows social support")
    surrogacy: float = _p(0.3, "share", 0, 1,
                          "how much a full parasocial bond fills the gap of missing offline "
                          "support (less than a real tie: < 1)",
                          "Derrick, Gabriel & Hugenberg 2009 (social surrogacy)")
    loneliness_pull: float = _p(0.5, "ratio", 0, 10,
                                "extra desired platform time per unit loneliness above the mean")
    wellbeing_base: float = _p(0.5, "0-1", 0, 1, "wellbeing at average support and loneliness")
    support_weight: float = _p(0.3, "wellbeing", 0, 2, "wellbeing per unit of offline support")
    loneliness_weight: float = _p(0.3, "wellbeing", 0, 2, "wellbeing lost per unit of loneliness")
    wellbeing_rate: float = _p(0.05, "1/day", 0, 1, "speed wellbeing follows its target")
    parasocial_comfort: float = _p(0.05, "wellbeing", 0, 1,
                                   "wellbeing from moderate parasocial bonds",
                                   "Derrick, Gabriel & Hugenberg 2009")
    overuse_cost: float = _p(0.3, "wellbeing", 0, 2, "wellbeing lost per share of free time over-used")
    harassment_harm: float = _p(0.2, "wellbeing", 0, 2, "wellbeing lost per recent harassment incident")
    grief_harm: float = _p(0.3, "wellbeing", 0, 2, "wellbeing lost per unit of grief")

    # --- identity and politics (mechanism 8) -----------------------------
    opinion_influence: float = _p(0.02, "1/day", 0, 1,
                                  "drift of fans' views toward attached creators",
                                  "Schiappa, Gregg & Hewes 2005; Cohen & Holbert 2021")
    unfollow_rate: float = _p(0.02, "probability/day", 0, 1,
                              "daily unfollow chance of a detached, disagreeing fan")
    opinion_tolerance: float = _p(0.5, "opinion units", 0, 2, "disagreement tolerated before unfollowing")
    stance_drift: float = _p(0.01, "opinion units/day", 0, 1,
                             "day-to-day shifts of politicians' stances (s.d.)",
                             "assumption; loyalty over policy (Barber & Pope 2019)")

    # --- mitigations and shocks (mechanism 9 and experiments) ------------
    lockdown_day: int = _p(-1, "day", -1, 100_000, "day offline contact drops (-1: never)")
    lockdown_days: int = _p(60, "days", 0, 100_000, "length of the lockdown")
    lockdown_contact: float = _p(0.3, "share", 0, 1, "offline contact kept during lockdown",
                                 "Bond 2021 (PSR during COVID-19)")
    lockdown_compensation: float = _p(0.5, "share", 0, 1,
                                      "share of the offline hours a lockdown removes that moves "
                                      "to the platform", "Bond 2021")
    quit_day: int = _p(-1, "day", -1, 100_000, "day the most-followed creator quits (-1: never)")
    conflict_day: int = _p(-1, "day", -1, 100_000,
                           "day the most-followed creator turns on a rival (-1: never)")
    conflict_days: int = _p(7, "days", 1, 100_000, "length of the pile-on")
    conflict_loyalty: float = _p(0.3, "probability/day", 0, 1,
                                 "daily chance a fully attached, fully aligned supporter joins "
                                 "the pile-on")

    def __post_init__(self):
        validate(self)

    @property
    def taste_width(self) -> float:
        """Taste width w of the fit exp(-d^2 / 2w^2): a niche of `niche_creators` creators."""
        return self.niche_creators / (2 * self.n_creators)

    def replace(self, **changes) -> Params:
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **_coerce_all(changes))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


PARAM_FIELDS = {f.name: f for f in fields(Params)}


def _coerce(name: str, value: Any) -> Any:
    """Convert a value (possibly a string from the CLI or a browser field) to the field's type."""
    f = PARAM_FIELDS[name]
    kind = type(f.default)
    if isinstance(value, np.generic):  # numbers from numpy-based designs
        value = value.item()
    if isinstance(value, str) and kind is not str:
        text = value.strip().lower()
        if kind is bool:
            if text in ("true", "1", "yes", "on"):
                return True
            if text in ("false", "0", "no", "off"):
                return False
            raise ValueError(f"{name}={value!r} is not allowed: expected true or false")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name}={value!r} is not allowed: expected a number") from None
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _coerce_all(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(PARAM_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)}; "
            f"see sim.params.Params for the {len(PARAM_FIELDS)} allowed names"
        )
    return {k: _coerce(k, v) for k, v in values.items()}


def validate(p: Params) -> None:
    """Raise ValueError naming the first invalid parameter, its value and what is allowed."""
    for f in fields(p):
        value, meta, kind = getattr(p, f.name), f.metadata, type(f.default)
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{f.name}={value!r} is not allowed: expected true or false")
            continue
        if meta["choices"] is not None:
            if value not in meta["choices"]:
                raise ValueError(f"{f.name}={value!r} is not allowed: choose one of "
                                 f"{', '.join(meta['choices'])}")
            continue
        if kind is str:
            if not isinstance(value, str):
                raise ValueError(f"{f.name}={value!r} is not allowed: expected text ({meta['unit']})")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{f.name}={value!r} is not allowed: expected a number ({meta['unit']})")
        if kind is int and not float(value).is_integer():
            raise ValueError(f"{f.name}={value!r} is not allowed: expected a whole number")
        lo, hi = meta["lo"], meta["hi"]
        if math.isnan(value):
            raise ValueError(f"{f.name}=nan is not allowed: must be a number in [{lo}, {hi}] "
                             f"({meta['unit']})")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"{f.name}={value!r} is not allowed: must be in [{lo}, {hi}] "
                             f"({meta['unit']})")
        if math.isinf(value) and hi != INF:
            raise ValueError(f"{f.name}={value!r} is not allowed: must be finite")
    if p.social_degree % 2:
        raise ValueError(f"social_degree={p.social_degree} is not allowed: must be even "
                         "(Watts-Strogatz ring lattice)")
    if p.social_degree >= p.n_fans:
        raise ValueError(f"social_degree={p.social_degree} is not allowed: must be smaller "
                         f"than n_fans={p.n_fans}")
    if p.initial_follows > p.max_follows:
        raise ValueError(f"initial_follows={p.initial_follows} is not allowed: must be at most "
                         f"max_follows={p.max_follows}")
    for name in ("quit_day", "conflict_day", "lockdown_day"):
        if getattr(p, name) == 0:
            raise ValueError(f"{name}=0 is not allowed: day 1 is the first simulated day "
                             "(use -1 for never)")
    parse_mix(p.creator_mix)
    if p.paid_messages == "subscription" and not p.subscriptions:
        raise ValueError("paid_messages='subscription' is not allowed with subscriptions=False: "
                         "turn subscriptions on or choose paid_messages='per_message' or 'off'")
    if p.fan_meetings and p.meeting_capacity == 0:
        raise ValueError("meeting_capacity=0 is not allowed with fan_meetings=True: must be >= 1")


def parse_mix(text: str) -> dict[str, float]:
    """``'influencer:0.6,streamer:0.4'`` as {kind: share}; empty text is an empty mix."""
    mix: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, share = item.partition(":")
        name = name.strip()
        try:
            value = float(share)
        except ValueError:
            value = math.nan
        if name not in CREATOR_KINDS or name in mix or not 0.0 <= value <= 1.0:
            raise ValueError(f"creator_mix={text!r} is not allowed: expected kind:share pairs "
                             f"such as 'influencer:0.6,streamer:0.4', each kind once, from "
                             f"{', '.join(CREATOR_KINDS)}, shares in [0, 1] summing to 1")
        mix[name] = value
    if mix and abs(sum(mix.values()) - 1.0) > 1e-6:
        raise ValueError(f"creator_mix={text!r} is not allowed: shares must sum to 1 "
                         f"(they sum to {sum(mix.values()):g})")
    return mix


# Parameters that describe one creator: in a mixed world each kind takes them from its preset.
CREATOR_FIELDS = ("posting_rate", "self_disclosure", "direct_address", "live_hours",
                  "chat_interaction", "reply_capacity", "minutes_per_reply", "boundaries",
                  "targeted_share", "targeting_multiplier", "subscriptions", "subscription_price",
                  "paid_messages", "message_price", "broadcast_rate", "donations", "fan_meetings",
                  "agency_cut")


def creator_params(p: Params, preset: str = "influencer") -> list[tuple[str, float, Params]]:
    """Each creator kind of this world: (kind, share of creators, parameters drawn from).

    Without a mix, every creator is of ``p.kind`` with the run's parameters. With
    a mix, each kind starts from its preset's creator settings; a creator setting
    that the run changed from its own preset applies to every kind.
    """
    mix = parse_mix(p.creator_mix)
    if not mix:
        return [(p.kind, 1.0, p)]
    base = make_params(preset)
    changed = {name: getattr(p, name) for name in CREATOR_FIELDS
               if getattr(p, name) != getattr(base, name)}
    out = []
    for kind, share in mix.items():
        own = {name: PRESETS[kind][name] for name in CREATOR_FIELDS if name in PRESETS[kind]}
        values = {**p.to_dict(), **{n: PARAM_FIELDS[n].default for n in CREATOR_FIELDS},
                  **own, **changed, "kind": kind, "creator_mix": ""}
        try:
            out.append((kind, share, Params(**values)))
        except ValueError as error:
            raise ValueError(f"creator_mix={p.creator_mix!r}: for its {kind}s, {error}") from None
    return out


# Presets are named parameter sets, not code paths.
PRESETS: dict[str, dict[str, Any]] = {
    "influencer": {},
    "streamer": dict(kind="streamer", posting_rate=0.3, live_hours=3.0, chat_interaction=0.3,
                     direct_address=0.6, reply_capacity=15.0, donations=True,
                     targeted_share=0.4, targeting_multiplier=4.0),
    "idol": dict(kind="idol", posting_rate=0.8, self_disclosure=0.4, live_hours=0.3,
                 paid_messages="per_message", fan_meetings=True, reply_capacity=5.0,
                 boundaries=0.1, agency_cut=0.5, absorption_mean=0.35),
    "politician": dict(kind="politician", posting_rate=2.0, self_disclosure=0.3,
                       direct_address=0.5, subscriptions=False, donations=True,
                       donation_size=20.0, reply_capacity=10.0, opinion_influence=0.04,
                       conflict_loyalty=0.4),
    # An AI creator answers everyone and does not tire (its kind, not its parameters, says so).
    "virtual": dict(kind="virtual", posting_rate=3.0, self_disclosure=0.6, direct_address=0.8,
                    reply_capacity=INF, minutes_per_reply=0.0, paid_messages="per_message"),
    # One platform holding every kind of creator (shares: assumption, most creators are
    # influencers; streamers next).
    "mixed": dict(creator_mix="influencer:0.55,streamer:0.25,idol:0.08,politician:0.07,"
                  "virtual:0.05"),
}


def make_params(preset: str = "influencer", **overrides) -> Params:
    """Parameters of a named preset with keyword overrides, validated before use.

    >>> make_params("idol", n_fans=500).fan_meetings
    True
    """
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError(f"preset={preset!r} is not allowed: choose one of {', '.join(PRESETS)}")
    values = {**PRESETS[preset], **_coerce_all(overrides)}
    return Params(**values)


def markdown_table() -> str:
    """The parameter table of docs/ODD.md, generated from the metadata."""
    rows = ["| parameter | default | unit | allowed | meaning | source |",
            "|---|---|---|---|---|---|"]
    for f in fields(Params):
        m = f.metadata
        allowed = ", ".join(m["choices"]) if m["choices"] else (
            "true/false" if type(f.default) is bool else f"[{m['lo']}, {m['hi']}]")
        rows.append(f"| `{f.name}` | {f.default} | {m['unit']} | {allowed} | {m['doc']} "
                    f"| {m['source']} |")
    return "\n".join(rows)

"""Experiment files: validation before any run, condition expansion, seed derivation."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.experiment import (
    MAX_FAN_DAYS,
    ExperimentError,
    _condition_count,
    expand,
    load_experiment,
    run_seed,
)
from sim.params import PARAM_FIELDS
from tests.fake_model import OUTCOMES, TINY, tiny

ROOT = Path(__file__).resolve().parents[1]


def test_factorial_conditions_in_file_order_with_model_types():
    exp = tiny()
    assert len(exp.conditions) == 6
    assert exp.conditions[0] == {"posting_rate": 0.5, "paid_messages": "off"}
    assert exp.conditions[3] == {"posting_rate": 1.0, "paid_messages": "per_message"}
    assert exp.factors["posting_rate"] == (0.5, 1.0, 2.0)
    assert all(isinstance(c["posting_rate"], float) for c in exp.conditions)


def test_expand_gives_every_run_its_params():
    runs = expand(tiny())
    assert len(runs) == 18
    assert [r.key for r in runs[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert runs[4].params == {"preset": "influencer", "n_fans": 100, "posting_rate": 0.5,
                              "paid_messages": "per_message"}
    assert runs[4].factors == {"posting_rate": 0.5, "paid_messages": "per_message"}


def test_run_seed_is_the_spawned_child_seed():
    root = np.random.SeedSequence(7)
    child = root.spawn(6)[4].spawn(3)[2]
    assert run_seed(7, 4, 2) == int(child.generate_state(1)[0])


def test_seeds_are_pinned_distinct_and_independent_of_replicate_count():
    few, more = expand(tiny(replicates=2)), expand(tiny(replicates=5))
    assert run_seed(7, 0, 0) == 393969088  # changing the derivation breaks reproducibility
    seeds_more = {r.key: r.seed for r in more}
    assert all(seeds_more[r.key] == r.seed for r in few)
    assert len(set(seeds_more.values())) == len(more)
    assert [r.seed for r in expand(tiny())] == [r.seed for r in expand(tiny())]


BAD = [
    ('name = "x"\nquestion = ', ["tiny.toml", "not valid TOML"]),
    ("replicate = 3\n" + TINY, ["unknown top-level key 'replicate'", "'replicates'"]),
    (TINY.replace("posting_rate = [", "postng_rate = ["),
     ["[factors]", "'postng_rate'", "did you mean 'posting_rate'"]),
    (TINY.replace("[0.5, 1, 2]", "[0.5, -2]"),
     ["tiny.toml", "posting_rate=-2", "[0, 50]", "posts/day"]),
    (TINY.replace("n_fans = 100", "n_fans = 0"), ["[base]", "n_fans=0", "[1, 10000000]"]),
    (TINY.replace('"wellbeing"]', '"welbeing"]'), ["unknown outcome 'welbeing'", "'wellbeing'"]),
    (TINY.replace('question = "Does posting more deepen attachment?"', ""),
     ["question is missing"]),
    (TINY.replace('"off", "per_message"', '"off", "subscription"')
     .replace("n_fans = 100", "n_fans = 100\nsubscriptions = false"),
     ["condition 1", "paid_messages='subscription'", "subscriptions=False"]),
    (TINY.replace('seed = 7', 'seed = 7\npreset = "celebrity"'), ["preset='celebrity'", "idol"]),
    (TINY.replace("replicates = 3", "replicates = 0"), ["replicates=0", ">= 1"]),
    (TINY.replace("[0.5, 1, 2]", "[1, 1]"), ["lists a value twice"]),
    (TINY.replace("[0.5, 1, 2]", "[1, 1.0]"), ["lists a value twice", "as the model reads them"]),
    (TINY.replace('seed = 7', 'seed = 7\npreset = ["idol"]'), ["preset=['idol']", "choose one of"]),
    (TINY + '[design]\nmethod = "lhs"\nsamples = 4\n', ["cannot be combined"]),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_experiments_fail_with_a_message_naming_the_problem(text, expected):
    with pytest.raises(ExperimentError) as err:
        tiny(text)
    for part in expected:
        assert part in str(err.value)


SAMPLED = """
question = "q"
outcomes = ["mean_attachment"]
[{table}]
method = "{method}"
samples = {samples}
[{table}.ranges]
posting_rate = [0.5, 4]
n_creators = [10, 60]
self_disclosure = [0, 1]
"""


@pytest.mark.parametrize(("table", "method", "samples", "count"), [
    ("design", "lhs", 10, 10), ("design", "sobol", 8, 8),
    ("sensitivity", "morris", 3, 12), ("sensitivity", "sobol", 4, 20)])
def test_sampled_designs_stay_in_range_and_round_whole_numbers(table, method, samples, count):
    text = SAMPLED.format(table=table, method=method, samples=samples)
    exp = tiny(text)
    assert len(exp.conditions) == count == _condition_count(exp.factors, exp.design)
    assert exp.varied == ("posting_rate", "n_creators", "self_disclosure")
    for point in exp.conditions:
        assert 0.5 <= point["posting_rate"] <= 4
        assert isinstance(point["n_creators"], int) and 10 <= point["n_creators"] <= 60
    assert tiny(text).conditions == exp.conditions


@pytest.mark.parametrize(("change", "expected"), [
    (("samples = 8", "samples = 6"), "power of 2"),
    (("self_disclosure = [0, 1]", 'feed = [0, 1]'), "not numeric"),
    (("self_disclosure = [0, 1]", "self_disclosure = [1, 0]"), "low < high"),
    (("self_disclosure = [0, 1]", "self_disclosure = [0, 2]"), "self_disclosure=[0, 2]"),
    (('method = "sobol"', 'method = "grid"'), "choose one of lhs, sobol"),
])
def test_bad_sampled_designs(change, expected):
    text = SAMPLED.format(table="design", method="sobol", samples=8).replace(*change)
    with pytest.raises(ExperimentError, match=re.escape(expected)):
        tiny(text)


def test_morris_needs_an_even_number_of_levels():
    text = SAMPLED.format(table="sensitivity", method="morris", samples=3).replace(
        "[sensitivity.ranges]", "levels = 3\n[sensitivity.ranges]")
    with pytest.raises(ExperimentError, match="even number of levels"):
        tiny(text)


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(TINY.replace("attachment?", "attachment\xe9?").encode("latin-1"))
    with pytest.raises(ExperimentError, match="not a UTF-8 text file"):
        load_experiment(path, registry=OUTCOMES)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ExperimentError, match="cannot read experiment file"):
        load_experiment(tmp_path / "nope.toml", registry=OUTCOMES)


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_shipped_experiments_are_valid(path):
    exp = load_experiment(path)
    assert exp.question and exp.name == path.stem
    # Studies stay small enough to rerun in minutes on two cores (loading enforces it; the
    # Sobol study: 1.6e9 fan-days, about 6 min): shipped studies never need --allow-large.
    fan_days = sum(exp.steps * run.params.get("n_fans", PARAM_FIELDS["n_fans"].default)
                   for run in expand(exp))
    assert fan_days <= MAX_FAN_DAYS


def test_common_seeds_pair_conditions_on_the_same_worlds():
    paired = expand(tiny(TINY.replace("common_seeds = false", "common_seeds = true")))
    by_replicate = {}
    for run in paired:
        by_replicate.setdefault(run.replicate, set()).add(run.seed)
    assert all(len(seeds) == 1 for seeds in by_replicate.values())
    assert len({seeds.pop() for seeds in by_replicate.values()}) == 3
    default = tiny("\n".join(line for line in TINY.splitlines()
                              if not line.startswith("common_seeds")))
    assert default.common_seeds
    with pytest.raises(ValueError, match="common_seeds"):
        tiny(TINY.replace("common_seeds = false", 'common_seeds = "yes"'))

"""Bad experiment files and runner arguments: one line naming the parameter, before any work."""

from __future__ import annotations

import dataclasses

import pytest

from sim.cli import main
from sim.experiment import MAX_RUNS, ExperimentError
from sim.runner import run_experiment
from sim.simulate import run_scenario
from tests.fake_model import TINY, Recorder, fake_run, tiny

HUGE_FACTORIAL = TINY.replace(
    "posting_rate = [0.5, 1, 2]\npaid_messages = [\"off\", \"per_message\"]",
    f"posting_rate = {[round(i * 0.1, 1) for i in range(400)]}\n"
    f"self_disclosure = {[j / 250 for j in range(250)]}")
MORRIS = """
question = "q"
outcomes = ["mean_attachment"]
[sensitivity]
method = "morris"
samples = 50000
[sensitivity.ranges]
posting_rate = [0.5, 4]
"""

TOML = [
    (TINY.replace("steps = 12", "steps = 1000000000000"),
     ["tiny.toml", "steps=1000000000000", "fan-days", "more than 2e+09", "--allow-large"]),
    (HUGE_FACTORIAL, ["100000 conditions", "replicates=3", f"more than {MAX_RUNS}",
                      "allow_large=True"]),
    (MORRIS, ["100000 conditions", "replicates=10", "--allow-large"]),
    (TINY.replace("record_every = 4", "record_every = 0"), ["record_every=0", ">= 1"]),
    (TINY.replace("steps = 12", "steps = 1.5"), ["steps=1.5", "whole number"]),
    (TINY.replace("replicates = 3", "replicates = -1"), ["replicates=-1", ">= 1"]),
    (TINY.replace("seed = 7", "seed = -7"), ["seed=-7", ">= 0"]),
    (TINY + '[reference]\nposting_rate = 3\n', ["[reference] posting_rate=3", "levels [0.5, 1.0, 2.0]"]),
    (TINY + '[reference]\nfeed = "engagement"\n', ["[reference] feed='engagement'", "not a factor",
                                                    "posting_rate, paid_messages"]),
    (TINY.replace("n_fans = 100", "n_fans = 100\nquit_day = 12"),
     ["[base] quit_day=12 is not allowed", "steps=12", "below 12"]),
    (TINY.replace('paid_messages = ["off", "per_message"]', "lockdown_day = [-1, 5, 20]"),
     ["condition 2", "lockdown_day=20 is not allowed", "never happens"]),
    (TINY.replace("record_every = 4", "record_every = 4\nanswer_days = [12]"),
     ["answer_days: 12 is not allowed", "from 1 to 11", "last day is always answered"]),
    (TINY.replace("record_every = 4", "record_every = 4\nanswer_days = [6]"),
     ["answer_days: 6 is not allowed", "multiple of record_every=4"]),
    (TINY.replace("record_every = 4", "record_every = 4\nanswer_days = 8"),
     ["answer_days=8 is not allowed", "a list of days"]),
    (TINY.replace("replicates = 3", 'replicates = "auto"'),
     ['replicates="auto" needs a [precision] table']),
    (TINY + '[precision]\noutcome = "wellbeing"\nhalf_width = 0.1\n',
     ['[precision] needs replicates = "auto"', "replicates=3"]),
    (TINY.replace("replicates = 3", 'replicates = "auto"')
     + '[precision]\noutcome = "spending"\nhalf_width = 0.1\n',
     ["[precision] outcome='spending' is not allowed", "mean_attachment, wellbeing"]),
    (TINY.replace("replicates = 3", 'replicates = "auto"')
     + '[precision]\noutcome = "wellbeing"\nhalf_width = 0\n',
     ["[precision] half_width=0 is not allowed", "> 0"]),
    (TINY.replace("replicates = 3", 'replicates = "auto"')
     + '[precision]\noutcome = "wellbeing"\nhalf_width = 0.1\nmax_replicates = 2\n',
     ["[precision] max_replicates=2 is not allowed", ">= 5"]),
    (TINY.replace("replicates = 3", 'replicates = "auto"')
     + '[precision]\noutcome = "wellbeing"\nhalfwidth = 0.1\n',
     ["unknown key in [precision] 'halfwidth'", "did you mean 'half_width'"]),
]


@pytest.mark.parametrize(("text", "expected"), TOML, ids=range(len(TOML)))
def test_bad_experiment_files(text, expected):
    with pytest.raises(ExperimentError) as err:
        tiny(text)
    message = str(err.value)
    assert "\n" not in message
    for part in expected:
        assert part in message


def test_reference_levels_default_to_the_first_and_read_as_the_model_does():
    assert tiny().reference == {"posting_rate": 0.5, "paid_messages": "off"}
    exp = tiny(TINY + '[reference]\nposting_rate = 1\npaid_messages = "per_message"\n')
    assert exp.reference == {"posting_rate": 1.0, "paid_messages": "per_message"}
    assert exp.fingerprint() == tiny().fingerprint()  # the same runs


def test_auto_replicates_start_low_and_are_replaced_by_a_fixed_count():
    text = (TINY.replace("replicates = 3", 'replicates = "auto"')
            + '[precision]\noutcome = "wellbeing"\nhalf_width = 0.1\n')
    exp = tiny(text)
    assert exp.replicates == 5 and exp.precision.max_replicates == 40
    fixed = tiny(text, replicates=4)
    assert fixed.replicates == 4 and fixed.precision is None


def test_a_large_study_runs_only_when_asked():
    exp = tiny(TINY.replace("steps = 12", "steps = 1000000000000"), allow_large=True)
    assert exp.steps == 10**12 and exp.n_runs == 18


API = [
    ({"batch_size": -1}, ValueError, "batch_size=-1 is not allowed: must be a whole number >= 1"),
    ({"batch_size": 0}, ValueError, "batch_size=0 is not allowed"),
    ({"batch_size": 1.5}, ValueError, "batch_size=1.5 is not allowed"),
    ({"workers": 0}, ValueError, "workers=0 is not allowed: must be a whole number >= 1"),
    ({"task_seconds": 0}, ValueError, "task_seconds=0 is not allowed: must be a number of "
                                      "seconds > 0"),
    ({"task_seconds": float("nan")}, ValueError, "task_seconds=nan is not allowed"),
    ({"connect_timeout": -1}, ValueError, "connect_timeout=-1 is not allowed"),
    ({"run_fn": "fake_run"}, TypeError, "run_fn='fake_run' is not allowed: it must be a "
                                        "function run_fn(params, seed, steps, record_every)"),
    ({"executor": "threads"}, ValueError, "executor='threads' is not allowed: choose one of "
                                          "processes, serial, dask"),
]


@pytest.mark.parametrize(("kwargs", "error", "expected"), API, ids=[str(a[0]) for a in API])
def test_bad_runner_arguments_fail_before_the_folder_is_touched(tmp_path, kwargs, error,
                                                                expected):
    recorder = Recorder()
    with pytest.raises(error) as err:
        run_experiment(tiny(), tmp_path / "out", **{"executor": "serial", "run_fn": recorder,
                                                    **kwargs})
    assert expected in str(err.value) and "\n" not in str(err.value)
    assert recorder.seeds == [] and not (tmp_path / "out").exists()


def test_an_experiment_that_is_not_one_is_named(tmp_path):
    with pytest.raises(TypeError, match="exp='study.toml' is not allowed: pass an Experiment"):
        run_experiment("study.toml", tmp_path, run_fn=fake_run)


@pytest.mark.parametrize(("change", "expected"), [
    ({"record_every": 0}, "record_every=0 is not allowed: must be a whole number >= 1"),
    ({"steps": -5}, "steps=-5 is not allowed"),
    ({"replicates": 2.5}, "replicates=2.5 is not allowed"),
])
def test_an_experiment_changed_in_code_is_checked_like_a_file(change, expected):
    with pytest.raises(ExperimentError, match=expected):
        dataclasses.replace(tiny(), **change)


@pytest.mark.parametrize(("steps", "record_every", "expected"), [
    (10, 0, "record_every=0 is not allowed: must be a whole number >= 1"),
    (-5, 1, "steps=-5 is not allowed: must be a whole number >= 0"),
    (1.5, 1, "steps=1.5 is not allowed"),
])
def test_run_scenario_checks_its_counts(steps, record_every, expected):
    with pytest.raises(ValueError, match=expected):
        run_scenario({"n_fans": 60}, 1, steps, record_every)


def test_cli_refuses_a_huge_override_without_the_flag(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text('question = "q"\nreplicates = 1\n[base]\nn_fans = 60\n')
    out = tmp_path / "out"
    assert main(["sweep", str(study), "--steps", "1000000000000", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "steps=1000000000000" in err and "--allow-large" in err and "\n" not in err
    assert not out.exists()

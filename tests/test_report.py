"""Reports and sensitivity analyses, drawn from stored results only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.report import summarise, write_report
from sim.runner import load_results, run_experiment
from sim.sensitivity import analyze
from tests.fake_model import TINY, fake_run, tiny


def sweep(tmp_path_factory, name: str, text: str = TINY):
    out = tmp_path_factory.mktemp(name)
    run_experiment(tiny(text), out, executor="serial", run_fn=fake_run, progress=False)
    return out


@pytest.fixture(scope="module")
def factorial(tmp_path_factory):
    out = sweep(tmp_path_factory, "factorial")
    write_report(out)
    return out


def test_summary_is_mean_and_t_interval_across_replicates(factorial):
    summary = pd.read_csv(factorial / "summary.csv")
    assert list(summary.columns) == ["condition", "posting_rate", "paid_messages", "outcome",
                                     "step", "mean", "ci_low", "ci_high", "n"]
    assert sorted(summary.step.unique()) == [0, 4, 8, 12]
    data = load_results(factorial)
    values = data[(data.condition == 4) & (data.step == 12)]["mean_attachment"]
    row = summary[(summary.condition == 4) & (summary.step == 12)
                  & (summary.outcome == "mean_attachment")].iloc[0]
    half = stats.t.ppf(0.975, 2) * values.std() / np.sqrt(3)
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_high"] - row["mean"] == pytest.approx(half)
    assert row["n"] == 3 and row["posting_rate"] == 2.0
    final = pd.read_csv(factorial / "summary_final.csv")
    assert (final.step == 12).all() and len(final) == 6 * 2


def test_figures_for_final_day_and_time_series(factorial):
    for kind in ("final", "time"):
        for outcome in ("mean_attachment", "wellbeing"):
            path = factorial / "figures" / f"{kind}_{outcome}.png"
            assert path.read_bytes()[:4] == b"\x89PNG"


def test_summary_md_states_question_design_and_numbers(factorial):
    text = (factorial / "summary.md").read_text()
    assert "Does posting more deepen attachment?" in text
    assert "`posting_rate` (posts/day) = 0.5, 1, 2" in text
    assert "3 replicates per condition, 12 days" in text and "root seed 7" in text
    assert text.index("## Answer") < text.index("## Design")
    # the reference is each factor's first level; independent seeds: Welch intervals
    assert ("- Mean strongest attachment against posting_rate=0.5, paid_messages=off: higher "
            "under posting_rate=1 (") in text
    assert "| posting_rate=0.5, paid_messages=off | " in text and "| reference |" in text
    assert "from Welch's t (independent seeds)" in text
    assert "figures/final_mean_attachment.png" in text


def test_every_condition_is_tested_against_the_named_reference(tmp_path_factory):
    text = (TINY.replace("common_seeds = false", "common_seeds = true")
            + '[reference]\nposting_rate = 1\npaid_messages = "per_message"\n')
    out = sweep(tmp_path_factory, "reference", text)
    write_report(out)
    changes = pd.read_csv(out / "contrasts.csv")
    assert len(changes) == 2 * 6 and changes["paired"].all()
    ref = changes[changes["reference"]]
    assert set(ref["posting_rate"]) == {1.0} and set(ref["paid_messages"]) == {"per_message"}
    runs = load_results(out)
    last = runs[runs.step == 12].set_index(["condition", "replicate"])["mean_attachment"]
    row = changes[(changes.outcome == "mean_attachment") & (changes.condition == 4)].iloc[0]
    assert row["mean"] == pytest.approx((last[4] - last[3]).mean())
    assert row["reading"] == "higher"
    summary = (out / "summary.md").read_text()
    assert "against posting_rate=1, paid_messages=per_message: higher under posting_rate=2" in summary
    assert "paired replicate by replicate" in summary


def test_answer_days_answer_on_each_day_as_on_the_last(tmp_path_factory):
    text = TINY.replace("common_seeds = false", "common_seeds = true").replace(
        "record_every = 4", "record_every = 4\nanswer_days = [4]")
    out = sweep(tmp_path_factory, "answer_days", text)
    write_report(out)
    changes = pd.read_csv(out / "contrasts.csv")
    assert sorted(changes["day"].unique()) == [4, 12] and len(changes) == 2 * 2 * 6
    runs = load_results(out)
    on_4 = runs[runs.step == 4].set_index(["condition", "replicate"])["mean_attachment"]
    row = changes[(changes.day == 4) & (changes.outcome == "mean_attachment")
                  & (changes.condition == 4)].iloc[0]
    assert row["mean"] == pytest.approx((on_4[4] - on_4[0]).mean())  # day 4, not the last
    summary = (out / "summary.md").read_text()
    answer = summary[summary.index("## Answer"):summary.index("## Design")]
    assert answer.count("- Day 4: mean strongest attachment") == 1
    assert answer.count("- Day 12: mean strongest attachment") == 1
    assert answer.index("- Day 4: mean") < answer.index("- Day 12: mean")


def test_plot_command_redraws_from_stored_data(factorial, tmp_path, capsys):
    (factorial / "summary.md").unlink()  # plot rewrites it from the stored data
    assert main(["plot", str(factorial)]) == 0
    assert (factorial / "summary.md").exists()
    assert main(["plot", str(tmp_path)]) == 2
    assert "no metadata.json" in capsys.readouterr().err


def test_three_factors_draw_panels(tmp_path_factory):
    text = TINY.replace("[factors]", "[factors]\nboundaries = [0.2, 0.7]")
    out = sweep(tmp_path_factory, "three", text)
    write_report(out)
    summary = pd.read_csv(out / "summary_final.csv")
    assert len(summary) == 2 * 6 * 2
    lines = (out / "summary.md").read_text().splitlines()
    # one table row per outcome and condition
    assert sum(line.startswith("| boundaries=") for line in lines) == 2 * 12


def test_one_condition_and_a_single_replicate(tmp_path_factory):
    text = TINY.replace("replicates = 3", "replicates = 1").split("[factors]")[0]
    out = sweep(tmp_path_factory, "single", text)
    write_report(out)
    assert "ends at" in (out / "summary.md").read_text()
    assert "no interval" in (out / "summary.md").read_text()


SENSITIVITY = """
question = "Which parameters drive attachment?"
seed = 5
replicates = 2
steps = 10
outcomes = ["mean_attachment"]
[sensitivity]
method = "{method}"
samples = {samples}
[sensitivity.ranges]
posting_rate = [0.25, 2]
self_disclosure = [0, 1]
"""


@pytest.mark.parametrize(("method", "samples", "lead"), [("morris", 8, "mu_star"),
                                                         ("sobol", 32, "ST")])
def test_sensitivity_finds_the_parameter_that_matters(tmp_path_factory, method, samples, lead):
    out = sweep(tmp_path_factory, method, SENSITIVITY.format(method=method, samples=samples))
    table = analyze(out)
    ranked = table.set_index("parameter")[lead]
    assert ranked["posting_rate"] > 5 * abs(ranked["self_disclosure"])
    assert (out / "sensitivity.csv").exists() and (out / "figures" / "sensitivity.png").exists()
    write_report(out)
    text = (out / "summary.md").read_text()
    assert "## Sensitivity" in text and "| mean_attachment | posting_rate |" in text
    assert "Spearman" in text


def test_summarise_handles_a_frame_directly():
    data = pd.DataFrame({"condition": [0, 0], "replicate": [0, 1], "step": [5, 5],
                         "x": [1.0, 3.0]})
    row = summarise(data, [], ["x"]).iloc[0]
    assert row["mean"] == 2.0 and row["n"] == 2
    assert row["ci_low"] == pytest.approx(2.0 - stats.t.ppf(0.975, 1) * np.sqrt(2) / np.sqrt(2))


def test_paired_change_matches_replicates_and_removes_shared_noise():
    from sim.report import paired_change

    worlds = np.array([0.0, 10.0, 20.0, 30.0])  # large world-to-world differences
    runs = pd.DataFrame({"condition": [0] * 4 + [1] * 4, "replicate": list(range(4)) * 2,
                         "y": np.concatenate([worlds, worlds + [1.0, 1.1, 0.9, 1.0]])})
    change = paired_change(runs, "y", 0, 1)
    assert change["n"] == 4
    assert change["mean"] == pytest.approx(1.0)
    assert 0 < change["ci_low"] < 1.0 < change["ci_high"] < 2.0


def test_sobol_indices_outside_the_unit_interval_are_flagged():
    from sim.sensitivity import unresolved_outcomes

    table = pd.DataFrame({"outcome": ["a", "a", "b", "c"], "parameter": ["x", "y", "x", "x"],
                          "ST": [0.6, 0.3, 1.4, 1.1], "ST_conf": [0.1, 0.1, 0.2, 0.3],
                          "S1": [0.5, 0.2, 0.1, -0.05], "S1_conf": [0.1, 0.1, 0.1, 0.1]})
    # b: ST is above 1 by more than its interval; c: within its interval of the unit range
    assert unresolved_outcomes(table) == ["b"]


def test_one_replicate_gives_no_verdict(tmp_path_factory):
    out = sweep(tmp_path_factory, "one", TINY.replace("replicates = 3", "replicates = 1"))
    text = (out / write_report(out).name).read_text()
    assert "no verdict" in text and "within the noise" not in text
    assert " rises from " not in text and " falls from " not in text


def test_runs_from_several_revisions_are_named(tmp_path_factory, monkeypatch):
    from sim import provenance

    monkeypatch.setattr(provenance, "git_revision", lambda: "rev-a")
    out = sweep(tmp_path_factory, "revs", TINY.replace("replicates = 3", "replicates = 2"))
    monkeypatch.setattr(provenance, "git_revision", lambda: "rev-b")
    run_experiment(tiny(), out, executor="serial", run_fn=fake_run, progress=False)
    text = (out / write_report(out).name).read_text()
    assert "runs from 2 code revisions" in text and "rev-a, rev-b" in text


def test_digest_holds_every_runs_final_day(factorial):
    digest = pd.read_csv(factorial / "final_day.csv")
    data = load_results(factorial)
    last = data[data.step == data.step.max()].reset_index(drop=True)
    assert list(digest.columns) == ["condition", "replicate", "seed", "posting_rate",
                                    "paid_messages", "step", "mean_attachment", "wellbeing"]
    pd.testing.assert_frame_equal(digest, last[digest.columns], check_dtype=False)


def test_one_replicate_designs_write_no_per_day_rows_or_interval_sentences(tmp_path_factory):
    out = sweep(tmp_path_factory, "morris1", SENSITIVITY.replace("replicates = 2", "replicates = 1")
                .format(method="morris", samples=8))
    write_report(out)
    text = (out / "summary.md").read_text()
    assert not (out / "summary.csv").exists() and (out / "summary_final.csv").exists()
    assert "1 replicate per condition" in text and "t-interval" not in text
    assert "One replicate per condition" in text


def test_sensitivity_answers_say_which_parameters_the_intervals_resolve():
    from sim.experiment import Design
    from sim.sensitivity import answers

    design = Design("saltelli", 8, {"a": (0, 1), "b": (0, 1)}, 0)
    table = pd.DataFrame({"outcome": ["x", "x", "y", "y", "z", "z"],
                          "parameter": ["a", "b"] * 3,
                          "ST": [0.8, 0.1, 0.1, 0.05, 1.5, 0.2],
                          "ST_conf": [0.1, 0.2, 0.2, 0.1, 0.1, 0.1],
                          "S1": [0.7, 0.0, 0.0, 0.0, 0.3, 0.1],
                          "S1_conf": [0.1] * 6})
    x, y, z = answers(table, design)
    assert x.startswith("X: a resolved as influential") and "other 1 parameter(s)" in x
    assert "no parameter's ST interval excludes 0" in y
    assert "outside [0, 1]" in z and "does not resolve" in z


def test_unordered_levels_are_points_not_lines(tmp_path_factory):
    text = TINY.replace('posting_rate = [0.5, 1, 2]\npaid_messages = ["off", "per_message"]',
                        'paid_messages = ["off", "per_message"]\nposting_rate = [0.5, 1, 2]')
    out = sweep(tmp_path_factory, "categorical", text)
    from sim.report import Labels, final_day, final_figure
    from sim.store import load_metadata

    final = final_day(summarise(load_results(out), ["paid_messages", "posting_rate"],
                                ["wellbeing"]))
    fig = final_figure(final, "wellbeing", ["paid_messages", "posting_rate"],
                       Labels(load_metadata(out)))
    lines = [line for line in fig.axes[0].get_lines() if len(line.get_xdata()) > 1]
    assert lines and all(line.get_linestyle() == "None" for line in lines)

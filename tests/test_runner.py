"""The runner: identical data on every executor, resume, failures and bad inputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment import expand, run_seed
from sim.runner import (
    ResultsError,
    RunError,
    SchedulerError,
    _auto_batch,
    load_results,
    run_experiment,
)
from tests.fake_model import TINY, FailOn, Recorder, fake_run, tiny

UNREACHABLE = "tcp://127.0.0.1:9"  # the discard port: nothing listens there


def stored_keys(out) -> list[tuple[int, int]]:
    manifest = json.loads((out / "manifest.json").read_text())
    return sorted(tuple(k) for part in manifest["parts"].values() for k in part["runs"])


def test_tidy_results_one_row_per_run_and_recorded_day(tmp_path):
    exp = tiny()
    data = run_experiment(exp, tmp_path, executor="serial", run_fn=fake_run, progress=False)
    assert list(data.columns[:6]) == ["condition", "replicate", "seed", "posting_rate",
                                      "paid_messages", "step"]
    assert len(data) == exp.n_runs * 4  # days 0, 4, 8, 12
    assert not data.duplicated(["condition", "replicate", "step"]).any()
    first = data[(data.condition == 1) & (data.replicate == 2)]
    assert (first.seed == run_seed(7, 1, 2)).all() and (first.paid_messages == "per_message").all()
    meta = json.loads((tmp_path / "metadata.json").read_text())
    assert meta["experiment_file"] == exp.text and meta["root_seed"] == 7
    assert meta["runs_done"] == 18 and meta["sessions"][-1]["status"] == "complete"
    assert {r["seed"] for r in meta["runs"]} == {r.seed for r in expand(exp)}


def test_serial_processes_and_dask_store_identical_data(tmp_path):
    from dask.distributed import LocalCluster

    exp = tiny()
    serial = run_experiment(exp, tmp_path / "s", executor="serial", run_fn=fake_run,
                            progress=False)
    pooled = run_experiment(exp, tmp_path / "p", executor="processes", workers=2,
                            run_fn=fake_run, progress=False, batch_size=4)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        dask = run_experiment(exp, tmp_path / "d", executor="dask",
                              scheduler=cluster.scheduler_address, run_fn=fake_run,
                              progress=False)
    pd.testing.assert_frame_equal(serial, pooled)
    pd.testing.assert_frame_equal(serial, dask)


def test_a_failing_run_is_named_and_finished_runs_are_kept_then_resumed(tmp_path):
    exp = tiny()
    bad = run_seed(7, 2, 1)
    with pytest.raises(RunError) as err:
        run_experiment(exp, tmp_path, executor="serial", run_fn=FailOn(bad), progress=False,
                       batch_size=2)
    message = str(err.value)
    assert f"seed={bad}" in message and "'posting_rate': 1.0" in message
    assert "simulated crash" in message and (tmp_path / "errors.log").exists()
    kept = stored_keys(tmp_path)
    assert (2, 0) in kept  # finished earlier in the failing batch: stored
    assert (2, 1) not in kept

    recorder = Recorder()
    data = run_experiment(exp, tmp_path, executor="serial", run_fn=recorder, progress=False)
    missing = {r.seed for r in expand(exp) if r.key not in kept}
    assert sorted(recorder.seeds) == sorted(missing)  # only missing runs, none twice
    assert len(data) == exp.n_runs * 4
    assert not data.duplicated(["condition", "replicate", "step"]).any()
    pd.testing.assert_frame_equal(
        data, run_experiment(exp, tmp_path / "clean", executor="serial", run_fn=fake_run,
                             progress=False))


def test_a_failing_run_in_a_process_pool_keeps_other_parts(tmp_path):
    with pytest.raises(RunError, match=f"seed={run_seed(7, 0, 0)}"):
        run_experiment(tiny(), tmp_path, executor="processes", workers=2,
                       run_fn=FailOn(run_seed(7, 0, 0)), progress=False, batch_size=3)
    assert stored_keys(tmp_path)  # the other worker's batches were stored
    assert (0, 0) not in stored_keys(tmp_path)


def test_adding_replicates_runs_only_the_new_ones(tmp_path):
    run_experiment(tiny(replicates=2), tmp_path, executor="serial", run_fn=fake_run,
                   progress=False)
    recorder = Recorder()
    data = run_experiment(tiny(replicates=3), tmp_path, executor="serial", run_fn=recorder,
                          progress=False)
    assert sorted(recorder.seeds) == sorted(run_seed(7, c, 2) for c in range(6))
    assert sorted(data.replicate.unique()) == [0, 1, 2]


def test_provenance_belongs_to_the_session_that_ran(tmp_path, monkeypatch):
    """A re-run with nothing left to do keeps the revision that made the runs; a resume records its own."""
    from sim import provenance

    monkeypatch.setattr(provenance, "git_revision", lambda: "rev-a")
    run_experiment(tiny(replicates=2), tmp_path, executor="serial", run_fn=fake_run, progress=False)
    monkeypatch.setattr(provenance, "git_revision", lambda: "rev-b")
    run_experiment(tiny(replicates=2), tmp_path, executor="serial", run_fn=fake_run, progress=False)
    meta = json.loads((tmp_path / "metadata.json").read_text())
    assert meta["git_revision"] == "rev-a"
    run_experiment(tiny(replicates=3), tmp_path, executor="serial", run_fn=fake_run, progress=False)
    meta = json.loads((tmp_path / "metadata.json").read_text())
    assert meta["git_revision"] == "rev-b"
    assert [s["git_revision"] for s in meta["sessions"]] == ["rev-a", "rev-b"]


def test_results_of_another_design_are_never_mixed(tmp_path):
    run_experiment(tiny(), tmp_path, executor="serial", run_fn=fake_run, progress=False)
    with pytest.raises(ResultsError, match="different design"):
        run_experiment(tiny(steps=20), tmp_path, executor="serial", run_fn=fake_run)


def test_parts_missing_from_the_manifest_are_ignored_and_removed(tmp_path):
    exp = tiny(replicates=1)
    data = run_experiment(exp, tmp_path, executor="serial", run_fn=fake_run, progress=False)
    orphan = tmp_path / "parts" / "part-999999-0000.parquet"
    data.to_parquet(orphan)  # as if a crash struck between writing a part and the manifest
    pd.testing.assert_frame_equal(load_results(tmp_path), data)
    recorder = Recorder()
    run_experiment(tiny(replicates=2), tmp_path, executor="serial", run_fn=recorder,
                   progress=False)
    assert not orphan.exists() and len(recorder.seeds) == 6


def test_fewer_replicates_than_stored_is_refused_not_mixed(tmp_path):
    run_experiment(tiny(replicates=3), tmp_path, executor="serial", run_fn=fake_run, progress=False)
    with pytest.raises(ResultsError, match="more replicates"):
        run_experiment(tiny(replicates=2), tmp_path, executor="serial", run_fn=fake_run)
    assert len(stored_keys(tmp_path)) == 18  # nothing lost


def test_malformed_scheduler_address_fails_at_once(tmp_path):
    with pytest.raises(SchedulerError, match="not a Dask scheduler address"):
        run_experiment(tiny(), tmp_path, executor="dask", scheduler="notanaddress",
                       run_fn=fake_run)


def test_an_output_path_that_is_a_file_fails_before_any_run(tmp_path):
    path = tmp_path / "afile"
    path.write_text("")
    recorder = Recorder()
    with pytest.raises(OSError):
        run_experiment(tiny(), path, executor="serial", run_fn=recorder)
    assert recorder.seeds == []


def test_unreachable_scheduler_fails_before_any_run(tmp_path, monkeypatch):
    recorder = Recorder()
    with pytest.raises(SchedulerError, match="cannot reach the Dask scheduler at tcp://"):
        run_experiment(tiny(), tmp_path / "a", executor="dask", scheduler=UNREACHABLE,
                       run_fn=recorder, connect_timeout=0.5)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", UNREACHABLE)
    with pytest.raises(SchedulerError, match=UNREACHABLE):
        run_experiment(tiny(), tmp_path / "b", executor="dask", run_fn=recorder,
                       connect_timeout=0.5)
    assert recorder.seeds == [] and not (tmp_path / "a" / "parts").exists()


def test_unpicklable_run_function_fails_before_any_run(tmp_path):
    with pytest.raises(ValueError, match="top-level function"):
        run_experiment(tiny(), tmp_path, executor="processes",
                       run_fn=lambda p, s, n, r: fake_run(p, s, n, r))


def test_unknown_executor_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="executor='threads' is not allowed"):
        run_experiment(tiny(), tmp_path, executor="threads", run_fn=fake_run)


def test_batches_aim_at_the_target_duration_without_starving_workers():
    assert _auto_batch([], 100, 2, 2.0) == 1  # nothing measured yet
    assert _auto_batch([0.01] * 4, 1000, 2, 2.0) == 200
    assert _auto_batch([0.01] * 4, 100, 2, 2.0) == 50  # fair share of what is left
    assert _auto_batch([5.0], 100, 2, 2.0) == 1


def test_cli_sweep_bad_input_prints_one_line_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('question = "q"\n[factors]\nposting_rate = [1, 99]\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "posting_rate=99" in err and "bad.toml" in err
    assert not (tmp_path / "out").exists()


def test_cli_sweep_runs_the_real_model_end_to_end(tmp_path, capsys):
    path = tmp_path / "real.toml"
    path.write_text('question = "q"\nsteps = 4\nreplicates = 2\nrecord_every = 2\n'
                    'outcomes = ["mean_attachment", "wellbeing"]\n'
                    '[base]\nn_fans = 60\nn_creators = 5\n[factors]\nposting_rate = [0.5, 2]\n')
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--executor", "serial", "--out", str(out)]) == 0
    assert len(load_results(out)) == 2 * 2 * 3
    assert (out / "summary.md").exists()
    assert main(["sweep", str(path), "--executor", "serial", "--out", str(out),
                 "--steps", "5"]) == 2  # a different design in the same folder
    assert "different design" in capsys.readouterr().err


def test_a_local_dask_cluster_listens_on_loopback_only():
    import psutil

    from sim.executors import open_executor

    def listening() -> set[tuple[str, int]]:
        me = psutil.Process()
        return {(c.laddr.ip, c.laddr.port) for p in [me, *me.children(recursive=True)]
                for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN}

    before = listening()
    with open_executor("dask", workers=1) as (pool, slots):
        opened = listening() - before
        assert pool.submit(sum, [1, 2]).result() == 3
    assert len(opened) >= 3  # the scheduler, its dashboard, the worker (and its nanny)
    assert {ip for ip, _ in opened} == {"127.0.0.1"}


def test_a_folder_without_its_parts_is_rerun_from_the_seeds(tmp_path, caplog):
    """As a clone holds committed results: manifest, metadata and summaries, no parts."""
    import shutil

    exp = tiny()
    first = run_experiment(exp, tmp_path, executor="serial", run_fn=fake_run, progress=False)
    shutil.rmtree(tmp_path / "parts")
    with pytest.raises(ResultsError, match="regenerate it from the seeds"):
        load_results(tmp_path)
    again = run_experiment(exp, tmp_path, executor="serial", run_fn=fake_run, progress=False)
    pd.testing.assert_frame_equal(first, again)
    assert "every run is redone from its seed" in caplog.text
    assert stored_keys(tmp_path) == sorted(run.key for run in expand(exp))


PRECISE = TINY.replace("replicates = 3", 'replicates = "auto"') + """
[precision]
outcome = "mean_attachment"
half_width = {half}
min_replicates = 3
max_replicates = 12
"""


@pytest.mark.parametrize(("half", "met"), [(0.04, True), (0.0001, False)])
def test_auto_replicates_stop_at_the_goal_or_the_cap(tmp_path, half, met):
    from sim.runner import widest_half_width

    exp = tiny(PRECISE.format(half=half))
    assert exp.replicates == 3 and exp.precision.max_replicates == 12
    data = run_experiment(exp, tmp_path, executor="serial", run_fn=fake_run, progress=False)
    meta = json.loads((tmp_path / "metadata.json").read_text())
    result = meta["precision"]
    assert result["met"] is met and result["achieved"] == widest_half_width(data, "mean_attachment")
    n = data["replicate"].nunique()
    assert result["replicates"] == n == meta["experiment"]["replicates"]
    assert (n < 12) if met else (n == 12)
    assert met == (result["achieved"] <= half)
    again = run_experiment(exp, tmp_path, executor="serial", run_fn=fake_run, progress=False)
    pd.testing.assert_frame_equal(data, again)  # a rerun keeps the replicates it reached


def test_a_rerun_from_nothing_forgets_the_sessions_whose_runs_are_gone(tmp_path, monkeypatch):
    """A folder whose parts were removed (a clone: parts are not in git) is redone from the
    seeds; the summary must then name only the code that made the runs it holds."""
    import shutil

    from sim import provenance

    monkeypatch.setattr(provenance, "git_revision", lambda: "rev-a")
    run_experiment(tiny(replicates=2), tmp_path, executor="serial", run_fn=fake_run, progress=False)
    shutil.rmtree(tmp_path / "parts")
    monkeypatch.setattr(provenance, "git_revision", lambda: "rev-b")
    run_experiment(tiny(replicates=2), tmp_path, executor="serial", run_fn=fake_run, progress=False)
    meta = json.loads((tmp_path / "metadata.json").read_text())
    assert [s["git_revision"] for s in meta["sessions"]] == ["rev-b"]

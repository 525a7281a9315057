"""Sweeps under faults and concurrency: the folder's lock, damaged parts, signals, foreign files."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import threading

import pandas as pd
import pytest
from filelock import FileLock

from sim.cli import main
from sim.experiment import expand
from sim.runner import Interrupted, ResultsError, load_metadata, load_results, run_experiment
from sim.store import LOCK, FolderBusyError
from tests.fake_model import TINY, Recorder, SignalOn, fake_run, tiny


def sweep(out, exp=None, **kwargs):
    kwargs = {"run_fn": fake_run, "executor": "serial", "progress": False, **kwargs}
    return run_experiment(exp or tiny(), out, **kwargs)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """An uninterrupted sweep of the tiny study: what every recovery must reproduce."""
    return sweep(tmp_path_factory.mktemp("clean"))


def manifest(out) -> dict:
    return json.loads((out / "manifest.json").read_text())


def seeds_of(out, name) -> list[int]:
    keys = {tuple(k) for k in manifest(out)["parts"][name]["runs"]}
    return sorted(r.seed for r in expand(tiny()) if r.key in keys)


# --- one writer per folder -----------------------------------------------------------


def test_a_second_sweep_into_a_busy_folder_refuses_with_one_line(tmp_path):
    recorder = Recorder()
    with (FileLock(tmp_path / LOCK),  # another sweep holds the folder
          pytest.raises(FolderBusyError, match="in use by another sweep") as err):
        sweep(tmp_path, run_fn=recorder)
    assert "\n" not in str(err.value) and "--wait" in str(err.value)
    assert recorder.seeds == [] and not (tmp_path / "manifest.json").exists()


def test_a_second_sweep_can_wait_for_the_first(tmp_path, caplog, clean):
    waiting = threading.Event()

    class Signal(logging.Handler):
        def emit(self, record):
            if "waiting" in record.getMessage():
                waiting.set()

    handler = Signal()
    logging.getLogger("sim.store").addHandler(handler)
    held = threading.Event()

    def hold_until_the_sweep_waits():  # another sweep, finishing once this one waits
        with FileLock(tmp_path / LOCK):
            held.set()
            waiting.wait(60)

    thread = threading.Thread(target=hold_until_the_sweep_waits)
    thread.start()
    held.wait(60)
    try:
        data = sweep(tmp_path, wait=True)
    finally:
        thread.join()
        logging.getLogger("sim.store").removeHandler(handler)
    assert waiting.is_set()
    pd.testing.assert_frame_equal(data, clean)


def test_two_sweeps_at_once_store_every_run_once(tmp_path, clean):
    results, errors = [], []

    def one_sweep():
        try:
            results.append(sweep(tmp_path, wait=True))
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 2
    for data in results:
        pd.testing.assert_frame_equal(data, clean)
    meta = load_metadata(tmp_path)
    assert [s["status"] for s in meta["sessions"]] == ["complete"]  # the second had nothing to do
    assert meta["runs_done"] == meta["runs_total"] == 18


# --- files a sweep did not write ----------------------------------------------------


def test_a_folder_that_is_not_a_results_folder_is_refused_untouched(tmp_path, capsys):
    folder = tmp_path / "folder"
    (folder / "parts").mkdir(parents=True)
    mine = folder / "parts" / "part-000000-0000.parquet"
    mine.write_bytes(b"a user's own file")
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(ResultsError, match="not a results folder") as err:
        sweep(folder)
    assert "notes.txt" in str(err.value)
    study = tmp_path / "study.toml"
    study.write_text('question = "q"\nsteps = 2\nreplicates = 1\n[base]\nn_fans = 60\n')
    assert main(["sweep", str(study), "--executor", "serial", "--out", str(folder)]) == 2
    assert "not a results folder" in capsys.readouterr().err
    assert mine.read_bytes() == b"a user's own file"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "parts"]


def test_files_of_other_names_in_a_results_folder_are_kept(tmp_path, clean):
    sweep(tmp_path, tiny(replicates=2))
    own = [tmp_path / "parts" / "my-notes.parquet", tmp_path / "notes.txt"]
    for path in own:
        path.write_text("mine")
    pd.testing.assert_frame_equal(sweep(tmp_path), clean)
    assert all(path.read_text() == "mine" for path in own)


def test_a_folder_created_for_a_sweep_that_never_starts_is_removed(tmp_path):
    with pytest.raises(ValueError, match="executor='threads'"):
        sweep(tmp_path / "new", executor="threads")
    with pytest.raises(ConnectionError):
        sweep(tmp_path / "new", executor="dask", scheduler="tcp://127.0.0.1:9",
              connect_timeout=0.5)
    assert not (tmp_path / "new").exists()


# --- damaged, swapped and missing parts ------------------------------------------------


def test_a_damaged_part_is_set_aside_and_its_runs_redone(tmp_path, clean, caplog):
    sweep(tmp_path, batch_size=4)
    name = sorted(manifest(tmp_path)["parts"])[1]
    part = tmp_path / "parts" / name
    part.write_bytes(part.read_bytes()[:100])  # truncated, as by a full disk or a bad copy
    with pytest.raises(ResultsError, match=f"part {name} does not match its checksum"):
        load_results(tmp_path)
    lost = seeds_of(tmp_path, name)
    recorder = Recorder()
    caplog.set_level(logging.WARNING)
    data = sweep(tmp_path, run_fn=recorder)
    assert sorted(recorder.seeds) == lost  # only that part's runs
    assert f"part {name} does not match its checksum" in caplog.text
    assert "moved to set-aside" in caplog.text and (tmp_path / "set-aside" / name).exists()
    pd.testing.assert_frame_equal(data, clean)


def test_a_swapped_part_is_detected_not_mixed_in(tmp_path, clean, caplog):
    sweep(tmp_path, batch_size=4)
    first, second = sorted(manifest(tmp_path)["parts"])[:2]
    shutil.copy(tmp_path / "parts" / first, tmp_path / "parts" / second)
    with pytest.raises(ResultsError, match=f"part {second} does not match its checksum"):
        load_results(tmp_path)
    caplog.set_level(logging.WARNING)
    pd.testing.assert_frame_equal(sweep(tmp_path), clean)
    assert f"part {second}" in caplog.text


def test_parts_without_a_checksum_are_checked_by_their_run_keys(tmp_path, clean, caplog):
    """Folders written before checksums were recorded: a swap is still caught, by the keys."""
    sweep(tmp_path, batch_size=4)
    stored = manifest(tmp_path)
    for entry in stored["parts"].values():
        del entry["sha256"]
    (tmp_path / "manifest.json").write_text(json.dumps(stored))
    pd.testing.assert_frame_equal(load_results(tmp_path), clean)  # still readable
    first, second = sorted(stored["parts"])[:2]
    shutil.copy(tmp_path / "parts" / first, tmp_path / "parts" / second)
    with pytest.raises(ResultsError, match="holds other runs than the manifest lists"):
        load_results(tmp_path)
    caplog.set_level(logging.WARNING)
    pd.testing.assert_frame_equal(sweep(tmp_path), clean)
    assert all("sha256" in e for e in manifest(tmp_path)["parts"].values())  # recorded now


def test_a_missing_part_is_redone(tmp_path, clean, caplog):
    sweep(tmp_path, batch_size=4)
    name = sorted(manifest(tmp_path)["parts"])[0]
    (tmp_path / "parts" / name).unlink()
    caplog.set_level(logging.WARNING)
    pd.testing.assert_frame_equal(sweep(tmp_path), clean)
    assert f"part {name} is missing" in caplog.text


@pytest.mark.parametrize(("damage", "expected"), [
    (lambda text: text[: len(text) // 2], "not valid JSON"),
    (lambda text: "", "not valid JSON"),
    (lambda text: "[1, 2]", "a JSON list, not an object"),
    (lambda text: text.replace('"part-000000-0000.parquet"', '"../../outside.parquet"'),
     "part name '../../outside.parquet' is not allowed"),
])
def test_a_damaged_manifest_is_named_in_one_line(tmp_path, damage, expected):
    sweep(tmp_path, batch_size=4)
    path = tmp_path / "manifest.json"
    path.write_text(damage(path.read_text()))
    for attempt in (lambda: load_results(tmp_path), lambda: sweep(tmp_path)):
        with pytest.raises(ResultsError) as err:
            attempt()
        assert str(path) in str(err.value) and expected in str(err.value)
        assert "\n" not in str(err.value)


def test_an_empty_metadata_file_is_named_before_any_run(tmp_path, capsys):
    sweep(tmp_path, tiny(replicates=2))
    (tmp_path / "metadata.json").write_text("")
    recorder = Recorder()
    with pytest.raises(ResultsError, match="metadata.json is damaged"):
        sweep(tmp_path, run_fn=recorder)
    assert recorder.seeds == []
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "metadata.json is damaged (not valid JSON" in err and "\n" not in err


# --- names read from a folder stay inside it ------------------------------------------


def test_a_crafted_outcome_name_cannot_write_outside_the_folder(tmp_path, capsys):
    out = tmp_path / "deep" / "er" / "results"
    sweep(out)
    meta = json.loads((out / "metadata.json").read_text())
    meta["experiment"]["outcomes"] = ["x/../../../../pwned"]
    (out / "metadata.json").write_text(json.dumps(meta))
    assert main(["plot", str(out)]) == 2
    assert "is not allowed: it must be a plain file name" in capsys.readouterr().err
    assert not list(tmp_path.rglob("pwned*"))


# --- signals -------------------------------------------------------------------------


@pytest.mark.parametrize(("signals", "status", "code"), [
    ((signal.SIGINT,), "interrupted", 130),
    ((signal.SIGINT, signal.SIGINT), "stopped", 130),
    ((signal.SIGTERM,), "terminated", 143),
])
def test_signals_stop_the_sweep_and_keep_what_finished(tmp_path, clean, signals, status, code):
    """One Ctrl-C finishes the batch in progress; a second, or SIGTERM, drops it at once."""
    runs = expand(tiny())
    target = runs[5]  # in the third batch of two
    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(Interrupted) as err:
        sweep(tmp_path, run_fn=SignalOn(target.seed, *signals), batch_size=2)
    assert signal.getsignal(signal.SIGINT) is previous  # handlers restored
    assert err.value.status == status and err.value.exit_code == code
    stored = sorted(tuple(k) for p in manifest(tmp_path)["parts"].values() for k in p["runs"])
    finished = 6 if status == "interrupted" else 4  # the third batch kept, or dropped
    assert stored == [r.key for r in runs[:finished]]
    assert load_metadata(tmp_path)["sessions"][-1]["status"] == status
    pd.testing.assert_frame_equal(sweep(tmp_path), clean)  # resumes to the same data


def test_a_killed_session_is_marked_dead_by_the_next(tmp_path):
    sweep(tmp_path, tiny(replicates=2))
    meta = json.loads((tmp_path / "metadata.json").read_text())
    meta["sessions"][-1]["status"] = "running"  # as SIGKILL leaves it
    (tmp_path / "metadata.json").write_text(json.dumps(meta))
    sweep(tmp_path)
    statuses = [s["status"] for s in load_metadata(tmp_path)["sessions"]]
    assert statuses[0].startswith("died") and statuses[1] == "complete"


def test_provenance_names_the_libraries(tmp_path):
    sweep(tmp_path, tiny(TINY.replace("replicates = 3", "replicates = 1")))
    meta = load_metadata(tmp_path)
    assert set(meta["versions"]) >= {"python", "mesa", "numpy", "pandas", "pyarrow", "dask"}
    assert all(meta["versions"].values())
    assert meta["sessions"][0]["versions"] == meta["versions"]

"""Execute an experiment's runs on any ``concurrent.futures`` executor, resumably.

Runs are grouped into batches so each task lasts a second or more (Dask costs
about 10 ms per task); workers return tidy data frames, never model objects.
Each finished batch is written at once as a checksummed part and then recorded
in the manifest (both replaced atomically; see :mod:`sim.store` for the folder's
layout), so an interrupted or failed sweep loses nothing finished and a re-run
executes only the runs the manifest lacks. Seeds come from the experiment, not
from the order of completion, so serial, process-pool and Dask runs store
identical data.

A sweep holds the results folder's lock while it runs (a second sweep into the
same folder refuses, or waits with ``wait=True``). The first Ctrl-C lets the
running batches finish and stores them, a second or SIGTERM stops at once
(:mod:`sim.stopping`); no worker outlives its sweep (:mod:`sim.executors`).
"""

from __future__ import annotations

import json
import math
import pickle
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from sim import provenance
from sim.executors import EXECUTORS, SchedulerError, open_executor
from sim.experiment import Experiment, Run, expand
from sim.params import PARAM_FIELDS
from sim.stopping import Interrupted, Stopper, log
from sim.store import (
    MANIFEST,
    METADATA,
    ResultsError,
    Store,
    atomic_write,
    load_metadata,
    load_results,
    locked,
    read_json,
    read_manifest,
)

__all__ = ["EXECUTORS", "Interrupted", "ResultsError", "RunError", "SchedulerError",
           "load_metadata", "load_results", "run_experiment"]
RunFn = Callable[[dict, int, int, int], pd.DataFrame]


class RunError(RuntimeError):
    """A run raised; finished batches are stored and a re-run resumes after a fix."""


@dataclass(frozen=True)
class Failure:
    """What went wrong in one run, in picklable form."""

    run: Run
    error: str
    traceback: str


@dataclass(frozen=True)
class BatchResult:
    """A batch's tidy rows, the seconds each finished run took, and a failure if one raised."""

    frame: pd.DataFrame
    keys: list[tuple[int, int]]
    seconds: list[float]
    failure: Failure | None


# --- the task ------------------------------------------------------------


def run_batch(run_fn: RunFn, runs: list[Run], steps: int, record_every: int,
              outcomes: tuple[str, ...]) -> BatchResult:
    """Run a batch in a worker; stop at the first failing run and report it with the rest."""
    frames, keys, seconds = [], [], []
    for run in runs:
        started = time.perf_counter()
        try:
            frames.append(tidy(run_fn(dict(run.params), run.seed, steps, record_every), run,
                               outcomes))
        except Exception as err:  # reported to the parent, which re-raises with the params
            failure = Failure(run, f"{type(err).__name__}: {err}", traceback.format_exc())
            break
        keys.append(run.key)
        seconds.append(time.perf_counter() - started)
    else:
        failure = None
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return BatchResult(frame, keys, seconds, failure)


def tidy(frame: Any, run: Run, outcomes: tuple[str, ...]) -> pd.DataFrame:
    """Prefix a run's time series with its keys and factor values (BehaviorSpace-style rows)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"the run function returned {type(frame).__name__}, not a DataFrame")
    missing = [c for c in ("step", *outcomes) if c not in frame.columns]
    if missing:
        raise ValueError(f"the run function's data lack the column(s) {', '.join(missing)}")
    keys = {"condition": run.condition, "replicate": run.replicate, "seed": run.seed,
            **run.factors}
    clash = sorted(set(keys) & set(frame.columns))
    if clash:
        raise ValueError(f"the run function's columns {clash} clash with key or factor names")
    head = pd.DataFrame({k: [v] * len(frame) for k, v in keys.items()})
    return pd.concat([head, frame.reset_index(drop=True)], axis=1)


# --- the runner ----------------------------------------------------------


def run_experiment(exp: Experiment, out_dir: str | Path, executor: str | Executor = "processes",
                   workers: int | None = None, scheduler: str | None = None,
                   run_fn: RunFn | None = None, progress: bool = True,
                   batch_size: int | None = None, task_seconds: float = 2.0,
                   connect_timeout: float = 5.0, wait: bool = False,
                   cluster_options: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run every missing run of ``exp``, storing results under ``out_dir``; return them all.

    An experiment with a precision goal (``replicates = "auto"``) runs its first
    replicates, then adds more until the goal is met or the cap is reached
    (:func:`run_to_precision`); ``metadata.json`` records which.

    Args:
        exp: the validated experiment.
        out_dir: results folder: new, empty, or one holding this experiment's results
            (resumed). Any other non-empty folder is refused: a sweep deletes or
            overwrites nothing it did not write.
        executor: "processes" (default), "serial", "dask" or a ready Executor.
        workers: parallel workers (default: all cores).
        scheduler: Dask scheduler address (implies nothing unless executor is "dask").
        run_fn: ``run_fn(params, seed, steps, record_every) -> DataFrame``; a top-level
            function for process and Dask executors. Default: ``sim.simulate.run_scenario``.
        progress: show a progress bar with ETA over runs.
        batch_size: runs per task; default adapts so a task lasts about ``task_seconds``.
        task_seconds: target task duration of the adaptive batching.
        connect_timeout: seconds to wait for a remote Dask scheduler.
        wait: if another sweep is writing to ``out_dir``, wait for it rather than refuse.
        cluster_options: keyword arguments for a local Dask cluster (it listens on
            127.0.0.1 unless these say otherwise).

    Returns:
        All stored results (:func:`load_results`).

    Raises:
        ResultsError: ``out_dir`` holds results of a different design, is not a results
            folder, is damaged, or is in use by another sweep (``FolderBusyError``).
        SchedulerError: the Dask scheduler is unreachable (before any run).
        RunError: a run raised; names its params and seed, after storing finished batches.
        Interrupted: Ctrl-C or SIGTERM stopped the sweep; finished batches are stored.
    """
    _check_arguments(exp, executor, workers, run_fn, batch_size, task_seconds,
                     connect_timeout)
    options = dict(executor=executor, workers=workers, scheduler=scheduler, run_fn=run_fn,
                   progress=progress, batch_size=batch_size, task_seconds=task_seconds,
                   connect_timeout=connect_timeout, wait=wait, cluster_options=cluster_options)
    if exp.precision is not None:
        return run_to_precision(exp, Path(out_dir), **options)
    return _run_all(exp, out_dir, **options)


def run_to_precision(exp: Experiment, out: Path, **options) -> pd.DataFrame:
    """Add replicates until the headline outcome is as precise as asked, or the cap.

    Each round predicts the replicates the goal needs from the widest half-width so
    far (it shrinks as 1/sqrt(n)); seeds do not depend on the count, so a round only
    adds runs. Starts from the replicates already stored, so a rerun redoes as many.
    """
    goal = exp.precision
    n = max(goal.min_replicates, _stored_replicates(out))
    while True:
        data = _run_all(replace(exp, replicates=n, precision=None), out, **options)
        half = widest_half_width(data, goal.outcome)
        if half <= goal.half_width or n >= goal.max_replicates:
            break
        n = min(goal.max_replicates, max(n + 1, math.ceil(n * (half / goal.half_width) ** 2)))
    result = {"outcome": goal.outcome, "half_width": goal.half_width, "achieved": half,
              "replicates": n, "max_replicates": goal.max_replicates,
              "met": bool(half <= goal.half_width)}
    with locked(out, options["wait"]):
        meta = read_json(out / METADATA)
        meta["precision"] = result
        text = json.dumps(meta, indent=1)
        atomic_write(out / METADATA, lambda tmp: tmp.write_text(text))
    if not result["met"]:
        log.warning("%s: precision goal not met: %s's widest 95 %% half-width is %.3g after the "
                    "cap of %d replicates (goal %.3g)", exp.name, goal.outcome, half, n,
                    goal.half_width)
    return data


def widest_half_width(data: pd.DataFrame, outcome: str) -> float:
    """The widest 95 % t half-width of the outcome's final-day mean over the conditions."""
    last = data[data["step"] == data.groupby("condition")["step"].transform("max")]
    values = last.groupby("condition")[outcome]
    n = values.count()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.975, n - 1) * values.std() / np.sqrt(n)
    return float(half.fillna(np.inf).max())


def _stored_replicates(out: Path) -> int:
    """Replicates per condition in the folder's manifest (0 if none)."""
    if not (out / MANIFEST).is_file():
        return 0
    parts = read_manifest(out)["parts"].values()
    return 1 + max((k[1] for part in parts for k in part["runs"]), default=-1)


def _run_all(exp: Experiment, out_dir: str | Path, executor, workers, scheduler, run_fn,
             progress, batch_size, task_seconds, connect_timeout, wait,
             cluster_options) -> pd.DataFrame:
    """Run every missing run of a fixed number of replicates; see :func:`run_experiment`."""
    if run_fn is None:
        from sim.simulate import run_scenario as run_fn
    if not isinstance(executor, Executor) and executor != "serial":
        _check_picklable(run_fn, executor)
    out = Path(out_dir)
    runs = expand(exp)
    with locked(out, wait):
        store = Store(out, exp.fingerprint())
        meta = _Metadata(out, exp, runs, executor, workers)
        extra = store.done - {run.key for run in runs}
        if extra:
            raise ResultsError(
                f"{out} holds {len(extra)} run(s) this design does not have (e.g. condition, "
                f"replicate {sorted(extra)[0]}): it was run with more replicates; ask for at "
                "least as many, or choose another output folder")
        todo = [run for run in runs if run.key not in store.done]
        if not todo:
            store.open()
            meta.write(store, status=None)
            return load_results(out)
        with Stopper() as stopper, open_executor(executor, workers, scheduler, connect_timeout,
                                                 cluster_options) as (pool, slots):
            with stopper.deferred():
                store.open()
                meta.write(store, status="running")
            started, status = time.perf_counter(), "interrupted"
            with tqdm(total=len(todo), desc=exp.name, unit="run", disable=not progress,
                      dynamic_ncols=True) as bar:
                try:
                    failure = _drive(pool, slots, exp, todo, run_fn, store, bar, batch_size,
                                     task_seconds, stopper)
                    status = ("failed" if failure else
                              "interrupted" if stopper.finishing else "complete")
                except Interrupted as err:
                    status = err.status
                    raise
                except Exception as err:
                    status = f"error: {type(err).__name__}"
                    raise
                finally:
                    with stopper.deferred():
                        meta.write(store, status=status, seconds=time.perf_counter() - started)
        if failure:
            raise _run_error(failure, out, len(store.done))
        if stopper.finishing:
            raise stopper.finished()
        return load_results(out)


def _drive(pool: Executor, slots: int, exp: Experiment, todo: list[Run], run_fn: RunFn,
           store: Store, bar, batch_size: int | None, task_seconds: float,
           stopper: Stopper) -> Failure | None:
    """Keep every worker busy with batches; store each as it finishes; stop at a failure.

    After a first Ctrl-C nothing new is submitted and the running batches are stored.
    """
    pending, in_flight = deque(todo), set()
    timings: list[float] = []
    failure = None
    while True:
        while pending and len(in_flight) < 2 * slots and failure is None and not stopper.finishing:
            size = batch_size or _auto_batch(timings, len(pending), slots, task_seconds)
            batch = [pending.popleft() for _ in range(min(size, len(pending)))]
            in_flight.add(pool.submit(run_batch, run_fn, batch, exp.steps, exp.record_every,
                                      exp.outcomes))
        if not in_flight:
            return failure
        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            try:
                result = future.result()
            except Exception as err:
                if not stopper.finishing:
                    raise
                # e.g. Dask workers that took the terminal's Ctrl-C: these runs are redone
                log.warning("a batch was lost to the interrupt (%s); its runs will be redone",
                            type(err).__name__)
                continue
            if result.keys:
                with stopper.deferred():
                    store.add(result.frame, result.keys, result.seconds)
                timings.extend(result.seconds)
                bar.update(len(result.keys))
            if result.failure and failure is None:
                failure = result.failure
                pending.clear()


def _check_arguments(exp, executor, workers, run_fn, batch_size, task_seconds,
                     connect_timeout) -> None:
    """Each bad argument fails here, before the folder is touched, in one line."""
    if not isinstance(exp, Experiment):
        raise TypeError(f"exp={exp!r} is not allowed: pass an Experiment from "
                        "sim.load_experiment or sim.parse_experiment")
    if not isinstance(executor, Executor) and executor not in EXECUTORS:
        raise ValueError(f"executor={executor!r} is not allowed: choose one of "
                         f"{', '.join(EXECUTORS)} or pass a concurrent.futures.Executor")
    if run_fn is not None and not callable(run_fn):
        raise TypeError(f"run_fn={run_fn!r} is not allowed: it must be a function "
                        "run_fn(params, seed, steps, record_every) -> DataFrame")
    for name, value in (("workers", workers), ("batch_size", batch_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{name}={value!r} is not allowed: must be a whole number >= 1 "
                             "(or None for the default)")
    for name, value in (("task_seconds", task_seconds), ("connect_timeout", connect_timeout)):
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or value <= 0):
            raise ValueError(f"{name}={value!r} is not allowed: must be a number of seconds > 0")


def _auto_batch(timings: list[float], remaining: int, slots: int, target: float) -> int:
    """Runs per task: about ``target`` seconds of work, but never starving a worker."""
    if not timings:
        return 1
    per_run = max(sum(timings) / len(timings), 1e-6)
    fair_share = math.ceil(remaining / slots)
    return max(1, min(math.ceil(target / per_run), fair_share))


def _check_picklable(run_fn: RunFn, executor: str) -> None:
    try:
        pickle.dumps(run_fn)
    except Exception as err:
        raise ValueError(f"run_fn {run_fn!r} cannot be sent to {executor!r} workers ({err}); "
                         "use a top-level function of an importable module") from None


def _run_error(failure: Failure, out: Path, finished: int) -> RunError:
    (out / "errors.log").write_text(
        f"condition {failure.run.condition}, replicate {failure.run.replicate}, "
        f"seed {failure.run.seed}\nparams {dict(failure.run.params)}\n\n{failure.traceback}")
    return RunError(
        f"run failed (condition {failure.run.condition}, replicate {failure.run.replicate}, "
        f"seed={failure.run.seed}, params {dict(failure.run.params)}): {failure.error}; "
        f"{finished} finished runs are stored in {out} (traceback in {out / 'errors.log'}); "
        "re-run to resume")


# --- provenance ----------------------------------------------------------


class _Metadata:
    """metadata.json: what was run, with what code and libraries, and how long it took.

    Read once, under the folder's lock, before any run (a damaged file fails then).
    """

    def __init__(self, out: Path, exp: Experiment, runs: list[Run], executor: str | Executor,
                 workers: int | None):
        self.path = out / METADATA
        self.old = read_json(self.path) if self.path.exists() else {}
        self.sessions = list(self.old.get("sessions", []))
        for session in self.sessions:  # this sweep holds the lock: no other is running
            if session.get("status") == "running":
                session["status"] = "died (killed, or the machine stopped)"
        self.exp, self.runs, self.executor, self.workers = exp, runs, executor, workers

    def write(self, store: Store, status: str | None, seconds: float | None = None) -> None:
        """``status`` "running" opens a session entry, another status closes it, None
        (nothing left to run) only refreshes the experiment's description."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        code = {"package_version": provenance.package_version(),
                "git_revision": provenance.git_revision(),
                "versions": provenance.environment()}
        if status is None and self.old:  # nothing ran: the stored runs keep the code that made them
            code = {k: self.old.get(k) for k in code}
        if status == "running":
            if not store.done:  # nothing stored is left from earlier sessions: they made no run here
                self.sessions = []
            self.sessions.append({"started": now, "executor": _executor_name(self.executor),
                                  "workers": self.workers, "status": status, **code})
        elif status is not None:
            self.sessions[-1].update(finished=now, status=status,
                                     wall_seconds=round(seconds or 0.0, 2))
        exp, run_seconds = self.exp, store.run_seconds()
        meta = {
            "experiment": exp.to_dict(),
            "experiment_file": exp.text,
            "fingerprint": exp.fingerprint(),
            "root_seed": exp.seed,
            **code,
            "parameters": {name: _param_info(name) for name in exp.varied},
            "outcomes": {k: list(v) for k, v in exp.outcome_info.items()},
            "runs_total": len(self.runs),
            "runs_done": len(store.done),
            "run_seconds_total": round(sum(run_seconds.values()), 2),
            "sessions": self.sessions,
            "runs": [{"condition": r.condition, "replicate": r.replicate, "seed": r.seed,
                      "seconds": run_seconds.get(r.key)} for r in self.runs],
        }
        text = json.dumps(meta, indent=1)
        atomic_write(self.path, lambda tmp: tmp.write_text(text))


def _executor_name(executor: str | Executor) -> str:
    return executor if isinstance(executor, str) else type(executor).__name__


def _param_info(name: str) -> dict[str, str]:
    if name == "preset":
        return {"unit": "name", "doc": "parameter preset"}
    meta: Mapping = PARAM_FIELDS[name].metadata
    return {"unit": meta["unit"], "doc": meta["doc"]}

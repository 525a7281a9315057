"""Execute an experiment's runs on any ``concurrent.futures`` executor, resumably.

Runs are grouped into batches so each task lasts a second or more (Dask costs
about 10 ms per task); workers return tidy data frames, never model objects.
Each finished batch is written at once as ``parts/part-<batch>.parquet`` and
then recorded in ``manifest.json`` (replaced atomically), so an interrupted
or failed sweep loses nothing finished and a re-run executes only the runs the
manifest lacks. Seeds come from the experiment, not from the order of
completion, so serial, process-pool and Dask runs store identical data.

Layout of a results folder::

    manifest.json     fingerprint of the design; parts and the runs each holds
    metadata.json     experiment file, versions, seeds, timings, sessions
    parts/*.parquet   tidy long data: condition, replicate, seed, factors, step, outcomes
    errors.log        full traceback of a failed run, if any
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import platform
import subprocess
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from sim.experiment import Experiment, Run, expand
from sim.params import PARAM_FIELDS

EXECUTORS = ("processes", "serial", "dask")
RunFn = Callable[[dict, int, int, int], pd.DataFrame]


class RunError(RuntimeError):
    """A run raised; finished batches are stored and a re-run resumes after a fix."""


class SchedulerError(ConnectionError):
    """The Dask scheduler cannot be reached; raised before any run starts."""


class ResultsError(ValueError):
    """A results folder that is missing, incomplete or from another experiment."""


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


# --- executors -----------------------------------------------------------


class SerialExecutor(Executor):
    """Runs each task at submission, in this process: for debugging and tiny sweeps."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
        return future


@contextmanager
def open_executor(executor: str | Executor = "processes", workers: int | None = None,
                  scheduler: str | None = None,
                  connect_timeout: float = 5.0) -> Iterator[tuple[Executor, int]]:
    """Open an executor and say how many tasks it runs at once.

    Args:
        executor: "serial", "processes" (all cores unless ``workers``), "dask",
            or any ready ``concurrent.futures.Executor`` (left open).
        workers: process count, or local Dask workers.
        scheduler: Dask scheduler address; defaults to ``$DASK_SCHEDULER_ADDRESS``,
            and without either "dask" starts a local cluster.
        connect_timeout: seconds to wait for a remote scheduler.

    Raises:
        SchedulerError: the scheduler does not answer within ``connect_timeout``.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers={workers} is not allowed: must be >= 1")
    if isinstance(executor, Executor):
        yield executor, workers or os.cpu_count() or 1
        return
    if executor == "serial":
        yield SerialExecutor(), 1
    elif executor == "processes":
        # forkserver: safe with threads in the parent (fork is not); preloading the model
        # once in the server spares every worker its imports.
        count = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.runner", "sim.simulate"])
        pool = ProcessPoolExecutor(count, mp_context=context)
        try:
            yield pool, count
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif executor == "dask":
        with _dask_client(workers, scheduler, connect_timeout) as client:
            pool = client.get_executor(pure=False)
            try:
                yield pool, max(1, sum(client.nthreads().values()))
            finally:
                pool.shutdown(wait=True)
    else:
        raise ValueError(f"executor={executor!r} is not allowed: choose one of "
                         f"{', '.join(EXECUTORS)} or pass a concurrent.futures.Executor")


@contextmanager
def _dask_client(workers: int | None, scheduler: str | None, connect_timeout: float):
    from dask.distributed import Client

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        _check_address(address)
        try:
            client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:  # ValueError: a malformed address
            raise SchedulerError(
                f"cannot reach the Dask scheduler at {address} within {connect_timeout:g} s "
                f"({type(err).__name__}); start it with `dask scheduler` or fix the address"
                ) from None
    else:  # a local cluster: one single-threaded worker per core (the model holds the GIL)
        client = Client(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                        set_as_default=False)
    try:
        yield client
    finally:
        client.close()


def _check_address(address: str) -> None:
    """A malformed address fails at once (a Client would wait, then print a traceback on exit)."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except (ValueError, TypeError) as err:
        raise SchedulerError(f"scheduler={address!r} is not a Dask scheduler address ({err}); "
                             "expected tcp://host:port") from None


# --- the runner ----------------------------------------------------------


def run_experiment(exp: Experiment, out_dir: str | Path, executor: str | Executor = "processes",
                   workers: int | None = None, scheduler: str | None = None,
                   run_fn: RunFn | None = None, progress: bool = True,
                   batch_size: int | None = None, task_seconds: float = 2.0,
                   connect_timeout: float = 5.0) -> pd.DataFrame:
    """Run every missing run of ``exp``, storing results under ``out_dir``; return them all.

    Args:
        exp: the validated experiment.
        out_dir: results folder; created, or resumed if it holds this experiment.
        executor: "processes" (default), "serial", "dask" or a ready Executor.
        workers: parallel workers (default: all cores).
        scheduler: Dask scheduler address (implies nothing unless executor is "dask").
        run_fn: ``run_fn(params, seed, steps, record_every) -> DataFrame``; a top-level
            function for process and Dask executors. Default: ``sim.simulate.run_scenario``.
        progress: show a progress bar with ETA over runs.
        batch_size: runs per task; default adapts so a task lasts about ``task_seconds``.
        task_seconds: target task duration of the adaptive batching.
        connect_timeout: seconds to wait for a remote Dask scheduler.

    Returns:
        All stored results (:func:`load_results`).

    Raises:
        ResultsError: ``out_dir`` holds results of a different design.
        SchedulerError: the Dask scheduler is unreachable (before any run).
        RunError: a run raised; names its params and seed, after storing finished batches.
    """
    if run_fn is None:
        from sim.simulate import run_scenario as run_fn
    out = Path(out_dir)
    store = _Store(out, exp.fingerprint())
    runs = expand(exp)
    extra = store.done - {run.key for run in runs}
    if extra:
        raise ResultsError(
            f"{out} holds {len(extra)} run(s) this design does not have (e.g. condition, "
            f"replicate {sorted(extra)[0]}): it was run with more replicates; ask for at least "
            "as many, or choose another output folder")
    todo = [run for run in runs if run.key not in store.done]
    if not todo:
        store.open()
        _write_metadata(out, exp, runs, store, executor, workers, status=None)
        return load_results(out)
    if not isinstance(executor, Executor) and executor != "serial":
        _check_picklable(run_fn, executor)
    _check_folder(out)

    with open_executor(executor, workers, scheduler, connect_timeout) as (pool, slots):
        store.open()
        _write_metadata(out, exp, runs, store, executor, workers, status="running")
        started, status = time.perf_counter(), "interrupted"
        with tqdm(total=len(todo), desc=exp.name, unit="run", disable=not progress,
                  dynamic_ncols=True) as bar:
            try:
                failure = _drive(pool, slots, exp, todo, run_fn, store, bar, batch_size,
                                 task_seconds)
                status = "failed" if failure else "complete"
            except Exception as err:
                status = f"error: {type(err).__name__}"
                raise
            finally:
                _write_metadata(out, exp, runs, store, executor, workers, status=status,
                                seconds=time.perf_counter() - started)
    if failure:
        raise _run_error(failure, out, len(store.done))
    return load_results(out)


def _drive(pool: Executor, slots: int, exp: Experiment, todo: list[Run], run_fn: RunFn,
           store: _Store, bar, batch_size: int | None, task_seconds: float) -> Failure | None:
    """Keep every worker busy with batches; store each as it finishes; stop at a failure."""
    pending, in_flight = deque(todo), set()
    timings: list[float] = []
    failure = None
    while pending or in_flight:
        while pending and len(in_flight) < 2 * slots and failure is None:
            size = batch_size or _auto_batch(timings, len(pending), slots, task_seconds)
            batch = [pending.popleft() for _ in range(min(size, len(pending)))]
            in_flight.add(pool.submit(run_batch, run_fn, batch, exp.steps, exp.record_every,
                                      exp.outcomes))
        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            result = future.result()
            if result.keys:
                store.add(result)
                timings.extend(result.seconds)
                bar.update(len(result.keys))
            if result.failure and failure is None:
                failure = result.failure
                pending.clear()
    return failure


def _check_folder(out: Path) -> None:
    """Fail before any run if ``out`` cannot become a results folder (nothing is created)."""
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(f"cannot use {out} as a results folder: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot use {out} as a results folder: {probe} is not writable")


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


# --- storage -------------------------------------------------------------


class _Store:
    """The parts folder and the manifest listing which runs each part holds."""

    def __init__(self, out: Path, fingerprint: str):
        self.out, self.parts = out, out / "parts"
        self.manifest_path = out / "manifest.json"
        if self.manifest_path.exists():
            self.manifest = json.loads(self.manifest_path.read_text())
            if self.manifest["fingerprint"] != fingerprint:
                raise ResultsError(
                    f"{out} holds results of a different design (fingerprint "
                    f"{self.manifest['fingerprint']}, this experiment {fingerprint}); "
                    "choose another output folder or delete it")
        else:
            self.manifest = {"fingerprint": fingerprint, "parts": {}}
        self.done = {tuple(key) for part in self.manifest["parts"].values()
                     for key in part["runs"]}

    def open(self) -> None:
        """Create the folders and drop stale parts; called once runs are about to start."""
        self.parts.mkdir(parents=True, exist_ok=True)
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Parts written by a session that died before recording them; their runs re-run."""
        for path in self.parts.glob("*.parquet"):
            if path.name not in self.manifest["parts"]:
                path.unlink()

    def add(self, result: BatchResult) -> None:
        condition, replicate = result.keys[0]
        name = f"part-{condition:06d}-{replicate:04d}.parquet"
        _atomic(self.parts / name, lambda tmp: result.frame.to_parquet(tmp, index=False))
        self.manifest["parts"][name] = {"runs": [list(k) for k in result.keys],
                                        "seconds": [round(s, 4) for s in result.seconds]}
        _atomic(self.manifest_path,
                lambda tmp: tmp.write_text(json.dumps(self.manifest)))
        self.done.update(result.keys)


def _atomic(path: Path, write: Callable[[Path], Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def load_results(out_dir: str | Path) -> pd.DataFrame:
    """All stored runs as one tidy frame, sorted by condition, replicate and step.

    Only parts recorded in the manifest are read, so a part left half-done by a
    crash never appears twice.
    """
    out = Path(out_dir)
    manifest_path = out / "manifest.json"
    if not manifest_path.exists():
        raise ResultsError(f"{out} holds no results (no manifest.json); run a sweep first")
    parts = json.loads(manifest_path.read_text())["parts"]
    if not parts:
        raise ResultsError(f"{out} holds no finished runs yet")
    frame = pd.concat([pd.read_parquet(out / "parts" / name) for name in sorted(parts)],
                      ignore_index=True)
    return frame.sort_values(["condition", "replicate", "step"], ignore_index=True)


def load_metadata(out_dir: str | Path) -> dict[str, Any]:
    """The results folder's metadata.json."""
    path = Path(out_dir) / "metadata.json"
    if not path.exists():
        raise ResultsError(f"{Path(out_dir)} holds no metadata.json; run a sweep first")
    return json.loads(path.read_text())


# --- provenance ----------------------------------------------------------


def _write_metadata(out: Path, exp: Experiment, runs: list[Run], store: _Store,
                    executor: str | Executor, workers: int | None, status: str | None,
                    seconds: float | None = None) -> None:
    """Record what was run, with what, and how long it took.

    ``status`` "running" opens a session entry, another status closes it, None
    (nothing left to run) only refreshes the experiment's description.
    """
    path = out / "metadata.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    sessions = old.get("sessions", [])
    now = datetime.now(UTC).isoformat(timespec="seconds")
    provenance = {"package_version": _package_version(), "git_revision": _git_revision(),
                  "python": platform.python_version()}
    if status is None and old:  # nothing ran: the stored runs keep the code that made them
        provenance = {k: old.get(k, v) for k, v in provenance.items()}
    if status == "running":
        sessions.append({"started": now, "executor": _executor_name(executor),
                         "workers": workers, "status": status, **provenance})
    elif status is not None:
        sessions[-1].update(finished=now, status=status, wall_seconds=round(seconds or 0.0, 2))
    run_seconds = {tuple(k): s for part in store.manifest["parts"].values()
                   for k, s in zip(part["runs"], part["seconds"], strict=True)}
    meta = {
        "experiment": exp.to_dict(),
        "experiment_file": exp.text,
        "fingerprint": exp.fingerprint(),
        "root_seed": exp.seed,
        **provenance,
        "parameters": {name: _param_info(name) for name in exp.varied},
        "outcomes": {k: list(v) for k, v in exp.outcome_info.items()},
        "runs_total": len(runs),
        "runs_done": len(store.done),
        "run_seconds_total": round(sum(run_seconds.values()), 2),
        "sessions": sessions,
        "runs": [{"condition": r.condition, "replicate": r.replicate, "seed": r.seed,
                  "seconds": run_seconds.get(r.key)} for r in runs],
    }
    _atomic(path, lambda tmp: tmp.write_text(json.dumps(meta, indent=1)))


def _executor_name(executor: str | Executor) -> str:
    return executor if isinstance(executor, str) else type(executor).__name__


def _param_info(name: str) -> dict[str, str]:
    if name == "preset":
        return {"unit": "name", "doc": "parameter preset"}
    meta: Mapping = PARAM_FIELDS[name].metadata
    return {"unit": meta["unit"], "doc": meta["doc"]}


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("parasocial-sim")
    except PackageNotFoundError:
        import sim
        return sim.__version__


def _git_revision(where: Path | None = None) -> str | None:
    """HEAD of the source tree, marked "-dirty" when tracked files other than results differ.

    ``results/`` is left out: a sweep rewriting committed results is output, not code.
    """
    where = where or Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ":(top)", ":(top,exclude)results"],
                               cwd=where, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if dirty.strip() else "")

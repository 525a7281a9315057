"""Where runs execute: in this process, a local process pool, or a Dask cluster.

Every executor is a ``concurrent.futures.Executor``, so one runner serves all.
A process pool's workers leave Ctrl-C to the main process (a terminal sends it
to the whole process group) and exit as soon as the main process is gone, even
when it was killed outright; a sweep that stops at once kills its workers.
A local Dask cluster listens on 127.0.0.1 unless ``cluster_options`` say otherwise.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

EXECUTORS = ("processes", "serial", "dask")
LOOPBACK = "127.0.0.1"


class SchedulerError(ConnectionError):
    """The Dask scheduler cannot be reached; raised before any run starts."""


class SerialExecutor(Executor):
    """Runs each task at submission, in this process: for debugging and tiny sweeps.

    A task's error is kept in its future; Ctrl-C and SystemExit propagate at once.
    """

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:
            future.set_exception(err)
        return future


@contextmanager
def open_executor(executor: str | Executor = "processes", workers: int | None = None,
                  scheduler: str | None = None, connect_timeout: float = 5.0,
                  cluster_options: Mapping[str, Any] | None = None
                  ) -> Iterator[tuple[Executor, int]]:
    """Open an executor and say how many tasks it runs at once.

    Leaving the block normally waits for submitted tasks; leaving it on an
    exception (a stop at once, a failed write) drops them and kills the workers.

    Args:
        executor: "serial", "processes" (all cores unless ``workers``), "dask",
            or any ready ``concurrent.futures.Executor`` (left open).
        workers: process count, or local Dask workers.
        scheduler: Dask scheduler address; defaults to ``$DASK_SCHEDULER_ADDRESS``,
            and without either "dask" starts a local cluster.
        connect_timeout: seconds to wait for a remote scheduler.
        cluster_options: keyword arguments for a local Dask cluster, e.g.
            ``{"host": "0.0.0.0"}`` to accept outside connections (default: loopback only).

    Raises:
        SchedulerError: the scheduler does not answer within ``connect_timeout``.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers={workers!r} is not allowed: must be a whole number >= 1")
    if isinstance(executor, Executor):
        yield executor, workers or os.cpu_count() or 1
    elif executor == "serial":
        yield SerialExecutor(), 1
    elif executor == "processes":
        count = workers or os.cpu_count() or 1
        with _process_pool(count) as pool:
            yield pool, count
    elif executor == "dask":
        with _dask_client(workers, scheduler, connect_timeout, cluster_options) as client:
            pool = client.get_executor(pure=False)
            try:
                yield pool, max(1, sum(client.nthreads().values()))
            except BaseException:
                pool.shutdown(wait=False)  # closing the client then stops a local cluster
                raise
            pool.shutdown(wait=True)
    else:
        raise ValueError(f"executor={executor!r} is not allowed: choose one of "
                         f"{', '.join(EXECUTORS)} or pass a concurrent.futures.Executor")


# --- local processes ---------------------------------------------------------------------


@contextmanager
def _process_pool(count: int) -> Iterator[ProcessPoolExecutor]:
    # forkserver: safe with threads in the parent (fork is not); preloading the model
    # once in the server spares every worker its imports.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.runner", "sim.simulate"])
    # Each worker holds the read end of this pipe; only this process holds the write end,
    # so the workers read end-of-file the moment it exits or is killed.
    watch, alive = context.Pipe(duplex=False)
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=_init_worker,
                               initargs=(watch,))
    try:
        yield pool
    except BaseException:
        _kill_workers(pool)
        raise
    else:
        pool.shutdown(wait=True, cancel_futures=True)
    finally:
        alive.close()
        watch.close()


def _init_worker(watch: Connection) -> None:
    """In each pool worker: ignore Ctrl-C (the main process decides), exit with the main process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_main, args=(watch,), daemon=True,
                     name="exit-with-main").start()


def _exit_with_main(watch: Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        watch.recv()  # nothing is ever sent: this returns only at end-of-file
    os._exit(1)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Drop queued and running tasks now: kill the workers rather than wait for them."""
    # Python 3.12 and 3.13 have no public way to reach the workers (3.14 adds kill_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    for process in processes:
        process.join(5)


# --- Dask --------------------------------------------------------------------------------


@contextmanager
def _dask_client(workers: int | None, scheduler: str | None, connect_timeout: float,
                 cluster_options: Mapping[str, Any] | None):
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
        options = {"n_workers": workers or os.cpu_count() or 1, "threads_per_worker": 1,
                   "host": LOOPBACK, "dashboard_address": f"{LOOPBACK}:8787",
                   **(cluster_options or {})}
        with _ignoring_ctrl_c():  # its processes inherit this: Ctrl-C is for the sweep to handle
            client = Client(**options, set_as_default=False)
    try:
        yield client
    finally:
        client.close()


@contextmanager
def _ignoring_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while starting processes (main thread only: Python allows no other)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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

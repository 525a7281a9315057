"""How a sweep stops: one Ctrl-C finishes the running batches, a second or SIGTERM stops at once.

Either way every finished batch is stored, so running the sweep again resumes.
The handlers never interrupt a write of the results folder: a stop that arrives
while a part or the manifest is being written waits until the write is complete;
nor numba's compiler: a stop that arrives while a kernel is compiled or loaded
is taken again once it is done (:func:`retake_after_compiling`).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("sim.runner")
RETRY_S = 0.05  # delay before a signal that arrived during a compilation is taken again


def retake_after_compiling(signum: int) -> bool:
    """If this thread is inside numba's compiler, send `signum` again shortly and say so.

    An exception raised there (by a signal handler) leaves the compiler broken: the
    run then fails ("no compiled object yet") or crashes instead of stopping cleanly.
    """
    lock = sys.modules.get("numba.core.compiler_lock")
    if lock is None or not lock.global_compiler_lock.is_locked():
        return False
    threading.Timer(RETRY_S, os.kill, (os.getpid(), signum)).start()
    return True


class Interrupted(KeyboardInterrupt):
    """The sweep stopped on a signal; every finished batch is stored.

    Attributes:
        status: "interrupted" (finished the running batches), "stopped" (a second
            Ctrl-C) or "terminated" (SIGTERM), as recorded in metadata.json.
        exit_code: the shell's convention, 128 + the signal number.
    """

    def __init__(self, message: str, status: str, exit_code: int):
        super().__init__(message)
        self.status, self.exit_code = status, exit_code


class Stopper:
    """SIGINT and SIGTERM handlers for the length of a sweep.

    Installed only in the main thread (Python allows no other); elsewhere the
    sweep runs with whatever handlers the host application has.
    """

    def __init__(self):
        self.finishing = False
        self.abort: int | None = None
        self._deferring = 0
        self._held = False  # a stop arrived during a write
        self._old: dict[int, object] = {}

    def __enter__(self) -> Stopper:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    def _handle(self, signum: int, frame) -> None:
        if retake_after_compiling(signum):
            return
        if signum == signal.SIGINT and not self.finishing:
            self.finishing = True
            log.warning("interrupted: finishing the running batches to store them; "
                        "press Ctrl-C again to stop at once")
            return
        self.abort = signum
        if self._deferring:
            self._held = True
        else:
            raise self.stop_now()

    def stop_now(self) -> Interrupted:
        """The exception that ends a sweep stopped at once."""
        if self.abort == signal.SIGTERM:
            return Interrupted("terminated (SIGTERM): runs in progress were dropped, finished "
                               "runs are stored; run the sweep again to resume",
                               "terminated", 128 + signal.SIGTERM)
        return Interrupted("stopped at once on a second Ctrl-C: runs in progress were dropped, "
                           "finished runs are stored; run the sweep again to resume",
                           "stopped", 128 + signal.SIGINT)

    def finished(self) -> Interrupted:
        """The exception that ends a sweep after the first Ctrl-C let its batches finish."""
        return Interrupted("interrupted: the running batches were finished and stored; run the "
                           "sweep again to resume", "interrupted", 128 + signal.SIGINT)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """While writing results: a stop waits until the write is complete."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
            if self._held and not self._deferring:
                self._held = False
                raise self.stop_now()

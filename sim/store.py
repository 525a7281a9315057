"""A results folder on disk: one writer at a time, checksummed parts, names that stay inside.

Layout::

    manifest.json     fingerprint of the design; each part's runs and sha256
    metadata.json     experiment file, versions, seeds, timings, sessions
    parts/*.parquet   tidy long data, one file per finished batch of runs (not kept in git:
                      regenerable from the seeds; a folder without them holds only the
                      summaries, and a sweep into it redoes every run)
    set-aside/        parts found damaged or swapped (their runs are redone)
    .sweep.lock       held while a sweep writes (released, and removed, when it ends)

A sweep writes only into a new or empty folder or one holding a manifest (a
results folder), takes the folder's lock first, and deletes nothing it did
not write: only part files named as it names them and its own temporary files.
Each part's checksum and run keys are recorded when it is stored and checked
when it is read, so a damaged or swapped part is caught rather than mixed in.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST, METADATA, LOCK = "manifest.json", "metadata.json", ".sweep.lock"
PARTS, SET_ASIDE = "parts", "set-aside"
PART_NAME = re.compile(r"^part-\d{6,}-\d{4,}\.parquet$")
TEMPORARY = re.compile(r"^\.(part-\d+-\d+\.parquet|manifest\.json|metadata\.json)\.tmp$")
log = logging.getLogger("sim.store")


class ResultsError(ValueError):
    """A results folder that is missing, damaged, busy or from another experiment."""


class FolderBusyError(ResultsError):
    """Another sweep holds the results folder's lock."""


# --- names and JSON read from a folder -----------------------------------------------


def child(folder: Path, name: Any, what: str) -> Path:
    """``folder / name`` for a plain file name read from a results folder or experiment file.

    Refuses anything that would leave the folder (separators, "..", absolute paths).
    """
    if (not isinstance(name, str) or not name or name in (".", "..") or "/" in name
            or "\\" in name or "\0" in name):
        raise ResultsError(f"{what}={name!r} is not allowed: it must be a plain file name "
                           f"inside {folder}")
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise ResultsError(f"{what}={name!r} is not allowed: it leads outside {folder}")
    return path


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a results folder, or one line naming the file and what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path} is damaged (not valid JSON: {err}); restore it, or move the "
                           "folder aside and run the sweep again") from None
    except UnicodeDecodeError:
        raise ResultsError(f"{path} is damaged (not UTF-8 text); restore it, or move the folder "
                           "aside and run the sweep again") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path} is damaged (a JSON {type(data).__name__}, not an object); "
                           "restore it, or move the folder aside and run the sweep again")
    return data


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write beside ``path`` and rename over it, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


# --- the folder and its lock -----------------------------------------------------------


def check_folder(out: Path, contents: bool = True) -> None:
    """Fail before any run if ``out`` cannot become (or is not) a results folder.

    ``contents`` false checks only that the path can be written: what a folder holds
    is judged under its lock, as another sweep may be writing it.
    """
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(f"cannot use {out} as a results folder: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot use {out} as a results folder: {probe} is not writable")
    if contents and probe == out and not (out / MANIFEST).exists():
        others = sorted(p.name for p in out.iterdir() if p.name != LOCK)
        if others:
            raise ResultsError(
                f"{out} is not empty and holds no {MANIFEST}, so it is not a results folder "
                f"(it holds {', '.join(others[:3])}{', ...' if len(others) > 3 else ''}); a "
                "sweep writes only into a new or empty folder or one it wrote: choose another")


@contextmanager
def locked(out: Path, wait: bool = False) -> Iterator[None]:
    """Hold the folder's lock (creating the folder) while a sweep reads and writes it.

    Args:
        out: the results folder.
        wait: wait for another sweep to finish rather than refuse at once.

    Raises:
        FolderBusyError: another sweep holds the lock and ``wait`` is false.
    """
    from filelock import FileLock, Timeout

    check_folder(out, contents=False)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out / LOCK, timeout=0, thread_local=False)
    try:
        try:
            lock.acquire()
        except Timeout:
            if not wait:
                raise FolderBusyError(
                    f"{out} is in use by another sweep (it holds {out / LOCK}); wait for it to "
                    "finish (or pass wait=True / --wait) or choose another folder") from None
            log.warning("%s is in use by another sweep: waiting for it to finish", out)
            lock.acquire(timeout=-1)
        try:
            check_folder(out)
            yield
        finally:
            # Removed while still held: a sweep waiting on this file then finds it gone and
            # locks a fresh one (filelock retries), so no two sweeps ever both hold a lock.
            with contextlib.suppress(OSError):
                (out / LOCK).unlink()
            lock.release()
    finally:
        if created:  # nothing written: leave no trace of a sweep that never started
            with contextlib.suppress(OSError):
                out.rmdir()  # fails, as it should, unless the folder is empty


# --- manifest and parts ----------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest, checked entry by entry: names, run keys, timings and checksums."""
    path = out / MANIFEST
    manifest = read_json(path)

    def damaged(problem: str) -> ResultsError:
        return ResultsError(f"{path} is damaged ({problem}); restore it, or move the folder "
                            "aside and run the sweep again")

    if not isinstance(manifest.get("fingerprint"), str):
        raise damaged("no fingerprint")
    parts = manifest.get("parts")
    if not isinstance(parts, dict):
        raise damaged("no table of parts")
    for name, entry in parts.items():
        if not PART_NAME.match(name):
            raise damaged(f"part name {name!r} is not allowed: expected part-<condition>-"
                          "<replicate>.parquet")
        runs = entry.get("runs") if isinstance(entry, dict) else None
        if (not isinstance(runs, list) or not runs
                or not all(isinstance(k, list) and len(k) == 2
                           and all(type(i) is int for i in k) for k in runs)):
            raise damaged(f"part {name} lists no (condition, replicate) run keys")
        seconds = entry.get("seconds")
        if not isinstance(seconds, list) or len(seconds) != len(runs):
            raise damaged(f"part {name} lists {len(runs)} runs but not their seconds")
        if "sha256" in entry and not isinstance(entry["sha256"], str):
            raise damaged(f"part {name} has a checksum that is not text")
    return manifest


class BadPart(Exception):
    """Why a listed part cannot be trusted."""


def read_part(out: Path, name: str, entry: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """A part's data and checksum, checked against its manifest entry.

    Parts stored before checksums were recorded are checked by their run keys alone.

    Raises:
        BadPart: the part is missing, damaged or holds other runs (swapped).
    """
    path = child(out / PARTS, name, "part")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadPart("is missing") from None
    except OSError as err:
        raise BadPart(f"cannot be read ({err.strerror})") from None
    digest = sha256(data)
    if entry.get("sha256", digest) != digest:
        raise BadPart("does not match its checksum in the manifest (damaged or replaced)")
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise BadPart(f"is not a readable parquet file ({type(err).__name__})") from None
    if not {"condition", "replicate"} <= set(frame.columns):
        raise BadPart("lacks the condition and replicate columns")
    held = set(zip(frame["condition"].tolist(), frame["replicate"].tolist(), strict=True))
    if held != {tuple(k) for k in entry["runs"]}:
        raise BadPart("holds other runs than the manifest lists for it (swapped)")
    return frame, digest


def _check_parts(out: Path, manifest: dict[str, Any],
                 on_bad: Callable[[str, str], None]) -> list[pd.DataFrame]:
    """Read every listed part; report each untrustworthy one (or a run stored twice)."""
    frames, owner = [], {}
    for name in sorted(manifest["parts"]):
        entry = manifest["parts"][name]
        twice = [tuple(k) for k in entry["runs"] if tuple(k) in owner]
        try:
            if twice:
                raise BadPart(f"holds run (condition, replicate) {twice[0]} already stored in "
                              f"{owner[twice[0]]}")
            frame, entry["sha256"] = read_part(out, name, entry)  # older parts get theirs now
        except BadPart as bad:
            on_bad(name, str(bad))
            continue
        owner.update((tuple(k), name) for k in entry["runs"])
        frames.append(frame)
    return frames


class Store:
    """The parts folder and the manifest listing which runs each part holds.

    Build it while holding the folder's lock (:func:`locked`): reading the
    manifest, setting aside bad parts and writing new ones are one writer's job.
    """

    def __init__(self, out: Path, fingerprint: str):
        self.out, self.parts = out, out / PARTS
        self.manifest_path = out / MANIFEST
        if self.manifest_path.exists():
            self.manifest = read_manifest(out)
            if self.manifest["fingerprint"] != fingerprint:
                raise ResultsError(
                    f"{out} holds results of a different design (fingerprint "
                    f"{self.manifest['fingerprint']}, this experiment {fingerprint}); "
                    "choose another output folder or delete it")
            if self.manifest["parts"] and not self.parts.exists():
                log.warning("%s holds the summaries of %d run(s) but not their data (parts "
                            "are not kept in git): every run is redone from its seed", out,
                            sum(len(p["runs"]) for p in self.manifest["parts"].values()))
                self.manifest["parts"] = {}
            _check_parts(out, self.manifest, self._set_aside)
        else:
            self.manifest = {"fingerprint": fingerprint, "parts": {}}
        self.done = {tuple(key) for part in self.manifest["parts"].values()
                     for key in part["runs"]}

    def _set_aside(self, name: str, problem: str) -> None:
        entry = self.manifest["parts"].pop(name)
        where = "is gone"
        if (self.parts / name).exists():
            aside = self.out / SET_ASIDE
            aside.mkdir(exist_ok=True)
            target, n = aside / name, 1
            while target.exists():
                target, n = aside / f"{name[:-len('.parquet')]}.{n}.parquet", n + 1
            os.replace(self.parts / name, target)
            where = f"moved to {target.relative_to(self.out)}"
        self._save()  # the manifest no longer lists it, whatever happens next
        log.warning("%s: part %s %s; %s, its %d run(s) will be redone", self.out, name,
                    problem, where, len(entry["runs"]))

    def open(self) -> None:
        """Record the manifest, create the parts folder, and drop this code's stale files.

        The manifest comes first: a folder holding anything of a sweep's is a results folder.
        """
        self._save()
        self.parts.mkdir(exist_ok=True)
        for folder in (self.out, self.parts):
            for path in folder.iterdir():
                if TEMPORARY.match(path.name):
                    path.unlink()
        for path in self.parts.iterdir():  # written by a session that died before recording it
            if PART_NAME.match(path.name) and path.name not in self.manifest["parts"]:
                path.unlink()

    def add(self, frame: pd.DataFrame, keys: list[tuple[int, int]], seconds: list[float]) -> None:
        """Store a finished batch: its part first, then the manifest that lists it."""
        condition, replicate = keys[0]
        name = f"part-{condition:06d}-{replicate:04d}.parquet"
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        data = buffer.getvalue()
        atomic_write(self.parts / name, lambda tmp: tmp.write_bytes(data))
        self.manifest["parts"][name] = {"runs": [list(k) for k in keys],
                                        "seconds": [round(s, 4) for s in seconds],
                                        "sha256": sha256(data)}
        self._save()
        self.done.update(keys)

    def run_seconds(self) -> dict[tuple[int, int], float]:
        return {tuple(k): s for part in self.manifest["parts"].values()
                for k, s in zip(part["runs"], part["seconds"], strict=True)}

    def _save(self) -> None:
        text = json.dumps(self.manifest)
        atomic_write(self.manifest_path, lambda tmp: tmp.write_text(text))


def load_results(out_dir: str | Path) -> pd.DataFrame:
    """All stored runs as one tidy frame, sorted by condition, replicate and step.

    Only parts recorded in the manifest are read, each checked against its
    checksum and run keys, so neither a part left half-done by a crash nor a
    damaged or swapped one is mixed in.

    Raises:
        ResultsError: no results, a damaged manifest, or a part that fails its checks
            (running the sweep again sets it aside and redoes its runs).
    """
    out = Path(out_dir)
    if not (out / MANIFEST).exists():
        raise ResultsError(f"{out} holds no results (no {MANIFEST}); run a sweep first")
    manifest = read_manifest(out)
    if not manifest["parts"]:
        raise ResultsError(f"{out} holds no finished runs yet")
    if not (out / PARTS).exists():
        raise ResultsError(f"{out} holds summaries but not the runs' data ({PARTS}/ is not kept "
                           "in git); regenerate it from the seeds with `parasocial sweep` on "
                           "the experiment file (same --out, --replicates and --steps)")

    def refuse(name: str, problem: str) -> None:
        raise ResultsError(f"{out}: part {name} {problem}; run the sweep again to set it aside "
                           "and redo its runs")

    frame = pd.concat(_check_parts(out, manifest, refuse), ignore_index=True)
    return frame.sort_values(["condition", "replicate", "step"], ignore_index=True)


def load_metadata(out_dir: str | Path) -> dict[str, Any]:
    """The results folder's metadata.json, checked for what summaries and figures read."""
    path = Path(out_dir) / METADATA
    if not path.exists():
        raise ResultsError(f"{Path(out_dir)} holds no {METADATA}; run a sweep first")
    meta = read_json(path)
    exp = meta.get("experiment")
    problem = None
    if not isinstance(exp, dict):
        problem = "no experiment description"
    else:
        for key in ("outcomes", "varied"):
            if not isinstance(exp.get(key), list) or not all(isinstance(v, str)
                                                             for v in exp[key]):
                problem = f"experiment {key} is not a list of names"
    if problem:
        raise ResultsError(f"{path} is damaged ({problem}); restore it, or move the folder "
                           "aside and run the sweep again")
    return meta

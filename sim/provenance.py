"""Where a result came from: this package's version, its git revision, and the environment.

Recorded in every metadata file so that a stored result names the code that made it.
The version has one source, ``version`` in pyproject.toml: read from that file when the
code runs from a checkout (which may be ahead of an editable install's metadata), else
from the installed distribution's metadata. A git revision is recorded only when the code
runs from a checkout of this project: an installed copy sitting inside some other
repository must not borrow that repository's HEAD.
"""

from __future__ import annotations

import platform
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "parasocial-sim"
# Packages whose versions can change a result or how it was computed.
ENVIRONMENT_PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "dask", "scipy", "networkx",
                        "SALib")
# The folder that would be the project root if this file runs from a checkout.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _project(root: Path) -> dict | None:
    """The [project] table of ``root``/pyproject.toml when it declares this project, else None."""
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None
    return project if isinstance(project, dict) and project.get("name") == DISTRIBUTION else None


def package_version(root: Path = SOURCE_ROOT) -> str | None:
    """The package version: pyproject.toml's in a checkout, else the installed metadata's."""
    project = _project(root)
    if project is not None and isinstance(project.get("version"), str):
        return project["version"]
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10,
                          check=True).stdout.strip()


def git_revision(root: Path = SOURCE_ROOT) -> str | None:
    """HEAD of this project's checkout at ``root``, with "-dirty" when tracked code differs.

    None unless ``root`` is the top of a git work tree whose pyproject.toml declares this
    project. ``results/`` is left out of the dirty check: a sweep rewriting committed
    results is output, not code.
    """
    if _project(root) is None:
        return None
    try:
        if Path(_git(root, "rev-parse", "--show-toplevel")).resolve() != root.resolve():
            return None
        head = _git(root, "rev-parse", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no", "--", ":(top)",
                     ":(top,exclude)results")
    except (OSError, subprocess.SubprocessError):  # no git, not a repository, no commit yet
        return None
    return head + ("-dirty" if dirty else "")


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, str | None]:
    """Versions of Python and of the packages that shape results (None: not installed)."""
    return {"python": platform.python_version(),
            **{name.lower(): _installed(name) for name in ENVIRONMENT_PACKAGES}}


def record() -> dict:
    """Everything above, as stored in metadata files."""
    return {"package_version": package_version(), "git_revision": git_revision(),
            "environment": environment()}

"""Where results came from: the package version, the code revision and the library versions.

The git revision is recorded only when the package runs from a checkout of
this project; installed from a wheel there is no revision to tell (and the
repository around the install, if any, is someone else's).
"""

from __future__ import annotations

import platform
import subprocess
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LIBRARIES = ("mesa", "numpy", "pandas", "pyarrow", "dask")
SOURCE = Path(__file__).resolve().parents[1]  # the checkout, when the package runs from one


def package_version() -> str:
    """The installed distribution's version, else the package's own."""
    try:
        return version("parasocial-sim")
    except PackageNotFoundError:
        import sim
        return sim.__version__


def git_revision() -> str | None:
    """HEAD of this project's checkout, marked "-dirty" when tracked code differs; else None.

    ``results/`` is left out of the dirty check: a sweep rewriting committed
    results is output, not code.
    """
    if not _is_this_project(SOURCE):
        return None
    try:
        top = _git(["rev-parse", "--show-toplevel"], check=True).strip()
        if Path(top).resolve() != SOURCE:
            return None
        head = _git(["rev-parse", "HEAD"], check=True).strip()
        dirty = _git(["status", "--porcelain", "--untracked-files=no", "--", ":(top)",
                      ":(top,exclude)results"])
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if dirty.strip() else "")


def environment() -> dict[str, str | None]:
    """Versions of Python and of the libraries that shape a run's numbers."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _is_this_project(root: Path) -> bool:
    try:
        meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return meta.get("project", {}).get("name") == "parasocial-sim"


def _git(args: list[str], check: bool = False) -> str:
    return subprocess.run(["git", *args], cwd=SOURCE, capture_output=True, text=True, timeout=5,
                          check=check).stdout

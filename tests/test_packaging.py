"""Packaging: the Python-version check, dependency ranges and pins, what the wheel ships."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OLD_PYTHON = shutil.which("python3.11")


def _check():
    spec = importlib.util.spec_from_file_location(
        "parasocial_python_check", ROOT / "backend" / "parasocial_python_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("_", "-")


def test_the_backend_checks_the_python_that_pyproject_requires():
    backend = _check()
    assert PYPROJECT["project"]["requires-python"] == ">=" + ".".join(map(str, backend.MIN_PYTHON))
    assert PYPROJECT["build-system"]["build-backend"] == "parasocial_backend"
    message = backend.python_problem((3, 11, 7), "/usr/bin/python3.11")
    assert "needs Python 3.12 or newer" in message and "3.11.7 (/usr/bin/python3.11)" in message
    assert backend.python_problem((3, 12, 0), "python") is None
    assert backend.python_problem((3, 13, 1), "python") is None


@pytest.mark.skipif(OLD_PYTHON is None, reason="no python3.11 on this machine")
def test_an_old_python_is_stopped_by_the_backend_with_that_message():
    """What pip does first: import the backend with the installing Python."""
    result = subprocess.run([OLD_PYTHON, "-c", "import parasocial_backend"],
                            cwd=ROOT / "backend", capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("parasocial-sim needs Python 3.12 or newer, but this is "
                                    "Python 3.11")


@pytest.mark.slow
@pytest.mark.skipif(OLD_PYTHON is None, reason="no python3.11 on this machine")
def test_pip_install_with_an_old_python_says_why(tmp_path):
    subprocess.run([OLD_PYTHON, "-m", "venv", tmp_path / "venv"], check=True)
    result = subprocess.run([tmp_path / "venv" / "bin" / "pip", "install", "--no-deps",
                             "-e", str(ROOT)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "parasocial-sim needs Python 3.12 or newer" in result.stdout + result.stderr


def test_dependencies_are_ranges_pinned_exactly_in_constraints():
    requirements = PYPROJECT["project"]["dependencies"]
    assert not [r for r in requirements if "==" in r]  # a library states ranges
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: {line!r} is not NAME==VERSION"
            pins[_name(name)] = version
    wanted = requirements + PYPROJECT["project"]["optional-dependencies"]["test"]
    assert not {_name(r) for r in wanted} - set(pins), "a dependency has no exact version"
    mesa = next(r for r in requirements if r.startswith("mesa"))
    assert mesa == "mesa[rec]>=3.5.1,<3.6" and pins["mesa"].startswith("3.5.")


def test_license_and_citation_match_the_package():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    citation = (ROOT / "CITATION.cff").read_text()
    assert "cff-version: 1.2.0" in citation and "license: MIT" in citation
    assert "\nversion:" not in citation  # the version lives in pyproject.toml alone


@pytest.mark.slow
def test_the_wheel_ships_type_information_and_the_license(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path,
                    ROOT], check=True, capture_output=True)
    wheel = zipfile.ZipFile(next(tmp_path.glob("parasocial_sim-*.whl")))
    names = wheel.namelist()
    assert "sim/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith(("backend/", "tests/")) for n in names)


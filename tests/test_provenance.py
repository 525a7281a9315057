"""Provenance is true: a revision only from this project's checkout, versions from one place."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import numpy
import pandas
import pytest

import sim
from sim import provenance

ROOT = Path(__file__).resolve().parents[1]
PROJECT = '[project]\nname = "parasocial-sim"\nversion = "9.8.7"\n'


def git(where: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=where,
                          check=True, capture_output=True, text=True).stdout.strip()


def repo(where: Path, pyproject: str | None) -> Path:
    """A git repository at ``where`` with one commit (code.py, results/, maybe a pyproject)."""
    where.mkdir(parents=True, exist_ok=True)
    git(where, "init", "-q")
    (where / "code.py").write_text("a = 1\n")
    (where / "results").mkdir()
    (where / "results" / "summary.md").write_text("old\n")
    if pyproject is not None:
        (where / "pyproject.toml").write_text(pyproject)
    git(where, "add", ".")
    git(where, "commit", "-qm", "x")
    return where


def test_checkout_of_this_project_records_head_and_code_changes_only(tmp_path):
    root = repo(tmp_path / "checkout", PROJECT)
    head = git(root, "rev-parse", "HEAD")
    assert provenance.git_revision(root) == head
    (root / "results" / "summary.md").write_text("new\n")  # a sweep rewrote results: output
    assert provenance.git_revision(root) == head
    (root / "code.py").write_text("a = 2\n")
    assert provenance.git_revision(root) == head + "-dirty"


@pytest.mark.parametrize("pyproject", [None, '[project]\nname = "other-project"\n',
                                       "not toml [", '[tool.x]\nname = "parasocial-sim"\n'])
def test_an_unrelated_repository_gives_no_revision(tmp_path, pyproject):
    assert provenance.git_revision(repo(tmp_path / "other", pyproject)) is None


def test_a_project_folder_inside_another_repository_gives_no_revision(tmp_path):
    outer = repo(tmp_path / "outer", None)
    vendored = outer / "vendor" / "parasocial"
    vendored.mkdir(parents=True)
    (vendored / "pyproject.toml").write_text(PROJECT)
    assert provenance.git_revision(vendored) is None  # the HEAD would be the outer repo's


def test_no_repository_or_no_commit_gives_no_revision(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    assert provenance.git_revision(tmp_path) is None
    git(tmp_path, "init", "-q")  # a repository without a commit has no HEAD
    assert provenance.git_revision(tmp_path) is None


def test_an_installed_copy_inside_another_repository_does_not_borrow_its_head(tmp_path):
    """The module itself, copied where an install would put it, finds no checkout of its own."""
    outer = repo(tmp_path / "app", '[project]\nname = "someone-elses-app"\n')
    for package_dir in (outer / "sim", outer / ".venv" / "lib" / "site-packages" / "sim"):
        package_dir.mkdir(parents=True)
        shutil.copy(provenance.__file__, package_dir / "provenance.py")
        spec = importlib.util.spec_from_file_location("copied_provenance",
                                                      package_dir / "provenance.py")
        copy = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(copy)
        assert package_dir.parent == copy.SOURCE_ROOT
        assert copy.git_revision() is None


def test_this_checkout_records_its_own_head():
    if not (ROOT / ".git").exists():
        pytest.skip("the tests run from an installed copy, not a git checkout")
    assert provenance.git_revision().removesuffix("-dirty") == git(ROOT, "rev-parse", "HEAD")


def test_version_comes_from_pyproject_in_a_checkout_else_from_the_installed_metadata(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    assert provenance.package_version(tmp_path) == "9.8.7"
    assert provenance.package_version(tmp_path / "elsewhere") == metadata.version("parasocial-sim")
    # This repository: pyproject.toml is the one place, and sim.__version__ reads it.
    assert sim.__version__ == provenance.package_version()
    assert f'version = "{sim.__version__}"' in (ROOT / "pyproject.toml").read_text()


def test_environment_names_the_versions_actually_installed():
    env = provenance.environment()
    assert {"python", "mesa", "numpy", "pandas", "pyarrow", "dask"} <= set(env)
    assert env["numpy"] == numpy.__version__ and env["pandas"] == pandas.__version__
    assert env["python"].startswith("3.")
    assert all(isinstance(v, str) for v in env.values())  # all installed in the test venv


def test_record_combines_the_three():
    rec = provenance.record()
    assert rec["package_version"] == provenance.package_version()
    assert rec["git_revision"] == provenance.git_revision()
    assert rec["environment"] == provenance.environment()

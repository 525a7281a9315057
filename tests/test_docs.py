"""docs/ODD.md stays in step with the code.

The generated tables must match the code, and the hand-written prose must name
every parameter, every dynamics function and every outcome measure, so that a
new parameter, mechanism or reporter cannot land without its ODD description.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import json
import pkgutil
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.dynamics
from sim.experiment import expand, load_experiment
from sim.metrics import OUTCOMES
from sim.params import PARAM_FIELDS
from sim.report import DIGEST
from sim.simulate import run_scenario

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"


def _load_update_odd():
    spec = importlib.util.spec_from_file_location("update_odd", ROOT / "tools" / "update_odd.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


update_odd = _load_update_odd()


def _prose() -> str:
    """The ODD text without its generated blocks (which name every parameter by construction)."""
    text = ODD.read_text(encoding="utf-8")
    return re.sub(r"<!-- (\w+):start -->.*?<!-- \1:end -->", "", text, flags=re.DOTALL)


def _in_code_span(name: str, text: str) -> bool:
    """Whether ``name`` starts a code span, as in `name` or `name = value`."""
    return re.search(rf"`{re.escape(name)}(?!\w)", text) is not None


def _dynamics_functions() -> list[str]:
    """Public functions defined in sim/dynamics/*.py, as ``module.function``."""
    names = []
    for info in pkgutil.iter_modules(sim.dynamics.__path__):
        module = importlib.import_module(f"sim.dynamics.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and obj.__module__ == module.__name__:
                names.append(f"{info.name}.{name}")
    return sorted(names)


def test_generated_tables_are_up_to_date():
    stale = update_odd.stale_blocks(ODD)
    assert update_odd.check(ODD), (
        f"docs/ODD.md is out of date in block(s) {', '.join(stale)}: "
        "run python tools/update_odd.py")


def test_check_detects_and_update_repairs_a_stale_table(tmp_path):
    copy = tmp_path / "ODD.md"
    shutil.copy(ODD, copy)
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("| `n_fans` |", "| `n_fans_old` |", 1), encoding="utf-8")
    assert not update_odd.check(copy)
    assert "params" in update_odd.stale_blocks(copy)
    assert update_odd.main(["--check", "--path", str(copy)]) == 1
    assert update_odd.main(["--path", str(copy)]) == 0
    assert update_odd.check(copy)
    assert copy.read_text(encoding="utf-8") == update_odd.render(text)  # prose untouched


def test_every_parameter_is_described_in_the_prose():
    prose = _prose()
    missing = [name for name in PARAM_FIELDS if not _in_code_span(name, prose)]
    assert not missing, ("parameters not described in docs/ODD.md outside the generated "
                         f"table (name them in their submodel): {', '.join(missing)}")


def test_every_dynamics_function_is_named():
    functions = _dynamics_functions()
    assert len(functions) > 20  # the package was found and read
    text = ODD.read_text(encoding="utf-8")
    missing = [f for f in functions if not re.search(rf"(?<![\w.]){re.escape(f)}(?!\w)", text)]
    assert not missing, f"dynamics functions not named in docs/ODD.md: {', '.join(missing)}"


def test_every_outcome_is_named():
    prose = _prose()
    missing = [name for name in OUTCOMES if not _in_code_span(name, prose)]
    assert not missing, f"outcomes not listed in docs/ODD.md section 8: {', '.join(missing)}"


STUDIES = sorted(p.stem for p in (ROOT / "experiments").glob("*.toml"))


def _digest(exp) -> pd.DataFrame:
    """The committed per-run digest of a study (its parts are not kept in git)."""
    return pd.read_csv(ROOT / "results" / exp.name / DIGEST).set_index(["condition", "replicate"])


def _as_stored(exp):
    """A precision goal's study with the replicates its committed run reached."""
    if exp.precision is None:
        return exp
    meta = json.loads((ROOT / "results" / exp.name / "metadata.json").read_text())
    return dataclasses.replace(exp, replicates=meta["experiment"]["replicates"], precision=None)


@pytest.mark.parametrize("study", STUDIES)
def test_committed_results_match_their_study_file(study):
    """results/<study>/ was written by the study file as it stands, and its digest holds every
    run with its seed."""
    exp = _as_stored(load_experiment(ROOT / "experiments" / f"{study}.toml"))
    folder = ROOT / "results" / exp.name
    rerun = f"run `parasocial sweep experiments/{study}.toml`"
    for name in ("manifest.json", "metadata.json"):
        stored = json.loads((folder / name).read_text())["fingerprint"]
        assert stored == exp.fingerprint(), f"results/{exp.name}/{name} is from another design: {rerun}"
    seeds = _digest(exp)["seed"].to_dict()
    assert seeds == {run.key: run.seed for run in expand(exp)}, f"{DIGEST} lacks runs: {rerun}"
    assert (folder / "summary.md").exists()


@pytest.mark.slow
@pytest.mark.parametrize("study", STUDIES)
def test_committed_results_are_reproduced_by_the_current_code(study):
    """The first replicate of the first and the last condition, rerun from its seed now, ends
    where the committed digest says.

    Catches results left stale by a change to the model or a reporter, which the design
    fingerprint cannot see (the last condition usually has the treatment on). The digest
    went through CSV text, hence a tolerance far below any model effect.
    """
    exp = _as_stored(load_experiment(ROOT / "experiments" / f"{study}.toml"))
    runs = expand(exp)
    stored = _digest(exp)
    columns = ["step", *exp.outcomes]
    for run in (runs[0], runs[-exp.replicates]):
        fresh = run_scenario(dict(run.params), run.seed, exp.steps, exp.record_every)
        expected = stored.loc[run.key, columns].to_numpy(dtype=float)
        np.testing.assert_allclose(fresh[columns].iloc[-1].to_numpy(dtype=float), expected,
                                   rtol=1e-9, atol=1e-12,
                                   err_msg=f"{study} condition {run.condition}: {columns}")


# Paths a clone does not have (spelt in pieces, so that this file does not name them).
OUTSIDE_PATHS = ("../" + "shared", "/" + "work/", "MODEL" + ".md")


def test_no_tracked_file_names_a_path_outside_the_repository():
    """The repository is self-contained: what the model must capture is in docs/PATTERNS.md."""
    import subprocess

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split("\0")
    hits = []
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary: parquet parts, figures
            continue
        text = data.decode("utf-8", errors="replace")
        for needle in OUTSIDE_PATHS:
            if needle in text:
                hits.append(f"{name}:{text[:text.index(needle)].count(chr(10)) + 1}: {needle}")
    assert len(names) > 100  # the listing worked
    assert not hits, "files naming a path outside the repository:\n" + "\n".join(hits)

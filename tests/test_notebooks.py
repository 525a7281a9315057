"""The notebooks in notebooks/ run top to bottom on a fresh kernel and are stored clean.

Each notebook is executed with nbclient (what nbmake uses) in a kernel started
from the interpreter running pytest, whatever ``python3`` kernelspec the user
may have installed elsewhere, with the notebook's folder as working directory
(as JupyterLab and nbmake do). Deselect them with ``-m "not notebook"``;
``pytest --nbmake notebooks/`` runs them through nbmake as well.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds; a whole notebook takes well under a minute

pytestmark = pytest.mark.notebook


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    for expected in ("01_quickstart.ipynb", "02_extending.ipynb", "03_sweep_on_dask.ipynb",
                     "04_browser_widget.ipynb"):
        assert expected in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} hold outputs; clear them with "
                       f"`jupyter nbconvert --clear-output --inplace {path}`")
    assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch):
    """A ``python3`` kernelspec for this interpreter, found before any user-installed one."""
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    kernelspec.write_kernel_spec(tmp_path / "kernels" / "python3")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))  # searched before the user's data dir
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, this_python_kernel):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=this_python_kernel,
                                     resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on failure
    print(f"{path.name}: {time.perf_counter() - started:.1f} s")

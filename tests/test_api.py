"""The public API (sim/__init__.py): every name resolves, the example runs, import is light."""

from __future__ import annotations

import doctest
import subprocess
import sys

import sim


def test_every_public_name_resolves():
    assert set(sim.__all__) == set(sim._EXPORTS)
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    assert sim.plots.run_figure is sim.run_figure  # submodules reachable as attributes
    assert isinstance(sim.__version__, str)


def test_usage_example_in_the_module_docstring_runs():
    result = doctest.testmod(sim, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_import_sim_loads_no_heavy_dependency():
    code = ("import sys, sim; heavy = [m for m in ('mesa', 'numpy', 'pandas', 'matplotlib', "
            "'scipy', 'solara', 'dask') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"`import sim` imported {out}"

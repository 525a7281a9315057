"""The paired mechanism-effects script: its cohort measure and a tiny end-to-end run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model import ParasocialModel

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "mechanism_effects.py"
spec = importlib.util.spec_from_file_location("mechanism_effects", SCRIPT)
me = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = me  # dataclasses look their module up by name
spec.loader.exec_module(me)


def _warm_model():
    model = ParasocialModel(n_fans=400, n_creators=5, rng=3, attachment_gain=0.05)
    model.run_for(30)
    return model


def test_cohort_follows_the_same_bonds_and_counts_lost_ones_as_zero():
    model = _warm_model()
    fans, creators = me.focal_bonds(model)
    assert fans.size > 0
    b = model.bonds
    b.reciprocity[:] = 0.5
    assert me.cohort_reciprocity(model, (fans, creators)) == 0.5
    b.clear(b.creator == creators[0])  # everyone leaves the first cohort bond's creator
    lost = (creators == creators[0]).mean()
    assert np.isclose(me.cohort_reciprocity(model, (fans, creators)), 0.5 * (1.0 - lost))


def test_new_focal_fans_do_not_enter_the_cohort():
    model = _warm_model()
    cohort = me.focal_bonds(model)
    before = me.cohort_reciprocity(model, cohort)
    outsiders = np.setdiff1d(np.arange(model.params.n_fans), cohort[0])
    model.bonds.attachment[outsiders, 0] = 1.0  # outsiders become focal ...
    model.bonds.reciprocity[outsiders, 0] = 0.0  # ... with no reciprocity
    assert me.cohort_reciprocity(model, cohort) == before


def test_script_writes_paired_effects(tmp_path):
    code = me.main(["--fans", "300", "--creators", "4", "--steps", "70", "--seeds", "2",
                    "--workers", "1", "--only", "paid_reciprocity", "moderation_idle",
                    "--out", str(tmp_path)])
    assert code == 0
    table = pd.read_csv(tmp_path / "effects.csv")
    assert list(table["check"]) == ["paid_reciprocity", "moderation_idle"]
    idle = table.set_index("check").loc["moderation_idle"]
    assert idle["difference"] == 0 and idle["verdict"] == "shown"
    assert "paired runs" in (tmp_path / "summary.md").read_text()


def test_bad_arguments_are_refused_before_any_run(capsys):
    for argv in (["--seeds", "1"], ["--workers", "0"], ["--only", "nonsense"], ["--steps", "60"]):
        with pytest.raises(SystemExit) as exit_:
            me.main(argv)
        assert exit_.value.code == 2
        assert "is not allowed" in capsys.readouterr().err

"""The default calibration reproduces the published patterns (pattern-oriented validation)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.validation import PATTERNS, run_validation
from sim.validation_report import write_report


@pytest.fixture(scope="module")
def validation():
    # The calibration world (experiments/calibration.py) with fewer seeds.
    return run_validation([1, 2, 3], n_fans=2000, n_creators=150)


@pytest.mark.slow
def test_report_is_complete(validation, tmp_path):
    summary, reps = validation
    meta = {"command": "test", "replicates": 3, "n_fans": 2000, "n_creators": 150, "steps": 730,
            "seeds": [1, 2, 3], "seconds": 0.0, "explanations": {}}
    path = write_report(summary, reps, tmp_path, meta)
    text = path.read_text()
    for p in PATTERNS:
        assert p.description in text
    for figure in ("tiers", "lorenz", "grief", "harassment", "moderation"):
        assert (tmp_path / f"{figure}.png").stat().st_size > 10_000
    assert np.isfinite(summary[["mean", "ci_lo", "ci_hi"]].to_numpy()).all()


@pytest.mark.slow
@pytest.mark.parametrize("pattern", [p.name for p in PATTERNS])
def test_pattern_holds_at_default_calibration(validation, pattern):
    row = validation[0].set_index("pattern").loc[pattern]
    assert row["target_lo"] <= row["mean"] <= row["target_hi"], (
        f"{pattern}: model mean {row['mean']:.3g} outside [{row['target_lo']}, {row['target_hi']}]")

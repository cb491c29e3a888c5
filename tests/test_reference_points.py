"""Size-only references, the calibration's share and the emission-above-gap count."""

import numpy as np
import pandas as pd
import pytest

from siqd_utils.reconstruct.calibration import emission_above_gap
from siqd_utils.report import verdicts
from siqd_utils.size_only import size_only_bands, size_only_wavelength


def _frame(n=120, seed=0):
    rng = np.random.default_rng(seed)
    D = rng.uniform(1.0, 3.0, n)
    return pd.DataFrame({"D": D, "wavelength_nm": 300 + 150 * D + rng.normal(0, 2, n)})


def test_size_only_references_learn_a_size_law_and_keep_row_order():
    frame = _frame()
    reg = size_only_wavelength(frame, frame["wavelength_nm"], cv_folds=5, seed=1)
    assert reg["r2_cv"] > 0.95 and 0 < reg["rmse_cv_nm"] < 20 and len(reg["y_pred"]) == len(frame)
    bands = (frame["D"] > 2.0).astype(int).to_numpy() + 1
    clf = size_only_bands(frame, bands, cv_folds=5, seed=1)
    assert clf["accuracy_cv"] > 0.9 and (clf["y_pred"] == bands).mean() == pytest.approx(clf["accuracy_cv"])
    # a target unrelated to size gets nothing from size
    noise = np.random.default_rng(3).normal(size=len(frame))
    assert size_only_wavelength(frame, noise, cv_folds=5)["r2_cv"] < 0.2
    with pytest.raises(ValueError, match="'D'"):
        size_only_wavelength(frame.drop(columns="D"), noise)


def test_emission_above_gap_counts_both_scales():
    frame = pd.DataFrame({"gap_eV": [3.0, 2.0, 1.8], "emission_eV_model": [2.8, 1.9, 1.7],
                          "emission_eV": [3.1, 1.9, 1.9]})
    assert emission_above_gap(frame) == {"n": 3, "model": 0, "calibrated": 2}
    with pytest.raises(ValueError, match="emission_eV"):
        emission_above_gap(frame.drop(columns="emission_eV"))


def test_calibration_reading_states_the_move_and_its_reading():
    cal = {"n_analysis_set": 274, "band_counts": {"a": 10, "b": 5}, "balanced_accuracy_cv": 0.80, "adjacent_share": 1.0}
    model = {"n_analysis_set": 281, "band_counts": {"a": 7, "b": 8}, "balanced_accuracy_cv": 0.93, "adjacent_share": 0.9}
    text = verdicts.calibration_reading(cal, model)
    assert "at least 3 change band" in text and "(-0.130)" in text
    assert text.endswith("depends on the calibration")
    model["balanced_accuracy_cv"] = 0.81
    assert "moves by less than" in verdicts.calibration_reading(cal, model)

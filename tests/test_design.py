"""The design module: conformal coverage on synthetic data, inverse windows, determinism."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from siqd_utils.bands import BANDS, Band
from siqd_utils.design import band_windows, design_window, held_out_intervals, held_out_sets, inside_band


def _linear(seed, n=300, noise=5.0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, size=(n, 2))
    y = 500 + 100 * X[:, 0] - 30 * X[:, 1] + rng.normal(0, noise, n)
    return X, y


def test_interval_coverage_near_nominal_over_seeded_repeats():
    # Known Gaussian noise, a correct model: coverage averaged over repeats within 2 points of nominal.
    cover = {0.8: [], 0.9: [], 0.95: []}
    for seed in range(8):
        X, y = _linear(seed)
        res = held_out_intervals(LinearRegression(), X, y, outer_folds=5, conformal_folds=5, seed=seed)
        for level in cover:
            cover[level].append(res.covered(level).mean())
    for level, values in cover.items():
        assert abs(np.mean(values) - level) < 0.02, (level, np.mean(values))
    # and the 90 % width is that of the noise: 2 * 1.645 * 5 nm
    assert abs(np.median(res.width(0.9)) - 2 * 1.645 * 5.0) < 2.0


def test_set_coverage_near_nominal_over_seeded_repeats():
    cover, sizes = [], []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(300, 2))
        logits = np.stack([2 * X[:, 0], 2 * X[:, 1], -2 * X[:, 0]], axis=1)
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        y = np.array([rng.choice(3, p=row) for row in p])
        res = held_out_sets(LogisticRegression(), X, y, outer_folds=5, conformal_folds=5, seed=seed)
        cover.append(res.covered(0.9).mean())
        sizes.append(res.size(0.9).mean())
    assert abs(np.mean(cover) - 0.9) < 0.03
    assert 1 < np.mean(sizes) < 3  # noisy labels: sets larger than one class, smaller than all


def test_deterministic_for_a_seed():
    X, y = _linear(3, n=120)
    a = held_out_intervals(LinearRegression(), X, y, outer_folds=3, conformal_folds=4, seed=7)
    b = held_out_intervals(LinearRegression(), X, y, outer_folds=3, conformal_folds=4, seed=7)
    np.testing.assert_array_equal(a.lower, b.lower)
    np.testing.assert_array_equal(a.upper, b.upper)
    c = held_out_intervals(LinearRegression(), X, y, outer_folds=3, conformal_folds=4, seed=8)
    assert not np.array_equal(a.lower, c.lower)


def test_monotone_size_law_recovers_true_windows():
    # wavelength = 400 + 150 (D - 1) + noise; conformal intervals of a linear fit in D.
    rng = np.random.default_rng(0)
    D = rng.uniform(1.0, 3.0, 1500)
    y = 400 + 150 * (D - 1) + rng.normal(0, 1.0, D.size)
    res = held_out_intervals(LinearRegression(), D[:, None], y, levels=[0.9], outer_folds=5, conformal_folds=5,
                             seed=0)
    lo, hi = res.bounds(0.9)
    half = np.median(hi - lo) / 2
    table = band_windows(D, lo, hi, share=0.9).set_index("band")
    for band in BANDS:
        # true window: D whose predicted interval fits in the band, i.e. the law between lo + half and hi - half
        true_lo = 1 + (band.lo + half - 400) / 150
        true_hi = min(1 + (band.hi - half - 400) / 150, 3.0)
        row = table.loc[band.name]
        assert abs(row["lo"] - true_lo) < 0.03 and abs(row["hi"] - true_hi) < 0.03, (band.name, row, true_lo, true_hi)


def test_window_exact_on_a_clean_run_and_none_without_one():
    D = np.arange(20.0)
    inside = (D >= 5) & (D <= 12)
    w = design_window(D, inside, share=1.0, min_dots=3)
    assert (w.lo, w.hi, w.n_dots, w.n_inside, w.tolerance) == (5.0, 12.0, 8, 8, 3.5)
    # at 0.9 one failing dot may join only if it brings inside dots with it: here it cannot
    assert design_window(D, inside, share=0.9, min_dots=3).n_dots == 8
    assert design_window(D, np.zeros(20, bool)) is None
    assert design_window(D, inside, min_dots=9, share=1.0) is None


def test_window_tolerates_scattered_failures_up_to_the_share():
    D = np.arange(30.0)
    inside = np.ones(30, bool)
    inside[[10, 20]] = False  # 2 of 30 fail: 93 % inside
    w = design_window(D, inside, share=0.9)
    assert (w.lo, w.hi, w.n_inside) == (0.0, 29.0, 28)


def test_inside_band_and_errors():
    band = Band(1, "x", 500.0, 520.0, "#000")
    assert inside_band([500, 505, 499], [520, 521, 510], band).tolist() == [True, False, False]
    with pytest.raises(ValueError, match="share"):
        design_window([1, 2], [True, True], share=0)
    with pytest.raises(ValueError, match="shape"):
        design_window([1, 2], [True])
    with pytest.raises(ValueError, match="outer_folds"):
        held_out_intervals(LinearRegression(), np.zeros((5, 1)), np.zeros(5), outer_folds=1)
    with pytest.raises(ValueError, match="fewer than outer_folds"):
        held_out_sets(LogisticRegression(), np.zeros((12, 1)), np.array([0] * 10 + [1] * 2), outer_folds=3)


def test_the_facet_sentence_sorts_bands_by_what_the_facets_do():
    from siqd_utils.report.design_verdicts import facet_sentence

    text = facet_sentence(0.9, {"violet": -27.2, "blue": 16.6, "green": 0.0, "yellow": None},
                          {"with facets": 0.5876, "without facets": 0.5511})
    assert text.startswith("With the facet features, 59% of the dots' 90% intervals lie inside a single band (55% ")
    assert "narrows the tolerance on D for violet (27 %); widens it for blue (17 %)" in text
    assert "leaves it unchanged for green" in text and "yellow: no D window" in text
    assert "changes no band's tolerance on D" in facet_sentence(0.9, {"red": None}, {"with facets": 0.5, "without facets": 0.5})

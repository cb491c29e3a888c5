"""The report's statistics: intervals, paired tests and chance levels, against known values."""

import numpy as np
import pytest

from siqd_utils.report import stats


def test_wilson_interval_known_value():
    # 46 of 55: the Wilson interval by its closed form.
    k, n, z = 46, 55, 1.959963984540054
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    lo, hi = stats.wilson_interval(k, n)
    assert lo == pytest.approx(centre - half, abs=1e-9) and hi == pytest.approx(centre + half, abs=1e-9)


def test_wilson_interval_stays_inside_unit_range():
    assert stats.wilson_interval(0, 5)[0] == pytest.approx(0.0, abs=1e-12)
    assert stats.wilson_interval(5, 5)[1] == pytest.approx(1.0, abs=1e-12)
    lo, hi = stats.wilson_interval(5, 5)
    assert 0.4 < lo < 0.6


@pytest.mark.parametrize("k, n", [(-1, 5), (6, 5), (1, 0), (True, 5), (1.5, 5)])
def test_wilson_interval_rejects_bad_counts(k, n):
    with pytest.raises(ValueError):
        stats.wilson_interval(k, n)


def test_score_interval_recovers_the_count_and_rejects_fractions():
    ci = stats.score_interval(46 / 55, 55)
    assert (ci["k"], ci["n"]) == (46, 55) and ci["lo"] < 46 / 55 < ci["hi"]
    assert stats.interval_text(ci) == f"0.84 [{ci['lo']:.2f}, {ci['hi']:.2f}] (46 of 55 dots)"
    with pytest.raises(ValueError, match="whole number of dots"):
        stats.score_interval(0.5, 55)


def test_cv_summary_separates_spread_and_standard_error():
    folds = [0.8, 0.9, 1.0, 0.9]
    s = stats.cv_summary(folds)
    assert s["mean"] == pytest.approx(0.9)
    assert s["sd"] == pytest.approx(np.std(folds))
    assert s["sem"] == pytest.approx(np.std(folds, ddof=1) / 2)
    assert s["sem"] < s["sd"]
    with pytest.raises(ValueError):
        stats.cv_summary([0.5])


def test_mcnemar_exact_counts_and_p():
    a = np.array([True] * 10 + [False] * 0 + [True] * 50)
    b = np.array([False] * 10 + [True] * 50)
    r = stats.mcnemar_exact(a, b)
    assert (r["a_only"], r["b_only"], r["both"], r["neither"]) == (10, 0, 50, 0)
    assert r["p"] == pytest.approx(2 * 0.5**10)
    same = stats.mcnemar_exact(a, a)
    assert same["p"] == 1.0
    # 256 against 246 of 274 with 10 more wins one way is no evidence on its own
    x = np.array([True] * 246 + [True] * 10 + [False] * 18)
    y = np.array([True] * 246 + [False] * 10 + [False] * 18)
    assert stats.mcnemar_exact(x, y)["p"] == pytest.approx(2 * 0.5**10)


def test_mcnemar_exact_rejects_bad_input():
    with pytest.raises(ValueError):
        stats.mcnemar_exact([True, False], [True])
    with pytest.raises(ValueError, match="boolean"):
        stats.mcnemar_exact(np.array([1, 0]), np.array([1, 1]))


def test_chance_exceedances():
    r = stats.chance_exceedances(16, 20, 1, share=0.05)
    assert r["rate"] == pytest.approx(1 / 21)
    assert r["expected"] == pytest.approx(16 / 21)
    assert r["p_at_least"] == pytest.approx(1 - (20 / 21) ** 16)
    # 100 draws and a 5 % share: up to 4 draws may reach the data
    assert stats.chance_exceedances(1, 100, 0, share=0.05)["rate"] == pytest.approx(5 / 101)
    assert stats.chance_exceedances(3, 20, 0, share=0.05)["p_at_least"] == 1.0


def test_one_dot():
    assert stats.one_dot(4) == 0.25
    with pytest.raises(ValueError):
        stats.one_dot(0)


def test_by_row_undoes_the_train_then_test_order():
    rows = stats.by_row(np.array([10, 30, 20]), [0, 2], [1])
    assert rows.tolist() == [10, 20, 30]
    with pytest.raises(ValueError):
        stats.by_row(np.array([1, 2, 3]), [0, 0], [1])

"""Chapter 08's statistics: the searches with the study's network, the failed-search rule, intervals and tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import make_classification

from siqd_utils import robustness as rb
from siqd_utils.models import make_search
from siqd_utils.report import verdicts

STUDY = {"activation": "relu", "solver": "lbfgs", "max_iter": 297, "alpha": 0.0451, "learning_rate": "invscaling",
         "hidden_layer_sizes": [4, 3], "early_stopping": True, "random_state": 42}


def toy(n=90, seed=0):
    X, y = make_classification(n, 5, n_informative=4, n_redundant=0, n_classes=3, random_state=seed)
    return X, y


def test_the_study_candidate_joins_the_random_draws_unchanged():
    X, y = toy()
    plain = make_search("classifier", n_trials=3, cv_folds=3, seed=1).fit(X, y)
    with_study = make_search("classifier", n_trials=3, cv_folds=3, seed=1, candidates=[rb.study_candidate(STUDY)]).fit(X, y)
    # the same draws, scored the same, and the study's point after them
    assert with_study.cv_results_["params"][:3] == plain.cv_results_["params"]
    np.testing.assert_array_equal(with_study.cv_results_["mean_test_score"][:3], plain.cv_results_["mean_test_score"])
    assert with_study.cv_results_["params"][3]["hidden_layer_sizes"] == (4, 3)
    # it cannot choose below the study's network in the inner cross-validation
    best = with_study.cv_results_["mean_test_score"][with_study.best_index_]
    assert best >= with_study.cv_results_["mean_test_score"][3]


def test_a_candidate_with_an_unsearched_parameter_is_refused():
    with pytest.raises(ValueError, match="random_state"):
        make_search("classifier", n_trials=2, cv_folds=2, seed=0, candidates=[{"random_state": 1}]).fit(*toy())
    with pytest.raises(ValueError, match="lacks"):
        rb.study_candidate({"activation": "relu"})


def test_failed_search_rule():
    # skill 0.1 of the study's 0.6: failed; 0.4 and 0.35 of 0.6: kept; 0.25 of 0.6: failed
    assert rb.failed([0.3, 0.6, 0.55, 0.45], [0.8] * 4, [0.2] * 4).tolist() == [True, False, False, True]
    # the study's network without skill: only a network below the baseline fails
    assert rb.failed([0.19, 0.2, 0.25], [0.1, 0.1, 0.1], [0.2, 0.2, 0.2]).tolist() == [True, False, False]
    assert rb.FAILED_SHARE == 0.5


def test_t_interval_on_known_data():
    lo, hi = rb.seed_interval([1.0, 2.0, 3.0])
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)  # sd 1, three values
    assert (lo, hi) == pytest.approx((2 - half, 2 + half))
    assert rb.seed_interval([0.5, 0.5, 0.5]) == (0.5, 0.5)
    assert all(np.isnan(rb.seed_interval([0.5])))


def test_fewest_seeds_is_where_the_exact_sign_flip_test_can_reach_alpha():
    assert rb.MIN_SEEDS == 6  # 2 / 2**5 = 0.0625, 2 / 2**6 = 0.031
    assert 2 / 2 ** rb.MIN_SEEDS < rb.ALPHA <= 2 / 2 ** (rb.MIN_SEEDS - 1)


def test_sign_flip_test_is_exact_and_reaches_its_floor():
    d = np.array([0.05, 0.08, 0.02, 0.1, 0.06, 0.07, 0.03, 0.01, 0.09, 0.04])
    p, n = rb.sign_flip_test(d, seed=0)
    assert n == 1024 and p == pytest.approx(2 / 1024)  # all positive: only it and its mirror are as extreme
    p2, _ = rb.sign_flip_test(d, seed=7)
    assert p2 == p  # exact: no dependence on the seed
    d[7] = -0.01
    assert rb.sign_flip_test(d, seed=0)[0] == pytest.approx(4 / 1024)


def _result(task, values, seeds=(1, 2, 3, 4, 5, 6), n_failed=0):
    rows = [{"seed": s, "fold": f, "balanced_accuracy": v + 0.01 * f} for s, v in zip(seeds, values) for f in range(2)]
    folds = pd.DataFrame({"seed": [s for s in seeds for _ in range(2)], "failed": [False] * (2 * len(seeds))})
    folds.loc[: n_failed - 1, "failed"] = True if n_failed else False
    return rb.NestedResult(task, "classifier", pd.DataFrame(rows), folds, {})


def test_paired_gap_tests_and_interval():
    a = _result("ils", [0.80, 0.82, 0.85, 0.79, 0.83, 0.84])
    b = _result("bands", [0.75, 0.76, 0.80, 0.77, 0.78, 0.79])
    g = rb.paired_gap(a, b, seed=0)
    d = np.array([0.05, 0.06, 0.05, 0.02, 0.05, 0.05])
    assert g["mean"] == pytest.approx(d.mean())
    assert (g["lo"], g["hi"]) == pytest.approx(rb.seed_interval(d))
    assert g["p_t"] == pytest.approx(stats.ttest_rel(a.per_seed["balanced_accuracy"], b.per_seed["balanced_accuracy"]).pvalue)
    assert g["p_sign_flip"] == pytest.approx(2 / 64) and g["n_flips"] == 64 and g["n_positive"] == 6
    assert rb.paired_gap(a, b, seed=0) == g  # deterministic
    text = verdicts.nested_gap_verdict("ILS", g)
    assert text.endswith("easier to learn than the colour bands.") and "6 of 6 seeds" in text


def test_a_gap_with_a_failed_search_or_too_few_seeds_is_not_decided():
    a = _result("ils", [0.80, 0.82, 0.85, 0.79, 0.83, 0.84], n_failed=1)
    b = _result("bands", [0.75, 0.76, 0.80, 0.77, 0.78, 0.79])
    assert "not decided: 1 outer folds" in verdicts.nested_gap_verdict("ILS", rb.paired_gap(a, b))
    few_a = _result("ils", [0.8, 0.82, 0.85], seeds=(1, 2, 3))
    few_b = _result("bands", [0.75, 0.76, 0.8], seeds=(1, 2, 3))
    assert "at least 6 are needed" in verdicts.nested_gap_verdict("ILS", rb.paired_gap(few_a, few_b))
    with pytest.raises(ValueError, match="different seeds"):
        rb.paired_gap(few_a, b)


def test_summary_marks_sound_tasks_only():
    ok = _result("bands", [0.75, 0.76, 0.80, 0.77, 0.78, 0.79])
    bad = _result("ils", [0.80, 0.82, 0.85, 0.79, 0.83, 0.84], n_failed=2)
    few = _result("facet", [0.7, 0.71], seeds=(1, 2))
    summary = rb.summarize_nested({"bands": ok, "ils": bad, "facet": few})
    assert rb.sound_means(summary) == {"bands": {"balanced_accuracy": pytest.approx(0.775 + 0.005)}}
    assert summary.set_index("task").loc["ils", "failed_searches"] == 2


def test_nested_cv_with_the_study_candidate_is_deterministic_and_reports_its_searches():
    X, y = toy(75)
    kw = dict(study_params=STUDY, n_trials=2, inner_folds=2, outer_folds=3, seeds=[3])
    one, two = rb.nested_cv("toy", "classifier", X, y, **kw), rb.nested_cv("toy", "classifier", X, y, **kw)
    pd.testing.assert_frame_equal(one.scores, two.scores)
    pd.testing.assert_frame_equal(one.folds, two.folds)
    f = one.folds
    assert list(f.columns) == ["seed", "fold", "chosen", "study", "baseline", "skill_share", "chose_study", "failed"]
    np.testing.assert_allclose(f["baseline"], 1 / 3)  # a constant prediction's balanced accuracy, three classes
    np.testing.assert_array_equal(f["chosen"], one.scores["balanced_accuracy"])
    # where the search chose the study's network, the outer scores agree exactly (same network, same seed)
    np.testing.assert_array_equal(f.loc[f["chose_study"], "chosen"], f.loc[f["chose_study"], "study"])
    np.testing.assert_array_equal(f["failed"], rb.failed(f["chosen"], f["study"], f["baseline"]))
    health = rb.health_summary({"toy": one})
    assert health["outer_folds"] == 3 and health["failed"] == int(f["failed"].sum())

"""Unit tests of siqd_utils.models and siqd_utils.figures_models on small synthetic data.

Searches here are tiny (a few trials, 2-3 folds, <= 90 rows) so the whole file runs in
well under a minute; the chapters' searches are exercised by the chapter-metrics tests.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, ParameterSampler, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor

from siqd_utils.plotting import models as fm
from siqd_utils import models as m
from siqd_utils.models import cache, estimators, search
from siqd_utils.datasets import load_paper_results


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(n_samples=90, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
                               n_clusters_per_class=1, random_state=0)
    return (X - X.min(0)) / (X.max(0) - X.min(0)), y + 1


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(n_samples=80, n_features=4, noise=2.0, random_state=0)
    return (X - X.min(0)) / (X.max(0) - X.min(0)), 550 + y


def _results(res: m.SearchResult) -> pd.DataFrame:
    """The search table without its wall-clock columns (the part that must be reproducible)."""
    return res.cv_results.drop(columns=list(search.TIME_COLUMNS))


@pytest.fixture
def count_fits(monkeypatch):
    """Count the fits of the searches' networks (searches run in-process with n_jobs=1)."""
    calls = []
    for cls in (estimators.CountedMLPClassifier, estimators.CountedMLPRegressor):
        original = cls.fit

        def fit(self, X, y, *a, _original=original, **k):
            calls.append(len(X))
            return _original(self, X, y, *a, **k)

        monkeypatch.setattr(cls, "fit", fit)
    return calls


# --------------------------------------------------------------------------- space


def test_param_space_covers_the_study_and_its_choices():
    space = m.param_space("classifier")
    assert list(space) == list(m.PARAM_ORDER[:-2])
    draws = list(ParameterSampler(space, 300, random_state=1))
    sizes = [d["hidden_layer_sizes"] for d in draws]
    assert {len(s) for s in sizes} == {1, 2, 3}
    assert all(isinstance(s, tuple) for s in sizes)
    assert min(min(s) for s in sizes) >= 2 and max(max(s) for s in sizes) <= 12
    assert {d["activation"] for d in draws} == {"identity", "logistic", "tanh", "relu"}
    assert {d["solver"] for d in draws} == {"lbfgs", "sgd", "adam"}
    assert all(1e-4 <= d["alpha"] <= 10 for d in draws)
    assert min(d["max_iter"] for d in draws) >= 100 and max(d["max_iter"] for d in draws) <= 1000
    # the study's own choices lie inside the space
    paper = load_paper_results()
    for params in (paper["classification"]["bands"]["params"], paper["classification"]["clusters"]["params"],
                   paper["regression"]["params"]):
        assert 1 <= len(params["hidden_layer_sizes"]) <= 3
        assert all(2 <= u <= 12 for u in params["hidden_layer_sizes"])
        assert 1e-4 <= params["alpha"] <= 10 and 100 <= params["max_iter"] <= 1000


def test_hidden_layer_sizes_sampler():
    s = m.HiddenLayerSizes(1, 3, 2, 12)
    assert s.rvs(random_state=3) == s.rvs(random_state=3)
    rng = np.random.RandomState(0)
    draws = [s.rvs(random_state=rng) for _ in range(200)]
    assert len(set(draws)) > 100 and {len(d) for d in draws} == {1, 2, 3}
    assert m.HiddenLayerSizes(2, 2, 5, 5).rvs(random_state=0) == (5, 5)
    with pytest.raises(ValueError, match="one tuple"):
        s.rvs(size=3)
    with pytest.raises(ValueError, match="maximum"):
        m.HiddenLayerSizes(3, 1, 2, 12)
    with pytest.raises(ValueError, match="min_units"):
        m.HiddenLayerSizes(1, 3, 0, 12)


def test_describe_space():
    table = m.describe_space(m.param_space("regressor"), fixed={"early_stopping": True, "random_state": 7})
    text = dict(zip(table["parameter"], table["values drawn"]))
    assert text["alpha"] == "log-uniform from 0.0001 to 10"
    assert text["max_iter"] == "integer from 100 to 1000"
    assert text["hidden_layer_sizes"] == "1-3 hidden layers, 2-12 neurons each"
    assert text["random_state"] == "fixed: 7"


def test_estimators():
    est = m.make_estimator("regressor", {"hidden_layer_sizes": [10, 3], "alpha": 1.0})
    assert type(est) is MLPRegressor and est.hidden_layer_sizes == (10, 3)
    assert type(m.make_estimator("classifier", {})) is MLPClassifier
    counted = m.search_estimator("classifier", seed=7)
    assert isinstance(counted, MLPClassifier) and counted.early_stopping and counted.random_state == 7
    assert clone(counted).get_params() == counted.get_params()
    with pytest.raises(ValueError, match="estimator kind"):
        m.make_estimator("forest", {})


def test_counted_mlp_counts_and_silences_its_warnings(clf_data):
    X, y = clf_data
    est = m.search_estimator("classifier", seed=0, solver="adam", max_iter=2, early_stopping=False)
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert est.n_convergence_warnings_ == 1 and est.n_other_warnings_ == 0
    assert not [w for w in escaped if issubclass(w.category, ConvergenceWarning)]
    plain = MLPClassifier(solver="adam", max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        plain.fit(X, y)
    np.testing.assert_array_equal(plain.coefs_[0], est.coefs_[0])  # same network as the plain MLP


# -------------------------------------------------------------------------- search


def test_search_is_scikit_learns_and_seeded():
    s = m.make_search("classifier", n_trials=5, cv_folds=3, seed=4)
    assert isinstance(s, search.RandomizedSearchCV) and s.refit is m.tie_rule and np.isnan(s.error_score)
    assert s.cv.random_state == 4 and s.random_state == 4 and s.estimator.random_state == 4
    h = m.make_search("regressor", n_trials=5, cv_folds=3, seed=4, method="halving")
    assert isinstance(h, search.HalvingRandomSearchCV) and isinstance(h.cv, KFold)
    with pytest.raises(ValueError, match="method"):
        m.make_search("classifier", n_trials=5, cv_folds=3, seed=4, method="grid")


def test_random_search_is_deterministic_and_independent_of_n_jobs(clf_data):
    X, y = clf_data
    a = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=5, n_jobs=1)
    b = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=5, n_jobs=1)
    c = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=5, n_jobs=2)
    pd.testing.assert_frame_equal(_results(a), _results(b), check_exact=True)
    pd.testing.assert_frame_equal(_results(a), _results(c), check_exact=True)
    assert a.best_params == c.best_params and a.cv_mean == c.cv_mean
    d = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=6, n_jobs=1)
    assert not a.cv_results["mean_test_score"].equals(d.cv_results["mean_test_score"])


def test_cv_results_table_and_ranking(reg_data):
    X, y = reg_data
    res = m.random_search("regressor", X, y, n_trials=5, cv_folds=3, seed=0)
    t = res.cv_results
    raw = res.search.cv_results_
    assert list(t["trial"]) == list(range(5))
    np.testing.assert_array_equal(t["mean_test_score"], raw["mean_test_score"])
    assert sorted(t["rank"]) == [1, 2, 3, 4, 5]
    assert {"split0_test_score", "split2_test_score", "param_alpha", "n_failed_folds",
            "n_convergence_warnings", "rank_test_score"} <= set(t.columns)
    assert not [c for c in t.columns if "test_convergence" in c]
    np.testing.assert_array_equal(t["n_convergence_warnings"], sum(raw[f"split{i}_test_convergence_warnings"]
                                                                  for i in range(3)).astype(int))
    best = t.loc[t["rank"] == 1].iloc[0]
    assert best["trial"] == res.best_trial and best["mean_test_score"] == res.cv_mean
    assert res.cv_mean == t["mean_test_score"].dropna().max()
    np.testing.assert_allclose(best["std_test_score"], np.std([best[f"split{i}_test_score"] for i in range(3)]))
    assert res.best_params["hidden_layer_sizes"] == best["param_hidden_layer_sizes"]
    assert res.best_params["random_state"] == 0 and res.best_params["early_stopping"] is True
    assert res.search.best_estimator_.n_features_in_ == 4  # refitted on all rows
    d = res.to_dict()
    assert d["best_params"]["hidden_layer_sizes"] == list(res.best_params["hidden_layer_sizes"])
    assert "seconds" not in d and d["n_fits"] == 15 and d["method"] == "random"
    top = res.top(3)
    assert top["rank"].tolist() == [1, 2, 3] and "hidden_layer_sizes" in top


def _cv_results(means, stds, **extra):
    n = len(means)
    return {"mean_test_score": np.array(means, float), "std_test_score": np.array(stds, float),
            "params": [{"i": i} for i in range(n)], **extra}


def test_tie_rule_higher_mean_then_lower_spread_then_earlier_draw():
    r = _cv_results([0.8, 0.8, 0.8, 0.5, np.nan, 0.9], [0.0, 0.1, 0.0, 0.0, np.nan, 0.2])
    assert m.tie_rule(r) == 5
    assert search.tie_rule_order(r).tolist() == [5, 0, 2, 1, 3, 4]  # NaN (a failed fold) last
    r = _cv_results([0.8, 0.8, 0.8], [0.1, 0.0, 0.0])
    assert m.tie_rule(r) == 1
    with pytest.raises(ValueError, match="every one of the 2 trials"):
        m.tie_rule(_cv_results([np.nan, np.nan], [np.nan, np.nan]))


def test_tie_rule_takes_the_last_halving_round_and_the_draw_order():
    # round 0: draws 0..3; round 1 re-scores draws 3 and 1 (listed in that order)
    params = [{"i": 0}, {"i": 1}, {"i": 2}, {"i": 3}, {"i": 3}, {"i": 1}]
    r = {"mean_test_score": np.array([0.99, 0.7, 0.6, 0.7, 0.8, 0.8]),
         "std_test_score": np.array([0.0, 0.1, 0.1, 0.1, 0.05, 0.05]), "iter": np.array([0, 0, 0, 0, 1, 1]),
         "params": params}
    assert search.draw_index(r).tolist() == [0, 1, 2, 3, 3, 1]
    assert m.tie_rule(r) == 5  # a tie in the last round goes to the earlier draw (1), not the earlier row


def test_failed_fits_are_counted_not_dropped(clf_data):
    X, y = clf_data
    # two classes, one of two dots: the stochastic solvers' early-stopping split (stratified
    # for a binary target) fails on the training folds that hold only one of them
    y = np.where(y == 3, 2, 1)
    y[np.flatnonzero(y == 2)[2:]] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = m.random_search("classifier", X, y, n_trials=8, cv_folds=3, seed=1)
    t = res.cv_results
    stochastic = t["param_solver"].isin(["sgd", "adam"])
    assert stochastic.any() and (~stochastic).any()
    assert (t.loc[stochastic, "n_failed_folds"] > 0).all()
    assert (t.loc[~stochastic, "n_failed_folds"] == 0).all()
    assert t.loc[stochastic, "mean_test_score"].isna().all()
    assert res.n_failed_trials == int(stochastic.sum()) and res.fit_failures
    assert t.loc[stochastic, "rank"].min() > (~stochastic).sum()  # failed trials rank last
    assert "least populated" in " ".join(res.fit_failures)


@pytest.mark.parametrize("kwargs, message", [
    ({"estimator_kind": "forest"}, "estimator kind"),
    ({"n_trials": 0}, "n_trials"),
    ({"n_trials": 2.5}, "n_trials"),
    ({"cv_folds": 1}, "cv_folds"),
    ({"cv_folds": 500}, "cv_folds"),
    ({"seed": -1}, "seed"),
    ({"n_jobs": 0}, "n_jobs"),
    ({"method": "grid"}, "method"),
    ({"backend": "spark"}, "backend"),
    ({"scheduler": "tcp://127.0.0.1:8786"}, "backend='dask'"),
    ({"backend": "dask", "scheduler": "localhost"}, "scheduler address"),
])
def test_random_search_rejects_bad_inputs(clf_data, kwargs, message):
    X, y = clf_data
    args = {"estimator_kind": "classifier", "X": X, "y": y, "n_trials": 2, "cv_folds": 3, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        m.random_search(**args)


def test_random_search_rejects_bad_arrays(clf_data):
    X, y = clf_data
    with pytest.raises(ValueError, match="rows"):
        m.random_search("classifier", X, y[:-1], 2, 3, 0)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.random_search("classifier", Xn, y, 2, 3, 0)
    with pytest.raises(ValueError, match="2-dimensional"):
        m.random_search("classifier", X[:, 0], y, 2, 3, 0)


def test_search_is_usable_as_an_inner_estimator(clf_data):
    """Nested cross-validation: the whole search is the estimator the outer folds score."""
    X, y = clf_data
    inner = m.make_search("classifier", n_trials=2, cv_folds=2, seed=0)
    scores = cross_val_score(inner, X, y, cv=KFold(2, shuffle=True, random_state=0))
    assert scores.shape == (2,) and np.all((0 <= scores) & (scores <= 1))
    fitted = clone(inner).fit(X, y)
    assert fitted.score(X, y) == pytest.approx(fitted.best_estimator_.score(X, y))


# ------------------------------------------------------------------------ backends


def test_dask_local_cluster_gives_the_same_search_as_local_joblib(clf_data):
    distributed = pytest.importorskip("distributed")
    X, y = clf_data
    local = m.random_search("classifier", X, y, n_trials=4, cv_folds=3, seed=2, n_jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = m.random_search("classifier", X, y, n_trials=4, cv_folds=3, seed=2, backend="dask",
                                  scheduler=client)
        assert sum(client.run(lambda dask_worker: len(dask_worker.data) >= 0).values()) == 2  # two workers
    assert on_dask.best_params == local.best_params and on_dask.best_index == local.best_index
    pd.testing.assert_frame_equal(_results(on_dask), _results(local), check_exact=True)


# --------------------------------------------------------------------------- cache


def test_a_cache_hit_runs_no_fit(tmp_path, clf_data, count_fits):
    X, y = clf_data
    first = m.random_search("classifier", X, y, n_trials=3, cv_folds=2, seed=0, cache_dir=tmp_path, task="toy")
    assert len(count_fits) == 3 * 2 + 1 and not first.from_cache  # the CV fits and the refit
    count_fits.clear()
    again = m.random_search("classifier", X, y, n_trials=3, cv_folds=2, seed=0, cache_dir=tmp_path, task="toy")
    assert count_fits == [] and again.from_cache
    pd.testing.assert_frame_equal(again.cv_results, first.cv_results, check_exact=True)
    assert again.best_params == first.best_params and again.seconds == first.seconds
    np.testing.assert_array_equal(again.search.best_estimator_.coefs_[0], first.search.best_estimator_.coefs_[0])
    # a different backend is the same search: still a hit
    m.random_search("classifier", X, y, n_trials=3, cv_folds=2, seed=0, n_jobs=2, cache_dir=tmp_path, task="toy")
    assert count_fits == []


def _changed(name, monkeypatch, X, y):
    """The arguments of the reference search with one key part changed (monkeypatching where needed)."""
    kw = {"kind": "classifier", "n_trials": 3, "cv_folds": 2, "seed": 0, "task": "toy", "X": X, "y": y}
    if name == "data":
        X = X.copy()
        X[0, 0] += 1e-9
        kw["X"] = X
    elif name == "targets":
        y = y.copy()
        y[0] = 3 if y[0] != 3 else 2
        kw["y"] = y
    elif name == "feature names":
        kw["X"] = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    elif name in ("task", "n_trials", "cv_folds", "seed"):
        kw[name] = {"task": "other", "n_trials": 4, "cv_folds": 3, "seed": 1}[name]
    elif name == "method":
        kw["method"] = "halving"
    elif name == "space":
        space = m.param_space("classifier")
        monkeypatch.setattr(search, "param_space", lambda kind: {**space, "alpha": loguniform(1e-3, 10.0)})
    elif name == "versions":
        versions = cache.library_versions()
        monkeypatch.setattr(cache, "library_versions", lambda: {**versions, "scikit-learn": "0.0"})
    elif name == "code":
        monkeypatch.setattr(cache, "code_digest", lambda: "changed")
    else:
        raise AssertionError(name)
    return kw


@pytest.mark.parametrize("part", ["data", "targets", "feature names", "task", "n_trials", "cv_folds", "seed",
                                  "method", "space", "versions", "code"])
def test_changing_any_key_part_misses(tmp_path, clf_data, monkeypatch, part):
    X, y = clf_data
    calls = []

    def fit(s, X, y):
        calls.append(1)
        return "fitted"

    def run(kind, n_trials, cv_folds, seed, task, X, y, method="random"):
        s = m.make_search(kind, n_trials=n_trials, cv_folds=cv_folds, seed=seed, method=method)
        return cache.cached_fit(s, X, y, fit, cache_dir=tmp_path, task=task)

    reference = {"kind": "classifier", "n_trials": 3, "cv_folds": 2, "seed": 0, "task": "toy", "X": X, "y": y}
    assert run(**reference) == ("fitted", False) and run(**reference) == ("fitted", True) and len(calls) == 1
    assert run(**_changed(part, monkeypatch, X, y)) == ("fitted", False) and len(calls) == 2


def test_an_interrupted_search_leaves_no_entry(tmp_path, clf_data):
    X, y = clf_data
    s = m.make_search("classifier", n_trials=2, cv_folds=2, seed=0)

    def crash(s, X, y):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.cached_fit(s, X, y, crash, cache_dir=tmp_path)
    assert cache.cached_fit(s, X, y, lambda s, X, y: "done", cache_dir=tmp_path) == ("done", False)
    assert not list(tmp_path.rglob("*.pkl"))[1:] and not list(tmp_path.rglob("*.tmp"))  # only "done", no half entry


def test_cache_key_parts_are_stable_and_refuse_unstable_values(clf_data):
    X, y = clf_data
    s = m.make_search("classifier", n_trials=3, cv_folds=2, seed=0)
    assert cache.search_key(s, X, y, "t") == cache.search_key(clone(s), X.copy(), y.copy(), "t")
    assert "n_jobs" not in cache.search_key(s.set_params(n_jobs=2), X, y)["search"]["params"]
    with pytest.raises(TypeError, match="not stable"):
        cache.canonical(object())
    assert cache.default_cache_dir("/b/_build/outputs/05_x").as_posix() == "/b/_build/cache/search"


# ------------------------------------------------------------------------- halving


def test_halving_draws_the_same_candidates_and_reports_how_close(reg_data):
    X, y = reg_data
    plain = m.random_search("regressor", X, y, n_trials=9, cv_folds=2, seed=3)
    halving = m.random_search("regressor", X, y, n_trials=9, cv_folds=2, seed=3, method="halving")
    first_round = halving.cv_results[halving.cv_results["iter"] == 0]
    assert first_round["trial"].tolist() == list(range(9))
    for col in ("param_alpha", "param_hidden_layer_sizes", "param_solver"):
        assert first_round[col].tolist() == plain.cv_results[col].tolist()
    h = halving.search
    assert h.n_candidates_[0] == 9 and h.n_candidates_[-1] < 9 and h.n_resources_[0] < len(y)
    c = m.halving_comparison(plain, halving)
    chosen = plain.cv_results.set_index("trial").loc[c.halving_trial]
    assert c.halving_in_plain_rank == chosen["rank"] and c.halving_in_plain_mean == chosen["mean_test_score"]
    assert (c.halving_in_plain_rank == 1) == (c.halving_trial == plain.best_trial)
    assert c.fits_plain == 18 and c.fits_halving == sum(h.n_candidates_) * 2
    assert c.rows_halving < c.rows_plain and 0 < c.row_share < 1
    assert set(c.to_dict()) >= {"halving_in_plain_rank", "fit_share", "row_share"}
    assert not [k for k in c.to_dict() if "second" in k]
    assert list(c.table().index) == ["plain random search (the study's)", "successive halving"]
    other = m.random_search("regressor", X, y, n_trials=9, cv_folds=2, seed=4, method="halving")
    with pytest.raises(ValueError, match="same parameter sets"):
        m.halving_comparison(plain, other)


# ---------------------------------------------------------------------- evaluation


def test_evaluate_reports_scores_and_whole_data_cv(clf_data):
    X, y = clf_data
    Xtr, ytr, Xte, yte = X[:70], y[:70], X[70:], y[70:]
    est = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=300, random_state=0)
    ev = m.evaluate(est, Xtr, ytr, Xte, yte, cv_folds=5, seed=1)
    assert not hasattr(est, "coefs_")  # the argument is cloned, not fitted
    assert ev.score_train == pytest.approx(np.mean(ev.y_pred_train == ytr))
    assert ev.score_test == pytest.approx(np.mean(ev.y_pred_test == yte))
    assert len(ev.cv_scores) == 5 and ev.cv_mean == pytest.approx(ev.cv_scores.mean())
    # the CV covers the whole data set, training rows first
    np.testing.assert_array_equal(ev.y_cv, np.concatenate([ytr, yte]))
    assert len(ev.y_pred_cv) == len(y)
    again = m.evaluate(est, Xtr, ytr, Xte, yte, cv_folds=5, seed=1)
    assert again.to_dict() == ev.to_dict()
    row = m.score_row(ev)
    assert set(row) == {"train", "test", "k-fold CV"} and "±" in row["k-fold CV"]


def test_evaluate_accepts_dataframes(reg_data):
    X, y = reg_data
    cols = ["D", "f100", "f110", "HSi_ratio"]
    Xdf = pd.DataFrame(X, columns=cols)
    est = MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=200, random_state=0)
    ev = m.evaluate(est, Xdf.iloc[:60], y[:60], Xdf.iloc[60:], y[60:], cv_folds=3, seed=0)
    assert list(ev.estimator.feature_names_in_) == cols
    with pytest.raises(ValueError, match="cv_folds"):
        m.evaluate(est, Xdf.iloc[:60], y[:60], Xdf.iloc[60:], y[60:], cv_folds=1)


def test_classification_table_and_support(clf_data):
    y_true = np.array([1, 1, 2, 2, 2, 3])
    y_pred = np.array([1, 2, 2, 2, 2, 3])
    paper = {1: [0.5, 1.0, 0.67, 10], "2": [1.0, 0.5, 0.67, 20], 3: [1, 1, 1, 5]}
    t = m.classification_table(y_true, y_pred, [1, 2, 3], paper)
    assert t[("here", "support")].tolist() == [2, 3, 1]
    assert t[("paper", "support")].tolist() == [10, 20, 5]
    assert t.loc[1, ("here", "recall")] == 0.5 and t.loc[2, ("here", "precision")] == 0.75
    t4 = m.classification_table(y_true, y_pred, [1, 2], paper)  # the study has a class we lack
    assert list(t4.index) == [1, 2, 3] and pd.isna(t4.loc[3, ("here", "precision")])
    assert t4.loc[3, ("paper", "support")] == 5


def test_learning_curve_table(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=200, random_state=0)
    t = m.learning_curve_table(est, X, y, cv_folds=3, seed=0, train_sizes=(0.5, 1.0))
    assert list(t.columns) == ["n_train", "train_mean", "train_std", "cv_mean", "cv_std", "n_failed"]
    assert t["n_train"].tolist() == [30, 60]
    pd.testing.assert_frame_equal(t, m.learning_curve_table(est, X, y, cv_folds=3, seed=0, train_sizes=(0.5, 1.0)))
    with pytest.raises(ValueError, match="train_sizes"):
        m.learning_curve_table(est, X, y, train_sizes=(0.0, 1.0))


def test_random_forest_comparison(clf_data):
    X, y = clf_data
    ev = m.random_forest_comparison(X[:70], y[:70], X[70:], y[70:], cv_folds=3, seed=0, n_estimators=20)
    assert 0 <= ev.score_test <= 1 and ev.score_train >= ev.score_test - 1e-12
    with pytest.raises(ValueError, match="n_estimators"):
        m.random_forest_comparison(X[:70], y[:70], X[70:], y[70:], n_estimators=0)


# ------------------------------------------------------------------------- weights


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_export_weights_round_trip(tmp_path, clf_data, kind):
    X, y = clf_data
    est = m.make_estimator(kind, {"hidden_layer_sizes": (5, 3), "solver": "lbfgs", "max_iter": 50, "random_state": 0})
    with pytest.warns(Warning):  # 50 iterations do not converge
        est.fit(X, y if kind == "classifier" else y.astype(float))
    names = ["a", "b", "c", "d"]
    paths = m.export_weights(est, tmp_path / "sub" / "net", feature_names=names)
    assert [p.name for p in paths] == [f"net_layer{i}_{w}.csv" for i in (1, 2, 3) for w in ("weights", "biases")]
    assert not list((tmp_path / "sub").glob(".*.tmp"))
    for i, (coef, bias) in enumerate(zip(est.coefs_, est.intercepts_), start=1):
        W = pd.read_csv(tmp_path / "sub" / f"net_layer{i}_weights.csv", index_col=0)
        B = pd.read_csv(tmp_path / "sub" / f"net_layer{i}_biases.csv", index_col=0)
        assert W.shape == coef.shape and B.shape == (len(bias), 1)
        np.testing.assert_allclose(W.to_numpy(), coef, rtol=1e-9)
        np.testing.assert_allclose(B["bias"].to_numpy(), bias, rtol=1e-9)
    first = pd.read_csv(tmp_path / "sub" / "net_layer1_weights.csv", index_col=0)
    assert list(first.index) == names
    with pytest.raises(ValueError, match="not fitted"):
        m.export_weights(MLPRegressor(), tmp_path / "x")
    with pytest.raises(ValueError, match="feature names"):
        m.export_weights(est, tmp_path / "y", feature_names=["a"])


# ------------------------------------------------------------------------- figures


def test_figures_draw(clf_data, reg_data):
    import matplotlib.pyplot as plt

    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=300, random_state=0).fit(X, y)
    fig = fm.plot_confusion_matrices({"a": (y, est.predict(X), [1, 2, 3], ["one", "two", "three"]),
                                      "b": (y, y, [1, 2, 3], None)})
    assert len(fig.axes) == 4  # two panels, two colour bars
    lc = m.learning_curve_table(est, X, y, cv_folds=3, seed=0, train_sizes=(0.5, 1.0))
    fm.plot_learning_curves({"a": lc})
    Xr, yr = reg_data
    fm.plot_parity({"train": (yr, yr + 1), "test": (yr[:10], yr[:10] - 1)})
    fm.plot_weights(m.weight_tables(est), title="net")
    plt.close("all")


def test_run_task_end_to_end_and_metrics(clf_data, tmp_path):
    X, y = clf_data
    paper = {"hidden_layer_sizes": [4], "activation": "relu", "solver": "lbfgs", "alpha": 0.01,
             "learning_rate": "constant", "max_iter": 200, "early_stopping": True, "random_state": 42}
    task = m.run_task("toy", "classifier", X, y, paper_params=paper, test_size=0.25, n_trials=3, cv_folds=3,
                      eval_cv_folds=3, seed=1, cache_dir=tmp_path)
    assert len(task.test_index) == 23 and len(set(task.train_index) | set(task.test_index)) == 90
    assert task.search.n_rows == 67
    assert task.paper_params["random_state"] == 1 and task.paper_params["hidden_layer_sizes"] == (4,)
    met = m.task_metrics(task)
    assert {c: r[3] for c, r in met["report"].items()} == met["test_counts"]
    assert met["search"]["best_params"] == met["search_best"]["params"]
    table = m.comparison_table(task, {"params": paper, "score_train": 1.0, "score_test": 0.9,
                                      "cv_mean": 0.9, "cv_std": 0.1})
    assert list(table.index) == ["search best (here)", "study's parameters (here)", "study (reported)"]
    comparison = m.compare_halving(task, X, cache_dir=tmp_path)
    assert comparison.n_trials == 3 and comparison.plain_trial == task.search.best_trial
    with pytest.raises(ValueError, match="two classes"):
        m.run_task("one", "classifier", X, np.ones(len(y), int), paper_params=paper, test_size=0.25,
                   n_trials=1, cv_folds=3, eval_cv_folds=3, seed=1)
    with pytest.raises(ValueError, match="test_size"):
        m.run_task("toy", "classifier", X, y, paper_params=paper, test_size=1.5, n_trials=1, cv_folds=3,
                   eval_cv_folds=3, seed=1)


def test_confusion_pairs_and_bands_from_wavelengths():
    t = m.confusion_pairs([1, 1, 2, 2, 3], [2, 2, 1, 2, 3])
    assert t[["true", "predicted", "count"]].values.tolist() == [[1, 2, 2], [2, 1, 1]]
    assert t["share"].sum() == pytest.approx(1.0)
    true, pred = m.bands_from_wavelengths([410, 460, 700], [395, 500, 800])
    assert true.tolist() == [1, 2, 6] and pred.tolist() == [1, 3, 6]
    with pytest.raises(ValueError, match="within the colour bands"):
        m.bands_from_wavelengths([390], [400])


"""Unit tests of siqd_utils.models and siqd_utils.plotting.models on small synthetic data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.neural_network import MLPClassifier, MLPRegressor

from siqd_utils.plotting import models as fm
from siqd_utils import models as m
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


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# --------------------------------------------------------------------------- space


def test_param_space_covers_the_study_and_its_choices():
    space = m.param_space("classifier")
    assert list(space) == list(m.PARAM_ORDER)
    draws = m.sample_params(space, 300, seed=1)
    sizes = [d["hidden_layer_sizes"] for d in draws]
    assert {len(s) for s in sizes} == {1, 2, 3}
    assert min(min(s) for s in sizes) >= 2 and max(max(s) for s in sizes) <= 12
    assert {d["activation"] for d in draws} == {"identity", "logistic", "tanh", "relu"}
    assert {d["solver"] for d in draws} == {"lbfgs", "sgd", "adam"}
    assert all(1e-4 <= d["alpha"] <= 10 for d in draws)
    assert all(100 <= d["max_iter"] <= 1000 for d in draws)
    assert all(d["early_stopping"] is True and d["random_state"] == 42 for d in draws)
    # the study's own choices lie inside the space
    paper = load_paper_results()
    for params in (paper["classification"]["bands"]["params"], paper["classification"]["clusters"]["params"],
                   paper["regression"]["params"]):
        assert 1 <= len(params["hidden_layer_sizes"]) <= 3
        assert all(2 <= u <= 12 for u in params["hidden_layer_sizes"])
        assert 1e-4 <= params["alpha"] <= 10 and 100 <= params["max_iter"] <= 1000


def test_sample_params_is_seeded_and_prefix_stable():
    space = m.param_space("regressor", random_state=7)
    a = m.sample_params(space, 20, seed=3)
    assert a == m.sample_params(space, 20, seed=3)
    assert a[:5] == m.sample_params(space, 5, seed=3)
    assert a != m.sample_params(space, 20, seed=4)
    assert all(d["random_state"] == 7 for d in a)
    assert isinstance(m.describe_space(space), pd.DataFrame)


def test_make_estimator_accepts_yaml_lists():
    est = m.make_estimator("regressor", {"hidden_layer_sizes": [10, 3], "alpha": 1.0})
    assert isinstance(est, MLPRegressor) and est.hidden_layer_sizes == (10, 3)
    assert isinstance(m.make_estimator("classifier", {}), MLPClassifier)


# -------------------------------------------------------------------------- search


def test_random_search_is_deterministic_and_independent_of_n_jobs(clf_data):
    X, y = clf_data
    a = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=5, n_jobs=1, progress=False)
    b = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=5, n_jobs=1, progress=False)
    c = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=5, n_jobs=2, progress=False)
    _frames_equal(a.trials, b.trials)
    _frames_equal(a.trials, c.trials)
    assert a.best_params == c.best_params and a.cv_mean == c.cv_mean
    d = m.random_search("classifier", X, y, n_trials=6, cv_folds=3, seed=6, n_jobs=1, progress=False)
    assert not a.trials[["mean_score"]].equals(d.trials[["mean_score"]])


def test_random_search_table_and_ranking(reg_data):
    X, y = reg_data
    res = m.random_search("regressor", X, y, n_trials=5, cv_folds=3, seed=0, progress=False)
    t = res.trials
    assert list(t["trial"]) == list(range(5))
    assert sorted(t["rank"]) == [1, 2, 3, 4, 5]
    assert {"split0", "split1", "split2", "mean_score", "std_score", "n_convergence_warnings"} <= set(t.columns)
    best = t.loc[t["rank"] == 1].iloc[0]
    assert best["trial"] == res.best_index and best["mean_score"] == res.cv_mean
    finite = t["mean_score"].dropna()
    assert res.cv_mean == finite.max()
    np.testing.assert_allclose(best["std_score"], np.std([best[f"split{i}"] for i in range(3)]))
    d = res.to_dict()
    assert d["best_params"]["hidden_layer_sizes"] == list(res.best_params["hidden_layer_sizes"])
    assert "seconds" not in d
    assert len(res.top(3)) == 3 and res.top(3)["rank"].tolist() == [1, 2, 3]


def test_ties_go_to_lower_std_then_earlier_trial(monkeypatch, clf_data):
    X, y = clf_data
    fixed = {0: [0.8, 0.8, 0.8], 1: [0.9, 0.7, 0.8], 2: [0.8, 0.8, 0.8], 3: [0.5, 0.5, 0.5]}
    calls = iter(range(4))

    def fake(kind, params, X, y, splits, scoring):
        return {"scores": fixed[next(calls)], "n_failed_folds": 0, "error": "",
                "n_convergence_warnings": 0, "n_other_warnings": 0}

    monkeypatch.setattr(m, "_fit_folds", fake)
    res = m.random_search("classifier", X, y, n_trials=4, cv_folds=3, seed=0, progress=False)
    # trials 0, 1, 2 share the mean 0.8: lowest std first (0 and 2), then the earlier trial
    assert res.best_index == 0
    assert res.trials.set_index("trial")["rank"].to_dict() == {0: 1, 2: 2, 1: 3, 3: 4}


@pytest.mark.parametrize("kwargs, message", [
    ({"estimator_kind": "forest"}, "estimator kind"),
    ({"n_trials": 0}, "n_trials"),
    ({"n_trials": 2.5}, "n_trials"),
    ({"cv_folds": 1}, "cv_folds"),
    ({"cv_folds": 500}, "cv_folds"),
    ({"seed": -1}, "seed"),
    ({"n_jobs": 0}, "n_jobs"),
])
def test_random_search_rejects_bad_inputs(clf_data, kwargs, message):
    X, y = clf_data
    args = {"estimator_kind": "classifier", "X": X, "y": y, "n_trials": 2, "cv_folds": 3, "seed": 0,
            "progress": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        m.random_search(**args)


def test_random_search_rejects_bad_arrays(clf_data):
    X, y = clf_data
    with pytest.raises(ValueError, match="rows"):
        m.random_search("classifier", X, y[:-1], 2, 3, 0, progress=False)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.random_search("classifier", Xn, y, 2, 3, 0, progress=False)
    with pytest.raises(ValueError, match="2-dimensional"):
        m.random_search("classifier", X[:, 0], y, 2, 3, 0, progress=False)


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


def test_run_task_end_to_end_and_metrics(clf_data):
    X, y = clf_data
    paper = {"hidden_layer_sizes": [4], "activation": "relu", "solver": "lbfgs", "alpha": 0.01,
             "learning_rate": "constant", "max_iter": 200, "early_stopping": True, "random_state": 42}
    task = m.run_task("toy", "classifier", X, y, paper_params=paper, test_size=0.25, n_trials=3, cv_folds=3,
                      eval_cv_folds=3, seed=1, progress=False)
    assert len(task.test_index) == 23 and len(set(task.train_index) | set(task.test_index)) == 90
    assert task.paper_params["random_state"] == 1 and task.paper_params["hidden_layer_sizes"] == (4,)
    met = m.task_metrics(task)
    assert {c: r[3] for c, r in met["report"].items()} == met["test_counts"]
    table = m.comparison_table(task, {"params": paper, "score_train": 1.0, "score_test": 0.9,
                                      "cv_mean": 0.9, "cv_std": 0.1})
    assert list(table.index) == ["search best (here)", "study's parameters (here)", "study (reported)"]
    with pytest.raises(ValueError, match="two classes"):
        m.run_task("one", "classifier", X, np.ones(len(y), int), paper_params=paper, test_size=0.25,
                   n_trials=1, cv_folds=3, eval_cv_folds=3, seed=1, progress=False)
    with pytest.raises(ValueError, match="test_size"):
        m.run_task("toy", "classifier", X, y, paper_params=paper, test_size=1.5, n_trials=1, cv_folds=3,
                   eval_cv_folds=3, seed=1, progress=False)


def test_confusion_pairs_and_bands_from_wavelengths():
    t = m.confusion_pairs([1, 1, 2, 2, 3], [2, 2, 1, 2, 3])
    assert t[["true", "predicted", "count"]].values.tolist() == [[1, 2, 2], [2, 1, 1]]
    assert t["share"].sum() == pytest.approx(1.0)
    true, pred = m.bands_from_wavelengths([410, 460, 700], [395, 500, 800])
    assert true.tolist() == [1, 2, 6] and pred.tolist() == [1, 3, 6]
    with pytest.raises(ValueError, match="within the colour bands"):
        m.bands_from_wavelengths([390], [400])


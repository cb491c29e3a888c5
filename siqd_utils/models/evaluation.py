"""Scoring one network the way the study reports it, and the baselines beside it.

:func:`evaluate`
    Fits one estimator on the training set and reports train and test scores and a
    k-fold cross-validation on the **whole data set** (training and test rows
    together), the way the study reports its "10-fold CV" next to train and test; the
    same fold models give every row's cross-validated prediction.
:func:`learning_curve_table`
    scikit-learn's learning curve as a table.
:func:`random_forest_comparison`
    A random forest evaluated exactly like the networks (the study's ESI baseline).
:func:`score_row`
    One display row: train, test and ``mean ± std`` of the k-fold CV.

Every fit runs with BLAS limited to one thread, so results do not depend on ``n_jobs``;
warnings raised while fitting (chiefly
:class:`~sklearn.exceptions.ConvergenceWarning`) are silenced and counted.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import learning_curve
from threadpoolctl import threadpool_limits

from .inputs import as_xy, check_kind, check_n_jobs, check_positive_int, rows, splits as fold_splits, stack

__all__ = ["Evaluation", "evaluate", "learning_curve_summary", "learning_curve_table", "random_forest_comparison", "score_row"]


@dataclass(eq=False)
class Evaluation:
    """Outcome of :func:`evaluate`.

    Attributes
    ----------
    estimator
        The estimator fitted on the training set.
    score_train, score_test : float
        Its score on the training and on the test set (accuracy or R^2).
    cv_mean, cv_std : float
        Mean and standard deviation (``ddof=0``) of the k-fold scores on the whole
        data set (training and test rows together).
    cv_scores : numpy.ndarray
        The score of each fold.
    y_train, y_test, y_pred_train, y_pred_test : numpy.ndarray
        True values and the fitted estimator's predictions.
    y_cv, y_pred_cv : numpy.ndarray
        The whole data set's true values (training rows first, then test rows) and each
        row's prediction by the fold model that did not see it.
    n_convergence_warnings : int
        Convergence warnings over all fits (the final fit and the k fold fits).
    cv_fold : numpy.ndarray of int
        The fold (0 .. k-1) in which each row of ``y_cv`` was predicted.
    """

    estimator: Any
    score_train: float
    score_test: float
    cv_mean: float
    cv_std: float
    cv_scores: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    y_pred_train: np.ndarray
    y_pred_test: np.ndarray
    y_cv: np.ndarray
    y_pred_cv: np.ndarray
    n_convergence_warnings: int = 0
    cv_fold: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scores, JSON-ready."""
        return {"score_train": self.score_train, "score_test": self.score_test,
                "cv_mean": self.cv_mean, "cv_std": self.cv_std, "cv_scores": list(self.cv_scores),
                "n_convergence_warnings": self.n_convergence_warnings}


def evaluate(estimator: Any, X_train: Any, y_train: Any, X_test: Any, y_test: Any,
             cv_folds: int = 10, seed: int = 42, scoring: str | None = None) -> Evaluation:
    """Train/test scores and a k-fold cross-validation of one estimator, as the study reports them.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Unfitted (it is cloned; the argument is not changed).
    X_train, y_train : array-like
        The training set: the estimator is fitted on it for the train and test scores.
    X_test, y_test : array-like
        The held-out test set.
    cv_folds : int, default=10
        Folds of the cross-validation, stratified for a classifier, shuffled with ``seed``.
    seed : int, default=42
        Seeds the folds.
    scoring : str, callable or None, default=None
        None: the estimator's ``score`` (accuracy or R^2).

    Returns
    -------
    Evaluation

    Notes
    -----
    The k-fold cross-validation runs on the **whole data set**, the training rows
    followed by the test rows: each fold model is fitted on (k-1)/k of all rows and
    scored on the rest.  The study reports its "10-fold CV" as a third number next to
    the training and test scores, not as the score of the search, and its standard
    deviations (0.084, 0.10) are those of folds of about 30 dots, about a tenth of
    its 297; this reading is ours, the paper does not say which rows the folds
    covered.  The same fold models give the cross-validated predictions ``y_pred_cv``.
    """
    cv_folds = check_positive_int("cv_folds", cv_folds, low=2)
    seed = check_positive_int("seed", seed, low=0)
    kind = "classifier" if is_classifier(estimator) else "regressor"
    Xtr_a, ytr = as_xy(X_train, y_train, "X_train")
    Xte_a, yte = as_xy(X_test, y_test, "X_test")
    if Xtr_a.shape[1] != Xte_a.shape[1]:
        raise ValueError(f"X_train has {Xtr_a.shape[1]} features but X_test has {Xte_a.shape[1]}")
    X_all = stack(X_train, X_test)
    y_all = np.concatenate([ytr, yte])
    folds = fold_splits(kind, np.asarray(X_all, dtype=float), y_all, cv_folds, seed)

    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        final = clone(estimator).fit(X_train, ytr)
        scorer = check_scoring(final, scoring=scoring)
        score_train = float(scorer(final, X_train, ytr))
        score_test = float(scorer(final, X_test, yte))
        pred_train, pred_test = final.predict(X_train), final.predict(X_test)
        cv_scores = []
        pred_cv = np.empty(len(y_all), dtype=np.asarray(pred_train).dtype)
        fold_of = np.empty(len(y_all), dtype=np.int64)
        for i, (train, test) in enumerate(folds):
            fold_of[test] = i
            est = clone(estimator).fit(rows(X_all, train), y_all[train])
            cv_scores.append(float(check_scoring(est, scoring=scoring)(est, rows(X_all, test), y_all[test])))
            pred_cv[test] = est.predict(rows(X_all, test))
    cv = np.asarray(cv_scores)
    n_conv = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
    return Evaluation(final, score_train, score_test, float(cv.mean()), float(cv.std()), cv,
                      ytr, yte, np.asarray(pred_train), np.asarray(pred_test), y_all, pred_cv, n_conv, fold_of)


def score_row(ev: Evaluation, digits: int = 3) -> dict[str, Any]:
    """One table row: train, test and ``mean ± std`` of the k-fold CV."""
    return {"train": round(ev.score_train, digits), "test": round(ev.score_test, digits),
            "k-fold CV": f"{ev.cv_mean:.{digits}f} ± {ev.cv_std:.{digits}f}"}


def learning_curve_table(estimator: Any, X: Any, y: Any, cv_folds: int = 10, seed: int = 42,
                         train_sizes: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
                         n_jobs: int = 1, scoring: str | None = None) -> pd.DataFrame:
    """Learning curve (:func:`sklearn.model_selection.learning_curve`) as a table.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Unfitted.
    X, y : array-like
        The rows to learn from (the chapters pass the whole data set, as for the CV).
    cv_folds : int, default=10
        Folds (stratified for a classifier), shuffled with ``seed``.
    seed : int, default=42
        Seeds the folds and the random subsets of each training fold.
    train_sizes : sequence of float, default=0.1..1.0
        Fractions of a training fold used.
    n_jobs : int, default=1
        Parallel fits (joblib). The result does not depend on it.
    scoring : str, callable or None, default=None
        None: the estimator's ``score``.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_train`` (training rows), ``train_mean``, ``train_std``,
        ``cv_mean``, ``cv_std`` (``ddof=0``) and ``n_failed`` (fold fits that raised
        and were left out of the means).
    """
    cv_folds = check_positive_int("cv_folds", cv_folds, low=2)
    seed = check_positive_int("seed", seed, low=0)
    n_jobs = check_n_jobs(n_jobs)
    sizes = np.asarray(train_sizes, dtype=float)
    if sizes.ndim != 1 or len(sizes) == 0 or np.any(sizes <= 0) or np.any(sizes > 1):
        raise ValueError(f"train_sizes = {train_sizes!r}: must be fractions in (0, 1]")
    kind = "classifier" if is_classifier(estimator) else "regressor"
    Xa, ya = as_xy(X, y)
    folds = fold_splits(kind, Xa, ya, cv_folds, seed)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n_train, train, test = learning_curve(
            clone(estimator), X, ya, train_sizes=sizes, cv=folds, scoring=scoring,
            shuffle=True, random_state=seed, n_jobs=n_jobs, error_score=np.nan)
    return pd.DataFrame({
        "n_train": n_train.astype(int),
        "train_mean": np.nanmean(train, axis=1), "train_std": np.nanstd(train, axis=1),
        "cv_mean": np.nanmean(test, axis=1), "cv_std": np.nanstd(test, axis=1),
        "n_failed": np.isnan(test).sum(axis=1).astype(int),
    })


def random_forest_comparison(X_train: Any, y_train: Any, X_test: Any, y_test: Any, cv_folds: int = 10,
                             seed: int = 42, n_estimators: int = 300, kind: str = "classifier") -> Evaluation:
    """Evaluate a random forest exactly as :func:`evaluate` evaluates the networks.

    The forest has scikit-learn's default settings apart from ``n_estimators`` and
    ``random_state=seed`` (the study's ESI compares a random forest with the band
    classifier without giving its settings).
    """
    check_kind(kind)
    n_estimators = check_positive_int("n_estimators", n_estimators)
    cls = RandomForestClassifier if kind == "classifier" else RandomForestRegressor
    forest = cls(n_estimators=n_estimators, random_state=seed, n_jobs=1)
    return evaluate(forest, X_train, y_train, X_test, y_test, cv_folds=cv_folds, seed=seed)


def learning_curve_summary(table: pd.DataFrame) -> dict[str, float]:
    """``tail_change``: change of the CV score over the last third of a learning curve
    (near 0: levelled off); ``gap``: training minus CV score at full size (over-fitting)."""
    tail = table.tail(max(2, len(table) // 3))
    return {"tail_change": float(tail["cv_mean"].iloc[-1] - tail["cv_mean"].iloc[0]),
            "gap": float(table["train_mean"].iloc[-1] - table["cv_mean"].iloc[-1])}

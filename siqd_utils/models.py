"""Neural-network searches and evaluations of the classification and regression chapters.

The study tuned scikit-learn multilayer perceptrons by random search (5000 trials over
the number of hidden layers, neurons per layer, activation, solver, regularisation,
learning-rate schedule and iteration budget) and reported, for the chosen network, the
score on the training set, on a held-out test set and a 10-fold cross-validation mean
and standard deviation.  This module provides those steps as plain functions:

:func:`param_space`
    The search space, as a mapping of parameter name to a small sampler object.
:func:`random_search`
    Draws every trial's parameters up front from one seeded generator, scores each
    trial by k-fold cross-validation **on the training set only** (stratified folds for
    a classifier, shuffled folds for a regressor), in parallel with joblib, and ranks
    the trials deterministically.
:func:`evaluate`
    Fits one estimator on the training set and reports train and test scores and a
    k-fold cross-validation on the **whole data set** (training and test rows
    together), the way the study reports its "10-fold CV" next to train and test.
:func:`learning_curve_table`, :func:`random_forest_comparison`, :func:`classification_table`
    The learning curves, the random-forest baseline and the per-class report.
:func:`weight_tables`, :func:`export_weights`
    The fitted weights and biases, per layer, as tables and CSV files.

Every random draw is fixed by a seed.  Each fit runs with BLAS limited to one thread,
so results do not depend on ``n_jobs``; warnings raised while fitting (chiefly
:class:`~sklearn.exceptions.ConvergenceWarning`) are silenced and counted.

Two properties of scikit-learn's :class:`~sklearn.neural_network.MLPClassifier` and
:class:`~sklearn.neural_network.MLPRegressor` matter when reading the study's settings:
``early_stopping`` acts only with the stochastic solvers ``sgd`` and ``adam``, and
``learning_rate`` (the schedule) only with ``sgd``; with ``solver='lbfgs'`` both are
ignored.  The search still draws them, as the study did, and records them.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, precision_recall_fscore_support
from sklearn.model_selection import KFold, StratifiedKFold, learning_curve
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from .atomic import write_text_atomic

__all__ = [
    "KINDS",
    "Choice",
    "Evaluation",
    "Fixed",
    "HiddenLayers",
    "IntUniform",
    "LogUniform",
    "SearchResult",
    "TaskResult",
    "bands_from_wavelengths",
    "classification_table",
    "comparison_table",
    "confusion_pairs",
    "describe_space",
    "evaluate",
    "export_weights",
    "learning_curve_table",
    "make_estimator",
    "make_folds",
    "param_space",
    "random_forest_comparison",
    "random_search",
    "run_task",
    "sample_params",
    "score_row",
    "task_metrics",
    "weight_tables",
]

#: Estimator kinds understood by this module.
KINDS = ("classifier", "regressor")

#: Order of the MLP parameters in tables.
PARAM_ORDER = ("hidden_layer_sizes", "activation", "solver", "alpha", "learning_rate",
               "max_iter", "early_stopping", "random_state")


# ----------------------------------------------------------------------- search space


@dataclass(frozen=True)
class Choice:
    """One of ``options``, each equally likely."""

    options: tuple

    def sample(self, rng: np.random.Generator) -> Any:
        return self.options[int(rng.integers(len(self.options)))]

    def describe(self) -> str:
        return "one of " + ", ".join(str(o) for o in self.options)


@dataclass(frozen=True)
class LogUniform:
    """A float whose logarithm is uniform on ``[log(low), log(high)]``."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def describe(self) -> str:
        return f"log-uniform from {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class IntUniform:
    """An integer uniform on ``low..high`` (both included)."""

    low: int
    high: int

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high + 1))

    def describe(self) -> str:
        return f"integer from {self.low} to {self.high}"


@dataclass(frozen=True)
class HiddenLayers:
    """A tuple of hidden-layer widths: ``min_layers..max_layers`` layers of ``min_units..max_units`` each."""

    min_layers: int
    max_layers: int
    min_units: int
    max_units: int

    def sample(self, rng: np.random.Generator) -> tuple[int, ...]:
        n = int(rng.integers(self.min_layers, self.max_layers + 1))
        return tuple(int(u) for u in rng.integers(self.min_units, self.max_units + 1, size=n))

    def describe(self) -> str:
        return (f"{self.min_layers}-{self.max_layers} hidden layers, "
                f"{self.min_units}-{self.max_units} neurons each")


@dataclass(frozen=True)
class Fixed:
    """Always ``value``."""

    value: Any

    def sample(self, rng: np.random.Generator) -> Any:
        return self.value

    def describe(self) -> str:
        return f"fixed: {self.value}"


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"estimator kind {kind!r}: must be one of {KINDS}")
    return kind


def param_space(kind: str, random_state: int = 42) -> dict[str, Any]:
    """The study's random-search space for an MLP classifier or regressor.

    Parameters
    ----------
    kind : {"classifier", "regressor"}
        Which estimator the space is for (both use the same space).
    random_state : int, default=42
        The fixed seed of every network's weight initialisation (the study used 42).

    Returns
    -------
    dict
        Parameter name -> sampler (:class:`HiddenLayers`, :class:`Choice`,
        :class:`LogUniform`, :class:`IntUniform` or :class:`Fixed`), in the order of
        :data:`PARAM_ORDER`.  Each sampler has ``sample(rng)`` and ``describe()``.

    Notes
    -----
    Hidden layers: 1-3 layers of 2-12 neurons; activation identity, logistic, tanh or
    relu; solver lbfgs, sgd or adam; L2 penalty ``alpha`` log-uniform on 1e-4..10
    (the study's chosen values, 0.045-4.65, lie inside); learning-rate schedule
    constant, invscaling or adaptive; ``max_iter`` 100-1000; ``early_stopping`` True.
    """
    _check_kind(kind)
    if not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool) or random_state < 0:
        raise ValueError(f"random_state = {random_state!r}: must be a non-negative integer")
    return {
        "hidden_layer_sizes": HiddenLayers(1, 3, 2, 12),
        "activation": Choice(("identity", "logistic", "tanh", "relu")),
        "solver": Choice(("lbfgs", "sgd", "adam")),
        "alpha": LogUniform(1e-4, 10.0),
        "learning_rate": Choice(("constant", "invscaling", "adaptive")),
        "max_iter": IntUniform(100, 1000),
        "early_stopping": Fixed(True),
        "random_state": Fixed(int(random_state)),
    }


def describe_space(space: Mapping[str, Any]) -> pd.DataFrame:
    """A table of the search space: one row per parameter with its range."""
    return pd.DataFrame({"parameter": list(space), "values drawn": [s.describe() for s in space.values()]})


def sample_params(space: Mapping[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    """Draw ``n`` parameter sets from ``space`` with one generator seeded by ``seed``.

    The draws are made in a fixed order (trial by trial, parameter by parameter), so
    the first ``k`` sets are the same whatever ``n`` is.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n = {n!r}: must be a positive integer")
    rng = np.random.default_rng(seed)
    return [{name: sampler.sample(rng) for name, sampler in space.items()} for _ in range(int(n))]


def make_estimator(kind: str, params: Mapping[str, Any]):
    """An unfitted :class:`MLPClassifier` or :class:`MLPRegressor` with ``params``.

    ``hidden_layer_sizes`` may be a list (as read from YAML); it becomes a tuple.
    """
    _check_kind(kind)
    params = dict(params)
    if "hidden_layer_sizes" in params:
        params["hidden_layer_sizes"] = tuple(int(u) for u in params["hidden_layer_sizes"])
    cls = MLPClassifier if kind == "classifier" else MLPRegressor
    return cls(**params)


# ------------------------------------------------------------------------ validation


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_positive_int(name: str, value: Any, low: int = 1) -> int:
    if not _is_int(value) or value < low:
        raise ValueError(f"{name} = {value!r}: must be an integer of at least {low}")
    return int(value)


def _check_n_jobs(n_jobs: Any) -> int:
    if not _is_int(n_jobs) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs = {n_jobs!r}: must be -1 (all cores) or a positive integer")
    return int(n_jobs)


def _as_xy(X: Any, y: Any, name: str = "X") -> tuple[np.ndarray, np.ndarray]:
    Xa = np.asarray(X, dtype=float)
    ya = np.asarray(y)
    if Xa.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (samples x features), got shape {Xa.shape}")
    if ya.ndim != 1:
        raise ValueError(f"y must be 1-dimensional, got shape {ya.shape}")
    if len(Xa) != len(ya):
        raise ValueError(f"{name} has {len(Xa)} rows but y has {len(ya)} values")
    if len(Xa) == 0:
        raise ValueError(f"{name} has no rows")
    if not np.all(np.isfinite(Xa)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return Xa, ya


def make_folds(kind: str, n_splits: int, seed: int):
    """The cross-validation splitter: stratified (classifier) or plain (regressor) k-fold, shuffled with ``seed``."""
    _check_kind(kind)
    n_splits = _check_positive_int("cv_folds", n_splits, low=2)
    cls = StratifiedKFold if kind == "classifier" else KFold
    return cls(n_splits=n_splits, shuffle=True, random_state=seed)


def _splits(kind: str, X: np.ndarray, y: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    if n_splits > len(y):
        raise ValueError(f"cv_folds = {n_splits}: more folds than samples ({len(y)})")
    if kind == "classifier":
        counts = np.unique(y, return_counts=True)[1]
        if counts.max() < n_splits:
            raise ValueError(f"cv_folds = {n_splits}: every class has fewer members than folds "
                             f"(largest class: {counts.max()})")
    with warnings.catch_warnings():
        # StratifiedKFold warns when a class has fewer members than folds; the folds are still valid.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        return [(tr, te) for tr, te in make_folds(kind, n_splits, seed).split(X, y)]


# ---------------------------------------------------------------------- random search


def _fit_folds(kind: str, params: Mapping[str, Any], X: np.ndarray, y: np.ndarray,
               splits: Sequence[tuple[np.ndarray, np.ndarray]], scoring: Any) -> dict[str, Any]:
    """Cross-validate one parameter set; one BLAS thread; warnings counted, errors recorded."""
    scores: list[float] = []
    n_failed = 0
    error = ""
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for train, test in splits:
            est = make_estimator(kind, params)
            try:
                est.fit(X[train], y[train])
                scorer = check_scoring(est, scoring=scoring)
                scores.append(float(scorer(est, X[test], y[test])))
            except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
                scores.append(float("nan"))
                n_failed += 1
                error = error or f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    n_conv = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
    return {"scores": scores, "n_failed_folds": n_failed, "error": error,
            "n_convergence_warnings": n_conv, "n_other_warnings": len(caught) - n_conv}


@dataclass(eq=False)
class SearchResult:
    """Outcome of :func:`random_search`.

    Attributes
    ----------
    kind : str
        ``"classifier"`` or ``"regressor"``.
    best_params : dict
        Parameters of the best trial (pass to :func:`make_estimator`).
    best_index : int
        Its trial number (0-based, the order of the draws).
    cv_mean, cv_std : float
        Mean and standard deviation (``ddof=0``) of its cross-validation scores on the
        training set.
    trials : pandas.DataFrame
        One row per trial, in draw order: the parameters, ``mean_score``,
        ``std_score``, one ``split<i>`` column per fold, ``n_failed_folds``, ``error``,
        warning counts and ``rank`` (1 = best).
    n_trials, cv_folds, seed : int
        The search settings.
    scoring : str or None
        The scorer (None: the estimator's ``score``, accuracy or R^2).
    seconds : float
        Wall-clock time of the search (not part of the deterministic record).

    Compare two results with their ``trials`` tables (``==`` compares identity).
    """

    kind: str
    best_params: dict[str, Any]
    best_index: int
    cv_mean: float
    cv_std: float
    trials: pd.DataFrame
    n_trials: int
    cv_folds: int
    seed: int
    scoring: str | None
    seconds: float = 0.0

    @property
    def n_convergence_warnings(self) -> int:
        """Convergence warnings over all fits of the search."""
        return int(self.trials["n_convergence_warnings"].sum())

    @property
    def n_failed_trials(self) -> int:
        """Trials with at least one fold that could not be fitted or scored."""
        return int((self.trials["n_failed_folds"] > 0).sum())

    def best_estimator(self):
        """An unfitted estimator with the best parameters."""
        return make_estimator(self.kind, self.best_params)

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` best trials, best first, with their parameters and scores."""
        cols = ["rank", "trial", *PARAM_ORDER[:-2], "mean_score", "std_score", "n_convergence_warnings"]
        return self.trials.sort_values("rank").head(n)[cols].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """The deterministic summary (no timing), JSON-ready for the metrics file."""
        best = dict(self.best_params)
        best["hidden_layer_sizes"] = list(best["hidden_layer_sizes"])
        return {
            "kind": self.kind, "n_trials": self.n_trials, "cv_folds": self.cv_folds, "seed": self.seed,
            "scoring": self.scoring, "best_trial": self.best_index, "best_params": best,
            "cv_mean": self.cv_mean, "cv_std": self.cv_std,
            "n_convergence_warnings": self.n_convergence_warnings, "n_failed_trials": self.n_failed_trials,
        }


def random_search(estimator_kind: str, X: Any, y: Any, n_trials: int, cv_folds: int, seed: int,
                  n_jobs: int = 1, scoring: str | None = None, progress: bool = True) -> SearchResult:
    """Random search over :func:`param_space`, scored by k-fold cross-validation.

    Parameters
    ----------
    estimator_kind : {"classifier", "regressor"}
        :class:`MLPClassifier` or :class:`MLPRegressor`.
    X : array-like of shape (n_samples, n_features)
        The **training** features (keep the test set out of the search).
    y : array-like of shape (n_samples,)
        The training targets (class labels or values).
    n_trials : int
        Number of parameter sets drawn (at least 1).
    cv_folds : int
        Folds of the cross-validation (at least 2): :class:`StratifiedKFold` for a
        classifier, :class:`KFold` for a regressor, both shuffled with ``seed``; every
        trial sees the same folds.
    seed : int
        Seeds the draws of the parameter sets, the folds and every network's
        ``random_state``.
    n_jobs : int, default=1
        Trials evaluated in parallel (joblib; -1: all cores).  The result does not
        depend on it.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None uses the estimator's ``score`` (accuracy for a
        classifier, R^2 for a regressor).
    progress : bool, default=True
        Show a tqdm progress bar on stderr.

    Returns
    -------
    SearchResult
        The best parameters and their CV mean and standard deviation, and the table of
        all trials.  The best trial has the highest mean score; ties go to the lower
        standard deviation, then to the earlier trial.  A trial with a fold that could
        not be fitted (e.g. early stopping's stratified validation split on a rare
        class) has a NaN mean and ranks last.

    Raises
    ------
    ValueError
        On an unknown kind, a non-positive ``n_trials``, ``cv_folds`` < 2 or more
        folds than samples, a bad ``seed`` or ``n_jobs``, or malformed ``X``/``y``.
    """
    kind = _check_kind(estimator_kind)
    n_trials = _check_positive_int("n_trials", n_trials)
    cv_folds = _check_positive_int("cv_folds", cv_folds, low=2)
    seed = _check_positive_int("seed", seed, low=0)
    n_jobs = _check_n_jobs(n_jobs)
    Xa, ya = _as_xy(X, y)
    splits = _splits(kind, Xa, ya, cv_folds, seed)
    space = param_space(kind, random_state=seed)
    draws = sample_params(space, n_trials, seed)
    check_scoring(make_estimator(kind, draws[0]), scoring=scoring)  # fail early on a bad scorer

    start = time.perf_counter()
    jobs = (delayed(_fit_folds)(kind, p, Xa, ya, splits, scoring) for p in draws)
    outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    bar = tqdm(outcomes, total=n_trials, desc=f"{kind} search", file=sys.stderr,
               disable=not progress, mininterval=5.0, ascii=True)
    results = list(bar)
    seconds = time.perf_counter() - start

    rows = []
    for i, (p, r) in enumerate(zip(draws, results)):
        scores = np.asarray(r["scores"], dtype=float)
        ok = bool(np.all(np.isfinite(scores)))
        row = {"trial": i, **{k: p[k] for k in PARAM_ORDER},
               "n_layers": len(p["hidden_layer_sizes"]),
               "mean_score": float(scores.mean()) if ok else float("nan"),
               "std_score": float(scores.std()) if ok else float("nan")}
        row.update({f"split{j}": float(s) for j, s in enumerate(scores)})
        row.update({k: r[k] for k in ("n_failed_folds", "error", "n_convergence_warnings", "n_other_warnings")})
        rows.append(row)
    trials = pd.DataFrame(rows)
    order = sorted(range(n_trials), key=lambda i: (
        0 if np.isfinite(trials.at[i, "mean_score"]) else 1,
        -trials.at[i, "mean_score"] if np.isfinite(trials.at[i, "mean_score"]) else 0.0,
        trials.at[i, "std_score"] if np.isfinite(trials.at[i, "std_score"]) else 0.0,
        i,
    ))
    rank = np.empty(n_trials, dtype=int)
    rank[order] = np.arange(1, n_trials + 1)
    trials["rank"] = rank
    best = order[0]
    if not np.isfinite(trials.at[best, "mean_score"]):
        raise ValueError(f"every one of the {n_trials} trials failed; first error: {trials.at[0, 'error']}")
    return SearchResult(
        kind=kind, best_params=dict(draws[best]), best_index=int(best),
        cv_mean=float(trials.at[best, "mean_score"]), cv_std=float(trials.at[best, "std_score"]),
        trials=trials, n_trials=n_trials, cv_folds=cv_folds, seed=seed,
        scoring=scoring if scoring is None or isinstance(scoring, str) else repr(scoring),
        seconds=seconds,
    )


# ------------------------------------------------------------------------- evaluation


def _rows(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if isinstance(X, (pd.DataFrame, pd.Series)) else np.asarray(X)[idx]


def _stack(a: Any, b: Any) -> Any:
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        return pd.concat([a, b], axis=0, ignore_index=True)
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        return pd.concat([a, b], axis=0, ignore_index=True)
    return np.concatenate([np.asarray(a), np.asarray(b)], axis=0)


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
    cv_folds = _check_positive_int("cv_folds", cv_folds, low=2)
    seed = _check_positive_int("seed", seed, low=0)
    kind = "classifier" if is_classifier(estimator) else "regressor"
    Xtr_a, ytr = _as_xy(X_train, y_train, "X_train")
    Xte_a, yte = _as_xy(X_test, y_test, "X_test")
    if Xtr_a.shape[1] != Xte_a.shape[1]:
        raise ValueError(f"X_train has {Xtr_a.shape[1]} features but X_test has {Xte_a.shape[1]}")
    X_all = _stack(X_train, X_test)
    y_all = np.concatenate([ytr, yte])
    splits = _splits(kind, np.asarray(X_all, dtype=float), y_all, cv_folds, seed)

    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        final = clone(estimator).fit(X_train, ytr)
        scorer = check_scoring(final, scoring=scoring)
        score_train = float(scorer(final, X_train, ytr))
        score_test = float(scorer(final, X_test, yte))
        pred_train, pred_test = final.predict(X_train), final.predict(X_test)
        cv_scores = []
        pred_cv = np.empty(len(y_all), dtype=np.asarray(pred_train).dtype)
        for train, test in splits:
            est = clone(estimator).fit(_rows(X_all, train), y_all[train])
            cv_scores.append(float(check_scoring(est, scoring=scoring)(est, _rows(X_all, test), y_all[test])))
            pred_cv[test] = est.predict(_rows(X_all, test))
    cv = np.asarray(cv_scores)
    n_conv = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
    return Evaluation(final, score_train, score_test, float(cv.mean()), float(cv.std()), cv,
                      ytr, yte, np.asarray(pred_train), np.asarray(pred_test), y_all, pred_cv, n_conv)


def score_row(ev: Evaluation, digits: int = 3) -> dict[str, Any]:
    """One table row: train, test and ``mean ± std`` of the k-fold CV."""
    return {"train": round(ev.score_train, digits), "test": round(ev.score_test, digits),
            "k-fold CV": f"{ev.cv_mean:.{digits}f} ± {ev.cv_std:.{digits}f}"}


def classification_table(y_true: Any, y_pred: Any, labels: Sequence[Any],
                         paper: Mapping[Any, Sequence[float]] | None = None) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, optionally beside the study's values.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted classes (normally of the test set).
    labels : sequence
        The classes, in the order of the rows.
    paper : mapping, optional
        class -> ``[precision, recall, f1, support]`` as reported by the study
        (``paper_results.yml``); keys may be ints or strings of ints.

    Returns
    -------
    pandas.DataFrame
        Index: class (the ``labels``, then any class only the study has). Columns: a
        two-level index, ``("here", metric)`` and, with ``paper``, ``("paper", metric)``;
        a class missing on one side has empty (NaN) cells there.  Support is the number of test rows of
        the class here; for the paper it is the value printed in its Table 1.
    """
    labels = [c.item() if hasattr(c, "item") else c for c in labels]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    here = pd.DataFrame({"precision": p, "recall": r, "F1": f, "support": s.astype(int)}, index=labels)
    if paper is None:
        out = pd.concat({"here": here}, axis=1)
    else:
        def key(k):
            try:
                return int(k)
            except (TypeError, ValueError):
                return k
        study = pd.DataFrame([list(v) for v in paper.values()], index=[key(k) for k in paper],
                             columns=["precision", "recall", "F1", "support"])
        study["support"] = study["support"].astype(int)
        extra = [k for k in study.index if k not in here.index]
        here = here.reindex(labels + extra)
        here["support"] = here["support"].astype("Int64")
        study = study.reindex(here.index)
        study["support"] = study["support"].astype("Int64")
        out = pd.concat({"here": here, "paper": study}, axis=1)
    out.index.name = "class"
    return out


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
    cv_folds = _check_positive_int("cv_folds", cv_folds, low=2)
    seed = _check_positive_int("seed", seed, low=0)
    n_jobs = _check_n_jobs(n_jobs)
    sizes = np.asarray(train_sizes, dtype=float)
    if sizes.ndim != 1 or len(sizes) == 0 or np.any(sizes <= 0) or np.any(sizes > 1):
        raise ValueError(f"train_sizes = {train_sizes!r}: must be fractions in (0, 1]")
    kind = "classifier" if is_classifier(estimator) else "regressor"
    Xa, ya = _as_xy(X, y)
    splits = _splits(kind, Xa, ya, cv_folds, seed)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n_train, train, test = learning_curve(
            clone(estimator), X, ya, train_sizes=sizes, cv=splits, scoring=scoring,
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
    _check_kind(kind)
    n_estimators = _check_positive_int("n_estimators", n_estimators)
    cls = RandomForestClassifier if kind == "classifier" else RandomForestRegressor
    forest = cls(n_estimators=n_estimators, random_state=seed, n_jobs=1)
    return evaluate(forest, X_train, y_train, X_test, y_test, cv_folds=cv_folds, seed=seed)


# ---------------------------------------------------------------------------- weights


def weight_tables(estimator: Any, feature_names: Sequence[str] | None = None) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """The fitted network's weights and biases, one ``(weights, biases)`` pair per layer.

    Parameters
    ----------
    estimator : fitted MLPClassifier or MLPRegressor
    feature_names : sequence of str, optional
        Names of the inputs; default: the estimator's ``feature_names_in_`` if it was
        fitted on a DataFrame, else ``x0, x1, ...``.

    Returns
    -------
    list of (pandas.DataFrame, pandas.DataFrame)
        For layer ``i`` (inputs -> first hidden layer is 1): the weights with one row per
        input unit and one column per output unit, and the biases with one row per
        output unit (column ``bias``).  Hidden units are named ``h<layer>_<unit>``;
        output units by class (``class <label>``) or ``output``.
    """
    if not hasattr(estimator, "coefs_"):
        raise ValueError("the estimator is not fitted (it has no coefs_)")
    coefs, biases = estimator.coefs_, estimator.intercepts_
    n_in = coefs[0].shape[0]
    if feature_names is None:
        feature_names = list(getattr(estimator, "feature_names_in_", [f"x{i}" for i in range(n_in)]))
    feature_names = [str(n) for n in feature_names]
    if len(feature_names) != n_in:
        raise ValueError(f"{len(feature_names)} feature names for {n_in} inputs")
    n_out = coefs[-1].shape[1]
    if hasattr(estimator, "classes_") and n_out == len(estimator.classes_):
        out_names = [f"class {c}" for c in estimator.classes_]
    elif hasattr(estimator, "classes_") and n_out == 1:
        out_names = [f"class {estimator.classes_[-1]}"]
    else:
        out_names = ["output"] if n_out == 1 else [f"output_{j}" for j in range(n_out)]
    names = [feature_names]
    for layer, w in enumerate(coefs[:-1], start=1):
        names.append([f"h{layer}_{j}" for j in range(w.shape[1])])
    names.append(out_names)
    tables = []
    for i, (w, b) in enumerate(zip(coefs, biases)):
        W = pd.DataFrame(w, index=pd.Index(names[i], name="from"), columns=pd.Index(names[i + 1], name="to"))
        B = pd.DataFrame({"bias": b}, index=pd.Index(names[i + 1], name="unit"))
        tables.append((W, B))
    return tables


def _atomic_csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_text_atomic(path, frame.to_csv(float_format="%.10g"))


def export_weights(estimator: Any, path_prefix: Path | str,
                   feature_names: Sequence[str] | None = None) -> list[Path]:
    """Write the weights and biases of a fitted network to CSV files, atomically.

    Parameters
    ----------
    estimator : fitted MLPClassifier or MLPRegressor
    path_prefix : path-like
        ``<folder>/<stem>``: files ``<stem>_layer<i>_weights.csv`` and
        ``<stem>_layer<i>_biases.csv`` are written in ``<folder>`` (created if needed),
        for ``i = 1..n_layers`` (layer 1 connects the inputs to the first hidden layer).
    feature_names : sequence of str, optional
        See :func:`weight_tables`.

    Returns
    -------
    list of pathlib.Path
        The files written, layer by layer (weights, then biases).
    """
    prefix = Path(path_prefix)
    if prefix.name in ("", ".", ".."):
        raise ValueError(f"path_prefix = {str(path_prefix)!r}: must end in a file stem")
    written = []
    for i, (W, B) in enumerate(weight_tables(estimator, feature_names), start=1):
        written.append(_atomic_csv(W, prefix.parent / f"{prefix.name}_layer{i}_weights.csv"))
        written.append(_atomic_csv(B, prefix.parent / f"{prefix.name}_layer{i}_biases.csv"))
    return written


# ------------------------------------------------------------- one task, end to end


@dataclass(eq=False)
class TaskResult:
    """One learning task of the chapters (bands, clusters or wavelength), end to end.

    Attributes
    ----------
    name : str
        Task name (``"bands"``, ``"clusters"``, ``"wavelength"``).
    kind : str
        ``"classifier"`` or ``"regressor"``.
    train_index, test_index : numpy.ndarray
        Row positions (0-based, in the order of ``X``) of the training and test sets.
    search : SearchResult
        The random search on the training set.
    best : Evaluation
        The search's best parameters, evaluated by :func:`evaluate`.
    paper : Evaluation
        The study's reported parameters, evaluated the same way.
    paper_params : dict
        Those parameters as used (``random_state`` set to the chapter's seed).
    eval_cv_folds : int
        Folds of the reported cross-validation.
    """

    name: str
    kind: str
    train_index: np.ndarray
    test_index: np.ndarray
    search: SearchResult
    best: Evaluation
    paper: Evaluation
    paper_params: dict[str, Any]
    eval_cv_folds: int

    @property
    def labels(self) -> list:
        """The classes, sorted (empty for a regressor)."""
        if self.kind != "classifier":
            return []
        return sorted(np.unique(np.concatenate([self.best.y_train, self.best.y_test])).tolist())


def run_task(name: str, kind: str, X: Any, y: Any, *, paper_params: Mapping[str, Any], test_size: float,
             n_trials: int, cv_folds: int, eval_cv_folds: int, seed: int, n_jobs: int = 1,
             progress: bool = True) -> TaskResult:
    """Split, search and evaluate one task the way the study did.

    Steps: (1) a train/test split with ``test_size`` of the rows held out, seeded,
    stratified by class for a classifier; (2) :func:`random_search` on the training
    set (``n_trials`` trials, ``cv_folds``-fold CV); (3) :func:`evaluate` of the best
    parameters and of the study's ``paper_params`` (with ``random_state=seed``), each
    fitted on the training set, scored on both sets and cross-validated with
    ``eval_cv_folds`` folds over all rows.

    Parameters
    ----------
    name : str
        Task name, for labels and progress bars.
    kind : {"classifier", "regressor"}
    X : pandas.DataFrame or array-like
        Features of every row.
    y : array-like
        Target of every row.
    paper_params : mapping
        The study's hyper-parameters for this task (``paper_results.yml``).
    test_size : float
        Fraction of rows held out, in (0, 1).
    n_trials, cv_folds, eval_cv_folds, seed, n_jobs : int
        See :func:`random_search` and :func:`evaluate`.
    progress : bool, default=True
        Show the search's progress bar.

    Returns
    -------
    TaskResult

    Raises
    ------
    ValueError
        On a bad ``test_size``, a classification task with fewer than two classes, or
        as :func:`random_search` and :func:`evaluate`.
    """
    from sklearn.model_selection import train_test_split

    _check_kind(kind)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ValueError(f"test_size = {test_size!r}: must be a number strictly between 0 and 1")
    ya = np.asarray(y)
    if kind == "classifier" and len(np.unique(ya)) < 2:
        raise ValueError(f"task {name!r}: a classifier needs at least two classes, "
                         f"but every row has the label {ya[0]!r}")
    idx = np.arange(len(ya))
    train_idx, test_idx = train_test_split(idx, test_size=test_size, random_state=seed,
                                           stratify=ya if kind == "classifier" else None)
    X_train, X_test = _rows(X, train_idx), _rows(X, test_idx)
    y_train, y_test = ya[train_idx], ya[test_idx]
    search = random_search(kind, X_train, y_train, n_trials=n_trials, cv_folds=cv_folds, seed=seed,
                           n_jobs=n_jobs, progress=progress)
    best = evaluate(search.best_estimator(), X_train, y_train, X_test, y_test, cv_folds=eval_cv_folds, seed=seed)
    params = {**dict(paper_params), "random_state": seed}
    params["hidden_layer_sizes"] = tuple(int(u) for u in params["hidden_layer_sizes"])
    paper = evaluate(make_estimator(kind, params), X_train, y_train, X_test, y_test,
                     cv_folds=eval_cv_folds, seed=seed)
    return TaskResult(name, kind, train_idx, test_idx, search, best, paper, params, eval_cv_folds)


def _params_cells(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "hidden layers": "-".join(str(u) for u in params["hidden_layer_sizes"]),
        "activation": params["activation"], "solver": params["solver"],
        "alpha": float(f"{params['alpha']:.4g}"), "learning_rate": params["learning_rate"],
        "max_iter": int(params["max_iter"]),
    }


def comparison_table(task: TaskResult, reported: Mapping[str, Any], score_name: str = "accuracy",
                     digits: int = 3) -> pd.DataFrame:
    """The network of the search, the study's network refitted here, and the study's report, side by side.

    Parameters
    ----------
    task : TaskResult
    reported : mapping
        The study's entry of ``paper_results.yml`` for the task: ``params`` and
        either ``score_train``/``score_test`` or ``r2_train``/``r2_test``, plus
        ``cv_mean`` and ``cv_std``.
    score_name : str, default="accuracy"
        Name of the score in the column headings.
    digits : int, default=3
        Decimals shown.

    Returns
    -------
    pandas.DataFrame
        Rows: ``search best (here)``, ``study's parameters (here)``, ``study (reported)``.
        Columns: the hyper-parameters, then ``<score> train``, ``<score> test`` and
        ``k-fold CV`` (mean ± standard deviation).
    """
    train = reported.get("score_train", reported.get("r2_train"))
    test = reported.get("score_test", reported.get("r2_test"))
    rows = {}
    for label, params, ev in (("search best (here)", task.search.best_params, task.best),
                              ("study's parameters (here)", task.paper_params, task.paper)):
        rows[label] = {**_params_cells(params), f"{score_name} train": round(ev.score_train, digits),
                       f"{score_name} test": round(ev.score_test, digits),
                       f"{task.eval_cv_folds}-fold CV": f"{ev.cv_mean:.{digits}f} ± {ev.cv_std:.{digits}f}"}
    rows["study (reported)"] = {**_params_cells(reported["params"]), f"{score_name} train": train,
                                f"{score_name} test": test,
                                f"{task.eval_cv_folds}-fold CV": f"{reported['cv_mean']} ± {reported['cv_std']}"}
    return pd.DataFrame.from_dict(rows, orient="index")


def task_metrics(task: TaskResult) -> dict[str, Any]:
    """The deterministic numbers of a task, JSON-ready, for the chapter's metrics file.

    Keys: ``n``, ``n_train``, ``n_test``, ``search`` (:meth:`SearchResult.to_dict`),
    ``search_best`` and ``paper_params`` (:meth:`Evaluation.to_dict` plus the
    parameters) and, for a classifier, ``class_counts``, ``test_counts`` and
    ``report`` (class -> ``[precision, recall, f1, support]`` of the search-best
    network on the test set, support = test rows of the class).
    """
    def params_json(p):
        q = dict(p)
        q["hidden_layer_sizes"] = [int(u) for u in q["hidden_layer_sizes"]]
        return q

    out: dict[str, Any] = {
        "n": int(len(task.train_index) + len(task.test_index)),
        "n_train": int(len(task.train_index)), "n_test": int(len(task.test_index)),
        "search": task.search.to_dict(),
        "search_best": {**task.best.to_dict(), "params": params_json(task.search.best_params)},
        "paper_params": {**task.paper.to_dict(), "params": params_json(task.paper_params)},
    }
    if task.kind == "classifier":
        labels = task.labels
        y_all = np.concatenate([task.best.y_train, task.best.y_test])
        out["class_counts"] = {str(c): int((y_all == c).sum()) for c in labels}
        out["test_counts"] = {str(c): int((task.best.y_test == c).sum()) for c in labels}
        table = classification_table(task.best.y_test, task.best.y_pred_test, labels)["here"]
        out["report"] = {str(c): [float(r["precision"]), float(r["recall"]), float(r["F1"]), int(r["support"])]
                         for c, r in table.iterrows()}
    return out


def confusion_pairs(y_true: Any, y_pred: Any, names: Mapping[Any, str] | None = None) -> pd.DataFrame:
    """The misclassifications, grouped by (true class, predicted class), most frequent first.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted classes.
    names : mapping, optional
        Class -> display name.

    Returns
    -------
    pandas.DataFrame
        Columns ``true``, ``predicted``, ``count`` and ``share`` (of all misclassified
        rows); ties in count are ordered by true, then predicted class.
    """
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true has shape {yt.shape} but y_pred has {yp.shape}")
    wrong = yt != yp
    pairs = pd.DataFrame({"true": yt[wrong], "predicted": yp[wrong]})
    table = pairs.value_counts().rename("count").reset_index()
    table = table.sort_values(["count", "true", "predicted"], ascending=[False, True, True], kind="stable")
    table["share"] = table["count"] / max(int(wrong.sum()), 1)
    if names is not None:
        table["true"] = table["true"].map(lambda c: names.get(c, c))
        table["predicted"] = table["predicted"].map(lambda c: names.get(c, c))
    return table.reset_index(drop=True)


def bands_from_wavelengths(y_true_nm: Any, y_pred_nm: Any) -> tuple[np.ndarray, np.ndarray]:
    """Colour bands of true and predicted wavelengths, to score a regressor as a band classifier.

    Predicted wavelengths are first clipped to the bands' range (400-750 nm): every dot
    of the analysis set lies in a band, so a prediction of 395 nm counts as violet.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Band numbers (1..6) of the true and of the predicted wavelengths.

    Raises
    ------
    ValueError
        If a true wavelength lies outside the bands, or the arrays differ in shape.
    """
    from .bands import BANDS, assign_bands

    yt, yp = np.asarray(y_true_nm, dtype=float), np.asarray(y_pred_nm, dtype=float)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true_nm has shape {yt.shape} but y_pred_nm has {yp.shape}")
    true = assign_bands(yt)
    if np.any((true < 1) | (true > len(BANDS))):
        raise ValueError("every true wavelength must lie within the colour bands (400-750 nm)")
    pred = assign_bands(np.clip(yp, BANDS[0].lo, BANDS[-1].hi))
    return true, pred


"""How sure are the conclusions? Nested validation, permutation tests and other clusterings (chapter 08).

The study chose each network by random search and scored it with cross-validation on the
same dots, once, with one seed.  The functions here repeat the whole protocol honestly:

:func:`nested_cv`
    Outer k-fold cross-validation around the inner random search (scikit-learn's
    ``cross_validate`` over :func:`siqd_utils.models.make_search`), repeated over seeds:
    every outer score is of a network chosen without seeing its test fold.
:func:`summarize_nested` and :func:`paired_gap`
    Mean and 95 % interval over seeds of each score, and of the difference between two
    label sets scored with the same seeds.
:func:`permutation_test`
    scikit-learn's ``permutation_test_score``: is a classifier's score above what it
    reaches on labels shuffled at random?
:func:`compare_clusterings`
    ILS beside k-means, Gaussian mixtures and HDBSCAN on the same features: agreement
    (adjusted Rand index), silhouette, and how separable each partition is by one network.
:func:`feature_importance`
    Permutation feature importance of a regressor on held-out dots.

Every draw is seeded; two runs with the same arguments give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.inspection import permutation_importance
from sklearn.metrics import adjusted_rand_score, f1_score, make_scorer, silhouette_score
from sklearn.model_selection import cross_validate, permutation_test_score, train_test_split

from .models import make_estimator, make_folds, make_search

__all__ = [
    "INTERVAL",
    "NestedResult",
    "class_f1_scorers",
    "compare_clusterings",
    "feature_importance",
    "nested_cv",
    "paired_gap",
    "permutation_test",
    "scorers",
    "summarize_nested",
]

#: Coverage of every interval reported (percentiles of the per-seed values).
INTERVAL = 0.95

_SCORERS = {
    "classifier": {"accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy", "macro_f1": "f1_macro"},
    "regressor": {"r2": "r2", "neg_rmse": "neg_root_mean_squared_error"},
}


def scorers(kind: str) -> dict[str, str]:
    """The scores reported for a classifier or a regressor (name -> scikit-learn scorer)."""
    if kind not in _SCORERS:
        raise ValueError(f"kind = {kind!r}: must be one of {sorted(_SCORERS)}")
    return dict(_SCORERS[kind])


def class_f1_scorers(labels: Mapping[Any, str]) -> dict[str, Any]:
    """One scorer per class: the F1 score of that class alone (``f1_<name>``)."""
    return {f"f1_{name}": make_scorer(f1_score, labels=[label], average="macro", zero_division=0)
            for label, name in labels.items()}


@dataclass(frozen=True)
class NestedResult:
    """Outer-fold scores of :func:`nested_cv`.

    Attributes
    ----------
    task : str
        Name of the task (e.g. ``"bands"``).
    kind : {"classifier", "regressor"}
    scores : pandas.DataFrame
        One row per (seed, outer fold): ``seed``, ``fold`` and one column per score.
    settings : dict
        ``n_trials``, ``inner_folds``, ``outer_folds`` and ``seeds``.
    """

    task: str
    kind: str
    scores: pd.DataFrame = field(repr=False)
    settings: dict

    @property
    def per_seed(self) -> pd.DataFrame:
        """Mean over the outer folds of each score, one row per seed."""
        return self.scores.drop(columns="fold").groupby("seed").mean()


def nested_cv(task: str, kind: str, X, y, *, n_trials: int, inner_folds: int, outer_folds: int,
              seeds: Sequence[int], extra_scoring: Mapping[str, Any] | None = None, n_jobs: int = 1) -> NestedResult:
    """Outer cross-validation around the inner random search, once per seed.

    For each seed: the outer folds (stratified for a classifier, shuffled with the
    seed) split the dots; on each outer training part the search of
    :func:`siqd_utils.models.make_search` (``n_trials`` draws, ``inner_folds``-fold
    scoring, the same seed) chooses and refits a network, which is then scored on the
    outer test fold with :func:`scorers` (and ``extra_scoring``).

    Parameters
    ----------
    task : str
        Name used in tables.
    kind : {"classifier", "regressor"}
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    n_trials, inner_folds, outer_folds : int
        Size of the inner search and the two cross-validations.
    seeds : sequence of int
        One repetition of the whole protocol per seed.
    extra_scoring : mapping, optional
        More scorers (e.g. :func:`class_f1_scorers`).
    n_jobs : int, default=1
        Outer folds fitted in parallel (the result does not depend on it).

    Returns
    -------
    NestedResult
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    scoring = {**scorers(kind), **dict(extra_scoring or {})}
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    frames = []
    for seed in seeds:
        search = make_search(kind, n_trials=n_trials, cv_folds=inner_folds, seed=seed, n_jobs=1)
        out = cross_validate(search, X, y, cv=make_folds(kind, outer_folds, seed), scoring=scoring,
                             n_jobs=n_jobs, error_score="raise")
        frame = pd.DataFrame({name: out[f"test_{name}"] for name in scoring})
        frame.insert(0, "fold", np.arange(len(frame)))
        frame.insert(0, "seed", seed)
        frames.append(frame)
    scores = pd.concat(frames, ignore_index=True)
    if "neg_rmse" in scores:
        scores["rmse"] = -scores.pop("neg_rmse")
    settings = {"n_trials": int(n_trials), "inner_folds": int(inner_folds), "outer_folds": int(outer_folds),
                "seeds": seeds}
    return NestedResult(task, kind, scores, settings)


def _interval(values) -> tuple[float, float]:
    a = (1.0 - INTERVAL) / 2.0
    lo, hi = np.percentile(np.asarray(values, dtype=float), [100 * a, 100 * (1 - a)])
    return float(lo), float(hi)


def summarize_nested(results: Mapping[str, NestedResult]) -> pd.DataFrame:
    """Mean over seeds and 95 % interval of every score of every task.

    The interval is the 2.5th to 97.5th percentile of the per-seed means (how much the
    whole protocol moves with its seed); ``fold_sd`` is the mean spread over the outer
    folds within one seed, the spread the study quotes beside its CV scores.

    Returns
    -------
    pandas.DataFrame
        One row per (task, score): ``task``, ``score``, ``mean``, ``lo``, ``hi``, ``fold_sd``,
        ``n_seeds``.
    """
    rows = []
    for task, res in results.items():
        per_seed = res.per_seed
        fold_sd = res.scores.drop(columns="fold").groupby("seed").std(ddof=1).mean()
        for score in per_seed.columns:
            lo, hi = _interval(per_seed[score])
            rows.append({"task": task, "score": score, "mean": float(per_seed[score].mean()), "lo": lo, "hi": hi,
                         "fold_sd": float(fold_sd[score]), "n_seeds": len(per_seed)})
    return pd.DataFrame(rows)


def paired_gap(a: NestedResult, b: NestedResult, score: str = "balanced_accuracy") -> dict[str, float]:
    """Difference of a score between two tasks run with the same seeds: ``a - b``.

    Returns ``mean``, ``lo``, ``hi`` (95 % interval over the per-seed differences) and
    ``share_positive`` (share of seeds in which ``a`` scores higher).
    """
    sa, sb = a.per_seed[score], b.per_seed[score]
    if list(sa.index) != list(sb.index):
        raise ValueError(f"{a.task} and {b.task} were run with different seeds ({list(sa.index)} vs {list(sb.index)})")
    diff = sa - sb
    lo, hi = _interval(diff)
    return {"mean": float(diff.mean()), "lo": lo, "hi": hi, "share_positive": float((diff > 0).mean()),
            "n_seeds": int(diff.size)}


def permutation_test(kind: str, params: Mapping[str, Any], X, y, *, n_permutations: int, cv_folds: int,
                     seed: int, scoring: str = "balanced_accuracy", n_jobs: int = 1) -> dict[str, float]:
    """Is a network's cross-validated score above what it reaches on shuffled labels?

    :func:`sklearn.model_selection.permutation_test_score` with the network of
    ``params`` (:func:`siqd_utils.models.make_estimator`).

    Returns
    -------
    dict
        ``score``, ``p_value``, ``permuted_mean``, ``permuted_sd``, ``n_permutations``.
    """
    est = make_estimator(kind, params)
    score, perm, p = permutation_test_score(est, np.asarray(X, dtype=float), np.asarray(y),
                                            cv=make_folds(kind, cv_folds, seed), n_permutations=n_permutations,
                                            scoring=scoring, random_state=seed, n_jobs=n_jobs)
    return {"score": float(score), "p_value": float(p), "permuted_mean": float(np.mean(perm)),
            "permuted_sd": float(np.std(perm, ddof=1)) if len(perm) > 1 else 0.0,
            "n_permutations": int(n_permutations)}


def _relabel(labels) -> np.ndarray:
    _, inv = np.unique(np.asarray(labels), return_inverse=True)
    return inv


def compare_clusterings(X, ils_labels, *, n_clusters: int, min_cluster_size: int, network_params: Mapping[str, Any],
                        cv_folds: int, seed: int, n_jobs: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ILS beside k-means, a Gaussian mixture and HDBSCAN on the same features.

    k-means and the Gaussian mixture are asked for ``n_clusters``; HDBSCAN chooses its own
    number with ``min_cluster_size`` (its points labelled noise, -1, form one more class
    for the agreement scores and are left out of the silhouette and the separability).
    Separability: the stratified ``cv_folds``-fold balanced accuracy of one network
    (``network_params``) learning each partition; NaN where a class has fewer dots than folds.

    Returns
    -------
    summary : pandas.DataFrame
        One row per method: ``clusters``, ``noise points``, ``sizes``, ``silhouette``,
        ``separability``.
    ari : pandas.DataFrame
        Adjusted Rand index between every pair of methods.
    """
    from sklearn.cluster import HDBSCAN, KMeans
    from sklearn.mixture import GaussianMixture

    X = np.asarray(X, dtype=float)
    parts = {
        "ILS": _relabel(ils_labels),
        "k-means": KMeans(n_clusters=n_clusters, n_init=10, random_state=seed).fit_predict(X),
        "Gaussian mixture": GaussianMixture(n_components=n_clusters, n_init=5, random_state=seed).fit(X).predict(X),
        "HDBSCAN": HDBSCAN(min_cluster_size=min_cluster_size).fit_predict(X),
    }
    rows = {}
    for name, lab in parts.items():
        keep = lab >= 0
        values, counts = np.unique(lab[keep], return_counts=True)
        sil = float(silhouette_score(X[keep], lab[keep])) if len(values) > 1 else float("nan")
        if len(values) > 1 and counts.min() >= cv_folds:
            res = cross_validate(make_estimator("classifier", network_params), X[keep], lab[keep],
                                 cv=make_folds("classifier", cv_folds, seed), scoring="balanced_accuracy",
                                 n_jobs=n_jobs)
            sep = float(np.mean(res["test_score"]))
        else:
            sep = float("nan")
        rows[name] = {"clusters": int(len(values)), "noise points": int((~keep).sum()),
                      "sizes": ", ".join(str(int(c)) for c in sorted(counts, reverse=True)),
                      "silhouette": sil, "separability": sep}
    ari = pd.DataFrame({a: {b: float(adjusted_rand_score(parts[a], parts[b])) for b in parts} for a in parts})
    return pd.DataFrame.from_dict(rows, orient="index"), ari


def feature_importance(params: Mapping[str, Any], X: pd.DataFrame, y, *, test_size: float, n_repeats: int,
                       seed: int, n_jobs: int = 1) -> pd.DataFrame:
    """Permutation importance of each feature for a regressor, on held-out dots.

    The network of ``params`` is fitted on a ``1 - test_size`` split (seeded) and each
    feature of the test part is shuffled ``n_repeats`` times; the importance is the mean
    drop of R^2 (:func:`sklearn.inspection.permutation_importance`).

    Returns
    -------
    pandas.DataFrame
        One row per feature, largest importance first: ``mean``, ``sd`` (drop of R^2).
    """
    X_train, X_test, y_train, y_test = train_test_split(X, np.asarray(y, dtype=float), test_size=test_size,
                                                        random_state=seed)
    est = clone(make_estimator("regressor", params)).fit(np.asarray(X_train, dtype=float), y_train)
    res = permutation_importance(est, np.asarray(X_test, dtype=float), y_test, n_repeats=n_repeats,
                                 random_state=seed, scoring="r2", n_jobs=n_jobs)
    table = pd.DataFrame({"mean": res.importances_mean, "sd": res.importances_std}, index=list(X.columns))
    table.index.name = "feature"
    return table.sort_values("mean", ascending=False)

"""Argument checks and cross-validation splitters shared by the search and the evaluation.

One place for the rules every public function of :mod:`siqd_utils.models` applies to its
inputs (an estimator kind, positive integers, ``n_jobs``, 2-D finite features with one
target per row), and for the folds: stratified k-fold for a classifier, plain k-fold for a
regressor, both shuffled with the seed, so that a search and an evaluation with the same
seed see the same folds.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

__all__ = ["KINDS", "as_xy", "check_folds", "check_kind", "check_n_jobs", "check_positive_int", "make_folds", "rows",
           "splits", "stack"]

#: Estimator kinds understood by :mod:`siqd_utils.models`.
KINDS = ("classifier", "regressor")

#: StratifiedKFold warns when a class has fewer members than folds; the folds are still valid.
LEAST_POPULATED = "The least populated class"


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"estimator kind {kind!r}: must be one of {KINDS}")
    return kind


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_positive_int(name: str, value: Any, low: int = 1) -> int:
    if not _is_int(value) or value < low:
        raise ValueError(f"{name} = {value!r}: must be an integer of at least {low}")
    return int(value)


def check_n_jobs(n_jobs: Any) -> int:
    if not _is_int(n_jobs) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs = {n_jobs!r}: must be -1 (all cores) or a positive integer")
    return int(n_jobs)


def as_xy(X: Any, y: Any, name: str = "X") -> tuple[np.ndarray, np.ndarray]:
    """``X`` as a finite 2-D float array and ``y`` as a 1-D array of the same length."""
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
    check_kind(kind)
    n_splits = check_positive_int("cv_folds", n_splits, low=2)
    cls = StratifiedKFold if kind == "classifier" else KFold
    return cls(n_splits=n_splits, shuffle=True, random_state=seed)


def check_folds(kind: str, y: np.ndarray, n_splits: int) -> None:
    """Refuse more folds than rows, or (classifier) than members of the largest class."""
    if n_splits > len(y):
        raise ValueError(f"cv_folds = {n_splits}: more folds than samples ({len(y)})")
    if kind == "classifier":
        counts = np.unique(y, return_counts=True)[1]
        if counts.max() < n_splits:
            raise ValueError(f"cv_folds = {n_splits}: every class has fewer members than folds "
                             f"(largest class: {counts.max()})")


def splits(kind: str, X: np.ndarray, y: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) row positions of :func:`make_folds`, after :func:`check_folds`."""
    check_folds(kind, y, n_splits)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=LEAST_POPULATED, category=UserWarning)
        return [(tr, te) for tr, te in make_folds(kind, n_splits, seed).split(X, y)]


def rows(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` (positions) of a DataFrame, Series or array."""
    return X.iloc[idx] if isinstance(X, (pd.DataFrame, pd.Series)) else np.asarray(X)[idx]


def stack(a: Any, b: Any) -> Any:
    """``a`` followed by ``b`` (rows), keeping DataFrames as DataFrames."""
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        return pd.concat([a, b], axis=0, ignore_index=True)
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        return pd.concat([a, b], axis=0, ignore_index=True)
    return np.concatenate([np.asarray(a), np.asarray(b)], axis=0)

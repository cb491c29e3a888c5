"""Conformal prediction intervals and sets, scored on folds the models never saw.

MAPIE's cross-conformal estimators (CV+ for regression, Barber et al. 2021; its classification
analogue, Romano et al. 2020, algorithm 2) fit the network on ``conformal_folds`` folds of the
rows they are given and turn the out-of-fold errors into an interval (or a set of classes)
for a new dot. Their guarantee is marginal: over dots, not per dot or per class, and about
``1 - alpha`` in practice (``1 - 2 alpha`` at worst). To *measure* it, every dot of the data
is held out once (``outer_folds`` outer folds): the conformal estimator is fitted on the other
dots and predicts the held-out ones, so each dot gets an interval or a set from models that
never saw it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold

__all__ = ["LEVELS", "HeldOutIntervals", "HeldOutSets", "held_out_intervals", "held_out_sets"]

#: The confidence levels the chapter reports.
LEVELS: tuple[float, ...] = (0.8, 0.9, 0.95)


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(v) for v in levels)
    if not out or any(not 0 < v < 1 for v in out):
        raise ValueError(f"levels = {levels!r}: every confidence level must lie strictly between 0 and 1")
    return out


def _check_folds(name: str, value: int, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 2 <= value <= n:
        raise ValueError(f"{name} = {value!r}: must be an integer from 2 to the number of rows ({n})")
    return int(value)


def _rows(X: Any, index: np.ndarray) -> Any:
    return X.iloc[index] if isinstance(X, pd.DataFrame) else np.asarray(X)[index]


@dataclass(eq=False)
class HeldOutIntervals:
    """Each dot's conformal interval, from a model fitted without it.

    Attributes
    ----------
    levels : tuple of float
        Confidence levels, ascending as given.
    y : numpy.ndarray, shape (n,)
        True values.
    point : numpy.ndarray, shape (n,)
        Point predictions (mean of the fold models).
    lower, upper : numpy.ndarray, shape (n, len(levels))
        Interval bounds per level.
    fold : numpy.ndarray, shape (n,)
        Outer fold of each row.
    """

    levels: tuple[float, ...]
    y: np.ndarray
    point: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    fold: np.ndarray

    def level_index(self, level: float) -> int:
        """Column of ``level`` in :attr:`lower` and :attr:`upper`."""
        for i, v in enumerate(self.levels):
            if abs(v - level) < 1e-12:
                return i
        raise KeyError(f"confidence level {level!r} was not computed; levels: {list(self.levels)}")

    def bounds(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` at ``level``."""
        i = self.level_index(level)
        return self.lower[:, i], self.upper[:, i]

    def covered(self, level: float) -> np.ndarray:
        """Whether each true value lies in its interval."""
        lo, hi = self.bounds(level)
        return (lo <= self.y) & (self.y <= hi)

    def width(self, level: float) -> np.ndarray:
        """Each interval's width, in the unit of the target."""
        lo, hi = self.bounds(level)
        return hi - lo

    def coverage_table(self) -> pd.DataFrame:
        """Per level: nominal, empirical coverage, its binomial sd, folds' range, mean and median width."""
        rows = []
        for level in self.levels:
            cov = self.covered(level)
            per_fold = [cov[self.fold == f].mean() for f in np.unique(self.fold)]
            w = self.width(level)
            rows.append({"nominal": level, "coverage": float(cov.mean()),
                         "binomial sd": float(np.sqrt(level * (1 - level) / len(cov))),
                         "lowest fold": float(min(per_fold)), "highest fold": float(max(per_fold)),
                         "mean width": float(w.mean()), "median width": float(np.median(w))})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """Coverage and widths per level, JSON-ready (keys ``"0.8"``, ...)."""
        return {f"{r['nominal']:g}": {k: v for k, v in r.items() if k != "nominal"}
                for r in self.coverage_table().to_dict(orient="records")}


def held_out_intervals(estimator: Any, X: Any, y: Any, *, levels: Sequence[float] = LEVELS, outer_folds: int = 10,
                       conformal_folds: int = 10, seed: int = 0, n_jobs: int | None = None) -> HeldOutIntervals:
    """Cross-conformal (CV+) intervals of a regressor for every row, each from a model that never saw it.

    Parameters
    ----------
    estimator : scikit-learn regressor
        Unfitted; cloned for every outer fold.
    X : array-like or pandas.DataFrame, shape (n, p)
    y : array-like, shape (n,)
    levels : sequence of float, default=LEVELS
        Confidence levels.
    outer_folds : int
        Folds that hold out each row once (shuffled, seeded).
    conformal_folds : int
        Folds of MAPIE's ``CrossConformalRegressor`` inside each outer training part.
    seed : int
        Seeds both splits (and MAPIE).
    n_jobs : int or None
        MAPIE's parallel fold fits; the numbers do not depend on it.

    Returns
    -------
    HeldOutIntervals

    Raises
    ------
    ValueError
        On a confidence level outside (0, 1), fold counts below 2 or above the rows, or
        non-finite targets.
    """
    from mapie.regression import CrossConformalRegressor

    levels = _check_levels(levels)
    ya = np.asarray(y, dtype=float)
    if ya.ndim != 1 or not np.all(np.isfinite(ya)):
        raise ValueError("y must be one finite number per row")
    n = len(ya)
    outer = KFold(_check_folds("outer_folds", outer_folds, n), shuffle=True, random_state=seed)
    inner = KFold(_check_folds("conformal_folds", conformal_folds, n), shuffle=True, random_state=seed + 1)
    point, fold = np.empty(n), np.empty(n, dtype=int)
    lower, upper = np.empty((n, len(levels))), np.empty((n, len(levels)))
    for f, (train, test) in enumerate(outer.split(np.zeros(n))):
        model = CrossConformalRegressor(clone(estimator), confidence_level=list(levels), conformity_score="absolute",
                                        method="plus", cv=inner, n_jobs=n_jobs, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # the chosen networks' own budget, as in 05/06
            model.fit_conformalize(_rows(X, train), ya[train])
            p, bounds = model.predict_interval(_rows(X, test))
        point[test], lower[test], upper[test], fold[test] = p, bounds[:, 0, :], bounds[:, 1, :], f
    return HeldOutIntervals(levels, ya, point, lower, upper, fold)


@dataclass(eq=False)
class HeldOutSets:
    """Each dot's conformal prediction set, from a model fitted without it.

    Attributes
    ----------
    levels : tuple of float
    classes : numpy.ndarray, shape (k,)
        The classes, sorted; the columns of :attr:`sets`.
    y : numpy.ndarray, shape (n,)
    predicted : numpy.ndarray, shape (n,)
        The network's single answer.
    sets : numpy.ndarray of bool, shape (n, k, len(levels))
    fold : numpy.ndarray, shape (n,)
    """

    levels: tuple[float, ...]
    classes: np.ndarray
    y: np.ndarray
    predicted: np.ndarray
    sets: np.ndarray
    fold: np.ndarray

    def at(self, level: float) -> np.ndarray:
        """The sets at ``level``, shape (n, k)."""
        for i, v in enumerate(self.levels):
            if abs(v - level) < 1e-12:
                return self.sets[:, :, i]
        raise KeyError(f"confidence level {level!r} was not computed; levels: {list(self.levels)}")

    def covered(self, level: float) -> np.ndarray:
        """Whether each true class is in its set."""
        column = np.searchsorted(self.classes, self.y)
        return self.at(level)[np.arange(len(self.y)), column]

    def size(self, level: float) -> np.ndarray:
        """Number of classes in each set."""
        return self.at(level).sum(axis=1)

    def summary(self, level: float) -> dict[str, float]:
        """Coverage, mean set size, shares of single-label and empty sets, and the classes' count."""
        size = self.size(level)
        return {"coverage": float(self.covered(level).mean()), "mean_size": float(size.mean()),
                "single_share": float((size == 1).mean()), "empty_share": float((size == 0).mean()),
                "n_classes": int(len(self.classes)), "accuracy": float((self.predicted == self.y).mean())}

    def per_class(self, level: float) -> pd.DataFrame:
        """Coverage and mean set size per true class (not guaranteed per class: the guarantee is marginal)."""
        frame = pd.DataFrame({"class": self.y, "covered": self.covered(level), "size": self.size(level)})
        return frame.groupby("class").agg(dots=("covered", "size"), coverage=("covered", "mean"),
                                          mean_size=("size", "mean"))

    def to_dict(self) -> dict:
        """:meth:`summary` per level, JSON-ready."""
        return {f"{v:g}": self.summary(v) for v in self.levels}


def held_out_sets(estimator: Any, X: Any, y: Any, *, levels: Sequence[float] = LEVELS, outer_folds: int = 10,
                  conformal_folds: int = 10, seed: int = 0, n_jobs: int | None = None,
                  score: str = "lac") -> HeldOutSets:
    """Cross-conformal prediction sets of a classifier for every row, each from a model that never saw it.

    The outer and inner folds are stratified by class. Sets use MAPIE's ``"crossval"``
    aggregation (the cross-conformal rule of Romano et al. 2020, algorithm 2), which carries
    the CV+ guarantee; ``score`` is MAPIE's conformity score (``"lac"``: smallest sets on
    average; ``"aps"``: sets that grow with difficulty).

    Returns
    -------
    HeldOutSets

    Raises
    ------
    ValueError
        On a bad level or fold count, or a class with fewer rows than ``outer_folds``.
    """
    from mapie.classification import CrossConformalClassifier

    levels = _check_levels(levels)
    ya = np.asarray(y)
    n = len(ya)
    classes, counts = np.unique(ya, return_counts=True)
    outer_folds = _check_folds("outer_folds", outer_folds, n)
    if counts.min() < outer_folds:
        raise ValueError(f"class {classes[counts.argmin()]!r} has {counts.min()} rows, fewer than outer_folds = "
                         f"{outer_folds}: every outer training part must hold every class")
    outer = StratifiedKFold(outer_folds, shuffle=True, random_state=seed)
    inner = StratifiedKFold(_check_folds("conformal_folds", conformal_folds, n), shuffle=True, random_state=seed + 1)
    predicted, fold = np.empty(n, dtype=ya.dtype), np.empty(n, dtype=int)
    sets = np.zeros((n, len(classes), len(levels)), dtype=bool)
    for f, (train, test) in enumerate(outer.split(np.zeros(n), ya)):
        model = CrossConformalClassifier(clone(estimator), confidence_level=list(levels), conformity_score=score,
                                         cv=inner, n_jobs=n_jobs, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)  # small classes in an inner fold: scikit-learn's notice
            model.fit_conformalize(_rows(X, train), ya[train])
            p, s = model.predict_set(_rows(X, test), agg_scores="crossval")
        predicted[test], sets[test], fold[test] = p, s, f
    return HeldOutSets(levels, classes, ya, predicted, sets, fold)

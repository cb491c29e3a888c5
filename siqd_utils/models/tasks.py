"""One learning task of the chapters, end to end: split, search, evaluate the search's and the study's networks.

:func:`run_task` is what chapters 05 and 06 call for each task (colour bands, structure
classes, wavelength); :class:`TaskResult` holds the split, the :class:`SearchResult` and
the two :class:`Evaluation` objects the chapters' tables and figures read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from .estimators import make_estimator
from .evaluation import Evaluation, evaluate
from .inputs import check_kind, rows
from .search import SearchResult, random_search

__all__ = ["TaskResult", "run_task"]


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


def split_rows(kind: str, y: Any, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the seeded train/test split (stratified by class for a classifier)."""
    check_kind(kind)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ValueError(f"test_size = {test_size!r}: must be a number strictly between 0 and 1")
    ya = np.asarray(y)
    return train_test_split(np.arange(len(ya)), test_size=test_size, random_state=seed,
                            stratify=ya if kind == "classifier" else None)


def run_task(name: str, kind: str, X: Any, y: Any, *, paper_params: Mapping[str, Any], test_size: float,
             n_trials: int, cv_folds: int, eval_cv_folds: int, seed: int, n_jobs: int = 1,
             backend: str = "loky", scheduler: Any = None, cache_dir: Any = None) -> TaskResult:
    """Split, search and evaluate one task the way the study did.

    Steps: (1) a train/test split with ``test_size`` of the rows held out, seeded,
    stratified by class for a classifier; (2) :func:`~siqd_utils.models.search.random_search`
    on the training set (``n_trials`` trials, ``cv_folds``-fold CV); (3) :func:`evaluate` of
    the best parameters and of the study's ``paper_params`` (with ``random_state=seed``),
    each fitted on the training set, scored on both sets and cross-validated with
    ``eval_cv_folds`` folds over all rows.

    Parameters
    ----------
    name : str
        Task name, for messages and the search-cache key.
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
        See :func:`~siqd_utils.models.search.random_search` and :func:`evaluate`.
    backend, scheduler, cache_dir
        Where the search runs and where it is cached; see
        :func:`~siqd_utils.models.search.random_search`.

    Returns
    -------
    TaskResult

    Raises
    ------
    ValueError
        On a bad ``test_size``, a classification task with fewer than two classes, or
        as :func:`~siqd_utils.models.search.random_search` and :func:`evaluate`.
    """
    check_kind(kind)
    ya = np.asarray(y)
    if kind == "classifier" and len(np.unique(ya)) < 2:
        raise ValueError(f"task {name!r}: a classifier needs at least two classes, "
                         f"but every row has the label {ya[0]!r}")
    train_idx, test_idx = split_rows(kind, ya, test_size, seed)
    X_train, X_test = rows(X, train_idx), rows(X, test_idx)
    y_train, y_test = ya[train_idx], ya[test_idx]
    search = random_search(kind, X_train, y_train, n_trials=n_trials, cv_folds=cv_folds, seed=seed, n_jobs=n_jobs,
                           backend=backend, scheduler=scheduler, cache_dir=cache_dir, task=name)
    best = evaluate(search.best_estimator(), X_train, y_train, X_test, y_test, cv_folds=eval_cv_folds, seed=seed)
    params = {**dict(paper_params), "random_state": seed}
    params["hidden_layer_sizes"] = tuple(int(u) for u in params["hidden_layer_sizes"])
    paper = evaluate(make_estimator(kind, params), X_train, y_train, X_test, y_test,
                     cv_folds=eval_cv_folds, seed=seed)
    return TaskResult(name, kind, train_idx, test_idx, search, best, paper, params, eval_cv_folds)

"""Successive halving beside the study's plain random search: how close its choice comes, at what cost.

:class:`~sklearn.model_selection.HalvingRandomSearchCV` draws the same parameter sets as
the plain search (same sampler, same seed), scores all of them on a small subsample of the
training rows, keeps the best third (``factor=3``) and re-scores those on three times as
many rows, and so on, until the last round uses (nearly) all rows.  The study searched
with a plain random search, and the book's reported networks come from it; halving is
an option for anyone who cannot afford it.

:func:`compare_halving` runs the halving search for a task of the chapters and
:func:`halving_comparison` says how close it comes: its chosen parameters, their CV score
in its own last round, their CV score and **rank in the plain search** (1: the same choice),
and its share of the plain search's cost in fits, in fitted rows and in seconds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .inputs import rows
from .search import SearchResult, _params_key, random_search

__all__ = ["HalvingComparison", "compare_halving", "halving_comparison"]


@dataclass(frozen=True)
class HalvingComparison:
    """How a halving search's choice compares with the plain search over the same draws.

    Attributes
    ----------
    n_trials : int
        Parameter sets drawn by both searches.
    halving_trial, plain_trial : int
        Draw numbers of the two choices.
    halving_cv_mean, halving_cv_std : float
        The halving choice's CV score in its last round, on ``halving_rows`` rows.
    halving_rows : int
        Training rows of that last round (the plain search uses ``plain_rows``).
    plain_rows : int
    first_round_rows : int
        Rows on which halving's first round scores every draw.
    halving_in_plain_mean, halving_in_plain_std : float
        The halving choice's CV score in the plain search (all rows, same folds).
    halving_in_plain_rank : int
        Its rank there by the tie rule (1: halving chose the plain search's network).
    plain_cv_mean, plain_cv_std : float
        The plain search's best CV score.
    fits_halving, fits_plain : int
        Cross-validation fits made by each.
    rows_halving, rows_plain : int
        Rows handed to the cross-validation, summed over the fits (a fit's cost grows
        with its rows; each fold model trains on ``(k-1)/k`` of them).
    seconds_halving, seconds_plain : float
        Wall-clock time of each search (of the original runs when served from the cache).
    search : SearchResult
        The halving search itself (its ``cv_results`` has one row per draw and round).
    """

    n_trials: int
    halving_trial: int
    plain_trial: int
    halving_cv_mean: float
    halving_cv_std: float
    halving_rows: int
    plain_rows: int
    first_round_rows: int
    halving_in_plain_mean: float
    halving_in_plain_std: float
    halving_in_plain_rank: int
    plain_cv_mean: float
    plain_cv_std: float
    fits_halving: int
    fits_plain: int
    rows_halving: int
    rows_plain: int
    seconds_halving: float
    seconds_plain: float
    resource: str = "n_samples"
    first_round_resource: int = 0
    search: SearchResult | None = field(default=None, repr=False, compare=False)

    @property
    def fit_share(self) -> float:
        """Halving's fits as a share of the plain search's."""
        return self.fits_halving / self.fits_plain

    @property
    def row_share(self) -> float:
        """Halving's fitted rows as a share of the plain search's."""
        return self.rows_halving / self.rows_plain

    @property
    def time_share(self) -> float:
        """Halving's wall-clock time as a share of the plain search's."""
        return self.seconds_halving / self.seconds_plain if self.seconds_plain > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """The deterministic numbers (no seconds), JSON-ready for a metrics file."""
        out = {k: v for k, v in self.__dict__.items() if not k.startswith("seconds") and k != "search"}
        return {**out, "fit_share": self.fit_share, "row_share": self.row_share}

    def table(self, digits: int = 3) -> pd.DataFrame:
        """The two searches side by side, for the chapters."""
        def cv(mean, std):
            return f"{mean:.{digits}f} ± {std:.{digits}f}"

        return pd.DataFrame({
            "plain random search (the study's)": {
                "chosen draw": self.plain_trial, "its CV score (all training dots)": cv(self.plain_cv_mean, self.plain_cv_std),
                "its rank in the plain search": 1, "CV fits": self.fits_plain, "dots handed to the fits": self.rows_plain,
                "seconds (this machine)": round(self.seconds_plain, 1)},
            "successive halving": {
                "chosen draw": self.halving_trial,
                "its CV score (all training dots)": cv(self.halving_in_plain_mean, self.halving_in_plain_std),
                "its rank in the plain search": self.halving_in_plain_rank, "CV fits": self.fits_halving,
                "dots handed to the fits": self.rows_halving, "seconds (this machine)": round(self.seconds_halving, 1)},
        }).T


def _score_among(plain: SearchResult, params: dict, X: Any, y: Any) -> tuple[float, float, int]:
    """CV mean and spread of ``params`` on the plain search's folds and rows, and its rank among its trials."""
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    s = plain.search
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_validate(clone(s.estimator).set_params(**params), X, y, cv=s.cv, scoring=s.scoring,
                                error_score=np.nan)["test_score"]
    mean, std = float(np.mean(scores)), float(np.std(scores))
    means = plain.cv_results["mean_test_score"].to_numpy(dtype=float)
    return mean, std, int(1 + np.sum(np.nan_to_num(means, nan=-np.inf) > mean))


def halving_comparison(plain: SearchResult, halving: SearchResult, X: Any = None, y: Any = None) -> HalvingComparison:
    """Compare a halving search with the plain search over the same draws.

    Parameters
    ----------
    plain : SearchResult
        ``method="random"``.
    halving : SearchResult
        ``method="halving"`` with the same ``n_trials``, folds and seed, fitted on the same rows.

    Raises
    ------
    ValueError
        If the two searches did not draw the same parameter sets.
    """
    if plain.n_rows != halving.n_rows:
        raise ValueError(f"the plain search was fitted on {plain.n_rows} rows, the halving search on {halving.n_rows}")
    if plain.method != "random" or halving.method != "halving":
        raise ValueError(f"expected a plain and a halving search, got {plain.method!r} and {halving.method!r}")
    if (plain.n_trials, plain.cv_folds, plain.seed) != (halving.n_trials, halving.cv_folds, halving.seed):
        raise ValueError("the two searches differ in n_trials, cv_folds or seed, so they did not draw the same "
                         f"parameter sets: {(plain.n_trials, plain.cv_folds, plain.seed)} vs "
                         f"{(halving.n_trials, halving.cv_folds, halving.seed)}")
    plain_params = plain.search.cv_results_["params"]
    where = {_params_key(p): i for i, p in enumerate(plain_params)}
    chosen = halving.search.cv_results_["params"][halving.best_index]
    h = halving.search
    if _params_key(chosen) in where:
        row = plain.cv_results.iloc[where[_params_key(chosen)]]
        in_plain = float(row["mean_test_score"]), float(row["std_test_score"]), int(row["rank"])
    elif X is not None and y is not None:  # a choice the plain search did not draw (max_iter as the resource)
        in_plain = _score_among(plain, chosen, X, y)
    else:
        raise ValueError(f"the halving search's choice {chosen} is not among the plain search's draws "
                         "(pass X and y to score it on the plain search's folds)")
    n_fitted = sum(h.n_candidates_)
    rows = (sum(c * r for c, r in zip(h.n_candidates_, h.n_resources_)) if h.resource == "n_samples"
            else n_fitted * plain.n_rows)
    last_rows = int(h.n_resources_[-1]) if h.resource == "n_samples" else plain.n_rows
    first_rows = int(h.n_resources_[0]) if h.resource == "n_samples" else plain.n_rows
    return HalvingComparison(
        n_trials=plain.n_trials, halving_trial=halving.best_trial, plain_trial=plain.best_trial,
        halving_cv_mean=halving.cv_mean, halving_cv_std=halving.cv_std, halving_rows=last_rows,
        plain_rows=plain.n_rows, first_round_rows=first_rows,
        halving_in_plain_mean=in_plain[0], halving_in_plain_std=in_plain[1],
        halving_in_plain_rank=in_plain[2], plain_cv_mean=plain.cv_mean, plain_cv_std=plain.cv_std,
        fits_halving=halving.n_fits, fits_plain=plain.n_fits, resource=h.resource,
        first_round_resource=int(h.n_resources_[0]),
        rows_halving=int(rows * h.n_splits_),
        rows_plain=int(plain.n_trials * plain.n_rows * plain.cv_folds),
        seconds_halving=halving.seconds, seconds_plain=plain.seconds, search=halving)


def compare_halving(task, X: Any, *, n_jobs: int = 1, backend: str = "loky", scheduler: Any = None,
                    cache_dir: Any = None, factor: float = 3, resource: str = "n_samples") -> HalvingComparison:
    """Run successive halving on a chapter task's training rows and compare it with the task's plain search.

    Parameters
    ----------
    task : TaskResult
        From :func:`~siqd_utils.models.tasks.run_task`; its search settings are reused.
    X : DataFrame or array-like
        The features of every row (as given to ``run_task``).
    n_jobs, backend, scheduler, cache_dir
        See :func:`~siqd_utils.models.search.random_search`.
    factor : float, default=3
        Halving's ``factor``.
    resource : {"n_samples", "max_iter"}, default="n_samples"
        What grows from round to round (:func:`~siqd_utils.models.search.make_search`).
    """
    y_train = np.asarray(task.best.y_train)
    halving = random_search(task.kind, rows(X, task.train_index), y_train, n_trials=task.search.n_trials,
                            cv_folds=task.search.cv_folds, seed=task.search.seed, method="halving",
                            scoring=task.search.scoring, n_jobs=n_jobs, backend=backend, scheduler=scheduler,
                            cache_dir=cache_dir, task=f"{task.name} (halving)", halving_factor=factor,
                            halving_resource=resource)
    return halving_comparison(task.search, halving, rows(X, task.train_index), y_train)

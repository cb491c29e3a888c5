"""The random search: scikit-learn's ``RandomizedSearchCV`` (or successive halving) over the study's space.

:func:`make_search`
    An unfitted scikit-learn search estimator for the study's protocol: the space of
    :func:`~siqd_utils.models.space.param_space`, seeded folds, the tie rule as its
    ``refit`` callable and failed fits scored NaN (counted, never dropped).  It is an
    ordinary estimator, so it can be cross-validated itself (nested cross-validation)
    or refitted over many seeds.
:func:`random_search`
    Fits such a search (on a chosen backend, through the on-disk cache) and returns a
    :class:`SearchResult`, whose ``cv_results`` is the search's ``cv_results_`` as a
    table with per-trial failure and convergence-warning counts and the tie rule's rank.
:func:`tie_rule`
    The documented choice of the best trial: the highest mean cross-validation score,
    then the lower spread (standard deviation over the folds), then the earlier draw.

Two scikit-learn search classes are extended, each by the same small mixin:
:class:`MLPRandomSearchCV` (:class:`~sklearn.model_selection.RandomizedSearchCV`) and
:class:`MLPHalvingRandomSearchCV` (:class:`~sklearn.model_selection.HalvingRandomSearchCV`,
which scikit-learn ships as experimental).  The mixin makes the halving search choose its
final network by the same tie rule (among the candidates of its last round) and gives
``score`` the primary score.  Their scorer, :class:`ScoreAndWarnings`, returns the score and
the fit's convergence-warning count, so that ``cv_results_`` carries the count of each fit.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import FitFailedWarning, UndefinedMetricWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV, ParameterSampler, RandomizedSearchCV
from sklearn.utils.validation import check_is_fitted

from . import backends, cache, chunks
from .estimators import WARNINGS_LOCK, make_estimator, search_estimator
from .inputs import (LEAST_POPULATED, as_xy, check_folds, check_kind, check_n_jobs, check_positive_int,
                     make_folds)
from .space import PARAM_ORDER, SEARCHED, layers_text, param_space

# scikit-learn ships successive halving as experimental: importing this module enables it.
importlib.import_module("sklearn.experimental.enable_halving_search_cv")
from sklearn.model_selection import HalvingRandomSearchCV  # noqa: E402

__all__ = ["METHODS", "MLPCandidatesSearchCV", "MLPHalvingRandomSearchCV", "MLPRandomSearchCV", "ScoreAndWarnings", "SearchResult",
           "make_search", "random_search", "results_table", "tie_rule", "tie_rule_order"]

#: Search methods: the study's plain random search, or successive halving over the same draws.
METHODS = ("random", "halving")
#: What successive halving grows from round to round.
HALVING_RESOURCES = ("n_samples", "max_iter")

# Warnings of the search that say what the table already records: a class with fewer
# members than folds (the folds are still valid), and NaN scores (counted in n_failed_folds).
_KNOWN = (LEAST_POPULATED, "One or more of the test scores are non-finite")

#: Columns of ``cv_results_`` that are wall-clock measurements, not results.
TIME_COLUMNS = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


# ------------------------------------------------------------------ scorer and tie rule


class ScoreAndWarnings:
    """Scorer of the searches: ``{"score": ..., "convergence_warnings": ...}`` for one fitted fold model.

    ``score`` is the ``scoring`` scorer (None: the estimator's ``score``, accuracy or R^2);
    ``convergence_warnings`` is the count the counted MLPs keep
    (:mod:`siqd_utils.models.estimators`).  A model that cannot be scored (non-finite
    predictions, or R^2 on a fold of fewer than two dots, which halving's small first rounds
    can give) scores NaN, which the search table counts as a failed fold.
    """

    def __init__(self, scoring: str | None = None):
        self.scoring = scoring

    def __call__(self, estimator, X, y) -> dict[str, float]:
        with WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)  # the NaN score is counted instead
            try:
                score = float(check_scoring(estimator, scoring=self.scoring)(estimator, X, y))
            except (ValueError, FloatingPointError):
                score = float("nan")
        return {"score": score, "convergence_warnings": float(getattr(estimator, "n_convergence_warnings_", 0))}

    def __repr__(self) -> str:  # stable: part of the search-cache key
        return f"ScoreAndWarnings(scoring={self.scoring!r})"


def _params_key(params: dict) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def draw_index(cv_results: dict) -> np.ndarray:
    """Each row's position in the order the parameters were drawn.

    A plain search has one row per draw, in draw order.  A halving search repeats the
    survivors in later rounds; its first round lists every draw in order.
    """
    n = len(cv_results["params"])
    if "iter" not in cv_results:
        return np.arange(n)
    params = cv_results["params"]
    resources = list(cv_results.get("n_resources", []))
    # a halving resource that is a parameter (max_iter) is set by the round, not drawn: not part of the draw
    by_round = {k for k in params[0] if resources and all(isinstance(p.get(k), (int, np.integer)) and p[k] == r
                                                          for p, r in zip(params, resources))}
    params = [{k: v for k, v in p.items() if k not in by_round} for p in params]
    first = np.flatnonzero(np.asarray(cv_results["iter"]) == 0)
    position = {_params_key(params[i]): j for j, i in enumerate(first)}
    return np.array([position[_params_key(p)] for p in params])


def tie_rule_order(cv_results: dict) -> np.ndarray:
    """Row indices of ``cv_results`` from best to worst by the tie rule.

    Higher ``mean_test_score`` first; equal means: lower ``std_test_score``; then the
    earlier draw.  Rows whose mean is NaN (a fold failed) come last, in draw order.  For a
    halving search, rows of a later round come before rows of an earlier one.
    """
    mean = np.asarray(cv_results["mean_test_score"], dtype=float)
    std = np.asarray(cv_results["std_test_score"], dtype=float)
    failed = ~np.isfinite(mean)
    later_round = -np.asarray(cv_results["iter"]) if "iter" in cv_results else np.zeros(len(mean))
    keys = (draw_index(cv_results), np.where(failed, 0.0, std), np.where(failed, 0.0, -mean), failed, later_round)
    return np.lexsort(keys)  # the last key sorts first


def tie_rule(cv_results: dict) -> int:
    """``refit`` callable of the searches: the index of the best row by :func:`tie_rule_order`.

    Raises
    ------
    ValueError
        If no row has a finite mean score (every trial had a failed fold).
    """
    best = int(tie_rule_order(cv_results)[0])
    if not np.isfinite(cv_results["mean_test_score"][best]):
        raise ValueError(f"every one of the {len(cv_results['params'])} trials has a fold that could not be fitted "
                         "or scored; see the FitFailedWarning above for the errors")
    return best


# ---------------------------------------------------------------------- search classes


class _TieRuleSearch:
    """Mixin for scikit-learn's search classes: tie-rule choice, primary ``score``."""

    @staticmethod
    def _select_best_index(refit, refit_metric, results):
        # HalvingRandomSearchCV overrides this to take the top mean of its last round and
        # ignores a callable refit; here both searches apply it (tie_rule knows the rounds).
        return refit(results) if callable(refit) else tie_rule(results)

    def score(self, X, y=None):
        """The primary score (``scoring``, or accuracy / R^2) of the refitted best network."""
        check_is_fitted(self, "best_estimator_")
        return self.scorer_(self.best_estimator_, X, y)["score"]


class MLPRandomSearchCV(_TieRuleSearch, RandomizedSearchCV):
    """:class:`~sklearn.model_selection.RandomizedSearchCV` with the tie rule and a primary ``score``."""


class MLPHalvingRandomSearchCV(_TieRuleSearch, HalvingRandomSearchCV):
    """:class:`~sklearn.model_selection.HalvingRandomSearchCV` choosing its network by the tie rule."""


class MLPCandidatesSearchCV(_TieRuleSearch, GridSearchCV):
    """:class:`~sklearn.model_selection.GridSearchCV` over a list of parameter sets, chosen by the tie rule.

    :func:`make_search` builds it when given ``candidates``: the random search's draws
    followed by those fixed points, each a grid of one point, tried in that order.
    """


def make_search(kind: str, *, n_trials: int, cv_folds: int, seed: int, method: str = "random",
                scoring: str | None = None, n_jobs: int | None = None, halving_factor: float = 3,
                min_resources: int | str = "exhaust", halving_resource: str = "n_samples",
                candidates: Sequence[Mapping[str, Any]] = ()):
    """An unfitted search over the study's MLP space.

    Parameters
    ----------
    kind : {"classifier", "regressor"}
        :class:`~sklearn.neural_network.MLPClassifier` or ``MLPRegressor`` (counted
        variants, :mod:`siqd_utils.models.estimators`).
    n_trials : int
        Parameter sets drawn (``n_iter``; for halving, ``n_candidates`` of its first round).
    cv_folds : int
        Folds of the cross-validation scoring each trial: stratified k-fold for a
        classifier, k-fold for a regressor, shuffled with ``seed``.
    seed : int
        Seeds the draws, the folds and every network's ``random_state``.
    method : {"random", "halving"}, default="random"
        The study's plain random search, or successive halving over the same draws
        (the same ``n_trials`` parameter sets, as both searches draw with
        :class:`~sklearn.model_selection.ParameterSampler` and ``random_state=seed``).
    scoring : str or None, default=None
        A scikit-learn scorer name; None: the estimator's ``score`` (accuracy or R^2).
    n_jobs : int or None, default=None
        Parallel fits (joblib); None defers to the active ``joblib.parallel_config``.
    halving_factor : float, default=3
        Halving only: the share ``1/halving_factor`` of candidates kept after each round,
        and the growth of the training rows per round.
    min_resources : int or {"exhaust", "smallest"}, default="exhaust"
        Halving only: training rows of the first round (scikit-learn's
        ``min_resources``; "exhaust" makes the last round use nearly all of the resource).
    halving_resource : {"n_samples", "max_iter"}, default="n_samples"
        Halving only: what grows from round to round, the training rows or the iteration
        budget.  With ``"max_iter"`` the budget is no longer drawn: it grows by
        ``halving_factor`` per round up to the space's largest (so the draws of the other
        settings differ from the plain search's).
    candidates : sequence of dict, optional
        Random search only: parameter sets tried beside the ``n_trials`` draws, after them
        (e.g. the study's own network, so that the search cannot choose a network that
        scores below it in the inner cross-validation).  The draws are those of the plain
        search with the same seed (:class:`~sklearn.model_selection.ParameterSampler`);
        the search is then an :class:`MLPCandidatesSearchCV` over draws and candidates.
        Each candidate names only parameters of :data:`~siqd_utils.models.space.SEARCHED`.

    Returns
    -------
    MLPRandomSearchCV or MLPHalvingRandomSearchCV
        Fit it with ``search.fit(X_train, y_train)``; or pass it to
        :func:`~sklearn.model_selection.cross_validate` as an inner estimator.

    Examples
    --------
    Nested cross-validation of the whole protocol (outer folds score the searched network):

    >>> from sklearn.model_selection import cross_val_score, StratifiedKFold
    >>> inner = make_search("classifier", n_trials=50, cv_folds=5, seed=0)   # doctest: +SKIP
    >>> cross_val_score(inner, X, y, cv=StratifiedKFold(10, shuffle=True, random_state=0))  # doctest: +SKIP
    """
    check_kind(kind)
    n_trials = check_positive_int("n_trials", n_trials)
    cv_folds = check_positive_int("cv_folds", cv_folds, low=2)
    seed = check_positive_int("seed", seed, low=0)
    if method not in METHODS:
        raise ValueError(f"method = {method!r}: must be one of {METHODS}")
    common = dict(scoring=ScoreAndWarnings(scoring), refit=tie_rule, cv=make_folds(kind, cv_folds, seed),
                  error_score=np.nan, n_jobs=n_jobs, random_state=seed, return_train_score=False)
    if candidates and method != "random":
        raise ValueError(f"candidates: only the random search takes fixed candidates (method = {method!r})")
    if candidates:
        points = list(ParameterSampler(param_space(kind), n_trials, random_state=seed))
        points += [_candidate(c) for c in candidates]
        common.pop("random_state")
        return MLPCandidatesSearchCV(search_estimator(kind, seed), [{k: [v] for k, v in p.items()} for p in points],
                                     **common)
    if method == "random":
        return MLPRandomSearchCV(search_estimator(kind, seed), param_space(kind), n_iter=n_trials, **common)
    if halving_resource not in HALVING_RESOURCES:
        raise ValueError(f"halving_resource = {halving_resource!r}: must be one of {HALVING_RESOURCES}")
    space = param_space(kind)
    extra = {}
    if halving_resource == "max_iter":
        budget = space.pop("max_iter")
        extra = {"resource": "max_iter", "max_resources": int(budget.support()[1])}  # the largest drawn budget
    return MLPHalvingRandomSearchCV(search_estimator(kind, seed), space, n_candidates=n_trials,
                                    factor=halving_factor, min_resources=min_resources, **extra, **common)


def _candidate(params: Mapping[str, Any]) -> dict[str, Any]:
    """A fixed candidate of a search: its searched parameters, ``hidden_layer_sizes`` as a tuple."""
    unknown = sorted(set(params) - set(SEARCHED))
    if unknown:
        raise ValueError(f"candidate {dict(params)!r}: {unknown} are not searched parameters {list(SEARCHED)}")
    point = dict(params)
    if "hidden_layer_sizes" in point:
        point["hidden_layer_sizes"] = tuple(int(u) for u in point["hidden_layer_sizes"])
    return point


# ---------------------------------------------------------------------- results table


def results_table(cv_results: dict) -> pd.DataFrame:
    """``cv_results_`` of a search as a table, one row per trial (per round for halving).

    Columns: ``trial`` (draw number, 0-based), for halving ``iter`` and ``n_resources``,
    scikit-learn's ``param_*``, ``split<i>_test_score``, ``mean_test_score``,
    ``std_test_score`` and ``rank_test_score`` (ties share a rank), then ``rank`` (the tie
    rule's order, 1 = chosen), ``n_failed_folds`` (folds that could not be fitted or
    scored: their score is NaN, and so is the trial's mean), ``n_convergence_warnings``
    (summed over the folds) and the fit and score times (wall clock, not results).
    The per-fold warning columns of the scorer are folded into ``n_convergence_warnings``;
    the ``params`` column (dicts) is left out: the ``param_*`` columns hold the same.
    """
    # param_* columns are masked arrays; as lists they keep their values (tuples stay tuples)
    t = pd.DataFrame({k: (v.tolist() if np.ma.isMaskedArray(v) else v) for k, v in cv_results.items()
                      if k != "params"})
    n_splits = sum(1 for k in cv_results if k.startswith("split") and k.endswith("_test_score"))
    score_cols = [f"split{i}_test_score" for i in range(n_splits)]
    warn_cols = [f"split{i}_test_convergence_warnings" for i in range(n_splits)]
    scores = t[score_cols].to_numpy(dtype=float)
    counts = t[warn_cols].to_numpy(dtype=float)
    order = tie_rule_order(cv_results)
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    t.insert(0, "trial", draw_index(cv_results))
    t["rank"] = rank
    t["n_failed_folds"] = np.isnan(scores).sum(axis=1).astype(int)
    t["n_convergence_warnings"] = np.nansum(counts, axis=1).astype(int)
    t = t.drop(columns=[c for c in t.columns if c.endswith("_test_convergence_warnings")])
    params = [c for c in t.columns if c.startswith("param_")]
    lead = ["trial", *(c for c in ("iter", "n_resources") if c in t.columns)]
    tail = [*score_cols, "mean_test_score", "std_test_score", "rank_test_score", "rank", "n_failed_folds",
            "n_convergence_warnings", *TIME_COLUMNS]
    return t[lead + params + tail]


# --------------------------------------------------------------------------- result


def _plain(value: Any) -> Any:
    """numpy scalars and tuples as plain Python values (for tables and JSON)."""
    if isinstance(value, tuple):
        return tuple(int(u) for u in value)
    return value.item() if hasattr(value, "item") else value


@dataclass(eq=False)
class SearchResult:
    """A fitted search and its table.

    Attributes
    ----------
    kind : str
        ``"classifier"`` or ``"regressor"``.
    method : str
        ``"random"`` or ``"halving"``.
    search : MLPRandomSearchCV or MLPHalvingRandomSearchCV
        The fitted scikit-learn search (``cv_results_``, ``best_index_``,
        ``best_estimator_`` refitted on all rows it was given).
    cv_results : pandas.DataFrame
        :func:`results_table` of ``search.cv_results_``.
    n_trials, cv_folds, seed : int
        The search settings.
    scoring : str or None
        The scorer (None: accuracy or R^2).
    n_rows : int
        Rows the search was fitted on.
    seconds : float
        Fitting time: wall clock of the fit, summed over the chunks of a plain search (as
        measured when each was fitted, also when read back from the cache).
    from_cache : bool
        Whether every part of the search was read from the on-disk cache, after it loaded
        (no cross-validation fit was run).
    fit_failures : list of str
        scikit-learn's summaries of the fits that failed (``FitFailedWarning``), if any.
    ran_on : dict or None
        Where this call's fits ran (:func:`siqd_utils.models.backends.describe`: backend,
        scheduler, workers); None when nothing was fitted (all read from the cache).
    cache : CacheReport
        What the cache did: entries read, fitted, found unreadable (and replaced).

    Compare two results with their ``cv_results`` tables (``==`` compares identity).
    """

    kind: str
    method: str
    search: Any
    cv_results: pd.DataFrame
    n_trials: int
    cv_folds: int
    seed: int
    scoring: str | None
    n_rows: int
    seconds: float = 0.0
    from_cache: bool = False
    fit_failures: list[str] = field(default_factory=list)
    ran_on: dict[str, Any] | None = None
    cache: cache.CacheReport = field(default_factory=cache.CacheReport)

    @property
    def best_index(self) -> int:
        """Row of ``cv_results`` chosen by the tie rule."""
        return int(self.search.best_index_)

    @property
    def best_trial(self) -> int:
        """Draw number of the chosen parameters."""
        return int(self.cv_results["trial"].iat[self.best_index])

    @property
    def best_params(self) -> dict[str, Any]:
        """Every MLP setting of :data:`~siqd_utils.models.space.PARAM_ORDER` of the chosen network."""
        params = self.search.best_estimator_.get_params()
        return {k: _plain(params[k]) for k in PARAM_ORDER}

    @property
    def cv_mean(self) -> float:
        return float(self.cv_results["mean_test_score"].iat[self.best_index])

    @property
    def cv_std(self) -> float:
        return float(self.cv_results["std_test_score"].iat[self.best_index])

    @property
    def n_convergence_warnings(self) -> int:
        """Convergence warnings over all cross-validation fits of the search."""
        return int(self.cv_results["n_convergence_warnings"].sum())

    @property
    def n_failed_trials(self) -> int:
        """Rows (trials; for halving, trial rounds) with at least one fold that could not be fitted or scored."""
        return int((self.cv_results["n_failed_folds"] > 0).sum())

    @property
    def n_fits(self) -> int:
        """Cross-validation fits made (without the final refit)."""
        return int(len(self.cv_results) * self.cv_folds)

    def origin(self) -> str:
        """Where the search's numbers came from, as the cache saw it (said only after the entries loaded)."""
        c = self.cache
        if c.unreadable:
            files = ", ".join(Path(f).name for f, _ in c.unreadable)
            return (f"refitted: cached entry unreadable ({files}; replaced), "
                    f"{self.seconds:.0f} s of fitting{self._where()}")
        if self.from_cache:
            return f"read from the search cache (fitted in {self.seconds:.0f} s when first run)"
        if c.loaded:
            return (f"resumed: {c.loaded} of {c.loaded + c.fitted} chunks read from the search cache, {c.fitted} "
                    f"fitted{self._where()} ({self.seconds:.0f} s of fitting in all)")
        return f"fitted in {self.seconds:.0f} s{self._where()}"

    def _where(self) -> str:
        if not self.ran_on or self.ran_on.get("backend") != "dask":
            return ""
        return f" on Dask ({self.ran_on.get('scheduler')})"

    def run_record(self) -> dict[str, Any]:
        """How this run got the search (JSON-ready): where its fits ran (None: nowhere, all read from
        the cache) and what the cache did.  Not a result: it differs between a first run and a re-run."""
        return {"fits_ran_on": self.ran_on, "from_cache": self.from_cache, "entries_read": self.cache.loaded,
                "entries_fitted": self.cache.fitted,
                "unreadable_entries": [Path(f).name for f, _ in self.cache.unreadable]}

    def summary(self) -> str:
        """One line for the chapters: the search's size, where it came from, its warnings and failures."""
        origin = self.origin()
        return (f"{self.n_trials} trials x {self.cv_folds} folds ({self.n_fits} fits), {origin}; "
                f"{self.n_convergence_warnings} convergence warnings silenced, "
                f"{self.n_failed_trials} trials with a fold that could not be fitted")

    def best_estimator(self):
        """An unfitted plain MLP with the chosen parameters."""
        return make_estimator(self.kind, self.best_params)

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` best rows by the tie rule, with the drawn parameters and the scores."""
        cols = ["rank", "trial", *(c for c in ("iter", "n_resources") if c in self.cv_results),
                *(f"param_{p}" for p in SEARCHED), "mean_test_score", "std_test_score", "n_failed_folds",
                "n_convergence_warnings"]
        top = self.cv_results.sort_values("rank").head(n)[cols].reset_index(drop=True)
        top["param_hidden_layer_sizes"] = top["param_hidden_layer_sizes"].map(layers_text)
        return top.rename(columns=lambda c: c.removeprefix("param_"))

    def to_dict(self) -> dict[str, Any]:
        """The deterministic summary (no timing), JSON-ready for the metrics file."""
        best = dict(self.best_params)
        best["hidden_layer_sizes"] = list(best["hidden_layer_sizes"])
        out = {
            "kind": self.kind, "method": self.method, "n_trials": self.n_trials, "cv_folds": self.cv_folds,
            "seed": self.seed, "scoring": self.scoring, "best_trial": self.best_trial, "best_params": best,
            "cv_mean": self.cv_mean, "cv_std": self.cv_std, "n_fits": self.n_fits,
            "n_convergence_warnings": self.n_convergence_warnings, "n_failed_trials": self.n_failed_trials,
        }
        if self.method == "halving":
            out["n_candidates"] = [int(c) for c in self.search.n_candidates_]
            out["n_resources"] = [int(r) for r in self.search.n_resources_]
            out["resource"] = self.search.resource
        return out


# ------------------------------------------------------------------------ the search


def _fit(search, X, y) -> tuple[Any, float, list[str]]:
    """Fit ``search`` (on the backend in force); return it, the seconds taken and the fit-failure summaries."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    seconds = time.perf_counter() - start
    failures = []
    for w in caught:
        if issubclass(w.category, FitFailedWarning):
            failures.append(str(w.message))
        elif not (issubclass(w.category, UserWarning) and any(m in str(w.message) for m in _KNOWN)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return search, seconds, failures


def random_search(estimator_kind: str, X: Any, y: Any, n_trials: int, cv_folds: int, seed: int, *,
                  method: str = "random", n_jobs: int = 1, scoring: str | None = None, backend: str = "loky",
                  scheduler: Any = None, cache_dir: Any = None, task: str | None = None,
                  halving_factor: float = 3, halving_resource: str = "n_samples",
                  chunk_size: int = chunks.DEFAULT_CHUNK_SIZE) -> SearchResult:
    """Random search over the study's MLP space, scored by k-fold cross-validation.

    A plain search (``method="random"``) is evaluated in chunks of ``chunk_size`` draws,
    each kept in the cache as it finishes (:mod:`~siqd_utils.models.chunks`): interrupted,
    it resumes at its first missing chunk; its ``cv_results_`` and network are those of one
    uninterrupted ``RandomizedSearchCV.fit``.  A halving search is fitted and cached whole.

    Parameters
    ----------
    estimator_kind : {"classifier", "regressor"}
        :class:`MLPClassifier` or :class:`MLPRegressor`.
    X : array-like or DataFrame of shape (n_samples, n_features)
        The **training** features (keep the test set out of the search).
    y : array-like of shape (n_samples,)
        The training targets (class labels or values).
    n_trials, cv_folds, seed, method, scoring, halving_factor, halving_resource
        See :func:`make_search`.
    n_jobs : int, default=1
        Workers: local joblib processes (-1: all cores), or, with ``backend="dask"`` and no
        ``scheduler``, the workers of the in-process ``LocalCluster``.  The result does not
        depend on it.
    backend : {"loky", "dask"}, default="loky"
        Where the fits run (:func:`siqd_utils.models.backends.search_backend`).  Entered only
        if something must be fitted: a search read from the cache contacts no scheduler.
    scheduler : None, str or dask.distributed.Client, default=None
        Dask only: a scheduler address (``"tcp://host:8786"``) or a client; None starts
        a ``LocalCluster`` of ``n_jobs`` workers for the duration of the search.
    cache_dir : path-like or None, default=None
        Folder of the on-disk search cache (:mod:`siqd_utils.models.cache`); None: no cache.
    task : str, optional
        A name for the cache key and messages (e.g. ``"bands"``).
    chunk_size : int, default=50
        Plain search: draws per chunk (part of a chunk's cache key; the result does not
        depend on it).

    Returns
    -------
    SearchResult

    Raises
    ------
    ValueError
        On an unknown kind or method, a non-positive ``n_trials``, ``cv_folds`` < 2 or more
        folds than samples, a bad ``seed``, ``n_jobs``, ``chunk_size`` or backend, malformed
        ``X``/``y``, or when every trial failed.
    ConnectionError
        When the Dask scheduler cannot be reached (after a few seconds, naming it).
    """
    kind = check_kind(estimator_kind)
    n_jobs = check_n_jobs(n_jobs)
    chunk_size = check_positive_int("chunk_size", chunk_size)
    backends.check_backend(backend, scheduler)
    _, ya = as_xy(X, y)
    search = make_search(kind, n_trials=n_trials, cv_folds=cv_folds, seed=seed, method=method, scoring=scoring,
                         n_jobs=-1 if backend == "dask" else n_jobs, halving_factor=halving_factor,
                         halving_resource=halving_resource)
    check_folds(kind, ya, search.cv.n_splits)
    report = cache.CacheReport()
    ran_on: dict[str, Any] = {}

    def on_backend():
        ran_on.update(backends.describe(backend, scheduler, n_jobs))
        return backends.search_backend(backend, scheduler, n_workers=n_jobs)

    def fit(search, X, y):
        if method == "random":
            store = None if cache_dir is None else cache.SearchStore(cache_dir, task)
            key = None if cache_dir is None else cache.search_key(search, X, y, task)
            done = chunks.fit_in_chunks(search, X, y, chunk_size=chunk_size, fit_chunk=_fit, store=store, key=key,
                                        report=report, backend=on_backend, label=task)
            return done.search, done.seconds, done.failures
        with on_backend():
            fitted = _fit(search, X, y)
        report.fitted += 1
        return fitted

    (search, seconds, failures), hit = cache.cached_fit(search, X, ya, fit, cache_dir=cache_dir, task=task,
                                                        report=report)
    return SearchResult(kind=kind, method=method, search=search, cv_results=results_table(search.cv_results_),
                        n_trials=int(n_trials), cv_folds=int(cv_folds), seed=int(seed), scoring=scoring,
                        n_rows=len(ya), seconds=seconds, from_cache=report.from_cache, fit_failures=failures,
                        ran_on=ran_on or None, cache=report)

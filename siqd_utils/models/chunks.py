"""A plain random search evaluated in chunks of candidates, each chunk kept in the search cache as it finishes.

scikit-learn's :class:`~sklearn.model_selection.RandomizedSearchCV` draws its ``n_iter``
candidates with ``ParameterSampler(param_distributions, n_iter, random_state)`` and hands
them all at once to its ``evaluate_candidates``.  :func:`fit_in_chunks` draws the same list,
cuts it into chunks of ``chunk_size`` candidates in draw order, and fits each chunk with
:class:`CandidateSearchCV`, a scikit-learn search (:class:`~sklearn.model_selection._search.BaseSearchCV`)
over that fixed list: the same estimator, folds, scorer and error score, scikit-learn's
own cross-validation.  Each chunk's per-fit outputs are written to the search cache
(:class:`~siqd_utils.models.cache.SearchStore`) as soon as the chunk finishes, under the
search's key plus the chunk's position and candidates.  :func:`assemble` then formats every
fit with the search's own ``_format_results``, chooses with its ``_select_best_index`` (the
tie rule) and refits the chosen network, as ``fit`` does: the ``cv_results_`` and the network
are those of one uninterrupted ``RandomizedSearchCV.fit`` (every fit is seeded, and the folds
are those of a splitter with an integer seed).

Resuming
    A search that is interrupted (killed, or a laptop that sleeps) loses at most the chunk
    it was fitting: run it again and the finished chunks are read back.
Spreading
    Each chunk's fits go to the search's backend (local processes or a Dask cluster,
    :mod:`~siqd_utils.models.backends`).  Several processes (on one machine or on several
    sharing the cache folder) can run the same search at once: each chunk is computed under
    a lock on its entry, a process takes the chunks nobody holds first, and then waits for
    (and reads) the ones others are fitting.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import ParameterSampler
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import indexable

from .cache import CacheReport, SearchStore

__all__ = ["DEFAULT_CHUNK_SIZE", "CandidateSearchCV", "ChunkedFit", "assemble", "draw_candidates", "fit_in_chunks"]

#: Candidates per chunk: 50 trials of 10 folds are 500 fits, a few minutes of the paper profile.
DEFAULT_CHUNK_SIZE = 50

#: A search expected to take longer than this (seconds) shows a progress bar with the time left.
PROGRESS_AFTER = 60.0


class CandidateSearchCV(BaseSearchCV):
    """scikit-learn's search over a given list of candidates; keeps the raw output of every fit.

    Parameters
    ----------
    estimator : estimator
    candidates : list of dict
        The parameter sets, evaluated in this order.
    scoring, n_jobs, cv, verbose, pre_dispatch, error_score, return_train_score
        As for :class:`~sklearn.model_selection.RandomizedSearchCV`.  There is no refit:
        a chunk only cross-validates.

    Attributes
    ----------
    fit_outputs_ : list of dict
        What scikit-learn's ``_fit_and_score`` returned for each (candidate, fold), in the
        order ``evaluate_candidates`` produced them; :func:`assemble` formats them.
    cv_results_ : dict
        The chunk's own results.
    """

    _parameter_constraints: dict = {**BaseSearchCV._parameter_constraints, "candidates": [list]}

    def __init__(self, estimator, candidates, *, scoring=None, n_jobs=None, cv=None, verbose=0,
                 pre_dispatch="2*n_jobs", error_score=np.nan, return_train_score=False):
        super().__init__(estimator=estimator, scoring=scoring, n_jobs=n_jobs, refit=False, cv=cv, verbose=verbose,
                         pre_dispatch=pre_dispatch, error_score=error_score, return_train_score=return_train_score)
        self.candidates = candidates

    def _run_search(self, evaluate_candidates):
        evaluate_candidates(list(self.candidates))

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        self.fit_outputs_ = list(out)
        return super()._format_results(candidate_params, n_splits, out, more_results)


def draw_candidates(search) -> list[dict]:
    """The candidates ``search`` (a ``RandomizedSearchCV``) evaluates, in its order."""
    return list(ParameterSampler(search.param_distributions, search.n_iter, random_state=search.random_state))


def chunk_search(search, candidates: list[dict]) -> CandidateSearchCV:
    """The search of one chunk: ``search``'s estimator, folds, scorer and error score over ``candidates``."""
    return CandidateSearchCV(search.estimator, candidates, scoring=search.scoring, n_jobs=search.n_jobs,
                             cv=search.cv, pre_dispatch=search.pre_dispatch, error_score=search.error_score,
                             return_train_score=search.return_train_score)


def assemble(search, X, y, candidates: list[dict], outputs: list[dict]):
    """``search`` (unfitted) fitted from the outputs of its fits, as its ``fit`` would leave it.

    ``cv_results_`` is the search's ``_format_results`` of every fit, ``best_index_`` its
    ``_select_best_index`` (the ``refit`` callable), and the chosen network is refitted on
    ``(X, y)``.  Returns a fitted clone.
    """
    fitted = clone(search)
    X, y = indexable(X, y)
    scorers, refit_metric = fitted._get_scorers()
    fitted.n_splits_ = fitted.cv.get_n_splits(X, y)
    if len(outputs) != len(candidates) * fitted.n_splits_:
        raise ValueError(f"{len(outputs)} fit outputs for {len(candidates)} candidates x {fitted.n_splits_} folds")
    results = fitted._format_results(candidates, fitted.n_splits_, outputs, {})
    fitted.multimetric_ = isinstance(outputs[0]["test_scores"], dict)
    fitted.best_index_ = fitted._select_best_index(fitted.refit, refit_metric, results)
    if not callable(fitted.refit):
        fitted.best_score_ = results[f"mean_test_{refit_metric}"][fitted.best_index_]
    fitted.best_params_ = results["params"][fitted.best_index_]
    fitted.best_estimator_ = clone(fitted.estimator).set_params(**clone(fitted.best_params_, safe=False))
    start = time.time()
    fitted.best_estimator_.fit(X, y)
    fitted.refit_time_ = time.time() - start
    if hasattr(fitted.best_estimator_, "feature_names_in_"):
        fitted.feature_names_in_ = fitted.best_estimator_.feature_names_in_
    fitted.scorer_ = scorers
    fitted.cv_results_ = results
    return fitted


@dataclass
class ChunkedFit:
    """What :func:`fit_in_chunks` did.

    Attributes
    ----------
    search : fitted search
    seconds : float
        Fitting time summed over the chunks (each chunk's time as measured when it was fitted,
        by whichever process fitted it).
    failures : list of str
        Fit-failure summaries of every chunk.
    chunks : int
        Chunks of the search.
    fitted_chunks : list of int
        The chunks this call fitted (the others were read from the cache).
    """

    search: Any
    seconds: float
    failures: list[str] = field(default_factory=list)
    chunks: int = 0
    fitted_chunks: list[int] = field(default_factory=list)


def _progress(total: int, label: str | None):
    from tqdm import tqdm

    # delay: the bar appears only once the search has run for a minute, with its estimate of the time left
    return tqdm(total=total, unit="trial", desc=label or "search", delay=PROGRESS_AFTER, file=sys.stderr,
                mininterval=5.0, leave=False)


def fit_in_chunks(search, X, y, *, chunk_size: int = DEFAULT_CHUNK_SIZE, fit_chunk: Callable,
                  store: SearchStore | None, key: dict | None, report: CacheReport, backend: Callable[[], Any],
                  label: str | None = None) -> ChunkedFit:
    """Fit the random search ``search`` chunk by chunk, reading finished chunks from ``store``.

    Parameters
    ----------
    search : RandomizedSearchCV
        Unfitted, ``refit`` a callable or True.
    X, y : array-like
    chunk_size : int
        Candidates per chunk.
    fit_chunk : callable
        ``fit_chunk(chunk_search, X, y) -> (fitted chunk search, seconds, failure summaries)``.
    store : SearchStore or None
        The cache; None: every chunk is fitted and nothing is kept.
    key : dict or None
        The search's cache key; a chunk's key adds its position and candidates.
    report : CacheReport
        Counts of chunks read and fitted, and any unreadable entries.
    backend : callable
        Returns a context manager in which the chunks' fits run; entered once, before the
        first chunk that must be fitted (not at all when every chunk is read back).
    label : str, optional
        The search's name in the progress bar.
    """
    candidates = draw_candidates(search)
    chunks = [candidates[i:i + chunk_size] for i in range(0, len(candidates), chunk_size)]
    entries: list[dict | None] = [None] * len(chunks)
    keys = [None if key is None else {**key, "entry": "chunk", "chunk": i, "chunk_size": chunk_size,
                                      "candidates": _canonical_candidates(c)} for i, c in enumerate(chunks)]
    fitted: list[int] = []
    with ExitStack() as stack, _progress(len(candidates), label) as bar:
        running = []

        def compute(i: int) -> dict:
            if not running:
                running.append(stack.enter_context(backend()))
            chunk, seconds, failures = fit_chunk(chunk_search(search, chunks[i]), X, y)
            entry = {"outputs": chunk.fit_outputs_, "seconds": seconds, "failures": failures}
            if store is not None:
                store.save(keys[i], entry)
            report.fitted += 1
            fitted.append(i)
            return entry

        def read(i: int) -> bool:
            if store is None:
                return False
            found, entry = store.load(keys[i], report)
            if found:
                entries[i] = entry
            return found

        waiting = []
        for i in range(len(chunks)):  # first pass: what is stored, and the chunks nobody else is fitting
            if read(i):
                bar.update(len(chunks[i]))
                continue
            if store is None:
                entries[i] = compute(i)
                bar.update(len(chunks[i]))
                continue
            with store.claim(keys[i], wait=False) as held:
                if not held:
                    waiting.append(i)
                    continue
                if not read(i):  # another process may have finished it meanwhile
                    entries[i] = compute(i)
            bar.update(len(chunks[i]))
        for i in waiting:  # then the chunks others were fitting: wait for them, fit any they gave up
            with store.claim(keys[i], wait=True):
                if not read(i):
                    entries[i] = compute(i)
            bar.update(len(chunks[i]))
    outputs = [out for entry in entries for out in entry["outputs"]]
    fitted_search = assemble(search, X, y, candidates, outputs)
    return ChunkedFit(search=fitted_search, seconds=float(sum(e["seconds"] for e in entries)),
                      failures=[f for e in entries for f in e["failures"]], chunks=len(chunks), fitted_chunks=fitted)


def _canonical_candidates(candidates: list[dict]) -> list:
    from .cache import canonical

    return canonical(candidates)

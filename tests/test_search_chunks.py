"""Searches in chunks: resumed after an interruption, shared between processes, and cache events told truthfully.

Tiny searches (a few trials, 2-3 folds, 80 rows): the file runs in well under a minute.
"""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_regression

from siqd_utils import models as m
from siqd_utils.models import backends, cache, chunks, estimators, search


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=80, n_features=4, noise=2.0, random_state=0)
    return (X - X.min(0)) / (X.max(0) - X.min(0)), 550 + y


@pytest.fixture
def fits(monkeypatch):
    """The rows of every network fit (searches run in-process with n_jobs=1)."""
    calls = []
    original = estimators.CountedMLPRegressor.fit

    def fit(self, X, y, *a, **k):
        calls.append(len(X))
        return original(self, X, y, *a, **k)

    monkeypatch.setattr(estimators.CountedMLPRegressor, "fit", fit)
    return calls


@pytest.fixture
def chunk_log(monkeypatch):
    """The candidates of every chunk fitted, in order (wraps the function random_search fits chunks with)."""
    log = []
    original = search._fit

    def fit(s, X, y):
        if isinstance(s, chunks.CandidateSearchCV):
            log.append([p["alpha"] for p in s.candidates])
        return original(s, X, y)

    monkeypatch.setattr(search, "_fit", fit)
    return log


def _assert_same_search(a, b):
    """Two fitted searches: cv_results_ equal but for the wall-clock columns, same choice, same network."""
    ra, rb = a.cv_results_, b.cv_results_
    assert sorted(ra) == sorted(rb)
    for k in rb:
        if "_time" in k:
            continue
        if k == "params":
            assert ra[k] == rb[k]
        else:
            np.testing.assert_array_equal(np.asarray(ra[k]), np.asarray(rb[k]), err_msg=k)
    assert a.best_index_ == b.best_index_ and a.best_params_ == b.best_params_
    for wa, wb in zip(a.best_estimator_.coefs_, b.best_estimator_.coefs_):
        np.testing.assert_array_equal(wa, wb)


KW = dict(n_trials=7, cv_folds=3, seed=3, chunk_size=3)  # chunks of 3, 3 and 1 draws


def test_chunks_give_scikit_learns_randomized_search(data):
    X, y = data
    chunked = m.random_search("regressor", X, y, **KW)
    plain = m.make_search("regressor", n_trials=7, cv_folds=3, seed=3).fit(X, y)  # today's RandomizedSearchCV
    _assert_same_search(chunked.search, plain)
    whole = m.random_search("regressor", X, y, **{**KW, "chunk_size": 50})
    pd.testing.assert_frame_equal(whole.cv_results.drop(columns=list(search.TIME_COLUMNS)),
                                  chunked.cv_results.drop(columns=list(search.TIME_COLUMNS)), check_exact=True)
    assert chunks.draw_candidates(plain) == plain.cv_results_["params"]


def test_an_interrupted_search_resumes_without_refitting_a_finished_chunk(tmp_path, data, fits, chunk_log, monkeypatch):
    X, y = data
    original = search._fit  # chunk_log's wrapper
    done = []

    def interrupted(s, X, y):
        if len(done) == 1:  # after the first chunk finished and was written
            raise KeyboardInterrupt("the machine went to sleep")
        out = original(s, X, y)
        done.append(1)
        return out

    monkeypatch.setattr(search, "_fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)
    assert len(chunk_log) == 1 and len(fits) == 3 * 3  # one chunk of 3 draws x 3 folds was fitted
    first_chunk = chunk_log[0]

    monkeypatch.setattr(search, "_fit", original)
    chunk_log.clear()
    fits.clear()
    resumed = m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)
    assert first_chunk not in chunk_log and len(chunk_log) == 2  # the finished chunk was read, not refitted
    assert len(fits) == (3 + 1) * 3 + 1  # the other two chunks' folds and the refit
    assert resumed.cache.loaded == 1 and resumed.cache.fitted == 2 and not resumed.from_cache
    assert "resumed: 1 of 3 chunks read from the search cache" in resumed.summary()

    uninterrupted = m.random_search("regressor", X, y, **KW)
    _assert_same_search(resumed.search, uninterrupted.search)
    _assert_same_search(resumed.search, m.make_search("regressor", n_trials=7, cv_folds=3, seed=3).fit(X, y))

    fits.clear()
    again = m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)
    assert fits == [] and again.from_cache and again.ran_on is None and again.cache.whole


def test_a_chunk_another_process_holds_is_left_to_it_and_then_read_or_taken_over(tmp_path, data, chunk_log):
    X, y = data
    s = m.make_search("regressor", n_trials=7, cv_folds=3, seed=3)
    store = cache.SearchStore(tmp_path)
    key0 = {**cache.search_key(s, X, y, "toy"), "entry": "chunk", "chunk": 0, "chunk_size": 3,
            "candidates": cache.canonical(chunks.draw_candidates(s)[:3])}
    held, release = threading.Event(), threading.Event()

    def other_process():  # holds chunk 0, as another machine fitting it would, then gives up
        with store.claim(key0, wait=True):
            held.set()
            release.wait(60)

    other = threading.Thread(target=other_process)
    other.start()
    held.wait(10)
    timer = threading.Timer(1.0, release.set)  # gives up while this search waits for it
    timer.start()
    result = m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)
    other.join()
    alphas = [p["alpha"] for p in chunks.draw_candidates(s)]
    assert chunk_log == [alphas[3:6], alphas[6:], alphas[:3]]  # chunk 0 last, once its holder let go
    _assert_same_search(result.search, m.make_search("regressor", n_trials=7, cv_folds=3, seed=3).fit(X, y))


def test_an_unreadable_entry_is_reported_refitted_and_replaced(tmp_path, data, capfd):
    X, y = data
    first = m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)
    entries = sorted((tmp_path / "entries").glob("*.pkl"))
    assert len(entries) == 4  # three chunks and the whole search
    for path in entries:
        path.write_bytes(path.read_bytes()[:100])  # truncated, as by a full disk
    with pytest.warns(RuntimeWarning, match="unreadable entry for search toy"):
        again = m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)
    assert not again.from_cache and len(again.cache.unreadable) == 4 and again.ran_on["backend"] == "loky"
    assert again.summary().count("refitted: cached entry unreadable") == 1
    assert {f for f, _ in again.cache.unreadable} == {str(p) for p in entries}
    assert cache.UNREADABLE in capfd.readouterr().err  # the line the book's runner repeats
    _assert_same_search(again.search, first.search)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        third = m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)  # replaced: a clean hit
    assert third.from_cache and third.cache.unreadable == [] and "read from the search cache" in third.summary()
    record = again.run_record()
    assert record["fits_ran_on"]["backend"] == "loky" and len(record["unreadable_entries"]) == 4
    assert third.run_record()["fits_ran_on"] is None and third.run_record()["from_cache"]


def test_a_search_read_from_the_cache_contacts_no_scheduler_and_an_unreachable_one_fails_fast(tmp_path, data):
    X, y = data
    m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", **KW)
    nowhere = "tcp://127.0.0.1:9"  # the discard port: nothing listens
    cached = m.random_search("regressor", X, y, cache_dir=tmp_path, task="toy", backend="dask", scheduler=nowhere,
                             **KW)
    assert cached.from_cache and cached.ran_on is None and cached.run_record()["fits_ran_on"] is None
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match="tcp://127.0.0.1:9 cannot be reached"):
        m.random_search("regressor", X, y, cache_dir=tmp_path, task="other", backend="dask", scheduler=nowhere, **KW)
    assert time.perf_counter() - start < backends.CONNECT_SECONDS + 5
    assert not list((tmp_path / "entries").glob("*.pkl"))[4:]  # nothing written for the failed search


def test_check_reachable_names_a_bad_address():
    with pytest.raises(ConnectionError, match="needs a host and a port"):
        backends.check_reachable("tcp://somewhere")
    backends.check_reachable("inproc://x")  # left to Dask


# ----------------------------------------------------------------------------- runner


def test_the_runner_refuses_an_unreachable_scheduler_before_a_kernel_starts():
    from siqd_utils.book.errors import BookError
    from siqd_utils.book.runner import check_scheduler

    start = time.perf_counter()
    with pytest.raises(BookError, match=r"chapter 06_regression .*tcp://127.0.0.1:9 cannot be reached"):
        check_scheduler("06_regression", {"search_backend": "dask", "dask_scheduler": "tcp://127.0.0.1:9"})
    assert time.perf_counter() - start < backends.CONNECT_SECONDS + 1
    check_scheduler("06_regression", {"search_backend": "loky", "dask_scheduler": "tcp://127.0.0.1:9"})
    check_scheduler("06_regression", {"search_backend": "dask", "dask_scheduler": None})  # a LocalCluster


def test_the_runner_repeats_the_cache_lines_of_a_kernel(tmp_path):
    from siqd_utils.book.runner import cache_events

    log = tmp_path / "06.stderr.log"
    log.write_text(f"noise\n{cache.UNREADABLE} for search wavelength: /b/entries/ab.pkl (EOFError); refitted\n")
    assert cache_events(log) == [f"{cache.UNREADABLE} for search wavelength: /b/entries/ab.pkl (EOFError); refitted"]
    assert cache_events(tmp_path / "missing.log") == []


def test_halving_over_iterations_grows_max_iter_and_is_ranked_on_the_plain_searchs_folds(data):
    X, y = data
    plain = m.random_search("regressor", X, y, n_trials=9, cv_folds=3, seed=3)
    h = m.random_search("regressor", X, y, n_trials=9, cv_folds=3, seed=3, method="halving",
                        halving_resource="max_iter")
    assert list(h.search.n_resources_) == [111, 333, 999] and list(h.search.n_candidates_) == [9, 3, 1]
    assert h.best_params["max_iter"] == 999 and h.search.max_resources_ == 1000 and h.to_dict()["resource"] == "max_iter"
    c = m.halving_comparison(plain, h, X, y)
    means = plain.cv_results["mean_test_score"].to_numpy()
    assert c.halving_in_plain_rank == 1 + int((means > c.halving_in_plain_mean).sum())
    assert c.resource == "max_iter" and c.first_round_resource == 111 and c.fits_halving == 13 * 3
    with pytest.raises(ValueError, match="pass X and y"):
        m.halving_comparison(plain, h)
    with pytest.raises(ValueError, match="halving_resource"):
        m.make_search("regressor", n_trials=3, cv_folds=2, seed=0, method="halving", halving_resource="rows")

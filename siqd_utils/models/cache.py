"""On-disk cache of fitted searches, so that nobody pays for the same search twice.

A fitted search is stored with :class:`joblib.Memory` (whose writes go to a temporary
file renamed into place, so a reader never sees half an entry) under a key made of
everything its numbers depend on:

``data``
    SHA-256 of the features (values, shape, column names) and of the targets.
``task``
    The caller's name for the learning task (``"bands"``, ``"wavelength"``, ...).
``search``
    The search estimator's settings, canonicalised: the search class, the number of
    trials, the folds (splitter, number, seed), the scorer, the tie rule, the error
    score, the halving settings, the network class and its fixed settings, and the
    search space (each distribution by name and arguments).  Settings that cannot change
    a result (``n_jobs``, ``verbose``, ``pre_dispatch``) are left out, and so is the
    backend: every backend gives the same numbers.
``versions``
    Python, numpy, scipy, scikit-learn and joblib.
``code``
    SHA-256 of the modules that define the search (space, estimators, search).

Change any part and the key changes, so a stale search is never served.  The cache
lives by default in the build folder, ``<build>/cache/search`` (:func:`default_cache_dir`);
delete that folder to empty it.

Entries (:class:`SearchStore`) are pickles named by the SHA-256 of their key, in
``<cache>/entries/``, each written to a temporary file renamed into place, so a reader never
sees half an entry; the entry holds its key, checked when read.  A plain random search
stores a fitted whole and, while it runs, one entry per chunk of candidates
(:mod:`~siqd_utils.models.chunks`), so that an interrupted search resumes at its first
missing chunk.  An entry that cannot be read (truncated, say) is reported, counted in the
search's :class:`CacheReport` and on the kernel's standard error (a line beginning with
:data:`UNREADABLE`, which the book's runner repeats), refitted and replaced; it is never
taken for a hit.
"""

from __future__ import annotations

import hashlib
import json
import platform
import os
import pickle
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ..atomic import write_bytes_atomic

__all__ = ["CACHE_FORMAT", "UNREADABLE", "CacheReport", "SearchStore", "cache_dir_for", "cached_fit", "canonical",
           "code_digest", "data_digest", "default_cache_dir", "library_versions", "search_key"]

#: Bump to invalidate every cached search (e.g. when the stored object changes shape).
CACHE_FORMAT = 2

#: How a line on an unreadable entry begins on the kernel's standard error (the runner looks for it).
UNREADABLE = "search cache: unreadable entry"

#: Estimator settings that cannot change a search's numbers.
NOT_RESULTS = frozenset({"n_jobs", "verbose", "pre_dispatch"})

#: The modules whose code decides a search's numbers.
SEARCH_MODULES = ("space.py", "estimators.py", "search.py", "chunks.py", "inputs.py")


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a search's numbers depend on."""
    import joblib
    import scipy
    import sklearn

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "joblib": joblib.__version__}


def code_digest() -> str:
    """SHA-256 over the source of :data:`SEARCH_MODULES`."""
    digest = hashlib.sha256()
    for name in SEARCH_MODULES:
        digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes() + b"\n")
    return digest.hexdigest()


def data_digest(X: Any, y: Any) -> str:
    """SHA-256 of the features (values, shape, column names) and the targets (values, dtype)."""
    digest = hashlib.sha256()
    Xa = np.ascontiguousarray(np.asarray(X, dtype=float))
    ya = np.asarray(y)
    columns = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
    digest.update(json.dumps({"X_shape": Xa.shape, "columns": columns, "y_shape": ya.shape,
                              "y_dtype": ya.dtype.str}).encode())
    digest.update(Xa.tobytes())
    digest.update(np.ascontiguousarray(ya).tobytes() if ya.dtype != object else repr(ya.tolist()).encode())
    return digest.hexdigest()


def canonical(value: Any) -> Any:
    """A JSON-able description of a search setting that is the same in every process.

    Estimators become their class and their settings; ``scipy.stats`` distributions their
    name and arguments; functions their qualified name; splitters and small objects their
    ``repr``.  A value whose ``repr`` carries a memory address is refused, since it would
    give a different key in every run.
    """
    if isinstance(value, BaseEstimator):
        params = value.get_params(deep=False)
        return {"class": f"{type(value).__module__}.{type(value).__qualname__}",
                "params": {k: canonical(v) for k, v in sorted(params.items()) if k not in NOT_RESULTS}}
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return repr(value)  # exact, and NaN-safe in JSON
    if isinstance(value, np.generic):
        return canonical(value.item())
    if hasattr(value, "dist") and hasattr(value, "args") and hasattr(value, "kwds"):  # a frozen scipy.stats distribution
        return {"distribution": value.dist.name, "args": canonical(list(value.args)),
                "kwds": canonical(dict(value.kwds))}
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    text = repr(value)
    if " at 0x" in text:
        raise TypeError(f"cannot key the search cache on {text}: its repr is not stable across runs")
    return f"{type(value).__module__}.{type(value).__qualname__}: {text}"


def search_key(search: Any, X: Any, y: Any, task: str | None = None) -> dict[str, Any]:
    """The cache key of fitting ``search`` on ``(X, y)``: a dict of the parts listed in the module docstring."""
    return {"format": CACHE_FORMAT, "task": task, "data": data_digest(X, y), "search": canonical(search),
            "versions": library_versions(), "code": code_digest()}


def default_cache_dir(output_dir: Path | str) -> Path:
    """``<build>/cache/search`` for a chapter whose exports go to ``<build>/outputs/<chapter>``."""
    return Path(output_dir).resolve().parent.parent / "cache" / "search"


def cache_dir_for(setting: Path | str | bool | None, output_dir: Path | str) -> Path | None:
    """The cache folder a chapter uses: ``setting`` None -> :func:`default_cache_dir`; False -> no cache (None)."""
    if setting is None:
        return default_cache_dir(output_dir)
    if setting is False:
        return None
    return Path(setting)


@dataclass
class CacheReport:
    """What the cache did for one search.

    Attributes
    ----------
    loaded, fitted : int
        Entries read from the cache, and entries computed (a chunk of candidates, or the
        whole search).
    unreadable : list of (str, str)
        Entries that existed but could not be read: the file and the error.  Each was
        refitted and replaced.
    whole : bool
        Whether the whole fitted search was read (no fit at all, not even the refit).
    """

    loaded: int = 0
    fitted: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    whole: bool = False

    @property
    def from_cache(self) -> bool:
        """Every part was read from the cache and nothing was fitted."""
        return self.fitted == 0 and self.loaded > 0 and not self.unreadable

    def to_dict(self) -> dict[str, Any]:
        return {"loaded": self.loaded, "fitted": self.fitted, "whole": self.whole,
                "unreadable": [list(u) for u in self.unreadable]}


def _key_digest(key: Any) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


class SearchStore:
    """The entries of a search cache folder: one pickle per key, written atomically, read back checked.

    Parameters
    ----------
    folder : path-like
        The cache folder (created on the first write).
    label : str, optional
        The search's name, for the messages on unreadable entries.
    """

    def __init__(self, folder: Path | str, label: str | None = None):
        self.folder = Path(folder)
        self.label = label

    def path(self, key: Any) -> Path:
        """The file of the entry with ``key``."""
        return self.folder / "entries" / f"{_key_digest(key)}.pkl"

    def load(self, key: Any, report: CacheReport) -> tuple[bool, Any]:
        """``(True, value)`` if the entry of ``key`` was read; ``(False, None)`` if it is absent or unreadable.

        An unreadable entry is added to ``report.unreadable``, warned about, and announced
        on the process's standard error (:data:`UNREADABLE`); the caller refits and
        :meth:`save` replaces it.
        """
        path = self.path(key)
        if not path.is_file():
            return False, None
        try:
            with open(path, "rb") as fh:
                entry = pickle.load(fh)
            if not isinstance(entry, dict) or entry.get("key") != key:
                raise ValueError("the entry holds another key")
            value = entry["value"]
        except Exception as exc:  # truncated, corrupt or foreign: refit, never serve
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if (str(path), reason) in report.unreadable:  # read again under its lock: told once
                return False, None
            report.unreadable.append((str(path), reason))
            message = (f"{UNREADABLE} for search {self.label or '(unnamed)'}: {path} ({reason}); "
                       "refitted and replaced")
            warnings.warn(message, RuntimeWarning, stacklevel=3)
            stream = sys.__stderr__
            if stream is not None:  # the kernel's own stderr, which the runner keeps and reads
                print(message, file=stream, flush=True)
            return False, None
        report.loaded += 1
        return True, value

    def save(self, key: Any, value: Any) -> Path:
        """Write the entry of ``key`` atomically (replacing any unreadable one)."""
        data = pickle.dumps({"key": key, "value": value}, protocol=pickle.HIGHEST_PROTOCOL)
        return write_bytes_atomic(self.path(key), data)

    @contextmanager
    def claim(self, key: Any, *, wait: bool) -> Iterator[bool]:
        """Hold the entry's lock while computing it, so that two processes sharing the folder never compute one entry twice.

        Yields True when held; with ``wait=False``, False at once if another process holds
        it.  The lock (``flock`` on ``<entry>.lock``) ends with its holder, killed or not.
        """
        import fcntl

        lock = self.path(key).with_suffix(".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # releases the lock


def cached_fit(search: Any, X: Any, y: Any, fit: Callable[[Any, Any, Any], Any], *,
               cache_dir: Path | str | None, task: str | None = None,
               report: CacheReport | None = None) -> tuple[Any, bool]:
    """``fit(search, X, y)``, or its stored output when the same key was fitted before.

    Parameters
    ----------
    search : scikit-learn search estimator
        Unfitted; its settings are part of the key.
    X, y : array-like
        The rows it is fitted on; their digest is part of the key.
    fit : callable
        ``fit(search, X, y) -> output`` (any picklable output, e.g. the fitted search).
    cache_dir : path-like or None
        The cache folder; None runs ``fit`` without a cache.
    task : str, optional
        Part of the key.
    report : CacheReport, optional
        Filled with what was read and found unreadable (``fit`` counts what it computes).

    Returns
    -------
    (output, bool)
        The output, and whether it was read from the cache (True only once it loaded).
    """
    report = CacheReport() if report is None else report
    if cache_dir is None:
        return fit(search, X, y), False
    store = SearchStore(cache_dir, task)
    key = {**search_key(search, X, y, task), "entry": "whole"}
    found, value = store.load(key, report)
    if found:
        report.whole = True
        return value, True
    value = fit(search, X, y)
    store.save(key, value)
    return value, False

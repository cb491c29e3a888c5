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
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

__all__ = ["CACHE_FORMAT", "cache_dir_for", "cached_fit", "canonical", "code_digest", "data_digest", "default_cache_dir",
           "library_versions", "search_key"]

#: Bump to invalidate every cached search (e.g. when the stored object changes shape).
CACHE_FORMAT = 1

#: Estimator settings that cannot change a search's numbers.
NOT_RESULTS = frozenset({"n_jobs", "verbose", "pre_dispatch"})

#: The modules whose code decides a search's numbers.
SEARCH_MODULES = ("space.py", "estimators.py", "search.py", "inputs.py")


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


def _fit_entry(key, fit, search, X, y):
    # Memory hashes only ``key`` (the other arguments are ignored): the key describes them.
    return fit(search, X, y)


def cached_fit(search: Any, X: Any, y: Any, fit: Callable[[Any, Any, Any], Any], *,
               cache_dir: Path | str | None, task: str | None = None) -> tuple[Any, bool]:
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

    Returns
    -------
    (output, bool)
        The output, and whether it came from the cache (no fit was run).
    """
    if cache_dir is None:
        return fit(search, X, y), False
    from joblib import Memory

    memory = Memory(location=str(Path(cache_dir)), verbose=0)
    entry = memory.cache(_fit_entry, ignore=["fit", "search", "X", "y"])
    key = search_key(search, X, y, task)
    hit = entry.check_call_in_cache(key, fit, search, X, y)
    return entry(key, fit, search, X, y), bool(hit)

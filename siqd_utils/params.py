"""Validate the parameters a chapter of the book receives.

Every chapter has one code cell tagged ``parameters`` (the knobs a reader may turn;
papermill injects new values after it) followed by a cell that calls
:func:`check_params`.  Each parameter name has one rule in :data:`RULES`; the rule
checks the value and returns it normalised (paths become :class:`pathlib.Path`).
A bad value raises :class:`ParameterError` whose message names the parameter and
the value, e.g. ``n_trials = 0: must be a positive integer``.

Chapters that introduce a new knob add a rule here (one line with the helpers
below); a name without a rule is an error, so a typo cannot slip through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = ["ParameterError", "RULES", "check_params", "default_output_dir", "display_path"]

#: The repository root (parent of the package folder).
REPO_ROOT = Path(__file__).resolve().parent.parent


class ParameterError(ValueError):
    """A chapter parameter has a value the chapter cannot use."""


def _fail(name: str, value: Any, why: str) -> ParameterError:
    return ParameterError(f"{name} = {value!r}: {why}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_at_least(low: int, what: str) -> Callable[[str, Any], int]:
    def rule(name: str, value: Any) -> int:
        if not _is_int(value) or value < low:
            raise _fail(name, value, what)
        return int(value)

    return rule


def _int_between(low: int, high: int) -> Callable[[str, Any], int]:
    def rule(name: str, value: Any) -> int:
        if not _is_int(value) or not low <= value <= high:
            raise _fail(name, value, f"must be an integer from {low} to {high}")
        return int(value)

    return rule


def _open_unit_interval(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise _fail(name, value, "must be a number strictly between 0 and 1")
    return float(value)


def _n_jobs(name: str, value: Any) -> int:
    if not _is_int(value) or value == 0 or value < -1:
        raise _fail(name, value, "must be -1 (all cores) or a positive integer")
    return int(value)


def _optional_n_clusters(name: str, value: Any) -> int | None:
    """``None`` lets ILS decide; otherwise a forced number of clusters, at least 2."""
    if value is None:
        return None
    if not _is_int(value) or value < 2:
        raise _fail(name, value, "must be None (ILS decides) or an integer of at least 2")
    return int(value)


def _data_path(name: str, value: Any) -> Path | None:
    """``None`` selects the shipped ensemble; otherwise an existing CSV file."""
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or str(value).strip() == "":
        raise _fail(name, value, "must be a path to a CSV file, or None for the shipped data")
    path = Path(value).expanduser()
    if not path.exists():
        raise _fail(name, value, f"file does not exist (resolved to {path.resolve()})")
    if not path.is_file():
        raise _fail(name, value, "is not a file")
    return path.resolve()


def _output_dir(name: str, value: Any) -> Path | None:
    """``None`` lets the chapter choose :func:`default_output_dir`; otherwise a folder path."""
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or str(value).strip() == "":
        raise _fail(name, value, "must be a folder path, or None for the default")
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise _fail(name, value, "exists and is not a folder")
    return path.resolve()


def _search_backend(name: str, value: Any) -> str:
    """Where the random searches run: ``"loky"`` (local joblib) or ``"dask"``."""
    if value not in ("loky", "dask"):
        raise _fail(name, value, "must be 'loky' (local joblib workers) or 'dask' (a Dask cluster)")
    return value


def _dask_scheduler(name: str, value: Any) -> str | None:
    """``None``: an in-process LocalCluster (with the Dask backend); otherwise a scheduler address."""
    if value is None:
        return None
    if not isinstance(value, str) or "://" not in value:
        raise _fail(name, value, "must be None (a local cluster) or a scheduler address such as 'tcp://10.0.0.5:8786'")
    return value


def _search_cache_dir(name: str, value: Any) -> Path | bool | None:
    """``None``: ``<build>/cache/search``; ``False``: no cache; otherwise a folder path."""
    if value is None or value is False:
        return value
    if value is True:
        raise _fail(name, value, "must be None (the build's cache folder), false (no cache) or a folder path")
    return _output_dir(name, value)


#: One rule per parameter name: ``rule(name, value) -> normalised value``.
RULES: dict[str, Callable[[str, Any], Any]] = {
    # common to every chapter
    "data_path": _data_path,
    "output_dir": _output_dir,
    "seed": _int_at_least(0, "must be a non-negative integer"),
    "n_jobs": _n_jobs,
    # searches, validation and splits (chapters 03-06)
    "n_trials": _int_at_least(1, "must be a positive integer (number of random-search trials)"),
    "cv_folds": _int_at_least(2, "must be an integer of at least 2 (folds of cross-validation)"),
    "test_size": _open_unit_interval,
    "max_iter": _int_at_least(1, "must be a positive integer"),
    # figures and tables (chapter 01 and later)
    "bins": _int_at_least(2, "must be an integer of at least 2 (histogram bins)"),
    "dpi": _int_between(50, 600),
    "n_sample_rows": _int_between(1, 100),
    # features, clusters and bands (chapters 02-04)
    "correlation_threshold": _open_unit_interval,
    "min_cluster_size": _int_at_least(2, "must be an integer of at least 2 (ILS smoothing width p, smallest cluster)"),
    "n_clusters": _optional_n_clusters,
    "bin_width_nm": _int_at_least(1, "must be a positive integer (histogram bin width in nm)"),
    # neural networks (chapters 05-06)
    "eval_cv_folds": _int_at_least(2, "must be an integer of at least 2 (folds of the reported k-fold cross-validation)"),
    "n_estimators": _int_at_least(1, "must be a positive integer (trees of the random forest)"),
    "search_backend": _search_backend,
    "dask_scheduler": _dask_scheduler,
    "search_cache_dir": _search_cache_dir,
}


def display_path(path: Path | str) -> str:
    """A path as shown in the book: relative to the repository when inside it, else as given."""
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def default_output_dir(chapter: str) -> Path:
    """Where a chapter writes its exports when ``output_dir`` is None.

    ``_build/outputs/<chapter>`` in the repository; the runner always injects its own.
    """
    return REPO_ROOT / "_build" / "outputs" / chapter


def check_params(**values: Any) -> SimpleNamespace:
    """Validate a chapter's parameters and return them normalised.

    Parameters
    ----------
    **values
        The chapter's parameters, by name (``check_params(seed=seed, bins=bins)``).

    Returns
    -------
    types.SimpleNamespace
        The same names with normalised values (paths resolved to
        :class:`pathlib.Path`, ``data_path=None`` kept as None).

    Raises
    ------
    ParameterError
        Naming the first parameter whose value is invalid, or a name without a rule.

    Examples
    --------
    >>> check_params(seed=42, n_jobs=-1).seed
    42
    >>> check_params(n_trials=0)
    Traceback (most recent call last):
    ...
    siqd_utils.params.ParameterError: n_trials = 0: must be a positive integer (number of random-search trials)
    """
    unknown = sorted(set(values) - set(RULES))
    if unknown:
        raise ParameterError(
            f"no validation rule for parameter(s) {unknown}; add one to siqd_utils.params.RULES"
        )
    return SimpleNamespace(**{name: RULES[name](name, value) for name, value in values.items()})

"""The fitted networks' weights and biases, per layer, as tables and CSV files.

The study's supplementary information lists the weights and biases of its networks;
:func:`weight_tables` gives them as labelled tables (inputs by feature name, hidden units
``h<layer>_<unit>``, outputs by class) and :func:`export_weights` writes them atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_text_atomic

__all__ = ["export_weights", "weight_tables"]


def weight_tables(estimator: Any, feature_names: Sequence[str] | None = None) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """The fitted network's weights and biases, one ``(weights, biases)`` pair per layer.

    Parameters
    ----------
    estimator : fitted MLPClassifier or MLPRegressor
    feature_names : sequence of str, optional
        Names of the inputs; default: the estimator's ``feature_names_in_`` if it was
        fitted on a DataFrame, else ``x0, x1, ...``.

    Returns
    -------
    list of (pandas.DataFrame, pandas.DataFrame)
        For layer ``i`` (inputs -> first hidden layer is 1): the weights with one row per
        input unit and one column per output unit, and the biases with one row per
        output unit (column ``bias``).  Hidden units are named ``h<layer>_<unit>``;
        output units by class (``class <label>``) or ``output``.
    """
    if not hasattr(estimator, "coefs_"):
        raise ValueError("the estimator is not fitted (it has no coefs_)")
    coefs, biases = estimator.coefs_, estimator.intercepts_
    n_in = coefs[0].shape[0]
    if feature_names is None:
        feature_names = list(getattr(estimator, "feature_names_in_", [f"x{i}" for i in range(n_in)]))
    feature_names = [str(n) for n in feature_names]
    if len(feature_names) != n_in:
        raise ValueError(f"{len(feature_names)} feature names for {n_in} inputs")
    n_out = coefs[-1].shape[1]
    if hasattr(estimator, "classes_") and n_out == len(estimator.classes_):
        out_names = [f"class {c}" for c in estimator.classes_]
    elif hasattr(estimator, "classes_") and n_out == 1:
        out_names = [f"class {estimator.classes_[-1]}"]
    else:
        out_names = ["output"] if n_out == 1 else [f"output_{j}" for j in range(n_out)]
    names = [feature_names]
    for layer, w in enumerate(coefs[:-1], start=1):
        names.append([f"h{layer}_{j}" for j in range(w.shape[1])])
    names.append(out_names)
    tables = []
    for i, (w, b) in enumerate(zip(coefs, biases)):
        W = pd.DataFrame(w, index=pd.Index(names[i], name="from"), columns=pd.Index(names[i + 1], name="to"))
        B = pd.DataFrame({"bias": b}, index=pd.Index(names[i + 1], name="unit"))
        tables.append((W, B))
    return tables


def _atomic_csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_text_atomic(path, frame.to_csv(float_format="%.10g"))


def export_weights(estimator: Any, path_prefix: Path | str,
                   feature_names: Sequence[str] | None = None) -> list[Path]:
    """Write the weights and biases of a fitted network to CSV files, atomically.

    Parameters
    ----------
    estimator : fitted MLPClassifier or MLPRegressor
    path_prefix : path-like
        ``<folder>/<stem>``: files ``<stem>_layer<i>_weights.csv`` and
        ``<stem>_layer<i>_biases.csv`` are written in ``<folder>`` (created if needed),
        for ``i = 1..n_layers`` (layer 1 connects the inputs to the first hidden layer).
    feature_names : sequence of str, optional
        See :func:`weight_tables`.

    Returns
    -------
    list of pathlib.Path
        The files written, layer by layer (weights, then biases).
    """
    prefix = Path(path_prefix)
    if prefix.name in ("", ".", ".."):
        raise ValueError(f"path_prefix = {str(path_prefix)!r}: must end in a file stem")
    written = []
    for i, (W, B) in enumerate(weight_tables(estimator, feature_names), start=1):
        written.append(_atomic_csv(W, prefix.parent / f"{prefix.name}_layer{i}_weights.csv"))
        written.append(_atomic_csv(B, prefix.parent / f"{prefix.name}_layer{i}_biases.csv"))
    return written


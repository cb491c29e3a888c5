"""The study's random-search space, as scikit-learn's searches take it.

:func:`param_space` returns ``param_distributions`` for
:class:`~sklearn.model_selection.RandomizedSearchCV`: :mod:`scipy.stats` distributions
for the numbers (``loguniform`` for the L2 penalty, ``randint`` for the iteration
budget), lists for the categorical settings, and :class:`HiddenLayerSizes`, a small
sampler of hidden-layer tuples with the ``rvs(random_state=...)`` method scikit-learn's
:class:`~sklearn.model_selection.ParameterSampler` calls.  :func:`describe_space`
turns the space into a table for the chapters.

The settings every network shares (``early_stopping=True`` and the seed as
``random_state``) are not drawn: they live on the estimator
(:func:`siqd_utils.models.estimators.search_estimator`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import loguniform, randint
from sklearn.utils import check_random_state

from .inputs import check_kind

__all__ = ["describe_params", "PARAM_ORDER", "SEARCHED", "HiddenLayerSizes", "describe_distribution", "describe_space", "param_space"]

#: Order of the MLP parameters in tables (the searched ones, then the fixed ones).
PARAM_ORDER = ("hidden_layer_sizes", "activation", "solver", "alpha", "learning_rate",
               "max_iter", "early_stopping", "random_state")
#: The parameters the search draws.
SEARCHED = PARAM_ORDER[:-2]


@dataclass(frozen=True)
class HiddenLayerSizes:
    """A sampler of hidden-layer tuples: ``min_layers..max_layers`` layers of ``min_units..max_units`` neurons.

    The number of layers is drawn first, uniformly, then each layer's width, uniformly
    and independently.  :meth:`rvs` is the interface
    :class:`~sklearn.model_selection.ParameterSampler` uses for a distribution.

    Examples
    --------
    >>> HiddenLayerSizes(1, 3, 2, 12).rvs(random_state=0)
    (7,)
    """

    min_layers: int = 1
    max_layers: int = 3
    min_units: int = 2
    max_units: int = 12

    def __post_init__(self):
        for name in ("min_layers", "min_units"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} = {value!r}: must be a positive integer")
        if self.max_layers < self.min_layers or self.max_units < self.min_units:
            raise ValueError(f"{self!r}: each maximum must be at least its minimum")

    def rvs(self, size=None, random_state=None) -> tuple[int, ...]:
        """One tuple of layer widths, drawn with ``random_state`` (a seed, a RandomState or None)."""
        if size is not None:
            raise ValueError("HiddenLayerSizes.rvs draws one tuple at a time (size must be None)")
        rng = check_random_state(random_state)
        n = int(rng.randint(self.min_layers, self.max_layers + 1))
        return tuple(int(u) for u in rng.randint(self.min_units, self.max_units + 1, size=n))

    def describe(self) -> str:
        return (f"{self.min_layers}-{self.max_layers} hidden layers, "
                f"{self.min_units}-{self.max_units} neurons each")


def param_space(kind: str) -> dict[str, Any]:
    """The study's random-search space for an MLP classifier or regressor.

    Parameters
    ----------
    kind : {"classifier", "regressor"}
        Which estimator the space is for (both use the same space).

    Returns
    -------
    dict
        ``param_distributions`` for :class:`~sklearn.model_selection.RandomizedSearchCV`,
        in the order of :data:`SEARCHED`.

    Notes
    -----
    Hidden layers: 1-3 layers of 2-12 neurons; activation identity, logistic, tanh or
    relu; solver lbfgs, sgd or adam; L2 penalty ``alpha`` log-uniform on 1e-4..10
    (the study's chosen values, 0.045-4.65, lie inside); learning-rate schedule
    constant, invscaling or adaptive; ``max_iter`` an integer from 100 to 1000.
    The paper names the number of layers and neurons among the searched settings but
    not the ranges; these are ours, wide enough to hold its three networks.
    """
    check_kind(kind)
    return {
        "hidden_layer_sizes": HiddenLayerSizes(1, 3, 2, 12),
        "activation": ["identity", "logistic", "tanh", "relu"],
        "solver": ["lbfgs", "sgd", "adam"],
        "alpha": loguniform(1e-4, 10.0),
        "learning_rate": ["constant", "invscaling", "adaptive"],
        "max_iter": randint(100, 1001),
    }


def describe_distribution(dist: Any) -> str:
    """A short, stable description of one entry of a search space."""
    if hasattr(dist, "describe"):
        return dist.describe()
    if isinstance(dist, (list, tuple)):
        return "one of " + ", ".join(str(o) for o in dist)
    frozen = getattr(dist, "dist", None)
    if frozen is not None:
        name = frozen.name
        args = dist.args
        if name == "loguniform":
            return f"log-uniform from {args[0]:g} to {args[1]:g}"
        if name == "randint":
            return f"integer from {args[0]} to {args[1] - 1}"
        kwds = ", ".join(f"{k}={v!r}" for k, v in sorted(dist.kwds.items()))
        return f"{name}({', '.join(repr(a) for a in args)}{', ' if kwds and args else ''}{kwds})"
    raise TypeError(f"cannot describe search-space entry {dist!r}")


def describe_space(space: Mapping[str, Any], fixed: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """A table of the search space: one row per parameter with what is drawn for it.

    ``fixed`` (e.g. ``{"early_stopping": True, "random_state": 42}``) adds rows for the
    settings every network shares.
    """
    rows = [(name, describe_distribution(dist)) for name, dist in space.items()]
    rows += [(name, f"fixed: {value}") for name, value in (fixed or {}).items()]
    return pd.DataFrame(rows, columns=["parameter", "values drawn"])


def layers_text(sizes) -> str:
    """Hidden-layer sizes as readers write them: ``(10, 7, 3)`` -> ``10-7-3``."""
    return "-".join(str(int(u)) for u in (sizes or ()))


def describe_params(params: Mapping[str, Any]) -> str:
    """One network's hyper-parameters in words: ``relu, lbfgs, hidden layers 10-3, alpha = 4.652, ...``."""
    p = dict(params)
    layers = layers_text(p.get("hidden_layer_sizes", ()))
    parts = [str(p[k]) for k in ("activation", "solver") if k in p]
    parts.append(f"hidden layers {layers}")
    parts += [f"{k} = {p[k]}" for k in ("alpha", "max_iter", "learning_rate") if k in p]
    return ", ".join(parts)

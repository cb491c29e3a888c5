"""The networks: scikit-learn's multilayer perceptrons, and the variants the searches fit.

:func:`make_estimator` gives a plain :class:`~sklearn.neural_network.MLPClassifier` or
:class:`~sklearn.neural_network.MLPRegressor` (the chapters' reported networks, the
study's own settings).  The searches fit :class:`CountedMLPClassifier` and
:class:`CountedMLPRegressor` instead: the same estimators (same parameters, same fitted
attributes) whose ``fit`` runs with BLAS limited to one thread, so that a result does
not depend on how many workers run beside it, and which silences and **counts** the
warnings of the fit (``n_convergence_warnings_``, ``n_other_warnings_``), so that a search
can report them per trial (:class:`siqd_utils.models.search.ScoreAndWarnings` reads them).

Two properties of scikit-learn's MLPs matter when reading the study's settings:
``early_stopping`` acts only with the stochastic solvers ``sgd`` and ``adam``, and
``learning_rate`` (the schedule) only with ``sgd``; with ``solver='lbfgs'`` both are
ignored.  The search still draws them, as the study did, and records them.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping
from typing import Any

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from threadpoolctl import threadpool_limits

from .inputs import check_kind

__all__ = ["WARNINGS_LOCK", "CountedMLPClassifier", "CountedMLPRegressor", "make_estimator", "search_estimator"]

#: ``warnings.catch_warnings`` swaps process-wide state: fits (and scorings) that share a process
#: (threaded Dask workers, joblib's threading backend) take turns so each sees only its own warnings.
WARNINGS_LOCK = threading.Lock()


class _CountsWarnings:
    """Mixin: ``fit`` on one BLAS thread, its warnings silenced and counted."""

    def fit(self, X, y, *args, **kwargs):
        with WARNINGS_LOCK, threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            super().fit(X, y, *args, **kwargs)
        self.n_convergence_warnings_ = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
        self.n_other_warnings_ = len(caught) - self.n_convergence_warnings_
        return self


class CountedMLPClassifier(_CountsWarnings, MLPClassifier):
    """:class:`~sklearn.neural_network.MLPClassifier` whose fit counts its warnings (see the module)."""


class CountedMLPRegressor(_CountsWarnings, MLPRegressor):
    """:class:`~sklearn.neural_network.MLPRegressor` whose fit counts its warnings (see the module)."""


def _normalise(params: Mapping[str, Any]) -> dict[str, Any]:
    params = dict(params)
    if "hidden_layer_sizes" in params:
        # YAML gives a list; scikit-learn documents a tuple
        params["hidden_layer_sizes"] = tuple(int(u) for u in params["hidden_layer_sizes"])
    return params


def make_estimator(kind: str, params: Mapping[str, Any]):
    """An unfitted :class:`MLPClassifier` or :class:`MLPRegressor` with ``params``.

    ``hidden_layer_sizes`` may be a list (as read from YAML); it becomes a tuple.
    """
    check_kind(kind)
    cls = MLPClassifier if kind == "classifier" else MLPRegressor
    return cls(**_normalise(params))


def search_estimator(kind: str, seed: int, **params: Any):
    """The estimator a search starts from: counted MLP, ``early_stopping=True``, ``random_state=seed``.

    These two settings are those of every network the study reports; the search draws the
    others (:func:`siqd_utils.models.space.param_space`).  ``params`` override them.
    """
    check_kind(kind)
    cls = CountedMLPClassifier if kind == "classifier" else CountedMLPRegressor
    return cls(**_normalise({"early_stopping": True, "random_state": int(seed), **params}))

"""What size alone gives: the reference every claim about colour stands beside.

In this reconstruction the emission is mostly a size law (chapter 01).  Before a
network's band accuracy or wavelength error is read as evidence about structure, it is
set beside the same task learnt from one size feature: a random forest (as in
:mod:`siqd_utils.reconstruct.size_law`, so neither a straight line nor a fixed threshold
limits it) on ``D`` alone, cross-validated over all dots with seeded shuffled folds
(stratified by band for the classifier).  Each dot is predicted once, by the fold model
that did not see it, so the predictions can be paired dot by dot with a network's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, balanced_accuracy_score, r2_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

__all__ = ["SIZE_FEATURE", "size_only_bands", "size_only_wavelength"]

#: The size feature the references use (a retained feature the networks also see).
SIZE_FEATURE = "D"
#: Trees of each reference forest.
N_TREES = 100


def _size(frame: pd.DataFrame, target) -> np.ndarray:
    if SIZE_FEATURE not in frame.columns:
        raise ValueError(f"size-only reference: the table has no {SIZE_FEATURE!r} column")
    if len(frame) != len(target):
        raise ValueError(f"size-only reference: {len(frame)} rows but {len(target)} targets")
    return frame[[SIZE_FEATURE]].to_numpy(dtype=float)


def size_only_bands(frame: pd.DataFrame, bands, cv_folds: int = 10, seed: int = 42) -> dict:
    """Cross-validated band predictions from ``D`` alone.

    Returns
    -------
    dict
        ``feature``, ``accuracy_cv``, ``balanced_accuracy_cv`` (over all dots, from the pooled
        out-of-fold predictions), ``cv_folds`` and ``y_pred`` (numpy array in ``frame``'s row order).
    """
    y = np.asarray(bands)
    X = _size(frame, y)
    cv = StratifiedKFold(n_splits=cv_folds, shuffle=True, random_state=seed)
    pred = cross_val_predict(RandomForestClassifier(n_estimators=N_TREES, random_state=seed, n_jobs=1), X, y, cv=cv)
    return {"feature": SIZE_FEATURE, "accuracy_cv": float(accuracy_score(y, pred)),
            "balanced_accuracy_cv": float(balanced_accuracy_score(y, pred)), "cv_folds": int(cv_folds), "y_pred": pred}


def size_only_wavelength(frame: pd.DataFrame, wavelength_nm, cv_folds: int = 10, seed: int = 42) -> dict:
    """Cross-validated wavelength predictions from ``D`` alone.

    Returns
    -------
    dict
        ``feature``, ``r2_cv`` and ``rmse_cv_nm`` (over all dots, from the pooled out-of-fold
        predictions), ``cv_folds`` and ``y_pred`` (numpy array in ``frame``'s row order).
    """
    y = np.asarray(wavelength_nm, dtype=float)
    X = _size(frame, y)
    cv = KFold(n_splits=cv_folds, shuffle=True, random_state=seed)
    pred = cross_val_predict(RandomForestRegressor(n_estimators=N_TREES, random_state=seed, n_jobs=1), X, y, cv=cv)
    return {"feature": SIZE_FEATURE, "r2_cv": float(r2_score(y, pred)),
            "rmse_cv_nm": float(np.sqrt(np.mean((y - pred) ** 2))), "cv_folds": int(cv_folds), "y_pred": pred}

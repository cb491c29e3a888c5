"""How much of the band results is the colour-scale calibration's (chapter 04).

The reconstruction's emission energies (tight-binding gap minus a Stokes shift) are placed on
the source data set's colour scale by a two-parameter calibration
(:mod:`siqd_utils.reconstruct.calibration`).  The calibration is monotone, so it keeps which
dot is redder than which, but it moves dots across band edges.  :func:`band_results` forms the
study's analysis set and bands from either scale and learns them the same way (the study's own
band network, a fixed recipe, cross-validated over all dots), so the two can be set side by side.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from .bands import BANDS, HC_EV_NM
from .models.estimators import make_estimator
from .models.reports import band_error_summary
from .preprocessing import prepare

__all__ = ["SCALES", "band_results", "scale_wavelengths"]

#: The two colour scales: name -> how the wavelength is made from the table's columns.
SCALES = {"calibrated": "wavelength_nm", "uncalibrated model": "emission_eV_model"}


def scale_wavelengths(frame: pd.DataFrame, scale: str) -> np.ndarray:
    """The peak wavelength (nm) of every dot on one of :data:`SCALES`."""
    if scale not in SCALES:
        raise ValueError(f"scale = {scale!r}: must be one of {sorted(SCALES)}")
    column = SCALES[scale]
    if column not in frame.columns:
        raise ValueError(f"the table has no {column!r} column (needed for the {scale} scale)")
    values = frame[column].to_numpy(dtype=float)
    return values if column == "wavelength_nm" else HC_EV_NM / values


def band_results(frame: pd.DataFrame, scale: str, params: dict, threshold: float = 0.9, cv_folds: int = 10,
                 seed: int = 42) -> dict:
    """Band counts, separability and confusions of the bands on one colour scale.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ensemble table.
    scale : str
        A key of :data:`SCALES`.
    params : dict
        Hyper-parameters of the band network (the study's), fitted unchanged.
    threshold, cv_folds, seed
        Correlation threshold of the analysis set; folds (stratified, shuffled with ``seed``).

    Returns
    -------
    dict
        ``n_analysis_set``, ``n_outside`` (dots outside 400-750 nm), ``band_counts``, ``accuracy_cv`` and
        ``balanced_accuracy_cv`` (pooled out-of-fold predictions), ``n_wrong`` and ``adjacent_share``
        (errors into a neighbouring band), ``cv_folds`` (at most the smallest band's dots) and
        ``n_convergence_warnings`` (fits the study's iteration budget stopped).
    """
    table = frame.copy()
    table["wavelength_nm"] = scale_wavelengths(frame, scale)
    prepared = prepare(table, threshold=threshold)
    y = np.asarray(prepared.bands)
    # no more folds than the smallest band has dots, so that every fold holds every band
    folds = min(cv_folds, int(np.unique(y, return_counts=True)[1].min()))
    if folds < 2:
        raise ValueError(f"{scale} scale: a band holds a single dot; the bands cannot be cross-validated")
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    # the study's fixed iteration budget stops some fits short: counted and returned, not printed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        pred = cross_val_predict(make_estimator("classifier", params), prepared.X.to_numpy(dtype=float), y, cv=cv)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    errors = band_error_summary(y, pred)
    return {"scale": scale, "n_analysis_set": int(prepared.n), "n_outside": int(prepared.n_outliers),
            "band_counts": {b.name: int((y == b.number).sum()) for b in BANDS},
            "accuracy_cv": float(accuracy_score(y, pred)), "balanced_accuracy_cv": float(balanced_accuracy_score(y, pred)),
            "n_wrong": errors["n_wrong"], "adjacent_share": float(errors["adjacent_share"]),
            "cv_folds": folds, "n_convergence_warnings": sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))}

"""Place the modelled emission energies on the source data set's colour scale.

The physics (tight-binding gap minus Stokes shift) fixes which structure emits
redder than which; it does not reproduce the CSIRO data set's DFTB scale.  A
monotone two-parameter map ``E = alpha * E_model + beta`` (alpha > 0) is fitted so
that the share of structures below 400 nm, in each of the six colour bands and
above 750 nm matches the source's.  The objective, the sum over these eight ranges
of the squared difference of shares, is a step function of (alpha, beta), so it is
minimised by an exhaustive grid search (alpha 0.50-2.00 in steps of 0.005, beta
-2.00-+2.00 eV in steps of 0.002 eV), then refined on a grid ten times finer
around the best point.  Ties go to the point closest to the identity map (alpha = 1,
beta = 0), so the result is unique and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..bands import BANDS, HC_EV_NM, band_counts, band_edges_nm

__all__ = ["ABOVE_GAP_COLUMNS", "Calibration", "emission_above_gap", "fit_calibration", "source_shares"]


def source_shares(paper: dict) -> dict[str, float]:
    """Share of the source data set's structures below 400 nm and in each band."""
    n = paper["dataset"]["n_structures"]
    shares = {"below": paper["dataset"]["n_below_400nm"] / n}
    for b in BANDS:
        shares[b.name] = paper["bands"]["counts"][b.name] / n
    return shares


@dataclass(frozen=True)
class Calibration:
    """Fitted map ``emission_eV = alpha * emission_eV_model + beta``."""

    alpha: float
    beta: float
    squared_share_error: float
    target_shares: dict

    def apply(self, energy_model_eV) -> np.ndarray:
        return self.alpha * np.asarray(energy_model_eV, dtype=float) + self.beta


def _share_error(e: np.ndarray, alpha: np.ndarray, beta: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Sum of squared share differences for every (alpha, beta) pair, vectorised."""
    edges = HC_EV_NM / band_edges_nm()[::-1]  # energy edges ascending: 750 nm ... 400 nm
    mapped = alpha[..., None] * e + beta[..., None]  # (..., n)
    # counts of structures with energy below each edge -> shares per range (red side first)
    below = (mapped[..., None] < edges).sum(axis=-2) / e.size  # (..., 7)
    shares = np.diff(below, prepend=0.0, append=1.0, axis=-1)  # above 750, red, ..., violet, below 400
    return ((shares - target) ** 2).sum(axis=-1)


def fit_calibration(energy_model_eV, paper: dict) -> Calibration:
    """Fit alpha > 0 and beta so the band shares match the source data set's.

    Raises
    ------
    ValueError
        If fewer than two energies are given or any is not finite.
    """
    e = np.asarray(energy_model_eV, dtype=float)
    if e.size < 2 or not np.all(np.isfinite(e)):
        raise ValueError("emission_eV_model: need at least two finite energies to calibrate")
    shares = source_shares(paper)
    names = ["above"] + [b.name for b in BANDS][::-1] + ["below"]
    target = np.array([shares.get(k, 0.0) for k in names])

    def search(alphas, betas):
        a, b = np.meshgrid(alphas, betas, indexing="ij")
        err = np.concatenate([_share_error(e, a[i], b[i], target)[None] for i in range(len(alphas))])
        dist = (a - 1.0) ** 2 + b**2
        best = np.lexsort((dist.ravel(), np.round(err.ravel(), 12)))[0]
        return a.ravel()[best], b.ravel()[best], err.ravel()[best]

    alpha, beta, _ = search(np.round(np.arange(0.5, 2.0 + 1e-9, 0.005), 6), np.round(np.arange(-2.0, 2.0 + 1e-9, 0.002), 6))
    alpha, beta, err = search(np.round(alpha + np.arange(-0.005, 0.005 + 1e-9, 0.0005), 7),
                              np.round(beta + np.arange(-0.002, 0.002 + 1e-9, 0.0002), 7))
    return Calibration(alpha=float(alpha), beta=float(beta), squared_share_error=float(err), target_shares=shares)


def shares_of(wavelength_nm) -> dict[str, float]:
    """Share of structures below 400 nm, in each band and above 750 nm."""
    counts = band_counts(wavelength_nm)
    return (counts / counts.sum()).to_dict()


#: What :func:`emission_above_gap` reads: the tight-binding gap and the emission on both scales.
ABOVE_GAP_COLUMNS = ("gap_eV", "emission_eV_model", "emission_eV")


def emission_above_gap(frame) -> dict[str, int]:
    """How many dots emit above their own tight-binding gap, before and after the calibration.

    Emission (the gap minus a Stokes shift) cannot exceed the gap in the physics; the calibration's
    slope and offset can lift it above, which says how far the colour scale is the calibration's.

    Parameters
    ----------
    frame : pandas.DataFrame
        An ensemble table with ``gap_eV``, ``emission_eV_model`` and ``emission_eV``.

    Returns
    -------
    dict
        ``n`` (dots), ``model`` and ``calibrated`` (dots with emission above their gap).
    """
    missing = [c for c in ABOVE_GAP_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"emission_above_gap: the table lacks column(s) {missing}")
    gap = frame["gap_eV"].to_numpy(dtype=float)
    return {"n": int(len(frame)), "model": int((frame["emission_eV_model"].to_numpy(dtype=float) > gap).sum()),
            "calibrated": int((frame["emission_eV"].to_numpy(dtype=float) > gap).sum())}

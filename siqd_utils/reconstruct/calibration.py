"""Place the modelled emission energies on the source data set's colour scale.

The physics (tight-binding gap minus Stokes shift) fixes which structure emits
redder than which; it does not reproduce the CSIRO data set's DFTB scale, which
is systematically redder (most of its SiQDs are orange or red).  A monotone
two-parameter map ``E = alpha * E_model + beta`` is fitted so that the share of
structures on the blue side of each band edge matches the source's:

for every interior edge (400, 450, 495, 570, 590, 620 nm) with target share ``c``
of structures at shorter wavelength, the ``(1 - c)`` quantile of ``E_model`` is the
model energy that should land on the edge's energy.  A least-squares line through
these six (quantile, edge energy) pairs gives alpha and beta in closed form.  The
750 nm edge is not used: its target share of 1 pins the single reddest structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..bands import BANDS, HC_EV_NM, band_counts

__all__ = ["Calibration", "fit_calibration", "source_shares"]


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
    edges_nm: tuple[float, ...]
    model_quantiles_eV: tuple[float, ...]
    target_shares: dict

    def apply(self, energy_model_eV) -> np.ndarray:
        return self.alpha * np.asarray(energy_model_eV, dtype=float) + self.beta


def fit_calibration(energy_model_eV, paper: dict) -> Calibration:
    """Fit alpha > 0 and beta so the band shares match the source data set's.

    Raises
    ------
    ValueError
        If fewer than two energies are given, any is not finite, or the fitted
        map is not increasing.
    """
    e = np.asarray(energy_model_eV, dtype=float)
    if e.size < 2 or not np.all(np.isfinite(e)):
        raise ValueError("emission_eV_model: need at least two finite energies to calibrate")
    shares = source_shares(paper)
    order = ["below"] + [b.name for b in BANDS]
    cumulative = np.cumsum([shares[k] for k in order])  # share at shorter wavelength than each edge
    edges = [b.lo for b in BANDS]  # 400 ... 620 nm
    q = np.quantile(e, 1.0 - cumulative[: len(edges)], method="linear")
    target_energy = HC_EV_NM / np.array(edges)
    alpha, beta = np.polyfit(q, target_energy, 1)
    if not alpha > 0:
        raise ValueError(f"calibration is not increasing (alpha = {alpha:.4g}); the model energies carry no size order")
    return Calibration(
        alpha=float(alpha),
        beta=float(beta),
        edges_nm=tuple(edges),
        model_quantiles_eV=tuple(float(x) for x in q),
        target_shares=shares,
    )


def shares_of(wavelength_nm) -> dict[str, float]:
    """Share of structures below 400 nm, in each band and above 750 nm."""
    counts = band_counts(wavelength_nm)
    return (counts / counts.sum()).to_dict()

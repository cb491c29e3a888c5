"""The study's six colour bands of emission wavelength.

The edges are data (:data:`BANDS`), used everywhere bands are assigned, counted or
drawn.  A band holds wavelengths ``lo <= wavelength < hi``; the last band also
holds its upper edge.  Below the first edge a SiQD is an outlier of the study
(it emits in the near ultraviolet); above the last it is outside the visible range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BANDS", "Band", "assign_bands", "band_counts", "band_edges_nm", "compare_band_sizes", "edge_gaps", "HC_EV_NM"]

#: hc in eV nm (CODATA 2018), for converting energy and wavelength.
HC_EV_NM = 1239.84193


@dataclass(frozen=True)
class Band:
    """One colour band: ``number`` 1..6, ``name``, edges in nm and a display colour."""

    number: int
    name: str
    lo: float
    hi: float
    colour: str


#: Violet 400-450, blue 450-495, green 495-570, yellow 570-590, orange 590-620, red 620-750 nm.
BANDS: tuple[Band, ...] = (
    Band(1, "violet", 400.0, 450.0, "#8a2be2"),
    Band(2, "blue", 450.0, 495.0, "#1f5fd6"),
    Band(3, "green", 495.0, 570.0, "#2ca02c"),
    Band(4, "yellow", 570.0, 590.0, "#e6c200"),
    Band(5, "orange", 590.0, 620.0, "#ff7f0e"),
    Band(6, "red", 620.0, 750.0, "#d62728"),
)


def band_edges_nm() -> np.ndarray:
    """The seven band edges (nm), ascending."""
    return np.array([b.lo for b in BANDS] + [BANDS[-1].hi])


def assign_bands(wavelength_nm) -> np.ndarray:
    """Band number (1..6) of each wavelength; 0 below the first edge, 7 above the last.

    Raises
    ------
    ValueError
        If any wavelength is NaN or not finite.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    if not np.all(np.isfinite(wl)):
        raise ValueError("wavelength_nm: every value must be finite")
    edges = band_edges_nm()
    idx = np.searchsorted(edges, wl, side="right")  # 0 below 400, k inside band k
    idx = np.where(wl == edges[-1], len(BANDS), idx)  # 750 nm itself is red
    return idx.astype(int)


def band_counts(wavelength_nm) -> pd.Series:
    """Counts per band name, plus ``below`` and ``above`` the visible range."""
    idx = assign_bands(wavelength_nm)
    names = ["below"] + [b.name for b in BANDS] + ["above"]
    counts = np.bincount(idx, minlength=len(names))
    return pd.Series(counts, index=names, name="count")


def edge_gaps(wavelength_nm) -> pd.DataFrame:
    """For each inner band edge, how far apart the nearest dots on either side of it are.

    Returns
    -------
    pandas.DataFrame
        ``band edge (nm)`` and ``gap (nm)``: the distance from the longest wavelength
        below the edge to the shortest at or above it (NaN if one side is empty).
    """
    wl = np.sort(np.asarray(wavelength_nm, dtype=float))
    rows = []
    for b in BANDS[1:]:
        below, above = wl[wl < b.lo], wl[wl >= b.lo]
        rows.append((b.lo, float(above.min() - below.max()) if len(below) and len(above) else np.nan))
    return pd.DataFrame(rows, columns=["band edge (nm)", "gap (nm)"])


def compare_band_sizes(ours: dict, theirs: dict) -> dict:
    """How two sets of band counts compare (keys: band names).

    Returns
    -------
    dict
        ``smallest``, ``largest`` (band names, ours), ``imbalance`` (largest / smallest
        count, ours) and ``paper_imbalance``, ``moved`` (bands whose rank by size
        differs between the two), ``max_share_difference_pct`` (largest difference of a
        band's share, in percentage points).
    """
    a = np.array([int(ours[b.name]) for b in BANDS])
    c = np.array([int(theirs[b.name]) for b in BANDS])
    rank_a = pd.Series(a).rank(ascending=False, method="min").to_numpy()
    rank_c = pd.Series(c).rank(ascending=False, method="min").to_numpy()
    return {
        "smallest": BANDS[int(a.argmin())].name,
        "largest": BANDS[int(a.argmax())].name,
        "imbalance": float(a.max() / max(a.min(), 1)),
        "paper_imbalance": float(c.max() / max(c.min(), 1)),
        "moved": [b.name for b, x, y in zip(BANDS, rank_a, rank_c) if x != y],
        "max_share_difference_pct": float(np.abs(100 * a / a.sum() - 100 * c / c.sum()).max()),
    }

"""The inverse question: which diameters give a colour, counting each prediction's uncertainty.

A dot *emits inside* a band when its whole conformal interval lies within the band's edges
(:func:`inside_band`): at the interval's confidence level, the dot is that colour. For a
band, :func:`design_window` finds the range of diameters ``[a, b]`` in which at least
``share`` of the dots emit inside it; among all such ranges it takes the one that holds the
most dots emitting inside, and of those the narrowest. That is the range a synthesis must
hold D within; its half-width is the size tolerance (``+- (b - a) / 2`` about the centre).

The dots stand for what a synthesis makes: the share is over the ensemble's dots in the
window, so the window says how often a dot *of this ensemble* with D in it has the colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..bands import BANDS, Band

__all__ = ["Window", "band_windows", "design_window", "inside_band"]


@dataclass(frozen=True)
class Window:
    """A range of D in which at least ``share`` of the dots emit inside a band.

    Attributes
    ----------
    lo, hi : float
        The range's ends (the smallest and largest D of its dots).
    n_dots : int
        Dots with D in ``[lo, hi]``.
    n_inside : int
        Of those, the dots that emit inside the band.
    """

    lo: float
    hi: float
    n_dots: int
    n_inside: int

    @property
    def centre(self) -> float:
        return (self.lo + self.hi) / 2

    @property
    def tolerance(self) -> float:
        """Half the range: D may deviate this much from :attr:`centre`."""
        return (self.hi - self.lo) / 2

    @property
    def share(self) -> float:
        return self.n_inside / self.n_dots

    def to_dict(self) -> dict[str, float]:
        return {**asdict(self), "centre": self.centre, "tolerance": self.tolerance, "share": self.share}


def inside_band(lower: Any, upper: Any, band: Band) -> np.ndarray:
    """Whether each interval ``[lower, upper]`` lies within the band's edges (both included)."""
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    if lo.shape != hi.shape:
        raise ValueError(f"lower has shape {lo.shape} but upper has {hi.shape}")
    return (lo >= band.lo) & (hi <= band.hi)


def design_window(D: Any, inside: Any, *, share: float = 0.9, min_dots: int = 5) -> Window | None:
    """The D range with the most dots emitting inside a band, among those where at least ``share`` do.

    Parameters
    ----------
    D : array-like, shape (n,)
        Diameters.
    inside : array-like of bool, shape (n,)
        Whether each dot emits inside the band (:func:`inside_band`).
    share : float, default=0.9
        Least share of the window's dots that must emit inside, in (0, 1].
    min_dots : int, default=5
        Least number of dots in a window (fewer say nothing).

    Returns
    -------
    Window or None
        None when no range of at least ``min_dots`` dots reaches ``share``.

    Raises
    ------
    ValueError
        On arrays of different lengths, non-finite D, ``share`` outside (0, 1] or
        ``min_dots`` < 1.
    """
    d = np.asarray(D, dtype=float)
    ok = np.asarray(inside, dtype=bool)
    if d.shape != ok.shape or d.ndim != 1:
        raise ValueError(f"D has shape {d.shape} but inside has {ok.shape}: one value per dot in each")
    if not np.all(np.isfinite(d)):
        raise ValueError("D: every diameter must be finite")
    if not 0 < share <= 1:
        raise ValueError(f"share = {share!r}: must lie in (0, 1]")
    if isinstance(min_dots, bool) or int(min_dots) != min_dots or min_dots < 1:
        raise ValueError(f"min_dots = {min_dots!r}: must be a positive integer")
    if not ok.any():
        return None
    values, group = np.unique(d, return_inverse=True)  # dots of equal D enter a window together
    dots = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=len(values)))])
    wins = np.concatenate([[0], np.cumsum(np.bincount(group, weights=ok, minlength=len(values)))])
    # every window [values[i], values[j]], i <= j, at once
    n = dots[None, 1:] - dots[:-1, None]
    k = wins[None, 1:] - wins[:-1, None]
    valid = np.triu(np.ones_like(n, dtype=bool)) & (n >= min_dots) & (k >= share * n - 1e-9)
    if not valid.any():
        return None
    span = values[None, :] - values[:, None]
    best_k = k[valid].max()
    candidates = valid & (k == best_k)
    narrowest = span[candidates].min()
    i, j = np.argwhere(candidates & (span == narrowest))[0]  # ties: the smallest D
    return Window(float(values[i]), float(values[j]), int(n[i, j]), int(k[i, j]))


def band_windows(D: Any, lower: Any, upper: Any, *, bands: Sequence[Band] = BANDS, share: float = 0.9,
                 min_dots: int = 5) -> pd.DataFrame:
    """:func:`design_window` for every band: one row per band (window columns NaN where there is none).

    Columns: ``band``, ``lo``, ``hi``, ``centre``, ``tolerance``, ``n_dots``, ``n_inside``,
    ``share`` and ``dots_inside`` (all dots of the data emitting inside the band).
    """
    rows = []
    for band in bands:
        ok = inside_band(lower, upper, band)
        w = design_window(D, ok, share=share, min_dots=min_dots)
        empty = dict.fromkeys(("lo", "hi", "n_dots", "n_inside", "centre", "tolerance", "share"), np.nan)
        rows.append({"band": band.name, **(w.to_dict() if w else empty), "dots_inside": int(ok.sum())})
    return pd.DataFrame(rows)

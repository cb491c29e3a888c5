"""The design chapter's figure (09): the colour bands against D, each dot's interval, the D windows."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..bands import BANDS
from . import figure_and_axes, label


def plot_design_windows(D, lower, upper, windows: Mapping[str, pd.DataFrame], ax=None):
    """Bands as horizontal spans in their colours, each dot's interval, and each band's D window.

    Parameters
    ----------
    D, lower, upper : array-like
        Diameters and the interval bounds (nm) of every dot.
    windows : mapping
        Caption -> :func:`siqd_utils.design.band_windows` table; the first is drawn as a solid
        frame, the second (if any) dashed. A band without a window is not framed.
    """
    fig, ax = figure_and_axes(ax, figsize=(8.0, 5.0))
    d, lo, hi = (np.asarray(v, dtype=float) for v in (D, lower, upper))
    for band in BANDS:
        ax.axhspan(band.lo, band.hi, color=band.colour, alpha=0.18, lw=0)
    ax.vlines(d, lo, hi, color="0.35", lw=0.6, alpha=0.6, label="each dot's interval")
    styles = ["-", "--"]
    for (caption, table), style in zip(windows.items(), styles):
        first = True
        for band, row in zip(BANDS, table.itertuples()):
            if not np.isfinite(row.lo):
                continue
            ax.plot([row.lo, row.hi, row.hi, row.lo, row.lo], [band.lo, band.lo, band.hi, band.hi, band.lo],
                    ls=style, color=band.colour, lw=2.0, label=caption if first else None)
            ax.errorbar(row.centre, (band.lo + band.hi) / 2, xerr=row.tolerance, fmt="o", ms=3, color=band.colour,
                        capsize=3, lw=1.0)
            first = False
    ax.set_xlabel(label("D"))
    ax.set_ylabel("peak emission wavelength (nm)")
    ax.set_ylim(BANDS[0].lo - 20, BANDS[-1].hi + 10)
    ax.legend(loc="upper left", fontsize=8)
    return fig

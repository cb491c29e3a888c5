"""Figures of the correlations chapter (``notebooks/02_correlations.md``): heat map and skew map."""

from __future__ import annotations

from matplotlib.patches import Rectangle
import numpy as np
import pandas as pd
import seaborn as sns

from ..preprocessing import FeatureSelection
from . import figure_and_axes, short

__all__ = ["plot_correlation", "plot_skewness"]


def plot_correlation(selection: FeatureSelection, *, ax=None, annotate: bool = True):
    """Heat map of the correlation matrix; pairs above the threshold are framed.

    Parameters
    ----------
    selection : FeatureSelection
        From :func:`siqd_utils.preprocessing.select_features`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    annotate : bool, default=True
        Write r in each cell.

    Returns
    -------
    matplotlib.figure.Figure
    """
    corr = selection.correlation
    names = list(corr.columns)
    fig, ax = figure_and_axes(ax, (7.2, 6.0))
    mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
    sns.heatmap(corr, mask=mask, vmin=-1, vmax=1, cmap="RdBu_r", annot=annotate, fmt=".2f",
                annot_kws={"size": 8}, square=True, linewidths=0.5, ax=ax,
                cbar_kws={"label": f"{selection.method.capitalize()} correlation r (dimensionless)", "shrink": 0.8})
    ticks = [short(n) + (" ✕" if n in selection.dropped else "") for n in names]
    ax.set_xticklabels(ticks, rotation=45, ha="right")
    ax.set_yticklabels(ticks, rotation=0)
    for i, a in enumerate(names):
        for j, b in enumerate(names[:i]):
            if abs(corr.iloc[i, j]) > selection.threshold:
                ax.add_patch(Rectangle((j, i), 1, 1, fill=False, edgecolor="black", lw=2.2))
    ax.set_title(f"framed: |r| > {selection.threshold:g};  ✕: dropped feature", fontsize=10)
    fig.tight_layout()
    return fig


def plot_skewness(raw: pd.Series, *, ax=None, limit: float = 1.0):
    """Skewness of each feature as a bar chart (the ESI's skew map).

    Parameters
    ----------
    raw : pandas.Series
        Skewness by feature (:func:`siqd_utils.preprocessing.skewness`).
    ax : matplotlib.axes.Axes, optional
    limit : float, default=1.0
        Dashed guides at +-limit (a common rule of thumb for "highly skewed").

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = figure_and_axes(ax, (7.0, 3.6))
    colours = ["#b2182b" if v > 0 else "#2166ac" for v in raw.to_numpy()]
    ax.bar([short(n) for n in raw.index], raw.to_numpy(), color=colours)
    for v in (-limit, limit):
        ax.axhline(v, ls="--", lw=0.8, color="grey")
    ax.axhline(0, lw=0.8, color="black")
    ax.set_ylabel("sample skewness (dimensionless)")
    ax.set_xlabel("feature")
    for i, v in enumerate(raw.to_numpy()):
        ax.annotate(f"{v:.2f}", (i, v), ha="center", va="bottom" if v >= 0 else "top", fontsize=8,
                    xytext=(0, 2 if v >= 0 else -2), textcoords="offset points")
    fig.tight_layout()
    return fig


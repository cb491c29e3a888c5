"""Figures of the data chapter (``notebooks/01_data.md``): distributions and size against colour."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..datasets import FACET_COLUMNS, FEATURE_COLUMNS, STUDY
from . import facet_colour, label

__all__ = ["VISIBLE_NM", "plot_feature_distributions", "plot_size_wavelength", "plot_wavelength_distribution"]

VISIBLE_NM = (400.0, 750.0)


def plot_feature_distributions(frame: pd.DataFrame, bins: int = 30, columns=FEATURE_COLUMNS) -> plt.Figure:
    """One histogram per structural feature, on a grid of three columns; facet fractions in their family's colour."""
    columns = list(columns)
    ncols = 3
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 3.0 * nrows), squeeze=False)
    for ax, col in zip(axes.flat, columns):
        colour = facet_colour(col) if col in FACET_COLUMNS else "0.45"  # grey: no feature but a facet in a facet colour
        sns.histplot(frame[col], bins=bins, ax=ax, color=colour, edgecolor="white", linewidth=0.5)
        ax.set_xlabel(label(col))
        ax.set_ylabel("dots")
    for ax in list(axes.flat)[len(columns):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_wavelength_distribution(frame: pd.DataFrame, bins: int = 30) -> plt.Figure:
    """Histogram of the peak emission wavelength, with the visible range and the study's cut marked."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    lo, hi = VISIBLE_NM
    ax.axvspan(lo, hi, color="0.92", zorder=0, label=f"study's colour bands ({lo:g}–{hi:g} nm)")
    sns.histplot(frame["wavelength_nm"], bins=bins, ax=ax, color="tab:purple", edgecolor="white", linewidth=0.5, zorder=2)
    ax.axvline(STUDY["wavelength_cut_nm"], color="k", linestyle="--", linewidth=1,
               label=f"study's outlier cut ({STUDY['wavelength_cut_nm']:g} nm)", zorder=3)
    ax.set_xlabel(label("wavelength_nm"))
    ax.set_ylabel("dots")
    ax.legend(loc="upper right", frameon=False, fontsize="small")
    fig.tight_layout()
    return fig


def plot_size_wavelength(frame: pd.DataFrame, hue: str = "shape") -> plt.Figure:
    """Peak emission wavelength against average diameter, one colour per shape."""
    order = frame[hue].value_counts().index.tolist()
    palette = sns.color_palette("husl" if len(order) > 10 else "tab10", n_colors=len(order))
    fig, ax = plt.subplots(figsize=(10, 5))
    sns.scatterplot(data=frame, x="D", y="wavelength_nm", hue=hue, hue_order=order, palette=palette,
                    s=28, alpha=0.85, linewidth=0.3, edgecolor="white", ax=ax)
    ax.set_xlabel(label("D"))
    ax.set_ylabel(label("wavelength_nm"))
    ncol = 1 if len(order) <= 16 else 2
    ax.legend(title=hue, bbox_to_anchor=(1.01, 1.0), loc="upper left", frameon=False, fontsize="small", ncol=ncol)
    fig.tight_layout()
    return fig


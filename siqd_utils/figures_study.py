"""Figures and comparison tables of the chapters on features, clusters and bands.

Used by ``notebooks/02_correlations.md``, ``03_structure_classes.md`` and
``04_property_classes.md``.  Each plotting function returns the
:class:`matplotlib.figure.Figure` it drew on and never shows or saves it; every
axis carries its quantity and unit.  The colour bands are always drawn in their
own colours (:data:`siqd_utils.bands.BANDS`); the clusters get a qualitative
palette (:func:`cluster_palette`) that avoids suggesting a colour of light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch, Rectangle

from .bands import BANDS, assign_bands
from .figures_data import label
from .preprocessing import FeatureSelection

__all__ = [
    "band_palette",
    "beside_paper",
    "cluster_palette",
    "plot_band_histogram",
    "plot_correlation",
    "plot_features_by_class",
    "plot_skewness",
    "plot_wavelength_by_cluster",
]

#: Short feature names for tick labels (the axis titles use :func:`siqd_utils.figures_data.label`).
SHORT: dict[str, str] = {
    "n_Si": "$N_\\mathrm{Si}$",
    "n_H": "$N_\\mathrm{H}$",
    "D": "$D$",
    "n_coord": "$n_\\mathrm{coord}$",
    "f100": "$f_{100}$",
    "f110": "$f_{110}$",
    "f111": "$f_{111}$",
    "f113": "$f_{113}$",
    "HSi_ratio": "H:Si",
}


def _short(name: str) -> str:
    return SHORT.get(name, name)


def band_palette() -> dict[int, str]:
    """Band number -> the band's own display colour."""
    return {b.number: b.colour for b in BANDS}


def cluster_palette(labels) -> dict:
    """Cluster label -> a colour of the qualitative ``Dark2`` palette (sorted labels)."""
    keys = sorted(pd.unique(np.asarray(labels)).tolist())
    colours = sns.color_palette("Dark2", n_colors=max(len(keys), 1))
    return {k: colours[i % len(colours)] for i, k in enumerate(keys)}


def beside_paper(ours: Mapping, paper: Mapping, *, key_name: str = "class",
                 ours_name: str = "this book", paper_name: str = "paper") -> pd.DataFrame:
    """Two count columns side by side, with shares (%) and a total row.

    Parameters
    ----------
    ours, paper : mapping
        Counts by class (same keys; a key missing on one side shows as 0).
    key_name : str
        Name of the first column.

    Returns
    -------
    pandas.DataFrame
        Columns: ``key_name``, ``ours_name``, ``ours_name (%)``, ``paper_name``,
        ``paper_name (%)``; the last row is the total.
    """
    keys = list(dict.fromkeys([*ours.keys(), *paper.keys()]))
    a = np.array([int(ours.get(k, 0)) for k in keys])
    b = np.array([int(paper.get(k, 0)) for k in keys])
    table = pd.DataFrame({
        key_name: [str(k) for k in keys] + ["total"],
        ours_name: np.r_[a, a.sum()],
        f"{ours_name} (%)": np.r_[100 * a / max(a.sum(), 1), 100.0],
        paper_name: np.r_[b, b.sum()],
        f"{paper_name} (%)": np.r_[100 * b / max(b.sum(), 1), 100.0],
    })
    return table


# ----------------------------------------------------------------------------- chapter 02


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
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.2, 6.0))
    else:
        fig = ax.figure
    mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
    sns.heatmap(corr, mask=mask, vmin=-1, vmax=1, cmap="RdBu_r", annot=annotate, fmt=".2f",
                annot_kws={"size": 8}, square=True, linewidths=0.5, ax=ax,
                cbar_kws={"label": f"{selection.method.capitalize()} correlation r (dimensionless)", "shrink": 0.8})
    ticks = [_short(n) + (" ✕" if n in selection.dropped else "") for n in names]
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
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 3.6))
    else:
        fig = ax.figure
    colours = ["#b2182b" if v > 0 else "#2166ac" for v in raw.to_numpy()]
    ax.bar([_short(n) for n in raw.index], raw.to_numpy(), color=colours)
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


# ----------------------------------------------------------------------------- chapters 03 and 04


def plot_features_by_class(frame: pd.DataFrame, features: Sequence[str], classes, *,
                           palette: Mapping | None = None, class_name: str = "class",
                           class_names: Mapping | None = None, ncols: int = 3):
    """Distribution of each feature within each class: one panel per feature, classes on x.

    Violins (kernel density, cut at the data range) with the quartiles drawn
    inside, over the individual dots.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows = dots, with the feature columns (unscaled: the axes keep their units).
    features : sequence of str
        Columns to show, one panel each.
    classes : array-like, shape (len(frame),)
        Class of each row.
    palette : mapping, optional
        Class -> colour.
    class_name : str
        Title of the x axes (e.g. ``"ILS cluster"``).
    class_names : mapping, optional
        Class -> tick label.
    ncols : int, default=3

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``classes`` does not have one entry per row of ``frame``.
    """
    classes = np.asarray(classes)
    if len(classes) != len(frame):
        raise ValueError(f"classes has {len(classes)} entries but frame has {len(frame)} rows")
    order = sorted(pd.unique(classes).tolist())
    data = frame[list(features)].reset_index(drop=True).assign(_class=classes)
    nrows = int(np.ceil(len(features) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 2.9 * nrows), squeeze=False)
    pal = {k: palette[k] for k in order} if palette is not None else None
    for ax, feat in zip(axes.flat, features):
        sns.violinplot(data=data, x="_class", y=feat, order=order, hue="_class", hue_order=order,
                       palette=pal, legend=False, cut=0, inner="quart", density_norm="width",
                       linewidth=0.8, ax=ax)
        sns.stripplot(data=data, x="_class", y=feat, order=order, color="black", size=1.8, alpha=0.5,
                      jitter=0.2, ax=ax)
        ax.set_ylabel(label(feat), fontsize=9)
        ax.set_xlabel(class_name, fontsize=9)
        if class_names is not None:
            ax.set_xticks(range(len(order)), [str(class_names.get(k, k)) for k in order], fontsize=8)
    for ax in list(axes.flat)[len(features):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_band_histogram(wavelength_nm, *, bin_width: float = 5.0, ax=None, extend: bool = True):
    """Histogram of the peak wavelength, each bar in the colour of its band (Fig. 1).

    Bins are laid out band by band, so no bar straddles a band edge.

    Parameters
    ----------
    wavelength_nm : array-like
        Peak wavelengths (nm).  Values outside 400-750 nm are drawn in grey
        when ``extend`` is true, and ignored otherwise.
    bin_width : float, default=5.0
        Nominal bin width (nm); the last bin of a band is narrowed to its edge.
    ax : matplotlib.axes.Axes, optional
    extend : bool, default=True
        Also draw the dots outside the bands (grey, hatched).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``bin_width`` is not positive.
    """
    if not bin_width > 0:
        raise ValueError(f"bin_width = {bin_width!r}: must be positive (nm)")
    wl = np.asarray(wavelength_nm, dtype=float)
    idx = assign_bands(wl)
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.0, 3.8))
    else:
        fig = ax.figure
    handles = []
    for band in BANDS:
        edges = np.r_[np.arange(band.lo, band.hi, bin_width), band.hi]
        sel = wl[idx == band.number]
        ax.hist(sel, bins=edges, color=band.colour, edgecolor="white", linewidth=0.4)
        handles.append(Patch(color=band.colour, label=f"{band.number} {band.name} ({int((idx == band.number).sum())})"))
    if extend:
        out = wl[(idx == 0) | (idx == len(BANDS) + 1)]
        if out.size:
            lo = np.floor(out.min() / bin_width) * bin_width
            hi = np.ceil(out.max() / bin_width) * bin_width + bin_width
            ax.hist(out, bins=np.arange(lo, hi + bin_width / 2, bin_width), color="lightgrey",
                    edgecolor="grey", hatch="///", linewidth=0.4)
            handles.append(Patch(facecolor="lightgrey", edgecolor="grey", hatch="///",
                                 label=f"outside the bands ({out.size})"))
    for band in BANDS:
        ax.axvline(band.lo, color="grey", lw=0.5, ls=":")
    ax.axvline(BANDS[-1].hi, color="grey", lw=0.5, ls=":")
    ax.set_xlabel(label("wavelength_nm"))
    ax.set_ylabel(f"dots per {bin_width:g} nm bin")
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0),
              title="band (dots)", title_fontsize=8)
    fig.tight_layout()
    return fig


def plot_wavelength_by_cluster(wavelength_nm, clusters, *, palette: Mapping | None = None):
    """Wavelength distribution of each cluster over the colour bands (Fig. 4).

    Left: every dot of each cluster at its wavelength (box of the quartiles
    behind), over the bands shaded in their colours.  Right: the share of each
    cluster in each band (stacked bars in the bands' colours).

    Parameters
    ----------
    wavelength_nm : array-like, shape (n,)
        Peak wavelengths (nm), all inside the bands.
    clusters : array-like, shape (n,)
        Cluster label of each dot.
    palette : mapping, optional
        Cluster -> colour of its points.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the lengths differ or a wavelength lies outside the bands.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    cl = np.asarray(clusters)
    if len(wl) != len(cl):
        raise ValueError(f"wavelength_nm has {len(wl)} entries but clusters has {len(cl)}")
    idx = assign_bands(wl)
    if ((idx < 1) | (idx > len(BANDS))).any():
        raise ValueError("wavelength_nm: every dot must lie inside the bands (400-750 nm); run prepare() first")
    order = sorted(pd.unique(cl).tolist())
    palette = palette or cluster_palette(cl)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11.0, 4.2), gridspec_kw={"width_ratios": [1.5, 1]})
    for band in BANDS:
        ax.axhspan(band.lo, band.hi, color=band.colour, alpha=0.16, lw=0)
    data = pd.DataFrame({"cluster": cl, "wl": wl})
    sns.boxplot(data=data, x="cluster", y="wl", order=order, color="white", width=0.55, fliersize=0,
                linewidth=0.9, ax=ax)
    sns.stripplot(data=data, x="cluster", y="wl", order=order, hue="cluster", hue_order=order,
                  palette={k: palette[k] for k in order}, legend=False, size=3.2, jitter=0.22, ax=ax)
    ax.set_ylim(BANDS[0].lo, BANDS[-1].hi)
    ax.set_xlabel("ILS cluster")
    ax.set_ylabel(label("wavelength_nm"))
    ax.set_yticks([b.lo for b in BANDS] + [BANDS[-1].hi])

    shares = pd.crosstab(data["cluster"], idx).reindex(index=order, columns=[b.number for b in BANDS], fill_value=0)
    shares = shares.div(shares.sum(axis=1), axis=0)
    bottom = np.zeros(len(order))
    for band in BANDS:
        vals = shares[band.number].to_numpy()
        bx.bar([str(k) for k in order], vals, bottom=bottom, color=band.colour, edgecolor="white",
               linewidth=0.5, label=band.name)
        bottom += vals
    bx.set_xlabel("ILS cluster")
    bx.set_ylabel("share of the cluster's dots in each band")
    bx.set_ylim(0, 1)
    bx.legend(fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0), loc="upper left")
    fig.tight_layout()
    return fig

"""Figures of features, wavelengths and bands by class (chapters 03 and 04).

Class labels may be ILS clusters, bands or any other label set; the wavelength
figures shade the study's colour bands in their own colours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch

from ..bands import BANDS, assign_bands
from . import cluster_palette, figure_and_axes, label

__all__ = ["band_bin_edges", "plot_band_histogram", "plot_features_by_class", "plot_wavelength_by_cluster"]


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


def band_bin_edges(bin_width: float = 5.0) -> dict[str, np.ndarray]:
    """The histogram's bin edges, band by band: every ``bin_width`` nm from the band's lower
    edge, the last bin narrowed to its upper edge, so no bin straddles a band edge.

    Returns
    -------
    dict
        Band name -> increasing edges (nm), first and last the band's own edges.
    """
    if not bin_width > 0:
        raise ValueError(f"bin_width = {bin_width!r}: must be positive (nm)")
    return {band.name: np.r_[np.arange(band.lo, band.hi, bin_width), band.hi] for band in BANDS}


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
    per_band = band_bin_edges(bin_width)
    wl = np.asarray(wavelength_nm, dtype=float)
    idx = assign_bands(wl)
    fig, ax = figure_and_axes(ax, (9.0, 3.8))
    handles = []
    for band in BANDS:
        edges = per_band[band.name]
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


"""Figures of Iterative Label Spreading (chapter 03).

:func:`plot_rmin`
    The first-pass ``R_min`` curve with the chosen seeds (paper Fig. 2a).
:func:`plot_rmin_clusters`
    The final ``R_min`` curve coloured by cluster (paper Fig. 2b).
"""

from __future__ import annotations

import numpy as np

from . import figure_and_axes

__all__ = ["plot_rmin", "plot_rmin_clusters"]


def _check_ils(est, attrs):
    missing = [a for a in attrs if not hasattr(est, a)]
    if missing:
        raise ValueError(
            f"{type(est).__name__} is not a fitted ILSClustering (missing {', '.join(missing)}); "
            "call fit first."
        )


def _cluster_colours(k):
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


def plot_rmin(est, ax=None, *, smoothed=True):
    """Plot the first-pass ``R_min`` curve with the seeds of the final pass.

    The curve is ``est.rmin_`` against the labelling step ``i`` (step 0 is the
    first-pass seed ``est.start_``, which has no ``R_min``).  Troughs are dense
    regions, peaks jumps between clusters.  Dashed lines mark the accepted peaks
    (region boundaries), triangles the seed chosen in each region, numbered by
    cluster label.

    Parameters
    ----------
    est : ILSClustering
        A fitted estimator.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if omitted.
    smoothed : bool, default=True
        Also draw the curve smoothed as in the peak finding (Gaussian,
        standard deviation ``min_cluster_size`` points).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    from ..ils import smooth_rmin

    _check_ils(est, ("rmin_", "order_", "seeds_", "peaks_"))
    fig, ax = figure_and_axes(ax, (9.0, 3.8))
    r = np.asarray(est.rmin_)
    steps = np.arange(1, r.size + 1)
    ax.plot(steps, r, color="0.35", lw=0.8, label=r"$R_\mathrm{min}$")
    if smoothed and r.size > 1:
        sm = smooth_rmin(r, est.min_cluster_size)
        ax.plot(steps, sm, color="C1", lw=1.6, label=f"smoothed (p = {est.min_cluster_size})")
    for q in np.asarray(est.peaks_):
        ax.axvline(q + 1, color="C3", ls="--", lw=0.9)
    position = np.full(r.size + 1, -1, dtype=np.int64)
    position[np.asarray(est.order_)] = np.arange(r.size)
    pos = position[np.asarray(est.seeds_)]
    pos = pos[pos >= 0]  # a seed is never the first-pass start, but be safe
    colours = _cluster_colours(len(pos))
    ax.scatter(
        pos + 1, r[pos], marker="v", s=70, c=colours, edgecolors="k", zorder=3, label="seeds"
    )
    for c, q in enumerate(pos, start=1):
        ax.annotate(
            str(c), (q + 1, r[q]), textcoords="offset points", xytext=(0, -16), ha="center",
            fontsize=8,
        )
    ax.set_xlabel("labelling step $i$")
    ax.set_ylabel(r"$R_\mathrm{min}$ (feature units)")
    ax.set_title(f"ILS first pass: {est.n_clusters_} region(s)")
    ax.set_xlim(0, r.size + 1)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def plot_rmin_clusters(est, ax=None):
    """Plot the final-pass ``R_min`` curve coloured by cluster.

    Each point of ``est.rmin_final_`` (against the labelling step of the
    second pass) is coloured by the cluster of the point labelled at that
    step, so a run of one colour is one cluster being filled.

    Parameters
    ----------
    est : ILSClustering
        A fitted estimator.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if omitted.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    _check_ils(est, ("rmin_final_", "order_final_", "labels_"))
    fig, ax = figure_and_axes(ax, (9.0, 3.8))
    r = np.asarray(est.rmin_final_)
    steps = np.arange(1, r.size + 1)
    lab = np.asarray(est.labels_)[np.asarray(est.order_final_)]
    k = int(est.n_clusters_)
    colours = _cluster_colours(k)
    ax.plot(steps, r, color="0.8", lw=0.6, zorder=1)
    sizes = np.bincount(np.asarray(est.labels_), minlength=k)
    for c in range(1, k + 1):  # readers see clusters 1..k; labels_ are 0..k-1
        sel = lab == c - 1
        ax.scatter(
            steps[sel], r[sel], s=9, color=colours[c - 1], zorder=2,
            label=f"cluster {c} ({sizes[c - 1]})",
        )
    ax.set_xlabel("labelling step $i$")
    ax.set_ylabel(r"$R_\mathrm{min}$ (feature units)")
    ax.set_title(f"ILS final pass: {k} cluster(s)")
    ax.set_xlim(0, r.size + 1)
    ax.legend(loc="upper left", fontsize=8, frameon=False, markerscale=2)
    return fig

"""Figures of Iterative Label Spreading (chapter 03).

:func:`plot_rmin`
    The first-pass ``R_min`` curve with the chosen seeds (paper Fig. 2a).
:func:`plot_rmin_clusters`
    The final ``R_min`` curve coloured by cluster (paper Fig. 2b).
"""

from __future__ import annotations

import numpy as np

from . import figure_and_axes

__all__ = ["plot_mst_edges", "plot_rmin", "plot_rmin_clusters"]


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
    cluster label; a region seeded at the first-pass seed itself (the study
    rule's first region when its smoothed minimum is at the first step) has
    its triangle at step 0, height 0.

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
    pos = position[np.asarray(est.seeds_)]  # -1: the first-pass seed itself (step 0)
    x = pos + 1
    y = np.where(pos >= 0, r[np.maximum(pos, 0)], 0.0)  # the first-pass seed has no R_min: drawn at 0
    colours = _cluster_colours(len(pos))
    ax.scatter(x, y, marker="v", s=70, c=colours, edgecolors="k", zorder=3, label="seeds")
    for c, (xc, yc) in enumerate(zip(x, y), start=1):
        ax.annotate(
            str(c), (xc, yc), textcoords="offset points", xytext=(0, -16), ha="center",
            fontsize=8,
        )
    ax.set_xlabel("labelling step $i$")
    ax.set_ylabel(r"$R_\mathrm{min}$ (feature units)")
    rule = getattr(est, "peak_rule", "significance")
    ax.set_title(f"ILS first pass, {rule} rule (p = {est.min_cluster_size}): {est.n_clusters_} region(s)")
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


def plot_mst_edges(gap, ax=None):
    """Sorted minimum-spanning-tree edge lengths of the data beside matched noise.

    Parameters
    ----------
    gap : siqd_utils.ils.GapReference
        Output of :func:`~siqd_utils.ils.mst_gap_reference`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if omitted.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    fig, ax = figure_and_axes(ax, (8.0, 3.8))
    edges = np.asarray(gap.edges)
    rank = np.arange(1, edges.size + 1)
    for (kind, arr), colour in zip(gap.noise_edges.items(), ("C0", "C2")):
        lo, mid, hi = np.percentile(arr, [5, 50, 95], axis=0)
        ax.fill_between(rank, lo, hi, color=colour, alpha=0.2, lw=0)
        ax.plot(rank, mid, color=colour, lw=1.2, label=f"{kind} noise: median, 5-95 %")
    ax.plot(rank, edges, color="k", lw=1.6, label="data")
    ax.set_yscale("log")
    ax.set_xlabel("edge rank (shortest first)")
    ax.set_ylabel("edge length (feature units)")
    ax.set_title("Minimum spanning tree: sorted edge lengths")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig

"""Figures of the classification and regression chapters (05 and 06).

Confusion matrices, learning curves, parity plots and network weights, drawn from
results computed in :mod:`siqd_utils.models`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, r2_score

from . import figure_and_axes

__all__ = [
    "plot_confusion_matrices",
    "plot_confusion_matrix",
    "plot_learning_curves",
    "plot_parity",
    "plot_weights",
]


def plot_confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[Any], names: Sequence[str] | None = None,
                          title: str = "", ax: plt.Axes | None = None) -> plt.Figure:
    """Confusion matrix normalised over each true class (rows sum to 1).

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted classes.
    labels : sequence
        The classes, in display order.
    names : sequence of str, optional
        Tick labels of the classes (default: the labels).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default: a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The diagonal is each class's recall; a row of a class absent from ``y_true``
    is left blank.  Each cell shows the fraction and, below it, the count.
    """
    labels = list(labels)
    names = [str(n) for n in (names if names is not None else labels)]
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(totals > 0, counts / np.where(totals == 0, 1, totals), np.nan)
    fig, ax = figure_and_axes(ax, (4.6, 4.0))
    image = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if np.isnan(frac[i, j]):
                continue
            colour = "white" if frac[i, j] > 0.6 else "black"
            ax.text(j, i, f"{frac[i, j]:.2f}\n({counts[i, j]})", ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(len(labels)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    return fig


def plot_confusion_matrices(panels: Mapping[str, tuple[Any, Any, Sequence[Any], Sequence[str] | None]]) -> plt.Figure:
    """Several normalised confusion matrices side by side.

    Parameters
    ----------
    panels : mapping
        Title -> ``(y_true, y_pred, labels, names)`` (see :func:`plot_confusion_matrix`).
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(4.8 * len(panels), 4.2), squeeze=False)
    for ax, (title, (yt, yp, labels, names)) in zip(axes[0], panels.items()):
        plot_confusion_matrix(yt, yp, labels, names, title=title, ax=ax)
    fig.tight_layout()
    return fig


def plot_learning_curves(tables: Mapping[str, pd.DataFrame], score_label: str = "accuracy") -> plt.Figure:
    """Learning curves: training and cross-validation score against training-set size.

    Parameters
    ----------
    tables : mapping
        Title -> table from :func:`siqd_utils.models.learning_curve_table`.
    score_label : str, default="accuracy"
        Name of the score on the vertical axis (accuracy or R^2, dimensionless).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per table; lines are fold means, shaded bands +- one standard
        deviation over the folds.
    """
    fig, axes = plt.subplots(1, len(tables), figsize=(4.8 * len(tables), 3.8), squeeze=False)
    for ax, (title, t) in zip(axes[0], tables.items()):
        for prefix, name, colour, marker in (("train", "training score", "C0", "o"),
                                             ("cv", "cross-validation score", "C1", "s")):
            mean, std = t[f"{prefix}_mean"].to_numpy(), t[f"{prefix}_std"].to_numpy()
            ax.plot(t["n_train"], mean, marker=marker, color=colour, label=name)
            ax.fill_between(t["n_train"], mean - std, mean + std, color=colour, alpha=0.2)
        ax.set_xlabel("training-set size (number of dots)")
        ax.set_ylabel(f"{score_label} (dimensionless)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_parity(panels: Mapping[str, tuple[Any, Any]], quantity: str = "peak emission wavelength",
                unit: str = "nm") -> plt.Figure:
    """Parity plots: predicted against true value, one panel per set.

    Parameters
    ----------
    panels : mapping
        Title -> ``(y_true, y_pred)``.
    quantity, unit : str
        Name and unit of the predicted quantity, for the axes.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel has the diagonal ``y = x`` (a perfect prediction), the same limits
        on both axes and, in its corner, R^2 and the root-mean-square error.
    """
    values = np.concatenate([np.concatenate([np.asarray(a, float), np.asarray(b, float)]) for a, b in panels.values()])
    lo, hi = float(values.min()), float(values.max())
    pad = 0.04 * (hi - lo if hi > lo else 1.0)
    lims = (lo - pad, hi + pad)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.0 * len(panels), 4.0), squeeze=False)
    for ax, (title, (yt, yp)) in zip(axes[0], panels.items()):
        yt, yp = np.asarray(yt, float), np.asarray(yp, float)
        ax.plot(lims, lims, color="0.5", lw=1, ls="--", label="y = x")
        ax.scatter(yt, yp, s=14, alpha=0.75, edgecolor="none")
        rmse = float(np.sqrt(np.mean((yp - yt) ** 2)))
        ax.text(0.04, 0.96, f"$R^2$ = {r2_score(yt, yp):.3f}\nRMSE = {rmse:.1f} {unit}\nn = {len(yt)}",
                transform=ax.transAxes, va="top", fontsize=8)
        ax.set_xlim(lims)
        ax.set_ylim(lims)
        ax.set_aspect("equal")
        ax.set_xlabel(f"true {quantity} ({unit})")
        ax.set_ylabel(f"predicted {quantity} ({unit})")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_weights(tables: Sequence[tuple[pd.DataFrame, pd.DataFrame]], title: str = "",
                 output_unit: str | None = None) -> plt.Figure:
    """Heat maps of a network's weights and biases, one panel per layer.

    Parameters
    ----------
    tables : sequence of (weights, biases)
        From :func:`siqd_utils.models.weight_tables`.
    title : str, optional
        Figure title.
    output_unit : str, optional
        Unit of the network's output (e.g. ``"nm"`` for a wavelength regressor): the
        last layer's weights and bias carry it.  Default: dimensionless (class scores).

    Returns
    -------
    matplotlib.figure.Figure
        Rows of a panel are the units a layer reads from, plus a last row ``bias``;
        columns the units it feeds.  Each panel has its own diverging colour scale,
        symmetric about 0 (weights are dimensionless; an output bias can be far larger
        than the weights, e.g. a regressor's bias near the mean wavelength).
    """
    blocks = [pd.concat([W, B.T], axis=0) for W, B in tables]
    widths = [max(b.shape[1], 1.5) for b in blocks]
    fig, axes = plt.subplots(1, len(blocks), figsize=(1.3 + 0.55 * sum(widths) + 1.6 * len(blocks), 4.2),
                             gridspec_kw={"width_ratios": widths}, squeeze=False)
    for i, (ax, b) in enumerate(zip(axes[0], blocks), start=1):
        vmax = float(np.abs(b.to_numpy()).max()) or 1.0
        image = ax.imshow(b.to_numpy(), cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
        ax.axhline(b.shape[0] - 1.5, color="k", lw=0.8)
        ax.set_xticks(range(b.shape[1]), list(b.columns), rotation=90, fontsize=7)
        ax.set_yticks(range(b.shape[0]), list(b.index), fontsize=7)
        ax.set_title(f"layer {i}", fontsize=9)
        ax.set_xlabel("to unit", fontsize=8)
        if i == 1:
            ax.set_ylabel("from unit (last row: bias)", fontsize=8)
        last = i == len(blocks)
        unit = output_unit if (last and output_unit) else "dimensionless"
        fig.colorbar(image, ax=ax, fraction=0.08, pad=0.03, label=f"weight or bias ({unit})")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig

"""Figures of the robustness chapter (08): scores with intervals, permutation tests, importances."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import figure_and_axes

__all__ = ["plot_feature_importance", "plot_intervals", "plot_paired_gaps"]


def plot_intervals(summary: pd.DataFrame, scores, baselines: Mapping[str, float] | None = None, *,
                   title: str = "", ax=None):
    """Mean and 95 % t-interval over seeds of each task's scores (one row of markers per task).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`siqd_utils.robustness.summarize_nested` (columns task, score, mean, lo, hi).
    scores : sequence of str
        The scores to draw, one marker style each.
    baselines : mapping, optional
        Task -> a reference value (e.g. the majority baseline), drawn as a grey tick.
    """
    tasks = list(dict.fromkeys(summary["task"]))
    fig, ax = figure_and_axes(ax, (8.0, 0.6 + 0.55 * len(tasks) * max(len(scores), 1) ** 0.5))
    offsets = np.linspace(-0.2, 0.2, len(scores)) if len(scores) > 1 else [0.0]
    for off, score, marker in zip(offsets, scores, "osD^v"):
        part = summary[summary["score"] == score].set_index("task").reindex(tasks)
        ypos = np.arange(len(tasks)) + off
        ax.errorbar(part["mean"], ypos, xerr=[part["mean"] - part["lo"], part["hi"] - part["mean"]],
                    fmt=marker, capsize=3, label=score.replace("_", " "))
    if baselines:
        for i, task in enumerate(tasks):
            if task in baselines:
                ax.plot([baselines[task]] * 2, [i - 0.35, i + 0.35], color="0.5", lw=2,
                        label="majority baseline" if i == 0 else None)
    ax.set_yticks(range(len(tasks)), tasks)
    ax.invert_yaxis()
    ax.set_xlabel("score on the outer folds (mean over seeds, 95 % t-interval)")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return fig


def plot_feature_importance(table: pd.DataFrame, ax=None):
    """Permutation importance (drop of R^2) of each feature, with its spread over repeats."""
    fig, ax = figure_and_axes(ax, (6.5, 3.2))
    ax.barh(table.index, table["mean"], xerr=table["sd"], color="tab:blue", capsize=3)
    ax.invert_yaxis()
    ax.set_xlabel("drop of test R$^2$ when the feature is shuffled")
    ax.set_ylabel("feature")
    return fig


def plot_paired_gaps(per_seed: Mapping[str, pd.Series], gaps: Mapping[str, Mapping], ax=None):
    """Per-seed differences of each structure label set from the colour bands, with mean and t-interval.

    Parameters
    ----------
    per_seed : mapping
        Label set -> its per-seed difference from the bands (a Series indexed by seed).
    gaps : mapping
        Label set -> :func:`siqd_utils.robustness.paired_gap` (``mean``, ``lo``, ``hi``).
    """
    names = list(per_seed)
    fig, ax = figure_and_axes(ax, (7.0, 0.8 + 0.6 * len(names)))
    for i, name in enumerate(names):
        d = np.asarray(per_seed[name], dtype=float)
        jitter = np.linspace(-0.12, 0.12, d.size) if d.size > 1 else np.zeros(1)
        ax.plot(d, i + jitter, "o", color="0.6", ms=4, label="one seed" if i == 0 else None)
        g = gaps[name]
        if np.isfinite(g["lo"]):
            ax.errorbar([g["mean"]], [i], xerr=[[g["mean"] - g["lo"]], [g["hi"] - g["mean"]]], fmt="D",
                        color="tab:blue", capsize=4, label="mean, 95 % t-interval" if i == 0 else None)
        else:
            ax.plot([g["mean"]], [i], "D", color="tab:blue", label="mean (too few seeds for an interval)"
                    if i == 0 else None)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("balanced accuracy minus the colour bands' (nested, per seed)")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig

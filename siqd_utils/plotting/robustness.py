"""Figures of the robustness chapter (08): scores with intervals, permutation tests, importances."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import figure_and_axes

__all__ = ["plot_feature_importance", "plot_intervals"]


def plot_intervals(summary: pd.DataFrame, scores, baselines: Mapping[str, float] | None = None, *,
                   title: str = "", ax=None):
    """Mean and 95 % interval of each task's scores (one row of markers per task).

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
    ax.set_xlabel("score on the outer folds (mean over seeds, 95 % interval)")
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

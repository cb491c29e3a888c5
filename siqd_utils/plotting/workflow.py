"""The workflow diagram of the study and of this book, drawn from a node/edge table."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from . import figure_and_axes

__all__ = ["WORKFLOW_NODES", "WORKFLOW_EDGES", "plot_workflow"]

#: Nodes: key -> (label, x, y, kind). Coordinates are in axis units (0-1); kind picks the colour.
WORKFLOW_NODES: dict[str, tuple[str, float, float, str]] = {
    "cuts": ("Symmetric lattice cuts\n{100} {110} {111} {113}", 0.10, 0.90, "data"),
    "pass": ("H passivation", 0.10, 0.74, "data"),
    "feat": ("Features\nD, n_coord, f_hkl, H/Si, n_Si, n_H", 0.10, 0.58, "data"),
    "tb": ("sp3d5s* tight-binding gap\n- Stokes shift, calibration", 0.10, 0.40, "data"),
    "csv": ("Ensemble table\n(data/siqd_ensemble.csv)", 0.10, 0.22, "data"),
    "out": ("Remove outliers\n(outside 400-750 nm)", 0.36, 0.22, "prep"),
    "scale": ("Robust scaling,\nthen 0-1 scaling", 0.36, 0.42, "prep"),
    "corr": ("Drop |r| > 0.9\n(keep accessible feature)", 0.36, 0.62, "prep"),
    "ils": ("ILS clustering\n(p = 15) -> structure classes", 0.62, 0.86, "unsup"),
    "bands": ("Six colour bands\n-> property classes", 0.62, 0.56, "sup"),
    "wl": ("Wavelength (nm)", 0.62, 0.26, "sup"),
    "mlpc_s": ("MLP classifier\n(random search, CV)", 0.86, 0.86, "model"),
    "mlpc_b": ("MLP classifier + random forest\n(random search, CV)", 0.86, 0.56, "model"),
    "mlpr": ("MLP regressor\n(random search, CV)", 0.86, 0.26, "model"),
    "concl": ("Compare: separability,\npurity, regression\nvs classes", 1.10, 0.56, "result"),
}

#: Directed edges between node keys.
WORKFLOW_EDGES: tuple[tuple[str, str], ...] = (
    ("cuts", "pass"), ("pass", "feat"), ("feat", "tb"), ("tb", "csv"), ("csv", "out"), ("out", "scale"),
    ("scale", "corr"), ("corr", "ils"), ("corr", "bands"), ("corr", "wl"), ("ils", "mlpc_s"),
    ("bands", "mlpc_b"), ("wl", "mlpr"), ("mlpc_s", "concl"), ("mlpc_b", "concl"), ("mlpr", "concl"),
)

_COLOURS = {"data": "#dbe9f6", "prep": "#e8e8e8", "unsup": "#fde0c5", "sup": "#d9f0d3", "model": "#e5d8f0",
            "result": "#fff2ae"}
_LEGEND = {"data": "data (this book's reconstruction)", "prep": "preprocessing", "unsup": "unsupervised classes",
           "sup": "supervised targets", "model": "neural networks", "result": "conclusions"}


def plot_workflow(ax=None, width: float = 0.21, height: float = 0.11):
    """Draw the workflow as boxes and arrows; return the figure."""
    fig, ax = figure_and_axes(ax, (13, 7.0))
    for key, (label, x, y, kind) in WORKFLOW_NODES.items():
        box = FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.01",
                             facecolor=_COLOURS[kind], edgecolor="0.3", linewidth=1.0)
        ax.add_patch(box)
        ax.text(x, y, label, ha="center", va="center", fontsize=8.5)
    for a, b in WORKFLOW_EDGES:
        xa, ya = WORKFLOW_NODES[a][1:3]
        xb, yb = WORKFLOW_NODES[b][1:3]
        dx, dy = xb - xa, yb - ya
        # leave each box where the centre-to-centre line crosses its border
        t = min(width / 2 / abs(dx) if dx else float("inf"), height / 2 / abs(dy) if dy else float("inf")) * 1.04
        start, end = (xa + t * dx, ya + t * dy), (xb - t * dx, yb - t * dy)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="0.35", linewidth=1.0))
    handles = [plt.Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="0.3") for c in _COLOURS.values()]
    ax.legend(handles, [_LEGEND[k] for k in _COLOURS], loc="lower left", fontsize=8, frameon=False, ncol=2)
    ax.set_xlim(-0.02, 1.24)
    ax.set_ylim(-0.05, 0.98)
    ax.set_axis_off()
    return fig

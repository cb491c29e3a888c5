"""Tables and figures of the data chapter (``notebooks/01_data.md``).

The functions take the validated ensemble (:func:`siqd_utils.data.load_ensemble`) and
return a :class:`pandas.DataFrame` or a :class:`matplotlib.figure.Figure`; they never
read files or show anything, so the chapter decides what is displayed and exported.
Every axis carries the quantity and its unit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .atomic import write_text_atomic
from .data import COLUMNS, FACET_COLUMNS, FEATURE_COLUMNS

__all__ = [
    "LABELS",
    "STUDY",
    "comparison_with_study",
    "facet_families",
    "label",
    "plot_feature_distributions",
    "plot_size_wavelength",
    "plot_wavelength_distribution",
    "shape_counts",
    "summary_statistics",
    "write_csv",
    "write_json",
]

#: Short axis labels with units, by column.
LABELS: dict[str, str] = {
    "n_Si": "Si atoms, $N_\\mathrm{Si}$",
    "n_H": "H atoms, $N_\\mathrm{H}$",
    "D": "average diameter $D$ (nm)",
    "n_coord": "mean Si–Si coordination",
    "f100": "{100} area fraction",
    "f110": "{110} area fraction",
    "f111": "{111} area fraction",
    "f113": "{113} area fraction",
    "HSi_ratio": "H:Si ratio",
    "gap_eV": "HOMO–LUMO gap (eV)",
    "emission_eV_model": "modelled emission energy (eV)",
    "emission_eV": "emission energy (eV)",
    "wavelength_nm": "peak emission wavelength (nm)",
}

#: What Parker & Barnard (2021) report about the CSIRO data set, for comparison.
def _study() -> dict[str, float]:
    from .bands import BANDS
    from .paper import load_paper_results

    ds = load_paper_results()["dataset"]
    return {
        "n_structures": ds["n_structures"],
        "D_min_nm": ds["diameter_nm"][0],
        "D_max_nm": ds["diameter_nm"][1],
        "max_facet_families": ds["max_facet_families"],
        "wavelength_cut_nm": BANDS[0].lo,
        "n_after_cut": ds["n_after_outlier_removal"],
    }


#: The CSIRO data set's headline facts, from ``paper_results.yml`` (typed once there).
STUDY: dict[str, float] = _study()

#: Visible range spanned by the study's six colour bands (violet to red), nm.
VISIBLE_NM = (400.0, 750.0)

_UNITS = {c.name: c.unit for c in COLUMNS}
_FAMILY_NAMES = {1: "one facet family", 2: "two facet families", 3: "three facet families", 4: "four facet families"}


def label(column: str) -> str:
    """Axis label of a column (quantity and unit)."""
    return LABELS.get(column, column)


def facet_families(frame: pd.DataFrame, tol: float = 1e-9) -> pd.Series:
    """Number of facet families ({100}, {110}, {111}, {113}) present on each dot."""
    return (frame[list(FACET_COLUMNS)] > tol).sum(axis=1).rename("facet_families")


def shape_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Count the dots per shape name, grouped by how many facet families the shape has.

    Returns
    -------
    pandas.DataFrame
        Columns ``facet families``, ``shape``, ``dots``, ``share (%)``, ``D range (nm)``;
        sorted by number of families, then by count (descending).
    """
    fam = facet_families(frame)
    grouped = frame.assign(_fam=fam).groupby(["_fam", "shape"], sort=False)
    table = grouped.agg(dots=("id", "size"), D_min=("D", "min"), D_max=("D", "max")).reset_index()
    table["share (%)"] = 100.0 * table["dots"] / len(frame)
    table["D range (nm)"] = [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(table["D_min"], table["D_max"])]
    table = table.rename(columns={"_fam": "facet families"})
    table = table.sort_values(["facet families", "dots", "shape"], ascending=[True, False, True])
    return table[["facet families", "shape", "dots", "share (%)", "D range (nm)"]].reset_index(drop=True)


def summary_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Count, mean, spread and range of every numeric column, with its unit."""
    numeric = frame.select_dtypes("number")
    stats = numeric.describe().T
    stats.insert(0, "unit", [_UNITS.get(c, "") or "–" for c in stats.index])
    stats["count"] = stats["count"].astype(int)
    return stats.rename(columns={"50%": "median"})


def comparison_with_study(frame: pd.DataFrame) -> pd.DataFrame:
    """Side-by-side headline numbers: the study's CSIRO data set and this ensemble."""
    cut = STUDY["wavelength_cut_nm"]
    fam = facet_families(frame)
    rows = [
        ("structures", STUDY["n_structures"], len(frame)),
        ("smallest average diameter (nm)", STUDY["D_min_nm"], round(float(frame["D"].min()), 2)),
        ("largest average diameter (nm)", STUDY["D_max_nm"], round(float(frame["D"].max()), 2)),
        ("most facet families on one dot", STUDY["max_facet_families"], int(fam.max())),
        (f"structures emitting at ≥ {cut:g} nm", STUDY["n_after_cut"], int((frame["wavelength_nm"] >= cut).sum())),
    ]
    def fmt(value) -> str:
        return f"{value:.2f}" if isinstance(value, float) and not float(value).is_integer() else f"{value:g}"

    table = pd.DataFrame(
        [(q, fmt(a), fmt(b)) for q, a, b in rows],
        columns=["quantity", "CSIRO set (Parker & Barnard 2021)", "this book's ensemble"],
    )
    return table.set_index("quantity")


def plot_feature_distributions(frame: pd.DataFrame, bins: int = 30, columns=FEATURE_COLUMNS) -> plt.Figure:
    """One histogram per structural feature, on a grid of three columns."""
    columns = list(columns)
    ncols = 3
    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 3.0 * nrows), squeeze=False)
    for ax, col in zip(axes.flat, columns):
        sns.histplot(frame[col], bins=bins, ax=ax, color="tab:blue", edgecolor="white", linewidth=0.5)
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


def write_csv(frame: pd.DataFrame, path: Path | str, **kwargs) -> Path:
    """Write a table to CSV atomically; return the path."""
    path = Path(path)
    write_text_atomic(path, frame.to_csv(**kwargs))
    return path


def write_json(data: Mapping, path: Path | str) -> Path:
    """Write a mapping as indented JSON atomically; return the path."""
    path = Path(path)
    write_text_atomic(path, json.dumps(dict(data), indent=2, sort_keys=True, default=float) + "\n")
    return path

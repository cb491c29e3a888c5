"""Figures of the book, one module per figure family.

:mod:`~siqd_utils.plotting.data`
    The ensemble: feature and wavelength distributions, size against colour (chapter 01).
:mod:`~siqd_utils.plotting.correlations`
    Correlation heat map and skew map (chapter 02).
:mod:`~siqd_utils.plotting.ils`
    ILS ``R_min`` curves (chapter 03).
:mod:`~siqd_utils.plotting.classes`
    Features, wavelengths and bands by class (chapters 03 and 04).
:mod:`~siqd_utils.plotting.models`
    Confusion matrices, learning curves, parity plots, network weights (chapters 05 and 06).
:mod:`~siqd_utils.plotting.workflow`
    The workflow diagram (chapter 07).
:mod:`~siqd_utils.plotting.dots`
    Single dots drawn from their atoms beside their facet polyhedra (chapters 01 and 03,
    and ``python -m siqd_utils.reconstruct featurize --draw``).

One convention for all of them: every function returns the
:class:`matplotlib.figure.Figure` it drew on and never shows or saves it; a function
that draws a single panel takes ``ax=None`` and draws into ``ax`` when one is given
(:func:`figure_and_axes`).  Every axis names its quantity and unit (:func:`label`).
The colour bands are always drawn in their own colours (:func:`band_palette`); classes
get a qualitative palette (:func:`cluster_palette`) that does not suggest a colour of light;
the four facet families have one colour each, :data:`FACET_COLOURS`, wherever facets are shown.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..bands import BANDS

__all__ = ["FACET_COLOURS", "LABELS", "SHORT", "band_palette", "facet_colour", "cluster_palette", "figure_and_axes", "label", "short"]

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


#: The colour of each facet family, used by every figure that shows facets (four of the
#: Okabe-Ito colours, told apart with any colour vision).
FACET_COLOURS: dict[str, str] = {
    "100": "#0072B2",  # blue
    "110": "#E69F00",  # orange
    "111": "#009E73",  # bluish green
    "113": "#CC79A7",  # reddish purple
}


def facet_colour(family: str) -> str:
    """Colour of a facet family, given as ``"100"``, ``"{100}"`` or its column ``"f100"``."""
    key = str(family).strip("{}")
    key = key[1:] if key.startswith("f") else key
    if key not in FACET_COLOURS:
        raise ValueError(f"unknown facet family {family!r}; the families are {', '.join(FACET_COLOURS)}")
    return FACET_COLOURS[key]


def label(column: str) -> str:
    """Axis label of a column (quantity and unit)."""
    return LABELS.get(column, column)


def short(name: str) -> str:
    """Short tick label of a feature."""
    return SHORT.get(name, name)


def figure_and_axes(ax=None, figsize=(7.0, 3.5)):
    """``(figure, axes)``: the given Axes and its figure, or a new figure of ``figsize``."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def band_palette() -> dict[int, str]:
    """Band number -> the band's own display colour."""
    return {b.number: b.colour for b in BANDS}


def cluster_palette(labels) -> dict:
    """Cluster label -> a colour of the qualitative ``Dark2`` palette (sorted labels)."""
    keys = sorted(pd.unique(np.asarray(labels)).tolist())
    colours = sns.color_palette("Dark2", n_colors=max(len(keys), 1))
    return {k: colours[i % len(colours)] for i, k in enumerate(keys)}


"""Iterative Label Spreading (ILS).

ILS (Parker & Barnard, *Adv. Theory Simul.* 2019; used in Parker & Barnard,
*Nanoscale Horiz.* 2021, 6, 277) labels a data set one point at a time: while
unlabelled points remain, the closest pair made of one labelled and one
unlabelled point is found, the unlabelled point copies the label, and the
distance of that pair, ``R_min``, is recorded.  Plotted against the labelling
step, ``R_min`` shows dense regions as troughs and the jump from one cluster to
the next as a peak.  Cutting the curve at its peaks and spreading again from
one dense seed per region clusters the data and estimates the number of
clusters.

Modules, bottom to top:

:mod:`~siqd_utils.ils.distances`
    Input checks and the exact Euclidean arithmetic every pass uses.
:mod:`~siqd_utils.ils.spreading`
    One pass (:func:`spread_labels`): the O(n^2) path exact to the reference
    loop, ties included, and the choice of path; :func:`mst_edge_lengths`.
:mod:`~siqd_utils.ils.tree`
    The exact sub-quadratic path (union of all minimum spanning trees).
:mod:`~siqd_utils.ils.peaks`
    The two peak rules, ``"significance"`` (calibrated) and ``"study"`` (the
    original code's), smoothing and seeds.
:mod:`~siqd_utils.ils.estimator`
    :class:`ILSClustering`, the scikit-learn clusterer.
:mod:`~siqd_utils.ils.noise`
    What a rule finds on structureless data matched to yours
    (:func:`noise_reference`), the spanning-tree gap test (:func:`mst_gap_reference`), and both rules side by side
    (:func:`compare_peak_rules`).
:mod:`~siqd_utils.ils.calibration`
    The seeded trials behind the calibration tables.

The subpackage depends on NumPy, SciPy, scikit-learn and pandas; it imports
nothing else from :mod:`siqd_utils`.
"""

from .estimator import SKLEARN_EXPECTED_FAILED_CHECKS, ILSClustering
from .noise import (
    NOISE_SHARE,
    beyond_noise,
    compare_peak_rules,
    gap_statistics,
    mst_gap_reference,
    noise_reference,
    noise_summary,
)
from .peaks import (
    DEFAULT_SIGNIFICANCE,
    PEAK_RULES,
    RminPeaks,
    find_rmin_peaks,
    find_study_peaks,
    rmin_peaks,
    segment_minima,
    significance_scores,
    smooth_rmin,
)
from .spreading import SpreadResult, mst_edge_lengths, spread_labels

__all__ = [
    "SpreadResult",
    "spread_labels",
    "mst_edge_lengths",
    "PEAK_RULES",
    "DEFAULT_SIGNIFICANCE",
    "RminPeaks",
    "rmin_peaks",
    "find_rmin_peaks",
    "find_study_peaks",
    "significance_scores",
    "smooth_rmin",
    "segment_minima",
    "ILSClustering",
    "SKLEARN_EXPECTED_FAILED_CHECKS",
    "NOISE_SHARE",
    "beyond_noise",
    "gap_statistics",
    "mst_gap_reference",
    "noise_reference",
    "noise_summary",
    "compare_peak_rules",
]

"""Designing a colour: calibrated uncertainty for every prediction, and the size a synthesis must hold.

:mod:`~siqd_utils.design.conformal`
    Conformal prediction intervals (wavelength) and sets (classes) from MAPIE's
    cross-conformal estimators, each dot's interval or set computed by a model that never
    saw it (outer folds), so that coverage is measured, not assumed.
:mod:`~siqd_utils.design.windows`
    The inverse question: for a colour band, the range of diameters within which at least a
    given share of dots emit inside the band, counting each dot's interval.
"""

from .conformal import LEVELS, HeldOutIntervals, HeldOutSets, held_out_intervals, held_out_sets
from .windows import Window, band_windows, design_window, inside_band

__all__ = ["LEVELS", "HeldOutIntervals", "HeldOutSets", "Window", "band_windows", "design_window",
           "held_out_intervals", "held_out_sets", "inside_band"]

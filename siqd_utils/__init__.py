"""Utilities for the SiQD book, one module (or subpackage) per step of the study.

Chapter by chapter
------------------
01 data
    :mod:`~siqd_utils.datasets` (the ensemble table, its schema and checksums, the
    study's reported numbers); :mod:`~siqd_utils.reconstruct` (how the ensemble is
    built from first principles, and :func:`~siqd_utils.reconstruct.featurize` for
    anyone's structures).
02 correlations
    :mod:`~siqd_utils.preprocessing` (the analysis set: outliers, scaling, the drop rule).
03 structure classes
    :mod:`~siqd_utils.ils` (Iterative Label Spreading); :mod:`~siqd_utils.classes`
    (the structure label sets and their spectral purity).
04 property classes
    :mod:`~siqd_utils.bands` (the six colour bands); :mod:`~siqd_utils.classes`.
05 classification, 06 regression
    :mod:`~siqd_utils.models` (searches, evaluation, network weights).
07 conclusions
    :mod:`~siqd_utils.report` (metrics files, tables, every verdict rule).

Across chapters
---------------
:mod:`~siqd_utils.plotting` (one module per figure family), :mod:`~siqd_utils.book`
(the runner: profiles, parameters, cache), :mod:`~siqd_utils.atomic` (atomic writes).
"""

__version__ = "0.1.0"

"""One ILS pass: spread labels from the labelled points to all others.

:func:`spread_labels` is the spreading step of Iterative Label Spreading
(Parker & Barnard, *Adv. Theory Simul.* 2019): while unlabelled points remain,
the closest (labelled, unlabelled) pair is found, the unlabelled point copies
the label and the distance ``R_min`` is recorded.  This module holds the result
type (:class:`SpreadResult`), the O(n^2)-time, O(n d)-memory multi-source Prim
that reproduces the reference loop exactly, ties included, and the choice
between it and the sub-quadratic path of :mod:`~siqd_utils.ils.tree`.  Sorted,
the ``R_min`` of a one-seed pass are the edge lengths of a Euclidean minimum
spanning tree (:func:`mst_edge_lengths`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distances import check_labels, check_points, sqdist_to_point
from .tree import TreeDeclined, spread_tree

__all__ = ["SpreadResult", "spread_labels", "mst_edge_lengths",
           "AUTO_TREE_MIN_SAMPLES", "AUTO_TREE_MAX_FEATURES"]

#: ``method="auto"`` uses the tree path from this many points on.
AUTO_TREE_MIN_SAMPLES = 500
#: ... and only up to this many features (k-d trees lose their edge beyond).
AUTO_TREE_MAX_FEATURES = 8


@dataclass(frozen=True)
class SpreadResult:
    """Outcome of :func:`spread_labels`.

    All arrays are read-only.  ``order``, ``rmin`` and ``source`` have one entry
    per point that was unlabelled on input, in the order in which the points
    received their label.

    Attributes
    ----------
    labels : ndarray of shape (n_samples,), dtype int64
        Final label of every point (all positive).
    order : ndarray of shape (n_unlabelled,), dtype int64
        Data indices of the initially unlabelled points, in labelling order.
    rmin : ndarray of shape (n_unlabelled,), dtype float64
        ``rmin[i]`` is the distance at which ``order[i]`` was labelled.  Entry
        ``i`` belongs to point ``order[i]``, not to data point ``i``.
    source : ndarray of shape (n_unlabelled,), dtype int64
        ``source[i]`` is the data index of the labelled point whose label
        ``order[i]`` copied.
    """

    labels: np.ndarray
    order: np.ndarray
    rmin: np.ndarray
    source: np.ndarray

    def __post_init__(self):
        for name in ("labels", "order", "rmin", "source"):
            arr = getattr(self, name)
            if arr.flags.writeable:
                arr.flags.writeable = False

    def __len__(self):
        return len(self.order)


def _spread_prim(X, lab):
    """Reference-exact spreading in O(n^2) time and O(n d) extra memory.

    For every unlabelled point we keep the distance to its nearest labelled
    point (``best_d``), the labelling rank ("row") of that point
    (``best_row``) and its index (``best_src``).  A newly labelled point gets
    the next row, so updating only on a *strictly* smaller distance keeps, among
    equally near labelled points, the one labelled earliest.  Each step picks the
    unlabelled point with the smallest ``(best_d, best_row, index)``, which is
    exactly the first minimum of the reference loop's row-major ``argmin`` over
    the labelled x unlabelled distance matrix (rows: seeds in data order, then
    points in labelling order; columns: unlabelled points in data order).
    """
    n, d = X.shape
    seeds = np.flatnonzero(lab > 0)
    unl = np.flatnonzero(lab == 0)
    m = unl.size
    order = np.empty(m, dtype=np.int64)
    rmin = np.empty(m, dtype=np.float64)
    source = np.empty(m, dtype=np.int64)
    if m == 0:
        return lab, order, rmin, source

    # Compacted state of the unlabelled points; removal swaps with the last slot.
    XT = np.ascontiguousarray(X[unl].T)  # (d, m)
    idx = unl.copy()
    best_d = np.full(m, np.inf)
    best_row = np.zeros(m, dtype=np.int64)
    best_src = np.full(m, -1, dtype=np.int64)

    def relax(x, row, src, mm):
        dist = np.sqrt(sqdist_to_point(XT[:, :mm], x))
        bd = best_d[:mm]
        mask = dist < bd
        np.copyto(bd, dist, where=mask)
        np.copyto(best_row[:mm], row, where=mask)
        np.copyto(best_src[:mm], src, where=mask)

    for row, s in enumerate(seeds):
        relax(X[s], row, s, m)

    row = seeds.size
    mm = m
    for step in range(m):
        bd = best_d[:mm]
        p = int(bd.argmin())
        dmin = bd[p]
        if mm > 1:
            ties = np.flatnonzero(bd == dmin)
            if ties.size > 1:
                rows = best_row[ties]
                ties = ties[rows == rows.min()]
                if ties.size > 1:
                    ties = ties[np.argsort(idx[ties], kind="stable")]
                p = int(ties[0])
        j = int(idx[p])
        src = int(best_src[p])
        order[step] = j
        rmin[step] = dmin
        source[step] = src
        lab[j] = lab[src]
        x = XT[:, p].copy()
        last = mm - 1
        if p != last:
            XT[:, p] = XT[:, last]
            best_d[p] = best_d[last]
            best_row[p] = best_row[last]
            best_src[p] = best_src[last]
            idx[p] = idx[last]
        mm = last
        if mm == 0:
            break
        relax(x, row, j, mm)
        row += 1
    return lab, order, rmin, source


def spread_labels(X, labels, *, method="auto"):
    """Spread labels from the labelled points to all others (one ILS pass).

    While unlabelled points remain, the closest (Euclidean) pair made of one
    labelled and one unlabelled point is found; the unlabelled point copies the
    label and the pair's distance is recorded.  Ties are broken by the smallest
    distance, then by the labelled point that was labelled earliest (initial
    labels count as labelled in index order), then by the smallest index of the
    unlabelled point - exactly the first minimum of a row-major ``argmin`` over
    the labelled x unlabelled distance matrix in the reference loop.

    This is multi-source Prim on the complete graph: with one seed, ``order`` is
    Prim's order and ``rmin`` the Prim edge weights; the sorted ``rmin`` equal
    the sorted minimum spanning forest weights.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Points; finite, at least 2.
    labels : array-like of int, shape (n_samples,)
        0 for unlabelled points, a positive integer for given labels.  At least
        one point must be labelled.
    method : {"auto", "prim", "tree"}, default="auto"
        ``"prim"``: :math:`O(n^2)` time, :math:`O(n d)` memory, incremental
        nearest-labelled distances (never the full distance matrix).
        ``"tree"``: exact sub-quadratic path (k-d tree Boruvka for the union of
        all minimum spanning trees, then Prim with the same tie keys on that
        sparse graph); falls back to ``"prim"`` in the one case it cannot
        handle (two distinct points at distance exactly 0 through underflow).
        ``"auto"``: ``"tree"`` for ``n_samples >= 500`` and
        ``n_features <= 8``, else ``"prim"``.  All give identical results.

    Returns
    -------
    SpreadResult
        Frozen result with ``labels``, ``order``, ``rmin`` and ``source``.

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D array with at least 2 points and 1
        feature (or has coordinates above 1e150 in magnitude, whose squared
        distances would overflow), if ``labels`` has the wrong length,
        negative or non-integer values, or no labelled point, or if ``method``
        is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(9.0).reshape(-1, 1)
    >>> labels = np.zeros(9, dtype=int); labels[4] = 1
    >>> spread_labels(X, labels).order.tolist()
    [3, 5, 2, 6, 1, 7, 0, 8]
    """
    if method not in ("auto", "prim", "tree"):
        raise ValueError(f"method must be 'auto', 'prim' or 'tree'; got {method!r}.")
    X = check_points(X)
    n, d = X.shape
    lab = check_labels(labels, n)
    if method == "auto":
        method = (
            "tree" if n >= AUTO_TREE_MIN_SAMPLES and d <= AUTO_TREE_MAX_FEATURES else "prim"
        )
    out = None
    if method == "tree" and (lab == 0).any():
        try:
            out = spread_tree(X, lab)
        except TreeDeclined:
            out = None
    if out is None:
        out = _spread_prim(X, lab.copy())
    labels_out, order, rmin, source = out
    return SpreadResult(labels=labels_out, order=order, rmin=rmin, source=source)


def mst_edge_lengths(X):
    """Sorted edge lengths of a Euclidean minimum spanning tree of ``X``.

    These are the first-pass ``R_min`` values of ILS from any single seed,
    sorted: the seed changes the order of the curve, never its values.  A gap
    between clusters shows up as a few edges much longer than the rest; a
    smooth rise without a jump means no density gap (use it to ask "is there
    any gap at all?" before reading peaks).  Ties are exact (see
    :mod:`~siqd_utils.ils.distances`).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Finite points, at least 2.

    Returns
    -------
    ndarray of shape (n_samples - 1,)
        The edge lengths, ascending.

    Examples
    --------
    >>> mst_edge_lengths([[0.0], [1.0], [3.0], [3.5]]).tolist()
    [0.5, 1.0, 2.0]
    """
    X = check_points(X)
    labels = np.zeros(X.shape[0], dtype=np.int64)
    labels[0] = 1
    return np.sort(spread_labels(X, labels).rmin)

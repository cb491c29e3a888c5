"""Iterative Label Spreading (ILS).

ILS (Parker & Barnard, *Adv. Theory Simul.* 2019; used in Parker & Barnard,
*Nanoscale Horiz.* 2021, 6, 277) labels a data set one point at a time: while
unlabelled points remain, the closest pair made of one labelled and one
unlabelled point is found, the unlabelled point copies the label, and the
distance of that pair, ``R_min``, is recorded.  Plotted against the labelling
step, ``R_min`` shows dense regions as troughs and the jump from one cluster to
the next as a peak.  Splitting the plot at its significant peaks and spreading
again from one dense seed per region clusters the data and estimates the number
of clusters.

This module has two layers:

:func:`spread_labels`
    The spreading itself (any number of seeds), exact to the reference loop,
    in :math:`O(n^2)` time and :math:`O(n)` extra memory, with an exact
    sub-quadratic path for large data sets.
:class:`ILSClustering`
    A scikit-learn clusterer built on it: first pass from one seed, peak
    finding on the ``R_min`` curve, second pass from one seed per region.

The module depends on NumPy, SciPy, scikit-learn and (for
:meth:`ILSClustering.check_clusters` only) pandas; it imports nothing else from
:mod:`siqd_utils`.

Distances
---------
Every distance is the Euclidean distance computed from direct differences,
``sqrt(sum_k (x_k - y_k)**2)`` with the squares added left to right in feature
order (the same arithmetic as :func:`scipy.spatial.distance.cdist`).  Exact
duplicates are therefore exactly 0 apart, and both spreading paths compute
bit-identical distances, which makes exact ties reproducible.  The expansion
``|x|^2 - 2 x.y + |y|^2`` used by :func:`sklearn.metrics.pairwise_distances` is
never used (it gives small non-zero distances between duplicates).
"""

from __future__ import annotations

import bisect
import heapq
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import convolve, fftconvolve, peak_prominences
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "SpreadResult",
    "spread_labels",
    "find_rmin_peaks",
    "smooth_rmin",
    "ILSClustering",
    "SKLEARN_EXPECTED_FAILED_CHECKS",
]

#: ``method="auto"`` uses the tree path from this many points on.
AUTO_TREE_MIN_SAMPLES = 500
#: ... and only up to this many features (k-d trees lose their edge beyond).
AUTO_TREE_MAX_FEATURES = 8
#: Coordinates larger than this (in absolute value) could overflow a squared
#: distance; such input is rejected.
_MAX_ABS_COORD = 1e150


# --------------------------------------------------------------------------
# Result type and input validation
# --------------------------------------------------------------------------


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


def _check_points(X, *, name="X"):
    """Return ``X`` as a C-contiguous float64 (n, d) array, or raise ValueError."""
    X = np.asarray(X)
    if X.dtype.kind == "c":
        raise ValueError(f"{name} must be real; got complex dtype {X.dtype}.")
    if X.dtype.kind not in "biuf":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric; got dtype {X.dtype}.") from exc
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); "
            f"got an array with {X.ndim} dimension(s)."
        )
    n, d = X.shape
    if n < 2:
        raise ValueError(f"{name} has {n} sample(s); ILS needs at least 2 points.")
    if d < 1:
        raise ValueError(f"{name} has 0 features; at least 1 is required.")
    X = np.ascontiguousarray(X, dtype=np.float64)
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at row {bad[0]}, column {bad[1]}: "
            f"{X[bad[0], bad[1]]!r}); ILS needs finite coordinates."
        )
    big = float(np.abs(X).max())
    if big > _MAX_ABS_COORD:
        raise ValueError(
            f"{name} has a coordinate of magnitude {big:.3g}; squared distances would "
            f"overflow. Rescale the data (|x| <= {_MAX_ABS_COORD:.0e})."
        )
    return X


def _check_labels(labels, n):
    """Return ``labels`` as an int64 array of length ``n``, or raise ValueError."""
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise ValueError(f"labels must be a 1-D array; got shape {lab.shape}.")
    if lab.shape[0] != n:
        raise ValueError(
            f"labels has length {lab.shape[0]} but X has {n} samples; they must match."
        )
    if lab.dtype.kind == "b":
        lab = lab.astype(np.int64)
    elif lab.dtype.kind == "f":
        if not np.all(np.isfinite(lab)) or np.any(lab != np.round(lab)):
            raise ValueError("labels must be integers (0 = unlabelled, >0 = label).")
        lab = lab.astype(np.int64)
    elif lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers; got dtype {lab.dtype}.")
    lab = np.array(lab, dtype=np.int64)  # copy
    if (lab < 0).any():
        first = int(np.flatnonzero(lab < 0)[0])
        raise ValueError(
            f"labels must be >= 0 (0 = unlabelled); labels[{first}] = {lab[first]}."
        )
    if not (lab > 0).any():
        raise ValueError("labels has no labelled point (all 0); give at least one seed.")
    return lab


# --------------------------------------------------------------------------
# Canonical distances
# --------------------------------------------------------------------------


def _sqdist_to_point(XT, x):
    """Squared distances from ``x`` (d,) to the columns of ``XT`` (d, m).

    The squares are summed left to right in feature order with element-wise
    additions, so the result does not depend on array sizes or layouts.
    """
    D = XT - x[:, None]
    np.multiply(D, D, out=D)
    if D.shape[0] == 1:
        return D[0]
    acc = np.add(D[0], D[1])
    for k in range(2, D.shape[0]):
        acc += D[k]
    return acc


def _pair_dist(YT, i, j, chunk=1 << 20):
    """Euclidean distances between points ``i`` and ``j`` (index arrays).

    ``YT`` is the (d, m) transposed, C-contiguous coordinate array.  Same
    arithmetic as :func:`_sqdist_to_point`, followed by a square root.
    """
    out = np.empty(len(i), dtype=np.float64)
    d = YT.shape[0]
    for s in range(0, len(i), chunk):
        ii = i[s : s + chunk]
        jj = j[s : s + chunk]
        acc = None
        for k in range(d):
            col = YT[k]
            t = col[ii] - col[jj]
            t *= t
            if acc is None:
                acc = t
            else:
                acc += t
        np.sqrt(acc, out=out[s : s + chunk])
    return out


# --------------------------------------------------------------------------
# Path 1: O(n^2) multi-source Prim
# --------------------------------------------------------------------------


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
        dist = np.sqrt(_sqdist_to_point(XT[:, :mm], x))
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


# --------------------------------------------------------------------------
# Path 2: exact sub-quadratic path (MST-union + Prim order on it)
# --------------------------------------------------------------------------
#
# Why this is exact (the argument the tests check numerically)
# ------------------------------------------------------------
# Let K be the complete graph on the points with Euclidean weights.  The
# reference loop is multi-source Prim on K: with L the labelled set, each step
# takes, among the edges crossing the cut (L, V \ L), one of minimum weight w*,
# choosing by the key (w*, row of the labelled end, index of the unlabelled
# end).  The choice depends only on the set of crossing edges *of weight w**.
#
# Call an edge e = (u, v) *MST-relevant* if no u-v path in K uses only edges
# strictly lighter than e; these are exactly the edges that belong to at least
# one minimum spanning tree (the "MST union", E').  Cut property: every
# minimum-weight edge crossing any cut is MST-relevant (a lighter u-v path would
# have to cross the cut with a lighter edge).  So for every cut, the set of
# minimum-weight crossing edges is the same in E' as in K, and Prim on E' with
# the same tie keys makes the same choice at every step, records the same
# distance and source, and assigns the same rows - by induction, the whole run
# is identical.  When all distances are distinct, E' is the unique MST; with
# ties E' can be larger, and using E' (not just *one* MST) is what makes the
# tie rule come out right, e.g. on lattices.
#
# Computing E' (Boruvka with tie sets): run Boruvka with a strict total order
# (weight, smaller index, larger index) to pick one edge per component and
# round - this builds one MST T - and, for every component X in every round,
# also record *all* edges leaving X whose weight equals X's minimum outgoing
# weight m_X.  Each recorded edge is a minimum crossing edge of (X, V \ X), so it
# is MST-relevant.  Conversely, let e = (u, v) be MST-relevant but not in T, of
# weight w; the T-path from u to v has maximum weight w.  Take the last round
# R in which a weight-w edge of that path is chosen, and the components at the
# start of R that choose a weight-w edge of the cycle Z = e + path.  Such a
# component X has m_X = w, so Z crosses its boundary only through weight-w
# edges.  If e is one of them, e is recorded for X.  Otherwise each of X's
# boundary edges on Z other than the one X chose must be chosen in round R by
# the component on its other side (R is the last round for them); counting
# shows that every such component has exactly two boundary edges on Z and
# chooses the one towards a neighbour that did not choose it, so the choices
# would contain a directed cycle - impossible with a strict total order.  Hence
# e is recorded, and the recorded edges are exactly E'.
#
# Finding each component's minimum outgoing edges exactly: every point keeps
# its k nearest neighbours (a k-d tree query) and a *coverage radius* rho (all
# points closer than rho are in its list; a relative slack of 1e-9 absorbs the
# k-d tree's own rounding, all weights are recomputed with the canonical
# formula).  An edge missing from both endpoints' lists is at least as long as
# both radii, so the listed minimum of X is exact, ties included, once every
# point of X has rho > m_X.  Points with rho <= m_X get longer lists (small
# components) or, for large components, the exact minimum is found by querying
# the other side's candidate points against a k-d tree of X's deficient points
# (a point j with rho_j > m_X already lists its short edges).
#
# Duplicates: exact duplicates are collapsed to one node before all this.  In
# the reference, once the first member of a duplicate group is labelled its
# remaining members follow at distance 0, in index order, all copying that first
# member (it has the lowest row of the group, and every other point sees all
# members at the same distance).  Seeds inside a group behave the same way, the
# group's lowest-index seed playing the first member.  The Prim below does
# exactly this.  If two *different* points are at distance 0 (possible only
# through floating-point underflow of tiny differences) the tree path declines
# and the O(n^2) path is used.

_KNN_K = 6  # list length k of the initial k-nearest-neighbour query
_K_CAP = 256  # per-point lists longer than this give way to the component search
_SLACK = 1e-9  # relative slack between k-d tree distances and canonical ones
_TINY = 1e-300


def _w(workers, n_queries):
    """Threads for a k-d tree query: starting threads costs more than small queries."""
    return workers if n_queries >= 10_000 else 1


class _TreeDeclined(Exception):
    """The tree path cannot reproduce the reference exactly (zero-length edge)."""


def _mst_union(Y, workers=-1):
    """All edges of all Euclidean minimum spanning trees of the distinct points Y.

    Returns ``(a, b, w)`` with ``a < b`` (indices into ``Y``) and canonical
    weights ``w``.  The set does not depend on the order of the points, so the
    work is done on the points renumbered in k-d tree leaf order (neighbours get
    nearby numbers, which makes every query and gather cache-friendly).
    """
    m = Y.shape[0]
    if m < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    perm = np.asarray(cKDTree(Y).indices, dtype=np.int64)
    a, b, w = _mst_union_core(np.ascontiguousarray(Y[perm]), workers)
    a = perm[a]
    b = perm[b]
    return np.minimum(a, b), np.maximum(a, b), w


def _mst_union_core(Y, workers):
    m, d = Y.shape
    itype = np.int32 if m < 2**31 - 1 else np.int64
    YT = np.ascontiguousarray(Y.T)
    tree = cKDTree(Y)
    all_idx = np.arange(m, dtype=itype)

    # ---- initial lists -------------------------------------------------
    k = min(_KNN_K, m - 1)
    dd, ii = tree.query(Y, k=k + 1, workers=_w(workers, m))
    ii = ii.astype(itype, copy=False)
    selfmask = ii == all_idx[:, None]
    has_self = selfmask.any(axis=1)
    if not has_self.all():  # only with many points at k-d distance 0
        selfmask[~has_self, -1] = True
    nbr = ii[~selfmask].reshape(m, k)
    if k + 1 >= m:
        rho = np.full(m, np.inf)
    else:
        rad = np.where(has_self, dd[:, -1], dd[:, -2])
        rho = rad * (1.0 - _SLACK)
    del dd, ii, selfmask
    kcur = np.full(m, k, dtype=np.int64)

    E_src = np.repeat(all_idx, k)
    E_dst = nbr.ravel()
    del nbr
    E_w = _pair_dist(YT, E_src, E_dst)
    if (E_w == 0).any():
        raise _TreeDeclined

    comp = all_idx.copy()  # component label of every point
    n_comp = m
    rec_a, rec_b, rec_w = [], [], []

    while n_comp > 1:
        # drop edges that became internal; they never cross a cut again
        cs = comp[E_src]
        cd = comp[E_dst]
        keep = cs != cd
        if not keep.all():
            E_src, E_dst, E_w, cs, cd = E_src[keep], E_dst[keep], E_w[keep], cs[keep], cd[keep]

        sizes = np.bincount(comp, minlength=n_comp)
        members_order = np.argsort(comp, kind="stable")
        starts = np.concatenate(([0], np.cumsum(sizes)))
        certified = np.zeros(n_comp, dtype=bool)

        while True:
            mX = np.full(n_comp, np.inf)
            np.minimum.at(mX, cs, E_w)
            np.minimum.at(mX, cd, E_w)
            deficient = (rho <= mX[comp]) & ~certified[comp]
            if not deficient.any():
                break
            dpts = np.flatnonzero(deficient)
            dcomp = comp[dpts]
            big = sizes[dcomp] + _KNN_K >= _K_CAP
            big |= kcur[dpts] >= _K_CAP
            big_comps = np.unique(dcomp[big])
            # large components (or lists already at the cap): search from the other side
            for c in big_comps:
                new = _component_search(
                    Y, YT, comp, c, members_order[starts[c] : starts[c + 1]], rho, mX[c], workers
                )
                certified[c] = True
                if new is not None:
                    E_src, E_dst, E_w, cs, cd = _append_edges(
                        comp, (E_src, E_dst, E_w, cs, cd), new
                    )
            # small components: longer lists
            small = dpts[~np.isin(dcomp, big_comps)]
            if small.size:
                newk = np.minimum(
                    np.maximum(4 * kcur[small], sizes[comp[small]] + _KNN_K + 1), min(_K_CAP, m)
                )
                for kk in np.unique(newk):
                    pts = small[newk == kk]
                    new = _extend_lists(Y, YT, tree, comp, pts, int(kk), rho, kcur, workers)
                    if new is not None:
                        E_src, E_dst, E_w, cs, cd = _append_edges(
                            comp, (E_src, E_dst, E_w, cs, cd), new
                        )

        mX = np.full(n_comp, np.inf)
        np.minimum.at(mX, cs, E_w)
        np.minimum.at(mX, cd, E_w)
        # all edges at their component's minimum weight (tie sets)
        t_s = E_w == mX[cs]
        t_d = E_w == mX[cd]
        tie = t_s | t_d
        rec_a.append(np.minimum(E_src[tie], E_dst[tie]))
        rec_b.append(np.maximum(E_src[tie], E_dst[tie]))
        rec_w.append(E_w[tie])
        # one edge per component under the strict order (w, a, b)
        lo_e = np.minimum(E_src, E_dst)
        hi_e = np.maximum(E_src, E_dst)
        owner = np.concatenate((cs[t_s], cd[t_d]))
        oa = np.concatenate((lo_e[t_s], lo_e[t_d]))
        ob = np.concatenate((hi_e[t_s], hi_e[t_d]))
        srt = np.lexsort((ob, oa, owner))
        owner, oa, ob = owner[srt], oa[srt], ob[srt]
        first = np.ones(owner.size, dtype=bool)
        first[1:] = owner[1:] != owner[:-1]
        owner, ca, cb = owner[first], comp[oa[first]], comp[ob[first]]
        # merge: every component points to the component at the other end of its
        # edge.  With a strict order the only cycles are pairs choosing the same
        # edge; rooting each pair at its smaller label leaves a forest, which
        # pointer jumping collapses to its roots.
        cidx = np.arange(n_comp)
        parent = cidx.copy()
        parent[owner] = np.where(ca == owner, cb, ca)
        mutual = parent[parent] == cidx
        parent[mutual] = np.minimum(cidx, parent)[mutual]
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
        roots, relabel = np.unique(parent, return_inverse=True)
        if roots.size >= n_comp:  # pragma: no cover - cannot happen
            raise RuntimeError("Boruvka round made no progress")
        comp = relabel[comp].astype(itype, copy=False)
        n_comp = roots.size

    a = np.concatenate(rec_a).astype(np.int64)
    b = np.concatenate(rec_b).astype(np.int64)
    w = np.concatenate(rec_w)
    key = a * m + b
    _, first = np.unique(key, return_index=True)
    return a[first], b[first], w[first]


def _append_edges(comp, E, new):
    E_src, E_dst, E_w, cs, cd = E
    ns, nd_, nw = new
    return (
        np.concatenate((E_src, ns)),
        np.concatenate((E_dst, nd_)),
        np.concatenate((E_w, nw)),
        np.concatenate((cs, comp[ns])),
        np.concatenate((cd, comp[nd_])),
    )


def _extend_lists(Y, YT, tree, comp, pts, k, rho, kcur, workers):
    """Query ``k`` neighbours for ``pts``; keep foreign edges, raise coverage."""
    m = Y.shape[0]
    out_s, out_d = [], []
    chunk = max(1, 4_000_000 // k)
    for s in range(0, pts.size, chunk):
        p = pts[s : s + chunk]
        dd, ii = tree.query(Y[p], k=k, workers=_w(workers, p.size * k // 10))
        ii = ii.astype(comp.dtype, copy=False)
        if k >= m:
            rho[p] = np.inf
        else:
            rho[p] = dd[:, -1] * (1.0 - _SLACK)
        foreign = comp[ii] != comp[p][:, None]
        rows = np.broadcast_to(p[:, None], ii.shape)[foreign]
        out_s.append(rows)
        out_d.append(ii[foreign])
    kcur[pts] = k
    src = np.concatenate(out_s)
    dst = np.concatenate(out_d)
    if src.size == 0:
        return None
    w = _pair_dist(YT, src, dst)
    if (w == 0).any():
        raise _TreeDeclined
    return src, dst, w


def _component_search(Y, YT, comp, c, members, rho, m_listed, workers):
    """Exact minimum outgoing edges of component ``c`` (all ties).

    Only pairs (i in c, j outside) with rho_i and rho_j both <= the current
    upper bound can be missing from the lists; they are searched with a k-d
    tree over the deficient members of ``c``.
    """
    outside = np.flatnonzero(comp != c)
    ub = m_listed
    if not np.isfinite(ub):
        # a finite upper bound from a few outside points
        sub = cKDTree(Y[members])
        step = max(1, outside.size // 256)
        probe = outside[::step]
        _, jj = sub.query(Y[probe], k=1, workers=_w(workers, probe.size))
        ub = float(_pair_dist(YT, members[jj], probe).min())
    D = members[rho[members] <= ub]
    if D.size == 0:
        return None
    F = outside[rho[outside] <= ub]
    if F.size == 0:
        return None
    r = ub * (1.0 + _SLACK) + _TINY
    # bounding box of D grown by r; the extra 1e-12 * |coordinate| keeps the
    # rounding of the subtraction/addition from excluding a boundary point
    YD = Y[D]
    pad = r + 1e-12 * np.abs(YD).max()
    lo = YD.min(axis=0) - pad
    hi = YD.max(axis=0) + pad
    YF = Y[F]
    inbox = np.all((YF >= lo) & (YF <= hi), axis=1)
    F = F[inbox]
    if F.size == 0:
        return None
    treeD = cKDTree(Y[D])
    dd, jj = treeD.query(Y[F], k=1, distance_upper_bound=r, workers=_w(workers, F.size))
    hit = np.isfinite(dd)
    if not hit.any():
        return None
    w = _pair_dist(YT, D[jj[hit]], F[hit])
    if (w == 0).any():
        raise _TreeDeclined
    wmin = min(float(w.min()), float(m_listed))
    r2 = wmin * (1.0 + _SLACK) + _TINY
    F2 = F[hit & (dd <= r2)]
    if F2.size == 0:
        return None
    lists = treeD.query_ball_point(Y[F2], r2, workers=_w(workers, F2.size))
    lens = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    if lens.sum() == 0:
        return None
    jdx = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists if len(x)])
    src = D[jdx]
    dst = np.repeat(F2, lens)
    w = _pair_dist(YT, src, dst)
    keep = w <= wmin
    if not keep.any():
        return None
    return src[keep], dst[keep], w[keep]


def _spread_tree(X, lab):
    """Exact spreading via the MST union (see the comment block above)."""
    n, d = X.shape
    Yu, inv = np.unique(X, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    m = Yu.shape[0]
    a, b, w = _mst_union(Yu)
    if (w == 0).any():
        raise _TreeDeclined

    # group members in index order
    gorder = np.argsort(inv, kind="stable")
    gcount = np.bincount(inv, minlength=m)
    gptr = np.concatenate(([0], np.cumsum(gcount)))
    minidx = gorder[gptr[:-1]]

    # adjacency (CSR over groups)
    src = np.concatenate((a, b))
    dst = np.concatenate((b, a))
    ww = np.concatenate((w, w))
    srt = np.argsort(src, kind="stable")
    adj_ptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=m)))).tolist()
    adj_dst = dst[srt].tolist()
    adj_w = ww[srt].tolist()
    gorder_l = gorder.tolist()
    gptr_l = gptr.tolist()
    minidx_l = minidx.tolist()
    inv_l = inv.tolist()
    lab_l = lab.tolist()

    labelled = [False] * m
    grow = [0] * m  # row of the group's first labelled member
    ghub = [0] * m  # that member's data index
    order_l, rmin_l, src_l = [], [], []
    row = 0
    seeds = np.flatnonzero(lab > 0).tolist()
    seed_groups = []
    for s in seeds:
        g = inv_l[s]
        if not labelled[g]:
            labelled[g] = True
            grow[g] = row
            ghub[g] = s
            seed_groups.append(g)
        row += 1
    # remaining members of seed groups: distance 0, group by group
    for g in seed_groups:
        hub = ghub[g]
        for j in gorder_l[gptr_l[g] : gptr_l[g + 1]]:
            if lab_l[j] == 0:
                lab_l[j] = lab_l[hub]
                order_l.append(j)
                rmin_l.append(0.0)
                src_l.append(hub)
                row += 1

    heap = []
    push = heapq.heappush
    pop = heapq.heappop
    for g in seed_groups:
        r_g = grow[g]
        hub = ghub[g]
        for e in range(adj_ptr[g], adj_ptr[g + 1]):
            q = adj_dst[e]
            if not labelled[q]:
                push(heap, (adj_w[e], r_g, minidx_l[q], q, hub))

    while heap:
        wq, _, jq, q, hub = pop(heap)
        if labelled[q]:
            continue
        labelled[q] = True
        lbl = lab_l[hub]
        lab_l[jq] = lbl
        order_l.append(jq)
        rmin_l.append(wq)
        src_l.append(hub)
        grow[q] = row
        ghub[q] = jq
        row += 1
        if gptr_l[q + 1] - gptr_l[q] > 1:
            for j in gorder_l[gptr_l[q] + 1 : gptr_l[q + 1]]:
                lab_l[j] = lbl
                order_l.append(j)
                rmin_l.append(0.0)
                src_l.append(jq)
                row += 1
        r_q = grow[q]
        for e in range(adj_ptr[q], adj_ptr[q + 1]):
            t = adj_dst[e]
            if not labelled[t]:
                push(heap, (adj_w[e], r_q, minidx_l[t], t, jq))

    order = np.asarray(order_l, dtype=np.int64)
    if order.size != int((lab == 0).sum()):  # pragma: no cover - defensive
        raise RuntimeError("tree path did not label every point")
    return (
        np.asarray(lab_l, dtype=np.int64),
        order,
        np.asarray(rmin_l, dtype=np.float64),
        np.asarray(src_l, dtype=np.int64),
    )


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
    X = _check_points(X)
    n, d = X.shape
    lab = _check_labels(labels, n)
    if method == "auto":
        method = (
            "tree" if n >= AUTO_TREE_MIN_SAMPLES and d <= AUTO_TREE_MAX_FEATURES else "prim"
        )
    out = None
    if method == "tree" and (lab == 0).any():
        try:
            out = _spread_tree(X, lab)
        except _TreeDeclined:
            out = None
    if out is None:
        out = _spread_prim(X, lab.copy())
    labels_out, order, rmin, source = out
    return SpreadResult(labels=labels_out, order=order, rmin=rmin, source=source)


# --------------------------------------------------------------------------
# Peak finding on the R_min curve
# --------------------------------------------------------------------------


def smooth_rmin(rmin, min_cluster_size=15):
    """Smooth an ``R_min`` curve as the peak finding does.

    A Gaussian of standard deviation ``min_cluster_size`` points, truncated at
    4 standard deviations, with the end values repeated beyond the ends
    (:func:`scipy.ndimage.gaussian_filter1d` with ``mode="nearest"``; for wide
    kernels the same convolution is done by FFT, since the direct one is
    O(n * p)).

    Parameters
    ----------
    rmin : array-like of shape (n_steps,)
        The curve.
    min_cluster_size : int, default=15
        Standard deviation of the Gaussian, in points.

    Returns
    -------
    ndarray of shape (n_steps,)
        The smoothed curve.
    """
    r = np.asarray(rmin, dtype=np.float64)
    sigma = float(min_cluster_size)
    if sigma <= 64 or r.size < 2:
        return gaussian_filter1d(r, sigma=sigma, mode="nearest")
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(r, radius, mode="edge")
    return fftconvolve(padded, kernel, mode="valid")


_smooth = smooth_rmin


def _ricker(points, a):
    """Ricker ("Mexican hat") wavelet of width ``a`` sampled at ``points`` points."""
    amp = 2.0 / (np.sqrt(3.0 * a) * np.pi**0.25)
    t = np.arange(points) - (points - 1.0) / 2.0
    t2 = t * t
    return amp * (1.0 - t2 / (a * a)) * np.exp(-t2 / (2.0 * a * a))


def _cwt_peaks(vector, width, min_snr=1.0, noise_perc=10.0):
    """:func:`scipy.signal.find_peaks_cwt` for a single wavelet width, in O(n).

    Same steps and defaults as ``find_peaks_cwt(vector, widths=[width])``: the
    Ricker transform of the vector, its strict local maxima (with one width
    every maximum is a ridge line), and the signal-to-noise filter, where the
    noise is the ``noise_perc``-th percentile of the transform in a window of
    ``ceil(n / 20)`` points around the maximum.  SciPy evaluates that
    percentile at every point of the vector, which is quadratic in n (about
    12 s at n = 100,000); here it is evaluated at the maxima only.
    """
    v = np.asarray(vector, dtype=np.float64)
    n = v.size
    npts = int(min(10 * width, n))
    row = convolve(v, _ricker(npts, width)[::-1], mode="same")
    inner = np.flatnonzero((row[1:-1] > row[:-2]) & (row[1:-1] > row[2:])) + 1
    window = int(np.ceil(n / 20))
    half, odd = divmod(window, 2)
    keep = []
    for c in inner.tolist():
        noise = np.percentile(row[max(c - half, 0) : min(c + half + odd, n)], noise_perc)
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = abs(row[c] / noise)
        if not snr < min_snr:
            keep.append(c)
    return np.asarray(keep, dtype=np.int64)


def _prominences(y, peaks):
    """Topographic prominence of ``y`` at ``peaks`` (0 where not a local maximum).

    The height above the higher of the two lowest points reached before the
    curve rises above the peak on either side (or ends).
    """
    peaks = np.asarray(peaks, dtype=np.intp)
    with warnings.catch_warnings():
        # scipy warns (PeakPropertyWarning, a RuntimeWarning) for 0 prominence
        warnings.filterwarnings("ignore", message=".*prominence of 0", category=RuntimeWarning)
        return peak_prominences(y, peaks)[0]


def find_rmin_peaks(rmin, min_cluster_size=15, *, significance=5.0, n_peaks=None):
    """Find the discontinuities between clusters in an ``R_min`` curve.

    Follows the peak finding of the original ILS code, with a significance test
    added so that structureless data give no peak:

    1. Smooth the curve with a Gaussian of standard deviation
       ``p = min_cluster_size`` points (the smallest cluster ILS can find).
    2. Find candidate peaks as :func:`scipy.signal.find_peaks_cwt` does with a
       single Ricker wavelet of width ``p`` (re-implemented: SciPy's version
       is quadratic in the curve length) on the smoothed curve, and move each
       to the highest smoothed value within ``p // 2`` positions.
    3. Drop candidates within ``p`` positions of either end.
    4. Score each candidate by the *prominence* of the smoothed curve at it (how
       far it rises above the higher of the two troughs that separate it from
       higher ground) in units of ``sigma / sqrt(p)``, the standard error of a
       ``p``-point mean, where ``sigma`` is the robust (MAD) standard deviation
       of the raw curve about its smoothed version.  This is D. Tan's
       "exceeds the window's mean + s * sd" rule moved to the smoothing scale:
       applied to single raw values it flags the spikes that uniform data
       produce, and misses the broad bump that separates two clusters joined by
       a chain.
    5. Merge candidates closer than ``3 p / 4``, keeping the higher score.
    6. Keep the candidates scoring above ``significance`` or, if ``n_peaks`` is
       given, the ``n_peaks`` best regardless of the threshold.
    7. Report each kept peak at the highest *raw* value within ``p`` of the
       smoothed maximum: the step at which the jump to the next region
       happens (the smoothed maximum lies a little before a sharp jump).

    Parameters
    ----------
    rmin : array-like of shape (n_steps,)
        The ``R_min`` curve in labelling order.
    min_cluster_size : int, default=15
        ``p``: smoothing width, end margin and merge distance.
    significance : float, default=5.0
        Threshold on the score of step 4.  Calibration (seeded trials, one
        first pass each): with ``p`` about 5 % of the data, as in the study,
        the best candidate on structureless data (uniform cube or one Gaussian,
        300 to 10,000 points, 2 to 10 dimensions) scored at most 4.3, while
        three 5-D Gaussian blobs 8 or 10 standard deviations apart and two
        blobs joined by a thin chain (the test data) scored 7 or more; blobs
        only 6 standard deviations apart scored down to 4.3 and can be missed.
        The null scores grow slowly with ``n / p`` (more candidates): with
        ``p = 15`` they reached 4 at ``n = 1,000`` in 5-D, 5.6 at
        ``n = 3,000`` and 6 to 9 in 10-D at ``n = 10,000``.  For such ratios
        raise ``min_cluster_size`` or ``significance``.
    n_peaks : int or None, default=None
        Return exactly this many peaks (the most significant ones).

    Returns
    -------
    positions : ndarray of int
        Sorted positions in ``rmin`` where a new region starts (step 7), all
        in ``[p, n_steps - p)``.
    scores : ndarray of float
        The score (step 4) of each returned peak.

    Raises
    ------
    ValueError
        If ``n_peaks`` peaks cannot be found.
    """
    r = np.asarray(rmin, dtype=np.float64)
    n = r.size
    p = int(min_cluster_size)
    cand = []
    if n >= 2 * p + 1 and p >= 1:
        sm = _smooth(r, p)
        if np.ptp(sm) > 0:
            for q in _cwt_peaks(sm, p):
                lo, hi = max(p, int(q) - p // 2), min(n - p, int(q) + p // 2 + 1)
                if lo < hi:
                    cand.append(lo + int(np.argmax(sm[lo:hi])))
        cand = sorted(set(cand))
    if cand:
        resid = r - sm
        sigma = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
        if sigma == 0.0:
            sigma = float(resid.std())
        prom = _prominences(sm, cand)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(prom > 0, prom / (sigma / np.sqrt(p)), 0.0)
        # merge candidates closer than 3p/4 (highest score first, then position)
        keep, kept_pos = [], []  # kept_pos stays sorted
        for i in np.lexsort((np.asarray(cand), -scores)):
            q = cand[i]
            t = bisect.bisect_left(kept_pos, q)
            near_left = t > 0 and q - kept_pos[t - 1] < 0.75 * p
            near_right = t < len(kept_pos) and kept_pos[t] - q < 0.75 * p
            if not (near_left or near_right):
                keep.append(i)
                kept_pos.insert(t, q)
        pos = np.asarray(cand, dtype=np.int64)[keep]
        sc = scores[keep]  # sorted by decreasing score
    else:
        pos = np.empty(0, dtype=np.int64)
        sc = np.empty(0)
    if n_peaks is None:
        sel = sc > significance
        pos, sc = pos[sel], sc[sel]
    else:
        n_peaks = int(n_peaks)
        if n_peaks > pos.size:
            raise ValueError(
                f"cannot split the R_min curve into {n_peaks + 1} regions: only "
                f"{pos.size + 1} region(s) of at least min_cluster_size={p} points were "
                "found. Lower n_clusters or min_cluster_size."
            )
        pos, sc = pos[:n_peaks], sc[:n_peaks]
    srt = np.argsort(pos, kind="stable")
    pos, sc = pos[srt], sc[srt]
    # step 7: the region starts at the jump itself - the highest raw value within
    # p of the smoothed peak (kept between the neighbouring peaks)
    out = pos.copy()
    for t, q in enumerate(pos):
        lo = max(p, q - p, (pos[t - 1] + q) // 2 + 1 if t else 0)
        hi = min(n - p, q + p + 1, (q + pos[t + 1]) // 2 + 1 if t + 1 < pos.size else n)
        out[t] = lo + int(np.argmax(r[lo:hi]))
    return out, sc


# --------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------


#: ``start="densest"`` ranks points by the distance to their k-th neighbour,
#: k = min(min_cluster_size, this).
_DENSEST_MAX_K = 16

#: Checks of :func:`sklearn.utils.estimator_checks.check_estimator` that
#: :class:`ILSClustering` is expected to fail, with the reason.
SKLEARN_EXPECTED_FAILED_CHECKS = {
    "check_clustering": (
        "ILS labels clusters 1..k (0 means 'unlabelled' in ILS); the check wants labels "
        "starting at 0 or -1."
    ),
}


class ILSClustering(ClusterMixin, BaseEstimator):
    """Iterative Label Spreading clustering (Parker & Barnard).

    ILS finds the number of clusters from the data: it spreads a label from one
    seed over the whole data set (first pass), splits the resulting ``R_min``
    curve at its significant peaks, puts one seed in the densest part of each
    region and spreads again from those seeds (second pass).  Only the second
    pass's labels are the clustering.

    Parameters
    ----------
    min_cluster_size : int, default=15
        ``p`` in the paper: the Gaussian smoothing width of the ``R_min``
        curve, the margin at both ends in which no peak is accepted and the
        minimum distance between peaks.  No cluster smaller than about ``p``
        points can be found.  Must be at least 2 and at most
        ``n_samples / 2``.  The study used 15 for 297 dots (about 5 %).
    n_clusters : int or None, default=None
        If given, force this many clusters: the ``n_clusters - 1`` most
        significant peaks are used whatever their score.
    significance : float, default=5.0
        A peak is kept if the smoothed curve rises above the troughs on both
        sides of it by more than ``significance`` standard errors of a
        ``p``-point mean (see :func:`find_rmin_peaks`, which also gives the
        calibration: the default suits ``min_cluster_size`` of about 5 % of
        the data).  Ignored when ``n_clusters`` is given.  Raise it to split
        less.
    start : {"densest", "centroid"} or int, default="densest"
        Seed of the first pass.  ``"densest"``: the point whose k-th nearest
        neighbour is closest, ``k = min(min_cluster_size, 16)`` (the core of
        the densest region, so the curve starts in a trough); ties go to the
        lowest index.  ``"centroid"``: the point closest to the mean.  An int
        is used as a data index.  The seed changes the shape of the first-pass
        curve, not its sorted values.
    metric : {"euclidean"}, default="euclidean"
        Only the Euclidean distance is supported.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,), dtype int64
        Cluster of each point, numbered ``1 .. n_clusters_`` in the order in
        which the clusters' seeds appear in the first pass (cluster 1 contains
        the first-pass seed's region).  0 is never used: in ILS it means
        "unlabelled".
    n_clusters_ : int
        Number of clusters found.
    start_ : int
        Data index of the first-pass seed.
    rmin_ : ndarray of shape (n_samples - 1,)
        First-pass ``R_min`` curve; ``rmin_[i]`` belongs to point ``order_[i]``.
    order_ : ndarray of shape (n_samples - 1,)
        First-pass labelling order (data indices).
    source_ : ndarray of shape (n_samples - 1,)
        First-pass source of each label (data indices).
    peaks_ : ndarray of int
        Positions in ``rmin_`` where a new region starts (sorted).
    peak_scores_ : ndarray of float
        Significance score of each peak in ``peaks_``.
    seeds_ : ndarray of shape (n_clusters_,)
        Data index of each cluster's seed; ``seeds_[c - 1]`` seeds cluster
        ``c``.
    rmin_final_ : ndarray of shape (n_samples - n_clusters_,)
        Second-pass ``R_min`` curve.
    order_final_ : ndarray of shape (n_samples - n_clusters_,)
        Second-pass labelling order.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    spread_labels : One ILS pass with any seeds.
    find_rmin_peaks : The peak finding used by :meth:`fit`.

    Notes
    -----
    Seeds of the second pass: in each region (a run of positions of the
    first-pass curve between two peaks) the seed is the point at the minimum of
    the smoothed curve - a run of low ``R_min`` values, i.e. a dense part.
    The position in the curve is mapped to a data index through ``order_``.

    Clusters smaller than ``p`` cannot produce a peak that survives the
    smoothing and the end margins, so they are merged into a neighbour;
    outliers take the label of the nearest cluster.

    Scikit-learn compatibility: the estimator passes
    :func:`sklearn.utils.estimator_checks.check_estimator` (run with
    ``parametrize_with_checks`` in the tests) with these exceptions:

    - ``check_clustering`` (both variants) is expected to fail (xfail): it
      requires labels to start at 0 (or -1 for noise); ILS labels start at 1
      by design, since 0 means "unlabelled" in the algorithm and the study.
      Everything else it asserts (shape, integer dtype, consecutive labels,
      ``fit_predict`` equal to ``labels_``, ARI > 0.4 on its blobs) holds.
      The reason is kept in :data:`SKLEARN_EXPECTED_FAILED_CHECKS`.
    - ``check_array_api_input`` is skipped by scikit-learn itself unless the
      environment variable ``SCIPY_ARRAY_API=1`` is set; the estimator does not
      declare array-API support (it converts input to NumPy float64).

    The checks use ``min_cluster_size=3``, because their data sets have 10 to
    20 samples and ``min_cluster_size > n_samples / 2`` is rejected.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 12])
    >>> est = ILSClustering(min_cluster_size=10).fit(X)
    >>> est.n_clusters_
    2
    >>> sorted(np.bincount(est.labels_)[1:].tolist())
    [60, 60]
    """

    _parameter_constraints: dict = {
        "min_cluster_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "significance": [Interval(numbers.Real, 0, None, closed="left")],
        "start": [
            StrOptions({"densest", "centroid"}),
            Interval(numbers.Integral, 0, None, closed="left"),
        ],
        "metric": [StrOptions({"euclidean"})],
    }

    def __init__(
        self,
        min_cluster_size=15,
        n_clusters=None,
        significance=5.0,
        start="densest",
        metric="euclidean",
    ):
        self.min_cluster_size = min_cluster_size
        self.n_clusters = n_clusters
        self.significance = significance
        self.start = start
        self.metric = metric

    def _start_index(self, X):
        n = X.shape[0]
        if isinstance(self.start, str):
            if self.start == "centroid":
                c = X.mean(axis=0)
                d2 = _sqdist_to_point(np.ascontiguousarray(X.T), c)
                return int(np.argmin(d2))
            k = min(self.min_cluster_size, _DENSEST_MAX_K, n - 1)
            tree = cKDTree(X)
            leaf_order = np.asarray(tree.indices)  # query in tree order: cache-friendly
            dist, _ = tree.query(X[leaf_order], k=k + 1)
            kth = np.empty(n)
            kth[leaf_order] = dist[:, -1]
            return int(np.argmin(kth))
        if self.start >= n:
            raise ValueError(f"start={self.start} is not a valid index for {n} samples.")
        return int(self.start)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Cluster ``X`` with ILS.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Finite data, at least 2 samples.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : ILSClustering
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        X = _check_points(X)
        n = X.shape[0]
        p = self.min_cluster_size
        if p > n / 2:
            raise ValueError(
                f"min_cluster_size={p} is larger than n_samples / 2 = {n / 2:g}; "
                "ILS needs at least two clusters' worth of points. Lower min_cluster_size."
            )
        if self.n_clusters is not None and self.n_clusters > n:
            raise ValueError(f"n_clusters={self.n_clusters} exceeds n_samples={n}.")

        start = self._start_index(X)
        lab = np.zeros(n, dtype=np.int64)
        lab[start] = 1
        first = spread_labels(X, lab)
        n_peaks = None if self.n_clusters is None else self.n_clusters - 1
        peaks, scores = find_rmin_peaks(
            first.rmin, p, significance=self.significance, n_peaks=n_peaks
        )
        sm = _smooth(first.rmin, p)
        bounds = np.concatenate(([0], peaks, [first.rmin.size]))
        pos = np.array(
            [a + int(np.argmin(sm[a:b])) for a, b in zip(bounds[:-1], bounds[1:])], dtype=np.int64
        )
        seeds = first.order[pos]
        lab = np.zeros(n, dtype=np.int64)
        lab[seeds] = np.arange(1, seeds.size + 1)
        final = spread_labels(X, lab)

        self.start_ = start
        self.rmin_ = np.array(first.rmin)
        self.order_ = np.array(first.order)
        self.source_ = np.array(first.source)
        self.peaks_ = peaks
        self.peak_scores_ = scores
        self.seeds_ = np.asarray(seeds, dtype=np.int64)
        self.labels_ = np.array(final.labels)
        self.n_clusters_ = int(seeds.size)
        self.rmin_final_ = np.array(final.rmin)
        self.order_final_ = np.array(final.order)
        self._fit_X = X
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster labels, ``1 .. n_clusters_``.
        """
        return self.fit(X).labels_

    def predict(self, X):
        """Label new points with the cluster of their nearest fitted point.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
            New data.

        Returns
        -------
        labels : ndarray of shape (n_queries,)
            Labels in ``1 .. n_clusters_``.  Among equidistant fitted points,
            the k-d tree's (deterministic) choice is used.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        _, idx = cKDTree(self._fit_X).query(X, k=1)
        return self.labels_[np.asarray(idx, dtype=np.int64)]

    def check_clusters(self):
        """Re-apply ILS inside each cluster to see whether it should split.

        Each cluster of at least ``2 * min_cluster_size`` points is clustered
        on its own with the same ``min_cluster_size``, ``significance`` and
        ``start`` (``n_clusters`` is not used); finding more than one
        sub-cluster means the cluster should be split (or ``min_cluster_size``
        / ``significance`` tuned).  Smaller clusters are skipped.

        Returns
        -------
        report : pandas.DataFrame
            One row per cluster with columns ``cluster``, ``size``,
            ``checked`` (False if skipped), ``n_subclusters`` (nullable int,
            missing if skipped) and ``should_split``.
        """
        import pandas as pd

        check_is_fitted(self)
        p = self.min_cluster_size
        start = self.start if isinstance(self.start, str) else "densest"
        rows = []
        for c in range(1, self.n_clusters_ + 1):
            idx = np.flatnonzero(self.labels_ == c)
            size = int(idx.size)
            if size < 2 * p:
                rows.append((c, size, False, pd.NA, False))
                continue
            sub = ILSClustering(
                min_cluster_size=p, significance=self.significance, start=start
            ).fit(self._fit_X[idx])
            rows.append((c, size, True, sub.n_clusters_, sub.n_clusters_ > 1))
        df = pd.DataFrame(
            rows, columns=["cluster", "size", "checked", "n_subclusters", "should_split"]
        )
        df["n_subclusters"] = df["n_subclusters"].astype("Int64")
        return df

"""The exact sub-quadratic spreading path: union of all minimum spanning trees, then Prim.

:func:`spread_tree` gives exactly what the reference ILS loop (and the O(n^2)
path in :mod:`~siqd_utils.ils.spreading`) gives, ties included, in roughly
O(n log n) time for low-dimensional data: a k-d tree Boruvka finds every edge
that belongs to at least one Euclidean minimum spanning tree, and multi-source
Prim with the reference's tie keys runs on that sparse graph.  The argument
that this is exact is written out below; the tests check it numerically.
:func:`siqd_utils.ils.spread_labels` chooses the path.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy.spatial import cKDTree

from .distances import pair_dist

__all__ = ["TreeDeclined", "spread_tree", "mst_union"]


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


class TreeDeclined(Exception):
    """The tree path cannot reproduce the reference exactly (zero-length edge)."""


def mst_union(Y, workers=-1):
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
    E_w = pair_dist(YT, E_src, E_dst)
    if (E_w == 0).any():
        raise TreeDeclined

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
    w = pair_dist(YT, src, dst)
    if (w == 0).any():
        raise TreeDeclined
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
        ub = float(pair_dist(YT, members[jj], probe).min())
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
    w = pair_dist(YT, D[jj[hit]], F[hit])
    if (w == 0).any():
        raise TreeDeclined
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
    w = pair_dist(YT, src, dst)
    keep = w <= wmin
    if not keep.any():
        return None
    return src[keep], dst[keep], w[keep]


def spread_tree(X, lab):
    """Exact spreading via the MST union (see the comment block above)."""
    n, d = X.shape
    Yu, inv = np.unique(X, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    m = Yu.shape[0]
    a, b, w = mst_union(Yu)
    if (w == 0).any():
        raise TreeDeclined

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

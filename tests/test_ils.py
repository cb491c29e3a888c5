"""Tests of the ILS spreading core (:func:`siqd_utils.ils.spread_labels`) and the curve tools.

Every path is compared with a plain reference loop written here: each step
recomputes the full labelled x unlabelled distance matrix and takes its first
row-major minimum (rows: labelled points, seeds in data order then in the order
they were labelled; columns: unlabelled points in data order).  That is the
semantics of Parker's original function, without its O(n) copies per step.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from siqd_utils.ils import SpreadResult, find_rmin_peaks, mst_edge_lengths, smooth_rmin, spread_labels
from siqd_utils.ils.peaks import _cwt_peaks, cwt_peaks
from siqd_utils.ils.tree import mst_union

METHODS = ("prim", "tree", "auto")


# --------------------------------------------------------------------------
# The reference loop
# --------------------------------------------------------------------------


def reference_spread(X, labels):
    """Plain O(n^3) ILS loop: (labels, order, rmin, source)."""
    X = np.asarray(X, dtype=float)
    lab = np.array(labels, dtype=np.int64)
    labelled = list(np.flatnonzero(lab > 0))
    unlabelled = list(np.flatnonzero(lab == 0))
    order, rmin, source = [], [], []
    while unlabelled:
        D = cdist(X[labelled], X[unlabelled])  # direct differences: exact zeros
        r, c = np.unravel_index(np.argmin(D), D.shape)
        j = unlabelled.pop(c)
        s = labelled[r]
        lab[j] = lab[s]
        labelled.append(j)
        order.append(j)
        rmin.append(D[r, c])
        source.append(s)
    return lab, np.array(order, dtype=np.int64), np.array(rmin), np.array(source, dtype=np.int64)


def assert_matches_reference(X, labels, methods=METHODS):
    ref_lab, ref_order, ref_rmin, ref_src = reference_spread(X, labels)
    for method in methods:
        res = spread_labels(X, labels, method=method)
        np.testing.assert_array_equal(res.order, ref_order, err_msg=f"order ({method})")
        np.testing.assert_array_equal(res.source, ref_src, err_msg=f"source ({method})")
        np.testing.assert_array_equal(res.labels, ref_lab, err_msg=f"labels ({method})")
        np.testing.assert_allclose(res.rmin, ref_rmin, rtol=0, atol=1e-12, err_msg=method)


def assert_same_result(a: SpreadResult, b: SpreadResult):
    for field in ("labels", "order", "rmin", "source"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


# --------------------------------------------------------------------------
# Seeded data sets
# --------------------------------------------------------------------------


def three_blobs(n=300, d=5, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.zeros((3, d))
    centres[1, 0] = 10.0
    centres[2, 1] = 10.0
    return centres[np.arange(n) % 3] + rng.normal(size=(n, d))


def null_cube(n=300, d=5, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, d))


def chain(n=300, d=2, seed=0, n_bridge=12):
    """Two dense blobs joined by a thin bridge of evenly spaced points."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n // 2, d)) * 0.5
    b = rng.normal(size=(n // 2, d)) * 0.5
    b[:, 0] += 6.0
    bridge = np.zeros((n_bridge, d))
    bridge[:, 0] = np.linspace(1.0, 5.0, n_bridge)
    bridge[:, 1:] = rng.normal(size=(n_bridge, d - 1)) * 0.02
    return np.concatenate([a, b, bridge])


def with_duplicates(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n // 4, d))
    return base[rng.integers(0, base.shape[0], n)]


def seeds(n, k, seed=0, n_labels=3):
    rng = np.random.default_rng(seed)
    lab = np.zeros(n, dtype=np.int64)
    lab[rng.choice(n, size=k, replace=False)] = 1 + np.arange(k) % n_labels
    return lab


def one_seed(n, at=0):
    lab = np.zeros(n, dtype=np.int64)
    lab[at] = 1
    return lab


# --------------------------------------------------------------------------
# Equivalence with the reference loop
# --------------------------------------------------------------------------


def test_nine_equally_spaced_points_brief_example():
    X = np.arange(9.0).reshape(-1, 1)
    lab = one_seed(9, at=4)
    for method in METHODS:
        res = spread_labels(X, lab, method=method)
        assert res.order.tolist() == [3, 5, 2, 6, 1, 7, 0, 8]
        assert res.source.tolist() == [4, 4, 3, 5, 2, 6, 1, 7]
        assert res.rmin.tolist() == [1.0] * 8
    assert_matches_reference(X, lab)


@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize(
    "make",
    [three_blobs, null_cube, chain, with_duplicates],
    ids=["blobs5d", "null", "chain", "duplicates"],
)
def test_matches_reference_on_data_sets(make, k):
    X = make()
    assert_matches_reference(X, seeds(X.shape[0], k, seed=k))


@pytest.mark.parametrize("n", [2, 3, 4, 7, 10, 31, 100, 257])
def test_matches_reference_small_n(n):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 3))
    assert_matches_reference(X, one_seed(n, at=n // 2))
    if n > 2:
        assert_matches_reference(X, seeds(n, max(2, n // 5), seed=n))


def test_matches_reference_n_1000():
    X = three_blobs(n=1000, seed=3)
    assert_matches_reference(X, seeds(1000, 3, seed=3))


def test_matches_reference_on_lattice_ties():
    g = np.stack(np.meshgrid(np.arange(9), np.arange(7), indexing="ij"), -1).reshape(-1, 2)
    X = g.astype(float)
    assert_matches_reference(X, one_seed(X.shape[0], at=31))
    assert_matches_reference(X, seeds(X.shape[0], 5, seed=1))
    cube = np.stack(np.meshgrid(*[np.arange(4)] * 3, indexing="ij"), -1).reshape(-1, 3)
    assert_matches_reference(cube.astype(float), seeds(64, 2, seed=2))


def test_matches_reference_with_duplicate_seeds_and_groups():
    rng = np.random.default_rng(7)
    X = rng.integers(0, 4, size=(150, 2)).astype(float)  # many duplicates and ties
    lab = seeds(150, 6, seed=7)
    assert_matches_reference(X, lab)
    # two different labels on the same coordinates
    Y = np.repeat(rng.normal(size=(20, 3)), 5, axis=0)
    lab = np.zeros(100, dtype=np.int64)
    lab[[0, 1, 7]] = [2, 1, 3]
    assert_matches_reference(Y, lab)


def test_duplicates_have_exactly_zero_rmin():
    X = with_duplicates(n=120)
    res = spread_labels(X, one_seed(120))
    n_dup = 120 - np.unique(X, axis=0).shape[0]
    assert (res.rmin == 0.0).sum() == n_dup


def test_all_labelled_gives_empty_result():
    X = np.random.default_rng(0).normal(size=(5, 2))
    for method in METHODS:
        res = spread_labels(X, [1, 2, 3, 4, 5], method=method)
        assert len(res) == 0 and res.rmin.size == 0
        assert res.labels.tolist() == [1, 2, 3, 4, 5]


def test_sorted_rmin_are_mst_weights():
    from scipy.sparse.csgraph import minimum_spanning_tree

    X = null_cube(n=200, d=3, seed=4)
    for start in (0, 57, 199):
        res = spread_labels(X, one_seed(200, at=start))
        mst = minimum_spanning_tree(cdist(X, X)).data
        np.testing.assert_allclose(np.sort(res.rmin), np.sort(mst), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# The sub-quadratic path against the O(n^2) path
# --------------------------------------------------------------------------


def test_tree_path_matches_prim_at_n_20000():
    rng = np.random.default_rng(11)
    # clusters of very different sizes and densities, duplicates, several seeds
    centres = rng.normal(size=(5, 5)) * 20
    sizes = [9000, 6000, 3000, 1500, 400]
    parts = [
        c + rng.normal(size=(s, 5)) * (0.3 + i) for i, (c, s) in enumerate(zip(centres, sizes))
    ]
    X = np.concatenate(parts)
    X[:100] = X[100:200]  # exact duplicates
    lab = seeds(X.shape[0], 3, seed=11)
    a = spread_labels(X, lab, method="prim")
    b = spread_labels(X, lab, method="tree")
    assert_same_result(a, b)


@pytest.mark.parametrize("case", ["grid", "integers-5d", "many-dups", "d12", "tight-clusters"])
def test_tree_path_matches_prim_on_hard_cases(case):
    rng = np.random.default_rng(5)
    if case == "grid":  # every distance is tied with many others
        g = np.stack(np.meshgrid(np.arange(50), np.arange(40), indexing="ij"), -1)
        X = g.reshape(-1, 2) * 0.1
    elif case == "integers-5d":
        X = rng.integers(0, 6, size=(3000, 5)).astype(float)
    elif case == "many-dups":
        X = rng.normal(size=(40, 4))[rng.integers(0, 40, 3000)]
    elif case == "d12":  # beyond the k-d tree's comfort zone; long neighbour lists
        X = rng.normal(size=(1500, 12))
    else:  # many small well-separated clusters: the per-component searches
        centres = rng.normal(size=(150, 1, 5)) * 100
        X = np.concatenate([c + rng.normal(size=(12, 5)) for c in centres])
    lab = seeds(X.shape[0], 4, seed=5)
    assert_same_result(
        spread_labels(X, lab, method="prim"), spread_labels(X, lab, method="tree")
    )


def test_tree_path_declines_zero_length_edges_between_distinct_points():
    # differences of 1e-170 underflow when squared: distinct points, distance 0
    X = np.array([[0.0], [1e-170], [1.0], [2.0], [2.0 + 1e-170]])
    lab = one_seed(5, at=2)
    assert_same_result(spread_labels(X, lab, method="prim"), spread_labels(X, lab, method="tree"))
    assert_matches_reference(X, lab)


def test_mst_union_contains_every_tied_edge():
    # a square: all four sides are in some MST, the diagonals in none
    Y = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    a, b, w = mst_union(Y)
    assert sorted(zip(a.tolist(), b.tolist())) == [(0, 1), (0, 3), (1, 2), (2, 3)]
    assert w.tolist() == [1.0] * 4


# --------------------------------------------------------------------------
# Result type, determinism, validation
# --------------------------------------------------------------------------


def test_result_is_frozen_and_read_only():
    res = spread_labels(null_cube(n=20), one_seed(20))
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.order = None
    with pytest.raises(ValueError):
        res.rmin[0] = 1.0
    assert res.labels.dtype == np.int64 and res.order.dtype == np.int64
    assert len(res) == 19 and (res.labels > 0).all()
    assert set(res.order.tolist()) == set(range(1, 20))


def test_deterministic():
    X = three_blobs(n=600, seed=9)
    lab = seeds(600, 2, seed=9)
    for method in METHODS:
        first = spread_labels(X, lab, method=method)
        assert_same_result(first, spread_labels(X, lab, method=method))
    X = np.asfortranarray(X)  # layout does not matter
    assert_same_result(spread_labels(X, lab, method="prim"), spread_labels(X, lab, method="tree"))


def test_inputs_are_not_modified():
    X = three_blobs(n=50)
    lab = seeds(50, 2)
    X0, lab0 = X.copy(), lab.copy()
    spread_labels(X, lab, method="prim")
    spread_labels(X, lab, method="tree")
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(lab, lab0)


@pytest.mark.parametrize(
    "X, labels, match",
    [
        ([[0.0, 1.0], [np.nan, 2.0], [1.0, 1.0]], [1, 0, 0], "NaN or infinity"),
        ([[0.0, 1.0], [np.inf, 2.0], [1.0, 1.0]], [1, 0, 0], "NaN or infinity"),
        ([[0.0, 1.0]], [1], "at least 2 points"),
        (np.zeros((0, 3)), [], "at least 2 points"),
        ([0.0, 1.0, 2.0], [1, 0, 0], "2-D"),
        ([[0.0], [1.0], [2.0]], [1, 0], "length 2 but X has 3"),
        ([[0.0], [1.0], [2.0]], [1, 0, -1], "labels must be >= 0"),
        ([[0.0], [1.0], [2.0]], [0, 0, 0], "no labelled point"),
        ([[0.0], [1.0], [2.0]], [1.5, 0, 0], "integers"),
        ([[0.0], [1.0], [2.0]], ["a", "b", "c"], "integers"),
        ([[0.0], [1e200], [2.0]], [1, 0, 0], "overflow"),
    ],
)
def test_bad_input_raises_value_error(X, labels, match):
    with pytest.raises(ValueError, match=match):
        spread_labels(X, labels)


def test_bad_method_raises():
    with pytest.raises(ValueError, match="method"):
        spread_labels([[0.0], [1.0]], [1, 0], method="fast")


# --------------------------------------------------------------------------
# Peak finding
# --------------------------------------------------------------------------


def test_find_rmin_peaks_on_clear_steps():
    rng = np.random.default_rng(0)
    r = np.concatenate([rng.uniform(0.9, 1.1, 100), [5.0], rng.uniform(0.9, 1.1, 100)])
    r[80:100] += np.linspace(0, 1, 20)  # a sparse shell before the jump
    pos, scores = find_rmin_peaks(r, 15)
    assert pos.size == 1 and 85 <= pos[0] <= 110 and scores[0] > 5
    assert find_rmin_peaks(rng.uniform(0.9, 1.1, 300), 15)[0].size == 0
    # too short for any peak away from the ends
    assert find_rmin_peaks(r[:30], 15)[0].size == 0


def test_find_rmin_peaks_forced_count():
    rng = np.random.default_rng(1)
    r = rng.uniform(0.9, 1.1, 400)
    pos, _ = find_rmin_peaks(r, 15, n_peaks=2)
    assert pos.size == 2 and np.all(np.diff(pos) >= 0.75 * 15)
    assert np.all((pos >= 15) & (pos < 400 - 15))
    with pytest.raises(ValueError, match="cannot split"):
        find_rmin_peaks(r[:40], 15, n_peaks=3)


def test_cwt_candidates_equal_scipy_find_peaks_cwt():
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks_cwt

    rng = np.random.default_rng(0)
    for t in range(60):
        n = int(rng.integers(5, 2000))
        width = int(rng.integers(1, 40))
        if t % 2:
            v = rng.normal(size=n).cumsum()
        else:
            v = gaussian_filter1d(rng.exponential(size=n), width)
        if t % 3 == 0:
            v = np.round(v, 1)  # plateaus
        expected = np.asarray(find_peaks_cwt(v, widths=[width]), dtype=np.int64)
        np.testing.assert_array_equal(_cwt_peaks(v, width), expected)


def test_cwt_peaks_is_scipy_beyond_its_direct_range():
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks_cwt

    v = gaussian_filter1d(np.random.default_rng(3).exponential(size=6000), 20)
    np.testing.assert_array_equal(cwt_peaks(v, 20), find_peaks_cwt(v, widths=[20]))


def test_smooth_rmin_is_scipys_default_gaussian_filter():
    from scipy.ndimage import gaussian_filter1d

    r = np.random.default_rng(2).exponential(size=3000)
    for p in (15, 100, 2000):  # direct, FFT, FFT with a kernel wider than the curve
        np.testing.assert_allclose(smooth_rmin(r, p), gaussian_filter1d(r, p), rtol=0, atol=1e-12)


def test_mst_edge_lengths_are_the_sorted_minimum_spanning_tree():
    from scipy.sparse.csgraph import minimum_spanning_tree

    X = three_blobs(n=150, seed=2)
    mst = np.sort(minimum_spanning_tree(cdist(X, X)).data)
    np.testing.assert_allclose(mst_edge_lengths(X), mst, rtol=0, atol=1e-12)
    assert np.all(np.diff(mst_edge_lengths(X)) >= 0)
    with pytest.raises(ValueError, match="at least 2 points"):
        mst_edge_lengths([[1.0, 2.0]])

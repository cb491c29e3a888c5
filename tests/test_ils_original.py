"""The study's ILS procedure against a transcription of the original code's behaviour.

The original ILS code (Parker & Barnard; a public copy is the ``Thea-Hsu/EILS``
repository: ``ILS`` in ``ils/basic_ils.py``, ``findMin`` and ``min_toCentroid`` in
``ils/utils.py``) is GPL-licensed, so it is not copied here.  The reference below is
our own transcription of what it does, written for clarity and nothing else (it is
slow on purpose):

* the first-pass seed is the data point nearest the feature means: squared
  Euclidean distance, the squares added feature by feature, the first minimum
  (pandas ``idxmin``);
* each labelling step recomputes every labelled-to-unlabelled distance with
  scikit-learn's ``pairwise_distances`` (rows: the seeds in data order, then the
  points in the order they were labelled; columns: the unlabelled points in data
  order) and takes the first minimum in row-major order: O(n^3) in all;
* the peak finder smooths the ``R_min`` curve with a Gaussian of ``p`` points,
  calls ``find_peaks_cwt`` with one copy of the width ``p`` per point of the curve,
  keeps a peak at ``q`` only if ``p < q < n - p``, splits the smoothed curve at the
  peaks and takes each piece's first minimum, dropping a minimum at position 0;
* the second pass spreads from one seed per region.  Which seed the study gave the
  first region when its minimum was dropped is not in the code; the book's choice,
  transcribed here too, is the first-pass seed.

``ILSClustering(peak_rule="study")`` (whose default ``start="auto"`` is then the
centroid seed) must give the same seed, labelling order, ``R_min``, sources, peaks,
second-pass seeds and final labels on seeded data sets nobody in this project made
(scikit-learn's blobs, circles and moons, uniform noise) and on our ensemble.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter1d
from scipy.signal import find_peaks_cwt
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.metrics import pairwise_distances

from siqd_utils.datasets import ENSEMBLE_CSV, load_ensemble
from siqd_utils.ils import ILSClustering, find_study_peaks, spread_labels
from siqd_utils.ils.peaks import SCIPY_CWT_MAX_LENGTH, _cwt_peaks, cwt_peaks
from siqd_utils.preprocessing import prepare

# --------------------------------------------------------------------------
# The transcription
# --------------------------------------------------------------------------


def original_centroid_seed(X):
    """Row label of the point nearest the column means (first of equal distances)."""
    frame = pd.DataFrame(X)
    means = frame.mean()
    sq = frame.apply(lambda row: sum((row[col] - means[col]) ** 2 for col in frame.columns), axis=1)
    return int(sq.idxmin())


def original_spread(X, labels):
    """The labelling loop, one full distance matrix per step: (labels, order, rmin, source)."""
    lab = np.array(labels, dtype=np.int64)
    rows = [i for i in range(len(lab)) if lab[i] != 0]
    cols = [i for i in range(len(lab)) if lab[i] == 0]
    order, rmin, source = [], [], []
    while cols:
        D = pairwise_distances(X[rows], X[cols])
        r, c = np.unravel_index(D.argmin(), D.shape)
        new, src = cols[c], rows[r]
        lab[new] = lab[src]
        rows.append(new)
        del cols[c]
        order.append(new)
        rmin.append(D.min())
        source.append(src)
    return lab, np.array(order), np.array(rmin), np.array(source)


def original_find_min(rmin, p):
    """The peak finder: (minima, maxima) as positions in the curve."""
    smooth = gaussian_filter1d(rmin, p)
    n = len(smooth)
    maxima = [q for q in find_peaks_cwt(smooth, [p] * n) if p < q < n - p]
    pieces = np.split(smooth, maxima)
    starts = [0, *maxima]
    minima = [start + int(np.argmin(piece)) for start, piece in zip(starts, pieces)]
    return [m for m in minima if m != 0], maxima


def original_first_pass(X):
    """The first pass from the centroid seed: (start, order, rmin, source)."""
    start = original_centroid_seed(X)
    lab = np.zeros(len(X), dtype=np.int64)
    lab[start] = 1
    return (start, *original_spread(X, lab)[1:])


def original_procedure(X, p, first=None):
    """Both passes; the first region keeps the first-pass seed if its minimum was dropped.

    ``first``: the result of :func:`original_first_pass` on ``X``, if already computed
    (it does not depend on ``p``)."""
    start, order, rmin, source = first if first is not None else original_first_pass(X)
    minima, maxima = original_find_min(rmin, p)
    seeds = [order[m] for m in minima]
    if len(minima) == len(maxima):  # the first region's minimum was at position 0
        seeds = [start, *seeds]
    lab = np.zeros(len(X), dtype=np.int64)
    lab[seeds] = np.arange(1, len(seeds) + 1)
    labels = original_spread(X, lab)[0]
    return {"start": start, "order": order, "rmin": rmin, "source": source, "peaks": np.array(maxima, dtype=int),
            "seeds": np.array(seeds), "labels": labels}


# --------------------------------------------------------------------------
# Seeded data sets
# --------------------------------------------------------------------------


def _ensemble():
    return prepare(load_ensemble()).X.to_numpy(dtype=float)


DATA_SETS = {
    "blobs": lambda: make_blobs(n_samples=300, centers=3, random_state=1)[0],
    "circles": lambda: make_circles(n_samples=300, factor=0.5, noise=0.05, random_state=2)[0],
    "moons": lambda: make_moons(n_samples=300, noise=0.05, random_state=3)[0],
    "uniform": lambda: np.random.default_rng(4).uniform(size=(300, 3)),
    "ensemble": _ensemble,
}
PS = (10, 15, 20)
_CACHE: dict = {}


def reference(name, p):
    """The transcription's result (cached: the O(n^3) loop is slow)."""
    if (name, p) not in _CACHE:
        X = DATA_SETS[name]()
        if name not in _CACHE:
            _CACHE[name] = original_first_pass(X)
        _CACHE[name, p] = original_procedure(X, p, _CACHE[name])
    return _CACHE[name, p]


def _cases():
    for name in DATA_SETS:
        marks = [pytest.mark.skipif(not ENSEMBLE_CSV.is_file(), reason="the shipped ensemble is absent")] \
            if name == "ensemble" else []
        for p in PS:
            yield pytest.param(name, p, marks=marks, id=f"{name}-p{p}")


# --------------------------------------------------------------------------
# The procedure, step by step
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name, p", list(_cases()))
def test_study_procedure_equals_the_original(name, p):
    X = DATA_SETS[name]()
    # the transcription's distances differ from exact ones in the last bits; with no two
    # points at the same place its order cannot depend on that
    assert len(np.unique(X, axis=0)) == len(X)
    ref = reference(name, p)
    est = ILSClustering(min_cluster_size=p, peak_rule="study").fit(X)
    assert est.start_ == ref["start"]
    np.testing.assert_array_equal(est.order_, ref["order"])
    np.testing.assert_array_equal(est.source_, ref["source"])
    np.testing.assert_allclose(est.rmin_, ref["rmin"], rtol=1e-9, atol=0)
    np.testing.assert_array_equal(est.peaks_, ref["peaks"])
    np.testing.assert_array_equal(find_study_peaks(ref["rmin"], p)[0], ref["peaks"])
    np.testing.assert_array_equal(est.seeds_, ref["seeds"])
    np.testing.assert_array_equal(est.labels_ + 1, ref["labels"])
    assert est.n_clusters_ == ref["peaks"].size + 1
    # start="centroid" is the same seed, whatever the rule
    assert ILSClustering(min_cluster_size=p, start="centroid").fit(X).start_ == ref["start"]


def test_both_ways_of_seeding_the_first_region_occur_in_the_cases():
    """The transcription's choice for a dropped minimum at position 0 is exercised, and so is the usual case."""
    dropped = {(name, p): reference(name, p)["seeds"][0] == reference(name, p)["start"]
               for name in ("blobs", "circles", "moons", "uniform") for p in PS}
    assert any(dropped.values()) and not all(dropped.values()), dropped


@pytest.mark.parametrize("name, p", [("circles", 15), ("uniform", 10), ("blobs", 20)])
def test_one_width_per_point_and_the_linear_time_cwt_give_scipys_peaks(name, p):
    """The original passes n copies of p; the study rule passes [p]; long curves use the O(n) variant."""
    smooth = gaussian_filter1d(reference(name, p)["rmin"], p)
    expected = np.sort(find_peaks_cwt(smooth, [p] * smooth.size))
    np.testing.assert_array_equal(np.sort(find_peaks_cwt(smooth, [p])), expected)
    np.testing.assert_array_equal(cwt_peaks(smooth, p), expected)
    np.testing.assert_array_equal(_cwt_peaks(smooth, p), expected)


def test_linear_time_cwt_on_a_long_first_pass_curve():
    """Beyond SciPy's direct range the study rule sees a real R_min curve through the O(n) variant."""
    X = np.random.default_rng(5).normal(size=(SCIPY_CWT_MAX_LENGTH + 1001, 3))
    lab = np.zeros(len(X), dtype=np.int64)
    lab[ILSClustering(peak_rule="study")._start_index(X)] = 1
    p = 300
    smooth = gaussian_filter1d(spread_labels(X, lab).rmin, p)
    assert smooth.size > SCIPY_CWT_MAX_LENGTH
    found = cwt_peaks(smooth, p)
    assert found.size > 0
    np.testing.assert_array_equal(found, np.sort(find_peaks_cwt(smooth, [p])))


# --------------------------------------------------------------------------
# The end margins: strict on both sides
# --------------------------------------------------------------------------


def _bump_curve(at, n=200):
    r = np.ones(n)
    r[at] = 5.0
    return r


@pytest.mark.parametrize("curve, boundary, kept", [
    (_bump_curve(8), (10, 190), []),                   # wavelet peaks at exactly p and n - p: both dropped
    (_bump_curve(14), (11, 190), [11]),                # p + 1 kept, n - p dropped
    (_bump_curve(175), (10, 189), [189]),              # n - p - 1 kept
])
def test_a_peak_exactly_p_from_either_end_is_dropped(curve, boundary, kept):
    p, n = 10, curve.size
    smooth = gaussian_filter1d(curve, p)
    # the precondition: the wavelet finds peaks at these positions before the margins apply
    assert np.sort(find_peaks_cwt(smooth, [p] * n)).tolist() == list(boundary)
    assert find_study_peaks(curve, p)[0].tolist() == kept
    assert original_find_min(curve, p)[1] == kept


# --------------------------------------------------------------------------
# The centroid seed
# --------------------------------------------------------------------------


def test_centroid_seed_ties_go_to_the_first_point():
    ring = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])  # all 1 from the mean (0, 0)
    far = np.array([[4.0, 4.0], [-4.0, -4.0]])
    for perm in ([0, 1, 2, 3, 4, 5], [4, 2, 0, 5, 3, 1], [5, 4, 3, 2, 1, 0]):
        X = np.concatenate([ring, far])[perm]
        seed = ILSClustering(start="centroid", min_cluster_size=2).fit(X).start_
        assert seed == original_centroid_seed(X) == min(i for i, j in enumerate(perm) if j < 4)


def test_centroid_seed_equals_the_original_on_random_data():
    rng = np.random.default_rng(6)
    for _ in range(20):
        n, d = int(rng.integers(20, 400)), int(rng.integers(1, 8))
        X = rng.normal(size=(n, d)) * rng.uniform(0.01, 100, d) + rng.normal(size=d) * 10
        assert ILSClustering(start="centroid", min_cluster_size=2)._start_index(X) == original_centroid_seed(X)


def test_auto_start_is_the_centroid_for_the_study_rule_and_the_densest_point_otherwise():
    X = make_blobs(n_samples=200, centers=3, random_state=7)[0]
    study = ILSClustering(peak_rule="study").fit(X)
    assert study.start_ == ILSClustering(peak_rule="study", start="centroid").fit(X).start_
    significance = ILSClustering().fit(X)
    assert significance.start_ == ILSClustering(start="densest").fit(X).start_ != study.start_

"""Tests of :class:`siqd_utils.ils.ILSClustering` and the ILS plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.cluster import AgglomerativeClustering  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from siqd_utils.ils import SKLEARN_EXPECTED_FAILED_CHECKS, ILSClustering  # noqa: E402
from siqd_utils.plotting.ils import plot_rmin, plot_rmin_clusters  # noqa: E402


# --------------------------------------------------------------------------
# Data sets (seeded)
# --------------------------------------------------------------------------


def three_blobs(n=300, d=5, seed=0):
    """Three unit Gaussian blobs in 5-D, centres 10 apart (10 sd)."""
    rng = np.random.default_rng(seed)
    centres = np.zeros((3, d))
    centres[1, 0] = 10.0
    centres[2, 1] = 10.0
    y = np.arange(n) % 3
    return centres[y] + rng.normal(size=(n, d)), y


def null_cube(n=300, d=5, seed=0):
    """No structure: uniform in the unit cube."""
    return np.random.default_rng(seed).uniform(size=(n, d))


def chain(n=300, seed=0, n_bridge=12):
    """Two dense 2-D blobs joined by a thin bridge that makes single linkage chain."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n // 2, 2)) * 0.5
    b = rng.normal(size=(n // 2, 2)) * 0.5
    b[:, 0] += 6.0
    t = np.linspace(1.0, 5.0, n_bridge)
    bridge = np.column_stack([t, rng.normal(size=n_bridge) * 0.02])
    X = np.concatenate([a, b, bridge])
    y = np.concatenate([np.zeros(n // 2, int), np.ones(n // 2, int), (t > 3.0).astype(int)])
    return X, y


@pytest.fixture(scope="module")
def blobs_fit():
    X, y = three_blobs()
    return X, y, ILSClustering().fit(X)


# --------------------------------------------------------------------------
# Clustering behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_blobs(seed):
    X, y = three_blobs(seed=seed)
    est = ILSClustering(min_cluster_size=15).fit(X)
    assert est.n_clusters_ == 3
    assert adjusted_rand_score(y, est.labels_) >= 0.95
    # the first pass fills one blob after the other; each peak is the jump itself
    blob_in_order = y[np.concatenate(([est.start_], est.order_))]
    regions = np.split(blob_in_order, est.peaks_ + 1)
    assert [np.unique(r).size for r in regions] == [1, 1, 1]
    assert np.all(est.rmin_[est.peaks_] > 3 * np.median(est.rmin_))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("d", [2, 5])
def test_null_gives_one_cluster(seed, d):
    X = null_cube(d=d, seed=seed)
    est = ILSClustering().fit(X)
    assert est.n_clusters_ == 1
    assert est.peaks_.size == 0
    assert (est.labels_ == 0).all()
    assert np.all(est.candidate_scores_ <= est.significance)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chain_is_cut_at_the_bridge(seed):
    X, y = chain(seed=seed)
    # it is a chain case: single linkage cannot separate the blobs
    single = AgglomerativeClustering(n_clusters=2, linkage="single").fit_predict(X)
    assert adjusted_rand_score(y, single) < 0.5
    # the bridge (12 points, edges a few times longer than inside the blobs) is the best
    # candidate of the significance rule, but below its threshold: a documented limitation
    auto = ILSClustering().fit(X)
    assert auto.n_clusters_ == 1
    best = auto.candidates_[np.argmax(auto.candidate_scores_)]
    assert auto.order_[best] >= 300  # a bridge point (they come last in X)
    assert 2.0 < auto.candidate_scores_.max() < auto.significance
    # told that there are two clusters, ILS cuts at the bridge, where single linkage fails
    for rule in ("significance", "study"):
        est = ILSClustering(n_clusters=2, peak_rule=rule).fit(X)
        assert adjusted_rand_score(y, est.labels_) >= 0.9, rule


def test_fitted_attributes(blobs_fit):
    X, _, est = blobs_fit
    n = X.shape[0]
    k = est.n_clusters_
    assert est.labels_.dtype == np.int64 and est.labels_.shape == (n,)
    assert sorted(np.unique(est.labels_).tolist()) == list(range(k))
    assert est.rmin_.shape == est.order_.shape == est.source_.shape == (n - 1,)
    assert est.start_ not in set(est.order_.tolist())
    assert sorted([est.start_, *est.order_.tolist()]) == list(range(n))
    assert est.rmin_final_.shape == est.order_final_.shape == (n - k,)
    assert est.seeds_.shape == (k,) and est.peaks_.shape == est.peak_scores_.shape == (k - 1,)
    # labels numbered by the seeds' positions in the first pass
    assert est.labels_[est.seeds_].tolist() == list(range(k))
    position = {int(j): i for i, j in enumerate(est.order_)}
    seed_pos = [position[int(s)] for s in est.seeds_]
    assert seed_pos == sorted(seed_pos)
    # each seed lies in its own region, away from the region boundaries
    bounds = [0, *est.peaks_.tolist(), n - 1]
    for r, p in enumerate(seed_pos):
        assert bounds[r] <= p < bounds[r + 1]
    assert np.all(est.peak_scores_ > est.significance)
    assert set(est.peaks_.tolist()) <= set(est.candidates_.tolist())
    assert est.candidates_.shape == est.candidate_scores_.shape
    np.testing.assert_array_equal(est.mst_edge_lengths_, np.sort(est.rmin_))
    assert est.rmin_smoothed_.shape == est.rmin_.shape
    assert est.n_features_in_ == X.shape[1]


def test_start_options():
    X, y = three_blobs(seed=4)
    dense = ILSClustering().fit(X)
    for start in ("centroid", 17):
        est = ILSClustering(start=start).fit(X)
        assert est.n_clusters_ == 3
        assert adjusted_rand_score(dense.labels_, est.labels_) == 1.0
    assert ILSClustering(start=17).fit(X).start_ == 17
    with pytest.raises(ValueError, match="start=300"):
        ILSClustering(start=300).fit(X)


def test_fit_predict_and_predict(blobs_fit):
    X, _, est = blobs_fit
    labels = ILSClustering().fit_predict(X)
    np.testing.assert_array_equal(labels, est.labels_)
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    # new points near each seed get that seed's cluster
    rng = np.random.default_rng(3)
    new = X[est.seeds_] + rng.normal(size=(est.n_clusters_, X.shape[1])) * 0.01
    np.testing.assert_array_equal(est.predict(new), np.arange(est.n_clusters_))
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :2])


def test_n_clusters_forces_k():
    X, y = three_blobs(seed=5)
    two = ILSClustering(n_clusters=2).fit(X)
    assert two.n_clusters_ == 2
    one = ILSClustering(n_clusters=1).fit(X)
    assert one.n_clusters_ == 1 and (one.labels_ == 0).all()
    null = ILSClustering(n_clusters=3).fit(null_cube(seed=5))
    assert null.n_clusters_ == 3
    assert np.bincount(null.labels_, minlength=3).min() >= 1
    with pytest.raises(ValueError, match="n_clusters"):
        ILSClustering(n_clusters=40).fit(X)


def test_deterministic():
    X, _ = chain(seed=7)
    a = ILSClustering().fit(X)
    b = ILSClustering().fit(X.copy())
    for attr in ("labels_", "rmin_", "order_", "seeds_", "peaks_", "rmin_final_", "order_final_"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))


def test_check_clusters():
    X, _ = three_blobs(seed=6)
    report = ILSClustering().fit(X).check_clusters()
    assert isinstance(report, pd.DataFrame)
    assert list(report.columns) == ["cluster", "size", "checked", "n_subclusters", "should_split"]
    assert report["cluster"].tolist() == [0, 1, 2]
    assert report["size"].sum() == X.shape[0]
    assert report["checked"].all() and not report["should_split"].any()
    assert report["n_subclusters"].tolist() == [1, 1, 1]
    # forcing one cluster: the check says it should split
    forced = ILSClustering(n_clusters=1).fit(X).check_clusters()
    assert forced["should_split"].tolist() == [True]
    assert forced["n_subclusters"].iloc[0] == 3


def test_check_clusters_skips_small_clusters():
    rng = np.random.default_rng(8)
    X = np.concatenate([rng.normal(size=(200, 2)), rng.normal(size=(25, 2)) * 0.3 + 15])
    est = ILSClustering(min_cluster_size=15).fit(X)
    assert est.n_clusters_ == 2
    report = est.check_clusters().set_index("cluster")
    small = report["size"].idxmin()
    assert report.loc[small, "size"] == 25
    assert not report.loc[small, "checked"]
    assert pd.isna(report.loc[small, "n_subclusters"])
    assert not report.loc[small, "should_split"]


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        ({"min_cluster_size": 1}, "'min_cluster_size' parameter.*Got 1"),
        ({"min_cluster_size": 151}, "min_cluster_size=151.*n_samples / 2 = 150"),
        ({"n_clusters": 0}, "'n_clusters' parameter.*Got 0"),
        ({"significance": -1.0}, "'significance' parameter.*Got -1.0"),
        ({"peak_rule": "cwt"}, "'peak_rule' parameter.*Got 'cwt'"),
        ({"metric": "manhattan"}, "'metric' parameter.*Got 'manhattan'"),
        ({"start": "middle"}, "'start' parameter"),
    ],
)
def test_bad_parameters(params, match):
    X = null_cube()
    with pytest.raises(ValueError, match=match):
        ILSClustering(**params).fit(X)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, 1.0], [np.nan, 1.0], [2.0, 2.0], [3.0, 3.0]]), "NaN"),
        (np.array([[0.0, 1.0], [np.inf, 1.0], [2.0, 2.0], [3.0, 3.0]]), "infinity"),
        (np.array([[0.0, 1.0]]), "1 sample"),
    ],
)
def test_bad_data(X, match):
    with pytest.raises(ValueError, match=match):
        ILSClustering(min_cluster_size=2).fit(X)


# --------------------------------------------------------------------------
# scikit-learn conformance
# --------------------------------------------------------------------------


def test_no_expected_sklearn_failures():
    assert SKLEARN_EXPECTED_FAILED_CHECKS == {}


@parametrize_with_checks([ILSClustering(min_cluster_size=3), ILSClustering(min_cluster_size=3, peak_rule="study")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------


def test_plot_rmin(blobs_fit):
    _, _, est = blobs_fit
    fig, ax = plt.subplots()
    out = plot_rmin(est, ax=ax)
    assert out is fig
    assert ax.get_xlabel() == "labelling step $i$"
    assert "R_" in ax.get_ylabel() and "feature units" in ax.get_ylabel()
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), est.rmin_)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, est.rmin_.size + 1))
    seeds = ax.collections[0].get_offsets()
    assert seeds.shape == (est.n_clusters_, 2)
    assert set(seeds[:, 1].tolist()) <= set(est.rmin_.tolist())
    plt.close(fig)
    fig2 = plot_rmin(est)  # makes its own figure
    assert fig2 is not fig
    plt.close(fig2)


def test_plot_rmin_clusters(blobs_fit):
    _, _, est = blobs_fit
    fig, ax = plt.subplots()
    assert plot_rmin_clusters(est, ax=ax) is fig
    assert ax.get_xlabel() == "labelling step $i$"
    assert "feature units" in ax.get_ylabel()
    assert len(ax.collections) == est.n_clusters_
    n_points = sum(len(c.get_offsets()) for c in ax.collections)
    assert n_points == est.rmin_final_.size
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("cluster 1 (")
    plt.close(fig)


def test_plots_need_a_fitted_estimator():
    with pytest.raises(ValueError, match="fit"):
        plot_rmin(ILSClustering())
    with pytest.raises(ValueError, match="fit"):
        plot_rmin_clusters(ILSClustering())

"""The shared analysis steps (siqd_utils.classes): analysis set, clusters, spectral purity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siqd_utils import ils
from siqd_utils.bands import BANDS, assign_bands, band_counts
from siqd_utils.datasets import ENSEMBLE_CSV, FEATURE_COLUMNS, load_ensemble
from siqd_utils.preprocessing import WAVELENGTH_WINDOW_NM, Prepared, prepare
from siqd_utils.classes import (MIN_CLASS_SIZE, N_CLASSES, chance_purity, cluster_count_sweep, dominant_facet_classes,
                                kmeans_classes, label_set_table, label_sets, neighbour_overlap, six_region_p,
                                spectral_purity, structure_classes)

needs_data = pytest.mark.skipif(not ENSEMBLE_CSV.is_file(), reason="the shipped ensemble is absent")
needs_ils = pytest.mark.skipif(not hasattr(ils, "ILSClustering"), reason="siqd_utils.ils.ILSClustering not there yet")


def ensemble_like(n: int = 150, seed: int = 0, n_groups: int = 3) -> pd.DataFrame:
    """A table with the ensemble's feature columns, three well separated shape groups and
    wavelengths that spill below 400 nm and above 750 nm."""
    rng = np.random.default_rng(seed)
    group = np.arange(n) % n_groups
    D = rng.uniform(0.6, 3.0, n)
    centres = np.eye(4)[group]  # each group dominated by one facet family
    facets = 0.9 * centres + 0.1 * rng.dirichlet(np.ones(4), n)
    hsi = 1.6 / D + rng.normal(0, 0.02, n)
    frame = pd.DataFrame({
        "id": [f"q{i:03d}" for i in range(n)],
        "n_Si": np.round(20 * D**3) + 1,
        "n_H": np.round(14 * D**3) + 1,
        "D": D,
        "n_coord": 4 - hsi,
        "f100": facets[:, 0], "f110": facets[:, 1], "f111": facets[:, 2], "f113": facets[:, 3],
        "HSi_ratio": hsi,
        "wavelength_nm": np.linspace(380, 770, n)[rng.permutation(n)],
    })
    return frame.set_index(pd.Index(np.arange(n) * 2 + 7))


# ----------------------------------------------------------------------------- prepare


def test_prepare_keeps_the_window_in_original_order_and_index():
    df = ensemble_like()
    p = prepare(df)
    wl = df["wavelength_nm"]
    inside = wl.between(*WAVELENGTH_WINDOW_NM)
    assert isinstance(p, Prepared)
    assert p.frame.index.equals(df.index[inside.to_numpy()])
    assert p.n_below == int((wl < 400).sum()) > 0 and p.n_above == int((wl > 750).sum()) > 0
    assert p.n_outliers == p.n_below + p.n_above == len(df) - p.n
    assert p.X.index.equals(p.frame.index)
    assert list(p.X.columns) == list(p.selection.retained)
    assert np.allclose(p.X.min(), 0) and np.allclose(p.X.max(), 1)
    assert list(p.scaled_all.columns) == list(FEATURE_COLUMNS)


def test_prepare_bands_are_one_to_six_and_match_assign_bands():
    p = prepare(ensemble_like())
    assert p.bands.dtype.kind == "i" and set(np.unique(p.bands)) <= set(range(1, 7))
    assert np.array_equal(p.bands, assign_bands(p.frame["wavelength_nm"]))
    counts = band_counts(p.frame["wavelength_nm"])
    assert counts["below"] == 0 and counts["above"] == 0
    assert [int(counts[b.name]) for b in BANDS] == [int((p.bands == b.number).sum()) for b in BANDS]
    assert p.band_names[0] in {b.name for b in BANDS}


def test_prepare_edges_are_inclusive():
    df = ensemble_like(n=20)
    df["wavelength_nm"] = np.r_[400.0, 750.0, 399.999, 750.001, np.linspace(420, 700, 16)]
    p = prepare(df)
    assert p.n == 18 and p.n_below == 1 and p.n_above == 1
    assert p.bands[0] == 1 and p.bands[1] == 6


def test_prepare_selection_on_kept_rows_and_threshold_passed_on():
    df = ensemble_like()
    p = prepare(df, threshold=0.95)
    assert p.selection.threshold == 0.95
    assert "n_Si" in p.selection.dropped


def test_prepare_errors_name_the_problem():
    df = ensemble_like()
    with pytest.raises(KeyError, match="wavelength_nm"):
        prepare(df.drop(columns="wavelength_nm"))
    with pytest.raises(KeyError, match=r"\['f113'\]"):
        prepare(df.drop(columns="f113"))
    with pytest.raises(ValueError, match=r"only 0 of 150 dots emit within 400-750 nm"):
        prepare(df.assign(wavelength_nm=300.0))
    with pytest.raises(ValueError, match="NaN"):
        prepare(df.assign(wavelength_nm=np.nan))
    with pytest.raises(TypeError, match="DataFrame"):
        prepare(df.to_numpy())


# ----------------------------------------------------------------------------- purity


def test_spectral_purity_counts_and_overall():
    clusters = np.array([1, 1, 1, 1, 2, 2, 3])
    bands = np.array([1, 1, 2, 6, 3, 3, 4])
    sp = spectral_purity(clusters, bands)
    t = sp.table
    assert list(t.index) == [1, 2, 3] and list(t["size"]) == [4, 2, 1]
    assert list(t["main_band"]) == [1, 3, 4] and list(t["main_band_name"]) == ["violet", "green", "yellow"]
    assert list(t["n_bands"]) == [3, 1, 1]
    assert t.loc[1, "main_fraction"] == 0.5
    assert sp.overall == pytest.approx((2 + 2 + 1) / 7)
    assert t[[b.name for b in BANDS]].to_numpy().sum() == 7
    d = sp.to_dict()
    assert d["clusters"]["1"]["bands"]["red"] == 1 and d["overall"] == sp.overall


def test_spectral_purity_ties_go_to_the_lower_band():
    sp = spectral_purity([5, 5], [6, 2])
    assert sp.table.loc[5, "main_band"] == 2


@pytest.mark.parametrize(
    ("clusters", "bands", "match"),
    [
        ([1, 2], [1], "has 2 entries but band_labels has 1"),
        ([], [], "empty"),
        ([1, 1], [0, 3], r"found \[0\]"),
        ([1, 1], [3, 7], r"found \[7\]"),
        ([[1]], [[1]], "one-dimensional"),
    ],
)
def test_spectral_purity_bad_input(clusters, bands, match):
    with pytest.raises(ValueError, match=match):
        spectral_purity(clusters, bands)


# ----------------------------------------------------------------------------- overlap


def test_neighbour_overlap_disjoint_partial_and_missing_bands():
    values = [1.0, 1.2, 2.0, 2.4, 2.2, 3.0]
    bands = [1, 1, 2, 2, 3, 3]  # violet, blue, green; no yellow and beyond
    t = neighbour_overlap(values, bands)
    assert list(t["bands"]) == ["violet/blue", "blue/green"]
    assert t.loc[0, "share"] == 0 and np.isnan(t.loc[0, "overlap_lo"])
    assert (t.loc[1, "overlap_lo"], t.loc[1, "overlap_hi"]) == (2.2, 2.4)
    assert t.loc[1, "share"] == pytest.approx(2 / 4)  # 2.4 and 2.2 lie in [2.2, 2.4]


def test_neighbour_overlap_bad_input():
    with pytest.raises(ValueError, match="shape"):
        neighbour_overlap([1.0, 2.0], [1])
    with pytest.raises(ValueError, match="NaN"):
        neighbour_overlap([np.nan, 2.0], [1, 2])


# ----------------------------------------------------------------------------- clusters


@needs_ils
def test_structure_classes_finds_the_shape_groups():
    df = ensemble_like(n=180)
    p = prepare(df)
    est = structure_classes(p, min_cluster_size=15)
    group = p.frame[["f100", "f110", "f111", "f113"]].to_numpy().argmax(axis=1)
    assert len(est.labels_) == p.n and len(np.unique(group)) == 3
    # one cluster per group of one dominant facet family, and one group per cluster
    assert est.n_clusters_ == 3
    assert sorted(np.unique(est.labels_).tolist()) == [0, 1, 2]
    pairs = set(zip(group.tolist(), est.labels_.tolist()))
    assert len(pairs) == 3


@needs_ils
def test_cluster_count_sweep_matches_single_runs():
    p = prepare(ensemble_like(n=180))
    sweep = cluster_count_sweep(p, [10, 15])
    assert list(sweep["p"]) == [10, 15]
    for row in sweep.itertuples():
        est = structure_classes(p, min_cluster_size=row.p)
        assert row.n_clusters == est.n_clusters_
        assert sum(int(x) for x in row.sizes.split(", ")) == p.n
        assert row.smallest == np.bincount(est.labels_).min()
    with pytest.raises(ValueError, match="min_cluster_sizes: 1 is not an integer from 2"):
        cluster_count_sweep(p, [1])


@needs_ils
def test_structure_classes_rejects_other_input():
    with pytest.raises(TypeError, match="prepare"):
        structure_classes(np.zeros((10, 2)))


# ----------------------------------------------------------------------------- shipped data


@needs_data
def test_prepared_shipped_data_is_consistent():
    df = load_ensemble()
    p = prepare(df)
    wl = df["wavelength_nm"]
    assert p.n_below == int((wl < 400).sum()) and p.n_above == int((wl > 750).sum())
    assert p.n + p.n_outliers == len(df)
    counts = band_counts(wl)
    assert [int(counts[b.name]) for b in BANDS] == np.bincount(p.bands, minlength=7)[1:].tolist()


# ------------------------------------------------------------------ the six-class label sets


@pytest.fixture(scope="module")
def shipped():
    return prepare(load_ensemble())


def test_chance_purity_is_seeded_and_matches_random_partitions():
    rng = np.random.default_rng(3)
    bands = rng.integers(1, 7, size=300)
    labels = np.repeat([1, 2, 3], 100)
    a = chance_purity(labels, bands, n_draws=50, random_state=7)
    b = chance_purity(labels, bands, n_draws=50, random_state=7)
    assert a.mean == b.mean and a.sd == b.sd and a.n_draws == 50
    assert chance_purity(labels, bands, n_draws=50, random_state=8).mean != a.mean
    # a partition that follows the bands is far above chance; one drawn at random is not
    assert spectral_purity(bands, bands).overall == 1.0 > a.mean + 10 * a.sd
    shuffled = rng.permutation(labels)
    assert abs(spectral_purity(shuffled, bands).overall - a.mean) < 5 * a.sd
    with pytest.raises(ValueError, match="n_draws"):
        chance_purity(labels, bands, n_draws=0)


def test_label_sets_partition_the_analysis_set(shipped):
    sets = label_sets(shipped)
    assert list(sets) == ["bands", "ils", "facet", "kmeans"]
    for s in sets.values():
        assert len(s.labels) == shipped.n and sum(s.sizes.values()) == shipped.n
        assert sorted(s.sizes) == list(range(1, s.k + 1))
        assert s.majority_baseline == max(s.sizes.values()) / shipped.n
    assert sets["ils"].k == sets["kmeans"].k == N_CLASSES
    assert min(sets["ils"].sizes.values()) >= MIN_CLASS_SIZE
    np.testing.assert_array_equal(sets["bands"].labels, shipped.bands)
    table = label_set_table(sets, shipped.bands, n_draws=20)
    assert table.loc["bands", "purity"] == 1.0
    assert list(table.columns) == ["label set", "role", "k", "sizes", "majority baseline", "purity",
                                   "chance mean", "chance sd"]


def test_dominant_facet_classes_follow_the_largest_fraction(shipped):
    s = dominant_facet_classes(shipped)
    frac = shipped.frame[["f100", "f110", "f111", "f113"]].to_numpy()
    names = np.array([s.names[c] for c in s.labels])
    expected = np.array(["{" + ("100", "110", "111", "113")[i] + "}" for i in frac.argmax(axis=1)])
    np.testing.assert_array_equal(names, expected)


def test_kmeans_classes_are_numbered_by_mean_diameter(shipped):
    s = kmeans_classes(shipped, random_state=0)
    means = pd.Series(shipped.frame["D"].to_numpy()).groupby(s.labels).mean()
    assert means.is_monotonic_increasing
    np.testing.assert_array_equal(kmeans_classes(shipped, random_state=0).labels, s.labels)


def test_six_region_p_says_when_no_p_works(shipped):
    with pytest.raises(ValueError, match="cannot sort"):
        six_region_p(shipped, n_classes=60, min_cluster_size=4)

"""The two ILS peak rules, their calibration, and the noise reference."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter1d
from scipy.signal import find_peaks_cwt

from siqd_utils.ils import (
    ILSClustering,
    compare_peak_rules,
    find_rmin_peaks,
    find_study_peaks,
    noise_reference,
    noise_summary,
    significance_scores,
)
from siqd_utils.ils import calibration as cal
from siqd_utils.ils.noise import NOISE_SHARE, GapReference, beyond_noise, noise_distribution, reference_sample


def blobs(n=300, d=5, seed=0, k=3, spread=10.0):
    rng = np.random.default_rng(seed)
    centres = np.eye(k, d) * spread
    return centres[np.arange(n) % k] + rng.normal(size=(n, d))


def seeded_sets():
    rng = np.random.default_rng(12)
    yield "cube", rng.uniform(size=(300, 4)), 15
    yield "gaussian", rng.normal(size=(500, 3)), 25
    yield "blobs", blobs(seed=3), 15
    yield "small p", rng.normal(size=(200, 2)), 4


# --------------------------------------------------------------------------
# The study rule is the original code's
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name, X, p", list(seeded_sets()), ids=[s[0] for s in seeded_sets()])
def test_study_rule_is_find_peaks_cwt_on_the_smoothed_first_pass(name, X, p):
    est = ILSClustering(min_cluster_size=p, peak_rule="study").fit(X)
    smoothed = gaussian_filter1d(est.rmin_, p)  # SciPy's default mode ("reflect")
    np.testing.assert_allclose(est.rmin_smoothed_, smoothed, rtol=0, atol=1e-12)
    found = np.asarray(find_peaks_cwt(smoothed, widths=[p]))
    n = est.rmin_.size
    expected = np.sort(found[(found > p) & (found < n - p)])
    np.testing.assert_array_equal(est.peaks_, expected)  # every peak more than p from either end kept
    np.testing.assert_array_equal(est.candidates_, expected)
    np.testing.assert_array_equal(est.peak_scores_, smoothed[expected])
    # seeds at the minima of the smoothed curve, mapped through the labelling order; a
    # minimum at position 0 gives way to the first-pass seed
    bounds = [0, *expected.tolist(), n]
    pos = [a + int(np.argmin(smoothed[a:b])) for a, b in zip(bounds[:-1], bounds[1:])]
    seeds = [est.start_ if q == 0 else est.order_[q] for q in pos]
    np.testing.assert_array_equal(est.seeds_, seeds)
    assert est.n_clusters_ == expected.size + 1
    assert sorted(np.unique(est.labels_).tolist()) == list(range(est.n_clusters_))


def test_study_rule_finds_clusters_in_noise_and_forced_counts_take_the_highest():
    X = np.random.default_rng(4).uniform(size=(300, 5))
    est = ILSClustering(peak_rule="study").fit(X)
    assert est.n_clusters_ > 1  # no significance test
    forced = ILSClustering(peak_rule="study", n_clusters=2).fit(X)
    best = est.candidates_[np.argmax(est.candidate_scores_)]
    assert forced.peaks_.tolist() == [best]
    with pytest.raises(ValueError, match="study rule.*finds only"):
        ILSClustering(peak_rule="study", n_clusters=est.n_clusters_ + 1).fit(X)
    pos, heights = find_study_peaks(est.rmin_, 15)
    np.testing.assert_array_equal(pos, est.peaks_)
    np.testing.assert_array_equal(heights, est.peak_scores_)


def test_both_rules_set_the_same_attributes_and_check_clusters():
    X = blobs(seed=1)
    fitted = {rule: ILSClustering(peak_rule=rule).fit(X) for rule in ("significance", "study")}
    names = {k for k in vars(fitted["significance"]) if k.endswith("_") and not k.startswith("_")}
    assert names == {k for k in vars(fitted["study"]) if k.endswith("_") and not k.startswith("_")}
    for rule, est in fitted.items():
        report = est.check_clusters()
        assert report["cluster"].tolist() == list(range(est.n_clusters_))
        assert report["size"].sum() == X.shape[0]
    assert fitted["significance"].n_clusters_ == 3
    assert not fitted["significance"].check_clusters()["should_split"].any()


# --------------------------------------------------------------------------
# The significance rule
# --------------------------------------------------------------------------


def test_significance_scores_do_not_depend_on_units():
    r = ILSClustering().fit(blobs(seed=2)).rmin_
    pos, sc = significance_scores(r, 15)
    pos2, sc2 = significance_scores(r * 1e-3, 15)
    np.testing.assert_array_equal(pos, pos2)
    np.testing.assert_allclose(sc, sc2, rtol=1e-9)
    # sorted by score; kept candidates at least p apart and p away from the ends
    assert np.all(np.diff(sc) <= 0)
    srt = np.sort(pos)
    assert np.all(np.diff(srt) >= 15) and srt[0] >= 15 and srt[-1] < r.size - 15


def test_significance_rule_on_a_sparse_cluster_after_a_dense_one():
    # unequal spreads and sizes, 8 standard deviations of the wider blob apart
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(size=(200, 5)), 2 * rng.normal(size=(60, 5)) + [16, 0, 0, 0, 0],
                        1.5 * rng.normal(size=(90, 5)) + [0, 16, 0, 0, 0]])
    y = np.repeat([0, 1, 2], [200, 60, 90])
    est = ILSClustering(min_cluster_size=18).fit(X)
    assert est.n_clusters_ == 3
    assert len(set(zip(y.tolist(), est.labels_.tolist()))) == 3


def test_significance_rule_edge_cases():
    assert find_rmin_peaks(np.zeros(100), 10)[0].size == 0  # all duplicates
    assert find_rmin_peaks(np.ones(100), 10)[0].size == 0  # a lattice: no scatter, no rise
    step = np.ones(100)
    step[50] = 3.0  # a lattice with one long edge
    pos, sc = find_rmin_peaks(step, 10)
    assert pos.tolist() == [50] and sc[0] > 3  # scatter from the standard deviation
    with pytest.raises(ValueError, match="at least 2"):
        find_rmin_peaks(step, 1)


# --------------------------------------------------------------------------
# Calibration: the docstring's table is what the trials give
# --------------------------------------------------------------------------


def docstring_table():
    doc = ILSClustering.__doc__
    rows = {}
    for line in doc.splitlines():
        m = re.match(r"\s+(uniform|gaussian_cov|gaussian|blobs\d)\s+([\d,]+)\s+(\d+)\s+(\d+)((?:\s+\d+){6})\s*$", line)
        if m:
            rows[(m[1], int(m[2].replace(",", "")))] = (int(m[3]), int(m[4]), [int(v) for v in m[5].split()])
    return rows


def test_docstring_calibration_table_is_complete():
    rows = docstring_table()
    assert set(rows) == {(s, n) for s in cal.SCENARIOS for n in (200, 500, 1000, 2000, 5000)}
    for (scenario, n), (p, trials, rates) in rows.items():
        assert p == round(0.05 * n) and trials == cal.trials_for(n)
        sig = rates[:3]  # significance d = 2, 5, 10; then the study rule
        assert min(sig) >= (95 if cal.SCENARIOS[scenario] == 1 else 90), (scenario, n)


@pytest.mark.parametrize("scenario", ["uniform", "blobs4"])
def test_calibration_cells_reproduce(scenario):
    trials = cal.calibration_trials(scenarios=[scenario], ns=[200])
    table = cal.calibration_table(trials)
    p, n_trials, rates = docstring_table()[(scenario, 200)]
    row = table.loc[(scenario, 200, p)]
    assert int(row["trials"]) == n_trials
    assert [round(100 * v) for v in row.drop("trials")] == rates


def test_calibration_data_is_seeded_and_as_specified():
    X, y, p = cal.calibration_data("blobs3", 1000, 5, trial=7)
    X2, y2, _ = cal.calibration_data("blobs3", 1000, 5, trial=7)
    np.testing.assert_array_equal(X, X2)
    assert p == 50 and np.bincount(y).min() >= 3 * p
    assert not np.array_equal(X, cal.calibration_data("blobs3", 1000, 5, trial=8)[0])


# --------------------------------------------------------------------------
# Noise reference
# --------------------------------------------------------------------------


def test_noise_reference_is_seeded_and_tidy():
    X = np.random.default_rng(0).normal(size=(150, 3)) * [1.0, 2.0, 0.5]
    a = noise_reference(X, min_cluster_size=8, n_draws=6, random_state=3)
    b = noise_reference(X, min_cluster_size=8, n_draws=6, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    c = noise_reference(X, min_cluster_size=8, n_draws=6, random_state=4)
    assert not a["top_score"].equals(c["top_score"])
    assert a.columns.tolist() == ["kind", "draw", "n_clusters", "cluster_sizes", "top_score"]
    assert a.groupby("kind").size().to_dict() == {"gaussian": 6, "uniform": 6}
    assert all(sum(s) == 150 and len(s) == k for s, k in zip(a["cluster_sizes"], a["n_clusters"]))
    assert a.attrs["n_samples"] == 150 and a.attrs["peak_rule"] == "significance"
    # draw i does not depend on how many draws are made
    pd.testing.assert_frame_equal(
        noise_reference(X, min_cluster_size=8, n_draws=2, random_state=3, kinds=["uniform"]),
        a[a["kind"] == "uniform"].head(2).reset_index(drop=True), check_like=True)
    study = noise_reference(X, min_cluster_size=8, n_draws=6, random_state=3, peak_rule="study")
    assert study["n_clusters"].mean() > a["n_clusters"].mean()


def test_noise_summary_and_distribution():
    X = np.random.default_rng(1).uniform(size=(120, 2))
    ref = noise_reference(X, min_cluster_size=6, n_draws=8, peak_rule="study")
    summ = noise_summary(ref, observed_k=3)
    assert summ["kind"].tolist() == ["uniform", "gaussian"]
    for row in summ.itertuples():
        ks = ref.loc[ref["kind"] == row.kind, "n_clusters"]
        assert row.k_max == ks.max() and row.share_at_least_observed == (ks >= 3).mean()
        assert row.share_one_cluster == (ks == 1).mean()
    dist = noise_distribution(ref)
    assert dist.groupby("kind")["share"].sum().round(12).eq(1).all()
    assert dist["n_draws"].sum() == len(ref)


def test_reference_samples_match_the_data():
    rng = np.random.default_rng(2)
    fractions = rng.dirichlet(np.ones(3), size=4000)  # rows sum to one: singular covariance
    X = np.column_stack([rng.uniform(2, 5, 4000), fractions])
    u = reference_sample(X, "uniform", np.random.default_rng(0))
    assert u.shape == X.shape and np.all(u >= X.min(0)) and np.all(u <= X.max(0))
    g = reference_sample(X, "gaussian", np.random.default_rng(0))
    np.testing.assert_allclose(np.cov(g, rowvar=False), np.cov(X, rowvar=False), atol=0.02)
    np.testing.assert_allclose(g[:, 1:].sum(axis=1), 1.0, atol=1e-9)  # stays in the data's subspace
    with pytest.raises(ValueError, match="kind"):
        reference_sample(X, "poisson", np.random.default_rng(0))


def test_noise_reference_rejects_bad_settings():
    X = np.random.default_rng(0).normal(size=(60, 2))
    with pytest.raises(ValueError, match="n_draws"):
        noise_reference(X, min_cluster_size=5, n_draws=0)
    with pytest.raises(ValueError, match="random_state"):
        noise_reference(X, min_cluster_size=5, random_state=None)
    with pytest.raises(ValueError, match="kinds"):
        noise_reference(X, min_cluster_size=5, kinds=["box"])


def test_compare_peak_rules_table():
    X = blobs(n=240, seed=6)
    cmp = compare_peak_rules(X, [12, 20], n_draws=4)
    t = cmp.table
    assert list(zip(t["peak_rule"], t["min_cluster_size"])) == [
        ("significance", 12), ("significance", 20), ("study", 12), ("study", 20)]
    for row in t.itertuples():
        est = cmp.estimators[(row.peak_rule, row.min_cluster_size)]
        assert row.n_clusters == est.n_clusters_ and sum(row.cluster_sizes) == 240
        part = cmp.noise[(cmp.noise["peak_rule"] == row.peak_rule)
                         & (cmp.noise["min_cluster_size"] == row.min_cluster_size)]
        for kind in ("uniform", "gaussian"):
            ks = part.loc[part["kind"] == kind, "n_clusters"]
            assert getattr(row, f"noise_{kind}_k_max") == ks.max()
            assert getattr(row, f"noise_{kind}_share_at_least_k") == (ks >= row.n_clusters).mean()
        assert row.beyond_noise == beyond_noise([row.noise_uniform_share_at_least_k,
                                                 row.noise_gaussian_share_at_least_k])
    assert t.loc[t["peak_rule"] == "significance", "n_clusters"].tolist() == [3, 3]
    assert compare_peak_rules(X, 12, n_draws=0).noise.empty
    with pytest.raises(ValueError, match="n_clusters"):
        compare_peak_rules(X, 12, n_clusters=2)


def test_beyond_noise_is_a_five_percent_test_for_every_kind():
    assert NOISE_SHARE == 0.05
    assert beyond_noise(0.0) and beyond_noise(0.04) and not beyond_noise(0.05)
    assert beyond_noise({"uniform": 0.0, "gaussian": 0.03}) and not beyond_noise({"uniform": 0.0, "gaussian": 0.2})
    assert beyond_noise(pd.Series([0.01, 0.02])) and not beyond_noise([0.01, 0.5])
    for bad in ([], [1.2], [-0.1], [np.nan]):
        with pytest.raises(ValueError, match="share_at_least"):
            beyond_noise(bad)


def test_spanning_tree_gap_uses_the_same_test():
    """A statistic reached by 3 % of the draws of each kind is beyond noise; by 3 % and 10 %, not."""
    def gap(shares):
        table = pd.DataFrame([{"statistic": "largest_jump", "data": 2.0, "uniform_max": 1.0,
                               "uniform_share_at_least": shares[0], "gaussian_max": 1.0,
                               "gaussian_share_at_least": shares[1]},
                              {"statistic": "top_over_median", "data": 2.0, "uniform_max": 3.0,
                               "uniform_share_at_least": 1.0, "gaussian_max": 3.0, "gaussian_share_at_least": 1.0}])
        return GapReference(edges=np.ones(3), noise_edges={}, table=table)

    assert gap((0.03, 0.03)).exceeds_noise
    assert not gap((0.03, 0.10)).exceeds_noise
    assert gap((0.0, 0.0)).exceeds_noise

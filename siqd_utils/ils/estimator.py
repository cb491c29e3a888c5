"""The scikit-learn clusterer :class:`ILSClustering`.

First pass from one seed (:func:`~siqd_utils.ils.spread_labels`), a peak rule
on the ``R_min`` curve (:mod:`~siqd_utils.ils.peaks`), one seed per region at
its densest point, second pass from those seeds; ``check_clusters`` re-applies
the rule inside each cluster, as the study did.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .distances import check_points, sqdist_to_point
from .peaks import DEFAULT_SIGNIFICANCE, PEAK_RULES, rmin_peaks, segment_minima
from .spreading import spread_labels

__all__ = ["ILSClustering", "SKLEARN_EXPECTED_FAILED_CHECKS"]

#: ``start="densest"`` ranks points by the distance to their k-th neighbour,
#: k = min(min_cluster_size, this).
_DENSEST_MAX_K = 16

#: Checks of :func:`sklearn.utils.estimator_checks.check_estimator` that
#: :class:`ILSClustering` is expected to fail, with the reason: none.
SKLEARN_EXPECTED_FAILED_CHECKS: dict[str, str] = {}


class ILSClustering(ClusterMixin, BaseEstimator):
    """Iterative Label Spreading clustering (Parker & Barnard).

    ILS finds the number of clusters from the data: it spreads a label from one
    seed over the whole data set (first pass), cuts the resulting ``R_min``
    curve at its peaks, puts one seed at the densest point of each region and
    spreads again from those seeds (second pass).  Only the second pass's
    labels are the clustering.  Which peaks count is decided by a *peak rule*:

    ``"significance"`` (default)
        A scale-free score: how far the jump in ``log R_min`` rises above the
        regions on either side, in units of the curve's own scatter
        (:func:`~siqd_utils.ils.peaks.significance_scores`); peaks scoring
        above ``significance`` are kept.  Calibrated so that structureless
        data give one cluster (table below).
    ``"study"``
        The automatic rule of the original ILS code, as used by the study:
        Gaussian smoothing over ``p`` points, ``scipy.signal.find_peaks_cwt``
        with width ``p``, every peak kept that lies more than ``p`` positions
        from either end (:func:`~siqd_utils.ils.peaks.find_study_peaks`).  It
        has no significance test and finds several clusters in noise (table
        below).  With the default ``start="auto"`` the first pass starts, as
        in the original code, at the point nearest the mean, so the estimator
        runs the study's whole procedure.

    Parameters
    ----------
    min_cluster_size : int, default=15
        ``p`` in the paper: the smallest cluster that can be found.  It sets
        the smoothing width, the margin at both ends in which no peak is
        accepted and (significance rule) the minimum distance between peaks.
        Must be at least 2 and at most ``n_samples / 2``.  The study used 15
        for 297 dots (about 5 %); the calibration holds for about 5 % of the
        data.
    n_clusters : int or None, default=None
        If given, force this many clusters: the ``n_clusters - 1`` best peaks
        are used whatever their score (significance rule) or the
        ``n_clusters - 1`` peaks with the highest smoothed ``R_min`` (study
        rule).  An error is raised if the rule has fewer candidates.
    peak_rule : {"significance", "study"}, default="significance"
        Which peaks cut the curve (see above).
    significance : float, default=3.0
        Threshold of the significance rule.  Ignored by the study rule and
        when ``n_clusters`` is given.  Raise it to split less.
    start : {"auto", "densest", "centroid"} or int, default="auto"
        Seed of the first pass.  ``"densest"``: the point whose k-th nearest
        neighbour is closest, ``k = min(min_cluster_size, 16)`` (the core of
        the densest region, so the curve starts in a trough); ties go to the
        lowest index.  ``"centroid"``: the original code's seed, the point
        nearest the mean of the features (squared Euclidean distance, the
        squares added in feature order; ties go to the lowest index, as
        pandas' ``idxmin`` in the original).  ``"auto"``: ``"centroid"`` with
        the study rule (its whole procedure) and ``"densest"`` with the
        significance rule (the seed its calibration used).  An int is used as
        a data index.  The seed changes the shape of the first-pass curve, not
        its sorted values.
    metric : {"euclidean"}, default="euclidean"
        Only the Euclidean distance is supported.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,), dtype int64
        Cluster of each point, ``0 .. n_clusters_ - 1`` (scikit-learn's
        convention; the book shows them as Cluster 1 .. k), numbered in the
        order in which the clusters' seeds appear in the first pass (cluster 0
        contains the first-pass seed's region).
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
    rmin_smoothed_ : ndarray of shape (n_samples - 1,)
        ``rmin_`` smoothed with a Gaussian of ``min_cluster_size`` points
        (:func:`~siqd_utils.ils.smooth_rmin`); the seeds are its minima, and
        the study rule's peaks are found on it.
    mst_edge_lengths_ : ndarray of shape (n_samples - 1,)
        ``rmin_`` sorted: the edge lengths of a minimum spanning tree of the
        data, ascending (independent of the seed; "is there any gap?").
    peaks_ : ndarray of int
        Positions in ``rmin_`` where a new region starts (sorted).
    peak_scores_ : ndarray of float
        For each peak in ``peaks_``: its significance score, or, with
        ``peak_rule="study"`` (which has no score), the smoothed ``R_min`` at
        the peak (``rmin_smoothed_[peaks_]``).
    candidates_ : ndarray of int
        Every peak the rule considered, accepted or not (sorted positions);
        the study rule accepts all of them unless ``n_clusters`` is given.
    candidate_scores_ : ndarray of float
        Their scores, as ``peak_scores_``.  ``candidate_scores_.max()`` says
        how close the best rejected peak came to ``significance``.
    seeds_ : ndarray of shape (n_clusters_,)
        Data index of each cluster's seed; ``seeds_[c]`` seeds cluster ``c``
        (see Notes for the study rule's first region).
    rmin_final_ : ndarray of shape (n_samples - n_clusters_,)
        Second-pass ``R_min`` curve.
    order_final_ : ndarray of shape (n_samples - n_clusters_,)
        Second-pass labelling order.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit (only when ``X`` has string
        column names).

    See Also
    --------
    spread_labels : One ILS pass with any seeds.
    rmin_peaks : The peak rules used by :meth:`fit`.
    noise_reference : The number of clusters a rule finds on noise matched
        to the data.

    Notes
    -----
    Seeds of the second pass: in each region (a run of positions of the
    first-pass curve between two peaks) the seed is the point at the minimum of
    ``rmin_smoothed_`` - a run of low ``R_min`` values, i.e. a dense part.  The
    position in the curve is mapped to a data index through ``order_``.  With
    the study rule, a minimum at position 0 (the first point labelled after
    the first-pass seed) is dropped, as the original code's ``findMin`` drops
    it; the code does not say how the study then seeded that first region.
    This estimator seeds it at the first-pass seed itself (``start_``), the
    point the region's labels spread from in the first pass, so the study
    rule still gives one cluster per region.

    Clusters smaller than ``p`` cannot produce an accepted peak, so they are
    merged into a neighbour; outliers take the label of the nearest cluster.

    Calibration.  Share of seeded trials (%) that give the right number
    of clusters, per scenario, number of points ``n``, ``p = 5 %`` of ``n``
    and number of features ``d``, for the significance rule (``sig.``, the
    default threshold 3.0) and the study rule, both applied to the same
    first-pass curve of each trial, from the ``"densest"`` start
    (:mod:`~siqd_utils.ils.calibration`;
    ``python benchmarks/ils_calibration.py`` prints this table).  The right
    number is 1 for ``uniform`` (unit cube), ``gaussian`` (standard normal)
    and ``gaussian_cov`` (normal with a random covariance), and 2, 3 or 4 for
    ``blobs2`` to ``blobs4``: Gaussian blobs of at least ``3 p`` points each,
    standard deviations between 1 and 2 (one at each end), the closest pair
    of centres 8 standard deviations of the wider blob apart.

        ============  =====  ===  ======  ========  ========  =========  =========  =========  ==========
        scenario      n      p    trials  sig. d=2  sig. d=5  sig. d=10  study d=2  study d=5  study d=10
        ============  =====  ===  ======  ========  ========  =========  =========  =========  ==========
        uniform         200   10      40       100       100        100          0          0           0
        uniform         500   25      40       100       100        100          0          0           0
        uniform       1,000   50      40       100       100        100          0          0           0
        uniform       2,000  100      20       100       100        100          0          0           0
        uniform       5,000  250      20       100       100        100          0          5           5
        gaussian        200   10      40       100       100        100          0          0           0
        gaussian        500   25      40       100       100        100          0          0           2
        gaussian      1,000   50      40       100       100        100          0          0           5
        gaussian      2,000  100      20       100       100        100          0          0           0
        gaussian      5,000  250      20       100       100        100          0          0           0
        gaussian_cov    200   10      40       100       100        100          0          0           0
        gaussian_cov    500   25      40       100       100        100          0          0           5
        gaussian_cov  1,000   50      40       100       100        100          0          2           0
        gaussian_cov  2,000  100      20       100       100        100          0          0           5
        gaussian_cov  5,000  250      20       100       100        100          0          0           0
        blobs2          200   10      40       100       100        100          8         32          38
        blobs2          500   25      40       100       100        100         22         20          30
        blobs2        1,000   50      40       100       100        100         18         28          22
        blobs2        2,000  100      20       100       100        100         30         35          15
        blobs2        5,000  250      20       100       100        100         50         30          20
        blobs3          200   10      40       100       100        100         40         68          70
        blobs3          500   25      40       100       100        100         52         70          68
        blobs3        1,000   50      40       100       100        100         55         65          52
        blobs3        2,000  100      20       100       100        100         65         50          55
        blobs3        5,000  250      20       100       100        100         80         65          45
        blobs4          200   10      40       100       100        100         82         72          60
        blobs4          500   25      40       100       100        100         80         60          55
        blobs4        1,000   50      40       100       100        100         85         68          48
        blobs4        2,000  100      20       100       100        100         80         60          45
        blobs4        5,000  250      20       100       100        100         85         50          40
        ============  =====  ===  ======  ========  ========  =========  =========  =========  ==========

    Over all 2,880 trials, the best significance score on structureless data
    had a median of 1.44, a 99th percentile of 2.33 and a maximum of 2.84; the
    weakest peak needed to separate the blobs scored at least 3.33 (1st
    percentile 4.15).  The threshold 3.0 sits between.  The study rule finds
    several clusters in noise (one cluster in 0.6 % of the structureless
    trials) and the right count of blobs in 50.5 %: it cannot tell a cluster
    count from noise.  Other shares (``--p-share``, n up to 1,000): at
    ``p = 10 %`` of ``n`` every significance cell was 100 %; at ``p = 2 %``
    all cells with ``p >= 10`` were 100 %, but at ``p = 4`` (``n = 200``) the
    structureless cells fell to 70-100 % and the blob cells to 75-100 %:
    with very small ``p`` the levels beside a peak rest on a few points.
    Check such results with :func:`~siqd_utils.ils.noise_reference`.
    Limitations of the significance rule: a
    thin bridge of points between two clusters, with edges a few times longer
    than inside them, scores below the threshold (2.3-2.7 for a 12-point
    bridge at ``p = 15``); ``n_clusters`` then still cuts at the bridge.

    Scikit-learn compatibility: the estimator passes
    :func:`sklearn.utils.estimator_checks.check_estimator` (run with
    ``parametrize_with_checks`` in the tests) without expected failures
    (:data:`SKLEARN_EXPECTED_FAILED_CHECKS` is empty).  The checks use
    ``min_cluster_size=3``, because their data sets have 10 to 20 samples and
    ``min_cluster_size > n_samples / 2`` is rejected.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 12])
    >>> est = ILSClustering(min_cluster_size=10).fit(X)
    >>> est.n_clusters_
    2
    >>> np.bincount(est.labels_).tolist()
    [60, 60]
    >>> ILSClustering(min_cluster_size=10).fit(rng.uniform(size=(120, 2))).n_clusters_
    1
    """

    _parameter_constraints: dict = {
        "min_cluster_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "peak_rule": [StrOptions(set(PEAK_RULES))],
        "significance": [Interval(numbers.Real, 0, None, closed="left")],
        "start": [
            StrOptions({"auto", "densest", "centroid"}),
            Interval(numbers.Integral, 0, None, closed="left"),
        ],
        "metric": [StrOptions({"euclidean"})],
    }

    def __init__(
        self,
        min_cluster_size=15,
        n_clusters=None,
        peak_rule="significance",
        significance=DEFAULT_SIGNIFICANCE,
        start="auto",
        metric="euclidean",
    ):
        self.min_cluster_size = min_cluster_size
        self.n_clusters = n_clusters
        self.peak_rule = peak_rule
        self.significance = significance
        self.start = start
        self.metric = metric

    def _start_index(self, X):
        n = X.shape[0]
        if isinstance(self.start, str):
            start = self.start
            if start == "auto":
                start = "centroid" if self.peak_rule == "study" else "densest"
            if start == "centroid":
                XT = np.ascontiguousarray(X.T)
                # each column's mean from its contiguous copy: NumPy's pairwise sum, the
                # arithmetic of pandas' DataFrame.mean in the original code, so that exact
                # ties between distances come out as they do there
                d2 = sqdist_to_point(XT, XT.mean(axis=1))
                return int(np.argmin(d2))  # first minimum, as pandas' idxmin
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
        X = check_points(X)
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
        found = rmin_peaks(first.rmin, p, peak_rule=self.peak_rule,
                           significance=self.significance, n_peaks=n_peaks)
        minima = segment_minima(found.smoothed, found.positions)
        seeds = first.order[minima]
        if self.peak_rule == "study" and minima[0] == 0:
            # the original code drops a minimum at position 0; its first region keeps
            # the first-pass seed (Notes)
            seeds[0] = start
        lab = np.zeros(n, dtype=np.int64)
        lab[seeds] = np.arange(1, seeds.size + 1)  # spreading labels are positive
        final = spread_labels(X, lab)

        self.start_ = start
        self.rmin_ = np.array(first.rmin)
        self.order_ = np.array(first.order)
        self.source_ = np.array(first.source)
        self.rmin_smoothed_ = found.smoothed
        self.mst_edge_lengths_ = np.sort(self.rmin_)
        self.peaks_ = found.positions
        self.peak_scores_ = found.scores
        self.candidates_ = found.candidates
        self.candidate_scores_ = found.candidate_scores
        self.seeds_ = np.asarray(seeds, dtype=np.int64)
        self.labels_ = np.array(final.labels) - 1
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
            Cluster labels, ``0 .. n_clusters_ - 1``.
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
            Labels in ``0 .. n_clusters_ - 1``.  Among equidistant fitted
            points, the k-d tree's (deterministic) choice is used.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        _, idx = cKDTree(self._fit_X).query(X, k=1)
        return self.labels_[np.asarray(idx, dtype=np.int64)]

    def check_clusters(self):
        """Re-apply ILS inside each cluster to see whether it should split.

        Each cluster of at least ``2 * min_cluster_size`` points is clustered
        on its own with the same ``min_cluster_size``, ``peak_rule``,
        ``significance`` and ``start`` (``"auto"`` if ``start`` is an index;
        ``n_clusters`` is not used); finding
        more than one sub-cluster means the cluster should be split (or
        ``min_cluster_size`` / ``significance`` tuned).  Smaller clusters are
        skipped.  With the study rule, which finds peaks in noise, most large
        clusters "should split".

        Returns
        -------
        report : pandas.DataFrame
            One row per cluster with columns ``cluster`` (the label, as in
            ``labels_``), ``size``, ``checked`` (False if skipped),
            ``n_subclusters`` (nullable int, missing if skipped) and
            ``should_split``.
        """
        import pandas as pd

        check_is_fitted(self)
        p = self.min_cluster_size
        start = self.start if isinstance(self.start, str) else "auto"  # an index of X means nothing in a cluster
        rows = []
        for c in range(self.n_clusters_):
            idx = np.flatnonzero(self.labels_ == c)
            size = int(idx.size)
            if size < 2 * p:
                rows.append((c, size, False, pd.NA, False))
                continue
            sub = ILSClustering(
                min_cluster_size=p, peak_rule=self.peak_rule, significance=self.significance, start=start
            ).fit(self._fit_X[idx])
            rows.append((c, size, True, sub.n_clusters_, sub.n_clusters_ > 1))
        df = pd.DataFrame(
            rows, columns=["cluster", "size", "checked", "n_subclusters", "should_split"]
        )
        df["n_subclusters"] = df["n_subclusters"].astype("Int64")
        return df

"""Noise references for ILS: how many clusters a peak rule finds where there are none.

A cluster count means something only beside what the same rule reports on
structureless data of the same size.  :func:`noise_reference` draws such data
matched to yours (same number of points and features; uniform over the data's
bounding box, and a Gaussian with the data's mean and covariance), clusters
each draw with the same settings and returns one row per draw;
:func:`noise_summary` and :func:`noise_distribution` condense it.
:func:`compare_peak_rules` fits both peak rules on the data and sets each
result beside its noise reference.  Every draw is seeded: the same
``random_state`` gives the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .distances import check_points
from .estimator import ILSClustering
from .peaks import DEFAULT_SIGNIFICANCE, PEAK_RULES
from .spreading import mst_edge_lengths

__all__ = ["REFERENCE_KINDS", "NOISE_SHARE", "beyond_noise", "reference_sample", "noise_reference",
           "noise_summary", "noise_distribution", "PeakRuleComparison", "compare_peak_rules", "GapReference",
           "gap_statistics", "mst_gap_reference"]

#: Structureless references matched to a data set.
REFERENCE_KINDS = ("uniform", "gaussian")
#: A value of the data (a cluster count, a gap statistic) is beyond noise when fewer than
#: this share of the matched noise draws reach it.
NOISE_SHARE = 0.05


def beyond_noise(share_at_least) -> bool:
    """Whether the data's value is beyond what matched noise gives.

    True when fewer than :data:`NOISE_SHARE` of the noise draws reach the
    data's value, for every reference kind: a one-sided Monte Carlo test at the
    5 % level.  A fixed share rather than "above every draw" (a share of 0),
    because the latter is a test whose level depends on the number of draws
    (5 % with 20 draws, 1 % with 100, 0.1 % with 1,000), so that builds with
    different ``noise_draws`` would judge by different standards, and a count
    and a gap judged with different numbers of draws could not be set side by
    side.  With fewer than 20 draws no share below 5 % but 0 exists, and the
    test is as strict as the draws allow.

    Parameters
    ----------
    share_at_least : float, or mapping or sequence of float
        The share of the noise draws reaching the data's value, or one share
        per reference kind (then every kind must be below the bar).

    Returns
    -------
    bool
    """
    if isinstance(share_at_least, Mapping):
        share_at_least = list(share_at_least.values())
    shares = np.atleast_1d(np.asarray(share_at_least, dtype=float))
    if shares.size == 0 or not np.all((shares >= 0) & (shares <= 1)):
        raise ValueError(f"share_at_least must be one or more shares in [0, 1]; got {share_at_least!r}")
    return bool(shares.max() < NOISE_SHARE)


def reference_sample(X, kind, rng):
    """One structureless data set matched to ``X`` (same shape).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data.
    kind : {"uniform", "gaussian"}
        ``"uniform"``: independent uniform coordinates over the bounding box
        of ``X``.  ``"gaussian"``: a normal distribution with the mean and
        covariance of ``X`` (drawn through the covariance's eigenvectors, so a
        singular covariance, e.g. fractions summing to one, keeps the draws in
        the data's subspace).
    rng : numpy.random.Generator
        Source of the draw.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
    """
    X = check_points(X)
    n, d = X.shape
    if kind == "uniform":
        return rng.uniform(X.min(axis=0), X.max(axis=0), size=(n, d))
    if kind == "gaussian":
        cov = np.atleast_2d(np.cov(X, rowvar=False))
        w, V = np.linalg.eigh(cov)
        root = V * np.sqrt(np.clip(w, 0.0, None))
        return X.mean(axis=0) + rng.standard_normal((n, d)) @ root.T
    raise ValueError(f"kind must be one of {REFERENCE_KINDS}; got {kind!r}")


def noise_reference(X, *, min_cluster_size=15, peak_rule="significance",
                    significance=DEFAULT_SIGNIFICANCE, n_draws=100, kinds=REFERENCE_KINDS,
                    random_state=0, **ils_params):
    """Clusters found by an ILS rule on structureless data matched to ``X``.

    For each reference kind (:func:`reference_sample`) and each of ``n_draws``
    draws, a data set of the shape of ``X`` is drawn and clustered with
    :class:`ILSClustering` and the given settings.  Draw ``i`` of kind ``k``
    is seeded by ``(random_state, k, i)``, so it does not depend on
    ``n_draws`` or on the other kinds.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data the reference is for.
    min_cluster_size, peak_rule, significance, **ils_params
        Settings of :class:`ILSClustering` (use the ones of the result you
        want to judge).
    n_draws : int, default=100
        Draws per kind.
    kinds : sequence of {"uniform", "gaussian"}, default=("uniform", "gaussian")
        Reference kinds.
    random_state : int, default=0
        Seed of all draws.

    Returns
    -------
    pandas.DataFrame
        One row per draw: ``kind``, ``draw``, ``n_clusters``,
        ``cluster_sizes`` (tuple, largest first) and ``top_score`` (the best
        candidate's score, ``candidate_scores_.max()``; NaN if the rule had no
        candidate).  ``attrs`` records ``n_samples``, ``n_features`` and the
        settings.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(1).normal(size=(120, 3))
    >>> ref = noise_reference(X, min_cluster_size=6, n_draws=5)
    >>> ref.columns.tolist()
    ['kind', 'draw', 'n_clusters', 'cluster_sizes', 'top_score']
    >>> ref.equals(noise_reference(X, min_cluster_size=6, n_draws=5))
    True
    """
    X = check_points(X)
    if isinstance(n_draws, (bool, np.bool_)) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ValueError(f"n_draws must be a positive integer; got {n_draws!r}")
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(random_state, (int, np.integer)) \
            or random_state < 0:
        raise ValueError(f"random_state must be a non-negative integer (the seed); got {random_state!r}")
    kinds = tuple(kinds)
    for kind in kinds:
        if kind not in REFERENCE_KINDS:
            raise ValueError(f"kinds: {kind!r} is not one of {REFERENCE_KINDS}")
    params = dict(min_cluster_size=min_cluster_size, peak_rule=peak_rule,
                  significance=significance, **ils_params)
    rows = []
    for k, kind in enumerate(REFERENCE_KINDS):
        if kind not in kinds:
            continue
        for draw in range(int(n_draws)):
            rng = np.random.default_rng(np.random.SeedSequence(int(random_state), spawn_key=(k, draw)))
            est = ILSClustering(**params).fit(reference_sample(X, kind, rng))
            sizes = tuple(sorted(np.bincount(est.labels_).tolist(), reverse=True))
            top = float(est.candidate_scores_.max()) if est.candidate_scores_.size else np.nan
            rows.append((kind, draw, int(est.n_clusters_), sizes, top))
    out = pd.DataFrame(rows, columns=["kind", "draw", "n_clusters", "cluster_sizes", "top_score"])
    out.attrs.update(n_samples=X.shape[0], n_features=X.shape[1], n_draws=int(n_draws),
                     random_state=int(random_state), **params)
    return out


def noise_summary(reference, observed_k=None):
    """Per reference kind: how many clusters the rule found on noise.

    Parameters
    ----------
    reference : pandas.DataFrame
        Output of :func:`noise_reference`.
    observed_k : int or None, default=None
        The number of clusters found on the data; adds ``observed_k`` and
        ``share_at_least_observed`` (the share of noise draws with at least
        that many clusters: small means noise rarely does as well).

    Returns
    -------
    pandas.DataFrame
        One row per kind: ``kind``, ``n_draws``, ``k_min``, ``k_median``,
        ``k_max``, ``share_one_cluster``, ``top_score_median``,
        ``top_score_max`` (and the two columns above).
    """
    g = reference.groupby("kind", sort=False)
    out = pd.DataFrame({
        "n_draws": g.size(),
        "k_min": g["n_clusters"].min(),
        "k_median": g["n_clusters"].median(),
        "k_max": g["n_clusters"].max(),
        "share_one_cluster": g["n_clusters"].apply(lambda k: float((k == 1).mean())),
        "top_score_median": g["top_score"].median(),
        "top_score_max": g["top_score"].max(),
    })
    if observed_k is not None:
        out["observed_k"] = int(observed_k)
        out["share_at_least_observed"] = g["n_clusters"].apply(lambda k: float((k >= observed_k).mean()))
    return out.reset_index()


def noise_distribution(reference):
    """Share of the noise draws of each kind that gave each number of clusters.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind``, ``n_clusters``, ``n_draws``, ``share`` (shares sum
        to one per kind).
    """
    counts = reference.groupby(["kind", "n_clusters"], sort=False).size().rename("n_draws").reset_index()
    counts = counts.sort_values(["kind", "n_clusters"], kind="stable", ignore_index=True)
    counts["share"] = counts["n_draws"] / counts.groupby("kind")["n_draws"].transform("sum")
    return counts


@dataclass(frozen=True)
class PeakRuleComparison:
    """Outcome of :func:`compare_peak_rules`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (``peak_rule``, ``min_cluster_size``): ``n_clusters``,
        ``cluster_sizes`` (tuple, by label 0 .. k-1), ``top_score`` and, per
        reference kind, ``noise_<kind>_k_max`` and
        ``noise_<kind>_share_at_least_k`` (share of the noise draws with at
        least ``n_clusters`` clusters), and ``beyond_noise``
        (:func:`beyond_noise` of those shares).
    estimators : dict
        ``(peak_rule, min_cluster_size) -> fitted ILSClustering``.
    noise : pandas.DataFrame
        The noise draws (:func:`noise_reference` rows plus ``peak_rule`` and
        ``min_cluster_size``); empty when ``n_draws=0``.
    """

    table: pd.DataFrame
    estimators: dict = field(repr=False)
    noise: pd.DataFrame = field(repr=False)


def compare_peak_rules(X, min_cluster_sizes=(15,), *, peak_rules=PEAK_RULES,
                       significance=DEFAULT_SIGNIFICANCE, n_draws=100, random_state=0, **ils_params):
    """Fit each peak rule at each ``p`` and set it beside its noise reference.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data.
    min_cluster_sizes : int or sequence of int, default=(15,)
        Values of ``p``.
    peak_rules : sequence of {"significance", "study"}, default=both
        Rules to fit.
    significance : float, default=3.0
        Threshold of the significance rule.
    n_draws : int, default=100
        Noise draws per kind and setting (:func:`noise_reference`); 0 skips
        the noise reference.
    random_state : int, default=0
        Seed of the noise draws (the same for every setting).
    **ils_params
        Other parameters of :class:`ILSClustering` (``n_clusters`` is not
        allowed: the comparison is about the counts the rules choose).

    Returns
    -------
    PeakRuleComparison
    """
    if "n_clusters" in ils_params:
        raise ValueError("compare_peak_rules compares the rules' own cluster counts; do not pass n_clusters")
    X = check_points(X)
    ps = [min_cluster_sizes] if np.isscalar(min_cluster_sizes) else list(min_cluster_sizes)
    rows, estimators, noise = [], {}, []
    for rule in peak_rules:
        for p in ps:
            est = ILSClustering(min_cluster_size=p, peak_rule=rule, significance=significance,
                                **ils_params).fit(X)
            estimators[(rule, p)] = est
            k = int(est.n_clusters_)
            row = {"peak_rule": rule, "min_cluster_size": int(p), "n_clusters": k,
                   "cluster_sizes": tuple(np.bincount(est.labels_).tolist()),
                   "top_score": float(est.candidate_scores_.max()) if est.candidate_scores_.size else np.nan}
            if n_draws:
                ref = noise_reference(X, min_cluster_size=p, peak_rule=rule, significance=significance,
                                      n_draws=n_draws, random_state=random_state, **ils_params)
                shares = {}
                for kind, part in ref.groupby("kind", sort=False):
                    row[f"noise_{kind}_k_max"] = int(part["n_clusters"].max())
                    row[f"noise_{kind}_share_at_least_k"] = shares[kind] = float((part["n_clusters"] >= k).mean())
                row["beyond_noise"] = beyond_noise(shares)
                noise.append(ref.assign(peak_rule=rule, min_cluster_size=int(p)))
            rows.append(row)
    noise_df = pd.concat(noise, ignore_index=True) if noise else pd.DataFrame(
        columns=["kind", "draw", "n_clusters", "cluster_sizes", "top_score", "peak_rule", "min_cluster_size"])
    return PeakRuleComparison(table=pd.DataFrame(rows), estimators=estimators, noise=noise_df)


def gap_statistics(edges) -> dict[str, float]:
    """Two scale-free measures of a gap in sorted minimum-spanning-tree edge lengths.

    ``largest_jump``: the largest ratio of consecutive edges in the upper half of
    the sorted lengths (well-separated clusters make the few bridging edges jump
    above all others); ``top_over_median``: the longest edge over the median edge.
    """
    e = np.sort(np.asarray(edges, dtype=float))
    upper = e[e.size // 2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = upper[1:] / upper[:-1]
    ratios = ratios[np.isfinite(ratios)]
    return {"largest_jump": float(ratios.max()) if ratios.size else 1.0,
            "top_over_median": float(e[-1] / np.median(e)) if np.median(e) > 0 else float("inf")}


@dataclass(frozen=True)
class GapReference:
    """The data's minimum-spanning-tree gap statistics beside matched noise (:func:`mst_gap_reference`).

    Attributes
    ----------
    edges : ndarray
        The data's sorted edge lengths.
    noise_edges : dict
        Per reference kind, an array (n_draws, n_samples - 1) of sorted edge lengths.
    table : pandas.DataFrame
        One row per statistic (``largest_jump``, ``top_over_median``): the data's
        value and, per kind, the noise maximum and the share of draws reaching the
        data's value.
    """

    edges: np.ndarray = field(repr=False)
    noise_edges: dict = field(repr=False)
    table: pd.DataFrame

    @property
    def exceeds_noise(self) -> bool:
        """True when some statistic of the data is beyond noise of every kind (:func:`beyond_noise`)."""
        shares = self.table[[c for c in self.table.columns if c.endswith("_share_at_least")]]
        return any(beyond_noise(row) for row in shares.to_numpy())


def mst_gap_reference(X, n_draws: int = 100, random_state: int = 0) -> GapReference:
    """Is there any density gap? The data's sorted spanning-tree edges against matched noise.

    The same seeded structureless references as :func:`noise_reference`
    (uniform over the bounding box, Gaussian with the data's covariance).
    """
    X = check_points(X)
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ValueError(f"n_draws = {n_draws!r}: must be a positive integer")
    edges = mst_edge_lengths(X)
    observed = gap_statistics(edges)
    rng = np.random.default_rng(random_state)
    noise_edges, stats = {}, {}
    for kind in REFERENCE_KINDS:
        arrays = [mst_edge_lengths(reference_sample(X, kind, rng)) for _ in range(int(n_draws))]
        noise_edges[kind] = np.array(arrays)
        stats[kind] = [gap_statistics(a) for a in arrays]
    rows = []
    for name, value in observed.items():
        row = {"statistic": name, "data": value}
        for kind in REFERENCE_KINDS:
            vals = np.array([s[name] for s in stats[kind]])
            row[f"{kind}_max"] = float(vals.max())
            row[f"{kind}_share_at_least"] = float((vals >= value).mean())
        rows.append(row)
    return GapReference(edges=edges, noise_edges=noise_edges, table=pd.DataFrame(rows))

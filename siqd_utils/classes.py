"""Label sets: the structure classes and the colour classes the chapters compare.

:func:`structure_classes`
    Clusters the prepared features with Iterative Label Spreading.
:func:`label_sets`
    The six-class label sets the supervised chapters learn: the colour bands, ILS with as
    many classes as bands, the dominant facet family and k-means
    (:func:`label_set_table`: sizes, baselines, purity beside chance).
:func:`cluster_count_sweep`
    The number of ILS clusters over a range of ``p``.
:func:`spectral_purity`
    How much of each class falls into a single colour band.
:func:`neighbour_overlap`
    How far neighbouring colour bands share the range of one feature.

Examples
--------
>>> from siqd_utils.datasets import load_ensemble
>>> from siqd_utils.preprocessing import prepare
>>> prepared = prepare(load_ensemble())                     # doctest: +SKIP
>>> ils = structure_classes(prepared, min_cluster_size=15)  # doctest: +SKIP
>>> spectral_purity(ils.labels_ + 1, prepared.bands).overall    # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .bands import BANDS
from .preprocessing import Prepared

__all__ = [
    "CHANCE_DRAWS",
    "MIN_CLASS_SIZE",
    "ChancePurity",
    "LabelSet",
    "N_CLASSES",
    "band_classes",
    "chance_purity",
    "dominant_facet_classes",
    "ils_classes",
    "kmeans_classes",
    "label_sets",
    "six_region_p",
    "label_set_table",
    "cluster_count_sweep",
    "neighbour_overlap",
    "SpectralPurity",
    "spectral_purity",
    "structure_classes",
]


def structure_classes(prepared: Prepared, min_cluster_size: int = 15, **ils_params):
    """Cluster the prepared features with Iterative Label Spreading.

    Parameters
    ----------
    prepared : Prepared
        Output of :func:`prepare`; the clustering runs on ``prepared.X``.
    min_cluster_size : int, default=15
        The study's *p*: the smoothing width of the peak finding and the
        smallest cluster that can be found.
    **ils_params
        Further parameters of :class:`siqd_utils.ils.ILSClustering`
        (e.g. ``n_clusters``).

    Returns
    -------
    siqd_utils.ils.ILSClustering
        The fitted clusterer: ``labels_`` (0..k-1, shown as clusters 1..k; one per row of
        ``prepared.frame``), ``n_clusters_``, ``rmin_``, ``order_``, ``seeds_``,
        ``rmin_final_``.

    Raises
    ------
    TypeError
        If ``prepared`` is not a :class:`Prepared`.
    """
    from .ils import ILSClustering  # imported here: the clusterer is heavy and optional for prepare()

    if not isinstance(prepared, Prepared):
        raise TypeError(f"prepared must be the result of prepare(), got {type(prepared).__name__}")
    est = ILSClustering(min_cluster_size=min_cluster_size, **ils_params)
    return est.fit(prepared.X.to_numpy(dtype=float))


def cluster_count_sweep(prepared: Prepared, min_cluster_sizes, **ils_params) -> pd.DataFrame:
    """Number of ILS clusters found for each of several values of ``p``.

    Parameters
    ----------
    prepared : Prepared
        Output of :func:`prepare`.
    min_cluster_sizes : iterable of int
        Values of ``p`` (``min_cluster_size``) to try; each must be at least 2
        and at most half the number of dots.
    **ils_params
        Other parameters of :class:`siqd_utils.ils.ILSClustering`.

    Returns
    -------
    pandas.DataFrame
        One row per ``p``: ``p``, ``share_pct`` (p as a share of the dots),
        ``n_clusters``, ``sizes`` (cluster sizes, largest first, as text) and
        ``smallest`` (the size of the smallest cluster).

    Raises
    ------
    ValueError
        If a ``p`` is outside ``2 .. n/2`` (named in the message).
    """
    rows = []
    for p in min_cluster_sizes:
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not 2 <= p <= prepared.n / 2:
            raise ValueError(f"min_cluster_sizes: {p!r} is not an integer from 2 to {prepared.n // 2}")
        est = structure_classes(prepared, min_cluster_size=int(p), **ils_params)
        sizes = sorted(np.bincount(est.labels_).tolist(), reverse=True)
        rows.append({"p": int(p), "share_pct": 100.0 * p / prepared.n, "n_clusters": int(est.n_clusters_),
                     "sizes": ", ".join(str(x) for x in sizes), "smallest": sizes[-1]})
    return pd.DataFrame(rows, columns=["p", "share_pct", "n_clusters", "sizes", "smallest"])


#: Number of classes of every structure label set that is set against the six colour bands.
N_CLASSES = len(BANDS)
#: Draws of random partitions behind :func:`chance_purity`.
CHANCE_DRAWS = 200
#: Smallest class a supervised label set may have: stratified 10-fold cross-validation needs 10.
MIN_CLASS_SIZE = 10


def _sizes(labels) -> dict[int, int]:
    values, counts = np.unique(np.asarray(labels), return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}


@dataclass(frozen=True)
class LabelSet:
    """One way of sorting the analysis set into classes, and how it was made.

    Classes are numbered ``1 .. k`` as the study numbers its bands and clusters.

    Attributes
    ----------
    key : str
        Short identifier used in metrics and file names (``"bands"``, ``"ils"``,
        ``"facet"``, ``"kmeans"``).
    title : str
        Name shown to readers.
    labels : numpy.ndarray of int
        Class of each row of the analysis set.
    names : dict
        Display name of each class.
    role : {"property", "structure", "reference"}
        Colour classes, structure classes, or a reference clustering.
    how : str
        One sentence on how the labels were obtained.
    estimator : object or None
        The fitted clusterer behind the labels, if any (e.g. the ILS estimator, for its curves).
    """

    key: str
    title: str
    labels: np.ndarray
    names: dict
    role: str
    how: str
    estimator: object = field(default=None, repr=False, compare=False)

    @property
    def sizes(self) -> dict[int, int]:
        """Number of dots in each class."""
        return _sizes(self.labels)

    @property
    def k(self) -> int:
        """Number of classes."""
        return len(self.sizes)

    @property
    def majority_baseline(self) -> float:
        """Accuracy of always predicting the largest class."""
        return max(self.sizes.values()) / len(self.labels)

    def summary(self) -> dict:
        """JSON-able description (for the chapters' metrics)."""
        return {"key": self.key, "title": self.title, "role": self.role, "how": self.how, "k": self.k,
                "sizes": {str(c): n for c, n in self.sizes.items()},
                "names": {str(c): n for c, n in self.names.items()},
                "majority_baseline": self.majority_baseline}


def _renumber(labels, order_key) -> np.ndarray:
    """Classes renumbered 1..k by increasing ``order_key[class]`` (ties by old label)."""
    labels = np.asarray(labels)
    old = sorted(np.unique(labels).tolist(), key=lambda c: (order_key[c], c))
    mapping = {c: i + 1 for i, c in enumerate(old)}
    return np.array([mapping[c] for c in labels.tolist()], dtype=np.int64)


def band_classes(prepared: Prepared) -> LabelSet:
    """The study's property classes: the six colour bands (1 violet ... 6 red)."""
    return LabelSet("bands", "colour bands", np.asarray(prepared.bands, dtype=np.int64),
                    {b.number: b.name for b in BANDS}, "property",
                    "the band of each dot's peak emission wavelength (400-750 nm in six bands)")


#: How each peak rule is named in the ``how`` sentence of :func:`ils_classes`.
_RULE_NAMES = {
    "study": "the study's ILS procedure (its peak rule, first pass from the dot nearest the mean)",
    "significance": "ILS with the significance rule",
}


def six_region_p(prepared: Prepared, n_classes: int = N_CLASSES, min_cluster_size: int = 15,
                 peak_rule: str = "study", min_class_size: int = MIN_CLASS_SIZE, *, forced: bool = False) -> int:
    """The largest ``p <= min_cluster_size`` at which ILS gives ``n_classes`` usable classes.

    Usable: every class of the second pass holds at least ``min_class_size``
    dots (:data:`MIN_CLASS_SIZE`: what the supervised chapters' stratified
    10-fold cross-validation needs).  ``forced=False``: the rule's own count at
    that ``p`` is ``n_classes``.  ``forced=True``: ILS asked for ``n_classes``
    clusters (``n_clusters``) can cut its ``R_min`` curve into that many regions.
    ILS runs with its default ``start="auto"``, so the study rule runs the
    study's whole procedure.

    Raises
    ------
    ValueError
        If no ``p`` from ``min_cluster_size`` down to 2 allows it.
    """
    n_clusters = n_classes if forced else None
    for p in range(int(min_cluster_size), 1, -1):
        try:
            est = structure_classes(prepared, min_cluster_size=p, n_clusters=n_clusters, peak_rule=peak_rule)
        except ValueError:  # the rule has fewer than n_classes - 1 peaks to cut at
            continue
        if est.n_clusters_ == n_classes and min(_sizes(est.labels_).values()) >= min_class_size:
            return p
    asked = "asked for them " if forced else ""
    raise ValueError(f"ILS ({peak_rule} rule) {asked}cannot sort the {prepared.n} dots into {n_classes} classes of at "
                     f"least {min_class_size} dots at any p from {min_cluster_size} down to 2")


def ils_classes(prepared: Prepared, n_classes: int = N_CLASSES, min_cluster_size: int = 15,
                peak_rule: str = "study", min_class_size: int = MIN_CLASS_SIZE) -> LabelSet:
    """The structure classes set against the colour bands: ILS with ``n_classes`` classes.

    By default these come from the study's procedure (``peak_rule="study"``:
    the original code's peak rule, the first pass from the dot nearest the
    mean), at the largest ``p <= min_cluster_size`` at which it finds
    ``n_classes`` classes of at least ``min_class_size`` dots by itself
    (:func:`six_region_p`).  If no such ``p`` exists, the same procedure asked
    for ``n_classes`` clusters stands in (``n_clusters``: its curve cut at the
    ``n_classes - 1`` highest of its peaks, a selection the original code did
    not have), at the largest ``p`` at which that gives usable classes.  The
    ``how`` sentence states which of the two made the classes, and at which
    ``p``.  Classes keep ILS's order (the order of their seeds along the first
    pass), numbered from 1.

    Returns
    -------
    LabelSet
        With the fitted :class:`~siqd_utils.ils.ILSClustering` as ``estimator``.

    Raises
    ------
    ValueError
        If neither way gives ``n_classes`` usable classes at any ``p``.
    """
    rule = _RULE_NAMES.get(peak_rule, f"ILS with the {peak_rule} rule")
    usable = f"{n_classes} classes of at least {min_class_size} dots"
    try:
        p = six_region_p(prepared, n_classes, min_cluster_size, peak_rule, min_class_size)
    except ValueError:
        p = six_region_p(prepared, n_classes, min_cluster_size, peak_rule, min_class_size, forced=True)
        est = structure_classes(prepared, min_cluster_size=p, n_clusters=n_classes, peak_rule=peak_rule)
        how = (f"{rule} finds {usable} by itself at no p up to {min_cluster_size}; standing in, the same procedure "
               f"asked for {n_classes} clusters (its curve cut at the {n_classes - 1} highest of its peaks, a step the "
               f"original code did not have) at p = {p}, the largest p up to {min_cluster_size} at which that gives "
               f"{usable}")
    else:
        est = structure_classes(prepared, min_cluster_size=p, peak_rule=peak_rule)
        where = "" if p == min_cluster_size else f", the largest p up to {min_cluster_size} at which it does"
        how = f"{rule} finds {usable} at p = {p}{where}"
    labels = np.asarray(est.labels_, dtype=np.int64) + 1
    return LabelSet("ils", f"ILS structure classes (k = {n_classes})", labels,
                    {c: f"cluster {c}" for c in range(1, n_classes + 1)}, "structure", how, est)


def dominant_facet_classes(prepared: Prepared) -> LabelSet:
    """Interpretable structure classes: the facet family with the largest area fraction.

    At most four classes ({100}, {110}, {111}, {113}, in that order, numbered from
    1 among those present); ties go to the family listed first.
    """
    from .datasets import FACET_COLUMNS

    fractions = prepared.frame[list(FACET_COLUMNS)].to_numpy(dtype=float)
    family = np.argmax(fractions, axis=1)  # first maximum: ties to the lower Miller family
    present = sorted(set(family.tolist()))
    labels = np.array([present.index(f) + 1 for f in family.tolist()], dtype=np.int64)
    names = {i + 1: "{" + FACET_COLUMNS[f][1:] + "}" for i, f in enumerate(present)}
    return LabelSet("facet", "dominant facet family", labels, names, "structure",
                    f"the facet family with the largest area fraction ({len(present)} families occur)")


def kmeans_classes(prepared: Prepared, n_classes: int = N_CLASSES, random_state: int = 42) -> LabelSet:
    """A reference partition: k-means with ``k = n_classes`` on the scaled retained features.

    Classes are numbered by increasing mean diameter of their dots.
    """
    from sklearn.cluster import KMeans

    X = prepared.X.to_numpy(dtype=float)
    raw = KMeans(n_clusters=n_classes, n_init=10, random_state=random_state).fit_predict(X)
    mean_d = pd.Series(prepared.frame["D"].to_numpy(dtype=float)).groupby(raw).mean().to_dict()
    labels = _renumber(raw, mean_d)
    return LabelSet("kmeans", f"k-means (k = {n_classes})", labels,
                    {c: f"k-means {c}" for c in range(1, n_classes + 1)}, "reference",
                    f"k-means with k = {n_classes} (10 starts, seed {random_state}) on the scaled retained "
                    "features; classes numbered by mean diameter")


def label_sets(prepared: Prepared, *, n_classes: int = N_CLASSES, min_cluster_size: int = 15,
               peak_rule: str = "study", random_state: int = 42) -> dict[str, LabelSet]:
    """Every label set the supervised chapters compare, keyed by :attr:`LabelSet.key`.

    The colour bands, the ILS structure classes (:func:`ils_classes`), the
    dominant-facet classes and k-means with ``k = n_classes``.
    """
    ils = ils_classes(prepared, n_classes, min_cluster_size, peak_rule)
    sets = [band_classes(prepared), ils, dominant_facet_classes(prepared), kmeans_classes(prepared, n_classes, random_state)]
    return {s.key: s for s in sets}


@dataclass(frozen=True)
class ChancePurity:
    """Spectral purity of random partitions with given class sizes (:func:`chance_purity`)."""

    mean: float
    sd: float
    n_draws: int
    draws: np.ndarray = field(repr=False)

    def to_dict(self) -> dict:
        return {"mean": self.mean, "sd": self.sd, "n_draws": self.n_draws}


def chance_purity(labels, band_labels, n_draws: int = CHANCE_DRAWS, random_state: int = 0) -> ChancePurity:
    """Overall spectral purity that random partitions of the same sizes reach.

    The classes keep their sizes and the dots are dealt to them at random
    (a seeded permutation per draw); the purity of each draw is computed as
    :func:`spectral_purity` does.  A label set whose purity lies within a few
    standard deviations of this mean sorts the dots by colour no better than chance.

    Raises
    ------
    ValueError
        If ``n_draws`` < 1 or the arrays differ in length.
    """
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ValueError(f"n_draws = {n_draws!r}: must be a positive integer")
    c = np.asarray(labels)
    b = np.asarray(band_labels)
    if c.shape != b.shape or c.ndim != 1:
        raise ValueError(f"labels has shape {c.shape} but band_labels has shape {b.shape}; both must be (n,)")
    _, ci = np.unique(c, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    rng = np.random.default_rng(random_state)
    draws = np.empty(int(n_draws))
    k, m = ci.max() + 1, bi.max() + 1
    for t in range(int(n_draws)):
        table = np.zeros((k, m), dtype=np.int64)
        np.add.at(table, (ci, rng.permutation(bi)), 1)
        draws[t] = table.max(axis=1).sum() / c.size
    return ChancePurity(float(draws.mean()), float(draws.std(ddof=1)) if n_draws > 1 else 0.0, int(n_draws), draws)


@dataclass(frozen=True)
class SpectralPurity:
    """Result of :func:`spectral_purity`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cluster (index: cluster label): ``size``, ``main_band``
        (number), ``main_band_name``, ``main_fraction`` (share of the cluster
        in its most common band), ``n_bands`` (bands with at least one member)
        and one column of counts per band, named by colour (``violet`` ...
        ``red``).
    overall : float
        Purity of the clustering: the share of all dots that lie in their
        cluster's most common band (1 when every cluster is one colour).
    """

    table: pd.DataFrame
    overall: float

    def to_dict(self) -> dict:
        """JSON-able summary (for the chapter's metrics)."""
        clusters = {
            str(k): {
                "size": int(row["size"]),
                "main_band": int(row["main_band"]),
                "main_band_name": row["main_band_name"],
                "main_fraction": float(row["main_fraction"]),
                "n_bands": int(row["n_bands"]),
                "bands": {band.name: int(row[band.name]) for band in BANDS},
            }
            for k, row in self.table.iterrows()
        }
        return {"overall": self.overall, "clusters": clusters}


def spectral_purity(cluster_labels, band_labels) -> SpectralPurity:
    """How far each cluster falls into a single colour band.

    Parameters
    ----------
    cluster_labels : array-like of int, shape (n,)
        Cluster of each dot.
    band_labels : array-like of int, shape (n,)
        Band number (1..6) of each dot.

    Returns
    -------
    SpectralPurity
        Per-cluster table and the overall purity.  Ties for the most common
        band go to the lower band number.

    Raises
    ------
    ValueError
        If the arrays are empty, differ in length or are not one-dimensional,
        or a band label is outside 1..6.

    Examples
    --------
    >>> sp = spectral_purity([1, 1, 1, 2, 2], [3, 3, 4, 6, 6])
    >>> sp.table["main_fraction"].round(3).tolist(), sp.overall
    ([0.667, 1.0], 0.8)
    """
    c = np.asarray(cluster_labels)
    b = np.asarray(band_labels)
    if c.ndim != 1 or b.ndim != 1:
        raise ValueError("cluster_labels and band_labels must be one-dimensional")
    if len(c) != len(b):
        raise ValueError(f"cluster_labels has {len(c)} entries but band_labels has {len(b)}")
    if len(c) == 0:
        raise ValueError("cluster_labels is empty")
    valid = {band.number for band in BANDS}
    if not np.issubdtype(b.dtype, np.integer) or not set(np.unique(b).tolist()) <= valid:
        bad = sorted(set(np.unique(b).tolist()) - valid) if np.issubdtype(b.dtype, np.number) else b[:3].tolist()
        raise ValueError(f"band_labels must be band numbers {sorted(valid)}; found {bad}")
    numbers = [band.number for band in BANDS]
    rows = {}
    for k in np.unique(c):
        counts = np.array([(b[c == k] == i).sum() for i in numbers])
        main = int(np.argmax(counts))  # first maximum: ties go to the lower band
        row = {
            "size": int(counts.sum()),
            "main_band": numbers[main],
            "main_band_name": BANDS[main].name,
            "main_fraction": float(counts[main] / counts.sum()),
            "n_bands": int((counts > 0).sum()),
        }
        row.update({band.name: int(n) for band, n in zip(BANDS, counts)})
        rows[k.item() if hasattr(k, "item") else k] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "cluster"
    overall = float(sum(r[BANDS[r["main_band"] - 1].name] for r in rows.values()) / len(c))
    return SpectralPurity(table=table, overall=overall)


def neighbour_overlap(values, band_labels) -> pd.DataFrame:
    """How far neighbouring colour bands share a range of one feature.

    For each pair of neighbouring bands (violet/blue, blue/green, ...) with
    members in both, the overlap of their ranges (min to max) of ``values`` and
    the share of the two bands' dots that fall inside it.  A share of 0 means
    the feature alone sorts every dot of the pair into the right band.

    Parameters
    ----------
    values : array-like of float, shape (n,)
        One feature of each dot (e.g. the diameter).
    band_labels : array-like of int, shape (n,)
        Band number (1..6) of each dot.

    Returns
    -------
    pandas.DataFrame
        Columns ``bands`` ("violet/blue"), ``overlap_lo``, ``overlap_hi`` (NaN
        when the ranges are disjoint) and ``share`` (0..1).

    Raises
    ------
    ValueError
        If the lengths differ or ``values`` holds NaN.

    Examples
    --------
    >>> neighbour_overlap([1.0, 2.0, 1.5, 3.0], [1, 1, 2, 2])["share"].tolist()
    [0.5]
    """
    v = np.asarray(values, dtype=float)
    b = np.asarray(band_labels)
    if v.shape != b.shape or v.ndim != 1:
        raise ValueError(f"values has shape {v.shape} but band_labels has shape {b.shape}; both must be (n,)")
    if not np.all(np.isfinite(v)):
        raise ValueError("values holds NaN or infinite entries")
    rows = []
    for lo_band, hi_band in zip(BANDS[:-1], BANDS[1:]):
        a, c = v[b == lo_band.number], v[b == hi_band.number]
        if not len(a) or not len(c):
            continue
        lo, hi = max(a.min(), c.min()), min(a.max(), c.max())
        both = np.r_[a, c]
        share = float(((both >= lo) & (both <= hi)).mean()) if lo <= hi else 0.0
        rows.append({"bands": f"{lo_band.name}/{hi_band.name}",
                     "overlap_lo": lo if lo <= hi else np.nan,
                     "overlap_hi": hi if lo <= hi else np.nan,
                     "share": share})
    return pd.DataFrame(rows, columns=["bands", "overlap_lo", "overlap_hi", "share"])


def label_set_table(sets: dict, band_labels, n_draws: int = CHANCE_DRAWS, random_state: int = 0) -> pd.DataFrame:
    """Every label set's sizes, majority baseline and spectral purity beside its chance level.

    Parameters
    ----------
    sets : dict of LabelSet
        As returned by :func:`label_sets`.
    band_labels : array-like of int
        Band of each dot (the purity is measured against the bands).
    n_draws, random_state : int
        Random partitions behind :func:`chance_purity` (seeded, the same for every set).

    Returns
    -------
    pandas.DataFrame
        One row per set (index: key): ``label set``, ``role``, ``k``, ``sizes`` (text,
        class 1 first), ``majority baseline``, ``purity``, ``chance mean``, ``chance sd``.
    """
    rows = {}
    for key, ls in sets.items():
        chance = chance_purity(ls.labels, band_labels, n_draws=n_draws, random_state=random_state)
        rows[key] = {"label set": ls.title, "role": ls.role, "k": ls.k,
                     "sizes": ", ".join(str(n) for n in ls.sizes.values()),
                     "majority baseline": ls.majority_baseline,
                     "purity": spectral_purity(ls.labels, band_labels).overall,
                     "chance mean": chance.mean, "chance sd": chance.sd}
    return pd.DataFrame.from_dict(rows, orient="index")

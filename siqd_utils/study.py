"""The study's shared steps, done once here and reused by every chapter.

Every analysis chapter starts from the same set of dots and the same features:

:func:`prepare`
    Keeps the dots emitting within the six colour bands (400-750 nm), scales
    the structural features (:func:`siqd_utils.preprocessing.make_scaler`),
    drops the redundant ones (:func:`siqd_utils.preprocessing.select_features`)
    and assigns each dot its band.
:func:`structure_classes`
    Clusters the prepared features with Iterative Label Spreading.
:func:`spectral_purity`
    How much of each cluster falls into a single colour band.

Examples
--------
>>> from siqd_utils.data import load_ensemble
>>> prepared = prepare(load_ensemble())                  # doctest: +SKIP
>>> ils = structure_classes(prepared, min_cluster_size=15)  # doctest: +SKIP
>>> spectral_purity(ils.labels_ + 1, prepared.bands).overall    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .bands import BANDS, assign_bands
from .data import FEATURE_COLUMNS
from .preprocessing import FEATURE_PREFERENCE, FeatureSelection, scale_features, select_features

__all__ = [
    "WAVELENGTH_WINDOW_NM",
    "StructureClasses",
    "classes_for_models",
    "max_regions",
    "Prepared",
    "cluster_count_sweep",
    "neighbour_overlap",
    "SpectralPurity",
    "prepare",
    "spectral_purity",
    "structure_classes",
]

#: The study's analysis window (nm): from the first band's lower edge to the last band's upper edge.
WAVELENGTH_WINDOW_NM: tuple[float, float] = (BANDS[0].lo, BANDS[-1].hi)

_BAND_NAMES = {b.number: b.name for b in BANDS}


@dataclass(frozen=True)
class Prepared:
    """The analysis set, as returned by :func:`prepare`.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows with ``400 <= wavelength_nm <= 750`` in their original order
        and with their original index; every column of the input.
    n_outliers : int
        Rows removed: ``n_below + n_above``.
    n_below, n_above : int
        Rows removed below 400 nm and above 750 nm.
    X : pandas.DataFrame
        The retained features of ``frame``, scaled (robust, then [0, 1]);
        same index as ``frame``.
    selection : FeatureSelection
        The feature selection (retained, dropped, correlation matrix).
    bands : numpy.ndarray of int
        Band number 1..6 of each row of ``frame``.
    scaled_all : pandas.DataFrame
        Every candidate feature of ``frame``, scaled (for plots of the
        dropped ones).
    """

    frame: pd.DataFrame
    n_outliers: int
    n_below: int
    n_above: int
    X: pd.DataFrame
    selection: FeatureSelection
    bands: np.ndarray
    scaled_all: pd.DataFrame = field(repr=False)

    @property
    def n(self) -> int:
        """Number of dots in the analysis set."""
        return len(self.frame)

    @property
    def band_names(self) -> np.ndarray:
        """Band name of each row (``"violet"`` ... ``"red"``)."""
        return np.array([_BAND_NAMES[b] for b in self.bands])


def prepare(
    frame: pd.DataFrame,
    threshold: float = 0.9,
    *,
    features: Sequence[str] = FEATURE_COLUMNS,
    preference: Sequence[str] = FEATURE_PREFERENCE,
) -> Prepared:
    """Form the study's analysis set from an ensemble table.

    Steps, in the study's order: (1) keep the dots whose peak wavelength lies in
    the bands, ``400 <= wavelength_nm <= 750``; (2) scale every candidate
    feature of those dots (robust scaling, then [0, 1], fitted on them);
    (3) drop the features correlated above ``threshold`` with a more
    accessible one; (4) assign each dot its colour band.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ensemble (:func:`siqd_utils.data.load_ensemble`); needs
        ``wavelength_nm`` and the feature columns.
    threshold : float, default=0.9
        Correlation threshold of the feature selection.
    features : sequence of str, default=FEATURE_COLUMNS
        Candidate features.
    preference : sequence of str, default=FEATURE_PREFERENCE
        Order of preference for the selection.

    Returns
    -------
    Prepared
        The kept rows, the outlier counts, the scaled retained features, the
        selection and the bands.

    Raises
    ------
    KeyError
        If ``wavelength_nm`` or a feature column is missing.
    ValueError
        If fewer than 2 dots lie in the window, or as
        :func:`~siqd_utils.preprocessing.select_features`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if "wavelength_nm" not in frame.columns:
        raise KeyError(f"frame lacks the column 'wavelength_nm'; it has {list(frame.columns)}")
    wl = frame["wavelength_nm"].to_numpy(dtype=float)
    if not np.all(np.isfinite(wl)):
        raise ValueError("frame['wavelength_nm'] holds NaN or infinite values")
    lo, hi = WAVELENGTH_WINDOW_NM
    below, above = wl < lo, wl > hi
    kept = frame.loc[~(below | above)]
    if len(kept) < 2:
        raise ValueError(
            f"only {len(kept)} of {len(frame)} dots emit within {lo:g}-{hi:g} nm; at least 2 are needed"
        )
    selection = select_features(kept, features, threshold=threshold, preference=preference)
    scaled_all = scale_features(kept, list(features))
    X = scaled_all[list(selection.retained)].copy()
    bands = assign_bands(kept["wavelength_nm"].to_numpy(dtype=float))
    return Prepared(
        frame=kept,
        n_outliers=int(below.sum() + above.sum()),
        n_below=int(below.sum()),
        n_above=int(above.sum()),
        X=X,
        selection=selection,
        bands=bands,
        scaled_all=scaled_all,
    )


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


def max_regions(prepared: Prepared, min_cluster_size: int = 15) -> int:
    """Most regions the first-pass ``R_min`` curve can be cut into at this ``p``.

    Every candidate peak of the peak finder counts, significant or not (each
    still leaves at least ``p`` points on either side), so this is the largest
    ``n_clusters`` that :class:`~siqd_utils.ils.ILSClustering` accepts here.
    """
    from .ils import find_rmin_peaks

    first = structure_classes(prepared, min_cluster_size=min_cluster_size)
    positions, _ = find_rmin_peaks(first.rmin_, min_cluster_size, significance=-np.inf)
    return int(positions.size) + 1


@dataclass(frozen=True)
class StructureClasses:
    """Structure-class labels for the supervised chapters, and how they were obtained.

    ``labels`` are the book's cluster numbers, 1..k (the estimator's ``labels_`` plus one).
    """

    estimator: object
    labels: np.ndarray
    automatic_k: int
    k: int
    forced: bool
    how: str


def classes_for_models(prepared: Prepared, min_cluster_size: int = 15, n_clusters: int | None = None) -> StructureClasses:
    """The structure classes the classification chapter learns.

    ``n_clusters`` given: ILS is forced to that many clusters.  Otherwise ILS
    decides; if it finds a single cluster (no significant peak, as on the
    reconstructed ensemble), there is nothing to classify, so the first-pass
    curve is cut at its candidate peaks: the largest number of classes, up to
    :func:`max_regions`, whose classes all hold at least ``min_cluster_size``
    dots.  The result is flagged ``forced``: segments of a continuum, not
    discovered groups.

    Raises
    ------
    ValueError
        If not even a forced split into two classes is possible.
    """
    automatic = structure_classes(prepared, min_cluster_size=min_cluster_size)
    k_auto = int(automatic.n_clusters_)
    if n_clusters is not None:
        est = structure_classes(prepared, min_cluster_size=min_cluster_size, n_clusters=int(n_clusters))
        how = f"forced to {n_clusters} clusters by the n_clusters parameter (ILS alone finds {k_auto})"
        return StructureClasses(est, est.labels_ + 1, k_auto, int(est.n_clusters_), True, how)
    if k_auto >= 2:
        return StructureClasses(automatic, automatic.labels_ + 1, k_auto, k_auto, False, f"found by ILS at p = {min_cluster_size}")
    k_max = max_regions(prepared, min_cluster_size)
    # Take the largest forced split whose classes all hold at least p dots: the
    # second pass can leave a region smaller than the first pass's stretch.
    for k in range(k_max, 1, -1):
        est = structure_classes(prepared, min_cluster_size=min_cluster_size, n_clusters=k)
        if np.bincount(est.labels_).min() >= min_cluster_size:
            break
    else:
        raise ValueError(f"min_cluster_size = {min_cluster_size}: the R_min curve cannot be split even by force "
                         "into classes of at least that size; lower min_cluster_size to obtain structure classes")
    k_max = int(est.n_clusters_)
    how = (f"ILS finds one cluster at p = {min_cluster_size}; forced to {k_max} classes, the largest split of "
           f"its R_min curve whose classes all hold at least {min_cluster_size} dots (segments of a continuum, "
           "not discovered groups)")
    return StructureClasses(est, est.labels_ + 1, k_auto, k_max, True, how)


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
        ``n_clusters`` and ``sizes`` (cluster sizes, largest first, as text).

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
                     "sizes": ", ".join(str(x) for x in sizes)})
    return pd.DataFrame(rows, columns=["p", "share_pct", "n_clusters", "sizes"])


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

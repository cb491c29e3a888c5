"""The analysis set: outlier removal, feature scaling and correlation-based selection.

The study scaled every structural feature robustly (median and inter-quartile
range), normalised the result to [0, 1], and then removed features that were
more than 90 % correlated with another one, keeping in each such pair the
feature that an experimentalist can measure.  This module turns those steps
into code:

:func:`make_scaler`
    The two-step scaler as one scikit-learn :class:`~sklearn.pipeline.Pipeline`.
:func:`select_features`
    The drop rule: a greedy pass over the features in order of preference
    (:data:`FEATURE_PREFERENCE`), which keeps a feature unless it is correlated
    above the threshold with one already kept.
:func:`skewness`
    Sample skewness of each feature (the ESI's skew map).
:func:`prepare`
    All of it in the study's order, once for every chapter: keep the dots emitting
    within the six colour bands, scale, drop the redundant features, assign bands.

Both scaling steps are increasing affine maps applied feature by feature, so
they change neither the Pearson (or Spearman) correlations nor the skewness:
the selection is the same whether it is computed on the raw or the scaled
features.  The study computed it after scaling; :func:`select_features` does so
too, so that the matrix it returns is the one of the features the models see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, RobustScaler

from .bands import BANDS, assign_bands
from .datasets import FEATURE_COLUMNS

__all__ = [
    "STRONG_SKEW",
    "compare_with_paper",
    "coordination_identity",
    "scaling_summary",
    "strongly_skewed",
    "WAVELENGTH_WINDOW_NM",
    "Prepared",
    "prepare",
    "FEATURE_PREFERENCE",
    "PREFERENCE_REASONS",
    "FeatureSelection",
    "make_scaler",
    "scale_features",
    "select_features",
    "skewness",
]

#: Features from most to least preferred when two of them are redundant.
#: The first of a correlated pair is kept.  The order follows what can be
#: measured on a real sample (see :data:`PREFERENCE_REASONS`).
FEATURE_PREFERENCE: tuple[str, ...] = (
    "D",
    "HSi_ratio",
    "f100",
    "f110",
    "f111",
    "f113",
    "n_coord",
    "n_Si",
    "n_H",
)

#: Why each feature sits where it does in :data:`FEATURE_PREFERENCE`.
PREFERENCE_REASONS: dict[str, str] = {
    "D": "size is measured directly (electron microscopy, scattering); preferred over any atom count",
    "HSi_ratio": "surface hydrogen per silicon is accessible by composition analysis; preferred over coordination",
    "f100": "facet areas are visible in high-resolution microscopy",
    "f110": "facet areas are visible in high-resolution microscopy",
    "f111": "facet areas are visible in high-resolution microscopy",
    "f113": "facet areas are visible in high-resolution microscopy",
    "n_coord": "mean Si-Si coordination is known only from a structural model",
    "n_Si": "an exact atom count is not measured for a real dot",
    "n_H": "an exact atom count is not measured for a real dot",
}


def make_scaler() -> Pipeline:
    """The study's scaling: robust scaling, then normalisation to [0, 1].

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted ``Pipeline([("robust", RobustScaler()), ("minmax", MinMaxScaler())])``.
        Fit it on the data it transforms (``fit_transform``): the study scaled the
        whole analysis set before any split.

    Examples
    --------
    >>> import numpy as np
    >>> make_scaler().fit_transform(np.array([[1.0], [2.0], [10.0]])).ravel().tolist()
    [0.0, 0.1111111111111111, 1.0]
    """
    return Pipeline([("robust", RobustScaler()), ("minmax", MinMaxScaler())])


def _check_features(frame: pd.DataFrame, features: Sequence[str], what: str = "frame") -> list[str]:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    features = list(features)
    if not features:
        raise ValueError("features: at least one feature name is needed")
    if len(set(features)) != len(features):
        dup = sorted({f for f in features if features.count(f) > 1})
        raise ValueError(f"features: duplicate name(s) {dup}")
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise KeyError(f"{what} lacks feature column(s) {missing}; it has {list(frame.columns)}")
    if len(frame) < 2:
        raise ValueError(f"{what} has {len(frame)} row(s); at least 2 are needed")
    values = frame[features]
    non_numeric = [f for f in features if not pd.api.types.is_numeric_dtype(values[f])]
    if non_numeric:
        raise TypeError(f"feature column(s) {non_numeric} are not numeric")
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr).all(axis=0)
    if bad.any():
        raise ValueError(f"feature column(s) {[f for f, b in zip(features, bad) if b]} contain NaN or infinite values")
    return features


def scale_features(frame: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """Scale the named columns with :func:`make_scaler`, fitted on ``frame`` itself.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table holding the feature columns.
    features : sequence of str
        Columns to scale, in the order of the result.

    Returns
    -------
    pandas.DataFrame
        Same index as ``frame``, one column per feature, every column in [0, 1]
        (a constant column becomes all 0).

    Raises
    ------
    KeyError
        If a feature is not a column of ``frame``.
    ValueError, TypeError
        If a column is not numeric or holds NaN or infinite values.
    """
    features = _check_features(frame, features)
    scaled = make_scaler().fit_transform(frame[features].to_numpy(dtype=float))
    return pd.DataFrame(scaled, index=frame.index, columns=features)


@dataclass(frozen=True)
class FeatureSelection:
    """Result of :func:`select_features`.

    Attributes
    ----------
    retained : tuple of str
        Features kept, in the order they were given.
    dropped : dict
        ``{dropped feature: (kept partner, |r|)}``; the partner is the kept
        feature most correlated with it (in order of preference).
    correlation : pandas.DataFrame
        Correlation matrix of all given features (signed).
    threshold : float
        A feature is dropped when ``|r| > threshold`` with a kept feature.
    method : str
        ``"pearson"`` or ``"spearman"``.
    preference : tuple of str
        The order of preference that was applied (restricted to the given features).
    """

    retained: tuple[str, ...]
    dropped: dict[str, tuple[str, float]]
    correlation: pd.DataFrame = field(repr=False)
    threshold: float
    method: str
    preference: tuple[str, ...]

    @property
    def features(self) -> tuple[str, ...]:
        """All features that were considered, in the order given."""
        return tuple(self.correlation.columns)

    def table(self) -> pd.DataFrame:
        """One row per dropped feature: the kept partner, |r| and the reason for the choice."""
        rows = [
            {
                "dropped": name,
                "kept instead": partner,
                "|r|": r,
                "why the kept one": PREFERENCE_REASONS.get(partner, "earlier in the order of preference"),
            }
            for name, (partner, r) in self.dropped.items()
        ]
        return pd.DataFrame(rows, columns=["dropped", "kept instead", "|r|", "why the kept one"])

    def high_pairs(self) -> pd.DataFrame:
        """Every pair of features with ``|r| > threshold`` (whether or not it caused a drop)."""
        cols = list(self.correlation.columns)
        rows = []
        for i, a in enumerate(cols):
            for b in cols[i + 1:]:
                r = float(self.correlation.loc[a, b])
                if abs(r) > self.threshold:
                    rows.append({"feature 1": a, "feature 2": b, "r": r, "|r|": abs(r)})
        out = pd.DataFrame(rows, columns=["feature 1", "feature 2", "r", "|r|"])
        return out.sort_values("|r|", ascending=False, ignore_index=True)

    def to_dict(self) -> dict:
        """JSON-able summary (for the chapter's metrics)."""
        return {
            "features": list(self.features),
            "retained": list(self.retained),
            "dropped": {k: {"kept": p, "abs_r": r} for k, (p, r) in self.dropped.items()},
            "correlation_threshold": self.threshold,
            "method": self.method,
        }


def select_features(
    frame: pd.DataFrame,
    features: Sequence[str],
    threshold: float = 0.9,
    preference: Sequence[str] = FEATURE_PREFERENCE,
    *,
    method: str = "pearson",
) -> FeatureSelection:
    """Drop features that are redundant with a more accessible one.

    The rule: visit the features from most to least preferred; keep a feature
    unless its absolute correlation with a feature already kept exceeds
    ``threshold``, in which case drop it in favour of that feature.  Hence of
    every highly correlated pair the preferred feature survives, and a feature
    is never dropped for one that was itself dropped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table holding the feature columns (raw or scaled: the correlations are
        computed after :func:`make_scaler`, which leaves them unchanged).
    features : sequence of str
        The candidate features.
    threshold : float, default=0.9
        Drop when ``|r| > threshold``; strictly between 0 and 1.
    preference : sequence of str, default=FEATURE_PREFERENCE
        Order of preference, most preferred first; must name every feature
        (other names are ignored).
    method : {"pearson", "spearman"}, default="pearson"
        Correlation coefficient.

    Returns
    -------
    FeatureSelection
        Retained and dropped features, the partner and |r| of each drop, and
        the correlation matrix.

    Raises
    ------
    KeyError
        If a feature is not a column of ``frame``.
    ValueError
        If ``threshold`` is outside (0, 1), ``method`` is unknown, a feature
        is missing from ``preference``, a column is constant (no correlation
        is defined) or holds NaN/infinite values.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n_Si": [1, 2, 3, 4], "D": [1.1, 2.0, 3.2, 3.9], "f100": [1, 0, 1, 0]})
    >>> sel = select_features(t, ["n_Si", "D", "f100"])
    >>> sel.retained, list(sel.dropped)
    (('D', 'f100'), ['n_Si'])
    """
    features = _check_features(frame, features)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) or not 0 < threshold < 1:
        raise ValueError(f"threshold = {threshold!r}: must be a number strictly between 0 and 1")
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method = {method!r}: must be 'pearson' or 'spearman'")
    preference = list(preference)
    unranked = [f for f in features if f not in preference]
    if unranked:
        raise ValueError(
            f"preference does not rank feature(s) {unranked}; list every feature, most preferred first"
        )
    scaled = scale_features(frame, features)
    constant = [f for f in features if np.ptp(frame[f].to_numpy(dtype=float)) == 0]
    if constant:
        raise ValueError(f"feature column(s) {constant} are constant; their correlation is undefined")
    corr = scaled.corr(method=method)
    order = [f for f in preference if f in features]
    kept: list[str] = []
    dropped: dict[str, tuple[str, float]] = {}
    for name in order:
        # most correlated kept feature; ties go to the more preferred one (earlier in `kept`)
        best, best_r = None, -1.0
        for k in kept:
            r = abs(float(corr.loc[name, k]))
            if r > best_r:
                best, best_r = k, r
        if best is not None and best_r > threshold:
            dropped[name] = (best, best_r)
        else:
            kept.append(name)
    retained = tuple(f for f in features if f in kept)
    return FeatureSelection(
        retained=retained,
        dropped=dropped,
        correlation=corr,
        threshold=float(threshold),
        method=method,
        preference=tuple(order),
    )


def skewness(frame: pd.DataFrame, features: Sequence[str], *, bias: bool = False) -> pd.Series:
    """Sample skewness of each feature.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table holding the feature columns.
    features : sequence of str
        Columns to measure.
    bias : bool, default=False
        ``False``: the adjusted Fisher-Pearson coefficient (as pandas'
        ``skew``); ``True``: the plain moment ratio.

    Returns
    -------
    pandas.Series
        Skewness by feature name (0 for a constant column).  Positive: a long
        tail to the right.  Invariant under the scaling of :func:`make_scaler`.

    Raises
    ------
    KeyError, TypeError, ValueError
        As :func:`scale_features`; also if fewer than 3 rows are given.
    """
    features = _check_features(frame, features)
    if len(frame) < 3:
        raise ValueError(f"frame has {len(frame)} rows; skewness needs at least 3")
    out = {}
    for f in features:
        x = frame[f].to_numpy(dtype=float)
        out[f] = 0.0 if np.ptp(x) == 0 else float(stats.skew(x, bias=bias))
    return pd.Series(out, name="skewness")


# ------------------------------------------------------------------ the analysis set

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

    def outliers(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` (the table :func:`prepare` was given) outside the window, by wavelength."""
        return frame.loc[~frame.index.isin(self.frame.index)].sort_values("wavelength_nm")


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
        The ensemble (:func:`siqd_utils.datasets.load_ensemble`); needs
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


# ------------------------------------------------------------ what chapter 02 reports

#: |skewness| above this counts as strongly skewed (a common rule of thumb).
STRONG_SKEW = 1.0


def scaling_summary(prepared: Prepared) -> tuple[pd.DataFrame, float]:
    """Range and median of every feature before and after scaling, and how far the
    two-step scaling is from plain min-max scaling (largest absolute difference)."""
    features = list(prepared.scaled_all.columns)
    raw = prepared.frame[features]
    scaled = prepared.scaled_all
    table = pd.DataFrame({
        "raw min": raw.min(), "raw median": raw.median(), "raw max": raw.max(),
        "scaled min": scaled.min(), "scaled median": scaled.median(), "scaled max": scaled.max(),
    })
    plain = (raw - raw.min()) / (raw.max() - raw.min())
    return table, float((scaled - plain).abs().to_numpy().max())


def coordination_identity(frame: pd.DataFrame, selection: FeatureSelection) -> dict[str, float]:
    """How exactly ``n_coord = 4 - HSi_ratio`` holds (bond counting in an H-passivated cluster).

    Returns ``max_abs_deviation`` and ``r`` (their correlation in ``selection``).
    """
    gap = (frame["n_coord"] - (4.0 - frame["HSi_ratio"])).abs().max()
    return {"max_abs_deviation": float(gap), "r": float(selection.correlation.loc["n_coord", "HSi_ratio"])}


def compare_with_paper(selection: FeatureSelection, paper_features: dict) -> tuple[pd.DataFrame, bool]:
    """Feature by feature: dropped or kept by the study and here; and whether the two agree.

    ``paper_features`` is the ``features`` entry of :func:`siqd_utils.datasets.load_paper_results`.
    """
    feats = list(selection.features)
    table = pd.DataFrame({
        "feature": feats,
        "paper": ["dropped" if f in paper_features["dropped"] else "kept" for f in feats],
        "this book": ["dropped for " + selection.dropped[f][0] if f in selection.dropped else "kept" for f in feats],
        "|r| with partner": [selection.dropped[f][1] if f in selection.dropped else np.nan for f in feats],
    })
    same = set(selection.dropped) == set(paper_features["dropped"]) and \
        set(selection.retained) == set(paper_features["retained"])
    return table, bool(same)


def strongly_skewed(skew: pd.Series) -> pd.Series:
    """The features with ``|skewness| > STRONG_SKEW``, most skewed first."""
    return skew[skew.abs() > STRONG_SKEW].sort_values(key=abs, ascending=False)

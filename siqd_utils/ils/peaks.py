"""Peak rules: where to cut the first-pass ``R_min`` curve into regions.

A peak of the ``R_min`` curve is the step at which label spreading crossed a
gap (or a thin, sparse stretch) to reach another dense region; the regions
between peaks become the clusters.  Two rules decide which peaks count, both
taking ``p = min_cluster_size``, the smallest cluster that can be found:

``"significance"`` (:func:`find_rmin_peaks`, the default of
:class:`~siqd_utils.ils.ILSClustering`)
    A scale-free score with a threshold calibrated on structureless data and
    on separated clusters; structureless data give no peak.
``"study"`` (:func:`find_study_peaks`)
    The automatic rule of the original ILS code used by the study: Gaussian
    smoothing over ``p`` points, wavelet (CWT) peak finding, every peak kept
    that lies more than ``p`` positions from either end.  It finds peaks in
    noise as well.

:func:`rmin_peaks` applies either rule and returns everything the estimator
stores; :func:`smooth_rmin` and :func:`segment_minima` give the smoothed curve
and the seeds of the second pass (the densest point of each region).  The
calibration tables are in :class:`~siqd_utils.ils.ILSClustering`; the trials
behind them are in :mod:`~siqd_utils.ils.calibration`.
"""

from __future__ import annotations

import bisect
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, median_filter
from scipy.signal import convolve, fftconvolve, find_peaks_cwt

__all__ = [
    "PEAK_RULES",
    "DEFAULT_SIGNIFICANCE",
    "RminPeaks",
    "rmin_peaks",
    "find_rmin_peaks",
    "find_study_peaks",
    "significance_scores",
    "smooth_rmin",
    "segment_minima",
    "cwt_peaks",
]

#: The peak rules :class:`~siqd_utils.ils.ILSClustering` accepts.
PEAK_RULES = ("significance", "study")
#: Threshold of the significance score (calibration in ``ILSClustering``).
DEFAULT_SIGNIFICANCE = 3.0
#: :func:`cwt_peaks` calls SciPy's own function up to this curve length
#: (about 0.2 s at 5,000 points); beyond, SciPy's noise estimate is quadratic
#: in the length and the linear-time equivalent below is used.
SCIPY_CWT_MAX_LENGTH = 5_000
# 90 % of a normal distribution lies within 1.645 standard deviations of its mean.
_Z95 = 1.6448536269514722


# --------------------------------------------------------------------------
# Smoothing and seeds
# --------------------------------------------------------------------------


def smooth_rmin(rmin, min_cluster_size=15):
    """Smooth an ``R_min`` curve with a Gaussian of ``min_cluster_size`` points.

    This is :func:`scipy.ndimage.gaussian_filter1d` with ``sigma =
    min_cluster_size`` and SciPy's defaults (truncated at 4 standard
    deviations, ``mode="reflect"``: the curve mirrored beyond its ends), as in
    the original ILS code.  Both peak rules take the seeds of the second pass
    from this curve; the study rule also finds its peaks on it.  For wide
    kernels the same convolution is done by FFT (the direct one costs
    ``O(n p)``).

    Parameters
    ----------
    rmin : array-like of shape (n_steps,)
        The curve.
    min_cluster_size : int, default=15
        Standard deviation of the Gaussian, in points.

    Returns
    -------
    ndarray of shape (n_steps,)
        The smoothed curve.
    """
    r = np.asarray(rmin, dtype=np.float64)
    sigma = float(min_cluster_size)
    if sigma <= 64 or r.size < 2:
        return gaussian_filter1d(r, sigma=sigma)
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    # SciPy's "reflect" repeats the edge value (d c b a | a b c d | d c b a),
    # which is NumPy's "symmetric" padding
    padded = np.pad(r, radius, mode="symmetric")
    return fftconvolve(padded, kernel, mode="valid")


def segment_minima(smoothed, peaks):
    """Position of the minimum of ``smoothed`` in each region between peaks.

    Regions are ``[0, peaks[0])``, ``[peaks[0], peaks[1])``, ...,
    ``[peaks[-1], n)``: a peak position starts a new region.  The minimum of
    the smoothed curve is the middle of the densest run of the region, where
    the second pass puts its seed (ties: the first position).

    Parameters
    ----------
    smoothed : array-like of shape (n_steps,)
        The smoothed curve (:func:`smooth_rmin`).
    peaks : array-like of int
        Sorted, distinct positions in ``[1, n_steps)``.

    Returns
    -------
    ndarray of int64, shape (len(peaks) + 1,)
        Positions in the curve (map them to data indices through the
        first pass's ``order``).
    """
    sm = np.asarray(smoothed, dtype=np.float64)
    bounds = np.concatenate(([0], np.asarray(peaks, dtype=np.int64), [sm.size]))
    if np.any(np.diff(bounds) <= 0):
        raise ValueError(f"peaks must be sorted, distinct and inside (0, {sm.size}); got {list(peaks)}")
    return np.array([a + int(np.argmin(sm[a:b])) for a, b in zip(bounds[:-1], bounds[1:])], dtype=np.int64)


# --------------------------------------------------------------------------
# Wavelet peak finding (the study rule)
# --------------------------------------------------------------------------


def _ricker(points, a):
    """Ricker ("Mexican hat") wavelet of width ``a`` sampled at ``points`` points."""
    amp = 2.0 / (np.sqrt(3.0 * a) * np.pi**0.25)
    t = np.arange(points) - (points - 1.0) / 2.0
    t2 = t * t
    return amp * (1.0 - t2 / (a * a)) * np.exp(-t2 / (2.0 * a * a))


def _cwt_peaks(vector, width, min_snr=1.0, noise_perc=10.0):
    """:func:`scipy.signal.find_peaks_cwt` for a single wavelet width, in O(n).

    Same steps and defaults as ``find_peaks_cwt(vector, widths=[width])``: the
    Ricker transform of the vector, its strict local maxima (with one width
    every maximum is a ridge line), and the signal-to-noise filter, where the
    noise is the ``noise_perc``-th percentile of the transform in a window of
    ``ceil(n / 20)`` points around the maximum.  SciPy evaluates that
    percentile at every point of the vector, which is quadratic in n (about
    9 s at n = 50,000); here it is evaluated at the maxima only.
    """
    v = np.asarray(vector, dtype=np.float64)
    n = v.size
    npts = int(min(10 * width, n))
    row = convolve(v, _ricker(npts, width)[::-1], mode="same")
    inner = np.flatnonzero((row[1:-1] > row[:-2]) & (row[1:-1] > row[2:])) + 1
    window = int(np.ceil(n / 20))
    half, odd = divmod(window, 2)
    keep = []
    for c in inner.tolist():
        noise = np.percentile(row[max(c - half, 0) : min(c + half + odd, n)], noise_perc)
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = abs(row[c] / noise)
        if not snr < min_snr:
            keep.append(c)
    return np.asarray(keep, dtype=np.int64)


def cwt_peaks(vector, width):
    """``scipy.signal.find_peaks_cwt(vector, widths=[width])``, sorted, as int64.

    SciPy's own function is called for curves of up to
    :data:`SCIPY_CWT_MAX_LENGTH` points; longer curves use a linear-time
    re-implementation that the tests check gives the same peaks.
    """
    v = np.asarray(vector, dtype=np.float64)
    if v.size <= SCIPY_CWT_MAX_LENGTH:
        found = np.asarray(find_peaks_cwt(v, widths=[width]), dtype=np.int64)
    else:
        found = _cwt_peaks(v, width)
    return np.sort(found)


def find_study_peaks(rmin, min_cluster_size=15, *, n_peaks=None):
    """The study's automatic peak rule, as the original ILS code applies it.

    The steps of the original code's peak finder (``findMin``; Parker &
    Barnard's ILS, a public copy is in the ``Thea-Hsu/EILS`` repository), which
    the tests check against a transcription of it on seeded data sets:

    1. Smooth the curve with a Gaussian of standard deviation
       ``p = min_cluster_size`` points (:func:`smooth_rmin`: SciPy's default
       ``mode="reflect"``).
    2. Find peaks with :func:`scipy.signal.find_peaks_cwt` on the smoothed
       curve with the single width ``p`` (:func:`cwt_peaks`; the original
       passes one copy of ``p`` per point of the curve, which gives the same
       peaks: every copy yields the same row of wavelet coefficients).
    3. Keep a peak at position ``q`` only if it lies more than ``p`` positions
       from either end, ``p < q < n_steps - p`` (strict on both sides: a peak
       at exactly ``q = p`` is dropped).
    4. Keep every remaining peak; there is no significance test, so
       structureless data give peaks too.

    The seeds of the second pass are the minima of the smoothed curve between
    the peaks (:func:`segment_minima`); the original drops a minimum at
    position 0, and :class:`~siqd_utils.ils.ILSClustering` then seeds that
    first region at the first-pass seed (see its ``seeds_``).

    With ``n_peaks`` given (``ILSClustering(n_clusters=...)``), the
    ``n_peaks`` peaks with the highest smoothed values are kept (ties: the
    earlier position); this selection is ours, the original code had none.

    Parameters
    ----------
    rmin : array-like of shape (n_steps,)
        The ``R_min`` curve in labelling order.
    min_cluster_size : int, default=15
        ``p``: smoothing width, wavelet width and end margin.
    n_peaks : int or None, default=None
        Return exactly this many peaks.

    Returns
    -------
    positions : ndarray of int64
        Sorted positions in ``rmin`` where a new region starts.
    heights : ndarray of float
        The smoothed curve at each position (the study rule has no score).

    Raises
    ------
    ValueError
        If ``n_peaks`` peaks cannot be found.
    """
    res = rmin_peaks(rmin, min_cluster_size, peak_rule="study", n_peaks=n_peaks)
    return res.positions, res.scores


# --------------------------------------------------------------------------
# The significance rule
# --------------------------------------------------------------------------


def significance_scores(rmin, min_cluster_size=15):
    """Candidate peaks of the significance rule and their scores.

    The score works on ``y = log R_min`` (zeros, from duplicate points, are
    raised to the smallest positive value), so that it does not depend on the
    units or on how dense a cluster is: a cluster twice as sparse shifts its
    stretch of the curve up by ``log 2`` without changing its scatter.

    1. Candidates: positions ``q`` with ``p <= q < n - p`` whose ``y`` is the
       largest within ``p // 2`` positions on either side (``p =
       min_cluster_size``).
    2. The level on each side of ``q`` is the mean of ``y`` (the log of the
       geometric-mean ``R_min``) over the ``p`` points next to ``q`` or over
       the whole stretch back (forward) to the nearest candidate at least as
       high, or to the end of the curve, whichever is lower: the denser of the
       near and the wide view of the region on that side.  A stretch is never
       shorter than ``p`` points.
    3. Score = ``(y[q] - max(left level, right level)) / s``: how far the jump
       rises above the higher of the two regions it separates, where ``s`` is
       the scatter of ``y`` around its running median over ``p`` points (its
       5-95 % range divided by 3.29, a standard deviation for normal scatter).
    4. Candidates closer than ``p`` to a higher-scoring one are dropped, so
       every region between two kept peaks holds at least ``p`` points.

    This catches both a single long edge (a gap) and a drop from the sparse
    edge of one cluster into the dense core of the next.  A thin bridge of
    points between two clusters (a chain of edges each a few times longer
    than inside the clusters) scores low: a 12-point bridge between two
    150-point blobs scored 2.3-2.7 at ``p = 15`` over ten seeds, below the
    default threshold.

    Parameters
    ----------
    rmin : array-like of shape (n_steps,)
        The ``R_min`` curve in labelling order.
    min_cluster_size : int, default=15
        ``p``, at least 2.

    Returns
    -------
    positions : ndarray of int64
        The merged candidates, sorted by decreasing score (ties: position).
    scores : ndarray of float
        Their scores.
    """
    r = np.asarray(rmin, dtype=np.float64)
    n = r.size
    p = _check_p(min_cluster_size)
    empty = np.empty(0, dtype=np.int64), np.empty(0)
    positive = r[r > 0]
    if n < 2 * p + 1 or positive.size == 0:
        return empty
    y = np.log(np.maximum(r, positive.min()))
    y -= np.median(y)  # keeps the cumulative sums small
    window_max = maximum_filter1d(y, size=2 * (p // 2) + 1, mode="nearest")
    cand = np.flatnonzero(y == window_max)
    cand = cand[(cand >= p) & (cand < n - p)]
    if cand.size == 0:
        return empty

    resid = y - median_filter(y, size=p, mode="nearest")
    lo, hi = np.percentile(resid, [5.0, 95.0])
    scale = (hi - lo) / (2.0 * _Z95)
    if scale <= 0:
        scale = float(resid.std())

    # stretches: back / forward to the nearest candidate at least as high
    v = y[cand]
    prev = _nearest_at_least(v)
    nxt = v.size - 1 - _nearest_at_least(v[::-1])[::-1]
    a = np.where(prev >= 0, cand[np.maximum(prev, 0)] + 1, 0)
    b = np.where(nxt < v.size, cand[np.minimum(nxt, v.size - 1)], n)
    a = np.minimum(a, cand - p)
    b = np.maximum(b, cand + 1 + p)
    cs = np.concatenate(([0.0], np.cumsum(y)))
    left = np.minimum((cs[cand] - cs[cand - p]) / p, (cs[cand] - cs[a]) / (cand - a))
    right = np.minimum((cs[cand + 1 + p] - cs[cand + 1]) / p, (cs[b] - cs[cand + 1]) / (b - cand - 1))
    excess = v - np.maximum(left, right)
    if scale > 0:
        scores = excess / scale
    else:  # a curve without scatter: any rise is a real step
        scores = np.where(excess > 0, np.inf, 0.0)

    # merge: keep the best score, drop candidates closer than p to a kept one
    keep, kept_pos = [], []  # kept_pos stays sorted
    for i in np.lexsort((cand, -scores)).tolist():
        q = int(cand[i])
        t = bisect.bisect_left(kept_pos, q)
        if (t > 0 and q - kept_pos[t - 1] < p) or (t < len(kept_pos) and kept_pos[t] - q < p):
            continue
        keep.append(i)
        kept_pos.insert(t, q)
    return cand[keep].astype(np.int64), scores[keep]


def _nearest_at_least(v):
    """For each i, the largest j < i with v[j] >= v[i], or -1 (a monotone stack)."""
    out = np.full(v.size, -1, dtype=np.int64)
    stack = []
    vals = v.tolist()
    for i, x in enumerate(vals):
        while stack and vals[stack[-1]] < x:
            stack.pop()
        if stack:
            out[i] = stack[-1]
        stack.append(i)
    return out


def find_rmin_peaks(rmin, min_cluster_size=15, *, significance=DEFAULT_SIGNIFICANCE, n_peaks=None):
    """The significance rule: peaks of the ``R_min`` curve that noise does not make.

    Scores the candidate peaks as :func:`significance_scores` describes and
    keeps those scoring above ``significance`` (or, with ``n_peaks``, the
    ``n_peaks`` best whatever their score).  The default threshold is
    calibrated so that structureless data give one region and separated
    clusters their own (table in :class:`~siqd_utils.ils.ILSClustering`).

    Parameters
    ----------
    rmin : array-like of shape (n_steps,)
        The ``R_min`` curve in labelling order.
    min_cluster_size : int, default=15
        ``p``: no region of fewer than ``p`` points is cut off.
    significance : float, default=3.0
        Threshold on the score.  ``-inf`` returns every candidate.
    n_peaks : int or None, default=None
        Return exactly this many peaks (the best scoring).

    Returns
    -------
    positions : ndarray of int64
        Sorted positions in ``rmin`` where a new region starts, all in
        ``[p, n_steps - p)`` and at least ``p`` apart.
    scores : ndarray of float
        The score of each returned peak.

    Raises
    ------
    ValueError
        If ``n_peaks`` peaks cannot be found.
    """
    res = rmin_peaks(rmin, min_cluster_size, peak_rule="significance",
                     significance=significance, n_peaks=n_peaks)
    return res.positions, res.scores


# --------------------------------------------------------------------------
# Either rule
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RminPeaks:
    """Outcome of :func:`rmin_peaks`.

    Attributes
    ----------
    positions : ndarray of int64
        Sorted positions where a new region starts (the accepted peaks).
    scores : ndarray of float
        Score of each accepted peak: the significance score, or the smoothed
        height for the study rule.
    candidates : ndarray of int64
        Every candidate the rule considered, sorted by position (the study
        rule: every wavelet peak away from the ends).
    candidate_scores : ndarray of float
        Their scores (same meaning as ``scores``).
    smoothed : ndarray of float
        The curve smoothed by :func:`smooth_rmin` (seeds; the study rule's
        peaks).
    """

    positions: np.ndarray
    scores: np.ndarray
    candidates: np.ndarray
    candidate_scores: np.ndarray
    smoothed: np.ndarray


def rmin_peaks(rmin, min_cluster_size=15, *, peak_rule="significance",
               significance=DEFAULT_SIGNIFICANCE, n_peaks=None):
    """Apply a peak rule to an ``R_min`` curve.

    Parameters
    ----------
    rmin : array-like of shape (n_steps,)
        The ``R_min`` curve in labelling order.
    min_cluster_size : int, default=15
        ``p``, at least 2.
    peak_rule : {"significance", "study"}, default="significance"
        :func:`find_rmin_peaks` or :func:`find_study_peaks`.
    significance : float, default=3.0
        Threshold of the significance rule (ignored by the study rule).
    n_peaks : int or None, default=None
        Return exactly this many peaks: the best scoring (significance) or the
        highest smoothed (study).

    Returns
    -------
    RminPeaks

    Raises
    ------
    ValueError
        If the rule is unknown, ``min_cluster_size`` is below 2, or
        ``n_peaks`` peaks cannot be found.
    """
    if peak_rule not in PEAK_RULES:
        raise ValueError(f"peak_rule must be one of {PEAK_RULES}; got {peak_rule!r}")
    r = np.asarray(rmin, dtype=np.float64)
    n = r.size
    p = _check_p(min_cluster_size)
    smoothed = smooth_rmin(r, p)
    if peak_rule == "study":
        # a peak must lie strictly inside (p, n - p), which needs n >= 2 p + 2 points
        found = cwt_peaks(smoothed, p) if n >= 2 * p + 2 else np.empty(0, dtype=np.int64)
        cand = found[(found > p) & (found < n - p)]
        cand_scores = smoothed[cand]
    else:
        cand, cand_scores = significance_scores(r, p)
        srt = np.argsort(cand, kind="stable")
        cand, cand_scores = cand[srt], cand_scores[srt]
    order = np.lexsort((cand, -cand_scores))  # best first, then earlier
    if n_peaks is None:
        chosen = order if peak_rule == "study" else order[cand_scores[order] > significance]
    else:
        n_peaks = int(n_peaks)
        if n_peaks > cand.size:
            raise ValueError(
                f"cannot split the R_min curve into {n_peaks + 1} regions with the {peak_rule} rule: "
                f"it finds only {cand.size + 1} region(s) at min_cluster_size={p}. "
                "Lower n_clusters or min_cluster_size."
            )
        chosen = order[:n_peaks]
    chosen = np.sort(chosen)
    return RminPeaks(
        positions=cand[chosen].astype(np.int64),
        scores=cand_scores[chosen].astype(np.float64),
        candidates=cand.astype(np.int64),
        candidate_scores=cand_scores.astype(np.float64),
        smoothed=smoothed,
    )


def _check_p(min_cluster_size):
    if isinstance(min_cluster_size, (bool, np.bool_)) or not isinstance(min_cluster_size, numbers.Integral):
        raise ValueError(f"min_cluster_size must be an integer; got {min_cluster_size!r}")
    if min_cluster_size < 2:
        raise ValueError(f"min_cluster_size must be at least 2; got {min_cluster_size}")
    return int(min_cluster_size)

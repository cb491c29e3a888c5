"""Input checks and the Euclidean arithmetic shared by every ILS pass.

Every distance in :mod:`siqd_utils.ils` is computed from direct differences,
``sqrt(sum_k (x_k - y_k)**2)``, with the squares added left to right in feature
order (the arithmetic of :func:`scipy.spatial.distance.cdist`).  Exact
duplicates are therefore exactly 0 apart, and both spreading paths
(:mod:`~siqd_utils.ils.spreading` and :mod:`~siqd_utils.ils.tree`) compute
bit-identical distances, which makes exact ties reproducible.  The expansion
``|x|^2 - 2 x.y + |y|^2`` of :func:`sklearn.metrics.pairwise_distances` is never
used: it gives small non-zero distances between duplicates.
"""

from __future__ import annotations

import numpy as np

#: Coordinates larger than this (in absolute value) could overflow a squared
#: distance; such input is rejected.
MAX_ABS_COORD = 1e150


def check_points(X, *, name="X"):
    """Return ``X`` as a C-contiguous float64 (n, d) array, or raise ValueError."""
    X = np.asarray(X)
    if X.dtype.kind == "c":
        raise ValueError(f"{name} must be real; got complex dtype {X.dtype}.")
    if X.dtype.kind not in "biuf":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric; got dtype {X.dtype}.") from exc
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); "
            f"got an array with {X.ndim} dimension(s)."
        )
    n, d = X.shape
    if n < 2:
        raise ValueError(f"{name} has {n} sample(s); ILS needs at least 2 points.")
    if d < 1:
        raise ValueError(f"{name} has 0 features; at least 1 is required.")
    X = np.ascontiguousarray(X, dtype=np.float64)
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at row {bad[0]}, column {bad[1]}: "
            f"{X[bad[0], bad[1]]!r}); ILS needs finite coordinates."
        )
    big = float(np.abs(X).max())
    if big > MAX_ABS_COORD:
        raise ValueError(
            f"{name} has a coordinate of magnitude {big:.3g}; squared distances would "
            f"overflow. Rescale the data (|x| <= {MAX_ABS_COORD:.0e})."
        )
    return X


def check_labels(labels, n):
    """Return ``labels`` as an int64 array of length ``n``, or raise ValueError."""
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise ValueError(f"labels must be a 1-D array; got shape {lab.shape}.")
    if lab.shape[0] != n:
        raise ValueError(
            f"labels has length {lab.shape[0]} but X has {n} samples; they must match."
        )
    if lab.dtype.kind == "b":
        lab = lab.astype(np.int64)
    elif lab.dtype.kind == "f":
        if not np.all(np.isfinite(lab)) or np.any(lab != np.round(lab)):
            raise ValueError("labels must be integers (0 = unlabelled, >0 = label).")
        lab = lab.astype(np.int64)
    elif lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers; got dtype {lab.dtype}.")
    lab = np.array(lab, dtype=np.int64)  # copy
    if (lab < 0).any():
        first = int(np.flatnonzero(lab < 0)[0])
        raise ValueError(
            f"labels must be >= 0 (0 = unlabelled); labels[{first}] = {lab[first]}."
        )
    if not (lab > 0).any():
        raise ValueError("labels has no labelled point (all 0); give at least one seed.")
    return lab


def sqdist_to_point(XT, x):
    """Squared distances from ``x`` (d,) to the columns of ``XT`` (d, m).

    The squares are summed left to right in feature order with element-wise
    additions, so the result does not depend on array sizes or layouts.
    """
    D = XT - x[:, None]
    np.multiply(D, D, out=D)
    if D.shape[0] == 1:
        return D[0]
    acc = np.add(D[0], D[1])
    for k in range(2, D.shape[0]):
        acc += D[k]
    return acc


def pair_dist(YT, i, j, chunk=1 << 20):
    """Euclidean distances between points ``i`` and ``j`` (index arrays).

    ``YT`` is the (d, m) transposed, C-contiguous coordinate array.  Same
    arithmetic as :func:`sqdist_to_point`, followed by a square root.
    """
    out = np.empty(len(i), dtype=np.float64)
    d = YT.shape[0]
    for s in range(0, len(i), chunk):
        ii = i[s : s + chunk]
        jj = j[s : s + chunk]
        acc = None
        for k in range(d):
            col = YT[k]
            t = col[ii] - col[jj]
            t *= t
            if acc is None:
                acc = t
            else:
                acc += t
        np.sqrt(acc, out=out[s : s + chunk])
    return out

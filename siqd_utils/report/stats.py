"""The uncertainty of the book's scores, sized to the data behind them.

Small, well-tested wrappers around :mod:`scipy.stats`, so that every page states an
interval or a paired test the same way:

* :func:`wilson_interval` / :func:`score_interval`: a Wilson score interval for a share of
  ``n`` dots (a test-split accuracy), which stays inside [0, 1] and is honest for small ``n``;
* :func:`cv_summary`: a cross-validated mean with the spread over the folds **and** the
  standard error of the mean, labelled apart (the spread is not the uncertainty of the mean);
* :func:`mcnemar_exact`: McNemar's exact test of two methods scored on the same dots (an exact
  binomial test on the discordant pairs);
* :func:`chance_exceedances`: how many of ``n`` noise comparisons a structureless data set
  passes by chance alone, for a Monte Carlo test with ``n_draws`` draws each;
* :func:`one_dot`: the change one dot makes to a share of ``n`` dots, the finest tolerance a
  comparison of such shares can carry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["CONFIDENCE", "by_row", "chance_exceedances", "cv_summary", "interval_text", "mcnemar_exact", "one_dot",
           "score_interval", "wilson_interval"]

#: Confidence level of every interval the book states.
CONFIDENCE = 0.95


def _count(name: str, value, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} = {value!r}: must be an integer >= {low}")
    return int(value)


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials.

    Raises
    ------
    ValueError
        If ``n`` < 1, ``k`` is not in 0..n, or ``confidence`` is not in (0, 1).
    """
    n = _count("n", n, low=1)
    k = _count("k", k)
    if k > n:
        raise ValueError(f"k = {k} exceeds n = {n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence = {confidence!r}: must lie in (0, 1)")
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def score_interval(score: float, n: int, confidence: float = CONFIDENCE) -> dict[str, float]:
    """A share ``score`` of ``n`` dots (an accuracy) with its Wilson interval.

    The number of dots right is recovered as ``round(score * n)``; a score that is not a
    whole number of dots out of ``n`` (by more than rounding) is an error, since the
    interval would then describe another quantity (a balanced accuracy, say).

    Returns
    -------
    dict
        ``score``, ``k``, ``n``, ``lo``, ``hi``.
    """
    n = _count("n", n, low=1)
    k = round(float(score) * n)
    if abs(k - float(score) * n) > 1e-6 * n + 1e-9:
        raise ValueError(f"score = {score!r} is not a whole number of dots out of n = {n}")
    lo, hi = wilson_interval(k, n, confidence)
    return {"score": k / n, "k": k, "n": n, "lo": lo, "hi": hi}


def interval_text(ci: dict, digits: int = 2) -> str:
    """``"0.84 [0.72, 0.91] (46 of 55 dots)"`` for a :func:`score_interval` result."""
    return (f"{ci['score']:.{digits}f} [{ci['lo']:.{digits}f}, {ci['hi']:.{digits}f}] "
            f"({ci['k']} of {ci['n']} dots)")


def cv_summary(fold_scores: Sequence[float]) -> dict[str, float]:
    """Mean of k fold scores, their spread (sd, ``ddof=0``, as the study quotes it) and the
    standard error of the mean (sample sd / sqrt(k)).

    The folds share training dots, so the standard error understates the uncertainty a
    little; it is still the right order, where the spread over folds is sqrt(k) times larger.
    """
    scores = np.asarray(fold_scores, dtype=float)
    if scores.ndim != 1 or scores.size < 2 or not np.all(np.isfinite(scores)):
        raise ValueError(f"fold_scores: need two or more finite scores, got {fold_scores!r}")
    return {"mean": float(scores.mean()), "sd": float(scores.std()),
            "sem": float(scores.std(ddof=1) / math.sqrt(scores.size)), "k": int(scores.size)}


def mcnemar_exact(correct_a, correct_b) -> dict[str, float]:
    """McNemar's exact test: do two methods right on the same dots differ in accuracy?

    Parameters
    ----------
    correct_a, correct_b : array-like of bool
        Whether each method got each dot right, in the same dot order.

    Returns
    -------
    dict
        ``n`` (dots), ``a_only`` (right by ``a`` alone), ``b_only``, ``both``, ``neither`` and the
        two-sided exact ``p`` (1 when no dot is discordant).
    """
    a = np.asarray(correct_a)
    b = np.asarray(correct_b)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"correct_a and correct_b must be 1-D of equal length; got {a.shape} and {b.shape}")
    if a.dtype != bool or b.dtype != bool:
        raise ValueError("correct_a and correct_b must be boolean (right or wrong per dot)")
    a_only, b_only = int((a & ~b).sum()), int((~a & b).sum())
    p = 1.0 if a_only + b_only == 0 else float(stats.binomtest(a_only, a_only + b_only, 0.5).pvalue)
    return {"n": int(a.size), "a_only": a_only, "b_only": b_only, "both": int((a & b).sum()),
            "neither": int((~a & ~b).sum()), "p": p}


def chance_exceedances(n_settings: int, n_draws: int, observed: int, share: float) -> dict[str, float]:
    """What chance gives when ``n_settings`` Monte Carlo comparisons, each against ``n_draws``
    noise draws, are read as "beyond noise" when fewer than ``share`` of the draws reach the data.

    For data exchangeable with the noise, the data's rank among the ``n_draws + 1`` values is
    uniform, so "fewer than ``share * n_draws`` draws reach it" happens with probability at most
    ``ceil(share * n_draws) / (n_draws + 1)`` (ties make it smaller): 1/21 with 20 draws and a
    5 % share.  Treating the settings as independent, the count of settings passed by chance is
    at most Binomial(``n_settings``, that rate).

    Returns
    -------
    dict
        ``rate`` (per setting), ``expected`` (count), ``p_at_least`` (chance of ``observed`` or more).
    """
    n_settings = _count("n_settings", n_settings, low=1)
    n_draws = _count("n_draws", n_draws, low=1)
    observed = _count("observed", observed)
    if not 0 < share <= 1:
        raise ValueError(f"share = {share!r}: must lie in (0, 1]")
    rate = min(1.0, max(1, math.ceil(share * n_draws - 1e-12)) / (n_draws + 1))
    return {"rate": rate, "expected": n_settings * rate,
            "p_at_least": float(stats.binom.sf(observed - 1, n_settings, rate))}


def one_dot(n: int) -> float:
    """The change one dot makes to a share of ``n`` dots."""
    return 1.0 / _count("n", n, low=1)


def by_row(values, train_index, test_index) -> np.ndarray:
    """Cross-validated values given training rows first, then test rows (as
    :class:`siqd_utils.models.evaluation.Evaluation` stores them), put back into the data's row order.

    Two tasks split the same dots differently; in row order their predictions can be paired dot by dot.
    """
    values = np.asarray(values)
    order = np.concatenate([np.asarray(train_index), np.asarray(test_index)]).astype(int)
    if len(order) != len(values) or sorted(order.tolist()) != list(range(len(values))):
        raise ValueError(f"train_index and test_index must together hold each of the {len(values)} rows once")
    out = np.empty_like(values)
    out[order] = values
    return out

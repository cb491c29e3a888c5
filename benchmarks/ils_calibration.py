"""Calibration of the ILS peak rules (not a test: it prints the docstring table).

Runs the seeded trials of :mod:`siqd_utils.ils.calibration` - structureless data
(uniform cube, one Gaussian, one Gaussian with a random covariance) and 2-4
separated Gaussian blobs of unequal size and spread, n = 200 to 5,000 points,
2 to 10 dimensions, p = 5 % of n - and prints, for both peak rules, the share
of trials that give the right number of clusters, as the reStructuredText table
quoted in the docstring of :class:`siqd_utils.ils.ILSClustering`.  With
``--scores`` it also prints the distribution of the best significance score on
structureless data and of the weakest needed peak on blobs (the margin the
threshold sits in).

Usage::

    python benchmarks/ils_calibration.py [--max-n 5000] [--p-share 0.05] [--scores]

The full grid takes about 5 minutes on one core.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from siqd_utils.ils import calibration as cal  # noqa: E402
from siqd_utils.ils import significance_scores, spread_labels  # noqa: E402
from siqd_utils.ils.estimator import ILSClustering  # noqa: E402

NS = (200, 500, 1000, 2000, 5000)
DS = (2, 5, 10)


def score_margins(ns, ds, p_share):
    """Best null score and weakest needed blob score of every trial (significance rule)."""
    rows = []
    for scenario, true_k in cal.SCENARIOS.items():
        if 3 * true_k * p_share > 1:
            continue
        for n in ns:
            for d in ds:
                for trial in range(cal.trials_for(n)):
                    X, _, p = cal.calibration_data(scenario, n, d, trial, p_share)
                    lab = np.zeros(n, dtype=np.int64)
                    lab[ILSClustering(min_cluster_size=p)._start_index(X)] = 1
                    _, scores = significance_scores(spread_labels(X, lab).rmin, p)
                    needed = scores[true_k - 2] if true_k > 1 and scores.size >= true_k - 1 else np.nan
                    extra = scores[true_k - 1] if scores.size >= true_k else np.nan
                    rows.append((scenario, true_k, n, d, needed, extra))
    return pd.DataFrame(rows, columns=["scenario", "true_k", "n", "d", "weakest_needed", "best_extra"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=max(NS))
    parser.add_argument("--p-share", type=float, default=cal.P_SHARE,
                        help="min_cluster_size as a share of n (default 0.05, as in the study)")
    parser.add_argument("--scores", action="store_true", help="also print the score margins")
    args = parser.parse_args()
    ns = tuple(n for n in NS if n <= args.max_n)
    t0 = time.perf_counter()
    # blobs need 3 p points each
    scenarios = [s for s, k in cal.SCENARIOS.items() if 3 * k * args.p_share <= 1]
    trials = cal.calibration_trials(scenarios=scenarios, ns=ns, ds=DS, p_share=args.p_share)
    table = cal.calibration_table(trials)
    print(f"# ILS peak-rule calibration: share of trials (%) with the right number of clusters; "
          f"p = {100 * args.p_share:g} % of n; significance threshold {cal.DEFAULT_SIGNIFICANCE}; "
          f"{len(trials) // 2} trials, {time.perf_counter() - t0:.0f} s\n")
    print(cal.format_table(table))
    null = trials[trials["true_k"] == 1]
    blobs = trials[trials["true_k"] > 1]
    for rule in dict.fromkeys(trials["peak_rule"]):
        worst_null = null[null["peak_rule"] == rule].groupby(["scenario", "n", "d"])["correct"].mean().min()
        worst_blob = blobs[blobs["peak_rule"] == rule].groupby(["scenario", "n", "d"])["correct"].mean().min()
        print(f"\n{rule}: one cluster on structureless data in "
              f"{100 * null[null['peak_rule'] == rule]['correct'].mean():.1f} % of trials (worst cell "
              f"{100 * worst_null:.0f} %); right count on blobs in "
              f"{100 * blobs[blobs['peak_rule'] == rule]['correct'].mean():.1f} % (worst cell {100 * worst_blob:.0f} %)")
    if args.scores:
        m = score_margins(ns, DS, args.p_share)
        nul = m[m["true_k"] == 1]["best_extra"]
        need = m[m["true_k"] > 1]["weakest_needed"]
        print(f"\nsignificance scores: best peak on structureless data: median {nul.median():.2f}, "
              f"99th percentile {nul.quantile(0.99):.2f}, max {nul.max():.2f}; weakest needed peak on blobs: "
              f"1st percentile {need.quantile(0.01):.2f}, min {need.min():.2f}")


if __name__ == "__main__":
    main()

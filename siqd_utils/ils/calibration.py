"""The seeded trials behind the calibration tables of the peak rules.

Scenarios (``p`` is 5 % of ``n``, as in the study):

``uniform``
    Uniform in the unit cube: no structure, the right answer is 1 cluster.
``gaussian``
    One standard normal: no structure, 1 cluster.
``gaussian_cov``
    One normal with a random covariance (``Z @ A``, ``A`` standard normal):
    no structure, 1 cluster.
``blobs2``, ``blobs3``, ``blobs4``
    2, 3 or 4 Gaussian blobs of unequal size and spread: every blob holds at
    least ``3 p`` points (the rest is shared out by Dirichlet weights), the
    standard deviations lie in ``[1, 2]`` with one blob at 1 and one at 2
    (ratio 2), and the centres are placed in random directions and scaled so
    that the closest pair, measured in standard deviations of the wider blob
    of the pair, is exactly 8 apart.  The right answer is the number of blobs.

Each trial runs one first pass (:func:`~siqd_utils.ils.spread_labels` from the
estimator's ``"densest"`` start) and applies every peak rule to the same curve;
the number of clusters is the number of peaks plus one.
``benchmarks/ils_calibration.py`` runs the full grid and prints the table
quoted in :class:`~siqd_utils.ils.ILSClustering`; the tests recompute some of
its cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .estimator import ILSClustering
from .peaks import DEFAULT_SIGNIFICANCE, PEAK_RULES, rmin_peaks
from .spreading import spread_labels

__all__ = ["SCENARIOS", "CALIBRATION_SEED", "trials_for", "calibration_data",
           "calibration_trials", "calibration_table", "format_table"]

#: Scenario name -> true number of clusters.
SCENARIOS = {"uniform": 1, "gaussian": 1, "gaussian_cov": 1, "blobs2": 2, "blobs3": 3, "blobs4": 4}
#: Root seed of every calibration draw.
CALIBRATION_SEED = 20210277
#: Share of the points used as ``min_cluster_size``.
P_SHARE = 0.05
_SHORT = {"significance": "sig.", "study": "study"}


def trials_for(n):
    """Trials per cell of the table: 40 up to 1,000 points, 20 beyond."""
    return 40 if n <= 1000 else 20


def calibration_data(scenario, n, d, trial, p_share=P_SHARE):
    """The data of one trial: ``(X, y, p)``, seeded by the scenario, n, d and trial.

    ``y`` is the blob of each point (all 0 for the structureless scenarios)
    and ``p = max(2, round(p_share * n))``; blobs hold at least ``3 p`` points
    (``p_share`` at most 1 / (3 k)).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {list(SCENARIOS)}; got {scenario!r}")
    key = (list(SCENARIOS).index(scenario), int(n), int(d), int(trial))
    rng = np.random.default_rng(np.random.SeedSequence(CALIBRATION_SEED, spawn_key=key))
    p = max(2, round(p_share * n))
    y = np.zeros(n, dtype=np.int64)
    if scenario == "uniform":
        return rng.uniform(size=(n, d)), y, p
    if scenario == "gaussian":
        return rng.standard_normal((n, d)), y, p
    if scenario == "gaussian_cov":
        return rng.standard_normal((n, d)) @ rng.standard_normal((d, d)), y, p
    k = SCENARIOS[scenario]
    rest = n - 3 * p * k
    sizes = 3 * p + np.floor(rng.dirichlet(np.ones(k)) * rest).astype(np.int64)
    sizes[0] += n - sizes.sum()
    sd = rng.uniform(1.0, 2.0, k)
    first, second = rng.permutation(k)[:2]
    sd[first], sd[second] = 1.0, 2.0
    centres = rng.standard_normal((k, d))
    iu = np.triu_indices(k, 1)
    gap = np.linalg.norm(centres[:, None] - centres[None], axis=-1)[iu]
    wider = np.maximum(sd[:, None], sd[None])[iu]
    centres *= 8.0 / (gap / wider).min()
    y = np.repeat(np.arange(k), sizes)
    X = centres[y] + rng.standard_normal((n, d)) * sd[y][:, None]
    return X, y, p


def calibration_trials(scenarios=tuple(SCENARIOS), ns=(200, 500, 1000, 2000, 5000), ds=(2, 5, 10),
                       n_trials=None, peak_rules=PEAK_RULES, significance=DEFAULT_SIGNIFICANCE,
                       p_share=P_SHARE):
    """Run the trials of a grid of scenarios.

    Parameters
    ----------
    scenarios, ns, ds : sequences
        The grid (scenario names of :data:`SCENARIOS`, numbers of points,
        numbers of features).
    n_trials : int or None, default=None
        Trials per cell; None: :func:`trials_for`.
    peak_rules : sequence of str, default=both
        Rules applied to each trial's curve.
    significance : float, default=3.0
        Threshold of the significance rule.
    p_share : float, default=0.05
        ``min_cluster_size`` as a share of ``n``.

    Returns
    -------
    pandas.DataFrame
        One row per trial and rule: ``scenario``, ``n``, ``d``, ``p``,
        ``trial``, ``true_k``, ``peak_rule``, ``k`` and ``correct``.
    """
    rows = []
    for scenario in scenarios:
        for n in ns:
            for d in ds:
                for trial in range(n_trials or trials_for(n)):
                    X, y, p = calibration_data(scenario, n, d, trial, p_share)
                    lab = np.zeros(n, dtype=np.int64)
                    lab[ILSClustering(min_cluster_size=p)._start_index(X)] = 1
                    rmin = spread_labels(X, lab).rmin
                    for rule in peak_rules:
                        k = rmin_peaks(rmin, p, peak_rule=rule, significance=significance).positions.size + 1
                        true_k = SCENARIOS[scenario]
                        rows.append((scenario, n, d, p, trial, true_k, rule, k, k == true_k))
    return pd.DataFrame(rows, columns=["scenario", "n", "d", "p", "trial", "true_k", "peak_rule", "k", "correct"])


def calibration_table(trials):
    """Share of trials with the right number of clusters, per cell and rule.

    Returns
    -------
    pandas.DataFrame
        Index ``(scenario, n, p)``; columns ``trials`` and one per
        ``(peak_rule, d)`` pair, holding the share of correct trials.
    """
    rates = trials.groupby(["scenario", "n", "p", "peak_rule", "d"], sort=False)["correct"].mean()
    wide = rates.unstack(["peak_rule", "d"])
    rules = list(dict.fromkeys(trials["peak_rule"]))
    wide = wide[sorted(wide.columns, key=lambda c: (rules.index(c[0]), c[1]))]
    counts = trials.groupby(["scenario", "n", "p", "peak_rule", "d"], sort=False).size()
    n_tr = counts.groupby(["scenario", "n", "p"], sort=False).first().rename("trials")
    return pd.concat([n_tr, wide], axis=1)


def format_table(table, indent="    "):
    """The table as reStructuredText (percentages), ready for a docstring."""
    cols = [c for c in table.columns if c != "trials"]
    head = ["scenario", "n", "p", "trials"] + [f"{_SHORT.get(rule, rule)} d={d}" for rule, d in cols]
    body = []
    for (scenario, n, p), row in table.iterrows():
        body.append([scenario, f"{n:,}", str(p), str(int(row["trials"]))]
                    + [f"{100 * row[c]:.0f}" for c in cols])
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(head)]
    rule = indent + "  ".join("=" * w for w in widths)
    lines = [rule, indent + "  ".join(h.ljust(w) for h, w in zip(head, widths)), rule]
    lines += [indent + "  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths)))
              for r in body]
    lines.append(rule)
    return "\n".join(lines)

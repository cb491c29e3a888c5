"""Does successive halving save time on chapter 06's regression task, and with which resource?

Prints figures (no assertions).  The workload is chapter 06's: the wavelength regressor on
the training rows of its seeded split (seed 42, 20 % held out), the study's MLP space,
``--cv-folds``-fold cross-validation, ``--n-trials`` draws.  Three searches, each run
``--repeats`` times in turn on one worker, the median time quoted:

* ``plain``: the study's random search (:func:`siqd_utils.models.make_search`), the reference;
* ``halving, rows``: scikit-learn's ``HalvingRandomSearchCV`` with the rows as resource (the
  book's ``method="halving"``: same draws, factor 3, ``min_resources="exhaust"``);
* ``halving, max_iter``: the same with the iteration budget as resource (``max_iter`` leaves
  the drawn space and grows by 3 per round up to 1000, the space's largest budget).

For each halving search: its time as a share of the plain search's (the target: at most a
third) and where its choice ranks among the plain search's trials by cross-validated R^2
on the same folds and rows (the target: top five; a choice the plain search did not draw,
as with ``max_iter``, is scored on those folds and ranked among them).  Run::

    .venv/bin/python benchmarks/halving_bench.py                       # 60 trials, 10 folds, 3 repeats
    .venv/bin/python benchmarks/halving_bench.py --n-trials 200 --repeats 1   # the standard profile's search
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _data(seed: int):
    from siqd_utils.datasets import load_ensemble
    from siqd_utils.models.tasks import split_rows
    from siqd_utils.preprocessing import prepare

    prepared = prepare(load_ensemble(None), threshold=0.9)
    y = prepared.frame["wavelength_nm"].to_numpy(dtype=float)
    train, _ = split_rows("regressor", y, 0.2, seed)
    return prepared.X.iloc[train], y[train]


def _searches(n_trials: int, cv_folds: int, seed: int):
    importlib.import_module("sklearn.experimental.enable_halving_search_cv")
    from siqd_utils.models import make_search, param_space, search_estimator
    from siqd_utils.models.search import MLPHalvingRandomSearchCV

    plain = make_search("regressor", n_trials=n_trials, cv_folds=cv_folds, seed=seed, n_jobs=1)
    rows = make_search("regressor", n_trials=n_trials, cv_folds=cv_folds, seed=seed, n_jobs=1, method="halving")
    space = {k: v for k, v in param_space("regressor").items() if k != "max_iter"}
    iterations = MLPHalvingRandomSearchCV(
        search_estimator("regressor", seed), space, n_candidates=n_trials, resource="max_iter", factor=3,
        min_resources=max(1000 // 3 ** int(np.floor(np.log(n_trials) / np.log(3))), 10), max_resources=1000,
        scoring=plain.scoring, refit=plain.refit, cv=plain.cv, error_score=np.nan, n_jobs=1, random_state=seed)
    return {"plain": plain, "halving, rows": rows, "halving, max_iter": iterations}


def _rank_in(plain, params: dict, X, y) -> tuple[int, float]:
    """Rank of ``params`` among the plain search's trials by mean CV score (1 = best), and that score."""
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    means = np.asarray(plain.cv_results_["mean_test_score"], dtype=float)
    est = clone(plain.estimator).set_params(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = float(np.mean(cross_val_score(est, X, y, cv=plain.cv)))
    return int(1 + np.sum(np.nan_to_num(means, nan=-np.inf) > score + 1e-12)), score


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-trials", type=int, default=60)
    parser.add_argument("--cv-folds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    X, y = _data(args.seed)
    print(f"chapter 06's training rows: {len(y)} dots; {args.n_trials} draws, {args.cv_folds}-fold CV, "
          f"{args.repeats} repeats, one worker; load before: {os.getloadavg()[0]:.2f}")
    times: dict[str, list[float]] = {}
    fitted = {}
    for _ in range(args.repeats):
        for name, search in _searches(args.n_trials, args.cv_folds, args.seed).items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                search.fit(X, y)
            times.setdefault(name, []).append(time.perf_counter() - start)
            fitted[name] = search
    plain = fitted["plain"]
    reference = statistics.median(times["plain"])
    print(f"{'search':20s} {'fits':>6s} {'median s':>9s} {'range s':>15s} {'time share':>10s} "
          f"{'rank in plain':>13s} {'CV R2':>7s}")
    for name, search in fitted.items():
        med = statistics.median(times[name])
        fits = len(search.cv_results_["params"]) * args.cv_folds
        rank, score = _rank_in(plain, search.best_params_, X, y)
        verdict = "" if name == "plain" else ("  meets both targets" if med <= reference / 3 and rank <= 5 else
                                              "  misses " + " and ".join(
                                                  t for t, bad in (("the time target", med > reference / 3),
                                                                   ("the top-five target", rank > 5)) if bad))
        print(f"{name:20s} {fits:6d} {med:9.1f} {min(times[name]):7.1f}-{max(times[name]):<7.1f} "
              f"{med / reference:10.2f} {rank:13d} {score:7.3f}{verdict}")
    print(f"load after: {os.getloadavg()[0]:.2f} (a shared machine: read the ratios, not the seconds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

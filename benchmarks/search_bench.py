"""Speed of the study's random search on each backend, and successive halving against it.

Prints figures (no assertions on time).  The workload is the study's protocol: the MLP
search space of ``siqd_utils.models.space``, 10-fold cross-validation, on the analysis
set of the shipped ensemble (the dots emitting in 400-750 nm, the six retained features),
for the wavelength regressor (``--task bands`` for the colour-band classifier), with a
modest number of trials.  Each configuration is run ``--repeats`` times, in turn, and the
median is quoted with the range; every speed is a ratio to plain scikit-learn
``RandomizedSearchCV(n_jobs=1)`` over the same space, folds and seed, measured in the
same run.

Configurations:

* ``sklearn RandomizedSearchCV(n_jobs=1)``: what a user would write (plain MLPs, BLAS
  threads left at their default);
* ``siqd search, loky, 1 worker`` and ``2 workers``: :func:`siqd_utils.models.random_search`
  (counted MLPs on one BLAS thread each, tie rule, warning counts);
* ``siqd search, Dask LocalCluster, 2 workers``: the same through joblib's Dask backend, on
  a 2-process ``LocalCluster`` started beforehand (its start-up time is printed apart);
* ``halving``: ``method="halving"`` over the same draws (1 worker), against the plain search
  on 1 worker: time, its choice's CV score and rank in the plain search;
* ``cache hit``: the same search read back from the on-disk cache.

Every configuration's chosen parameters are checked to be the same.  Run::

    .venv/bin/python benchmarks/search_bench.py            # 20 trials, 3 repeats
    .venv/bin/python benchmarks/search_bench.py --n-trials 50 --repeats 5 --task bands

The machine load (``os.getloadavg``) is printed before and after: on a shared machine the
absolute times mean little, the ratios a little more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load(task: str):
    from siqd_utils.datasets import load_ensemble
    from siqd_utils.preprocessing import prepare

    prepared = prepare(load_ensemble(None), threshold=0.9)
    if task == "wavelength":
        return "regressor", prepared.X, prepared.frame["wavelength_nm"].to_numpy(dtype=float)
    return "classifier", prepared.X, np.asarray(prepared.bands)


def _sklearn_reference(kind, X, y, n_trials, cv_folds, seed):
    """Plain scikit-learn: RandomizedSearchCV(n_jobs=1) over the same space, folds and seed."""
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from siqd_utils.models import make_folds, param_space

    cls = MLPClassifier if kind == "classifier" else MLPRegressor
    search = RandomizedSearchCV(cls(early_stopping=True, random_state=seed), param_space(kind), n_iter=n_trials,
                                cv=make_folds(kind, cv_folds, seed), random_state=seed, n_jobs=1,
                                error_score=np.nan)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    return search.best_params_


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _summary(times):
    return statistics.median(times), min(times), max(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=("wavelength", "bands"), default="wavelength")
    parser.add_argument("--n-trials", type=int, default=20)
    parser.add_argument("--cv-folds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    from siqd_utils import models

    kind, X, y = _load(args.task)
    n, k, seed = args.n_trials, args.cv_folds, args.seed
    print(f"search benchmark: task {args.task} ({kind}), {len(y)} dots x {X.shape[1]} features, "
          f"{n} trials x {k}-fold CV, seed {seed}, {args.repeats} repeats; {os.cpu_count()} cores")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - start

    def ours(**kw):
        return lambda: models.random_search(kind, X, y, n_trials=n, cv_folds=k, seed=seed, **kw)

    configs = {
        "sklearn RandomizedSearchCV(n_jobs=1)": lambda: _sklearn_reference(kind, X, y, n, k, seed),
        "siqd search, loky, 1 worker": ours(n_jobs=1),
        "siqd search, loky, 2 workers": ours(n_jobs=2),
        "siqd search, Dask LocalCluster, 2 workers": ours(backend="dask", scheduler=client),
        "siqd halving search, loky, 1 worker": ours(n_jobs=1, method="halving"),
    }
    times = {name: [] for name in configs}
    outputs = {}
    for r in range(args.repeats):
        for name, fn in configs.items():
            seconds, outputs[name] = _timed(fn)
            times[name].append(seconds)
            print(f"  repeat {r + 1}: {name}: {seconds:.1f} s", flush=True)
    client.close()
    cluster.close()

    with tempfile.TemporaryDirectory() as cache_dir:
        ours(n_jobs=1, cache_dir=cache_dir)()
        warm = [_timed(ours(n_jobs=1, cache_dir=cache_dir))[0] for _ in range(args.repeats)]

    plain = outputs["siqd search, loky, 1 worker"]
    same = [name for name in configs if "halving" not in name and name != "sklearn RandomizedSearchCV(n_jobs=1)"
            and outputs[name].best_params == plain.best_params]
    ref_params = {key: outputs["sklearn RandomizedSearchCV(n_jobs=1)"][key] for key in models.space.SEARCHED}
    ours_params = {key: plain.best_params[key] for key in models.space.SEARCHED}

    ref = _summary(times["sklearn RandomizedSearchCV(n_jobs=1)"])[0]
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"Dask LocalCluster start-up (2 worker processes, once): {startup:.1f} s")
    print(f"\n{'configuration':45s} {'median s':>9s} {'range s':>13s} {'trials/s':>9s} {'vs sklearn n_jobs=1':>20s}")
    for name in configs:
        med, lo, hi = _summary(times[name])
        print(f"{name:45s} {med:9.1f} {lo:6.1f}-{hi:<6.1f} {n / med:9.3f} {ref / med:19.2f}x")
    med_warm = statistics.median(warm)
    print(f"{'siqd search, cache hit (no fit)':45s} {med_warm:9.3f} {min(warm):6.3f}-{max(warm):<6.3f} "
          f"{n / med_warm:9.1f} {ref / med_warm:19.0f}x")

    print(f"\nsame chosen parameters on loky 1, loky 2 and Dask: {len(same) == 3}")
    print(f"plain scikit-learn chose the same searched parameters as the siqd search: {ref_params == ours_params}")
    comparison = models.halving_comparison(plain, outputs["siqd halving search, loky, 1 worker"])
    t_plain = _summary(times["siqd search, loky, 1 worker"])[0]
    t_halving = _summary(times["siqd halving search, loky, 1 worker"])[0]
    score = "R^2" if kind == "regressor" else "accuracy"
    print(f"\nsuccessive halving vs plain random search (same {n} draws, 1 worker):")
    print(f"  time: {t_halving:.1f} s vs {t_plain:.1f} s (median), share {t_halving / t_plain:.2f}")
    print(f"  fits: {comparison.fits_halving} vs {comparison.fits_plain}; dots handed to the fits: "
          f"{comparison.row_share:.2f} of the plain search's")
    print(f"  rounds: {list(comparison.search.search.n_candidates_)} candidates on "
          f"{list(comparison.search.search.n_resources_)} dots")
    print(f"  best CV {score}: halving's choice {comparison.halving_in_plain_mean:.4f} ± "
          f"{comparison.halving_in_plain_std:.4f} (in the plain search; {comparison.halving_cv_mean:.4f} in its "
          f"own last round) vs plain {comparison.plain_cv_mean:.4f} ± {comparison.plain_cv_std:.4f}; rank of "
          f"halving's choice in the plain search: {comparison.halving_in_plain_rank} of {n}")
    return 0


if __name__ == "__main__":  # the Dask LocalCluster's worker processes re-import this file
    raise SystemExit(main())

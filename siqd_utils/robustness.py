"""How sure are the conclusions? Nested validation, permutation tests and other clusterings (chapter 08).

The study chose each network by random search and scored it with cross-validation on the
same dots, once, with one seed.  The functions here repeat the whole protocol honestly:

:func:`nested_cv`
    Outer k-fold cross-validation around the inner random search (scikit-learn's
    ``cross_validate`` over :func:`siqd_utils.models.make_search`), repeated over seeds:
    every outer score is of a network chosen without seeing its test fold.  The study's
    own network is a candidate of every inner search beside the random draws, so a search
    cannot choose a network that scores below it in the inner cross-validation; on the
    same outer folds the study's network and a majority (or mean) baseline are scored
    too, and an outer fold whose chosen network keeps less than :data:`FAILED_SHARE` of
    the study network's skill over that baseline is a failed search (:func:`search_health`).
:func:`summarize_nested` and :func:`paired_gap`
    Mean and t-interval over seeds of each score, and of the difference between two label
    sets scored with the same seeds, with a paired t-test, a Wilcoxon signed-rank test and
    a sign-flip permutation test of that difference.
:func:`permutation_test`
    scikit-learn's ``permutation_test_score``: is a classifier's score above what it
    reaches on labels shuffled at random?
:func:`compare_clusterings`
    ILS beside k-means, Gaussian mixtures and HDBSCAN on the same features: agreement
    (adjusted Rand index), silhouette, and how separable each partition is by one network.
:func:`feature_importance`
    Permutation feature importance of a regressor on held-out dots.

Every draw is seeded; two runs with the same arguments give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import adjusted_rand_score, f1_score, make_scorer, silhouette_score
from sklearn.model_selection import cross_validate, permutation_test_score, train_test_split

from .models import make_estimator, make_folds, make_search, search_estimator
from .models.space import SEARCHED

__all__ = [
    "ALPHA",
    "FAILED_SHARE",
    "INTERVAL",
    "MAX_SIGN_FLIPS",
    "MIN_SEEDS",
    "PRIMARY",
    "NestedResult",
    "class_f1_scorers",
    "compare_clusterings",
    "feature_importance",
    "nested_cv",
    "paired_gap",
    "permutation_test",
    "scorers",
    "failed",
    "failed_searches",
    "health_summary",
    "search_health",
    "sign_flip_test",
    "seed_interval",
    "sound_means",
    "study_candidate",
    "summarize_nested",
]

#: Coverage of every interval reported (Student t-intervals over the per-seed values).
INTERVAL = 0.95
#: Level of the tests of a difference between label sets (two-sided).
ALPHA = 1.0 - INTERVAL
#: The score by which a search is judged (failed or not) and label sets are compared.
PRIMARY = {"classifier": "balanced_accuracy", "regressor": "r2"}
#: An outer fold's search has failed when its network's skill over the baseline (majority class or
#: mean) on that fold is below this share of the study network's skill there: the study's network
#: was a candidate, so such a fold means the inner cross-validation misjudged the candidates.
FAILED_SHARE = 0.5
#: Sign flips of the permutation test: every one of the 2**n when 2**n is at most this, else this many drawn.
MAX_SIGN_FLIPS = 2 ** 16


def _fewest_seeds(alpha: float) -> int:
    # the exact two-sided sign-flip test over n seeds cannot give p below 2 / 2**n
    n = 1
    while 2.0 / 2 ** n >= alpha:
        n += 1
    return n


#: Fewest seeds at which a sign-flip test of a difference can reach p < ALPHA (6 at 0.05); a
#: task run with fewer, or with a failed search, is not quoted outside its chapter (:func:`sound_means`).
MIN_SEEDS = _fewest_seeds(ALPHA)

_SCORERS = {
    "classifier": {"accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy", "macro_f1": "f1_macro"},
    "regressor": {"r2": "r2", "neg_rmse": "neg_root_mean_squared_error"},
}


def scorers(kind: str) -> dict[str, str]:
    """The scores reported for a classifier or a regressor (name -> scikit-learn scorer)."""
    if kind not in _SCORERS:
        raise ValueError(f"kind = {kind!r}: must be one of {sorted(_SCORERS)}")
    return dict(_SCORERS[kind])


def class_f1_scorers(labels: Mapping[Any, str]) -> dict[str, Any]:
    """One scorer per class: the F1 score of that class alone (``f1_<name>``)."""
    return {f"f1_{name}": make_scorer(f1_score, labels=[label], average="macro", zero_division=0)
            for label, name in labels.items()}


@dataclass(frozen=True)
class NestedResult:
    """Outer-fold scores of :func:`nested_cv`.

    Attributes
    ----------
    task : str
        Name of the task (e.g. ``"bands"``).
    kind : {"classifier", "regressor"}
    scores : pandas.DataFrame
        One row per (seed, outer fold): ``seed``, ``fold`` and one column per score.
    folds : pandas.DataFrame
        One row per (seed, outer fold), how its search did: ``seed``, ``fold``, ``chosen``,
        ``study`` and ``baseline`` (the primary score of the searched network, of the study's
        network and of the majority or mean baseline, on that outer fold), ``skill_share``
        (``(chosen - baseline) / (study - baseline)``; NaN where the study's network has no
        skill there), ``chose_study`` (the search chose the study's network) and ``failed``
        (:data:`FAILED_SHARE`).
    settings : dict
        ``n_trials``, ``inner_folds``, ``outer_folds``, ``seeds``, ``primary``,
        ``study_params`` and ``failed_share``.
    """

    task: str
    kind: str
    scores: pd.DataFrame = field(repr=False)
    folds: pd.DataFrame = field(repr=False)
    settings: dict

    @property
    def n_failed(self) -> int:
        """Outer folds whose search failed."""
        return int(self.folds["failed"].sum())

    @property
    def per_seed(self) -> pd.DataFrame:
        """Mean over the outer folds of each score, one row per seed."""
        return self.scores.drop(columns="fold").groupby("seed").mean()


def study_candidate(params: Mapping[str, Any]) -> dict[str, Any]:
    """The searched part of the study's hyper-parameters (its ``random_state`` and fixed settings left out).

    Inside a search the network takes the search's seed, like every other candidate.
    """
    missing = [k for k in SEARCHED if k not in params]
    if missing:
        raise ValueError(f"the study's network {dict(params)!r} lacks {missing}")
    return {k: params[k] for k in SEARCHED}


def failed(chosen, study, baseline, share: float = FAILED_SHARE) -> np.ndarray:
    """Whether a searched network's score falls below ``share`` of the study network's skill.

    Skill is the score minus the baseline's.  Where the study's network has no skill
    (``study <= baseline``) the search fails only if its network scores below the baseline.

    Examples
    --------
    >>> failed([0.30, 0.60, 0.10], [0.80, 0.80, 0.15], [0.20, 0.20, 0.20]).tolist()
    [True, False, True]
    """
    chosen, study, baseline = (np.asarray(v, dtype=float) for v in (chosen, study, baseline))
    return chosen - baseline < share * np.maximum(study - baseline, 0.0)


def nested_cv(task: str, kind: str, X, y, *, study_params: Mapping[str, Any], n_trials: int, inner_folds: int,
              outer_folds: int, seeds: Sequence[int], extra_scoring: Mapping[str, Any] | None = None,
              n_jobs: int = 1) -> NestedResult:
    """Outer cross-validation around the inner search, once per seed, the study's network a candidate.

    For each seed: the outer folds (stratified for a classifier, shuffled with the
    seed) split the dots; on each outer training part the search of
    :func:`siqd_utils.models.make_search` (``n_trials`` random draws plus the study's
    network, ``inner_folds``-fold scoring, the same seed) chooses and refits a network,
    which is then scored on the outer test fold with :func:`scorers` (and
    ``extra_scoring``).  The study's network alone and a majority-class (mean) baseline
    are fitted and scored on the same outer folds, for the failed-search rule (:func:`failed`).

    Parameters
    ----------
    task : str
        Name used in tables.
    kind : {"classifier", "regressor"}
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    study_params : mapping
        The study's hyper-parameters for this task (``paper_results.yml``); its searched
        settings (:func:`study_candidate`) join every inner search.
    n_trials, inner_folds, outer_folds : int
        Random draws of the inner search and the folds of the two cross-validations.
    seeds : sequence of int
        One repetition of the whole protocol per seed.
    extra_scoring : mapping, optional
        More scorers (e.g. :func:`class_f1_scorers`).
    n_jobs : int, default=1
        Outer folds fitted in parallel (the result does not depend on it).

    Returns
    -------
    NestedResult
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds: give at least one seed")
    candidate = study_candidate(study_params)
    scoring = {**scorers(kind), **dict(extra_scoring or {})}  # scorers() refuses an unknown kind
    primary = PRIMARY[kind]
    baseline = DummyClassifier(strategy="most_frequent") if kind == "classifier" else DummyRegressor()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    frames, health = [], []
    for seed in seeds:
        search = make_search(kind, n_trials=n_trials, cv_folds=inner_folds, seed=seed, n_jobs=1,
                             candidates=[candidate])
        folds = make_folds(kind, outer_folds, seed)
        out = cross_validate(search, X, y, cv=folds, scoring=scoring, n_jobs=n_jobs, error_score="raise",
                             return_estimator=True)
        # the study's network as the search would refit it (same seed), and the baseline, on the same folds
        study = cross_validate(search_estimator(kind, seed, **candidate), X, y, cv=folds, scoring=primary,
                               n_jobs=n_jobs, error_score="raise")["test_score"]
        base = cross_validate(baseline, X, y, cv=folds, scoring=primary)["test_score"]
        frame = pd.DataFrame({name: out[f"test_{name}"] for name in scoring})
        frame.insert(0, "fold", np.arange(len(frame)))
        frame.insert(0, "seed", seed)
        frames.append(frame)
        chosen = out[f"test_{primary}"]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(study > base, (chosen - base) / (study - base), np.nan)
        health.append(pd.DataFrame({
            "seed": seed, "fold": np.arange(len(chosen)), "chosen": chosen, "study": study, "baseline": base,
            "skill_share": share,
            "chose_study": [est.best_index_ == n_trials for est in out["estimator"]],  # the candidate comes last
            "failed": failed(chosen, study, base)}))
    scores = pd.concat(frames, ignore_index=True)
    if "neg_rmse" in scores:
        scores["rmse"] = -scores.pop("neg_rmse")
    settings = {"n_trials": int(n_trials), "inner_folds": int(inner_folds), "outer_folds": int(outer_folds),
                "seeds": seeds, "primary": primary, "study_params": {k: (list(v) if isinstance(v, tuple) else v)
                                                                     for k, v in candidate.items()},
                "failed_share": FAILED_SHARE}
    return NestedResult(task, kind, scores, pd.concat(health, ignore_index=True), settings)


def search_health(results: Mapping[str, NestedResult]) -> pd.DataFrame:
    """How the inner searches did, per task: failed searches, how often the study's network was chosen.

    Returns
    -------
    pandas.DataFrame
        One row per task (index): ``score`` (the primary score), ``outer_folds`` (over all
        seeds), ``failed`` (searches that failed, :func:`failed`), ``chose_study`` (folds whose
        search chose the study's network), ``chosen`` and ``study`` (mean primary score of the
        searched and of the study's network over those folds), ``baseline``, ``min_skill_share``.
    """
    rows = {}
    for task, res in results.items():
        f = res.folds
        rows[task] = {"score": res.settings["primary"], "outer_folds": len(f), "failed": int(f["failed"].sum()),
                      "chose_study": int(f["chose_study"].sum()), "chosen": float(f["chosen"].mean()),
                      "study": float(f["study"].mean()), "baseline": float(f["baseline"].mean()),
                      "min_skill_share": float(f["skill_share"].min())}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "task"
    return table


def health_summary(results: Mapping[str, NestedResult]) -> dict[str, Any]:
    """The searches of all tasks in numbers, for the verdict and the metrics file.

    Returns
    -------
    dict
        ``outer_folds`` (searches run, over tasks, seeds and folds), ``failed``,
        ``failed_by_task`` (task -> count, tasks with a failed search only), ``chose_study``
        and ``failed_share`` (:data:`FAILED_SHARE`).
    """
    table = search_health(results)
    return {"outer_folds": int(table["outer_folds"].sum()), "failed": int(table["failed"].sum()),
            "failed_by_task": {t: int(n) for t, n in table["failed"].items() if n},
            "chose_study": int(table["chose_study"].sum()), "failed_share": FAILED_SHARE}


def failed_searches(results: Mapping[str, NestedResult]) -> pd.DataFrame:
    """Every outer fold whose search failed: task, seed, fold and the three scores (empty if none)."""
    parts = [res.folds[res.folds["failed"]].assign(task=task) for task, res in results.items()]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    columns = ["task", "seed", "fold", "chosen", "study", "baseline", "skill_share"]
    return table.reindex(columns=columns)


def seed_interval(values) -> tuple[float, float]:
    """Student t-interval (:data:`INTERVAL`) of the mean of per-seed values.

    The seeds repeat the whole protocol on the same dots, so the interval is that of the
    protocol's mean over its seeds, not of a new ensemble.  NaN for fewer than two values.

    Examples
    --------
    >>> [round(v, 3) for v in seed_interval([1.0, 2.0, 3.0])]
    [-0.484, 4.484]
    """
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return float("nan"), float("nan")
    sem = float(np.std(x, ddof=1) / np.sqrt(x.size))
    if sem == 0.0:
        return float(x.mean()), float(x.mean())
    lo, hi = stats.t.interval(INTERVAL, x.size - 1, loc=x.mean(), scale=sem)
    return float(lo), float(hi)


def summarize_nested(results: Mapping[str, NestedResult]) -> pd.DataFrame:
    """Mean over seeds and t-interval of every score of every task.

    The interval is :func:`seed_interval` of the per-seed means (the outer-fold mean of
    each seed); ``seed_sd`` is their standard deviation; ``fold_sd`` the mean spread over
    the outer folds within one seed, the spread the study quotes beside its CV scores.

    Returns
    -------
    pandas.DataFrame
        One row per (task, score): ``task``, ``score``, ``mean``, ``lo``, ``hi``,
        ``seed_sd``, ``fold_sd``, ``n_seeds``, ``failed_searches`` and ``sound``
        (at least :data:`MIN_SEEDS` seeds and no failed search).
    """
    rows = []
    for task, res in results.items():
        per_seed = res.per_seed
        fold_sd = res.scores.drop(columns="fold").groupby("seed").std(ddof=1).mean()
        for score in per_seed.columns:
            lo, hi = seed_interval(per_seed[score])
            rows.append({"task": task, "score": score, "mean": float(per_seed[score].mean()), "lo": lo, "hi": hi,
                         "seed_sd": float(per_seed[score].std(ddof=1)) if len(per_seed) > 1 else float("nan"),
                         "fold_sd": float(fold_sd[score]), "n_seeds": len(per_seed), "failed_searches": res.n_failed,
                         "sound": bool(len(per_seed) >= MIN_SEEDS and res.n_failed == 0)})
    return pd.DataFrame(rows)


def sound_means(summary: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Task -> score -> mean, for the tasks of :func:`summarize_nested` that may be quoted elsewhere.

    A task is left out when it ran fewer than :data:`MIN_SEEDS` seeds or one of its
    searches failed (the comparison page then shows no number for it).
    """
    ok = summary[summary["sound"]]
    return {task: dict(zip(part["score"], part["mean"].astype(float))) for task, part in ok.groupby("task", sort=False)}


def sign_flip_test(diff, *, seed: int, max_flips: int = MAX_SIGN_FLIPS) -> tuple[float, int]:
    """Two-sided sign-flip permutation test that the mean of paired differences is 0.

    :func:`scipy.stats.permutation_test` with ``permutation_type="samples"`` on one sample
    (each difference's sign flipped): exact over all ``2**n`` flips when that is at most
    ``max_flips``, else ``max_flips`` random flips drawn with ``seed``.

    Returns
    -------
    p_value : float
    n_flips : int
        Sign patterns the null distribution holds.
    """
    d = np.asarray(diff, dtype=float)
    res = stats.permutation_test((d,), np.mean, permutation_type="samples", alternative="two-sided",
                                 n_resamples=max_flips, random_state=seed)
    return float(res.pvalue), int(min(2 ** d.size, max_flips))


def paired_gap(a: NestedResult, b: NestedResult, score: str = "balanced_accuracy", *, seed: int = 0) -> dict[str, Any]:
    """Difference of a score between two tasks run with the same seeds: ``a - b``, paired by seed.

    Returns
    -------
    dict
        ``mean``, ``lo``, ``hi`` (:func:`seed_interval` of the per-seed differences), ``sd``,
        ``n_seeds``, ``n_positive`` (seeds in which ``a`` scores higher), ``p_t`` (paired
        t-test), ``p_wilcoxon`` (Wilcoxon signed-rank, exact where scipy can), ``p_sign_flip``
        and ``n_flips`` (:func:`sign_flip_test`), and ``failed_searches`` of the two tasks.
        The p-values are NaN for fewer than two seeds or differences that are all zero.
    """
    sa, sb = a.per_seed[score], b.per_seed[score]
    if list(sa.index) != list(sb.index):
        raise ValueError(f"{a.task} and {b.task} were run with different seeds ({list(sa.index)} vs {list(sb.index)})")
    diff = (sa - sb).to_numpy(dtype=float)
    lo, hi = seed_interval(diff)
    nan = float("nan")
    p_t = p_w = p_flip = nan
    n_flips = 0
    if diff.size >= 2 and np.any(diff != 0):
        p_t = float(stats.ttest_1samp(diff, 0.0).pvalue) if np.std(diff) > 0 else 0.0
        p_w = float(stats.wilcoxon(diff).pvalue)
        p_flip, n_flips = sign_flip_test(diff, seed=seed)
    return {"mean": float(diff.mean()), "lo": lo, "hi": hi,
            "sd": float(np.std(diff, ddof=1)) if diff.size > 1 else nan, "n_seeds": int(diff.size),
            "n_positive": int((diff > 0).sum()), "p_t": p_t, "p_wilcoxon": p_w, "p_sign_flip": p_flip,
            "n_flips": n_flips, "failed_searches": a.n_failed + b.n_failed, "alpha": ALPHA, "min_seeds": MIN_SEEDS}


def permutation_test(kind: str, params: Mapping[str, Any], X, y, *, n_permutations: int, cv_folds: int,
                     seed: int, scoring: str = "balanced_accuracy", n_jobs: int = 1) -> dict[str, float]:
    """Is a network's cross-validated score above what it reaches on shuffled labels?

    :func:`sklearn.model_selection.permutation_test_score` with the network of
    ``params`` (:func:`siqd_utils.models.make_estimator`).

    Returns
    -------
    dict
        ``score``, ``p_value``, ``permuted_mean``, ``permuted_sd``, ``n_permutations``.
    """
    est = make_estimator(kind, params)
    score, perm, p = permutation_test_score(est, np.asarray(X, dtype=float), np.asarray(y),
                                            cv=make_folds(kind, cv_folds, seed), n_permutations=n_permutations,
                                            scoring=scoring, random_state=seed, n_jobs=n_jobs)
    return {"score": float(score), "p_value": float(p), "permuted_mean": float(np.mean(perm)),
            "permuted_sd": float(np.std(perm, ddof=1)) if len(perm) > 1 else 0.0,
            "n_permutations": int(n_permutations)}


def _relabel(labels) -> np.ndarray:
    _, inv = np.unique(np.asarray(labels), return_inverse=True)
    return inv


def compare_clusterings(X, ils_labels, *, n_clusters: int, min_cluster_size: int, network_params: Mapping[str, Any],
                        cv_folds: int, seed: int, n_jobs: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ILS beside k-means, a Gaussian mixture and HDBSCAN on the same features.

    k-means and the Gaussian mixture are asked for ``n_clusters``; HDBSCAN chooses its own
    number with ``min_cluster_size`` (its points labelled noise, -1, form one more class
    for the agreement scores and are left out of the silhouette and the separability).
    Separability: the stratified ``cv_folds``-fold balanced accuracy of one network
    (``network_params``) learning each partition; NaN where a class has fewer dots than folds.

    Returns
    -------
    summary : pandas.DataFrame
        One row per method: ``clusters``, ``noise points``, ``sizes``, ``silhouette``,
        ``separability``.
    ari : pandas.DataFrame
        Adjusted Rand index between every pair of methods.
    """
    from sklearn.cluster import HDBSCAN, KMeans
    from sklearn.mixture import GaussianMixture

    X = np.asarray(X, dtype=float)
    parts = {
        "ILS": _relabel(ils_labels),
        "k-means": KMeans(n_clusters=n_clusters, n_init=10, random_state=seed).fit_predict(X),
        "Gaussian mixture": GaussianMixture(n_components=n_clusters, n_init=5, random_state=seed).fit(X).predict(X),
        "HDBSCAN": HDBSCAN(min_cluster_size=min_cluster_size).fit_predict(X),
    }
    rows = {}
    for name, lab in parts.items():
        keep = lab >= 0
        values, counts = np.unique(lab[keep], return_counts=True)
        sil = float(silhouette_score(X[keep], lab[keep])) if len(values) > 1 else float("nan")
        if len(values) > 1 and counts.min() >= cv_folds:
            res = cross_validate(make_estimator("classifier", network_params), X[keep], lab[keep],
                                 cv=make_folds("classifier", cv_folds, seed), scoring="balanced_accuracy",
                                 n_jobs=n_jobs)
            sep = float(np.mean(res["test_score"]))
        else:
            sep = float("nan")
        rows[name] = {"clusters": int(len(values)), "noise points": int((~keep).sum()),
                      "sizes": ", ".join(str(int(c)) for c in sorted(counts, reverse=True)),
                      "silhouette": sil, "separability": sep}
    ari = pd.DataFrame({a: {b: float(adjusted_rand_score(parts[a], parts[b])) for b in parts} for a in parts})
    return pd.DataFrame.from_dict(rows, orient="index"), ari


def feature_importance(params: Mapping[str, Any], X: pd.DataFrame, y, *, test_size: float, n_repeats: int,
                       seed: int, n_jobs: int = 1) -> pd.DataFrame:
    """Permutation importance of each feature for a regressor, on held-out dots.

    The network of ``params`` is fitted on a ``1 - test_size`` split (seeded) and each
    feature of the test part is shuffled ``n_repeats`` times; the importance is the mean
    drop of R^2 (:func:`sklearn.inspection.permutation_importance`).

    Returns
    -------
    pandas.DataFrame
        One row per feature, largest importance first: ``mean``, ``sd`` (drop of R^2).
    """
    X_train, X_test, y_train, y_test = train_test_split(X, np.asarray(y, dtype=float), test_size=test_size,
                                                        random_state=seed)
    est = clone(make_estimator("regressor", params)).fit(np.asarray(X_train, dtype=float), y_train)
    res = permutation_importance(est, np.asarray(X_test, dtype=float), y_test, n_repeats=n_repeats,
                                 random_state=seed, scoring="r2", n_jobs=n_jobs)
    table = pd.DataFrame({"mean": res.importances_mean, "sd": res.importances_std}, index=list(X.columns))
    table.index.name = "feature"
    return table.sort_values("mean", ascending=False)

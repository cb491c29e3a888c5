"""Tables and numbers the chapters report: per-class scores, comparisons with the study, metrics.

:func:`classification_table`
    Precision, recall, F1 and support per class, beside the study's Table 1.
:func:`comparison_table`
    The search's network, the study's network refitted here and the study's report.
:func:`task_metrics`
    The deterministic numbers of a task, JSON-ready for the chapter's metrics file.
:func:`confusion_pairs`
    The misclassifications grouped by (true, predicted) class.
:func:`bands_from_wavelengths`
    Colour bands of true and predicted wavelengths (a regressor scored as a band classifier).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, precision_recall_fscore_support

from .evaluation import Evaluation
from .space import layers_text

if TYPE_CHECKING:
    from .tasks import TaskResult

__all__ = ["CLASS_SCORES", "rmse", "STUDY_CONFUSED_PAIRS", "band_error_summary", "bands_from_wavelengths", "class_scores", "class_scores_table", "classification_table", "comparison_table", "confusion_pairs", "task_metrics"]


def classification_table(y_true: Any, y_pred: Any, labels: Sequence[Any],
                         paper: Mapping[Any, Sequence[float]] | None = None) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, optionally beside the study's values.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted classes (normally of the test set).
    labels : sequence
        The classes, in the order of the rows.
    paper : mapping, optional
        class -> ``[precision, recall, f1, support]`` as reported by the study
        (``paper_results.yml``); keys may be ints or strings of ints.

    Returns
    -------
    pandas.DataFrame
        Index: class (the ``labels``, then any class only the study has). Columns: a
        two-level index, ``("here", metric)`` and, with ``paper``, ``("paper", metric)``;
        a class missing on one side has empty (NaN) cells there.  Support is the number of test rows of
        the class here; for the paper it is the value printed in its Table 1.
    """
    labels = [c.item() if hasattr(c, "item") else c for c in labels]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    here = pd.DataFrame({"precision": p, "recall": r, "F1": f, "support": s.astype(int)}, index=labels)
    if paper is None:
        out = pd.concat({"here": here}, axis=1)
    else:
        def key(k):
            try:
                return int(k)
            except (TypeError, ValueError):
                return k
        study = pd.DataFrame([list(v) for v in paper.values()], index=[key(k) for k in paper],
                             columns=["precision", "recall", "F1", "support"])
        study["support"] = study["support"].astype(int)
        extra = [k for k in study.index if k not in here.index]
        here = here.reindex(labels + extra)
        here["support"] = here["support"].astype("Int64")
        study = study.reindex(here.index)
        study["support"] = study["support"].astype("Int64")
        out = pd.concat({"here": here, "paper": study}, axis=1)
    out.index.name = "class"
    return out



def _params_cells(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "hidden layers": layers_text(params["hidden_layer_sizes"]),
        "activation": params["activation"], "solver": params["solver"],
        "alpha": float(f"{params['alpha']:.4g}"), "learning_rate": params["learning_rate"],
        "max_iter": int(params["max_iter"]),
    }


def comparison_table(task: TaskResult, reported: Mapping[str, Any], score_name: str = "accuracy",
                     digits: int = 3) -> pd.DataFrame:
    """The network of the search, the study's network refitted here, and the study's report, side by side.

    Parameters
    ----------
    task : TaskResult
    reported : mapping
        The study's entry of ``paper_results.yml`` for the task: ``params`` and
        either ``score_train``/``score_test`` or ``r2_train``/``r2_test``, plus
        ``cv_mean`` and ``cv_std``.
    score_name : str, default="accuracy"
        Name of the score in the column headings.
    digits : int, default=3
        Decimals shown.

    Returns
    -------
    pandas.DataFrame
        Rows: ``search best (here)``, ``study's parameters (here)``, ``study (reported)``.
        Columns: the hyper-parameters, then ``<score> train``, ``<score> test`` and
        ``k-fold CV`` (mean ± standard deviation).
    """
    train = reported.get("score_train", reported.get("r2_train"))
    test = reported.get("score_test", reported.get("r2_test"))
    rows = {}
    for label, params, ev in (("search best (here)", task.search.best_params, task.best),
                              ("study's parameters (here)", task.paper_params, task.paper)):
        rows[label] = {**_params_cells(params), f"{score_name} train": round(ev.score_train, digits),
                       f"{score_name} test": round(ev.score_test, digits),
                       f"{task.eval_cv_folds}-fold CV": f"{ev.cv_mean:.{digits}f} ± {ev.cv_std:.{digits}f}"}
    rows["study (reported)"] = {**_params_cells(reported["params"]), f"{score_name} train": train,
                                f"{score_name} test": test,
                                f"{task.eval_cv_folds}-fold CV": f"{reported['cv_mean']} ± {reported['cv_std']}"}
    return pd.DataFrame.from_dict(rows, orient="index")


def task_metrics(task: TaskResult) -> dict[str, Any]:
    """The deterministic numbers of a task, JSON-ready, for the chapter's metrics file.

    Keys: ``n``, ``n_train``, ``n_test``, ``search`` (:meth:`SearchResult.to_dict`),
    ``search_best`` and ``paper_params`` (:meth:`Evaluation.to_dict` plus the
    parameters) and, for a classifier, ``class_counts``, ``test_counts`` and
    ``report`` (class -> ``[precision, recall, f1, support]`` of the search-best
    network on the test set, support = test rows of the class).
    """
    def params_json(p):
        q = dict(p)
        q["hidden_layer_sizes"] = [int(u) for u in q["hidden_layer_sizes"]]
        return q

    out: dict[str, Any] = {
        "n": int(len(task.train_index) + len(task.test_index)),
        "n_train": int(len(task.train_index)), "n_test": int(len(task.test_index)),
        "search": task.search.to_dict(),
        "search_best": {**task.best.to_dict(), "params": params_json(task.search.best_params)},
        "paper_params": {**task.paper.to_dict(), "params": params_json(task.paper_params)},
    }
    if task.kind == "classifier":
        labels = task.labels
        y_all = np.concatenate([task.best.y_train, task.best.y_test])
        out["class_counts"] = {str(c): int((y_all == c).sum()) for c in labels}
        out["test_counts"] = {str(c): int((task.best.y_test == c).sum()) for c in labels}
        table = classification_table(task.best.y_test, task.best.y_pred_test, labels)["here"]
        out["report"] = {str(c): [float(r["precision"]), float(r["recall"]), float(r["F1"]), int(r["support"])]
                         for c, r in table.iterrows()}
    return out


def confusion_pairs(y_true: Any, y_pred: Any, names: Mapping[Any, str] | None = None) -> pd.DataFrame:
    """The misclassifications, grouped by (true class, predicted class), most frequent first.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted classes.
    names : mapping, optional
        Class -> display name.

    Returns
    -------
    pandas.DataFrame
        Columns ``true``, ``predicted``, ``count`` and ``share`` (of all misclassified
        rows); ties in count are ordered by true, then predicted class.
    """
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true has shape {yt.shape} but y_pred has {yp.shape}")
    wrong = yt != yp
    pairs = pd.DataFrame({"true": yt[wrong], "predicted": yp[wrong]})
    table = pairs.value_counts().rename("count").reset_index()
    table = table.sort_values(["count", "true", "predicted"], ascending=[False, True, True], kind="stable")
    table["share"] = table["count"] / max(int(wrong.sum()), 1)
    if names is not None:
        table["true"] = table["true"].map(lambda c: names.get(c, c))
        table["predicted"] = table["predicted"].map(lambda c: names.get(c, c))
    return table.reset_index(drop=True)


def bands_from_wavelengths(y_true_nm: Any, y_pred_nm: Any) -> tuple[np.ndarray, np.ndarray]:
    """Colour bands of true and predicted wavelengths, to score a regressor as a band classifier.

    Predicted wavelengths are first clipped to the bands' range (400-750 nm): every dot
    of the analysis set lies in a band, so a prediction of 395 nm counts as violet.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Band numbers (1..6) of the true and of the predicted wavelengths.

    Raises
    ------
    ValueError
        If a true wavelength lies outside the bands, or the arrays differ in shape.
    """
    from ..bands import BANDS, assign_bands

    yt, yp = np.asarray(y_true_nm, dtype=float), np.asarray(y_pred_nm, dtype=float)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true_nm has shape {yt.shape} but y_pred_nm has {yp.shape}")
    true = assign_bands(yt)
    if np.any((true < 1) | (true > len(BANDS))):
        raise ValueError("every true wavelength must lie within the colour bands (400-750 nm)")
    pred = assign_bands(np.clip(yp, BANDS[0].lo, BANDS[-1].hi))
    return true, pred


#: The scores every classification task reports: name -> metric(y_true, y_pred).
CLASS_SCORES = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "macro_f1": lambda t, p: f1_score(t, p, average="macro", zero_division=0),
}


def class_scores(ev: Evaluation) -> dict[str, dict[str, float]]:
    """Accuracy, balanced accuracy and macro-F1 of one evaluated classifier.

    Each on the training set, the test set and in the k-fold cross-validation over all
    dots (mean and standard deviation over the folds, from the fold models' predictions).

    Returns
    -------
    dict
        ``{score: {"train", "test", "cv_mean", "cv_std"}}`` and ``n_classes``.
    """
    if ev.cv_fold is None:
        raise ValueError("the evaluation has no fold assignment (cv_fold); re-run evaluate()")
    out = {}
    for name, metric in CLASS_SCORES.items():
        per_fold = [metric(ev.y_cv[ev.cv_fold == f], ev.y_pred_cv[ev.cv_fold == f]) for f in np.unique(ev.cv_fold)]
        out[name] = {"train": float(metric(ev.y_train, ev.y_pred_train)),
                     "test": float(metric(ev.y_test, ev.y_pred_test)),
                     "cv_mean": float(np.mean(per_fold)), "cv_std": float(np.std(per_fold))}
    out["n_classes"] = int(len(np.unique(ev.y_cv)))
    return out


def class_scores_table(scores: Mapping[str, Mapping[str, dict]], baselines: Mapping[str, float] | None = None,
                       titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per task: each score as train / test / CV mean ± sd, beside the majority baseline."""
    rows = {}
    for task, sc in scores.items():
        row = {}
        if baselines is not None:
            row["majority baseline"] = f"{baselines[task]:.3f}"
        for name, v in sc.items():
            if not isinstance(v, dict):
                continue
            row[name.replace("_", " ")] = f"{v['train']:.3f} / {v['test']:.3f} / {v['cv_mean']:.3f} ± {v['cv_std']:.3f}"
        rows[(titles or {}).get(task, task)] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "label set (train / test / CV)"
    return table


#: The neighbouring bands the study found its network confused: violet/blue and orange/red.
STUDY_CONFUSED_PAIRS = ((1, 2), (5, 6))


def band_error_summary(y_true: Any, y_pred: Any) -> dict[str, float]:
    """How a band classifier errs: ``n_wrong``, the share of errors into a neighbouring
    band (``adjacent_share``) and the errors between the study's pairs (``study_pairs``)."""
    pairs = confusion_pairs(y_true, y_pred)
    n_wrong = int(pairs["count"].sum())
    adjacent = int(pairs.loc[(pairs["true"] - pairs["predicted"]).abs() == 1, "count"].sum())
    study = {frozenset(p) for p in STUDY_CONFUSED_PAIRS}
    in_study = int(pairs.loc[[frozenset((t, q)) in study for t, q in zip(pairs["true"], pairs["predicted"])],
                             "count"].sum())
    return {"n_wrong": n_wrong, "adjacent_share": adjacent / n_wrong if n_wrong else 0.0, "study_pairs": in_study}


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root-mean-square error, in the unit of the target."""
    return float(np.sqrt(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2)))

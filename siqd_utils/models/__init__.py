"""Neural-network searches and evaluations of the classification and regression chapters.

The study tuned scikit-learn multilayer perceptrons by random search (5000 trials over
the number of hidden layers, neurons per layer, activation, solver, regularisation,
learning-rate schedule and iteration budget) and reported, for the chosen network, the
score on the training set, on a held-out test set and a 10-fold cross-validation mean
and standard deviation.  The modules, in the order a chapter uses them:

:mod:`~siqd_utils.models.space`
    The search space: ``scipy.stats`` distributions and a hidden-layer sampler.
:mod:`~siqd_utils.models.estimators`
    The MLPs, and the variants the searches fit (one BLAS thread, warnings counted).
:mod:`~siqd_utils.models.search`
    scikit-learn's ``RandomizedSearchCV`` (or ``HalvingRandomSearchCV``) over that space,
    the tie rule as its ``refit`` callable, and the ``cv_results_`` table.
:mod:`~siqd_utils.models.backends`
    Where the fits run: local joblib workers or a Dask cluster.
:mod:`~siqd_utils.models.cache`
    The on-disk cache of fitted searches, keyed by everything their numbers depend on.
:mod:`~siqd_utils.models.halving`
    Successive halving beside the plain search: how close, at what cost.
:mod:`~siqd_utils.models.evaluation`
    Train, test and whole-data k-fold scores of one network; learning curves; the
    random-forest baseline.
:mod:`~siqd_utils.models.tasks`
    One task end to end (split, search, evaluation of the search's and the study's networks).
:mod:`~siqd_utils.models.reports`
    Per-class tables, comparison with the study, the metrics of a task.
:mod:`~siqd_utils.models.weights`
    Weights and biases as tables and CSV files.

The names below are the chapters' entry points, importable from this package.
"""

from .backends import BACKENDS, search_backend
from .cache import cache_dir_for, default_cache_dir
from .estimators import CountedMLPClassifier, CountedMLPRegressor, make_estimator, search_estimator
from .evaluation import Evaluation, evaluate, learning_curve_summary, learning_curve_table, random_forest_comparison, score_row
from .halving import HalvingComparison, compare_halving, halving_comparison
from .inputs import KINDS, make_folds
from .reports import CLASS_SCORES, rmse, STUDY_CONFUSED_PAIRS, band_error_summary, bands_from_wavelengths, class_scores, class_scores_table, classification_table, comparison_table, confusion_pairs, task_metrics
from .search import (METHODS, MLPCandidatesSearchCV, MLPHalvingRandomSearchCV, MLPRandomSearchCV, ScoreAndWarnings, SearchResult,
                     make_search, random_search, results_table, tie_rule)
from .space import PARAM_ORDER, HiddenLayerSizes, describe_params, describe_space, param_space
from .tasks import TaskResult, run_task
from .weights import export_weights, weight_tables

__all__ = [
    "BACKENDS", "CLASS_SCORES", "KINDS", "METHODS", "PARAM_ORDER", "STUDY_CONFUSED_PAIRS",
    "band_error_summary", "describe_params", "rmse", "class_scores", "class_scores_table", "learning_curve_summary",
    "CountedMLPClassifier", "CountedMLPRegressor", "Evaluation", "HalvingComparison", "HiddenLayerSizes",
    "MLPCandidatesSearchCV", "MLPHalvingRandomSearchCV", "MLPRandomSearchCV", "ScoreAndWarnings", "SearchResult", "TaskResult",
    "bands_from_wavelengths", "cache_dir_for", "classification_table", "compare_halving", "comparison_table",
    "confusion_pairs",
    "default_cache_dir", "describe_space", "evaluate", "export_weights", "halving_comparison",
    "learning_curve_table", "make_estimator", "make_folds", "make_search", "param_space",
    "random_forest_comparison", "random_search", "results_table", "run_task", "score_row", "search_backend",
    "search_estimator", "task_metrics", "tie_rule", "weight_tables",
]

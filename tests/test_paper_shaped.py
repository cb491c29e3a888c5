"""The paper profile's own paths, executed in every ``make test``.

The ``paper`` profile (5,000-trial searches, 10-fold cross-validation, 10-seed nested
validation) takes hours; the quick profile, which the other book tests build, changes more
than its sizes (3-fold searches, 5-fold evaluations, 3 conformal folds, 2 seeds, too few for
chapter 08's intervals).  ``paper_shaped_book`` (tests/conftest.py) runs the paper profile
with only its counts of trials, seeds, outer folds and permutations made small, so the
branches only that profile takes execute here; these tests check that they did.
"""

from __future__ import annotations

import pytest

from conftest import PAPER_SHAPED, PAPER_SHAPED_CHAPTERS
from siqd_utils.report.metrics import load_metrics
from siqd_utils.robustness import MIN_SEEDS


@pytest.fixture(scope="module")
def metrics(paper_shaped_book):
    return {name: load_metrics(paper_shaped_book.build_dir / "metrics" / f"{name}.json")["values"]
            for name in PAPER_SHAPED_CHAPTERS}


def test_every_chapter_ran_with_the_paper_values_but_the_counts(paper_shaped_book):
    assert [r.chapter for r in paper_shaped_book.results] == list(PAPER_SHAPED_CHAPTERS)
    assert {r.status for r in paper_shaped_book.results} == {"executed"}
    for chapter, ran in paper_shaped_book.params.items():
        assert ran["dpi"] == 150, chapter  # the paper profile's own value
        for name, value in PAPER_SHAPED.items():
            if name in ran:
                assert ran[name] == value, (chapter, name)
        for name in ("cv_folds", "eval_cv_folds", "conformal_folds"):  # the study's, which quick lowers
            if name in ran:
                assert ran[name] == 10, (chapter, name, ran[name])


def test_searches_and_evaluations_ran_on_ten_folds(metrics):
    for key, task in metrics["05_classification"]["tasks"].items():
        assert task["search"]["cv_folds"] == 10 and task["search"]["n_trials"] == PAPER_SHAPED["n_trials"], key
    search = metrics["06_regression"]["search"]
    assert search["cv_folds"] == 10 and search["n_trials"] == PAPER_SHAPED["n_trials"]
    assert metrics["06_regression"]["halving"]["resource"] == "max_iter"


def test_chapter_08_reaches_its_intervals_and_paired_tests(metrics):
    m = metrics["08_robustness"]
    assert len(m["settings"]["seeds"]) == PAPER_SHAPED["n_seeds"] >= MIN_SEEDS
    for name, gap in m["gaps"].items():
        assert gap["n_seeds"] == PAPER_SHAPED["n_seeds"], name
        assert gap["lo"] <= gap["mean"] <= gap["hi"], name
        assert 0 < gap["p_sign_flip"] <= 1 and 0 < gap["p_t"] <= 1, name
    # with enough seeds, every task without a failed search is quoted by the comparison page
    sound = {row["task"] for row in m["nested"] if row["sound"]}
    assert sound == {row["task"] for row in m["nested"] if row["failed_searches"] == 0}
    assert sound, "no task ran without a failed search"
    assert set(m["sound_means"]) == sound


def test_chapter_09_calibrates_on_ten_folds(metrics):
    m = metrics["09_design"]
    for features, levels in m["intervals"].items():
        for level, row in levels.items():
            assert 0 < row["coverage"] <= 1 and row["mean width"] > 0, (features, level)
    for labels, levels in m["sets"].items():
        assert levels["0.9"]["mean_size"] > 0, labels

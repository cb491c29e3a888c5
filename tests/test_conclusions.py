"""The conclusions page's verdicts follow from the metrics, for and against."""

import copy

import pytest

from siqd_utils.report.verdicts import evaluate_conclusions
from siqd_utils.datasets import load_paper_results


def _metrics(cluster_cv=0.99, band_cv=0.80, reg_cv=0.99, band_from_reg=0.85, forced=False, purity_share=0.4):
    best = lambda cv: {"score_train": 1.0, "score_test": cv, "cv_mean": cv, "cv_std": 0.02}  # noqa: E731
    return {
        "02_correlations": {"dropped": {}},
        "03_structure_classes": {
            "n_clusters": 1 if forced else 3, "min_cluster_size": 15,
            "classes": {"k": 3, "forced": forced, "sizes": [40, 40, 40]},
            "spectral_purity": {"overall": purity_share, "clusters": {
                str(k): {"size": 40, "main_fraction": purity_share, "n_bands": 4} for k in (1, 2, 3)}},
        },
        "04_property_classes": {"diameter_overlap_share": {"violet/blue": 0.1, "orange/red": 0.5}},
        "05_classification": {
            "clusters": {"search_best": best(cluster_cv)},
            "bands": {"search_best": best(band_cv),
                      "confusions_cv": {"n_wrong": 20, "adjacent_share": 0.9, "study_pairs": 8}},
        },
        "06_regression": {"search_best": best(reg_cv), "band_accuracy": {"cv": band_from_reg},
                          "rmse_nm": {"search_best_cv": 6.0}},
    }


def _verdicts(m):
    return {c.number: c.verdict for c in evaluate_conclusions(m, load_paper_results())}


def test_paper_like_metrics_support_every_conclusion():
    assert _verdicts(_metrics()) == {1: "holds", 2: "holds", 3: "holds", 4: "holds", 5: "holds"}


def test_forced_classes_only_partly_support_conclusion_one():
    assert _verdicts(_metrics(forced=True))[1] == "holds in part"


@pytest.mark.parametrize(("change", "number"), [
    ({"cluster_cv": 0.7}, 1),
    ({"purity_share": 0.95}, 2),
    ({"reg_cv": 0.6, "band_from_reg": 0.5}, 4),
])
def test_contrary_evidence_flips_the_verdict(change, number):
    assert _verdicts(_metrics(**change))[number] == "does not hold"


def test_evidence_quotes_paper_numbers_from_the_results_file():
    paper = copy.deepcopy(load_paper_results())
    paper["regression"]["r2_test"] = 0.123
    text = evaluate_conclusions(_metrics(), paper)[3].evidence
    assert "0.123" in text


def test_bands_learnt_as_well_as_clusters_weaken_conclusion_three():
    m = _metrics(band_cv=0.995, cluster_cv=0.99)
    assert _verdicts(m)[3] == "holds in part"  # errors still go to neighbours
    m["05_classification"]["bands"]["confusions_cv"]["adjacent_share"] = 0.3
    assert _verdicts(m)[3] == "does not hold"


@pytest.mark.parametrize(("band_from_reg", "phrase"), [
    (0.85, "does at least as well as"),
    (0.70, "does less well than"),
])
def test_evidence_says_whether_regression_beats_the_band_classifier(band_from_reg, phrase):
    text = evaluate_conclusions(_metrics(band_from_reg=band_from_reg), load_paper_results())[3].evidence
    assert phrase in text


def test_evidence_reads_as_english_for_one_and_for_many():
    forced = evaluate_conclusions(_metrics(forced=True), load_paper_results())
    assert "finds 1 cluster," in forced[0].evidence
    pure = evaluate_conclusions(_metrics(purity_share=0.95), load_paper_results())[1].evidence
    assert "The 3 classes of at least p dots cover 4 of the six bands" in pure
    assert "3 classes have 90% or more of their dots in one band" in pure
    impure = evaluate_conclusions(_metrics(), load_paper_results())[1].evidence
    assert "no class has 90% or more of its dots" in impure
    for c in forced:
        assert "(s)" not in c.evidence and "/have" not in c.evidence

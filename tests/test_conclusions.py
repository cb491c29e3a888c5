"""The conclusions page's verdicts follow from the metrics, for and against (six classes against six bands)."""

import copy

import pytest

from siqd_utils.datasets import load_paper_results
from siqd_utils.report.verdicts import evaluate_conclusions, regression_vs_bands


def _scores(ba_test, ba_cv):
    one = lambda v: {"train": 1.0, "test": v, "cv_mean": v, "cv_std": 0.02}  # noqa: E731
    return {"accuracy": one(ba_cv), "balanced_accuracy": {**one(ba_cv), "test": ba_test}, "macro_f1": one(ba_cv),
            "n_classes": 6}


def _task(title, ba, baseline=0.3, study_ba=None):
    study_ba = ba if study_ba is None else study_ba
    return {"label_set": {"title": title, "k": 6, "majority_baseline": baseline}, "scores": _scores(ba, ba),
            "paper_scores": _scores(study_ba, study_ba), "n_test": 200,
            "search_best": {"cv_scores": [ba] * 5}, "paper_params": {"params": {"hidden_layer_sizes": [4, 3]}}}


def _metrics(ils=0.99, bands=0.80, facet=0.9, reg_cv=0.99, band_from_reg=0.95, band_clf=0.90, continuum=False,
             purity_share=0.4, adjacent=0.9, study_pairs=12, size_gain=0.05, n_pure=None, paired=None, study_ils=None):
    clusters = {str(k): {"size": 40, "main_fraction": purity_share, "n_bands": 4, "main_band_name": "red"}
                for k in range(1, 7)}
    for k in range(1, (n_pure or 0) + 1):
        clusters[str(k)] = {"size": 19, "main_fraction": 1.0, "n_bands": 1, "main_band_name": "red"}
    return {
        "01_data": {"size_law": {"r2_size_only": 0.9, "r2_all_features": 0.9 + size_gain, "gain": size_gain}},
        "02_correlations": {"dropped": {}},
        "03_structure_classes": {
            "continuum": continuum,
            "spectral_purity": {"overall": purity_share, "clusters": clusters},
            "label_sets": {"ils": {"purity": purity_share, "chance_purity": {"mean": 0.36, "sd": 0.01}}},
        },
        "04_property_classes": {},
        "05_classification": {
            "tasks": {"bands": _task("colour bands", bands, 0.35),
                      "ils": _task("ILS structure classes", ils, study_ba=study_ils),
                      "facet": _task("dominant facet family", facet, 0.39)},
            "bands_errors": {"n_wrong": 20, "adjacent_share": adjacent, "study_pairs": study_pairs},
            "bands_confusions": [["blue", "green", 5], ["green", "yellow", 3]],
        },
        "06_regression": {"search_best": {"score_train": 1.0, "score_test": reg_cv, "cv_mean": reg_cv, "cv_std": 0.01},
                          "band_accuracy": {"test": band_from_reg, "cv": band_from_reg},
                          "band_classifier_accuracy": {"test": band_clf, "cv": band_clf},
                          "n_test": 47, "rmse_nm": {"search_best_cv": 6.0}, **({"band_route_test": paired} if paired else {})},
    }


def _verdicts(m):
    return {c.number: c.verdict for c in evaluate_conclusions(m, load_paper_results())}


def test_paper_like_metrics_support_every_conclusion():
    assert _verdicts(_metrics()) == {1: "holds", 2: "holds", 3: "holds", 4: "holds", 5: "holds"}


def test_classes_cut_from_a_continuum_only_partly_support_conclusion_one():
    assert _verdicts(_metrics(continuum=True))[1] == "holds in part"


@pytest.mark.parametrize(("change", "number"), [
    ({"ils": 0.7}, 1),
    ({"purity_share": 0.95}, 2),
    ({"reg_cv": 0.6, "band_from_reg": 0.5}, 4),
])
def test_contrary_evidence_flips_the_verdict(change, number):
    assert _verdicts(_metrics())[number] == "holds"
    assert _verdicts(_metrics(**change))[number] == "does not hold"


def test_bands_learnt_as_well_as_structure_classes_weaken_conclusion_three():
    assert _verdicts(_metrics(bands=0.995, ils=0.99))[3] == "holds in part"  # errors still go to neighbours
    assert _verdicts(_metrics(bands=0.995, ils=0.99, adjacent=0.3))[3] == "does not hold"


def test_regression_that_does_not_beat_the_classifier_holds_only_in_part():
    assert _verdicts(_metrics(band_from_reg=0.85, band_clf=0.90))[4] == "holds in part"


def test_chapters_06_and_07_share_one_regression_rule():
    for reg, clf, verdict in ((0.9, 0.8, "beats"), (0.8, 0.9, "worse"), (0.85, 0.85, "level")):
        assert regression_vs_bands({"test": 0.5, "cv": reg}, {"test": 0.5, "cv": clf}, 40)["verdict"] == verdict
    text = evaluate_conclusions(_metrics(band_from_reg=0.85, band_clf=0.90), load_paper_results())[3].evidence
    assert "does better than reading them off" in text


def test_evidence_quotes_paper_numbers_from_the_results_file():
    paper = copy.deepcopy(load_paper_results())
    paper["regression"]["r2_test"] = 0.123
    assert "0.123" in evaluate_conclusions(_metrics(), paper)[3].evidence


def test_evidence_states_baselines_and_chance():
    c = evaluate_conclusions(_metrics(), load_paper_results())
    assert "against 0.300 for always answering the largest class" in c[0].evidence
    assert "dominant facet family" in c[0].evidence
    assert "random partitions of the same sizes" in c[1].evidence
    assert "against 0.350 for always answering the largest class" in c[2].evidence
    assert "against 0.167 by chance" in c[2].evidence


def test_test_scores_carry_wilson_intervals_and_cv_means_their_standard_error():
    text = evaluate_conclusions(_metrics(), load_paper_results())[0].evidence
    assert "0.99 [0.96, 1.00] (198 of 200 dots)" in text
    assert "(fold sd 0.020, s.e. of the mean 0.010, 5 folds)" in text


def test_conclusion_two_is_split_by_class():
    c = evaluate_conclusions(_metrics(n_pure=1), load_paper_results())[1]
    assert c.verdict == "holds in part"
    assert "5 of the 6 ILS classes spread over several bands" in c.reading
    assert "class 1 (19 dots) has 100% of its dots in red" in c.reading


def test_conclusion_three_separates_the_named_pairs_from_the_confusions_found():
    c = evaluate_conclusions(_metrics(study_pairs=9), load_paper_results())[2]
    assert c.verdict == "holds in part"
    assert "the pairs the study named (violet/blue, orange/red) account for 9" in c.reading
    assert "the confusions this book finds most often are blue taken for green (5)" in c.reading
    assert "far from inseparable" in c.reading


def test_conclusion_five_cannot_be_tested_when_size_decides():
    c = evaluate_conclusions(_metrics(size_gain=0.004), load_paper_results())[4]
    assert c.verdict == "cannot be tested"
    assert "the facets add 0.004" in c.reading


def test_a_paired_test_decides_whether_regression_beats_the_bands():
    level = {"a_only": 12, "b_only": 8, "p": 0.5}
    assert _verdicts(_metrics(paired=level))[4] == "holds in part"
    shown = {"a_only": 20, "b_only": 2, "p": 0.0001}
    assert _verdicts(_metrics(paired=shown))[4] == "holds"
    assert "McNemar exact p = 0.5" in evaluate_conclusions(_metrics(paired=level), load_paper_results())[3].evidence


def test_the_study_network_is_scored_beside_the_search_with_its_reason():
    from siqd_utils.report import verdicts

    c = evaluate_conclusions(_metrics(study_ils=0.5), load_paper_results())
    assert "falls short by 0.490 in balanced accuracy because it over-fits" in c[0].evidence
    assert "with the study's hyper-parameters, no structure label set is learnt better" not in c[2].evidence
    assert "with the study's hyper-parameters, dominant facet family is learnt better than the colour bands, " \
           "ILS structure classes is not" in c[2].evidence
    assert verdicts.statement(1, _metrics(), load_paper_results()).startswith(
        "Conclusion 1 (structure classes are separable almost perfectly) holds on this ensemble: ")


def test_every_statement_comes_from_its_conclusion():
    from siqd_utils.report import verdicts

    m = _metrics(n_pure=2, study_pairs=3, size_gain=0.001)
    for c in evaluate_conclusions(m, load_paper_results()):
        assert verdicts.statement(c.number, m) == c.statement == c.to_dict()["statement"]
        assert c.verdict in verdicts.VERDICTS
    # conclusion 2 is decided from chapter 03 alone
    assert verdicts.statement(2, {"03_structure_classes": m["03_structure_classes"]}) == verdicts.statement(2, m)


def test_evidence_reads_as_english():
    pure = evaluate_conclusions(_metrics(purity_share=0.95), load_paper_results())[1].evidence
    assert "The 6 ILS classes cover 4 of the six bands" in pure
    assert "6 classes have 90% or more of their dots in one band" in pure
    for c in evaluate_conclusions(_metrics(continuum=True), load_paper_results()):
        assert "(s)" not in c.evidence and "/have" not in c.evidence


def test_label_set_comparison_puts_every_label_set_on_equal_terms():
    from siqd_utils.report.tables import label_set_comparison

    m = _metrics()
    for task in m["05_classification"]["tasks"].values():
        task["label_set"].update(purity=0.41, chance_purity={"mean": 0.36, "sd": 0.01})
    table = label_set_comparison(m)
    assert list(table.index) == ["colour bands", "ILS structure classes", "dominant facet family"]
    assert table.loc["colour bands", "majority baseline (accuracy)"] == "0.350"
    assert table.loc["colour bands", "chance (balanced)"] == "0.167"
    assert table.loc["ILS structure classes", "purity (chance)"] == "0.41 (0.36 ± 0.01)"
    assert table.loc["dominant facet family", "balanced accuracy, test / CV ± s.e."] == "0.900 / 0.900 ± 0.010 (sd 0.020)"
    assert table.loc["colour bands", "accuracy, test [95 % Wilson]"].endswith("(160 of 200 dots)")
    m["05_classification"]["tasks"]["ils"]["paper_scores"] = _scores(0.5, 0.5)
    assert "falls short" in label_set_comparison(m).loc["ILS structure classes",
                                                        "study's hyper-parameters: accuracy / balanced, CV"]


def test_continuum_is_decided_once_and_worded_to_match():
    from siqd_utils.report import verdicts

    for beyond, gap in [({"study": False, "significance": False}, False), ({"study": True, "significance": False}, False),
                        ({"study": False, "significance": False}, True)]:
        is_continuum = verdicts.continuum(beyond, gap)
        assert is_continuum == (not any(beyond.values()) and not gap)
        assert verdicts.structure_verdict(beyond, gap).startswith("no density gaps") == is_continuum
    summary = {"n_wrong": 10, "adjacent_share": verdicts.ADJACENT_SHARE, "study_pairs": 2}
    assert verdicts.mostly_adjacent(summary) and "(mostly neighbours" in verdicts.band_errors(summary, [])
    summary["adjacent_share"] = verdicts.ADJACENT_SHARE - 0.01
    assert not verdicts.mostly_adjacent(summary) and "(not mostly neighbours" in verdicts.band_errors(summary, [])

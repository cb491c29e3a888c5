"""Test the study's five conclusions against the metrics the chapters wrote.

Each rule below reads only numbers from ``<build>/metrics/*.json`` and returns a
verdict ("holds", "holds in part", "does not hold") with the evidence in words,
so the conclusions page states nothing that a chapter did not compute.

Thresholds (module constants, documented here so a reader can disagree):

* near-perfect separation: accuracy >= :data:`NEAR_PERFECT` on the test split and
  in cross-validation;
* a spectrally pure class: at least :data:`PURE_SHARE` of it in one band;
* regression "beats" class-based prediction when the band read off its
  cross-validated wavelengths is right at least as often as the band classifier's
  cross-validated prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..ils.noise import NOISE_SHARE, beyond_noise
from . import stats
from .metrics import load_metrics

__all__ = ["CHAPTERS_USED", "NEAR_PERFECT", "PURE_SHARE", "SHORT_CLAIMS", "VERDICTS", "Conclusion", "conclusion",
           "evaluate_conclusions", "load_chapter_metrics", "statement"]

NEAR_PERFECT = 0.95
PURE_SHARE = 0.90
#: Below this gain in cross-validated R^2 over a size feature alone, the other features add little.
SMALL_GAIN = 0.02
#: Band errors count as "mostly between neighbours" from this share on.
ADJACENT_SHARE = 0.80
# A cluster count (or gap) exceeds noise when fewer than NOISE_SHARE of the matched noise draws
# reach it: decided once, in siqd_utils.ils.noise (beyond_noise, imported above), where the noise
# references are drawn.
#: A purity (or score) is above chance when it exceeds the chance mean by more than this many sd.
CHANCE_SD = 3.0
#: A paired test (McNemar) or a difference counts as shown below this p-value.
ALPHA = 0.05
#: The pairs the study named account for "most" band errors from this share on.
NAMED_SHARE = 0.50
#: Every verdict a conclusion can get.
VERDICTS = ("holds", "holds in part", "does not hold", "cannot be tested")
#: The study's conclusions in a few words, as every page's verdict sentence names them.
SHORT_CLAIMS = {
    1: "structure classes are separable almost perfectly",
    2: "structure classes are not optically pure",
    3: "colour bands are not separable as classes; neighbouring bands are confused",
    4: "regression recovers the colour precisely",
    5: "synthesis for one colour must control size and every facet together",
}
#: The chapters whose metrics the conclusions read.
CHAPTERS_USED = ("01_data", "02_correlations", "03_structure_classes", "04_property_classes", "05_classification", "06_regression")


@dataclass(frozen=True)
class Conclusion:
    """One of the study's conclusions with our verdict and evidence."""

    number: int
    claim: str
    verdict: str
    evidence: str
    reading: str = ""

    @property
    def statement(self) -> str:
        """The one sentence every page quotes for this conclusion (:func:`statement`)."""
        return f"Conclusion {self.number} ({SHORT_CLAIMS[self.number]}) {self.verdict} on this ensemble: {self.reading}."

    def to_dict(self) -> dict:
        return {**asdict(self), "statement": self.statement}


def load_chapter_metrics(folder: Path | str, data_sha256: str | None = None) -> dict[str, dict]:
    """``values`` of every chapter in :data:`CHAPTERS_USED`, read from ``folder``.

    With ``data_sha256`` given, every chapter must have read that same table.

    Raises
    ------
    FileNotFoundError
        Naming the first missing chapter (run the chapters before this page).
    ValueError
        If a chapter's metrics come from another data file than ``data_sha256``.
    """
    folder = Path(folder)
    out = {}
    for chapter in CHAPTERS_USED:
        record = load_metrics(folder / f"{chapter}.json")
        if data_sha256 is not None and record["data_sha256"] != data_sha256:
            raise ValueError(f"{folder / (chapter + '.json')}: computed on data with SHA-256 {record['data_sha256'][:12]}..., "
                             f"not on this chapter's data ({data_sha256[:12]}...); re-run the chapters with the same data_path")
        out[chapter] = record["values"]
    return out


def cluster_count(rule: str, p: int, k: int, shares: dict[str, float]) -> str:
    """One rule's cluster count beside what matched noise gives (``shares``: kind -> share of
    noise draws with at least ``k`` clusters)."""
    if k == 1:
        return f"The {rule} rule at p = {p} finds 1 cluster: no peak of the curve passes it."
    noise = " and ".join(f"{share:.0%} of {kind} draws" for kind, share in shares.items())
    reading = ("more than noise of the same size gives" if beyond_noise(shares)
               else "no more than noise of the same size gives")
    return (f"The {rule} rule at p = {p} finds {_count(k, 'cluster', 'clusters')}; {noise} give at least as "
            f"many: {reading}.")


def gap_reading(beyond: bool) -> str:
    """The spanning-tree gap test in words."""
    return (f"a gap beyond noise (fewer than {NOISE_SHARE:.0%} of the draws of each kind of noise reach one of its "
            "gap statistics)" if beyond else
            f"no gap beyond noise (at least {NOISE_SHARE:.0%} of the draws of some kind of noise reach each of its "
            "gap statistics)")


def gap_by_kind(table: list[dict]) -> str:
    """The spanning-tree gap statistics against each kind of noise separately (chapter 03).

    ``table``: one record per statistic with ``data`` and, per kind, ``<kind>_share_at_least``.
    """
    kinds = sorted({c[: -len("_share_at_least")] for r in table for c in r if c.endswith("_share_at_least")})
    parts = []
    for kind in kinds:
        shares = [r[f"{kind}_share_at_least"] for r in table]
        beyond = [s < NOISE_SHARE for s in shares]
        word = ("every gap statistic is beyond it" if all(beyond) else "no gap statistic is beyond it" if not any(beyond)
                else "some gap statistics are beyond it")
        parts.append(f"against {kind} noise {word} ({', '.join(f'{s:.0%}' for s in shares)} of the draws reach them)")
    return "; ".join(parts)


def sweep_chance(n_settings: int, n_draws: int, observed: int) -> str:
    """How many settings of the p sweep chance alone passes (:func:`siqd_utils.report.stats.chance_exceedances`)."""
    c = stats.chance_exceedances(n_settings, n_draws, observed, NOISE_SHARE)
    reading = "no more than chance gives" if c["p_at_least"] >= ALPHA else "more than chance gives"
    return (f"with {n_draws} noise draws per setting, data without clusters pass a setting with probability up to "
            f"{c['rate']:.3f}, so up to {c['expected']:.1f} of the {n_settings} settings by chance, and {observed} or more "
            f"with probability up to {c['p_at_least']:.0%} (settings taken as independent): {reading}")


def continuum_reading(continuum: bool) -> str:
    """What the structure-classes chapter found, for the list of caveats (chapter 07)."""
    return ("no density gaps: the dots form one continuous cloud in feature space, and the structure classes are "
            "cuts through it" if continuum else "ILS or the spanning tree finds more structure than matched noise gives")


def continuum(beyond: dict[str, bool], gap_beyond: bool) -> bool:
    """The data are consistent with a continuum: no rule's cluster count and no spanning-tree gap is
    beyond noise (``beyond``: rule -> whether its count is; ``gap_beyond``: whether the gap is)."""
    return not (any(beyond.values()) or gap_beyond)


def mostly_adjacent(summary: dict) -> bool:
    """The band classifier's errors fall mostly into neighbouring bands (:data:`ADJACENT_SHARE`)."""
    return summary["adjacent_share"] >= ADJACENT_SHARE


def structure_verdict(beyond: dict[str, bool], gap_beyond: bool) -> str:
    """What the cluster counts and the spanning-tree gap test say together (chapter 03).

    ``beyond``: rule -> whether its count exceeds noise; ``gap_beyond``: whether the
    data's spanning tree has a gap beyond noise (both as :func:`beyond_noise` decides).
    """
    clustered = [r for r, b in beyond.items() if b]
    if continuum(beyond, gap_beyond):
        return ("no density gaps: both rules are consistent with a continuum (neither finds more clusters "
                "than matched noise, and the spanning tree has no longer gap than noise)")
    if clustered and gap_beyond:
        return (f"the data are clustered: the {' and '.join(clustered)} rule{'s' if len(clustered) > 1 else ''} "
                "find more clusters than noise, and the spanning tree has a gap longer than noise gives")
    if clustered:
        return (f"weak evidence of clusters: the {' and '.join(clustered)} rule finds more clusters than noise, "
                "but the spanning tree has no gap longer than noise gives")
    return ("a gap without clusters: the spanning tree has a longer gap than noise gives, but neither rule "
            "finds more clusters than noise (an outlier or a small group below p)")


def study_rule_reading(k: int, beyond: bool, paper_k: int) -> str:
    """What the study's own rule, applied here, says about the study's structure classes."""
    if beyond:
        return (f"The study's rule finds {_count(k, 'cluster', 'clusters')} here, more than noise of the same size "
                f"gives (the study reported {paper_k}).")
    return (f"The study's {paper_k} structure classes rest on its rule's count; on our ensemble that rule finds "
            f"{_count(k, 'cluster', 'clusters')}, within what noise of the same size gives, so the count by itself "
            "cannot show that groups exist.")


def separability_gap(title: str, gap: dict) -> str:
    """A structure label set's nested balanced accuracy minus the bands', with its interval (chapter 08)."""
    lo, hi = gap["lo"], gap["hi"]
    if lo > 0:
        reading = "easier to learn than the colour bands in every part of the interval"
    elif hi < 0:
        reading = "harder to learn than the colour bands in every part of the interval"
    else:
        reading = "not distinguishable from the colour bands: the interval includes 0"
    return (f"{title}: {gap['mean']:+.3f} [{lo:+.3f}, {hi:+.3f}] over {gap['n_seeds']} seeds, "
            f"higher in {gap['share_positive']:.0%} of them; {reading}.")


def near_perfect(scores: dict) -> bool:
    """Balanced accuracy of at least :data:`NEAR_PERFECT` on the test set and in cross-validation."""
    ba = scores["balanced_accuracy"]
    return ba["test"] >= NEAR_PERFECT and ba["cv_mean"] >= NEAR_PERFECT


def separability(title: str, scores: dict, baseline: float) -> str:
    """How well one label set is learnt, beside its majority baseline (chapter 05)."""
    ba = scores["balanced_accuracy"]
    reading = "near-perfect" if near_perfect(scores) else "not near-perfect"
    return (f"{title}: balanced accuracy {ba['test']:.3f} on the test set and {ba['cv_mean']:.3f} ± "
            f"{ba['cv_std']:.3f} in cross-validation, macro-F1 {scores['macro_f1']['cv_mean']:.3f} (always answering "
            f"the largest class: accuracy {baseline:.3f}, balanced accuracy {1 / scores['n_classes']:.3f}); "
            f"{reading} (criterion: {NEAR_PERFECT} on both).")


def easier_than_bands(scores: dict, band_scores: dict) -> bool:
    """A label set is easier to learn than the bands: higher cross-validated balanced accuracy."""
    return scores["balanced_accuracy"]["cv_mean"] > band_scores["balanced_accuracy"]["cv_mean"]


def structure_vs_bands(easier: dict[str, bool]) -> str:
    """Which structure label sets are learnt better than the colour bands (``title -> easier?``)."""
    yes = [t for t, e in easier.items() if e]
    no = [t for t, e in easier.items() if not e]
    if not no:
        return "every structure label set is learnt better than the colour bands (cross-validated balanced accuracy)."
    if not yes:
        return "no structure label set is learnt better than the colour bands (cross-validated balanced accuracy)."
    return (f"{_and(yes)} {'is' if len(yes) == 1 else 'are'} learnt better than the colour bands, "
            f"{_and(no)} {'is' if len(no) == 1 else 'are'} not (cross-validated balanced accuracy).")


def band_errors(summary: dict, top: list[tuple[str, str, int]]) -> str:
    """Where the band classifier errs in cross-validation (chapter 05)."""
    if summary["n_wrong"] == 0:
        return "The band network puts every dot in its band in cross-validation."
    listed = ", ".join(f"{t} taken for {q} ({n})" for t, q, n in top)
    kind = "mostly" if mostly_adjacent(summary) else "not mostly"
    return (f"{summary['n_wrong']} dots are misplaced in cross-validation, {summary['adjacent_share']:.0%} of them "
            f"into a neighbouring band ({kind} neighbours; criterion {ADJACENT_SHARE:.0%}); the study's pairs "
            f"(violet with blue, orange with red) account for {summary['study_pairs']}; the most frequent: {listed}.")


def regression_vs_bands(regressor: dict, classifier: dict, n_test: int, paired: dict | None = None) -> dict:
    """Does reading the band off the regressor's wavelength beat the band classifier? (chapters 06 and 07)

    The decision is made on the cross-validated band accuracy over all dots (the same dots
    for both, and many more than a test set); the test-set accuracies are quoted beside it.

    Parameters
    ----------
    regressor, classifier : dict
        ``{"test": accuracy, "cv": accuracy}`` of each route to a band.
    n_test : int
        Test dots behind the regressor's test accuracy.
    paired : dict, optional
        :func:`siqd_utils.report.stats.mcnemar_exact` of the two routes' cross-validated
        predictions on the same dots (``a``: the regressor).  With it, a difference counts
        only when its p-value is below :data:`ALPHA`; the routes are otherwise "level".

    Returns
    -------
    dict
        ``verdict`` ("beats", "level" or "worse") and ``sentence``.
    """
    r, c = float(regressor["cv"]), float(classifier["cv"])
    verdict = "beats" if r > c else "worse" if r < c else "level"
    test = ""
    if paired is not None:
        if paired["p"] >= ALPHA:
            verdict = "level"
        test = (f"; on the same dots the regressor alone is right on {paired['a_only']} and the classifier alone on "
                f"{paired['b_only']} (McNemar exact p = {paired['p']:.2g})")
    reading = {"beats": "reading the band off the predicted wavelength **beats** learning the bands as classes",
               "worse": "learning the bands as classes does **better** than reading them off the predicted wavelength",
               "level": ("the two routes are **level** (the difference is within what chance gives on these dots)"
                         if paired is not None and r != c else "the two routes are **level**")}[verdict]
    sentence = (f"In cross-validation over all dots the regressor puts {r:.1%} of the dots in the right band, against "
                f"{c:.1%} for the band classifier{test}; on the {n_test} test dots, {regressor['test']:.1%} against "
                f"{classifier['test']:.1%} (different test sets): {reading}.")
    return {"verdict": verdict, "sentence": sentence}


def paired_reading(a: str, b: str, paired: dict) -> str:
    """Two methods scored on the same dots, with McNemar's exact test (:func:`siqd_utils.report.stats.mcnemar_exact`)."""
    if paired["p"] >= ALPHA:
        word = f"{a} and {b} are level on these dots"
    else:
        word = f"{a if paired['a_only'] > paired['b_only'] else b} is right more often"
    return (f"of {paired['n']} dots, {a} alone is right on {paired['a_only']} and {b} alone on {paired['b_only']} "
            f"(McNemar exact p = {paired['p']:.2g}): {word}")


def forest_reading(network: dict, forest: dict, paired: dict, recognised: list[str], n_bands: int) -> str:
    """The random forest on the bands beside the band network, and beside the study's finding (chapter 05).

    ``recognised``: the bands the forest puts at least one dot of in cross-validation.
    """
    na, fa = network["accuracy"]["cv_mean"], forest["accuracy"]["cv_mean"]
    if paired["p"] >= ALPHA:
        verdict = "the forest does as well as the network"
    else:
        verdict = "the forest does worse than the network" if paired["a_only"] > paired["b_only"] else \
            "the forest does better than the network"
    study = ("as the study found" if verdict.endswith("worse than the network") and len(recognised) <= 1 else
             "unlike the study, whose forest did worse than its network and recognised only the red band")
    return (f"Random forest on the bands: accuracy {fa:.3f} in CV against {na:.3f} for the network; "
            f"{paired_reading('the network', 'the forest', paired)}; it recognises {len(recognised)} of the {n_bands} "
            f"bands in CV. Verdict: {verdict}, {study}.")


def size_reference_reading(title: str, size: dict, scores: dict, paired: dict) -> str:
    """A band classifier beside the same task learnt from size alone (chapter 05)."""
    return (f"Size alone ({size['feature']}) puts {size['accuracy_cv']:.3f} of the dots in the right band in CV "
            f"(balanced accuracy {size['balanced_accuracy_cv']:.3f}), against {scores['accuracy']['cv_mean']:.3f} "
            f"({scores['balanced_accuracy']['cv_mean']:.3f}) for the {title}; "
            f"{paired_reading(f'the {title}', 'size alone', paired)}.")


def calibration_reading(calibrated: dict, model: dict) -> str:
    """How the band results move with the colour-scale calibration (chapter 04; :mod:`siqd_utils.calibration_share`)."""
    moved = sum(abs(calibrated["band_counts"][b] - model["band_counts"][b]) for b in calibrated["band_counts"]) // 2
    diff = calibrated["balanced_accuracy_cv"] - model["balanced_accuracy_cv"]
    return (f"Without the calibration {model['n_analysis_set']} dots fall in the bands ({calibrated['n_analysis_set']} "
            f"with it), and at least {moved} change band; the study's band network reaches balanced accuracy "
            f"{model['balanced_accuracy_cv']:.3f} in CV on the uncalibrated bands against "
            f"{calibrated['balanced_accuracy_cv']:.3f} on the calibrated ones ({diff:+.3f}), with "
            f"{model['adjacent_share']:.0%} and {calibrated['adjacent_share']:.0%} of the errors into a neighbouring band: "
            + (f"the bands' separability moves by less than {FALL_SHORT} with the calibration" if abs(diff) <= FALL_SHORT
               else "how separable the bands are depends on the calibration"))


def above_chance(value: float, mean: float, sd: float) -> bool:
    """True when ``value`` exceeds a chance level ``mean`` by more than :data:`CHANCE_SD` sd."""
    return value > mean + CHANCE_SD * sd


def purity_reading(purity: float, mean: float, sd: float) -> str:
    """A spectral purity beside the chance level of random partitions of the same sizes."""
    word = "above" if above_chance(purity, mean, sd) else "no better than"
    return f"{purity:.2f} against {mean:.2f} ± {sd:.2f} for random partitions of the same sizes: {word} chance"


def split_check(n_split: int) -> str:
    """Result of re-running ILS inside each cluster."""
    return ("none of the clusters should be split" if n_split == 0 else
            f"{_count(n_split, 'cluster shows', 'clusters show')} a significant peak of its own")


def feature_drop(matches: bool) -> str:
    """Whether the study's drop rule result is reproduced (chapter 02)."""
    return ("holds: the same features are dropped and the same six are kept" if matches else
            "holds only in part: the dropped sets differ (see the table)")


def named_values(values, fmt: str = "{:+.2f}") -> str:
    """``"a (+1.20), b (-1.05)"`` for a Series or mapping, or ``"none"``."""
    items = list(values.items())
    return ", ".join(f"{k} ({fmt.format(v)})" for k, v in items) or "none"


def band_order(moved: list[str]) -> str:
    """How the order of the bands by size compares with the study's (``moved``: bands that change rank)."""
    if not moved:
        return "the same as in the study"
    return f"the study's except for {_count(len(moved), 'band', 'bands')} that swap places ({', '.join(moved)})"


def _verdict(ok: bool, partly: bool = False) -> str:
    return "holds" if ok else ("holds in part" if partly else "does not hold")


def _and(items: list[str]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, singular: str, plural: str) -> str:
    """``"1 cluster"``, ``"3 clusters"``: a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else plural}"


def _pure_text(n: int) -> str:
    """How many classes are spectrally pure, as the start of a sentence."""
    if n == 0:
        return f"no class has {PURE_SHARE:.0%} or more of its dots in one band"
    return f"{_count(n, 'class has', 'classes have')} {PURE_SHARE:.0%} or more of {'its' if n == 1 else 'their'} dots in one band"


def _band_span(spans: list[int]) -> str:
    """How many of the six bands the classes cover, in words."""
    if not spans:
        return "no bands"
    lo, hi = min(spans), max(spans)
    if lo == hi:
        return "all six bands" if lo == 6 else f"{lo} of the six bands"
    return f"{lo} to {hi} of the six bands"


def cv_text(score: dict, k: int, digits: int = 3) -> str:
    """``"0.894 (fold sd 0.050, s.e. of the mean 0.025, 5 folds)"``: a CV mean with its spread and standard error.

    ``score`` holds ``cv_mean`` and ``cv_std`` (over the ``k`` folds, ``ddof=0``); the standard error of
    the mean is the sample sd over sqrt(k), i.e. ``cv_std / sqrt(k - 1)``.
    """
    sem = score["cv_std"] / (k - 1) ** 0.5
    return (f"{score['cv_mean']:.{digits}f} (fold sd {score['cv_std']:.{digits}f}, s.e. of the mean {sem:.{digits}f}, "
            f"{k} folds)")


def test_text(share: float, n_test: int) -> str:
    """A test-split accuracy with its Wilson interval and its dot count."""
    return stats.interval_text(stats.score_interval(share, n_test))


def _folds(task: dict) -> int:
    return len(task["search_best"]["cv_scores"])


def _scores_text(task: dict, baseline: float) -> str:
    """Accuracy beside the majority baseline (an accuracy), balanced accuracy beside chance (1 / classes)."""
    sc, k = task["scores"], _folds(task)
    a, ba = sc["accuracy"], sc["balanced_accuracy"]
    return (f"accuracy {test_text(a['test'], task['n_test'])} on the test split and {cv_text(a, k)} in CV, "
            f"against {baseline:.3f} for always answering the largest class; balanced accuracy {ba['test']:.3f} (test) "
            f"and {cv_text(ba, k)} in CV, against {1 / sc['n_classes']:.3f} by chance")


#: The study's hyper-parameters "fall short" of the searched network's by more than this in CV balanced accuracy.
FALL_SHORT = 0.05


def study_network_reading(task: dict) -> str:
    """The study's hyper-parameters refitted on this label set, beside the searched network, and why they fall short.

    A network whose training accuracy is below the searched network's cross-validated accuracy cannot fit
    even the dots it was trained on (it underfits: too few units or too strong a penalty for these
    classes); otherwise it fits its training dots and fails on new ones (over-fitting).
    """
    ps, sb = task["paper_scores"], task["scores"]
    layers = tuple(task["paper_params"]["params"]["hidden_layer_sizes"])
    gap = sb["balanced_accuracy"]["cv_mean"] - ps["balanced_accuracy"]["cv_mean"]
    head = (f"with the study's hyper-parameters (hidden layers {layers}) accuracy {ps['accuracy']['cv_mean']:.3f} and "
            f"balanced accuracy {ps['balanced_accuracy']['cv_mean']:.3f} in CV, against {sb['accuracy']['cv_mean']:.3f} "
            f"and {sb['balanced_accuracy']['cv_mean']:.3f} for the searched network")
    if gap <= FALL_SHORT:
        return head + " (level with it)"
    if ps["accuracy"]["train"] < sb["accuracy"]["cv_mean"]:
        why = (f"it underfits: {ps['accuracy']['train']:.3f} accuracy on its own training dots, below what the searched "
               "network reaches on unseen ones")
    else:
        why = (f"it over-fits: {ps['accuracy']['train']:.3f} accuracy on its training dots, "
               f"{ps['accuracy']['cv_mean']:.3f} on unseen ones")
    return head + f"; it falls short by {gap:.3f} in balanced accuracy because {why}"


def learnt_better_than_bands(tasks: dict) -> str:
    """Which structure label sets are learnt better than the colour bands, by the searched networks and by the
    study's hyper-parameters (CV balanced accuracy; chapters 05 and 07)."""
    def sentence(key):
        easier = {t["label_set"]["title"]: t[key]["balanced_accuracy"]["cv_mean"]
                  > tasks["bands"][key]["balanced_accuracy"]["cv_mean"] for k, t in tasks.items() if k != "bands"}
        return structure_vs_bands(easier).rstrip(".").replace(" (cross-validated balanced accuracy)", "")
    return (f"With the searched networks, {sentence('scores')}; with the study's hyper-parameters, "
            f"{sentence('paper_scores')} (cross-validated balanced accuracy).")


def _c1(m: dict, paper: dict) -> Conclusion:
    pc = paper["classification"]["clusters"]
    c3, tasks = m["03_structure_classes"], m["05_classification"]["tasks"]
    ils = tasks["ils"]
    base = {k: t["label_set"]["majority_baseline"] for k, t in tasks.items()}
    continuum = bool(c3.get("continuum", False))
    sep = near_perfect(ils["scores"])
    note = (" ILS finds no more clusters than matched noise gives and the spanning tree has no gap (chapter 03), "
            "so these classes are cuts through a continuum, not discovered groups." if continuum else "")
    others = "; ".join(f"{t['label_set']['title']}: {_scores_text(t, base[k])}"
                       for k, t in tasks.items() if k not in ("bands", "ils"))
    ba = ils["scores"]["balanced_accuracy"]
    reading = (f"the ILS classes reach balanced accuracy {ba['cv_mean']:.3f} in CV and {ba['test']:.3f} on the test "
               f"split ({'at or above' if sep else 'below'} the {NEAR_PERFECT} criterion on both)"
               + ("; they are cuts through a continuum, not discovered groups" if continuum else ""))
    return Conclusion(
        1, "Structure classes (ILS) are separable from structure with near-perfect precision and recall.",
        _verdict(sep and not continuum, partly=sep),
        f"ILS structure classes ({ils['label_set']['k']}): {_scores_text(ils, base['ils'])}; "
        f"{study_network_reading(ils)} (paper: accuracy test {pc['score_test']}, CV {pc['cv_mean']} ± {pc['cv_std']}); "
        f"criterion {NEAR_PERFECT} in balanced accuracy on both.{note} Other structure label sets: {others}.",
        reading)


def _c2(m: dict, paper: dict | None = None) -> Conclusion:
    """Conclusion 2 from chapter 03's metrics alone (chapter 03 quotes it before the later chapters run)."""
    c3 = m["03_structure_classes"]
    purity = c3["spectral_purity"]["clusters"]
    ls = c3["label_sets"]["ils"]
    pure = {k: v for k, v in purity.items() if v["main_fraction"] >= PURE_SHARE}
    spans = [v["n_bands"] for v in purity.values()]
    mixed = len(purity) - len(pure)
    chance = ls["chance_purity"]
    verdict = ("holds" if not pure and purity else "does not hold" if not mixed else "holds in part")
    pure_text = "; ".join(f"class {k} ({v['size']} dots) has {v['main_fraction']:.0%} of its dots in "
                          f"{v.get('main_band_name', 'one band')}" for k, v in pure.items())
    reading = (f"{mixed} of the {len(purity)} ILS classes spread over several bands (none with {PURE_SHARE:.0%} in one)"
               + (f", while {pure_text}" if pure else ""))
    return Conclusion(
        2, "Structure classes are not optically pure: each spans several colours.", verdict,
        f"The {_count(len(purity), 'ILS class', 'ILS classes')} cover {_band_span(spans)}; {_pure_text(len(pure))}"
        f"{' (' + pure_text + ')' if pure else ''}; overall purity "
        f"{purity_reading(ls['purity'], chance['mean'], chance['sd'])}.",
        reading)


def _c3(m: dict, paper: dict) -> Conclusion:
    pb = paper["classification"]["bands"]
    c5 = m["05_classification"]
    tasks = c5["tasks"]
    ils, bands = tasks["ils"], tasks["bands"]
    conf = c5["bands_errors"]
    worse = (bands["scores"]["balanced_accuracy"]["cv_mean"] < ils["scores"]["balanced_accuracy"]["cv_mean"])
    adjacent = mostly_adjacent(conf)
    named = conf["n_wrong"] > 0 and conf["study_pairs"] / conf["n_wrong"] >= NAMED_SHARE
    not_sep = not near_perfect(bands["scores"])
    found = ", ".join(f"{t} taken for {q} ({n})" for t, q, n in c5["bands_confusions"][:3]) or "none"
    bba, iba = bands["scores"]["balanced_accuracy"]["cv_mean"], ils["scores"]["balanced_accuracy"]["cv_mean"]
    size = c5.get("size_only")
    size_text = (f"; size alone ({size['feature']}) gives the band with balanced accuracy "
                 f"{size['balanced_accuracy_cv']:.3f} in CV" if size else "")
    reading = (f"the bands are {'less' if worse else 'not less'} separable than the ILS classes (balanced accuracy "
               f"{bba:.3f} against {iba:.3f} in CV) but far from inseparable ({1 / bands['scores']['n_classes']:.3f} "
               f"by chance){size_text}; of {conf['n_wrong']} cross-validated band errors {conf['adjacent_share']:.0%} "
               f"fall into a neighbouring band; the pairs the study named (violet/blue, orange/red) account for "
               f"{conf['study_pairs']}, the confusions this book finds most often are {found}")
    verdict = _verdict(worse and adjacent and not_sep and named, partly=worse or adjacent)
    return Conclusion(
        3, "Colour bands are not separable as classes from structure; neighbouring bands are confused.", verdict,
        f"Colour bands ({bands['label_set']['k']}): {_scores_text(bands, bands['label_set']['majority_baseline'])}; "
        f"{study_network_reading(bands)} (paper: band accuracy CV {pb['cv_mean']} ± {pb['cv_std']}). "
        f"{learnt_better_than_bands(tasks)} The pairs the study named count as most of the errors from "
        f"{NAMED_SHARE:.0%} on.",
        reading)


def _c4(m: dict, paper: dict) -> Conclusion:
    pr = paper["regression"]
    c6 = m["06_regression"]
    reg = c6["search_best"]
    precise = reg["cv_mean"] >= NEAR_PERFECT
    rvb = regression_vs_bands(c6["band_accuracy"], c6["band_classifier_accuracy"], c6["n_test"],
                              c6.get("band_route_test"))
    size = c6.get("size_only")
    size_text = (f"; a size feature alone ({size['feature']}) already gives R^2 {size['r2_cv']:.3f} "
                 f"and RMSE {size['rmse_cv_nm']:.1f} nm, so most of the precision is the size law" if size else "")
    route = {"beats": "beats", "worse": "does worse than", "level": "is level with"}[rvb["verdict"]]
    paired = c6.get("band_route_test")
    reading = (f"cross-validated R^2 {reg['cv_mean']:.3f}, RMSE {c6['rmse_nm']['search_best_cv']:.1f} nm{size_text}; "
               f"reading the band off the predicted wavelength {route} the band classifier"
               + (f" (McNemar exact p = {paired['p']:.2g})" if paired else ""))
    return Conclusion(
        4, "Structure predicts wavelength precisely by regression: a strong structure-property relation "
           "that is not class-shaped.",
        _verdict(precise and rvb["verdict"] == "beats", partly=precise),
        f"Regression R^2: train {reg['score_train']:.3f}, test {reg['score_test']:.3f}, cross-validated "
        f"{reg['cv_mean']:.3f} ± {reg['cv_std']:.3f} (paper {pr['r2_train']} / {pr['r2_test']} / {pr['cv_mean']} ± "
        f"{pr['cv_std']}); cross-validated RMSE {c6['rmse_nm']['search_best_cv']:.1f} nm. "
        + rvb["sentence"].replace("**", ""),
        reading)


def _c5(m: dict, paper: dict, earlier: list[Conclusion]) -> Conclusion:
    supported = sum(c.verdict == "holds" for c in earlier[1:4])
    size = m.get("01_data", {}).get("size_law")
    testable = size is not None and size["gain"] >= SMALL_GAIN
    if size is None:
        reading = "not testable here: chapter 01 measured no size law"
    elif testable:
        reading = (f"the facets add {size['gain']:.3f} to the R^2 of a size feature alone, so the claim can be tested; "
                   f"{'all three' if supported == 3 else supported} of conclusions 2-4 hold fully")
    else:
        reading = (f"a size feature alone explains R^2 {size['r2_size_only']:.3f} of the wavelength and all retained "
                   f"features {size['r2_all_features']:.3f}, so the facets add {size['gain']:.3f} (below "
                   f"{SMALL_GAIN}): whether every facet must be controlled cannot be told from this reconstruction")
    verdict = ("cannot be tested" if not testable else _verdict(supported == 3, partly=supported >= 2))
    size_note = ""
    if size:
        size_note = (f" A size feature alone (n_Si or D) reaches a cross-validated R^2 of {size['r2_size_only']:.3f} "
                     f"for the wavelength against {size['r2_all_features']:.3f} for all retained features "
                     f"(chapter 01).")
    return Conclusion(
        5, "Shape-controlled synthesis for one colour must control size and all facets together; classes "
           "are not specific enough.", verdict,
        f"Rests on conclusions 2-4, of which {'all three hold' if supported == 3 else _count(supported, 'holds', 'hold')} "
        f"fully here, and on the facets carrying part of the colour.{size_note}",
        reading)


def conclusion(number: int, m: dict[str, dict], paper: dict | None = None) -> Conclusion:
    """One of the study's conclusions, decided from the chapters' metrics ``m`` (chapter name -> ``values``).

    Conclusion 2 needs only chapter 03's metrics (so chapter 03 can quote it); the others need the
    chapters they cite (conclusion 5 decides on conclusions 2-4 and chapter 01's size law).
    """
    if paper is None:
        from ..datasets import load_paper_results
        paper = load_paper_results()
    if number == 5:
        return evaluate_conclusions(m, paper)[4]
    return {1: _c1, 2: _c2, 3: _c3, 4: _c4}[number](m, paper)


def statement(number: int, m: dict[str, dict], paper: dict | None = None) -> str:
    """The one sentence every page uses to state conclusion ``number``'s verdict (the single source)."""
    return conclusion(number, m, paper).statement


def evaluate_conclusions(m: dict[str, dict], paper: dict) -> list[Conclusion]:
    """The study's five conclusions, each tested on the chapters' metrics ``m``, six classes against six bands.

    ``m`` maps chapter names to their metrics ``values`` (:func:`load_chapter_metrics`);
    ``paper`` is :func:`siqd_utils.datasets.load_paper_results` (quoted beside ours).
    The structure classes of conclusions 1 and 2 are the ILS classes with as many classes as
    bands; the other structure label sets are quoted beside them.
    """
    out = [_c1(m, paper), _c2(m, paper), _c3(m, paper), _c4(m, paper)]
    out.append(_c5(m, paper, out))
    return out


# ------------------------------------------------------- chapter 08: nested validation
# The rules (failed search, interval, tests, fewest seeds) are decided in siqd_utils.robustness;
# its summaries carry their constants (failed_share, alpha, min_seeds), so the sentences below
# quote them without deciding them again.


def _p(p: float) -> str:
    return "p = n/a" if p != p else (f"p = {p:.3f}" if p >= 0.001 else "p < 0.001")


def search_health_verdict(health: dict) -> str:
    """Chapter 08's inner searches in one sentence: how many failed (``robustness.health_summary``)."""
    n, bad, share = health["outer_folds"], health["failed"], health["failed_share"]
    chose = f"the study's network was chosen in {health['chose_study']} of them"
    if not bad:
        return (f"No inner search failed: in each of the {n} outer folds (all tasks and seeds) the chosen network "
                f"kept at least {100 * share:.0f} % of the study network's skill over the baseline on that fold; {chose}.")
    where = ", ".join(f"{task} {k}" for task, k in health["failed_by_task"].items())
    return (f"**{bad} of {n} inner searches failed** ({where}): on those outer folds the chosen network kept less "
            f"than {100 * share:.0f} % of the study network's skill over the baseline, although the study's network was "
            f"a candidate; {chose}. The tasks concerned are not quoted outside this chapter.")


def nested_gap_verdict(title: str, gap: dict) -> str:
    """A structure label set's nested balanced accuracy minus the bands', with its interval and tests (chapter 08).

    ``gap`` is ``robustness.paired_gap``: the difference is called decided only when the
    t-interval excludes 0 and the sign-flip test gives p below its ``alpha``, with at least
    ``min_seeds`` seeds and no failed search.
    """
    n = gap["n_seeds"]
    text = (f"{title} minus colour bands: {gap['mean']:+.3f} ({100 * (1 - gap['alpha']):.0f} % t-interval over {n} seeds "
            f"{gap['lo']:+.3f} to {gap['hi']:+.3f}; higher in {gap['n_positive']} of {n} seeds; paired t "
            f"{_p(gap['p_t'])}, Wilcoxon {_p(gap['p_wilcoxon'])}, sign-flip {_p(gap['p_sign_flip'])} over "
            f"{gap['n_flips']} sign patterns)")
    if gap["failed_searches"]:
        return text + f"; not decided: {gap['failed_searches']} outer folds of these tasks failed their search."
    if n < gap["min_seeds"]:
        return (text + f"; not decided: with {n} seeds no sign-flip test can reach p < {gap['alpha']:g} "
                f"(at least {gap['min_seeds']} are needed).")
    significant = gap["p_sign_flip"] < gap["alpha"]
    if significant and gap["lo"] > 0:
        return text + "; easier to learn than the colour bands."
    if significant and gap["hi"] < 0:
        return text + "; harder to learn than the colour bands."
    if significant or gap["lo"] > 0 or gap["hi"] < 0:
        return text + "; borderline: the interval and the sign-flip test disagree."
    return text + "; not distinguishable from the colour bands."

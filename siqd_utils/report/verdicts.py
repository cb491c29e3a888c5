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
from .metrics import load_metrics

__all__ = ["CHAPTERS_USED", "NEAR_PERFECT", "PURE_SHARE", "Conclusion", "evaluate_conclusions", "load_chapter_metrics"]

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
#: The chapters whose metrics the conclusions read.
CHAPTERS_USED = ("01_data", "02_correlations", "03_structure_classes", "04_property_classes", "05_classification", "06_regression")


@dataclass(frozen=True)
class Conclusion:
    """One of the study's conclusions with our verdict and evidence."""

    number: int
    claim: str
    verdict: str
    evidence: str

    def to_dict(self) -> dict:
        return asdict(self)


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


def regression_vs_bands(regressor: dict, classifier: dict, n_test: int) -> dict:
    """Does reading the band off the regressor's wavelength beat the band classifier? (chapters 06 and 07)

    The decision is made on the cross-validated band accuracy over all dots (the same dots
    for both, and many more than a test set); the test-set accuracies are quoted beside it.

    Parameters
    ----------
    regressor, classifier : dict
        ``{"test": accuracy, "cv": accuracy}`` of each route to a band.
    n_test : int
        Test dots behind the regressor's test accuracy.

    Returns
    -------
    dict
        ``verdict`` ("beats", "level" or "worse") and ``sentence``.
    """
    r, c = float(regressor["cv"]), float(classifier["cv"])
    verdict = "beats" if r > c else "worse" if r < c else "level"
    reading = {"beats": "reading the band off the predicted wavelength **beats** learning the bands as classes",
               "worse": "learning the bands as classes does **better** than reading them off the predicted wavelength",
               "level": "the two routes are **level**"}[verdict]
    sentence = (f"In cross-validation over all dots the regressor puts {r:.1%} of the dots in the right band, against "
                f"{c:.1%} for the band classifier; on the {n_test} test dots, {regressor['test']:.1%} against "
                f"{classifier['test']:.1%} (different test sets): {reading}.")
    return {"verdict": verdict, "sentence": sentence}


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


def _scores_text(sc: dict, baseline: float) -> str:
    ba = sc["balanced_accuracy"]
    return (f"balanced accuracy {ba['test']:.3f} (test) and {ba['cv_mean']:.3f} ± {ba['cv_std']:.3f} (CV), "
            f"majority baseline {baseline:.3f}")


def evaluate_conclusions(m: dict[str, dict], paper: dict) -> list[Conclusion]:
    """The study's five conclusions, each tested on the chapters' metrics ``m``, six classes against six bands.

    ``m`` maps chapter names to their metrics ``values`` (:func:`load_chapter_metrics`);
    ``paper`` is :func:`siqd_utils.datasets.load_paper_results` (quoted beside ours).
    The structure classes of conclusions 1 and 2 are the ILS classes with as many classes as
    bands; the other structure label sets are quoted beside them.
    """
    pc, pb, pr = paper["classification"]["clusters"], paper["classification"]["bands"], paper["regression"]
    c3, c5, c6 = m["03_structure_classes"], m["05_classification"], m["06_regression"]
    tasks = c5["tasks"]
    ils, bands = tasks["ils"], tasks["bands"]
    base = {k: t["label_set"]["majority_baseline"] for k, t in tasks.items()}
    continuum = bool(c3.get("continuum", False))
    out = []

    sep = near_perfect(ils["scores"])
    note = (" ILS finds no more clusters than matched noise gives and the spanning tree has no gap (chapter 03), "
            "so these classes are cuts through a continuum, not discovered groups." if continuum else "")
    others = "; ".join(f"{t['label_set']['title']}: {_scores_text(t['scores'], base[k])}"
                       for k, t in tasks.items() if k not in ("bands", "ils"))
    out.append(Conclusion(
        1, "Structure classes (ILS) are separable from structure with near-perfect precision and recall.",
        _verdict(sep and not continuum, partly=sep),
        f"ILS structure classes ({ils['label_set']['k']}): {_scores_text(ils['scores'], base['ils'])} (paper: "
        f"accuracy test {pc['score_test']}, CV {pc['cv_mean']} ± {pc['cv_std']}); criterion {NEAR_PERFECT} on both.{note} "
        f"Other structure label sets: {others}."))

    purity = c3["spectral_purity"]["clusters"]
    ls = c3["label_sets"]["ils"]
    pure = [k for k, v in purity.items() if v["main_fraction"] >= PURE_SHARE]
    spans = [v["n_bands"] for v in purity.values()]
    chance = ls["chance_purity"]
    out.append(Conclusion(
        2, "Structure classes are not optically pure: each spans several colours.",
        _verdict(not pure and len(purity) > 0),
        f"The {_count(len(purity), 'ILS class', 'ILS classes')} cover {_band_span(spans)}; {_pure_text(len(pure))}; "
        f"overall purity {purity_reading(ls['purity'], chance['mean'], chance['sd'])}."))

    conf = c5["bands_errors"]
    worse = not easier_than_bands(bands["scores"], ils["scores"]) and \
        ils["scores"]["balanced_accuracy"]["cv_mean"] != bands["scores"]["balanced_accuracy"]["cv_mean"]
    adjacent = mostly_adjacent(conf)
    not_sep = not near_perfect(bands["scores"])
    out.append(Conclusion(
        3, "Colour bands are not separable as classes from structure; neighbouring bands are confused.",
        _verdict(worse and adjacent and not_sep, partly=worse or adjacent),
        f"Colour bands ({bands['label_set']['k']}): {_scores_text(bands['scores'], base['bands'])}, against "
        f"{ils['scores']['balanced_accuracy']['cv_mean']:.3f} (CV) for the ILS classes (paper: band accuracy CV "
        f"{pb['cv_mean']} ± {pb['cv_std']}); {conf['n_wrong']} cross-validated errors, {conf['adjacent_share']:.0%} "
        f"of them into a neighbouring band, {conf['study_pairs']} between the pairs the paper named "
        f"(violet/blue, orange/red)."))

    reg = c6["search_best"]
    precise = reg["cv_mean"] >= NEAR_PERFECT
    rvb = regression_vs_bands(c6["band_accuracy"], c6["band_classifier_accuracy"], c6["n_test"])
    out.append(Conclusion(
        4, "Structure predicts wavelength precisely by regression: a strong structure-property relation "
           "that is not class-shaped.",
        _verdict(precise and rvb["verdict"] == "beats", partly=precise),
        f"Regression R^2: train {reg['score_train']:.3f}, test {reg['score_test']:.3f}, cross-validated "
        f"{reg['cv_mean']:.3f} ± {reg['cv_std']:.3f} (paper {pr['r2_train']} / {pr['r2_test']} / {pr['cv_mean']} ± "
        f"{pr['cv_std']}); cross-validated RMSE {c6['rmse_nm']['search_best_cv']:.1f} nm. "
        + rvb["sentence"].replace("**", "")))

    supported = sum(c.verdict == "holds" for c in out[1:4])
    size = m.get("01_data", {}).get("size_law")
    size_note = ""
    if size:
        reading = ("so the facet part of the argument rests on a small effect in this ensemble"
                   if size["gain"] < SMALL_GAIN else "so the facets carry a measurable part of the colour here")
        size_note = (f" A size feature alone (n_Si or D) reaches a cross-validated R^2 of {size['r2_size_only']:.3f} "
                     f"for the wavelength against {size['r2_all_features']:.3f} for all retained features "
                     f"(chapter 01), {reading}.")
    out.append(Conclusion(
        5, "Shape-controlled synthesis for one colour must control size and all facets together; classes "
           "are not specific enough.",
        _verdict(supported == 3, partly=supported >= 2),
        f"Follows from conclusions 2-4, of which {'all three hold' if supported == 3 else _count(supported, 'holds', 'hold')} "
        f"fully here.{size_note}"))
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

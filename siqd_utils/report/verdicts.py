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

from .metrics import load_metrics

__all__ = ["CHAPTERS_USED", "NEAR_PERFECT", "PURE_SHARE", "Conclusion", "evaluate_conclusions", "load_chapter_metrics"]

NEAR_PERFECT = 0.95
PURE_SHARE = 0.90
#: The chapters whose metrics the conclusions read.
CHAPTERS_USED = ("02_correlations", "03_structure_classes", "04_property_classes", "05_classification", "06_regression")


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


def evaluate_conclusions(m: dict[str, dict], paper: dict) -> list[Conclusion]:
    """The study's five conclusions, each tested on the chapters' metrics ``m``.

    ``paper`` is :func:`siqd_utils.datasets.load_paper_results` (quoted beside ours).
    """
    pc, pb, pr = paper["classification"]["clusters"], paper["classification"]["bands"], paper["regression"]
    cls = m["05_classification"]
    cl, bd = cls["clusters"]["search_best"], cls["bands"]["search_best"]
    classes = m["03_structure_classes"].get("classes", {})
    forced = bool(classes.get("forced", False))
    k_auto = int(m["03_structure_classes"]["n_clusters"])
    out = []

    sep = cl["score_test"] >= NEAR_PERFECT and cl["cv_mean"] >= NEAR_PERFECT
    note = (f" These classes were forced: ILS itself finds {_count(k_auto, 'cluster', 'clusters')}, "
            "so they are segments of a continuum." if forced else "")
    out.append(Conclusion(
        1, "Structure classes (ILS) are separable from structure with near-perfect precision and recall.",
        _verdict(sep and not forced, partly=sep),
        f"Structure-class network: test accuracy {cl['score_test']:.3f}, cross-validated {cl['cv_mean']:.3f} "
        f"± {cl['cv_std']:.3f} (paper: test {pc['score_test']}, CV {pc['cv_mean']} ± {pc['cv_std']}).{note}"))

    purity = m["03_structure_classes"]["spectral_purity"]["clusters"]
    big = {k: v for k, v in purity.items() if v["size"] >= m["03_structure_classes"]["min_cluster_size"]}
    pure = [k for k, v in big.items() if v["main_fraction"] >= PURE_SHARE]
    spans = [v["n_bands"] for v in big.values()]
    out.append(Conclusion(
        2, "Structure classes are not optically pure: each spans several colours.",
        _verdict(not pure and len(big) > 0),
        f"The {_count(len(big), 'class', 'classes')} of at least p dots cover {_band_span(spans)}; "
        f"{_pure_text(len(pure))}; overall "
        f"{m['03_structure_classes']['spectral_purity']['overall']:.0%} of the dots lie in their class's commonest band."))

    conf = cls["bands"]["confusions_cv"]
    worse = bd["cv_mean"] < cl["cv_mean"]
    adjacent = conf["adjacent_share"] >= 0.8
    out.append(Conclusion(
        3, "Colour bands are not separable as classes from structure; neighbouring bands are confused.",
        _verdict(worse and adjacent and bd["cv_mean"] < NEAR_PERFECT, partly=worse or adjacent),
        f"Band network: test accuracy {bd['score_test']:.3f}, cross-validated {bd['cv_mean']:.3f} ± "
        f"{bd['cv_std']:.3f} against {cl['cv_mean']:.3f} for the structure classes (paper: bands CV "
        f"{pb['cv_mean']} ± {pb['cv_std']}); {conf['n_wrong']} cross-validated errors, {conf['adjacent_share']:.0%} of them into a "
        f"neighbouring band, {conf['study_pairs']} between the pairs the paper named (violet/blue, orange/red)."))

    reg = m["06_regression"]["search_best"]
    band_from_reg = m["06_regression"]["band_accuracy"]["cv"]
    precise = reg["cv_mean"] >= NEAR_PERFECT
    beats = band_from_reg >= bd["cv_mean"]
    out.append(Conclusion(
        4, "Structure predicts wavelength precisely by regression: a strong structure-property relation "
           "that is not class-shaped.",
        _verdict(precise and beats, partly=precise),
        f"Regression R^2: train {reg['score_train']:.3f}, test {reg['score_test']:.3f}, cross-validated "
        f"{reg['cv_mean']:.3f} ± {reg['cv_std']:.3f} (paper {pr['r2_train']} / {pr['r2_test']} / {pr['cv_mean']} ± "
        f"{pr['cv_std']}); cross-validated "
        f"RMSE {m['06_regression']['rmse_nm']['search_best_cv']:.1f} nm. Read as bands, the regressor's "
        f"cross-validated predictions are right for {band_from_reg:.3f} of the dots, the band classifier's "
        f"for {bd['cv_mean']:.3f}: predicting the wavelength and reading off the band "
        f"{'does at least as well as' if beats else 'does less well than'} learning the bands as classes."))

    supported = sum(c.verdict == "holds" for c in out[1:4])
    overlap = m["04_property_classes"].get("diameter_overlap_share", {})
    size_note = (f" In diameter alone, neighbouring bands share {min(overlap.values()):.0%}-{max(overlap.values()):.0%} "
                 "of their dots' range (chapter 04), so size sets most of the colour and facets the rest."
                 if overlap else "")
    out.append(Conclusion(
        5, "Shape-controlled synthesis for one colour must control size and all facets together; classes "
           "are not specific enough.",
        _verdict(supported == 3, partly=supported >= 2),
        f"Follows from conclusions 2-4, of which {'all three hold' if supported == 3 else _count(supported, 'holds', 'hold')} "
        f"fully here.{size_note}"))
    return out

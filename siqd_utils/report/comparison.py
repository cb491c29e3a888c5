"""The "Paper vs this book" page, written from the chapters' metrics files and the study's numbers.

The page is generated while the book is staged (never typed): :func:`comparison_markdown`
turns the metrics of one run (``<build>/metrics/<chapter>.json``) and the study's numbers
(``siqd_utils/paper_results.yml``) into MyST Markdown; :func:`write_comparison_page` reads
those files and writes the page.  Every number on the page is read from one of the two.

The tables are data: each :class:`Table` is a list of :class:`Row` (label, metric path,
paper path, tolerance), so a new metric is one line.  A metric missing from this run's
files is shown as "–" with a note under its table; the page is still written.  A cell
whose difference exceeds its tolerance is flagged with :data:`FLAG`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..bands import BANDS
from ..datasets import load_paper_results

__all__ = [
    "FLAG",
    "MISSING",
    "TABLES",
    "TOLERANCES",
    "Row",
    "Table",
    "Tolerance",
    "comparison_markdown",
    "conclusions_markdown",
    "load_run_metrics",
    "missing_metrics",
    "run_date",
    "write_comparison_page",
]

#: Shown in place of a number the run's metrics do not hold.
MISSING = "–"
#: Marks a difference beyond its row's tolerance.
FLAG = "⚠"


@dataclass(frozen=True)
class Tolerance:
    """How far this book may be from the paper before a cell is flagged.

    ``kind`` says how the difference is taken: ``"number"`` (this book minus paper),
    ``"share"`` (difference of the two shares of their totals, in percentage points)
    or ``"set"`` (the two lists must hold the same items).
    """

    limit: float
    text: str
    kind: str = "number"
    digits: int = 3


#: Every tolerance of the page, defined once; rows refer to them by name.
TOLERANCES: dict[str, Tolerance] = {
    "count": Tolerance(0, "equal", digits=0),
    "setting": Tolerance(0, "equal", digits=2),
    "diameter_nm": Tolerance(0.1, "±0.1 nm", digits=2),
    "share": Tolerance(5.0, "±5 points", kind="share", digits=1),
    "features": Tolerance(0, "same features", kind="set"),
    "class_report": Tolerance(0.10, "±0.10", digits=2),
    "accuracy": Tolerance(0.05, "±0.05"),
    "r2": Tolerance(0.01, "±0.01"),
}


def _ranked(k: int) -> Callable[[Any], Any]:
    """The k-th largest of a list of sizes (cluster numbering is arbitrary, so rank them)."""
    def pick(sizes):
        ordered = sorted((int(s) for s in sizes), reverse=True)
        return ordered[k] if k < len(ordered) else None
    pick.__name__ = f"ranked_{k}"
    return pick


@dataclass(frozen=True)
class Row:
    """One compared quantity.

    Parameters
    ----------
    label : str
        What the row shows.
    metric : str
        ``"<chapter>:<dotted path>"`` into that chapter's ``values`` (``"05_classification:bands.report.1.0"``;
        a number indexes a list or a mapping key).
    paper : str
        Dotted path into ``paper_results.yml``.
    tolerance : str
        A key of :data:`TOLERANCES`.
    metric_total, paper_total : str, optional
        For ``share`` rows: the totals the counts are shares of (same path syntax).
    metric_pick, paper_pick : callable, optional
        Applied to the value found at the path (e.g. the k-th largest size).
    dots, dots_pick : str and callable, optional
        For a share of a few test dots: the path (and pick) of their number.  The row's tolerance is
        then never finer than one of them (one dot moves such a share by 1 / dots).
    """

    label: str
    metric: str
    paper: str
    tolerance: str
    metric_total: str | None = None
    paper_total: str | None = None
    metric_pick: Callable[[Any], Any] | None = None
    paper_pick: Callable[[Any], Any] | None = None
    dots: str | None = None
    dots_pick: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Table:
    """A heading, why the two columns may differ, and the rows."""

    title: str
    why: str
    rows: Sequence[Row] = field(default_factory=tuple)


_BANDS = tuple(b.name for b in BANDS)
_LO, _HI = f"{BANDS[0].lo:g}", f"{BANDS[-1].hi:g}"
#: The study's structure classes (six); its colour bands are BANDS.
_N_CLUSTERS = len(load_paper_results()["clusters"]["sizes"])
_REPORT_COLUMNS = ("precision", "recall", "F1")


def _report_rows(task: str, paper_task: str, noun: str, n_classes: int, names: Sequence[str] | None = None) -> list[Row]:
    """Per-class rows matched by class number (the bands, whose numbers mean the same in both)."""
    rows = []
    for k in range(1, n_classes + 1):
        name = f"{noun} {k}" + (f" ({names[k - 1]})" if names else "")
        for i, column in enumerate(_REPORT_COLUMNS):
            rows.append(Row(f"{name}: {column}", f"05_classification:tasks.{task}.report.{k}.{i}",
                            f"classification.{paper_task}.report.{k}.{i}", "class_report",
                            dots=f"05_classification:tasks.{task}.test_counts.{k}"))
    return rows


def _by_size(k: int, column: int | None) -> Callable[[Any], Any]:
    """From one task's metrics (``class_counts``, ``test_counts``, ``report``): the class with the k-th
    largest size; its report ``column``, or (``None``) its number of test dots."""
    def pick(task):
        counts = task["class_counts"]
        ranked = sorted(counts, key=lambda c: (-int(counts[c]), str(c)))
        if k >= len(ranked):
            return None
        c = ranked[k]
        return task["test_counts"][c] if column is None else task["report"][c][column]
    pick.__name__ = f"by_size_{k}_{column}"
    return pick


def _paper_by_size(k: int, column: int) -> Callable[[Any], Any]:
    """The study's report row of its k-th largest class (its support column holds the whole class sizes)."""
    def pick(report):
        ranked = sorted(report, key=lambda c: (-float(report[c][3]), str(c)))
        return report[ranked[k]][column] if k < len(ranked) else None
    pick.__name__ = f"paper_by_size_{k}_{column}"
    return pick


def _report_rows_by_size(task: str, paper_task: str, n_classes: int) -> list[Row]:
    """Per-class rows matched by class size rank (cluster numbers are arbitrary on both sides)."""
    rows = []
    for k in range(n_classes):
        name = "largest class" if k == 0 else f"class ranked {k + 1} by size"
        for i, column in enumerate(_REPORT_COLUMNS):
            rows.append(Row(f"{name}: {column}", f"05_classification:tasks.{task}", f"classification.{paper_task}.report",
                            "class_report", metric_pick=_by_size(k, i), paper_pick=_paper_by_size(k, i),
                            dots=f"05_classification:tasks.{task}", dots_pick=_by_size(k, None)))
    return rows


def _sizes(value: Any) -> list:
    """Class sizes as a list, from a list or a ``{class: size}`` mapping."""
    return list(value.values()) if isinstance(value, Mapping) else list(value)


def _ranked_sizes(k: int) -> Callable[[Any], Any]:
    ranked = _ranked(k)

    def pick(value):
        return ranked(_sizes(value))
    pick.__name__ = f"ranked_sizes_{k}"
    return pick


def _score_rows(chapter: str, task: str | None, paper: str, train: str, test: str, tolerance: str) -> list[Row]:
    prefix = f"tasks.{task}." if task else ""
    rows = []
    for variant, label in (("search_best", "best of this book's search"), ("paper_params", "the study's hyper-parameters")):
        base = f"{chapter}:{prefix}{variant}"
        rows += [
            Row(f"train, {label}", f"{base}.score_train", f"{paper}.{train}", tolerance),
            Row(f"test, {label}", f"{base}.score_test", f"{paper}.{test}", tolerance),
            Row(f"cross-validation mean, {label}", f"{base}.cv_mean", f"{paper}.cv_mean", tolerance),
            Row(f"cross-validation spread (std), {label}", f"{base}.cv_std", f"{paper}.cv_std", tolerance),
        ]
    return rows


#: The page, table by table.  Metric keys follow siqd_utils.report.metrics; add a row per new key.
TABLES: tuple[Table, ...] = (
    Table(
        "Data set",
        "The book's ensemble is rebuilt from first principles (symmetric lattice cuts, tight-binding gaps, "
        "a Stokes-shift model; see [Data provenance](provenance.md)), not the CSIRO set the study used, so its size "
        "and range differ by construction.",
        (
            Row("structures", "01_data:n_structures", "dataset.n_structures", "count"),
            Row("smallest average diameter D (nm)", "01_data:D_min_nm", "dataset.diameter_nm.0", "diameter_nm"),
            Row("largest average diameter D (nm)", "01_data:D_max_nm", "dataset.diameter_nm.1", "diameter_nm"),
            Row(f"structures emitting below {_LO} nm (removed)", "04_property_classes:n_below_400nm", "dataset.n_below_400nm", "count"),
            Row(f"analysis set ({_LO}-{_HI} nm)", "04_property_classes:n_analysis_set", "dataset.n_after_outlier_removal", "count"),
        ),
    ),
    Table(
        "Features dropped by the correlation rule",
        "The rule is the study's (drop a feature correlated above the threshold with a more accessible one); "
        "it drops other features only where the reconstructed features correlate differently.",
        (
            Row("correlation threshold", "02_correlations:correlation_threshold", "features.correlation_threshold", "setting"),
            Row("dropped", "02_correlations:dropped", "features.dropped", "features"),
            Row("retained", "02_correlations:retained", "features.retained", "features"),
        ),
    ),
    Table(
        "Structure classes (Iterative Label Spreading)",
        "ILS finds as many clusters as there are gaps in the feature space; an ensemble that fills that space "
        "more evenly gives fewer (chapter 03 sets each count beside matched noise). The six-class ILS label set comes "
        "from the study's ILS procedure (chapter 03 says at which p, and whether six clusters had to be asked for); "
        "its sizes are compared as shares of the analysis set, largest first, because "
        "cluster numbers are arbitrary.",
        (
            Row("clusters found, the study's peak rule", "03_structure_classes:rules.study.n_clusters", "clusters.sizes",
                "count", paper_pick=len),
            Row("structure classes given to the classifiers", "03_structure_classes:label_sets.ils.k", "clusters.sizes",
                "count", paper_pick=len),
            *(Row(f"{'largest' if k == 0 else f'class ranked {k + 1} by size'}", "03_structure_classes:label_sets.ils.sizes",
                  "clusters.sizes", "share", metric_total="03_structure_classes:n_analysis_set",
                  paper_total="dataset.n_after_outlier_removal", metric_pick=_ranked_sizes(k), paper_pick=_ranked(k))
              for k in range(_N_CLUSTERS)),
        ),
    ),
    Table(
        "Colour bands (property classes)",
        "Band shares follow the emission wavelengths, which here come from tight-binding gaps and a Stokes-shift "
        "model whose colour scale was calibrated against the study's shares (see [Data provenance](provenance.md)); "
        "counts are compared as shares because the two analysis sets differ in size.",
        tuple(Row(band, f"04_property_classes:band_counts.{band}", f"bands.counts.{band}", "share",
                  metric_total="04_property_classes:n_analysis_set", paper_total="dataset.n_after_outlier_removal")
              for band in _BANDS),
    ),
    Table(
        "Colour-band classifier, per band (test split)",
        "Both reports are on a test split of about a fifth of the dots, so a band with a few test dots moves by "
        "one over their number with one error; the tolerance is never finer than that (the number of this "
        "book's test dots is shown with it). The study's support column lists whole band sizes, not test counts.",
        tuple(_report_rows("bands", "bands", "band", len(_BANDS), _BANDS)),
    ),
    Table(
        "Structure-class classifier, per class (test split)",
        "The classes are this run's own six ILS structure classes, not the study's six, so they are matched by size "
        "rank (largest with largest), not by their arbitrary numbers; class sizes differ between the two sets "
        "(the structure-classes table above), and a class with a few test dots moves by one over their number "
        "with one error, the tolerance shown.",
        tuple(_report_rows_by_size("ils", "clusters", _N_CLUSTERS)),
    ),
    Table(
        "Classification accuracy and cross-validation",
        "The study's scores come from a 5000-trial random search on its 297 dots; this book's from its own "
        "seeded search (fewer trials outside the paper profile) on a different, smaller ensemble, and from the "
        "study's hyper-parameters applied unchanged to that ensemble.",
        (
            *(Row(f"colour bands, {r.label}", r.metric, r.paper, r.tolerance)
              for r in _score_rows("05_classification", "bands", "classification.bands", "score_train", "score_test", "accuracy")),
            *(Row(f"structure classes, {r.label}", r.metric, r.paper, r.tolerance)
              for r in _score_rows("05_classification", "ils", "classification.clusters", "score_train", "score_test", "accuracy")),
        ),
    ),
    Table(
        "Beyond the paper: nested cross-validation (chapter 08)",
        "The study's cross-validation scores a network chosen on the same dots; chapter 08 chooses it inside each "
        "outer fold (nested cross-validation), with the study's own network among the candidates of every inner "
        "search, and repeats the whole protocol over several seeds. A task is quoted here only when chapter 08 "
        "counts no failed search for it and ran enough seeds for its tests to decide (its `sound_means`); "
        "otherwise its row shows no number.",
        (
            Row("colour bands, accuracy (nested, mean over seeds)", "08_robustness:sound_means.bands.accuracy",
                "classification.bands.cv_mean", "accuracy"),
            Row("ILS structure classes, accuracy (nested, mean over seeds)", "08_robustness:sound_means.ils.accuracy",
                "classification.clusters.cv_mean", "accuracy"),
            Row("wavelength, R² (nested, mean over seeds)", "08_robustness:sound_means.wavelength.r2",
                "regression.cv_mean", "r2"),
        ),
    ),
    Table(
        "Wavelength regression (R²)",
        "The wavelengths being predicted are the reconstruction's, with their own spread, so R² measures the "
        "fit to a different target; the search differs as for the classifiers.",
        tuple(_score_rows("06_regression", None, "regression", "r2_train", "r2_test", "r2")),
    ),
)


# ------------------------------------------------------------------------ lookups


class _Missing(Exception):
    pass


def _walk(value: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if isinstance(value, Mapping):
            if part in value:
                value = value[part]
            elif part.lstrip("-").isdigit() and int(part) in value:
                value = value[int(part)]
            else:
                raise _Missing
        elif isinstance(value, (list, tuple)) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            raise _Missing
    return value


def _metric(metrics: Mapping[str, Mapping], path: str) -> Any:
    chapter, _, dotted = path.partition(":")
    record = metrics.get(chapter)
    if not isinstance(record, Mapping):
        raise _Missing
    values = record.get("values", record)
    return _walk(values, dotted.split(".") if dotted else [])


def _paper(paper: Mapping, path: str) -> Any:
    return _walk(paper, path.split("."))


def _picked(value: Any, pick: Callable[[Any], Any] | None) -> Any:
    if pick is None:
        return value
    try:
        value = pick(value)
    except (KeyError, IndexError, TypeError, AttributeError):
        raise _Missing from None
    if value is None:
        raise _Missing
    return value


# --------------------------------------------------------------------- formatting


def _number(value: Any, digits: int) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and digits == 0):
        return f"{int(value)}"
    return f"{float(value):.{digits}f}"


def _signed(diff: float, digits: int, unit: str = "") -> str:
    if round(diff, digits) == 0:
        return f"0{unit}"
    text = f"{diff:+.{digits}f}".replace("-", "−")
    return text + unit


def _flagged(text: str, flag: bool) -> str:
    return f"**{text}** {FLAG}" if flag else text


def _names(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [str(k) for k in value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    raise _Missing


def row_tolerance(row: Row, metrics: Mapping[str, Mapping]) -> Tolerance:
    """The row's tolerance, widened to one test dot when the row is a share of a few test dots."""
    tol = TOLERANCES[row.tolerance]
    if row.dots is None:
        return tol
    try:
        n = int(_picked(_metric(metrics, row.dots), row.dots_pick))
    except (_Missing, TypeError, ValueError):
        return tol
    if n <= 0:
        return Tolerance(float("inf"), f"{tol.text} (no test dots)", tol.kind, tol.digits)
    limit = max(tol.limit, 1.0 / n)
    text = tol.text if limit == tol.limit else f"±{limit:.{tol.digits}f}"
    return Tolerance(limit, f"{text} ({n} test dots)", tol.kind, tol.digits)


def _cells(row: Row, metrics: Mapping[str, Mapping], paper: Mapping) -> tuple[str, str, str, list[str]]:
    """(paper, this book, difference) as text, and the paths that were missing."""
    tol = row_tolerance(row, metrics)
    missing: list[str] = []
    try:
        theirs = _picked(_paper(paper, row.paper), row.paper_pick)
        paper_total = _paper(paper, row.paper_total) if row.paper_total else None
    except _Missing:
        # paper_results.yml is ours and checked by the tests: a bad path is a bug, not a missing metric.
        raise KeyError(f"paper_results.yml has no {row.paper!r} (row {row.label!r})") from None
    try:
        ours = _picked(_metric(metrics, row.metric), row.metric_pick)
    except _Missing:
        ours = None
        missing.append(row.metric)
    ours_total = None
    if tol.kind == "share" and row.metric_total:
        try:
            ours_total = _metric(metrics, row.metric_total)
        except _Missing:
            missing.append(row.metric_total)

    if tol.kind == "set":
        paper_text = ", ".join(_names(theirs))
        if ours is None:
            return paper_text, MISSING, MISSING, missing
        try:
            mine = _names(ours)
        except _Missing:
            return paper_text, MISSING, MISSING, [row.metric]
        extra = [n for n in mine if n not in _names(theirs)]
        lacking = [n for n in _names(theirs) if n not in mine]
        diff = "same" if not extra and not lacking else "; ".join(
            filter(None, [f"also {', '.join(extra)}" if extra else "", f"not {', '.join(lacking)}" if lacking else ""]))
        return paper_text, ", ".join(mine), _flagged(diff, diff != "same"), missing

    if tol.kind == "share":
        paper_share = 100.0 * float(theirs) / float(paper_total)
        paper_text = f"{_number(theirs, 0)} ({paper_share:.1f} %)"
        if ours is None or ours_total in (None, 0):
            return paper_text, MISSING, MISSING, missing
        our_share = 100.0 * float(ours) / float(ours_total)
        diff = our_share - paper_share
        return (paper_text, f"{_number(ours, 0)} ({our_share:.1f} %)",
                _flagged(_signed(diff, tol.digits, " points"), abs(diff) > tol.limit), missing)

    paper_text = _number(theirs, tol.digits)
    if ours is None:
        return paper_text, MISSING, MISSING, missing
    if isinstance(ours, bool) or not isinstance(ours, (int, float)):
        return paper_text, MISSING, MISSING, [row.metric]
    diff = float(ours) - float(theirs)
    # Compare at the shown precision, so that a flagged cell never reads "0".
    beyond = round(abs(diff), tol.digits + 1) > tol.limit
    return paper_text, _number(ours, tol.digits), _flagged(_signed(diff, tol.digits), beyond), missing


def _where(metrics: Mapping[str, Mapping], paths: Sequence[str]) -> str:
    """Say briefly where each missing path stops: a missing file, a missing key, or too few items."""
    groups: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        chapter, _, dotted = path.partition(":")
        parts = dotted.split(".") if dotted else []
        record = metrics.get(chapter)
        if not isinstance(record, Mapping):
            groups.setdefault((chapter, ""), [])
            continue
        values = record.get("values", record)
        depth = 0
        while depth < len(parts):
            try:
                _walk(values, parts[: depth + 1])
            except _Missing:
                break
            depth += 1
        prefix, key = ".".join(parts[:depth]), (parts[depth] if depth < len(parts) else "")
        keys = groups.setdefault((chapter, prefix), [])
        if key not in keys:
            keys.append(key)
    out = []
    for (chapter, prefix), keys in groups.items():
        if not prefix and not keys:
            out.append(f"`{chapter}.json` is missing or unreadable")
        elif keys == [""]:
            out.append(f"`{prefix}` in `{chapter}.json` holds fewer items than the study's")
        elif prefix:
            out.append(f"`{prefix}` in `{chapter}.json` has no {', '.join(f'`{k}`' for k in keys)}")
        else:
            out.append(f"`{chapter}.json` has no {', '.join(f'`{k}`' for k in keys)}")
    return "; ".join(out)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _table_markdown(table: Table, metrics: Mapping[str, Mapping], paper: Mapping) -> tuple[list[str], int, int]:
    lines = [f"## {table.title}", "", table.why, "",
             "| quantity | paper | this book | difference | tolerance |", "|---|---|---|---|---|"]
    missing: list[str] = []
    flagged = absent = 0
    for row in table.rows:
        theirs, ours, diff, lost = _cells(row, metrics, paper)
        missing += [m for m in lost if m not in missing]
        flagged += FLAG in diff
        absent += ours == MISSING
        lines.append("| " + " | ".join(_escape(c) for c in (row.label, theirs, ours, diff,
                                                             row_tolerance(row, metrics).text)) + " |")
    lines.append("")
    if missing:
        lines += [f"{MISSING}: not in this run's metrics: {_where(metrics, missing)}.", ""]
    return lines, flagged, absent


def conclusions_markdown(metrics: Mapping[str, Mapping]) -> list[str]:
    """The study's conclusions as the conclusions chapter decided them, quoted word for word from its metrics
    (``07_conclusions.json``: each conclusion's ``statement``, made once by :mod:`siqd_utils.report.verdicts`),
    each followed by what the design chapter's conformal intervals and sets add to it (``09_design.json``:
    ``conclusions``, made once by :mod:`siqd_utils.report.design_verdicts`), when they bear on it."""
    lines = ["## The study's conclusions", "",
             "Each verdict is quoted from the conclusions chapter, which decides it once from the metrics below.", ""]
    record = metrics.get("07_conclusions")
    values = record.get("values", record) if isinstance(record, Mapping) else None
    found = values.get("conclusions") if isinstance(values, Mapping) else None
    if not isinstance(found, list) or not all(isinstance(c, Mapping) and "statement" in c for c in found):
        return lines + [f"{MISSING}: not in this run's metrics: `07_conclusions.json` is missing or has no statements.", ""]
    # the design chapter (09) runs after the conclusions chapter; what it adds to a conclusion is quoted from its metrics
    design = metrics.get("09_design")
    design = design.get("values", design) if isinstance(design, Mapping) else {}
    adds = design.get("conclusions", {}) if isinstance(design, Mapping) else {}
    for c in found:
        lines.append(f"{c['number']}. {c['statement']}")
        if str(c["number"]) in adds:
            lines.append(f"   With calibrated uncertainty (chapter 09): {adds[str(c['number'])]}")
    return lines + [""]


def comparison_markdown(metrics: dict[str, dict], paper: dict, *, profile: str, date: str,
                        tables: Sequence[Table] = TABLES) -> str:
    """The comparison page as MyST Markdown.

    Parameters
    ----------
    metrics : dict
        Chapter name -> metrics record (as written by :func:`siqd_utils.report.metrics.write_metrics`,
        or just its ``values``).  Missing chapters or keys are shown as "–" with a note.
    paper : dict
        The study's numbers (:func:`siqd_utils.datasets.load_paper_results`).
    profile : str
        The parameter profile of the run.
    date : str
        When the run's chapters were executed.
    tables : sequence of Table, default=TABLES

    Returns
    -------
    str
        The page; the same inputs give the same text.
    """
    body: list[str] = []
    n_flagged = n_missing = 0
    for table in tables:
        lines, flagged, missing = _table_markdown(table, metrics, paper)
        body += lines
        n_flagged += flagged
        n_missing += missing
    shas = sorted({str(r.get("data_sha256")) for r in metrics.values() if isinstance(r, Mapping) and r.get("data_sha256")})
    if len(shas) == 1:
        data = f"data SHA-256 `{shas[0][:12]}…`"
    elif shas:
        data = f"**{len(shas)} different data checksums across the chapters** {FLAG}"
    else:
        data = "data checksum not recorded"
    reference = paper.get("reference", "the study")
    head = [
        "# Paper vs this book",
        "",
        f"Each table sets a number reported by {reference} beside the same quantity computed in this build. "
        "This page is generated when the book is built, from the chapters' metrics files "
        "(`_build/metrics/*.json`) and the study's numbers (`siqd_utils/paper_results.yml`); nothing on it is typed.",
        "",
        f"Run: profile `{profile}`, chapters executed {date}, {data}. "
        f"Differences beyond their tolerance: {n_flagged}, marked **bold** {FLAG}. "
        f"Quantities not in this run's metrics: {n_missing}, shown as {MISSING}.",
        "",
        "Differences are this book minus the paper; shares are percentages of each analysis set, and their "
        "differences are in percentage points. Tolerances are the project's choices for when a gap is worth "
        "a reader's attention, not statistical tests.",
        "",
    ]
    return "\n".join(head + conclusions_markdown(metrics) + body).rstrip() + "\n"


# -------------------------------------------------------------------------- files


def load_run_metrics(metrics_dir: Path) -> dict[str, dict]:
    """Every readable ``<chapter>.json`` in ``metrics_dir``; unreadable files are left out (the page shows "–")."""
    out: dict[str, dict] = {}
    for path in sorted(Path(metrics_dir).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict):
            out[path.stem] = record
    return out


def run_date(executed_dir: Path) -> str:
    """The latest finishing time recorded by the runner for the chapters (``<chapter>.json`` stamps)."""
    stamps = []
    for path in Path(executed_dir).glob("*.json"):
        try:
            finished = json.loads(path.read_text(encoding="utf-8")).get("finished")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(finished, str) and len(finished) >= 16:
            stamps.append(finished)
    if not stamps:
        return "(no record of when)"
    latest = max(stamps)
    return f"{latest[:10]} {latest[11:16]}"


def missing_metrics(metrics: Mapping[str, Mapping], tables: Sequence[Table] = TABLES) -> list[str]:
    """The metric paths of the tables that this run's metrics do not hold (for the build log).

    A path that exists but holds fewer items than a row asks for (fewer clusters than the
    study's) is not listed: the page shows that row as missing and says why.
    """
    lost: list[str] = []
    for table in tables:
        for row in table.rows:
            for path in filter(None, (row.metric, row.metric_total)):
                try:
                    _metric(metrics, path)
                except _Missing:
                    if path not in lost:
                        lost.append(path)
    return lost


def write_comparison_page(page: Path, build_dir: Path, *, profile: str, paper: dict | None = None) -> list[str]:
    """Write the page from ``<build_dir>/metrics`` and ``<build_dir>/executed``; return the missing metric paths."""
    if paper is None:
        paper = load_paper_results()
    metrics = load_run_metrics(Path(build_dir) / "metrics")
    text = comparison_markdown(metrics, paper, profile=profile, date=run_date(Path(build_dir) / "executed"))
    write_text_atomic(Path(page), text)
    return missing_metrics(metrics)

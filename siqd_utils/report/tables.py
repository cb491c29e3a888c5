"""Tables the chapters show and export, and the atomic writers for them.

Every function returns a :class:`pandas.DataFrame` built from data or results computed
elsewhere; none reads files.  :func:`write_csv` and :func:`write_json` write exports
atomically (:mod:`siqd_utils.atomic`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import write_text_atomic
from ..datasets import COLUMNS, STUDY, facet_families

__all__ = ["sequence_text", "styler_text", "headline_table", "label_set_comparison", "optimism_table", "band_table", "quartiles_by_class", "beside_paper", "comparison_with_study", "shape_counts", "summary_statistics", "write_csv", "write_json"]

_UNITS = {c.name: c.unit for c in COLUMNS}


def sequence_text(values) -> str:
    """A sequence as a reader writes it in a table: ``(16, 135, 86)`` -> ``16, 135, 86``."""
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        return str(values)
    return ", ".join(str(v) for v in values)


#: Characters per line of a table's plain-text form: what a printed page's code block holds.
TEXT_WIDTH = 78


def styler_text(styler, width: int = TEXT_WIDTH) -> str:
    """A pandas ``Styler`` as aligned plain text, its formats and hidden index applied.

    Pages show a styled table as HTML; a printed book (LaTeX) and a terminal show the plain-text
    form, which for a ``Styler`` is otherwise only ``<pandas.io.formats.style.Styler at 0x...>``.
    A table wider than ``width`` characters is cut into blocks of whole columns, each repeating
    the index, as pandas prints a wide frame (a line longer than the page would be broken
    mid-cell in the PDF).
    """
    rows = [line.split("\t") for line in styler.to_string(delimiter="\t").splitlines()]
    if not rows:
        return ""
    n = max(len(r) for r in rows)
    rows = [r + [""] * (n - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(n)]
    index = sum(not hidden for hidden in styler.hide_index_)  # leading columns that name the rows
    head = sum(widths[:index]) + 2 * index  # the index and its separators, in every block
    blocks, current, used = [], [], head
    for i in range(index, n):
        if current and used + widths[i] > width:
            blocks.append(current)
            current, used = [], head
        current.append(i)
        used += widths[i] + 2
    blocks.append(current)

    def lines(columns):
        keep = [*range(index), *columns]
        return ["  ".join(r[i].rjust(widths[i]) for i in keep).rstrip() for r in rows]

    return "\n\n".join("\n".join(lines(block)) for block in blocks)


def shape_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Count the dots per shape name, grouped by how many facet families the shape has.

    Returns
    -------
    pandas.DataFrame
        Columns ``facet families``, ``shape``, ``dots``, ``share (%)``, ``D range (nm)``;
        sorted by number of families, then by count (descending).
    """
    fam = facet_families(frame)
    grouped = frame.assign(_fam=fam).groupby(["_fam", "shape"], sort=False)
    table = grouped.agg(dots=("id", "size"), D_min=("D", "min"), D_max=("D", "max")).reset_index()
    table["share (%)"] = 100.0 * table["dots"] / len(frame)
    table["D range (nm)"] = [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(table["D_min"], table["D_max"])]
    table = table.rename(columns={"_fam": "facet families"})
    table = table.sort_values(["facet families", "dots", "shape"], ascending=[True, False, True])
    return table[["facet families", "shape", "dots", "share (%)", "D range (nm)"]].reset_index(drop=True)


def summary_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Count, mean, spread and range of every numeric column, with its unit."""
    numeric = frame.select_dtypes("number")
    stats = numeric.describe().T
    stats.insert(0, "unit", [_UNITS.get(c, "") or "–" for c in stats.index])
    stats["count"] = stats["count"].astype(int)
    return stats.rename(columns={"50%": "median"})


def comparison_with_study(frame: pd.DataFrame) -> pd.DataFrame:
    """Side-by-side headline numbers: the study's CSIRO data set and this ensemble."""
    cut = STUDY["wavelength_cut_nm"]
    fam = facet_families(frame)
    rows = [
        ("structures", STUDY["n_structures"], len(frame)),
        ("smallest average diameter (nm)", STUDY["D_min_nm"], round(float(frame["D"].min()), 2)),
        ("largest average diameter (nm)", STUDY["D_max_nm"], round(float(frame["D"].max()), 2)),
        ("most facet families on one dot", STUDY["max_facet_families"], int(fam.max())),
        (f"structures emitting at ≥ {cut:g} nm", STUDY["n_after_cut"], int((frame["wavelength_nm"] >= cut).sum())),
    ]
    def fmt(value) -> str:
        return f"{value:.2f}" if isinstance(value, float) and not float(value).is_integer() else f"{value:g}"

    table = pd.DataFrame(
        [(q, fmt(a), fmt(b)) for q, a, b in rows],
        columns=["quantity", "CSIRO set (Parker & Barnard 2021)", "this book's ensemble"],
    )
    return table.set_index("quantity")


def beside_paper(ours: Mapping, paper: Mapping, *, key_name: str = "class",
                 ours_name: str = "this book", paper_name: str = "paper") -> pd.DataFrame:
    """Two count columns side by side, with shares (%) and a total row.

    Parameters
    ----------
    ours, paper : mapping
        Counts by class (same keys; a key missing on one side shows as 0).
    key_name : str
        Name of the first column.

    Returns
    -------
    pandas.DataFrame
        Columns: ``key_name``, ``ours_name``, ``ours_name (%)``, ``paper_name``,
        ``paper_name (%)``; the last row is the total.
    """
    keys = list(dict.fromkeys([*ours.keys(), *paper.keys()]))
    a = np.array([int(ours.get(k, 0)) for k in keys])
    b = np.array([int(paper.get(k, 0)) for k in keys])
    table = pd.DataFrame({
        key_name: [str(k) for k in keys] + ["total"],
        ours_name: np.r_[a, a.sum()],
        f"{ours_name} (%)": np.r_[100 * a / max(a.sum(), 1), 100.0],
        paper_name: np.r_[b, b.sum()],
        f"{paper_name} (%)": np.r_[100 * b / max(b.sum(), 1), 100.0],
    })
    return table


def write_csv(frame: pd.DataFrame, path: Path | str, **kwargs) -> Path:
    """Write a table to CSV atomically; return the path."""
    path = Path(path)
    write_text_atomic(path, frame.to_csv(**kwargs))
    return path


def write_json(data: Mapping, path: Path | str) -> Path:
    """Write a mapping as indented JSON atomically; return the path."""
    path = Path(path)
    write_text_atomic(path, json.dumps(dict(data), indent=2, sort_keys=True, default=float) + "\n")
    return path



def band_table() -> pd.DataFrame:
    """The six colour bands: number, colour, edges and width (nm)."""
    from ..bands import BANDS

    return pd.DataFrame([{"band": b.number, "colour": b.name, "from (nm)": b.lo, "to (nm)": b.hi,
                          "width (nm)": b.hi - b.lo} for b in BANDS])


def quartiles_by_class(frame: pd.DataFrame, columns, classes, order=None) -> pd.DataFrame:
    """Median and quartiles of each column per class, as text ``"median [q1, q3]"``.

    ``classes`` labels each row of ``frame``; ``order`` lists the classes in display
    order (default: sorted); classes without rows are left out.
    """
    def fmt(x):
        q1, q2, q3 = np.percentile(x, [25, 50, 75])
        return f"{q2:.3g} [{q1:.3g}, {q3:.3g}]"

    classes = np.asarray(classes)
    table = frame[list(columns)].groupby(classes, sort=True).agg(fmt)
    if order is not None:
        table = table.reindex([c for c in order if c in set(classes.tolist())])
    return table


def headline_table(m: Mapping[str, dict], paper: Mapping) -> pd.DataFrame:
    """The book's headline numbers beside the study's (chapter 07), from the chapters' metrics ``m``."""
    c2, c3, c4, c5, c6 = (m[k] for k in ("02_correlations", "03_structure_classes", "04_property_classes",
                                         "05_classification", "06_regression"))
    pc, pb, pr = paper["classification"]["clusters"], paper["classification"]["bands"], paper["regression"]

    def ours(task):
        from .stats import score_interval
        a = task["scores"]["accuracy"]
        ci = score_interval(a["test"], task["n_test"])
        return (f"accuracy {a['train']:.3f} / {a['test']:.3f} [{ci['lo']:.2f}, {ci['hi']:.2f}] / {a['cv_mean']:.3f} "
                f"± {a['cv_std']:.3f} (fold sd); majority baseline {task['label_set']['majority_baseline']:.3f}")

    def theirs(d, train="score_train", test="score_test"):
        return f"accuracy {d[train]} / {d[test]} / {d['cv_mean']} ± {d['cv_std']}"

    rules = c3["rules"]
    rows = [
        ("structures in the data set", c4["n_structures"], paper["dataset"]["n_structures"]),
        ("removed outside 400-750 nm", c4["n_outliers"], paper["dataset"]["n_below_400nm"]),
        ("features dropped (|r| > 0.9)", ", ".join(sorted(c2["dropped"])), ", ".join(sorted(paper["features"]["dropped"]))),
        (f"ILS clusters at p = {c3['min_cluster_size']}: study rule / significance rule",
         f"{rules['study']['n_clusters']} / {rules['significance']['n_clusters']}", len(paper["clusters"]["sizes"])),
        ("ILS structure classes (k = 6)", ", ".join(map(str, c3["label_sets"]["ils"]["sizes"].values())),
         ", ".join(map(str, paper["clusters"]["sizes"]))),
        ("band counts violet..red", ", ".join(str(c4["band_counts"][b]) for b in paper["bands"]["counts"]),
         ", ".join(str(v) for v in paper["bands"]["counts"].values())),
        ("colour bands: train / test / CV", ours(c5["tasks"]["bands"]), theirs(pb)),
        ("ILS structure classes: train / test / CV", ours(c5["tasks"]["ils"]), theirs(pc)),
    ]
    rows += [(f"{t['label_set']['title']}: train / test / CV", ours(t), "–")
             for k, t in c5["tasks"].items() if k not in ("bands", "ils")]
    reg = c6["search_best"]
    rows.append(("wavelength: R² train / test / CV",
                 f"{reg['score_train']:.3f} / {reg['score_test']:.3f} / {reg['cv_mean']:.3f} ± {reg['cv_std']:.3f}",
                 f"{pr['r2_train']} / {pr['r2_test']} / {pr['cv_mean']} ± {pr['cv_std']}"))
    return pd.DataFrame(rows, columns=["quantity", "this book", "paper"]).astype(str)


def label_set_comparison(m: Mapping[str, dict]) -> pd.DataFrame:
    """Every label set of chapter 05 on equal terms (chapter 07): classes, baseline, scores, purity beside chance.

    Accuracy stands beside the majority baseline (an accuracy), balanced accuracy beside chance
    (1 / classes); the test accuracy carries its Wilson interval and test-dot count, each CV mean its
    standard error and fold spread; the study's hyper-parameters are scored beside the searched network.
    """
    from .stats import interval_text, score_interval
    from .verdicts import FALL_SHORT

    rows = {}
    for task in m["05_classification"]["tasks"].values():
        ls, sc, ps = task["label_set"], task["scores"], task.get("paper_scores")
        k = len(task["search_best"]["cv_scores"])

        def cv(s, name):
            return f"{s[name]['cv_mean']:.3f} ± {s[name]['cv_std'] / (k - 1) ** 0.5:.3f} (sd {s[name]['cv_std']:.3f})"
        row = {
            "classes": ls["k"], "majority baseline (accuracy)": f"{ls['majority_baseline']:.3f}",
            "accuracy, test [95 % Wilson]": interval_text(score_interval(sc["accuracy"]["test"], task["n_test"])),
            "accuracy, CV ± s.e.": cv(sc, "accuracy"),
            "chance (balanced)": f"{1 / sc['n_classes']:.3f}",
            "balanced accuracy, test / CV ± s.e.": f"{sc['balanced_accuracy']['test']:.3f} / {cv(sc, 'balanced_accuracy')}",
        }
        if ps is not None:
            short = sc["balanced_accuracy"]["cv_mean"] - ps["balanced_accuracy"]["cv_mean"] > FALL_SHORT
            row["study's hyper-parameters: accuracy / balanced, CV"] = (
                f"{ps['accuracy']['cv_mean']:.3f} / {ps['balanced_accuracy']['cv_mean']:.3f}"
                + (f" (falls short; train accuracy {ps['accuracy']['train']:.3f})" if short else ""))
        row["purity (chance)"] = (f"{ls['purity']:.2f} ({ls['chance_purity']['mean']:.2f} ± "
                                  f"{ls['chance_purity']['sd']:.2f})")
        rows[ls["title"]] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "label set"
    return table


def optimism_table(m: Mapping[str, dict]) -> pd.DataFrame:
    """For each search: the CV score that chose the network, the evaluation CV over all dots, and the test split.

    The first is taken on the training split only and maximised over the candidates, so it tends to be
    optimistic; the other two take no part in the choice (chapters 05 and 06; accuracy, R^2 for the wavelength).
    """
    from .stats import interval_text, score_interval

    rows = {}
    for task in m["05_classification"]["tasks"].values():
        search, best = task["search"], task["search_best"]
        rows[task["label_set"]["title"] + " (accuracy)"] = {
            "search CV (chose the network)": f"{search['cv_mean']:.3f}",
            "evaluation CV, all dots": f"{best['cv_mean']:.3f}",
            "test split": interval_text(score_interval(best["score_test"], task["n_test"])),
            "trials": search["n_trials"]}
    reg = m.get("06_regression")
    if reg:
        rows["wavelength (R²)"] = {"search CV (chose the network)": f"{reg['search']['cv_mean']:.3f}",
                                   "evaluation CV, all dots": f"{reg['search_best']['cv_mean']:.3f}",
                                   "test split": f"{reg['search_best']['score_test']:.3f} ({reg['n_test']} dots)",
                                   "trials": reg["search"]["n_trials"]}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "search"
    return table

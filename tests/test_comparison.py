"""The "Paper vs this book" page: generated from metrics files, flags, missing values, the build hook."""

from __future__ import annotations

import copy
import json
import re

import pytest

from siqd_utils.datasets import load_paper_results
from siqd_utils.report import comparison as cmp

PAPER = load_paper_results()


def synthetic_metrics() -> dict[str, dict]:
    """Metrics of an imaginary run that reproduces the paper exactly (built from the paper's numbers)."""
    c, r, ds = PAPER["classification"], PAPER["regression"], PAPER["dataset"]

    def scores(block, train, test):
        return {"score_train": block[train], "score_test": block[test], "cv_mean": block["cv_mean"], "cv_std": block["cv_std"]}

    def task(name):
        block = c[name]
        return {"report": {str(k): v for k, v in block["report"].items()},
                "class_counts": {str(k): v[3] for k, v in block["report"].items()},
                "test_counts": {str(k): max(1, v[3] // 5) for k, v in block["report"].items()},
                "search_best": scores(block, "score_train", "score_test"),
                "paper_params": scores(block, "score_train", "score_test")}

    values = {
        "01_data": {"n_structures": ds["n_structures"], "D_min_nm": ds["diameter_nm"][0], "D_max_nm": ds["diameter_nm"][1]},
        "02_correlations": {"correlation_threshold": PAPER["features"]["correlation_threshold"],
                            "dropped": {f: {"kept": "D"} for f in PAPER["features"]["dropped"]},
                            "retained": list(PAPER["features"]["retained"])},
        "03_structure_classes": {"rules": {rule: {"n_clusters": len(PAPER["clusters"]["sizes"])}
                                           for rule in ("study", "significance")},
                                 "label_sets": {"ils": {"k": len(PAPER["clusters"]["sizes"]),
                                                        "sizes": {str(i + 1): n for i, n in
                                                                  enumerate(reversed(PAPER["clusters"]["sizes"]))}}},
                                 "n_analysis_set": ds["n_after_outlier_removal"]},
        "04_property_classes": {"n_below_400nm": ds["n_below_400nm"], "n_analysis_set": ds["n_after_outlier_removal"],
                                "band_counts": dict(PAPER["bands"]["counts"])},
        "05_classification": {"tasks": {"bands": task("bands"), "ils": task("clusters")}},
        "06_regression": {"search_best": scores(r, "r2_train", "r2_test"), "paper_params": scores(r, "r2_train", "r2_test")},
        "08_robustness": {"sound_means": {"bands": {"accuracy": c["bands"]["cv_mean"]},
                                          "ils": {"accuracy": c["clusters"]["cv_mean"]},
                                          "wavelength": {"r2": r["cv_mean"]}}},
    }
    return {ch: {"chapter": ch, "data_sha256": "ab" * 32, "values": v} for ch, v in values.items()}


def write_run(build) -> None:
    """The synthetic metrics as files, the way the chapters lay them out (``<build>/metrics/<chapter>.json``)."""
    (build / "metrics").mkdir(parents=True)
    for chapter, record in synthetic_metrics().items():
        (build / "metrics" / f"{chapter}.json").write_text(json.dumps(record), encoding="utf-8")


def page(metrics, **kw) -> str:
    return cmp.comparison_markdown(metrics, PAPER, profile=kw.get("profile", "quick"), date=kw.get("date", "2026-01-02 03:04"))


def row_line(text: str, label: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.startswith(f"| {label} |")]
    assert len(lines) == 1, f"row {label!r}: {lines}"
    return lines[0]


def test_every_paper_path_exists_and_every_row_names_a_known_tolerance():
    for table in cmp.TABLES:
        assert table.why.strip(), f"table {table.title!r} says why the columns may differ"
        for row in table.rows:
            assert row.tolerance in cmp.TOLERANCES, row
            for path in filter(None, (row.paper, row.paper_total)):
                cmp._paper(PAPER, path)  # raises if paper_results.yml has no such number


def test_a_run_equal_to_the_paper_has_no_flag_and_nothing_missing():
    text = page(synthetic_metrics())
    assert cmp.FLAG not in text.split("## Data set", 1)[1]
    assert cmp.MISSING not in text.split("## Data set", 1)[1]
    assert "Differences beyond their tolerance: 0" in text and "Quantities not in this run's metrics: 0" in text
    assert "profile `quick`" in text and "2026-01-02 03:04" in text and "abababababab" in text
    # one table per result, each with its sentence
    assert text.count("\n## ") == len(cmp.TABLES) + 1  # the tables and the conclusions quoted
    assert "| dropped | n_Si, n_H, n_coord | n_Si, n_H, n_coord | same |" in text


def test_changing_one_metric_changes_the_page_and_flags_the_cell():
    metrics = synthetic_metrics()
    before = page(metrics)
    changed = copy.deepcopy(metrics)
    changed["05_classification"]["values"]["tasks"]["bands"]["search_best"]["score_test"] = 0.800
    after = page(changed)
    assert after != before
    line = row_line(after, "colour bands, test, best of this book's search")
    assert "| 0.933 | 0.800 | **−0.133** ⚠ | ±0.05 |" in line
    assert "Differences beyond their tolerance: 1" in after
    # within the tolerance: the number changes, no flag
    changed["05_classification"]["values"]["tasks"]["bands"]["search_best"]["score_test"] = 0.913
    line = row_line(page(changed), "colour bands, test, best of this book's search")
    assert "| 0.933 | 0.913 | −0.020 | ±0.05 |" in line


def test_shares_are_compared_in_points_of_each_analysis_set():
    metrics = synthetic_metrics()
    values = metrics["04_property_classes"]["values"]
    values["n_analysis_set"] = 200
    values["band_counts"] = {**values["band_counts"], "red": 100}   # 50 % against the paper's 108/297 = 36.4 %
    line = row_line(page(metrics), "red")
    assert "| 108 (36.4 %) | 100 (50.0 %) | **+13.6 points** ⚠ | ±5 points |" in line


def test_feature_lists_flag_what_differs():
    metrics = synthetic_metrics()
    metrics["02_correlations"]["values"]["dropped"] = {"n_Si": {}, "f113": {}}
    line = row_line(page(metrics), "dropped")
    assert "**also f113; not n_H, n_coord** ⚠" in line


def test_missing_metrics_show_a_dash_and_a_note_and_never_crash():
    metrics = synthetic_metrics()
    del metrics["06_regression"]
    del metrics["05_classification"]["values"]["tasks"]["bands"]["report"]["6"]
    metrics["03_structure_classes"]["values"]["label_sets"]["ils"]["sizes"] = {"1": 200, "2": 97}
    text = page(metrics)
    assert "| train, best of this book's search | 0.997 | – | – | ±0.01 |" in text
    assert "`06_regression.json` is missing or unreadable" in text
    assert "`tasks.bands.report` in `05_classification.json` has no `6`" in text
    assert "`label_sets.ils.sizes` in `03_structure_classes.json` holds fewer items than the study's" in text
    assert row_line(text, "class ranked 3 by size").count("–") == 2
    assert "06_regression:search_best.score_train" in cmp.missing_metrics(metrics)
    # nothing at all: still a page, every value missing
    empty = page({})
    assert empty.startswith("# Paper vs this book") and "data checksum not recorded" in empty
    assert cmp.FLAG not in empty.split("## Data set", 1)[1]


def test_a_value_of_the_wrong_type_is_shown_as_missing():
    metrics = synthetic_metrics()
    metrics["01_data"]["values"]["n_structures"] = "many"
    assert "| structures | 303 | – | – | equal |" in page(metrics)


def test_different_data_checksums_across_chapters_are_flagged():
    metrics = synthetic_metrics()
    metrics["01_data"]["data_sha256"] = "cd" * 32
    assert "2 different data checksums across the chapters" in page(metrics)


def test_same_inputs_same_page():
    assert page(synthetic_metrics()) == page(synthetic_metrics())


def test_a_bad_paper_path_is_an_error_not_a_dash():
    table = cmp.Table("t", "why", (cmp.Row("x", "01_data:n_structures", "dataset.no_such_number", "count"),))
    with pytest.raises(KeyError, match="no_such_number"):
        cmp.comparison_markdown(synthetic_metrics(), PAPER, profile="p", date="d", tables=(table,))


def test_write_comparison_page_reads_the_build_folder(tmp_path):
    build = tmp_path / "_build"
    write_run(build)
    (build / "metrics" / "07_conclusions.json").write_text("{ not json")      # unreadable: left out, no crash
    (build / "executed").mkdir(parents=True)
    (build / "executed" / "01_data.json").write_text(json.dumps({"finished": "2026-03-04T05:06:07+0000"}))
    (build / "executed" / "06_regression.json").write_text(json.dumps({"finished": "2026-03-04T09:10:11+0000"}))
    out = tmp_path / "stage" / "book" / "comparison.md"
    missing = cmp.write_comparison_page(out, build, profile="paper")
    text = out.read_text(encoding="utf-8")
    assert "profile `paper`, chapters executed 2026-03-04 09:10" in text
    assert missing == []
    first = text
    record = json.loads((build / "metrics" / "06_regression.json").read_text())
    record["values"]["search_best"]["score_test"] = 0.5
    (build / "metrics" / "06_regression.json").write_text(json.dumps(record))
    cmp.write_comparison_page(out, build, profile="paper")
    assert out.read_text(encoding="utf-8") != first
    assert re.search(r"\| test, best of this book's search \| 0\.996 \| 0\.500 \| \*\*−0\.496\*\* ⚠", out.read_text(encoding="utf-8"))


def test_the_runner_stages_the_page_and_the_myst_sources(tmp_path):
    from siqd_utils import book
    from siqd_utils.book.publish import MYST_DIR, MYST_URL, stage_reader_pages

    build = tmp_path / "_build"
    write_run(build)
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "_toc.yml").write_text((book.REPO_ROOT / "_toc.yml").read_text())
    stage_reader_pages(book.REPO_ROOT, stage, build, profile="standard", log=lambda *a: None)
    assert "profile `standard`" in (stage / "book" / "comparison.md").read_text(encoding="utf-8")
    for chapter in book.chapters(book.Layout(book.REPO_ROOT)):
        copy_ = stage / MYST_DIR / MYST_URL / "notebooks" / f"{chapter.name}.md"
        assert copy_.read_bytes() == chapter.source.read_bytes()
    # a book whose table of contents does not list the page does not get it
    other = tmp_path / "other"
    other.mkdir()
    (other / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    stage_reader_pages(book.REPO_ROOT, other, build, profile="standard", log=lambda *a: None)
    assert not (other / "book" / "comparison.md").exists()


def test_per_class_tolerances_are_never_finer_than_one_test_dot():
    metrics = synthetic_metrics()
    tasks = metrics["05_classification"]["values"]["tasks"]
    tasks["bands"]["test_counts"]["2"] = 4
    text = page(metrics)
    assert row_line(text, "band 2 (blue): recall").endswith("| ±0.25 (4 test dots) |")
    # ILS classes are matched by size rank: the study's largest (83 dots) beside ours
    tasks["ils"]["class_counts"] = {"1": 10, "2": 300}
    tasks["ils"]["test_counts"] = {"1": 2, "2": 60}
    tasks["ils"]["report"] = {"1": [0.5, 0.5, 0.5, 2], "2": [0.9, 0.9, 0.9, 60]}
    line = row_line(page(metrics), "largest class: precision")
    assert "| 1.00 | 0.90 |" in line and line.endswith("| ±0.10 (60 test dots) |")
    assert row_line(page(metrics), "class ranked 2 by size: recall").endswith("| ±0.50 (2 test dots) |")


def test_the_conclusions_are_quoted_from_the_conclusions_chapter():
    metrics = synthetic_metrics()
    assert "`07_conclusions.json` is missing or has no statements" in page(metrics)
    said = "Conclusion 2 (structure classes are not optically pure) holds in part on this ensemble: as measured."
    metrics["07_conclusions"] = {"values": {"conclusions": [{"number": 2, "statement": said}]}}
    assert f"2. {said}" in page(metrics)


def test_what_the_design_chapter_adds_follows_the_conclusion_it_bears_on():
    metrics = synthetic_metrics()
    said = {n: f"Conclusion {n} holds on this ensemble: as measured." for n in (3, 4, 5)}
    metrics["07_conclusions"] = {"values": {"conclusions": [{"number": n, "statement": s} for n, s in said.items()]}}
    metrics["09_design"] = {"values": {"conclusions": {"3": "Sets of 1.03 bands.", "5": "Facets narrow blue."}}}
    lines = page(metrics).splitlines()
    at = {n: lines.index(f"{n}. {s}") for n, s in said.items()}
    assert lines[at[3] + 1] == "   With calibrated uncertainty (chapter 09): Sets of 1.03 bands."
    assert lines[at[5] + 1] == "   With calibrated uncertainty (chapter 09): Facets narrow blue."
    assert lines[at[4] + 1] == f"5. {said[5]}"  # nothing added where chapter 09 has nothing to say

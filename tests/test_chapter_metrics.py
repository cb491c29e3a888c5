"""The metrics of chapters 02-04 follow the schema and are computed from the data, not typed.

Reads the metrics of the session's quick build (``quick_book`` in tests/conftest.py),
then recomputes each reported number with ``siqd_utils`` and compares.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from siqd_utils import book
from siqd_utils.bands import BANDS, band_counts
from siqd_utils.datasets import ENSEMBLE_CSV, FEATURE_COLUMNS, load_ensemble, sha256_of
from siqd_utils.report.metrics import load_metrics
from siqd_utils.datasets import load_paper_results
from siqd_utils.preprocessing import select_features
from siqd_utils.preprocessing import prepare
from siqd_utils.classes import chance_purity, label_sets, spectral_purity, structure_classes

ROOT = book.REPO_ROOT
LAYOUT = book.Layout(ROOT)
CHAPTERS = ("02_correlations", "03_structure_classes", "04_property_classes")

# Tests that need the chapters executed (the shipped ensemble is part of the repository).
built = pytest.mark.book


@pytest.fixture
def run(quick_book):
    """The session's quick build: its folder and the chapters' parameters."""
    return quick_book.build_dir, quick_book.params


@pytest.fixture(scope="module")
def data():
    frame = load_ensemble()
    return frame


def _metrics(run, chapter):
    build_dir, params = run
    record = load_metrics(build_dir / "metrics" / f"{chapter}.json")  # validates the schema
    assert record["chapter"] == chapter
    assert record["data_sha256"] == sha256_of(ENSEMBLE_CSV)
    return record, params[chapter]


@built
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_metrics_file_follows_the_schema(run, chapter):
    record, params = _metrics(run, chapter)
    for name in ("correlation_threshold", "dpi"):
        assert record["parameters"][name] == params[name]


@built
def test_correlations_metrics_are_the_drop_rule_on_the_data(run, data):
    record, params = _metrics(run, "02_correlations")
    v = record["values"]
    prepared = prepare(data, threshold=params["correlation_threshold"])
    sel = select_features(prepared.frame, FEATURE_COLUMNS, threshold=params["correlation_threshold"])
    assert v["features"] == list(FEATURE_COLUMNS)
    assert v["correlation_threshold"] == sel.threshold
    assert v["retained"] == list(sel.retained) == list(prepared.X.columns)
    assert set(v["dropped"]) == set(sel.dropped)
    for name, (partner, r) in sel.dropped.items():
        assert v["dropped"][name]["kept"] == partner
        assert v["dropped"][name]["abs_r"] == pytest.approx(r, rel=1e-9)
    assert v["matches_paper"] == (set(sel.dropped) == set(load_paper_results()["features"]["dropped"]))


@built
def test_structure_metrics_are_the_clustering_of_the_data(run, data):
    record, params = _metrics(run, "03_structure_classes")
    v = record["values"]
    prepared = prepare(data, threshold=params["correlation_threshold"])
    p = params["min_cluster_size"]
    for rule in ("significance", "study"):
        est = structure_classes(prepared, min_cluster_size=p, peak_rule=rule)
        assert v["rules"][rule]["n_clusters"] == est.n_clusters_
        assert v["rules"][rule]["cluster_sizes"] == np.bincount(est.labels_).tolist()
    est = structure_classes(prepared, min_cluster_size=p)
    assert v["n_clusters"] == est.n_clusters_ == len(v["cluster_sizes"])
    assert sum(v["cluster_sizes"]) == prepared.n
    assert isinstance(v["should_split"], dict) and len(v["should_split"]) == est.n_clusters_
    # the six-class label sets: recomputed, every one a partition of the analysis set
    sets = label_sets(prepared, n_classes=params["n_clusters"], min_cluster_size=p, random_state=params["seed"])
    assert set(v["label_sets"]) == set(sets) == {"bands", "ils", "facet", "kmeans"}
    for key, ls in sets.items():
        got = v["label_sets"][key]
        assert got["sizes"] == {str(c): n for c, n in ls.sizes.items()}
        assert sum(got["sizes"].values()) == prepared.n
        assert got["majority_baseline"] == pytest.approx(max(ls.sizes.values()) / prepared.n, rel=1e-9)
        assert got["purity"] == pytest.approx(spectral_purity(ls.labels, prepared.bands).overall, rel=1e-9)
        chance = chance_purity(ls.labels, prepared.bands, random_state=params["seed"])
        assert got["chance_purity"]["mean"] == pytest.approx(chance.mean, rel=1e-9)
        assert got["chance_purity"]["n_draws"] >= 200
    assert v["label_sets"]["ils"]["k"] == v["label_sets"]["kmeans"]["k"] == params["n_clusters"]
    assert v["spectral_purity"]["overall"] == pytest.approx(v["label_sets"]["ils"]["purity"], rel=1e-9)


@built
def test_property_metrics_are_the_band_counts_of_the_data(run, data):
    record, _ = _metrics(run, "04_property_classes")
    v = record["values"]
    wl = data["wavelength_nm"]
    counts = band_counts(wl)
    assert v["band_counts"] == {b.name: int(counts[b.name]) for b in BANDS}
    assert v["n_below_400nm"] == int(counts["below"]) and v["n_above_750nm"] == int(counts["above"])
    assert v["n_outliers"] == int(counts["below"] + counts["above"])
    assert sum(v["band_counts"].values()) + v["n_outliers"] == len(data)


def _numbers(node):
    """Every number in a nested structure of paper_results.yml."""
    if isinstance(node, dict):
        for v in node.values():
            yield from _numbers(v)
    elif isinstance(node, list):
        for v in node:
            yield from _numbers(v)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield node


@pytest.mark.parametrize("chapter", [c.name for c in book.chapters(LAYOUT)])
def test_chapter_sources_do_not_type_the_papers_numbers(chapter):
    """The study's numbers come from paper_results.yml, never from the chapter text.

    No chapter's text holds the study's class sizes or band counts in sequence, and no
    code cell types one of its numbers with three or more significant digits (scores,
    hyper-parameters, counts): code reads them from paper_results.yml.
    """
    paper = load_paper_results()
    source = ROOT / "notebooks" / f"{chapter}.md"
    numbers = re.findall(r"\d+", source.read_text(encoding="utf-8"))
    for seq in (paper["clusters"]["sizes"], list(paper["bands"]["counts"].values())):
        as_text = [str(n) for n in seq]
        windows = [numbers[i:i + len(seq)] for i in range(len(numbers) - len(seq) + 1)]
        assert as_text not in windows, f"{chapter}.md types the paper's numbers {seq}"
    nb = book.read_text_notebook(source)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    typed = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", code))
    study = {str(v) for v in _numbers(paper) if len(str(v).replace(".", "").strip("0")) >= 3}
    assert not typed & study, f"{chapter}.md types the study's numbers {sorted(typed & study)} in code"

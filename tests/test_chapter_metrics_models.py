"""The metrics of chapters 05 (classification) and 06 (regression): schema, consistency, determinism.

Reads the session's quick build (``quick_book`` in tests/conftest.py), then checks the metrics files against the schema, against each other's parts (support
counts are the test-split class counts, splits add up, the study's hyper-parameters are
those of paper_results.yml) and against a second run of chapter 06 (identical but for the run record), and a truncated
search-cache entry reported by the runner and on the page.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from siqd_utils import book
from siqd_utils.bands import BANDS
from siqd_utils.datasets import ENSEMBLE_CSV, sha256_of
from siqd_utils.report.metrics import REQUIRED_VALUES, load_metrics
from siqd_utils.datasets import load_paper_results

ROOT = book.REPO_ROOT
LAYOUT = book.Layout(ROOT)
CHAPTERS = ("05_classification", "06_regression")

# Tests that need the chapters executed (the shipped ensemble is part of the repository).
built = pytest.mark.book


@pytest.fixture
def run(quick_book):
    """The session's quick build: its folder and the chapters' parameters."""
    return quick_book.build_dir, quick_book.params


def _record(run, chapter):
    build_dir, params = run
    record = load_metrics(build_dir / "metrics" / f"{chapter}.json")  # validates the schema
    assert record["chapter"] == chapter
    assert record["data_sha256"] == sha256_of(ENSEMBLE_CSV)
    return record, params[chapter]


def _check_evaluation(ev: dict, folds: int) -> None:
    for key in ("score_train", "score_test", "cv_mean", "cv_std"):
        assert math.isfinite(ev[key])
    assert len(ev["cv_scores"]) == folds
    assert ev["cv_mean"] == pytest.approx(np.mean(ev["cv_scores"]), abs=1e-9)
    assert ev["cv_std"] == pytest.approx(np.std(ev["cv_scores"]), abs=1e-9)


@built
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_metrics_follow_the_schema_and_parameters(run, chapter):
    record, params = _record(run, chapter)
    assert set(REQUIRED_VALUES[chapter]) <= set(record["values"])
    for name in ("seed", "n_trials", "cv_folds", "eval_cv_folds", "test_size"):
        assert record["parameters"][name] == params[name]


@built
@pytest.mark.parametrize("task", ["bands", "ils", "facet", "kmeans"])
def test_classification_task_metrics_are_consistent(run, task):
    record, params = _record(run, "05_classification")
    v = record["values"]["tasks"][task]
    paper = load_paper_results()["classification"]["bands" if task == "bands" else "clusters"]
    # split sizes
    assert v["n_train"] + v["n_test"] == v["n"] == record["values"]["n"]
    assert v["n_test"] == math.ceil(params["test_size"] * v["n"])
    assert sum(v["class_counts"].values()) == v["n"] and sum(v["test_counts"].values()) == v["n_test"]
    # stratified split: each class's test share is within one dot of test_size
    for c, n_c in v["class_counts"].items():
        assert abs(v["test_counts"][c] - params["test_size"] * n_c) <= 1.0 + 1e-9
    # the report's support is the test-split class count (not the whole class, as in the paper)
    assert {c: row[3] for c, row in v["report"].items()} == v["test_counts"]
    for row in v["report"].values():
        assert all(0.0 <= x <= 1.0 for x in row[:3])
    # the search and the evaluations
    assert v["search"]["n_trials"] == params["n_trials"] and v["search"]["cv_folds"] == params["cv_folds"]
    assert v["search"]["best_params"] == v["search_best"]["params"]
    _check_evaluation(v["search_best"], params["eval_cv_folds"])
    _check_evaluation(v["paper_params"], params["eval_cv_folds"])
    expected = {**paper["params"], "random_state": params["seed"]}
    assert v["paper_params"]["params"] == expected
    # the label set, its baseline and the three scores
    sizes = {c: int(n) for c, n in v["label_set"]["sizes"].items()}
    assert sizes == v["class_counts"] and sum(sizes.values()) == v["n"]
    assert v["label_set"]["majority_baseline"] == pytest.approx(max(sizes.values()) / v["n"], rel=1e-9)
    for name in ("accuracy", "balanced_accuracy", "macro_f1"):
        assert all(0.0 <= v["scores"][name][k] <= 1.0 for k in ("train", "test", "cv_mean"))
    assert v["scores"]["accuracy"]["test"] == pytest.approx(v["search_best"]["score_test"], abs=1e-9)
    assert v["scores"]["accuracy"]["cv_mean"] == pytest.approx(v["search_best"]["cv_mean"], abs=1e-9)
    assert v["scores"]["n_classes"] == v["label_set"]["k"]


@built
def test_classification_extras(run):
    record, params = _record(run, "05_classification")
    values = record["values"]
    tasks = values["tasks"]
    assert set(tasks["bands"]["class_counts"]) == {str(b.number) for b in BANDS}
    assert sorted(int(k) for k in tasks["ils"]["class_counts"]) == list(range(1, tasks["ils"]["label_set"]["k"] + 1))
    _check_evaluation(values["random_forest"], params["eval_cv_folds"])
    errors = values["bands_errors"]
    assert 0 <= errors["study_pairs"] <= errors["n_wrong"] and 0.0 <= errors["adjacent_share"] <= 1.0
    build_dir, _ = run
    weights = build_dir / "outputs" / "05_classification" / "weights"
    for task in tasks:
        sizes = tasks[task]["search_best"]["params"]["hidden_layer_sizes"]
        n_layers = len(sizes) + 1
        assert sorted(weights.glob(f"{task}_network_layer*_weights.csv")) == sorted(
            weights / f"{task}_network_layer{i}_weights.csv" for i in range(1, n_layers + 1))
        first = pd.read_csv(weights / f"{task}_network_layer1_weights.csv", index_col=0)
        assert list(first.index) == values["features"] and first.shape[1] == sizes[0]


@built
def test_regression_metrics_are_consistent(run):
    record, params = _record(run, "06_regression")
    v = record["values"]
    assert v["n_train"] + v["n_test"] == v["n"]
    assert v["n_test"] == math.ceil(params["test_size"] * v["n"])
    assert v["search"]["kind"] == "regressor"
    _check_evaluation(v["search_best"], params["eval_cv_folds"])
    _check_evaluation(v["paper_params"], params["eval_cv_folds"])
    expected = {**load_paper_results()["regression"]["params"], "random_state": params["seed"]}
    assert v["paper_params"]["params"] == expected
    assert 0.0 <= v["band_accuracy"]["test"] <= 1.0 and 0.0 <= v["band_accuracy"]["cv"] <= 1.0
    assert all(x >= 0 for x in v["rmse_nm"].values())
    # successive halving over the same draws, compared with the plain search
    h = v["halving"]
    assert h["n_trials"] == params["n_trials"] and h["plain_trial"] == v["search"]["best_trial"]
    assert h["plain_cv_mean"] == v["search"]["cv_mean"] and 1 <= h["halving_in_plain_rank"] <= params["n_trials"]
    assert h["fits_plain"] == params["n_trials"] * params["cv_folds"] == v["search"]["n_fits"]
    # halving over the iteration budget: every round on all training dots, the budget growing to 1000
    assert h["resource"] == "max_iter" and h["plain_rows"] == h["halving_rows"] == v["n_train"]
    assert 0 < h["first_round_resource"] < 1000


@built
def test_rerun_gives_an_identical_metrics_file(run):
    """Same parameters, same build folder: chapter 06 re-executed gives byte-identical metrics.

    And byte-identical exports: 07, which reads them, is then still current (not re-executed).
    """
    build_dir, _ = run
    path = build_dir / "metrics" / "06_regression.json"
    first = json.loads(path.read_text())
    results = book.run_chapters(LAYOUT, profile="quick", only=["06_regression"], overrides={},
                                build_dir=build_dir, force=True, log=lambda *a, **k: None)
    again = json.loads(path.read_text())
    # the run record says how the numbers were obtained this time: every search read from the cache
    assert {k: v for k, v in again.items() if k != "run"} == {k: v for k, v in first.items() if k != "run"}
    for search in again["run"]["searches"].values():
        assert search["from_cache"] and search["fits_ran_on"] is None and search["entries_fitted"] == 0
    assert [r.chapter for r in results if r.status == "executed"] == ["06_regression"]


@built
def test_an_unreadable_cache_entry_is_reported_by_the_runner_and_on_the_page(run):
    """A truncated search-cache entry: the runner names the search and the file, the page says it was refitted."""
    build_dir, _ = run
    entries = sorted((build_dir / "cache" / "search" / "entries").glob("*.pkl"))
    assert entries
    for path in entries:
        path.write_bytes(path.read_bytes()[:64])  # truncated, as by a full disk or a killed copy
    lines = []
    book.run_chapters(LAYOUT, profile="quick", only=["06_regression"], overrides={}, build_dir=build_dir,
                      force=True, log=lines.append)
    said = [line for line in lines if "unreadable entry" in line]
    # 06 is re-executed, and after it the chapters that read it and search too (09), each naming itself
    assert said and all(line.lstrip().split(":")[0] in ("06_regression", "09_design") for line in said)
    assert any(line.lstrip().startswith("06_regression:") and "search wavelength:" in line and "entries/" in line
               and ".pkl" in line for line in said)
    page = (build_dir / "executed" / "06_regression.ipynb").read_text()
    assert "refitted: cached entry unreadable" in page and "read from the search cache" not in page
    record = json.loads((build_dir / "metrics" / "06_regression.json").read_text())
    searched = record["run"]["searches"]["wavelength"]
    assert searched["unreadable_entries"] and not searched["from_cache"] and searched["fits_ran_on"]["backend"] == "loky"

"""The cost estimate before a long build: fits from chapters.yml, times from the build folder's record."""

from __future__ import annotations

import json

import pytest

from siqd_utils.book import BookError, Layout, REPO_ROOT, load_schema
from siqd_utils.book import cost, publish
from siqd_utils.book.runner import plan, read_last_build


def test_fits_expressions_evaluate_on_the_parameters_and_reject_anything_else():
    assert cost.chapter_fits("4 * n_trials * cv_folds", {"n_trials": 12, "cv_folds": 3}) == 144
    assert cost.chapter_fits("a * b + 2 * c - 1", {"a": 2, "b": 3, "c": 5}) == 15
    assert cost.chapter_fits(None, {}) is None
    with pytest.raises(BookError, match="'fits' names 'n_trials'"):
        cost.chapter_fits("n_trials * 2", {})
    for bad in ("__import__('os')", "n ** 2", "n / 2", "n if n else 1"):
        with pytest.raises(BookError):
            cost.chapter_fits(bad, {"n": 3})


def test_the_shipped_schema_declares_fits_for_the_chapters_with_searches():
    schema = load_schema()
    with_fits = {name for name, c in schema.chapters.items() if c.fits}
    assert {"05_classification", "06_regression", "08_robustness"} <= with_fits
    paper = plan(Layout(REPO_ROOT), profile="paper")
    assert cost.chapter_fits(schema.chapters["05_classification"].fits, paper.values("05_classification")) == 4 * 5000 * 10


def test_a_schema_with_a_bad_fits_expression_is_refused(tmp_path):
    text = (REPO_ROOT / "siqd_utils" / "book" / "chapters.yml").read_text()
    bad = tmp_path / "chapters.yml"
    bad.write_text(text.replace("fits: 4 * n_trials * cv_folds", "fits: 4 * n_trails * cv_folds"))
    with pytest.raises(BookError, match="chapters.05_classification.*'n_trails'"):
        load_schema(bad)


def test_estimates_fit_a_line_through_runs_at_two_sizes_and_say_when_they_are_proportional(tmp_path):
    cost.record_timing(tmp_path, "05", fits=100, seconds=30.0)
    one = cost.estimate(tmp_path, {"05": 1000})[0]
    assert one.seconds == pytest.approx(300.0)
    assert "over-estimates" in one.basis
    cost.record_timing(tmp_path, "05", fits=1100, seconds=130.0)  # 20 s fixed + 0.1 s per fit
    line = cost.estimate(tmp_path, {"05": 10_000, "01": None, "02": None},
                         fallback={"02": {"fits": None, "seconds": 4.0}})
    assert line[0].seconds == pytest.approx(20 + 0.1 * 10_000)
    assert line[1].seconds is None and "never executed" in line[1].basis
    assert line[2].seconds == 4.0
    table = cost.format_estimates(line)
    assert "10,000" in table and "plus 1 chapter(s) never run here" in table


def test_a_run_whose_searches_came_from_the_cache_is_not_a_rate(tmp_path):
    metrics = tmp_path / "05.json"
    metrics.write_text(json.dumps({"run": {"searches": {"bands": {"entries_read": 0}, "ils": {"entries_read": 3}}}}))
    assert cost.searches_read_from_cache(metrics)
    metrics.write_text(json.dumps({"run": {"searches": {"bands": {"entries_read": 0}}}}))
    assert not cost.searches_read_from_cache(metrics)
    assert not cost.searches_read_from_cache(tmp_path / "missing.json")
    cost.record_timing(tmp_path, "05", fits=1000, seconds=2.0, cached=True)
    only_cached = cost.estimate(tmp_path, {"05": 10_000})[0]
    assert only_cached.seconds is None and "read from the search cache" in only_cached.basis
    cost.record_timing(tmp_path, "05", fits=1000, seconds=100.0)
    cost.record_timing(tmp_path, "05", fits=1000, seconds=3.0, cached=True)  # the latest, but not a rate
    assert cost.estimate(tmp_path, {"05": 10_000})[0].seconds == pytest.approx(1000.0)


def test_a_corrupt_record_counts_as_none(tmp_path):
    (tmp_path / cost.TIMINGS_FILE).write_text("{not json")
    assert cost.read_timings(tmp_path) == {}
    cost.record_timing(tmp_path, "01", fits=None, seconds=1.0)
    assert json.loads((tmp_path / cost.TIMINGS_FILE).read_text())["01"][0]["seconds"] == 1.0


def test_publish_takes_the_last_built_book_by_default(tmp_path):
    assert publish.publish_target(tmp_path)[:2] == ("standard", {})
    (tmp_path / "last_build.json").write_text(json.dumps({"profile": "quick", "overrides": {"n_trials": 3}}))
    assert read_last_build(tmp_path)["profile"] == "quick"
    assert publish.publish_target(tmp_path)[:2] == ("quick", {"n_trials": 3})
    assert publish.publish_target(tmp_path, "paper")[:2] == ("paper", {})
    assert publish.publish_target(tmp_path, None, {"seed": 1})[:2] == ("quick", {"seed": 1})


def test_a_long_build_starts_only_when_asked_to_go_on(tmp_path):
    layout = Layout(REPO_ROOT)
    p = plan(layout, profile="paper", build_dir=tmp_path)
    lines, asked = [], []
    with pytest.raises(publish.PublishError, match="not started.*--yes"):
        publish.confirm_cost(layout, p, ask=lambda: asked.append(1) or False, log=lines.append)
    said = "\n".join(lines)
    assert asked == [1]
    assert "05_classification" in said and "200,000" in said  # 4 x 5000 trials x 10 folds
    assert "dask scheduler" in said and "dask worker" in said
    lines.clear()
    publish.confirm_cost(layout, p, ask=lambda: True, log=lines.append)
    publish.confirm_cost(layout, p, assume_yes=True, ask=lambda: pytest.fail("asked despite --yes"), log=lines.append)

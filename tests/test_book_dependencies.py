"""The runner keeps dependants current: a toy book of tiny chapters executed under papermill.

The toy (tests/toy_book.py) has the real book's shape: 06 reads 05, 07 reads 04, 05 and
06, and 01 is read by nobody; each chapter's exported value is its own ``scale`` plus
the values of the chapters it reads, so a stale dependant shows as a wrong number.
The toy is built once per module; each test works on its own copy (the paths the
runner records are relative to the book root, so a copy stays current).
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from siqd_utils import book
from siqd_utils.book import BookError, Layout

from toy_book import CHAPTER, PROFILES, make_toy_book, value_of


def quiet(*_args, **_kwargs) -> None:
    pass


def statuses(results) -> dict[str, str]:
    return {r.chapter: r.status for r in results}


@pytest.fixture(scope="module")
def built_toy(tmp_path_factory):
    layout = make_toy_book(tmp_path_factory.mktemp("toy") / "book")
    results = book.run_chapters(layout, profile="quick", log=quiet)
    return layout, results


@pytest.fixture
def toy(built_toy, tmp_path) -> Layout:
    """A private copy of the built toy book."""
    layout, _ = built_toy
    root = tmp_path / "book"
    shutil.copytree(layout.root, root)
    return make_layout(root)


def make_layout(root) -> Layout:
    return Layout(root, profiles_file=root / "profiles.yml", schema_file=root / "chapters.yml")


def current(layout: Layout, profile: str = "quick", **request) -> dict[str, bool]:
    """Whether each chapter's executed copy is current, as the build's summary would say."""
    return book.runner.current_chapters(layout, book.plan(layout, profile=profile, **request))


def test_first_build_runs_in_dependency_order_with_repository_relative_paths(built_toy):
    layout, results = built_toy
    assert [r.chapter for r in results] == ["01_alone", "04_other", "05_search", "06_regress", "07_sum"]
    assert all(r.status == "executed" for r in results)
    assert value_of(layout, "05_search") == 5 and value_of(layout, "06_regress") == 6
    assert value_of(layout, "07_sum") == 1 + 5 + 6 + 1
    executed = nbformat.read(layout.root / "_build" / "executed" / "05_search.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'output_dir = "_build/outputs/05_search"' in injected.source  # relative to the repository
    setup_cell = next(c for c in executed.cells if "hide-input" in c.metadata.get("tags", []))
    assert setup_cell.outputs[0]["text"] == "exports: _build/outputs/05_search\n"


def test_unchanged_second_build_executes_nothing(toy):
    again = book.run_chapters(toy, profile="quick", log=quiet)
    assert statuses(again) == dict.fromkeys(["01_alone", "04_other", "05_search", "06_regress", "07_sum"], "cached")


def test_changing_an_upstream_parameter_reexecutes_its_dependants(toy):
    results = book.run_chapters(toy, profile="quick", overrides={"scale": 2}, only=["05_search"], log=quiet)
    assert statuses(results) == {"04_other": "cached", "05_search": "executed", "06_regress": "executed",
                                 "07_sum": "executed"}
    assert "05_search" in next(r.message for r in results if r.chapter == "06_regress")
    assert value_of(toy, "06_regress") == 3 and value_of(toy, "07_sum") == 1 + 2 + 3 + 1
    # the dependants are current for the values they were run with; nothing is left stale
    assert all(current(toy, overrides={"scale": 2}, only=["05_search"]).values())


def test_a_profile_change_upstream_reaches_every_dependant(toy):
    results = book.run_chapters(toy, profile="paper", log=quiet)
    assert statuses(results) == {"01_alone": "cached", "04_other": "cached", "05_search": "executed",
                                 "06_regress": "executed", "07_sum": "executed"}
    assert value_of(toy, "07_sum") == 1 + 500 + 501 + 1


def test_only_a_dependant_brings_what_it_reads_up_to_date(toy):
    """``--only 06`` under another profile also re-runs 05 (which it reads) and 07 (which reads it)."""
    results = book.run_chapters(toy, profile="paper", only=["06_regress"], log=quiet)
    assert statuses(results) == {"04_other": "cached", "05_search": "executed", "06_regress": "executed",
                                 "07_sum": "executed"}
    assert value_of(toy, "06_regress") == 501
    assert all(current(toy, "paper").values())


def test_summary_reports_chapters_outside_the_run_as_stale(toy):
    """Run only 01 (read by nobody) under paper: the others are shown, but not as current."""
    p = book.plan(toy, profile="paper", only=["01_alone"])
    done = book.runner._execute_plan(toy, p, "paper", False, None, quiet)
    assert statuses(done) == {"01_alone": "cached"}
    summary = statuses(book.runner.book_status(toy, p, done, log=quiet))
    assert summary == {"01_alone": "cached", "04_other": "cached", "05_search": "stale", "06_regress": "stale",
                       "07_sum": "stale"}


def test_never_executed_dependants_are_left_for_the_full_build(tmp_path):
    layout = make_toy_book(tmp_path / "fresh")
    results = book.run_chapters(layout, profile="quick", only=["05_search"], log=quiet)
    assert statuses(results) == {"05_search": "executed"}
    p = book.plan(layout, profile="quick", only=["05_search"])
    assert statuses(book.runner.book_status(layout, p, results, log=quiet))["07_sum"] == "not executed"


def test_an_export_edited_by_hand_makes_the_chapter_stale(toy):
    (toy.root / "_build" / "outputs" / "05_search" / "value.txt").write_text("999")
    assert current(toy) == {"01_alone": True, "04_other": True, "05_search": False, "06_regress": False,
                            "07_sum": False}
    results = book.run_chapters(toy, profile="quick", log=quiet)
    assert statuses(results)["05_search"] == "executed"
    assert statuses(results)["06_regress"] == "cached"  # 05 wrote the same outputs again
    assert value_of(toy, "05_search") == 5


def test_runner_empties_the_exports_it_manages_before_a_run(toy):
    stray = toy.root / "_build" / "outputs" / "05_search" / "from_an_older_run.csv"
    stray.write_text("x\n")
    book.run_chapters(toy, profile="quick", only=["05_search"], force=True, log=quiet)
    assert not stray.exists()


def test_failure_names_the_cell_keeps_the_notebook_and_lists_what_did_not_run(toy):
    with pytest.raises(book.ChapterFailed) as info:
        book.run_chapters(toy, profile="quick", overrides={"scale": 10**7}, only=["05_search"], log=quiet)
    message = str(info.value)
    assert "05_search" in message and "code cell 3 of 3" in message and "is too large" in message
    assert (toy.root / "_build" / "executed" / "05_search.failed.ipynb").is_file()
    assert statuses(info.value.results) == {"04_other": "cached", "05_search": "failed", "06_regress": "not run",
                                            "07_sum": "not run"}
    assert not current(toy)["05_search"]  # its managed exports were emptied: not current any more


def test_bad_values_are_refused_before_any_kernel_starts(toy):
    with pytest.raises(book.ParameterError, match=r"05_search: scale = 0: must be an integer >= 1"):
        book.run_chapters(toy, profile="quick", overrides={"scale": 0}, only=["05_search"], log=quiet)
    bad = PROFILES.replace("quick: {scale: 5}", "quick: {scale: -3}")
    (toy.root / "profiles.yml").write_text(bad)
    with pytest.raises(book.ParameterError) as info:
        book.run_chapters(toy, profile="quick", log=quiet)
    message = str(info.value)
    assert "profiles.yml" in message and "chapters.05_search.quick" in message and "scale = -3" in message


def test_setup_refuses_bad_values_inside_the_chapter(toy):
    """Run by hand (papermill without the runner), the chapter's own set-up cell validates."""
    import papermill as pm

    chapter = next(c for c in book.chapters(toy) if c.name == "05_search")
    book.runner.sync_paired(chapter)
    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(chapter.paired), str(toy.root / "out.ipynb"), parameters={"scale": 0},
                            kernel_name="python3", cwd=str(toy.notebooks), progress_bar=False)
    assert info.value.ename == "ParameterError"
    assert "05_search: scale = 0: must be an integer >= 1" in info.value.evalue


def test_a_parameters_cell_that_disagrees_with_the_schema_is_refused(toy):
    source = toy.notebooks / "05_search.md"
    source.write_text(source.read_text().replace("scale = 1 ", "scale = 2 "))
    with pytest.raises(BookError, match=r"scale = 2 in the cell, but .*chapters.yml .*declares the default 1"):
        book.run_chapters(toy, profile="quick", only=["05_search"], log=quiet)
    source.write_text(source.read_text().replace("scale = 2 ", "scale = 1\nextra = 3 "))
    with pytest.raises(BookError, match=r"only in the cell \['extra'\]"):
        book.run_chapters(toy, profile="quick", only=["05_search"], log=quiet)


def test_stamps_record_the_digests_read(built_toy):
    layout, _ = built_toy
    stamp = json.loads((layout.root / "_build" / "executed" / "07_sum.json").read_text())
    assert sorted(stamp["reads"]) == ["04_other", "05_search", "06_regress"]
    own = json.loads((layout.root / "_build" / "executed" / "05_search.json").read_text())["outputs"]
    assert stamp["reads"]["05_search"] == own


# ------------------------------------------------------------------ the kernel's stderr

_WRITES_TO_STDERR = """
```{{code-cell}} ipython3
import os, subprocess, sys

os.write(2, b"straight to the kernel's stderr\\n")
done = subprocess.run([sys.executable, "-c", "import warnings; warnings.warn('from a worker')"], check=True)
```
"""  # a toy chapter's cell: braces doubled for str.format


def test_the_kernels_stderr_goes_to_a_log_and_the_runner_says_what_it_holds(tmp_path):
    """What a kernel and its worker processes write to stderr is kept, not shown on the terminal."""
    layout = make_toy_book(tmp_path / "book", chapter=CHAPTER + _WRITES_TO_STDERR)
    said = []
    book.run_chapters(layout, profile="quick", only=["01_alone"], log=said.append)
    log = layout.root / "_build" / "reports" / "01_alone.stderr.log"
    text = log.read_text()
    assert "straight to the kernel's stderr" in text and "UserWarning: from a worker" in text
    line = next(s for s in said if "stderr" in s)
    assert "1 UserWarning in " in line and "_build/reports/01_alone.stderr.log" in line
    nb = nbformat.read(layout.root / "_build" / "executed" / "01_alone.ipynb", as_version=4)
    shown = json.dumps(nb.cells[-1].outputs)
    assert "UserWarning" not in shown and "straight to" not in shown

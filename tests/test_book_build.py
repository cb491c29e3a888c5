"""Executed-book tests: chapters under papermill and a full Jupyter Book build (quick profile).

The full build reads the shipped ensemble ``data/siqd_ensemble.csv``; the bad-parameter
tests need no data.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import nbformat
import pytest

from siqd_utils import book

from test_book_runner import make_toy_book

ROOT = book.REPO_ROOT
LAYOUT = book.Layout(ROOT)


def quiet(*_args, **_kwargs) -> None:
    pass


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs).get("src", ""))


def _image_outputs(nb) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "image/png" in o.get("data", {}))


@pytest.fixture(scope="module")
def built_book(tmp_path_factory):
    """Build the whole book once, quick profile, into a temporary build folder."""
    build_dir = tmp_path_factory.mktemp("book") / "_build"
    overrides = {}
    results, index = book.build_book(LAYOUT, profile="quick", overrides=overrides, build_dir=build_dir, log=quiet)
    return build_dir, results, index


@pytest.mark.slow
def test_book_pages_build_without_sphinx_warnings(built_book):
    """No warning from the book's own pages (data/PROVENANCE.md is the data's record and is exempt)."""
    build_dir, _, _ = built_book
    warnings = (build_dir / "reports" / "sphinx-warnings.txt").read_text().splitlines()
    own = [w for w in warnings if "data/PROVENANCE.md" not in w]
    assert not own, "Sphinx warnings:\n" + "\n".join(own)


@pytest.mark.slow
def test_every_chapter_executes(built_book):
    _, results, index = built_book
    assert index.is_file()
    assert {r.chapter for r in results} == {c.name for c in book.chapters(LAYOUT)}
    assert all(r.status == "executed" for r in results), [(r.chapter, r.status) for r in results]


@pytest.mark.slow
def test_html_has_a_page_per_toc_entry(built_book):
    build_dir, _, _ = built_book
    for entry in book.toc_files(LAYOUT.toc):
        page = build_dir / "html" / f"{entry}.html"
        assert page.is_file(), f"no page for _toc.yml entry {entry!r}"


@pytest.mark.slow
def test_chapter_pages_show_their_figures(built_book):
    build_dir, _, _ = built_book
    for chapter in book.chapters(LAYOUT):
        page = build_dir / "html" / "notebooks" / f"{chapter.name}.html"
        parser = _Images()
        parser.feed(page.read_text(encoding="utf-8"))
        figures = [s for s in parser.srcs if "_images/" in s]
        executed = nbformat.read(build_dir / "executed" / f"{chapter.name}.ipynb", as_version=4)
        assert len(figures) >= _image_outputs(executed), f"{chapter.name}: figures missing from the page"
        for src in figures:
            assert (page.parent / src).resolve().is_file(), f"{chapter.name}: image {src} not written"
    data_page = (build_dir / "html" / "notebooks" / "01_data.html").read_text(encoding="utf-8")
    assert data_page.count("<figcaption") >= 3, "the data chapter's figures have captions"


@pytest.mark.slow
def test_executed_notebooks_have_no_errors(built_book):
    build_dir, _, _ = built_book
    for path in sorted((build_dir / "executed").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                assert out.get("output_type") != "error", f"{path.name}: {out.get('ename')}: {out.get('evalue')}"
                assert "Traceback" not in out.get("text", ""), f"{path.name}: a traceback was printed"
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        assert ["injected-parameters"] in tags, f"{path.name}: papermill injected no parameters"


@pytest.mark.slow
def test_glued_numbers_are_rendered(built_book):
    build_dir, _, _ = built_book
    text = re.sub(r"<[^>]+>", "", (build_dir / "html" / "notebooks" / "01_data.html").read_text(encoding="utf-8"))
    match = re.search(r"The ensemble holds\s+(\d+)\s+dots", text)
    assert match, "the glued count of structures is not in the page"
    metrics = json.loads((build_dir / "metrics" / "01_data.json").read_text())
    assert int(match.group(1)) == metrics["values"]["n_structures"]


@pytest.mark.slow
def test_second_build_reuses_every_chapter(built_book):
    build_dir, _, _ = built_book
    overrides = {}
    results = book.run_chapters(LAYOUT, profile="quick", overrides=overrides, build_dir=build_dir, log=quiet)
    assert all(r.status == "cached" and r.cached for r in results)


# ------------------------------------------------------------------ bad parameters


@pytest.mark.slow
def test_nonexistent_data_path_fails_naming_it(tmp_path):
    missing = tmp_path / "no_such_table.csv"
    with pytest.raises(book.ChapterFailed) as info:
        book.run_chapters(LAYOUT, profile="quick", only=["01_data"], overrides={"data_path": str(missing)},
                          build_dir=tmp_path / "_build", log=quiet)
    message = str(info.value)
    assert "01_data" in message and "ParameterError" in message
    assert f"data_path = '{missing}'" in message and "does not exist" in message
    assert (tmp_path / "_build" / "executed" / "01_data.failed.ipynb").is_file()


@pytest.mark.slow
def test_zero_trials_fails_in_the_chapter_and_caching_works(tmp_path):
    layout = make_toy_book(tmp_path / "toy")
    build_dir = tmp_path / "_build"
    with pytest.raises(book.ChapterFailed) as info:
        book.run_chapters(layout, profile="quick", overrides={"n_trials": 0}, build_dir=build_dir, log=quiet)
    message = str(info.value)
    assert "05_toy" in message and "code cell 2 of 2" in message
    assert "n_trials = 0: must be a positive integer" in message

    first = book.run_chapters(layout, profile="quick", build_dir=build_dir, log=quiet)
    assert [r.status for r in first] == ["executed"]
    assert not (build_dir / "executed" / "05_toy.failed.ipynb").exists()
    again = book.run_chapters(layout, profile="quick", build_dir=build_dir, log=quiet)
    assert [r.status for r in again] == ["cached"]
    changed = book.run_chapters(layout, profile="quick", overrides={"n_trials": 3}, build_dir=build_dir, log=quiet)
    assert [r.status for r in changed] == ["executed"]
    executed = nbformat.read(build_dir / "executed" / "05_toy.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "n_trials = 3" in injected[0].source


def test_unknown_profile_fails_before_running(tmp_path, capsys):
    code = book.main(["build", "--profile", "fastest", "--build-dir", str(tmp_path / "_build")])
    assert code == 2
    assert "unknown profile 'fastest'" in capsys.readouterr().err
    assert not (tmp_path / "_build" / "executed").exists()

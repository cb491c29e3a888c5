"""Executed-book tests: every chapter under papermill and a full Jupyter Book build (quick profile).

The build is the session's ``quick_book`` (tests/conftest.py), shared with the metrics
tests; it reads the shipped ensemble ``data/siqd_ensemble.csv``.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import nbformat
import pytest

from siqd_utils import book

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


@pytest.fixture
def built_book(quick_book):
    return quick_book.build_dir, quick_book.results, quick_book.index


def test_book_pages_build_without_sphinx_warnings(built_book):
    """No warning from the book's own pages (data/PROVENANCE.md is the data's record and is exempt)."""
    build_dir, _, _ = built_book
    warnings = (build_dir / "reports" / "sphinx-warnings.txt").read_text().splitlines()
    own = [w for w in warnings if "data/PROVENANCE.md" not in w]
    assert not own, "Sphinx warnings:\n" + "\n".join(own)


def test_every_chapter_executes(built_book):
    _, results, index = built_book
    assert index.is_file()
    assert {r.chapter for r in results} == {c.name for c in book.chapters(LAYOUT)}
    assert all(r.status == "executed" for r in results), [(r.chapter, r.status) for r in results]


def test_html_has_a_page_per_toc_entry(built_book):
    build_dir, _, _ = built_book
    for entry in book.toc_files(LAYOUT.toc):
        page = build_dir / "html" / f"{entry}.html"
        assert page.is_file(), f"no page for _toc.yml entry {entry!r}"


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


def test_glued_numbers_are_rendered(built_book):
    build_dir, _, _ = built_book
    text = re.sub(r"<[^>]+>", "", (build_dir / "html" / "notebooks" / "01_data.html").read_text(encoding="utf-8"))
    match = re.search(r"The ensemble holds\s+(\d+)\s+dots", text)
    assert match, "the glued count of structures is not in the page"
    metrics = json.loads((build_dir / "metrics" / "01_data.json").read_text())
    assert int(match.group(1)) == metrics["values"]["n_structures"]


def test_second_build_reuses_every_chapter(built_book):
    build_dir, _, _ = built_book
    overrides = {}
    results = book.run_chapters(LAYOUT, profile="quick", overrides=overrides, build_dir=build_dir, log=quiet)
    assert all(r.status == "cached" and r.cached for r in results)


@pytest.mark.parametrize("only", [None, ["05_classification"]])
def test_after_the_build_every_chapter_is_current(built_book, only):
    """The build's summary and the cache agree, and --only 05 would check 06 and 07 too."""
    build_dir, results, _ = built_book
    p = book.plan(LAYOUT, profile="quick", only=only, build_dir=build_dir)
    assert all(book.runner.current_chapters(LAYOUT, p).values())
    if only:
        assert {"05_classification", "06_regression", "07_conclusions"} <= book.runner.chapters_to_check(p)


def test_pages_show_paths_relative_to_the_repository(built_book):
    """The injected parameters and the set-up cell's output give repository-relative paths."""
    build_dir, _, _ = built_book
    relative_build = build_dir.relative_to(ROOT).as_posix()
    for chapter in book.chapters(LAYOUT):
        nb = nbformat.read(build_dir / "executed" / f"{chapter.name}.ipynb", as_version=4)
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f'output_dir = "{relative_build}/outputs/{chapter.name}"' in injected.source
        setup_cell = next(c for c in nb.cells if "hide-input" in c.metadata.get("tags", []))
        shown = "".join(o.get("text", "") for o in setup_cell.outputs)
        assert shown.startswith("data: data/siqd_ensemble.csv\n")
        assert f"exports: {relative_build}/outputs/{chapter.name}\n" in shown
        page = (build_dir / "html" / "notebooks" / f"{chapter.name}.html").read_text(encoding="utf-8")
        assert str(ROOT) not in page, f"{chapter.name}: the page shows an absolute path of the repository"


def _soup(path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_each_chapter_page_shows_one_parameters_block_with_the_values_it_ran_with(built_book):
    build_dir, _, _ = built_book
    schema = book.load_schema(LAYOUT.schema_file)
    for chapter in book.chapters(LAYOUT):
        soup = _soup(build_dir / "html" / "notebooks" / f"{chapter.name}.html")
        blocks = soup.select("table.siqd-parameters")
        assert len(blocks) == 1, f"{chapter.name}: {len(blocks)} parameters blocks"
        cells = [c.get_text(" ", strip=True) for c in soup.select("div.cell")]
        assert not [c for c in cells if c.startswith("# Parameters")], f"{chapter.name}: papermill's cell is shown"
        rows = {" ".join(r.select("td")[0].get_text().split()).split(" = ")[0]: [" ".join(td.get_text().split()) for td in r.select("td")]
                for r in blocks[0].select("tbody tr")}
        assert list(rows) == list(schema.chapters[chapter.name].params), chapter.name
        stamp = json.loads((build_dir / "executed" / f"{chapter.name}.json").read_text())
        for name, value in stamp["params"].items():
            assert rows[name][0] == f"{name} = {value!r}", (chapter.name, name, rows[name])
        assert rows["output_dir"][1] == "runner"
        assert any(r[1] == "profile quick" for r in rows.values())


def test_every_exercise_has_a_collapsed_executed_solution(built_book):
    build_dir, _, _ = built_book
    for chapter in book.chapters(LAYOUT):
        soup = _soup(build_dir / "html" / "notebooks" / f"{chapter.name}.html")
        exercises = soup.select("div.exercise")
        solutions = soup.select("div.solution")
        assert exercises, f"{chapter.name}: no exercises"
        assert len(solutions) == len(exercises), f"{chapter.name}: {len(exercises)} exercises, {len(solutions)} solutions"
        for solution in solutions:
            assert "dropdown" in solution.get("class", []), f"{chapter.name}: a solution is not collapsed"
            assert solution.select(".cell_output"), f"{chapter.name}: a solution without an executed answer"


_TUPLE = re.compile(r"^[\[(]\s*-?\d+(?:\.\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?)*\s*,?\s*[\])]$")


def test_tables_show_values_not_python_reprs(built_book):
    build_dir, _, _ = built_book
    for chapter in book.chapters(LAYOUT):
        soup = _soup(build_dir / "html" / "notebooks" / f"{chapter.name}.html")
        cells = [td.get_text(strip=True) for table in soup.select("table.dataframe, table[id^=T_]")
                 for td in table.select("td")]
        reprs = sorted({c for c in cells if _TUPLE.match(c)})
        assert not reprs, f"{chapter.name}: table cells print Python sequences: {reprs[:5]}"


_UNFORMATTED = re.compile(r"^-?\d+\.\d{6}$")  # pandas' default precision: no format reached the cell


def test_styled_tables_show_the_formats_they_were_given(built_book):
    """Every styled table's numbers carry a format; none falls back to pandas' six decimals
    (a second ``Styler.format`` given a dict resets the columns it does not name)."""
    build_dir, _, _ = built_book
    for chapter in book.chapters(LAYOUT):
        soup = _soup(build_dir / "html" / "notebooks" / f"{chapter.name}.html")
        raw = sorted({td.get_text(strip=True) for table in soup.select("table[id^=T_]") for td in table.select("td")
                      if _UNFORMATTED.match(td.get_text(strip=True))})
        assert not raw, f"{chapter.name}: styled table cells without a format: {raw[:5]}"


# ------------------------------------------------------------------ bad parameters


def test_nonexistent_data_path_is_refused_before_running(tmp_path):
    missing = tmp_path / "no_such_table.csv"
    with pytest.raises(book.ParameterError) as info:
        book.run_chapters(LAYOUT, profile="quick", only=["01_data"], overrides={"data_path": str(missing)},
                          build_dir=tmp_path / "_build", log=quiet)
    message = str(info.value)
    assert "01_data" in message and f"data_path = '{missing}'" in message and "does not exist" in message
    assert not (tmp_path / "_build" / "executed").exists()


def test_unknown_profile_fails_before_running(tmp_path, capsys):
    code = book.main(["build", "--profile", "fastest", "--build-dir", str(tmp_path / "_build")])
    assert code == 2
    assert "unknown profile 'fastest'" in capsys.readouterr().err
    assert not (tmp_path / "_build" / "executed").exists()

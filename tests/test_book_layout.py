"""The committed book sources agree with each other (no kernel, no build)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from siqd_utils import book

ROOT = book.REPO_ROOT
LAYOUT = book.Layout(ROOT)
SOURCES = sorted((ROOT / "notebooks").glob("*.md"))


def test_toc_and_chapter_sources_agree():
    listed = [f for f in book.toc_files(LAYOUT.toc) if f.startswith("notebooks/")]
    on_disk = [f"notebooks/{p.stem}" for p in SOURCES]
    assert sorted(listed) == on_disk, "every notebooks/*.md must be listed in _toc.yml, and nothing else"
    assert len(set(listed)) == len(listed), "a chapter is listed twice in _toc.yml"
    assert [c.name for c in book.chapters(LAYOUT)] == [Path(f).name for f in listed]


def test_every_toc_entry_has_a_source():
    from siqd_utils.book.publish import GENERATED_PAGES  # written by the build (e.g. the comparison page)

    for entry in book.toc_files(LAYOUT.toc):
        if entry in GENERATED_PAGES:
            continue
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(p.is_file() for p in candidates), f"_toc.yml entry {entry!r} has no source file"


def test_config_is_offline_and_does_not_execute():
    config = yaml.safe_load(LAYOUT.config.read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["only_build_toc_files"] is True
    assert "notebooks/*.ipynb" in config["exclude_patterns"]
    assert not config.get("sphinx", {}).get("config", {}).get("intersphinx_mapping")
    bib = ROOT / config["bibtex_bibfiles"][0]
    assert bib.is_file()


def test_cited_keys_exist_in_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    texts = [p.read_text() for p in [*SOURCES, *(ROOT / "book").glob("*.md")]]
    cited = {k.strip() for t in texts for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", t) for k in group.split(",")}
    assert cited, "no citations found"
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_chapter_is_a_jupytext_myst_notebook_with_validated_parameters(source):
    nb = book.read_text_notebook(source)
    meta = nb.metadata
    assert meta["kernelspec"]["name"] == "python3"
    assert meta["jupytext"]["text_representation"]["format_name"] == "myst"
    params = book.load_schema().chapter(source.stem).params
    assert "output_dir" in params, "every chapter declares output_dir for its exports"
    assert "data_path" in params and params["data_path"].default is None, "data_path defaults to None (the shipped data)"
    # the set-up cell that validates them: tests/test_book_runner.py::test_set_up_cell_is_one_hidden_setup_call

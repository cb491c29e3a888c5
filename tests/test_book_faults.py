"""The runner under faults: two builds in one folder, a build killed mid-chapter, a wrong data
file, and a second checkout sharing the first's environment.

Toy books (tests/toy_book.py) under papermill keep these to seconds.  Builds that must run
beside each other, or be killed, run in processes of their own (``toy_book.cli_command``).
"""

from __future__ import annotations

import shutil

import papermill
import pytest

from siqd_utils import book

ROOT = book.REPO_ROOT
CHAPTERS = ["04_other", "05_search", "06_regress", "07_sum"]  # what `run 07_sum` brings up to date


# --------------------------------------------------------------------- the data file


def test_a_data_path_that_is_not_the_ensemble_table_fails_before_any_kernel(tmp_path, monkeypatch, capsys):
    def no_kernel(*_args, **_kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    monkeypatch.chdir(ROOT)
    build = tmp_path / "_build"
    kept = build / "outputs" / "01_data" / "from_the_last_run.csv"
    kept.parent.mkdir(parents=True)
    kept.write_text("x\n")
    code = book.main(["run", "01_data", "--profile", "quick", "-p", "data_path", "README.md", "--build-dir", str(build)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "data_path = 'README.md'" in err and str(ROOT / "README.md") in err
    assert "missing column(s) ['id', 'shape', 'n_Si'" in err  # what it lacks, in the loader's words
    assert kept.exists()  # nothing emptied

    table = tmp_path / "renamed.csv"  # a CSV, but one column renamed
    table.write_text((ROOT / "data" / "siqd_ensemble.csv").read_text().replace("wavelength_nm", "lambda_nm", 1))
    with pytest.raises(book.ParameterError, match=r"missing column\(s\) \['wavelength_nm'\]"):
        book.plan(book.Layout(ROOT), profile="quick", only=["01_data"], overrides={"data_path": str(table)})
    binary = tmp_path / "dots.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(book.ParameterError, match="cannot be read as CSV"):
        book.plan(book.Layout(ROOT), profile="quick", only=["01_data"], overrides={"data_path": str(binary)})
    good = tmp_path / "mine.csv"
    shutil.copy(ROOT / "data" / "siqd_ensemble.csv", good)
    p = book.plan(book.Layout(ROOT), profile="quick", only=["01_data"], overrides={"data_path": str(good)})
    assert p.params["01_data"]["data_path"] == str(good)


def test_a_content_check_needs_a_file_parameter_and_a_known_content(tmp_path):
    from siqd_utils.book.parameters import load_schema

    schema = tmp_path / "chapters.yml"
    schema.write_text("chapters:\n  a:\n    parameters:\n      n: {type: int, default: 1, help: h, content: ensemble}\n")
    with pytest.raises(book.BookError, match="content 'ensemble' needs type file"):
        load_schema(schema)
    schema.write_text("chapters:\n  a:\n    parameters:\n      f: {type: file, nullable: true, default: null, "
                      "help: h, content: images}\n")
    with pytest.raises(book.BookError, match=r"one of \['ensemble'\]"):
        load_schema(schema)

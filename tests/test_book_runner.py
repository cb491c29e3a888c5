"""Unit tests of the book runner (siqd_utils.book) and of parameter validation (siqd_utils.params).

These never start a kernel; the executed-book tests are in test_book_build.py.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from siqd_utils import book
from siqd_utils.book import BookError, Layout
from siqd_utils.params import ParameterError, check_params

PROFILES = textwrap.dedent(
    """
    profiles:
      quick: fast
      standard: default
      paper: slow
    common:
      all: {seed: 42, n_jobs: -1, data_path: null}
      quick: {n_jobs: 2}
    chapters:
      05_toy:
        all: {test_size: 0.2}
        quick: {n_trials: 5}
        paper: {n_trials: 5000, cv_folds: 10}
    """
)

TOY_CHAPTER = textwrap.dedent(
    """\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---

    # Toy

    ```{code-cell} ipython3
    :tags: [parameters]

    seed = 0
    n_trials = 10
    cv_folds = 5
    test_size = 0.25
    output_dir = None
    ```

    ```{code-cell} ipython3
    from siqd_utils.params import check_params
    P = check_params(seed=seed, n_trials=n_trials, cv_folds=cv_folds, test_size=test_size, output_dir=output_dir)
    print(P.n_trials)
    ```
    """
)


def make_toy_book(root: Path, profiles: str = PROFILES, chapter: str = TOY_CHAPTER) -> Layout:
    """A minimal book: one chapter notebooks/05_toy.md, a toc and a profiles file."""
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "05_toy.md").write_text(chapter)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: C\n    chapters:\n      - file: notebooks/05_toy\n"
    )
    (root / "profiles.yml").write_text(profiles)
    (root / "data").mkdir()
    (root / "data" / "SHA256SUMS").write_text("abc  siqd_ensemble.csv\n")
    return Layout(root, profiles_file=root / "profiles.yml")


@pytest.fixture
def toy(tmp_path) -> Layout:
    return make_toy_book(tmp_path / "book")


def declared(layout: Layout) -> dict:
    return book.declared_parameters(book.read_text_notebook(layout.notebooks / "05_toy.md"))


# ----------------------------------------------------------------- profile merging


def test_declared_parameters_reads_the_tagged_cell(toy):
    assert declared(toy) == {"seed": 0, "n_trials": 10, "cv_folds": 5, "test_size": 0.25, "output_dir": None}


def test_profile_layers_merge_in_order(toy):
    profiles = book.load_profiles(toy.profiles_file)
    quick = book.chapter_params(profiles, "quick", "05_toy", declared(toy))
    # common.all (seed), chapter.all (test_size), chapter.quick (n_trials); n_jobs/data_path not declared
    assert quick == {"seed": 42, "test_size": 0.2, "n_trials": 5}
    paper = book.chapter_params(profiles, "paper", "05_toy", declared(toy))
    assert paper == {"seed": 42, "test_size": 0.2, "n_trials": 5000, "cv_folds": 10}
    standard = book.chapter_params(profiles, "standard", "05_toy", declared(toy))
    assert standard == {"seed": 42, "test_size": 0.2}


def test_overrides_win_and_output_dir_is_injected(toy, tmp_path):
    profiles = book.load_profiles(toy.profiles_file)
    params = book.chapter_params(profiles, "paper", "05_toy", declared(toy), {"n_trials": 7, "seed": 1},
                                 output_dir=tmp_path / "out")
    assert params["n_trials"] == 7 and params["seed"] == 1 and params["cv_folds"] == 10
    assert params["output_dir"] == str(tmp_path / "out")


def test_common_parameters_only_go_where_declared(toy):
    profiles = book.load_profiles(toy.profiles_file)
    params = book.chapter_params(profiles, "quick", "05_toy", declared(toy))
    assert "n_jobs" not in params and "data_path" not in params


def test_unknown_profile_is_named(toy):
    profiles = book.load_profiles(toy.profiles_file)
    with pytest.raises(BookError, match=r"unknown profile 'fast'.*quick, standard, paper"):
        book.chapter_params(profiles, "fast", "05_toy", declared(toy))


def test_profile_section_with_undeclared_parameter_is_an_error(tmp_path):
    layout = make_toy_book(tmp_path / "b", profiles=PROFILES.replace("test_size: 0.2", "test_sise: 0.2"))
    profiles = book.load_profiles(layout.profiles_file)
    with pytest.raises(BookError, match=r"chapters\.05_toy sets \['test_sise'\]"):
        book.chapter_params(profiles, "quick", "05_toy", declared(layout))


def test_profiles_file_with_unknown_profile_key_is_an_error(tmp_path):
    layout = make_toy_book(tmp_path / "b", profiles=PROFILES.replace("quick: {n_trials: 5}", "quik: {n_trials: 5}"))
    with pytest.raises(BookError, match=r"chapters\.05_toy\.quik: unknown profile 'quik'"):
        book.load_profiles(layout.profiles_file)


def test_shipped_profiles_cover_every_chapter_and_profile():
    layout = Layout(book.REPO_ROOT)
    profiles = book.load_profiles()
    assert set(profiles["profiles"]) >= {"quick", "standard", "paper"}
    every = book.chapters(layout)
    assert set(profiles["chapters"]) <= {c.name for c in every}
    for profile in profiles["profiles"]:
        params = book.resolve_all(layout, profile, {}, every, every, Path("/tmp/_build"))
        assert set(params) == {c.name for c in every}


# ------------------------------------------------------------ parameter parsing


@pytest.mark.parametrize(
    ("text", "value"),
    [("1000", 1000), ("0.2", 0.2), ("true", True), ("null", None), ("quick", "quick"), ("/tmp/a.csv", "/tmp/a.csv"),
     ("1e3", "1e3"), ("[10, 3]", [10, 3]), ("'42'", "42")],
)
def test_values_are_read_as_yaml_scalars(text, value):
    assert book.parse_value(text) == value


def test_overrides_parse_and_later_wins():
    assert book.parse_overrides([["n_trials", "5"], ["seed", "1"], ["n_trials", "6"]]) == {"n_trials": 6, "seed": 1}


def test_bad_override_names_and_mappings_are_rejected():
    with pytest.raises(BookError, match="not a valid Python name"):
        book.parse_overrides([["n-trials", "5"]])
    with pytest.raises(BookError, match="mapping"):
        book.parse_overrides([["n_trials", "{a: 1}"]])


def test_relative_path_overrides_become_absolute(tmp_path):
    out = book.absolute_paths({"data_path": "x.csv", "output_dir": "/abs", "n_trials": 3}, tmp_path)
    assert out == {"data_path": str(tmp_path / "x.csv"), "output_dir": "/abs", "n_trials": 3}


def test_unknown_override_is_named(toy):
    with pytest.raises(BookError, match=r"unknown parameter\(s\) \['n_trial'\].*05_toy: cv_folds"):
        book.check_overrides({"n_trial": 1}, {"05_toy": declared(toy)})


def test_resolve_all_rejects_unknown_override(toy, tmp_path):
    every = book.chapters(toy)
    with pytest.raises(BookError, match=r"\['bogus'\]"):
        book.resolve_all(toy, "quick", {"bogus": 1}, every, every, tmp_path)


# ------------------------------------------------------------- chapters and toc


def test_unknown_chapter_is_named(toy):
    with pytest.raises(BookError, match=r"unknown chapter '99_nope'; chapters: 05_toy"):
        book.select_chapters(book.chapters(toy), ["99_nope"])


def test_chapters_selected_by_name_prefix_or_file(toy):
    every = book.chapters(toy)
    for key in ("05_toy", "05", "notebooks/05_toy.md", "05_toy.ipynb"):
        assert [c.name for c in book.select_chapters(every, [key])] == ["05_toy"]


def test_unlisted_chapter_is_an_error(toy):
    (toy.notebooks / "06_extra.md").write_text(TOY_CHAPTER)
    with pytest.raises(BookError, match=r"notebooks/06_extra\.md is not listed"):
        book.chapters(toy)


def test_listed_chapter_without_source_is_an_error(toy):
    (toy.notebooks / "05_toy.md").unlink()
    with pytest.raises(BookError, match=r"without a source.*05_toy"):
        book.chapters(toy)


def test_missing_parameters_cell_is_an_error(tmp_path):
    layout = make_toy_book(tmp_path / "b", chapter=TOY_CHAPTER.replace(":tags: [parameters]\n", ""))
    with pytest.raises(BookError, match="no code cell tagged 'parameters'"):
        declared(layout)


def test_cli_unknown_profile_and_chapter_exit_2(toy, capsys):
    assert book.main(["run", "05_toy", "--profile", "fastest"], layout=toy) == 2
    assert "unknown profile 'fastest'" in capsys.readouterr().err
    assert book.main(["run", "nope", "--profile", "quick"], layout=toy) == 2
    assert "unknown chapter 'nope'" in capsys.readouterr().err
    assert book.main(["run", "05_toy", "-p", "n_trail", "3"], layout=toy) == 2
    assert "['n_trail']" in capsys.readouterr().err


def test_cli_params_prints_the_resolved_values(toy, capsys):
    assert book.main(["params", "--profile", "paper", "-p", "seed", "7"], layout=toy) == 0
    out = capsys.readouterr().out
    assert "n_trials: 5000" in out and "seed: 7" in out


# ------------------------------------------------------------------------ cache


def test_cache_key_changes_with_each_input():
    base = dict(source_text="# a", params={"n": 1}, package="p1", data="d1")
    key = book.cache_key(**base)
    assert key == book.cache_key(**base)
    assert key == book.cache_key(**{**base, "params": {"n": 1}})
    for change in ({"source_text": "# b"}, {"params": {"n": 2}}, {"params": {"n": 1, "m": 0}},
                   {"package": "p2"}, {"data": "d2"}):
        assert book.cache_key(**{**base, **change}) != key, change


def test_package_digest_tracks_source_files(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "profiles.yml").write_text("a: 1\n")
    before = book.package_digest(pkg)
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"junk")
    assert book.package_digest(pkg) == before
    (pkg / "a.py").write_text("x = 2\n")
    after_py = book.package_digest(pkg)
    assert after_py != before
    (pkg / "profiles.yml").write_text("a: 2\n")
    assert book.package_digest(pkg) != after_py


def test_data_digest_tracks_checksums_and_user_data(toy, tmp_path):
    before = book.data_digest(toy, {"data_path": None})
    toy.sha256sums.write_text("def  siqd_ensemble.csv\n")
    after = book.data_digest(toy, {"data_path": None})
    assert after != before
    user = tmp_path / "mine.csv"
    user.write_text("a\n1\n")
    with_user = book.data_digest(toy, {"data_path": str(user)})
    assert with_user != after
    user.write_text("a\n2\n")
    assert book.data_digest(toy, {"data_path": str(user)}) != with_user


# ----------------------------------------------------------- parameter validation


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("n_trials", 0, "n_trials = 0: must be a positive integer"),
        ("n_trials", 2.5, "n_trials = 2.5"),
        ("n_trials", True, "n_trials = True"),
        ("cv_folds", 1, "cv_folds = 1"),
        ("seed", -1, "seed = -1"),
        ("n_jobs", 0, "n_jobs = 0: must be -1"),
        ("test_size", 1.0, "test_size = 1.0"),
        ("bins", "30", "bins = '30'"),
        ("dpi", 10, "dpi = 10"),
        ("data_path", "/no/such/file.csv", "data_path = '/no/such/file.csv': file does not exist"),
    ],
)
def test_check_params_names_parameter_and_value(name, value, message):
    with pytest.raises(ParameterError) as info:
        check_params(**{name: value})
    assert message in str(info.value)


def test_check_params_normalises(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("x\n")
    p = check_params(data_path=str(csv), output_dir=str(tmp_path / "out"), seed=3, n_jobs=-1)
    assert p.data_path == csv.resolve() and p.output_dir == (tmp_path / "out").resolve()
    assert check_params(data_path=None).data_path is None


def test_check_params_rejects_names_without_rule():
    with pytest.raises(ParameterError, match=r"no validation rule for parameter\(s\) \['n_trails'\]"):
        check_params(n_trails=3)


def test_summary_table_lists_every_chapter():
    table = book.summary_table([book.ChapterResult("01_data", "executed", 3.21),
                                book.ChapterResult("02_x", "cached", 1.0, True)])
    lines = table.splitlines()
    assert lines[0].split() == ["chapter", "status", "seconds", "cached?"]
    assert "01_data" in lines[2] and "3.2" in lines[2] and lines[3].rstrip().endswith("yes")

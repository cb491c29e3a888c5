"""Unit tests of the book runner (siqd_utils.book): schema, profiles, paths, cache, plan, CLI.

These never start a kernel; the toy book under papermill is in test_book_dependencies.py,
the real book's build in test_book_build.py.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import jupytext
import matplotlib as mpl
import papermill as pm
import pytest
import yaml

from siqd_utils import book
from siqd_utils.book import BookError, Layout, ParameterError
from siqd_utils.book.chapter import setup
from siqd_utils.book.parameters import Interval, load_schema
from siqd_utils.book.paths import book_root, display_path, resolve_path
from siqd_utils.book.profiles import paths_relative_to_root
from siqd_utils.datasets import ENSEMBLE_CSV

from toy_book import PROFILES, make_toy_book

ROOT = book.REPO_ROOT
LAYOUT = Layout(ROOT)
SCHEMA = load_schema()
CHAPTERS = [c.name for c in book.chapters(LAYOUT)]
BARE_PROFILES = "profiles: {quick: q, standard: s, paper: p}\n"
HEADER = ENSEMBLE_CSV.read_text().splitlines()[0] + "\n"  # the header a data_path file must have


@pytest.fixture
def toy(tmp_path) -> Layout:
    return make_toy_book(tmp_path / "book")


def write_schema(tmp_path, text: str) -> Path:
    path = tmp_path / "chapters.yml"
    path.write_text(textwrap.dedent(text))
    return path


# --------------------------------------------------------------- the real schema


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_parameters_cell_matches_the_schema(chapter, tmp_path):
    """Names and literal defaults of the cell papermill reads are those of chapters.yml."""
    ipynb = tmp_path / f"{chapter}.ipynb"
    jupytext.write(jupytext.read(ROOT / "notebooks" / f"{chapter}.md"), ipynb)
    found = pm.inspect_notebook(str(ipynb))
    spec = SCHEMA.chapter(chapter)
    assert sorted(found) == sorted(spec.params)
    for name, param in spec.params.items():
        default = ast.literal_eval(found[name]["default"])
        assert default == param.default and type(default) is type(param.default), name


def test_schema_covers_every_chapter_and_declares_the_common_parameters():
    assert list(SCHEMA.chapters) == CHAPTERS
    for spec in SCHEMA.chapters.values():
        assert spec.params["output_dir"].type == "folder" and spec.params["output_dir"].default is None
        assert spec.params["data_path"].type == "file" and spec.params["data_path"].default is None
        assert all(p.help for p in spec.params.values())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_declared_reads_cover_what_the_chapter_reads(chapter):
    """Another chapter named in a code cell (a metrics file it opens) must be among its reads."""
    from siqd_utils.report.verdicts import CHAPTERS_USED

    nb = book.read_text_notebook(ROOT / "notebooks" / f"{chapter}.md")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    named = {other for other in CHAPTERS if other != chapter and other in code}
    if "load_chapter_metrics(" in code:
        named |= set(CHAPTERS_USED)
    assert named <= set(SCHEMA.chapter(chapter).reads), f"{chapter} reads {sorted(named)}"


def test_dependency_order_of_the_real_book():
    p = book.plan(LAYOUT, profile="quick", build_dir=Path("/nonexistent/_build"))
    order = [c.name for c in p.order]
    assert order == CHAPTERS  # the toc order already respects every 'reads'
    assert p.descendants({"05_classification"}) == {"06_regression", "07_conclusions", "09_design"}
    assert p.ancestors({"09_design"}) == {"05_classification", "06_regression"}
    assert p.ancestors({"07_conclusions"}) == {"01_data", "02_correlations", "03_structure_classes",
                                               "04_property_classes", "05_classification", "06_regression"}


# ------------------------------------------------------------ declarations, values


@pytest.mark.parametrize(
    ("chapter", "name", "value", "message"),
    [
        ("05_classification", "n_trials", 0, "n_trials = 0: must be an integer >= 1"),
        ("05_classification", "n_trials", 2.5, "n_trials = 2.5: must be an integer >= 1"),
        ("05_classification", "n_trials", True, "n_trials = True"),
        ("05_classification", "cv_folds", 1, "cv_folds = 1: must be an integer >= 2"),
        ("05_classification", "seed", -1, "seed = -1: must be an integer >= 0"),
        ("05_classification", "n_jobs", 0, "n_jobs = 0: must be -1 or an integer >= 1"),
        ("05_classification", "test_size", 1.0, "test_size = 1.0: must be a number strictly between 0 and 1"),
        ("05_classification", "n_clusters", 1, "n_clusters = 1: must be an integer >= 2"),
        ("01_data", "bins", "30", "bins = '30': must be an integer >= 2"),
        ("01_data", "dpi", 10, "dpi = 10: must be an integer from 50 to 600"),
        ("01_data", "data_path", "/no/such/file.csv", "data_path = '/no/such/file.csv': file does not exist"),
        ("01_data", "data_path", "", "data_path = '': must be a path to an existing file, or None"),
    ],
)
def test_validation_names_chapter_parameter_value_and_help(chapter, name, value, message):
    spec = SCHEMA.chapter(chapter)
    with pytest.raises(ParameterError) as info:
        spec.validate({name: value}, ROOT)
    text = str(info.value)
    assert text.startswith(f"{chapter}: ") and message in text
    assert text.endswith(spec.params[name].help)


def test_validation_normalises_and_resolves_paths_against_the_root(tmp_path):
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "mine.csv").write_text(HEADER)
    spec = SCHEMA.chapter("05_classification")
    values = spec.validate({"data_path": "mine.csv", "output_dir": "out", "test_size": 1 / 4, "n_jobs": -1}, tmp_path)
    assert values == {"data_path": tmp_path / "mine.csv", "output_dir": tmp_path / "out", "test_size": 0.25,
                      "n_jobs": -1}
    assert spec.validate({"data_path": None, "dask_scheduler": None}, tmp_path) == {"data_path": None, "dask_scheduler": None}
    with pytest.raises(ParameterError, match=r"no parameter\(s\) \['n_trails'\]"):
        spec.validate({"n_trails": 3})


@pytest.mark.parametrize(
    ("text", "inside", "outside", "words"),
    [("[1, inf)", [1, 10**9], [0, -1], ">= 1"), ("(0, 1)", [0.5, 1e-9], [0, 1], "strictly between 0 and 1"),
     ("[50, 600]", [50, 600], [49, 601], "from 50 to 600"), ("[0, 1)", [0, 0.99], [1], "[0, 1)")],
)
def test_intervals(text, inside, outside, words):
    interval = Interval.parse(text)
    assert all(x in interval for x in inside) and not any(x in interval for x in outside)
    assert interval.words() == words


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("a: {reads: [], parameters: {n: {type: int, default: 0}}}", r"'n' lacks \['help'\]"),
        ("a: {reads: [], parameters: {n: {type: integer, default: 0, help: h}}}", "has type 'integer'"),
        ("a: {reads: [], parameters: {n: {type: int, default: 0, help: h, rnage: '[0, 1]'}}}", r"unknown field\(s\) \['rnage'\]"),
        ("a: {reads: [], parameters: {n: {type: int, default: 5, help: h, range: '[0, 1]'}}}", "the default breaks the declaration: n = 5"),
        ("a: {reads: [], parameters: {n: {type: int, default: 0, help: h, range: '0..1'}}}", "is not an interval"),
        ("a: {reads: [], parameters: {m: }}", "'m' has no declaration"),
        ("a: {reads: [b], parameters: {}}", "reads 'b', which is not a chapter"),
        ("a: {reads: [a], parameters: {}}", "reads itself"),
        ("a: {reads: [], parameters: {}, needs: []}", r"unknown key\(s\) \['needs'\]"),
    ],
)
def test_broken_schemas_are_named(tmp_path, entry, message):
    path = write_schema(tmp_path, f"chapters:\n  {entry}\n")
    with pytest.raises(BookError, match=message):
        load_schema(path)


def test_chapter_fields_override_the_shared_declaration(tmp_path):
    path = write_schema(tmp_path, """
        shared:
          seed: {type: int, range: "[0, inf)", default: 42, help: random seed}
        chapters:
          a: {reads: [], parameters: {seed: {help: seeds the split}}}
          b: {reads: [a], parameters: {seed: }}
        """)
    schema = load_schema(path)
    assert schema.chapter("a").params["seed"].help == "seeds the split"
    assert schema.chapter("b").params["seed"].help == "random seed"
    assert schema.chapter("a").params["seed"].range == schema.chapter("b").params["seed"].range


def test_reads_that_form_a_cycle_are_refused(tmp_path):
    layout = make_toy_book(tmp_path / "b", profiles=BARE_PROFILES, reads={"01_a": ["02_b"], "02_b": ["01_a"]})
    with pytest.raises(BookError, match=r"form a cycle"):
        book.plan(layout, profile="quick")


def test_dependency_order_is_topological_and_stable_by_toc(tmp_path):
    layout = make_toy_book(tmp_path / "b", profiles=BARE_PROFILES,
                           reads={"01_a": ["03_c"], "02_b": [], "03_c": [], "04_d": ["01_a"]})
    assert [c.name for c in book.plan(layout, profile="quick").order] == ["02_b", "03_c", "01_a", "04_d"]


def test_schema_and_toc_must_agree(toy):
    (toy.root / "chapters.yml").write_text((toy.root / "chapters.yml").read_text().replace("01_alone:", "01_lone:"))
    with pytest.raises(BookError, match=r"no entry for chapter\(s\) \['01_alone'\]"):
        book.plan(toy, profile="quick")


# ----------------------------------------------------------------- profile layers


def test_profile_layers_merge_in_order(toy):
    schema = load_schema(toy.schema_file)
    profiles = book.load_profiles(toy.profiles_file, schema, toy.root)
    spec = schema.chapter("05_search")
    assert book.chapter_params(profiles, "quick", spec) == {"seed": 42, "scale": 5}
    assert book.chapter_params(profiles, "paper", spec) == {"seed": 42, "scale": 500}
    assert book.chapter_params(profiles, "standard", spec) == {"seed": 42}
    overridden = book.chapter_params(profiles, "paper", spec, {"scale": 7, "other": 1}, output_dir="x/y")
    assert overridden == {"seed": 42, "scale": 7, "output_dir": "x/y"}


def test_unknown_profile_is_named(toy):
    profiles = book.load_profiles(toy.profiles_file)
    with pytest.raises(BookError, match=r"unknown profile 'fast'.*quick, standard, paper"):
        book.chapter_params(profiles, "fast", load_schema(toy.schema_file).chapter("05_search"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("quick: {scale: 5}", "quick: {scael: 5}"), r"chapters\.05_search\.quick: chapters\.05_search sets \['scael'\]"),
        (("quick: {scale: 5}", "quik: {scale: 5}"), r"chapters\.05_search\.quik: unknown profile 'quik'"),
        (("all: {seed: 42}", "all: {sede: 42}"), r"common\.all sets \['sede'\], which no chapter declares"),
        (("quick: {scale: 5}", "quick: {scale: 0}"), r"profiles\.yml: chapters\.05_search\.quick: scale = 0: must be an integer >= 1"),
        (("all: {seed: 42}", "all: {seed: -1}"), r"common\.all \(for chapter 01_alone\): seed = -1"),
        (("05_search:", "09_nope:"), r"'09_nope' is not a chapter of the book"),
    ],
)
def test_bad_profiles_are_named(toy, change, message):
    toy.profiles_file.write_text(PROFILES.replace(*change))
    with pytest.raises(BookError, match=message):
        book.load_profiles(toy.profiles_file, load_schema(toy.schema_file), toy.root)


def test_shipped_profiles_list_each_value_once_and_only_where_it_changes_something():
    """profiles.yml: no value a chapter gets anyway (its default, or what common already gives it),
    no common value that changes no chapter, and no value repeated in several chapters' sections
    (it belongs under common)."""
    raw = yaml.safe_load(book.PROFILES_FILE.read_text(encoding="utf-8"))
    common = raw.get("common") or {}
    for name, prof_values in (raw.get("chapters") or {}).items():
        spec = SCHEMA.chapter(name)
        for prof, values in prof_values.items():
            for key, value in (values or {}).items():
                inherited = {**(common.get("all") or {}), **(common.get(prof) or {} if prof != "all" else {})}
                if prof != "all":
                    inherited.update((prof_values.get("all") or {}))
                before = inherited.get(key, spec.params[key].default)
                assert value != before, f"chapters.{name}.{prof}.{key} = {value!r}: the chapter gets it anyway"
    for prof, values in common.items():
        for key, value in (values or {}).items():
            before = [c.params[key].default if prof == "all" else (common.get("all") or {}).get(key, c.params[key].default)
                      for c in SCHEMA.declaring(key)]
            assert any(value != b for b in before), f"common.{prof}.{key} = {value!r} changes no chapter's value"
    seen: dict = {}
    for name, prof_values in (raw.get("chapters") or {}).items():
        for prof, values in prof_values.items():
            for key, value in (values or {}).items():
                seen.setdefault((prof, key, repr(value)), []).append(name)
    repeated = {k: v for k, v in seen.items() if len(v) > 1}
    assert not repeated, f"values repeated in several chapters (write them once under common): {repeated}"


def test_shipped_profiles_are_valid_for_every_chapter_and_profile():
    profiles = book.load_profiles(book.PROFILES_FILE, SCHEMA, ROOT)
    assert set(profiles["profiles"]) >= {"quick", "standard", "paper"}
    for profile in profiles["profiles"]:
        p = book.plan(LAYOUT, profile=profile, build_dir=ROOT / "_build")
        assert set(p.params) == set(CHAPTERS)
        for name, values in p.params.items():
            assert values["output_dir"] == f"_build/outputs/{name}"  # injected relative to the repository
            SCHEMA.chapter(name).validate(values, ROOT)


# ------------------------------------------------------------ overrides and paths


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


def test_command_line_paths_become_relative_to_the_repository(tmp_path):
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    given = {"data_path": "x.csv", "output_dir": "../out", "n_trials": 3}
    assert paths_relative_to_root(given, SCHEMA, root / "sub", root) == {
        "data_path": "sub/x.csv", "output_dir": "out", "n_trials": 3}
    outside = paths_relative_to_root({"output_dir": "../../elsewhere"}, SCHEMA, root / "sub", root)
    assert outside == {"output_dir": str(tmp_path / "elsewhere")}
    assert paths_relative_to_root({"data_path": "/abs/x.csv"}, SCHEMA, root, root) == {"data_path": "/abs/x.csv"}


def test_paths_helpers(tmp_path):
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "notebooks").mkdir()
    assert book_root(tmp_path / "notebooks") == tmp_path
    assert resolve_path("data/x.csv", tmp_path) == tmp_path / "data" / "x.csv"
    assert resolve_path("/abs/x.csv", tmp_path) == Path("/abs/x.csv")
    assert display_path(tmp_path / "_build" / "outputs", tmp_path) == "_build/outputs"
    assert display_path("/elsewhere/x", tmp_path) == "/elsewhere/x"


def test_unknown_override_is_named(toy):
    with pytest.raises(BookError, match=r"unknown parameter\(s\) \['n_trial'\].*05_search: seed, scale"):
        book.plan(toy, profile="quick", only=["05_search"], overrides={"n_trial": 1})


def test_overrides_go_to_the_selected_chapters_only(toy):
    p = book.plan(toy, profile="quick", only=["06_regress"], overrides={"scale": 9})
    assert p.params["06_regress"]["scale"] == 9 and p.params["05_search"]["scale"] == 5


# ------------------------------------------------------------------ chapter setup


def test_setup_validates_resolves_sets_dpi_and_prints_relative_paths(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT / "notebooks")
    monkeypatch.setitem(mpl.rcParams, "figure.dpi", 100)
    values = {**SCHEMA.chapter("03_structure_classes").defaults(), "dpi": 90,
              "output_dir": "_build/outputs/03_structure_classes"}
    P, out, csv = setup("03_structure_classes", values)
    assert P.min_cluster_size == 15 and P.n_clusters == 6 and P.data_path is None
    assert out == ROOT / "_build" / "outputs" / "03_structure_classes" and csv == ENSEMBLE_CSV
    assert mpl.rcParams["figure.dpi"] == 90
    assert capsys.readouterr().out == "data: data/siqd_ensemble.csv\nexports: _build/outputs/03_structure_classes\n"
    mine = tmp_path / "mine.csv"
    mine.write_text(HEADER)
    _, out, csv = setup("03_structure_classes", {**values, "data_path": str(mine), "output_dir": None})
    assert csv == mine and out == ROOT / "_build" / "outputs" / "03_structure_classes"
    assert capsys.readouterr().out.startswith(f"data: {mine}\n")


def test_setup_refuses_bad_and_missing_values(monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    values = SCHEMA.chapter("06_regression").defaults()
    with pytest.raises(ParameterError, match=r"^06_regression: n_trials = 0: must be an integer >= 1"):
        setup("06_regression", {**values, "n_trials": 0}, verbose=False)
    del values["cv_folds"]
    with pytest.raises(ParameterError, match=r"06_regression: the notebook defines no \['cv_folds'\]"):
        setup("06_regression", values, verbose=False)
    with pytest.raises(BookError, match=r"no entry for chapter '99_none'"):
        setup("99_none", values)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_set_up_cell_is_one_hidden_setup_call(chapter):
    """The cell after the parameters cell calls setup() for this chapter and is hidden from readers."""
    nb = book.read_text_notebook(ROOT / "notebooks" / f"{chapter}.md")
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    following = code[tagged + 1]
    assert f'setup("{chapter}", globals())' in following.source
    assert "hide-input" in following.metadata.get("tags", [])
    assert "check_params" not in "\n".join(c.source for c in code)


# -------------------------------------------------------------- chapters and toc


def test_unknown_chapter_is_named(toy):
    with pytest.raises(BookError, match=r"unknown chapter '99_nope'; chapters: 01_alone, 04_other"):
        book.select_chapters(book.chapters(toy), ["99_nope"])


def test_chapters_selected_by_name_prefix_or_file(toy):
    every = book.chapters(toy)
    for key in ("05_search", "05", "notebooks/05_search.md", "05_search.ipynb"):
        assert [c.name for c in book.select_chapters(every, [key])] == ["05_search"]


def test_unlisted_chapter_is_an_error(toy):
    (toy.notebooks / "08_extra.md").write_text("# extra\n")
    with pytest.raises(BookError, match=r"notebooks/08_extra\.md is not listed"):
        book.chapters(toy)


def test_listed_chapter_without_source_is_an_error(toy):
    (toy.notebooks / "05_search.md").unlink()
    with pytest.raises(BookError, match=r"without a source.*05_search"):
        book.chapters(toy)


# ------------------------------------------------------------------------ cache


def test_cache_key_changes_with_each_input():
    base = dict(source_text="# a", params={"n": 1}, package="p1", data="d1", environment="e1", reads={"05": "x"})
    key = book.cache_key(**base)
    assert key == book.cache_key(**base)
    assert key == book.cache_key(**{**base, "params": {"n": 1}})
    for change in ({"source_text": "# b"}, {"params": {"n": 2}}, {"params": {"n": 1, "m": 0}}, {"package": "p2"},
                   {"data": "d2"}, {"environment": "e2"}, {"reads": {"05": "y"}}, {"reads": {}}):
        assert book.cache_key(**{**base, **change}) != key, change


def test_package_digest_tracks_source_files(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "book").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "book" / "chapters.yml").write_text("a: 1\n")
    before = book.package_digest(pkg)
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"junk")
    assert book.package_digest(pkg) == before
    (pkg / "a.py").write_text("x = 2\n")
    after_py = book.package_digest(pkg)
    assert after_py != before
    (pkg / "book" / "chapters.yml").write_text("a: 2\n")
    assert book.package_digest(pkg) != after_py


def test_data_digest_tracks_checksums_and_user_data(toy):
    before = book.data_digest(toy, {"data_path": None})
    toy.sha256sums.write_text("def  siqd_ensemble.csv\n")
    after = book.data_digest(toy, {"data_path": None})
    assert after != before
    (toy.root / "mine.csv").write_text("a\n1\n")
    with_user = book.data_digest(toy, {"data_path": "mine.csv"})  # relative to the book root
    assert with_user != after
    (toy.root / "mine.csv").write_text("a\n2\n")
    assert book.data_digest(toy, {"data_path": str(toy.root / "mine.csv")}) != with_user


def test_data_digest_tracks_a_users_structures_file(toy):
    (toy.root / "mine.extxyz").write_text("1\nid=a\nSi 0 0 0\n")
    params = {"data_path": None, "structures_path": "mine.extxyz"}
    first = book.data_digest(toy, params)
    assert first != book.data_digest(toy, {"data_path": None, "structures_path": None})
    (toy.root / "mine.extxyz").write_text("1\nid=a\nSi 0 0 1\n")
    assert book.data_digest(toy, params) != first
    # the same file as data_path or as structures_path are different inputs
    assert book.data_digest(toy, {"data_path": "mine.extxyz"}) != book.data_digest(toy, params)


def test_outputs_digest_tracks_exports_and_metrics_but_not_temporary_files(tmp_path):
    from siqd_utils.book.cache import outputs_digest

    folder, metrics = tmp_path / "outputs" / "a", tmp_path / "metrics" / "a.json"
    folder.mkdir(parents=True)
    (folder / "t.csv").write_text("1\n")
    first = outputs_digest(folder, metrics)
    (folder / ".t.csv.123.tmp").write_text("partial")
    assert outputs_digest(folder, metrics) == first
    metrics.parent.mkdir()
    metrics.write_text("{}")
    with_metrics = outputs_digest(folder, metrics)
    assert with_metrics != first
    (folder / "sub").mkdir()
    (folder / "sub" / "w.csv").write_text("2\n")
    assert outputs_digest(folder, metrics) != with_metrics


# -------------------------------------------------------------------------- CLI


def test_cli_bad_requests_exit_2(toy, capsys):
    assert book.main(["run", "05_search", "--profile", "fastest"], layout=toy) == 2
    assert "unknown profile 'fastest'" in capsys.readouterr().err
    assert book.main(["run", "nope", "--profile", "quick"], layout=toy) == 2
    assert "unknown chapter 'nope'" in capsys.readouterr().err
    assert book.main(["run", "05_search", "-p", "n_trail", "3"], layout=toy) == 2
    assert "['n_trail']" in capsys.readouterr().err
    assert book.main(["run", "05_search", "-p", "scale", "0"], layout=toy) == 2
    assert "05_search: scale = 0: must be an integer >= 1" in capsys.readouterr().err
    assert not (toy.root / "_build" / "executed").exists()


def test_cli_params_lists_values_origins_ranges_and_help(toy, capsys):
    assert book.main(["params", "--profile", "paper", "-p", "seed", "7"], layout=toy) == 0
    out = capsys.readouterr().out
    assert "07_sum  (reads: 04_other, 05_search, 06_regress)" in out
    assert "  scale = 500  [profile paper]  an integer >= 1\n      this chapter's own contribution" in out
    assert "  seed = 7  [-p]  an integer >= 0" in out
    assert "  output_dir = '_build/outputs/05_search'  [runner]  a folder path, or None" in out
    assert book.main(["params", "05", "--yaml"], layout=toy) == 0
    # every declared name: scale from its default, seed from the profile, output_dir from the runner
    assert capsys.readouterr().out.splitlines() == ["05_search:", "  seed: 42", "  scale: 1",
                                                    "  output_dir: _build/outputs/05_search"]


def test_cli_params_of_the_real_book(capsys):
    assert book.main(["params", "05_classification", "--profile", "paper"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"n_trials = 5000  \[profile paper\]  an integer >= 1\n      random-search trials", out)
    assert "n_jobs = -1  [default]  -1 or an integer >= 1" in out


def test_summary_table_lists_every_chapter():
    table = book.summary_table([book.ChapterResult("01_data", "executed", 3.21),
                                book.ChapterResult("02_x", "cached", 1.0, True)])
    lines = table.splitlines()
    assert lines[0].split() == ["chapter", "status", "seconds", "cached?"]
    assert "01_data" in lines[2] and "3.2" in lines[2] and lines[3].rstrip().endswith("yes")

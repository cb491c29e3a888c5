"""Every command the README shows runs: as typed, or with the cheapest settings that exercise it.

The README is the list.  :func:`documented_commands` reads every line of its ``bash`` blocks and
every inline command of its prose; :data:`HOW` says, for each one, how this test runs it.  A
command added to the README without an entry here (or an entry whose command left the README)
fails :func:`test_every_documented_command_has_an_entry_here`, so the two cannot drift apart.

How a command is run (``Check.how``):

``as typed``
    exactly as the README shows it, from the repository (or the folder ``cwd`` names);
``cheaper``
    ``command`` instead: the same target or module with the cheapest settings that exercise it
    (the quick profile, the session's build folder, ``--dry-run``, a benchmark's smallest sizes),
    with ``why``;
``make -n``
    only where a run is impossible inside a test (``why`` says which: ``make test`` itself, or a
    target that takes minutes or installs system packages); make checks the target exists and
    prints its recipe, and every ``python -m MODULE SUBCOMMAND`` of that recipe is run with
    ``--help``, so a recipe naming a module or subcommand that is gone fails too.

Commands that need the session's quick book (``book=True``) run with the book tests at the end of
``make test``; the others run with the unit tests.  Commands starting with ``python``,
``jupytext``, ``papermill`` or ``dask`` run with ``.venv/bin`` first on ``PATH`` (the README
assumes the environment is active).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
VENV_BIN = ROOT / ".venv" / "bin"
#: Inline code in the README's prose that is a command (a bare ``python`` or ``make -n`` is not).
_INLINE_COMMAND = re.compile(r"^(make [a-z]|python -m |python benchmarks/|\.venv/bin/)")


def documented_commands(text: str) -> list[str]:
    """Every command of the README: bash-block lines (continuations joined, comments and blank
    lines dropped, trailing ``# ...`` removed) and inline spans of the prose that are commands."""
    found: list[str] = []
    for block in re.findall(r"```(?:bash|sh|shell|console)\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                found.append(" ".join(line.split()))
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`\n]+)`", prose):
        if _INLINE_COMMAND.match(span):
            found.append(" ".join(span.split()))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Check:
    how: str  # "as typed", "cheaper", "make -n"
    command: str | None = None  # for "cheaper": what runs instead ({session}, {tmp}, {venv} are filled in)
    why: str = ""
    book: bool = False  # needs the session's quick book
    cwd: str | None = None  # "{tmp}": run in the test's scratch folder (with my_dots/ and my_dots.csv)
    exit_code: int = 0
    expect: str | None = None  # a regex the output must match


TYPED = Check("as typed")
_LONG = "takes minutes"
_NOT_HERE = "installs Debian packages with apt-get (the test must not change the machine)"

#: How each documented command is exercised.  Keys are the README's commands, normalised as by
#: :func:`documented_commands`.
HOW: dict[str, Check] = {
    # -- make targets
    "make book": Check("cheaper", "make book PROFILE=quick BUILD_DIR={session}",
                       "the standard profile takes about 20 min; the same target, quick, on the session's build",
                       book=True, expect=r"Nothing was re-executed"),
    "make test": Check("make -n", why="it is the command running this test"),
    "make test-quick": Check("make -n", why="a second test session (about a minute) inside this one"),
    "make check-data": Check("make -n", why=_LONG + " (every tight-binding gap); CI's data tests cover its steps"),
    "make book PROFILE=quick": Check("cheaper", "make book PROFILE=quick BUILD_DIR={session}",
                                     "the session has built exactly this; here on its build folder", book=True),
    'make book ARGS="-p n_trials 1000"': Check(
        "cheaper", 'make book PROFILE=quick BUILD_DIR={session} ARGS="-p n_trials 1000 --dry-run"',
        "1000-trial searches take hours; the dry run checks the value and says what would execute",
        book=True, expect=r"05_classification\s+would execute"),
    'make book ARGS="--dry-run"': Check("cheaper", 'make book PROFILE=quick BUILD_DIR={session} ARGS="--dry-run"',
                                        "on the session's build folder", book=True, expect=r"Dry run: nothing executed"),
    "make book PROFILE=paper": Check(
        "cheaper", 'make book PROFILE=paper BUILD_DIR={tmp}/paper ARGS="--dry-run"',
        "a dry run: the paper profile takes hours (its resumption is tests/test_search_chunks.py's)",
        book=True),
    'make book PROFILE=paper ARGS="-p search_backend dask -p dask_scheduler tcp://HOST:8786"': Check(
        "cheaper", 'make book PROFILE=paper BUILD_DIR={tmp}/paper ARGS="-p search_backend dask '
                   '-p dask_scheduler tcp://127.0.0.1:8786 --dry-run"',
        "the paper profile takes hours and needs a cluster; the dry run checks the values", book=True,
        expect=r"would execute"),
    'make book ARGS="-p data_path $PWD/my_dots.csv"': Check(
        "cheaper", 'make book PROFILE=quick BUILD_DIR={session} ARGS="-p data_path {tmp}/my_dots.csv --dry-run"',
        "the table of a few featurized dots; the dry run checks it is a table the loader accepts", book=True,
        expect=r"01_data\s+would execute"),
    "make book ARGS=--no-strict": Check("cheaper", "make book PROFILE=quick BUILD_DIR={session} ARGS=--no-strict",
                                        "on the session's build", book=True),
    "make venv": TYPED,
    "make data": Check("make -n", why=_LONG + " and rewrites data/; make check-data's test regenerates it"),
    "make bench": Check("make -n", why=_LONG + "; each benchmark script runs below at its smallest sizes"),
    "make browser": TYPED,
    "make publish": Check("cheaper", "make publish BUILD_DIR={session}", "the session's build is the book last built",
                          book=True, expect=r"Published .*siqd-book-quick-"),
    "make publish PUBLISH_PROFILE=paper": Check(
        "cheaper", "make publish PUBLISH_PROFILE=paper BUILD_DIR={session}",
        "as typed, with no terminal to answer: it must print the cost and the Dask commands, then stop",
        book=True, exit_code=2, expect=r"(?s)200,000.*dask scheduler.*not started"),
    "make tex": Check("make -n", why=_NOT_HERE),
    "make pdf": Check("make -n", why=_NOT_HERE + "; a PDF build takes minutes"),
    "make clean": Check("make -n", why="it would delete the build folder this test session uses"),
    # -- the runner
    "source .venv/bin/activate": TYPED,
    "python -m siqd_utils.book --help": TYPED,
    "python -m siqd_utils.book params --profile paper": Check("as typed", expect=r"n_trials = 5000"),
    "python -m siqd_utils.book params 05 --yaml": Check("as typed", expect=r"05_classification:"),
    "python -m siqd_utils.book build": Check("cheaper", "python -m siqd_utils.book build --profile quick "
                                                        "--build-dir {session} --dry-run",
                                             "the standard build takes about 20 min", book=True),
    ".venv/bin/python -m siqd_utils.book run 01_data --profile quick -p data_path my_dots.csv": Check(
        "cheaper", "{venv}/python -m siqd_utils.book run 01_data --profile quick -p data_path my_dots.csv "
                   "--build-dir {tmp}/build",
        "as typed from the folder holding my_dots.csv, into a scratch build folder", cwd="{tmp}",
        expect=r"01_data\s+executed"),
    ".venv/bin/python -m siqd_utils.book build --only 05_classification -p n_trials 1000": Check(
        "cheaper", "{venv}/python -m siqd_utils.book build --profile quick --build-dir {session} "
                   "--only 05_classification -p n_trials 1000 --dry-run",
        "1000-trial searches take hours; the dry run checks the request and what --only would re-run",
        book=True, expect=r"06_regression\s+would execute"),
    ".venv/bin/python -m siqd_utils.book build --profile quick --no-wait": Check(
        "cheaper", "{venv}/python -m siqd_utils.book build --profile quick --no-wait --build-dir {session}",
        "on the session's build folder, current: the HTML is rebuilt", book=True, expect=r"Nothing was re-executed"),
    ".venv/bin/jupytext --to ipynb notebooks/01_data.md": TYPED,
    ".venv/bin/papermill notebooks/01_data.ipynb _build/01_data.run.ipynb -k python3 --cwd notebooks "
    "-p data_path my_dots.csv -p bins 50": Check(
        "cheaper", "{venv}/papermill notebooks/01_data.ipynb {tmp}/01_data.run.ipynb -k python3 --cwd notebooks "
                   "-p data_path {tmp}/my_dots.csv -p bins 50 -p output_dir {tmp}/out01",
        "my_dots.csv and the outputs in the scratch folder, not in the repository"),
    "python -m http.server -d _build/html": Check("cheaper", "python -m http.server --help",
                                                  "a server runs until stopped"),
    # -- searches on a cluster
    "dask scheduler": Check("cheaper", "dask scheduler --help", "a scheduler runs until stopped"),
    "dask worker tcp://HOST:8786 --nworkers 8 --nthreads 1": Check("cheaper", "dask worker --help",
                                                                   "a worker needs a scheduler and runs until stopped"),
    # -- the data
    "python -m siqd_utils.reconstruct --help": TYPED,
    "python -m siqd_utils.reconstruct choices": Check("cheaper", "python -m siqd_utils.reconstruct choices --help",
                                                      "about a minute with a cold cache; make check-data runs it"),
    "python -m siqd_utils.reconstruct build --n-jobs 2": Check(
        "cheaper", "python -m siqd_utils.reconstruct build --out {tmp}/small --max-diameter 1.5 --n-jobs 1 --quiet",
        "the small ensemble (D <= 1.5 nm) into a scratch folder; the full one takes minutes"),
    ".venv/bin/python -m siqd_utils.reconstruct featurize my_dots/*.xyz --targets wavelengths.csv -o my_dots.csv": Check(
        "as typed", cwd="{tmp}", expect=r"12 structures -> my_dots.csv"),
    ".venv/bin/python -m siqd_utils.reconstruct featurize my_dots/*.xyz --targets wavelengths.csv -o my_dots.csv "
    "--skip-errors": Check("as typed", cwd="{tmp}", expect=r"12 structures -> my_dots.csv"),
    "python -m siqd_utils.book.publish --help": TYPED,
    "python -m siqd_utils.book.publish archive --profile paper": Check(
        "as typed", why="with no terminal to answer, it prints the paper profile's cost and stops before any build",
        exit_code=2, expect=r"(?s)200,000.*not started"),
    "cd _build/publish && sha256sum -c siqd-book-*.tar.gz.sha256": Check(
        "cheaper", "cd {session}/publish && sha256sum -c siqd-book-*.tar.gz.sha256",
        "the archive make publish wrote above, in the session's build folder", book=True, expect=r": OK"),
    "tar -xzf siqd-book-*.tar.gz": Check("cheaper", "tar -xzf {session}/publish/siqd-book-*.tar.gz -C {tmp}",
                                         "unpacked into the scratch folder", book=True),
    # -- benchmarks
    "python benchmarks/ils_bench.py": Check("cheaper", "python benchmarks/ils_bench.py --repeats 1 --max-n 2000 "
                                                       "--skip-reference", "n up to 2,000, one run, no O(n^3) loops"),
    "python benchmarks/ils_calibration.py": Check("cheaper", "python benchmarks/ils_calibration.py --max-n 300",
                                                  "the smallest data sets only"),
    "python benchmarks/reconstruct_bench.py": Check("cheaper", "python benchmarks/reconstruct_bench.py --repeat 1 "
                                                               "--small-only", "the small ensemble, one run"),
    "python benchmarks/tb_bench.py": Check("cheaper", "python benchmarks/tb_bench.py --radii 5.56 8.0",
                                           "the two smallest clusters"),
    "python benchmarks/search_bench.py --n-trials 12 --repeats 3": Check(
        "cheaper", "python benchmarks/search_bench.py --n-trials 2 --cv-folds 2 --repeats 1",
        "two trials, two folds, one repeat"),
    ".venv/bin/python benchmarks/search_bench.py --n-trials 12 --repeats 3": Check(
        "cheaper", "{venv}/python benchmarks/search_bench.py --n-trials 2 --cv-folds 2 --repeats 1",
        "two trials, two folds, one repeat"),
    ".venv/bin/python benchmarks/halving_bench.py --n-trials 200 --repeats 2": Check(
        "cheaper", "{venv}/python benchmarks/halving_bench.py --n-trials 3 --cv-folds 2 --repeats 1",
        "three trials, two folds, one repeat"),
    ".venv/bin/python benchmarks/search_bench.py --n-trials 60 --repeats 3": Check(
        "cheaper", "{venv}/python benchmarks/search_bench.py --n-trials 2 --cv-folds 2 --repeats 1",
        "two trials, two folds, one repeat"),
}


def test_every_documented_command_has_an_entry_here():
    documented = documented_commands(README.read_text(encoding="utf-8"))
    missing = [c for c in documented if c not in HOW]
    stale = [c for c in HOW if c not in documented]
    assert not missing, "README commands this test does not run (add them to HOW):\n  " + "\n  ".join(missing)
    assert not stale, "HOW entries whose command is no longer in the README:\n  " + "\n  ".join(stale)
    for command, check in HOW.items():
        assert check.how in ("as typed", "cheaper", "make -n"), command
        assert (check.command is not None) == (check.how == "cheaper"), command
        assert check.how == "as typed" or check.why, f"{command}: say why it is not run as typed"


def test_the_reader_finds_commands_in_blocks_and_prose():
    text = ("Intro `make book` and `python` and `make -n`.\n```bash\nmake a \\\n  B=1   # comment\n"
            "# only a comment\n\npython -m x --y\n```\n")
    assert documented_commands(text) == ["make a B=1", "python -m x --y", "make book"]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder as a user would have it: .venv (a link to the repository's), my_dots/*.xyz (12
    shipped dots, written as plain xyz), wavelengths.csv, and the my_dots.csv featurize makes."""
    from ase import Atoms
    from ase.io import write

    from siqd_utils.datasets import DATA_DIR
    from siqd_utils.structures import read_by_id

    folder = tmp_path_factory.mktemp("readme")
    (folder / ".venv").symlink_to(ROOT / ".venv")  # commands typed as `.venv/bin/...` find the environment
    table = pd.read_csv(DATA_DIR / "siqd_ensemble.csv")
    ids = table["id"].iloc[::23].head(12).tolist()  # spread over the sizes
    (folder / "my_dots").mkdir()
    structures = read_by_id(DATA_DIR / "siqd_structures.extxyz.gz", ids)
    for ident in ids:
        atoms = structures[ident]
        write(folder / "my_dots" / f"{ident}.xyz", Atoms(atoms.get_chemical_symbols(), atoms.positions), format="xyz")
    table.set_index("id").loc[ids, ["wavelength_nm"]].to_csv(folder / "wavelengths.csv")
    featurize = (".venv/bin/python -m siqd_utils.reconstruct featurize my_dots/*.xyz --targets wavelengths.csv "
                 "-o my_dots.csv")
    _assert_ran(featurize, HOW[featurize], _run(HOW[featurize], featurize, folder, session=None))
    return folder


def _recipe_modules(target: str) -> list[str]:
    """``python -m MODULE [SUBCOMMAND]`` calls in ``make -n TARGET``'s recipe."""
    out = subprocess.run(["make", "-n", *shlex.split(target)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, f"make -n {target}: {out.stderr}"
    calls = re.findall(r"python -m ([\w.]+)((?: [a-z][\w-]*)?)", out.stdout)
    return [f"{module}{sub}" for module, sub in calls if module.startswith("siqd_utils") or module == "pytest"]


def _run(check: Check, command: str, tmp: Path, session: Path | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("PYTHONPATH", None)
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    fill = {"tmp": str(tmp), "venv": str(VENV_BIN), "session": str(session) if session else ""}
    if check.how == "make -n":
        target = command.removeprefix("make ")
        proc = subprocess.run(["make", "-n", *shlex.split(target)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
        for call in _recipe_modules(target):
            module, *sub = call.split()
            if module == "pytest":
                continue
            helped = subprocess.run([str(VENV_BIN / "python"), "-m", module, *sub, "--help"], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=60)
            assert helped.returncode == 0, f"make {target}'s recipe runs `python -m {call}`, which fails:\n" \
                                           f"{helped.stderr[-2000:]}"
        return proc
    text = (check.command if check.how == "cheaper" else command).format(**fill)
    cwd = Path(check.cwd.format(**fill)) if check.cwd else ROOT
    return subprocess.run(["bash", "-c", text], cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)


def _assert_ran(command: str, check: Check, proc: subprocess.CompletedProcess) -> None:
    said = proc.stdout + proc.stderr
    assert proc.returncode == check.exit_code, (
        f"`{command}` ({check.how}{': ' + check.command if check.command else ''}) exited {proc.returncode}, "
        f"expected {check.exit_code}:\n{said[-3000:]}")
    if check.expect:
        assert re.search(check.expect, said), f"`{command}`: no /{check.expect}/ in its output:\n{said[-3000:]}"


def _same_run(commands: list[str]) -> dict[str, list[str]]:
    """README commands grouped by what the test runs for them (the first of each group names it).

    Several README lines can come down to one run: a benchmark shown as ``python ...`` and as
    ``.venv/bin/python ...`` at two sizes has one cheapest form, and ``python`` is the
    environment's (``.venv/bin`` is first on ``PATH``).  Each distinct run runs once.
    """
    groups: dict[tuple, list[str]] = {}
    for command in commands:
        check = HOW[command]
        text = check.command if check.how == "cheaper" else command
        text = re.sub(r"^(?:\{venv\}/|\.venv/bin/)python ", "python ", text)
        key = (check.how if check.how == "make -n" else "run", text, check.cwd, check.exit_code, check.expect)
        groups.setdefault(key, []).append(command)
    return {group[0]: group for group in groups.values()}


_UNIT = _same_run([c for c, k in HOW.items() if not k.book])
_BOOK = [c for c, k in HOW.items() if k.book]


@pytest.mark.parametrize("command", list(_UNIT))
def test_command_runs(command, scratch):
    """``command`` and every README command that comes down to the same run (see :func:`_same_run`)."""
    check = HOW[command]
    _assert_ran(" and ".join(f"`{c}`" for c in _UNIT[command]).strip("`"), check,
                _run(check, command, scratch, session=None))


@pytest.mark.book
@pytest.mark.parametrize("command", _BOOK)
def test_command_runs_on_the_session_book(command, scratch, quick_book):
    check = HOW[command]
    if command.startswith(("cd ", "tar ")) and not list((quick_book.build_dir / "publish").glob("*.tar.gz")):
        _assert_ran("make publish", HOW["make publish"], _run(HOW["make publish"], "make publish", scratch,
                                                               quick_book.build_dir))
    _assert_ran(command, check, _run(check, command, scratch, quick_book.build_dir))


def test_a_broken_command_fails_its_check(tmp_path):
    """The check can fail: a command that exits non-zero, or prints the wrong thing, is reported."""
    broken = Check("cheaper", "python -c 'import sys; sys.exit(3)'", "a stand-in")
    with pytest.raises(AssertionError, match="exited 3"):
        _assert_ran("x", broken, _run(broken, "x", tmp_path, None))
    quiet = Check("cheaper", "true", "a stand-in", expect="something")
    with pytest.raises(AssertionError, match="no /something/"):
        _assert_ran("y", quiet, _run(quiet, "y", tmp_path, None))
    assert shutil.which("make")

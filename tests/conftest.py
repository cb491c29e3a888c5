"""Shared fixtures: the quick book, built once per test session and shared by every test that needs it.

``quick_book`` is every chapter executed (quick profile) by the book's runner and the
HTML built, in ``_build/test-session/`` inside the repository (emptied first), so that
the paths the pages show are repository-relative, as in a real build.  A test that uses
it, directly or through another fixture, is marked ``book``; ``make test-quick`` leaves
those out (and the ``slow`` data regeneration checks).

The build starts in a process of its own (``tests/session_book.py``) as soon as the
session's tests are collected, and the book tests run last: the chapters execute on one
core while the unit tests run on the other.  The fixture waits for that process and fails
with the end of its log if the build failed.  Book tests need one pytest process (they
share the build, and one re-executes a chapter in it); under pytest-xdist they fail saying
so, and ``make test-quick``, which leaves them out, runs on two workers.

``paper_shaped_book`` is the same for the ``paper`` profile with its trial, seed and
permutation counts overridden small (:data:`PAPER_SHAPED`): chapters 05, 06, 08 and 09, the
ones whose paper settings differ from the quick profile's in more than size, executed on one
core at the lowest CPU priority in ``_build/test-paper-shaped/`` (no HTML), once the quick
build has ended (while the quick book's tests run), so that a
failure on a path only the paper profile takes (10-fold searches and evaluations, 10-fold
conformal calibration, enough seeds for chapter 08's intervals) shows in minutes, not
after hours.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from siqd_utils import book

_BUILDER = Path(__file__).with_name("session_book.py")
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # set in pytest-xdist's worker processes

#: Chapters of the paper-shaped build: those whose paper settings change more than sizes.
PAPER_SHAPED_CHAPTERS = ("05_classification", "06_regression", "08_robustness", "09_design")
#: What the paper-shaped build overrides in the paper profile; every other value is the paper's
#: (10-fold search and evaluation CV in 05-06, 10-fold conformal calibration in 09, dpi 150).
PAPER_SHAPED = {
    "n_trials": 2,         # 5000 (05-06) and 20 (08) draws: two are enough to choose between
    "n_seeds": 6,          # 08: 10 in the paper; 6 is the fewest for its t-intervals (robustness.MIN_SEEDS)
    "outer_folds": 2,      # 08 and 09: 10 in the paper
    "inner_folds": 2,      # 08: 3 in the paper
    "n_permutations": 5,   # 08: 200
    "n_repeats": 2,        # 08: 20 repeats of the permutation importance
    "n_estimators": 20,    # 05: the random forest's 300 trees
    "n_jobs": 1,           # one core: the quick build and the unit tests use the other
}


@dataclass(frozen=True)
class _SessionBuild:
    """A book built once per session by tests/session_book.py, in a process of its own."""

    name: str
    args: tuple[str, ...]
    stash: pytest.StashKey
    nice: bool = False  # run at the lowest CPU priority

    @property
    def build_dir(self) -> Path:
        return book.REPO_ROOT / "_build" / self.name  # inside the repository, git-ignored like every build

    @property
    def log(self) -> Path:
        return self.build_dir.with_name(f"{self.name}.log")

    @property
    def result(self) -> Path:
        return self.build_dir.with_name(f"{self.name}.pickle")


_QUICK = _SessionBuild("test-session", (), pytest.StashKey[subprocess.Popen]())
_PAPER = _SessionBuild("test-paper-shaped",
                       ("--profile", "paper", "--no-html", "--only", *PAPER_SHAPED_CHAPTERS,
                        *(a for name, value in PAPER_SHAPED.items() for a in ("-p", name, str(value)))),
                       pytest.StashKey[subprocess.Popen](), nice=True)
_FIXTURES = {"quick_book": _QUICK, "paper_shaped_book": _PAPER}
#: The quick build's folder and files (other tests name them).
SESSION_BUILD, SESSION_LOG, SESSION_RESULT = _QUICK.build_dir, _QUICK.log, _QUICK.result


@dataclass(frozen=True)
class QuickBook:
    """The session's build: its folder, every chapter's result (toc order), the HTML index."""

    build_dir: Path
    results: list
    index: Path

    @property
    def params(self) -> dict[str, dict]:
        """The values each chapter ran with: its declared defaults (the ``parameters`` cell), then
        the values injected into it (a profile lists only what differs from the defaults)."""
        schema = book.load_schema()
        return {r.chapter: {**schema.chapters[r.chapter].defaults(), **r.params} for r in self.results}


def _needs(item, fixture: str) -> bool:
    return fixture in getattr(item, "fixturenames", ())


def _needs_book(item) -> bool:
    return any(_needs(item, f) for f in _FIXTURES)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _needs_book(item):
            item.add_marker(pytest.mark.book)
    # Book tests last (stable order otherwise): the unit tests run while the book builds; the
    # paper-shaped build's tests after the quick book's, since it builds at low priority (below).
    paper = [i for i in items if _needs(i, "paper_shaped_book")]
    items[:] = [i for i in items if not _needs_book(i)] + [i for i in items if _needs_book(i) and i not in paper] + paper


def pytest_collection_finish(session):
    if session.config.option.collectonly or _XDIST_WORKER:
        return  # under xdist the fixture explains
    before: list[str] = []
    for fixture, build in _FIXTURES.items():
        if any(_needs(i, fixture) for i in session.items):
            build.build_dir.parent.mkdir(parents=True, exist_ok=True)
            build.result.unlink(missing_ok=True)
            log = build.log.open("w")
            session.config.stash[build.stash] = proc = subprocess.Popen(
                [sys.executable, str(_BUILDER), str(build.build_dir), str(build.result), *build.args, *before],
                stdout=log, stderr=subprocess.STDOUT, cwd=book.REPO_ROOT,
                # the paper-shaped build takes the CPU the quick build and the tests leave idle (its
                # kernels inherit the priority); its own process group: what it starts ends with it
                preexec_fn=(lambda: os.nice(19)) if build.nice else None, start_new_session=True)
            log.close()  # the child holds its own handle
            # the next build starts when this one ends: the quick build, which every other book test
            # waits for, has both cores beside the unit tests, and the paper-shaped one runs while the
            # quick book's tests (mostly one core) run
            before = ["--after-pid", str(proc.pid)]


def pytest_sessionfinish(session):
    for build in _FIXTURES.values():
        proc = session.config.stash.get(build.stash, None)
        if proc is not None and proc.poll() is None:  # the session ended before the book tests (-x, Ctrl-C)
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()


def _wait_for(pytestconfig, build: _SessionBuild, what: str):
    if _XDIST_WORKER:
        # Every worker would build the book into the same folder, and one book test
        # re-executes a chapter there while others read it.
        pytest.fail("the book tests share one build of the book: run them in one process (without -n, "
                    "as make test does), or leave them out with -m 'not book' (make test-quick does)",
                    pytrace=False)
    proc = pytestconfig.stash.get(build.stash, None)
    if proc is None:
        pytest.fail(f"the session's {what} was not started (tests/conftest.py, pytest_collection_finish)")
    code = proc.wait()
    if code != 0 or not build.result.is_file():
        tail = "\n".join(build.log.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"the session's {what} failed (exit {code}); full log: {build.log}\n{tail}", pytrace=False)
    return pickle.loads(build.result.read_bytes())


@pytest.fixture(scope="session")
def quick_book(pytestconfig) -> QuickBook:
    results, index = _wait_for(pytestconfig, _QUICK, "quick book build")
    return QuickBook(SESSION_BUILD, results, index)


@pytest.fixture(scope="session")
def paper_shaped_book(pytestconfig) -> QuickBook:
    """Chapters 05, 06, 08 and 09 in the paper profile with :data:`PAPER_SHAPED` (no HTML: ``index`` is None)."""
    results, index = _wait_for(pytestconfig, _PAPER, "paper-shaped build")
    return QuickBook(_PAPER.build_dir, results, index)

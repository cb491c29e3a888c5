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

#: The session's book build, inside the repository (git-ignored, like every build output).
SESSION_BUILD = book.REPO_ROOT / "_build" / "test-session"
#: What the build process leaves: its log, and (on success) the pickled results.
SESSION_LOG = SESSION_BUILD.with_name("test-session.log")
SESSION_RESULT = SESSION_BUILD.with_name("test-session.pickle")
_BUILDER = Path(__file__).with_name("session_book.py")
_BUILD = pytest.StashKey[subprocess.Popen]()
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # set in pytest-xdist's worker processes


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


def _needs_book(item) -> bool:
    return "quick_book" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _needs_book(item):
            item.add_marker(pytest.mark.book)
    # Book tests last (stable order otherwise): the unit tests run while the book builds.
    items[:] = [i for i in items if not _needs_book(i)] + [i for i in items if _needs_book(i)]


def pytest_collection_finish(session):
    if session.config.option.collectonly or not any(_needs_book(i) for i in session.items):
        return
    if _XDIST_WORKER:
        return  # the fixture explains
    SESSION_BUILD.parent.mkdir(parents=True, exist_ok=True)
    SESSION_RESULT.unlink(missing_ok=True)
    log = SESSION_LOG.open("w")
    session.config.stash[_BUILD] = subprocess.Popen(
        [sys.executable, str(_BUILDER), str(SESSION_BUILD), str(SESSION_RESULT)],
        stdout=log, stderr=subprocess.STDOUT, cwd=book.REPO_ROOT,
        start_new_session=True)  # its own process group: the kernels and Sphinx it starts end with it
    log.close()  # the child holds its own handle


def pytest_sessionfinish(session):
    proc = session.config.stash.get(_BUILD, None)
    if proc is not None and proc.poll() is None:  # the session ended before the book tests (-x, Ctrl-C)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


@pytest.fixture(scope="session")
def quick_book(pytestconfig) -> QuickBook:
    if _XDIST_WORKER:
        # Every worker would build the book into the same folder, and one book test
        # re-executes a chapter there while others read it.
        pytest.fail("the book tests share one build of the book: run them in one process (without -n, "
                    "as make test does), or leave them out with -m 'not book' (make test-quick does)",
                    pytrace=False)
    proc = pytestconfig.stash.get(_BUILD, None)
    if proc is None:
        pytest.fail("the session's book build was not started (tests/conftest.py, pytest_collection_finish)")
    code = proc.wait()
    if code != 0 or not SESSION_RESULT.is_file():
        tail = "\n".join(SESSION_LOG.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"the session's quick book build failed (exit {code}); full log: {SESSION_LOG}\n{tail}",
                    pytrace=False)
    results, index = pickle.loads(SESSION_RESULT.read_bytes())
    return QuickBook(SESSION_BUILD, results, index)

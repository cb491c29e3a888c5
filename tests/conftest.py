"""Shared fixtures: the quick book, built once per test session and shared by every test that needs it.

``quick_book`` executes every chapter (quick profile) with the book's runner and builds
the HTML, into ``_build/test-session/`` inside the repository (emptied first), so that
the paths the pages show are repository-relative, as in a real build.  A test that
uses it, directly or through another fixture, is marked ``book``; ``make test-quick``
leaves those out (and the ``slow`` full data regeneration).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from siqd_utils import book

#: The session's book build, inside the repository (git-ignored, like every build output).
SESSION_BUILD = book.REPO_ROOT / "_build" / "test-session"


@dataclass(frozen=True)
class QuickBook:
    """The session's build: its folder, every chapter's result (toc order), the HTML index."""

    build_dir: Path
    results: list
    index: Path

    @property
    def params(self) -> dict[str, dict]:
        """The values injected into each chapter."""
        return {r.chapter: r.params for r in self.results}


@pytest.fixture(scope="session")
def quick_book() -> QuickBook:
    shutil.rmtree(SESSION_BUILD, ignore_errors=True)
    results, index = book.build_book(book.Layout(book.REPO_ROOT), profile="quick", build_dir=SESSION_BUILD,
                                     log=lambda *a, **k: None)
    return QuickBook(SESSION_BUILD, results, index)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "quick_book" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.book)

"""Build the test session's quick book in a process of its own (a helper script, not a test file).

``tests/conftest.py`` starts it as soon as pytest knows a selected test needs the book, so
that the chapters execute on one core while the unit tests run on the other; the
``quick_book`` fixture then waits for it and reads the results it leaves.

Usage: ``python tests/session_book.py BUILD_DIR RESULT_FILE``.  Empties ``BUILD_DIR``,
builds every chapter (quick profile) and the HTML there, then writes the chapter results
and the index path, pickled, to ``RESULT_FILE`` (atomically, and only on success).
"""

from __future__ import annotations

import pickle
import shutil
import sys
from pathlib import Path

from siqd_utils import book
from siqd_utils.atomic import write_bytes_atomic


def main(build_dir: Path, result_file: Path) -> None:
    shutil.rmtree(build_dir, ignore_errors=True)
    results, index = book.build_book(book.Layout(book.REPO_ROOT), profile="quick", build_dir=build_dir,
                                     log=lambda *a, **k: print(*a, flush=True))
    write_bytes_atomic(result_file, pickle.dumps((results, index)))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

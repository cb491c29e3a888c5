"""Build one of the test session's books in a process of its own (a helper script, not a test file).

``tests/conftest.py`` starts it as soon as pytest knows a selected test needs that book, so
that the chapters execute while the unit tests run; the ``quick_book`` and
``paper_shaped_book`` fixtures then wait for it and read the results it leaves.

Usage: ``python tests/session_book.py BUILD_DIR RESULT_FILE [--profile NAME] [--only CHAPTER ...]
[-p NAME VALUE ...] [--no-html] [--after-pid PID]``.  Empties ``BUILD_DIR``, runs the chapters (every one by
default; quick profile by default; ``-p`` as on the book's command line) and, unless
``--no-html``, builds the HTML there, then writes the chapter results and the index path
(None without HTML), pickled, to ``RESULT_FILE`` (atomically, and only on success).
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import time
from pathlib import Path

from siqd_utils import book
from siqd_utils.atomic import write_bytes_atomic
from siqd_utils.book.profiles import parse_overrides


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a finished child not yet reaped by its parent is a zombie: ended for our purpose
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build_dir", type=Path)
    ap.add_argument("result_file", type=Path)
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--only", nargs="+", default=None)
    ap.add_argument("-p", dest="overrides", nargs=2, action="append", metavar=("NAME", "VALUE"))
    ap.add_argument("--no-html", action="store_true")
    ap.add_argument("--after-pid", type=int, default=None, help="start when this process has ended")
    args = ap.parse_args(argv)
    while args.after_pid is not None and _alive(args.after_pid):
        time.sleep(1)
    shutil.rmtree(args.build_dir, ignore_errors=True)
    layout = book.Layout(book.REPO_ROOT)
    common = dict(profile=args.profile, only=args.only, overrides=parse_overrides(args.overrides),
                  build_dir=args.build_dir, log=lambda *a, **k: print(*a, flush=True))
    if args.no_html:
        results, index = book.run_chapters(layout, **common), None
    else:
        results, index = book.build_book(layout, **common)
    write_bytes_atomic(args.result_file, pickle.dumps((results, index)))


if __name__ == "__main__":
    main()

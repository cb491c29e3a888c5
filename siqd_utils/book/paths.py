"""The book's path convention: paths in parameters are relative to the repository.

The chapters run with the working directory ``notebooks/`` (as Jupyter and Jupyter
Book run them), but a path a reader gives, and every path the runner injects, is
relative to the *book root*: the repository folder that holds ``_toc.yml``.  So
``data_path = "my_dots.csv"`` means ``<repository>/my_dots.csv`` wherever the
chapter runs, pages show ``_build/outputs/03_structure_classes`` rather than one
machine's absolute path, and an absolute path keeps working as given.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PACKAGE_DIR", "REPO_ROOT", "book_root", "display_path", "resolve_path"]

#: The ``siqd_utils`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The repository holding the package (an editable install or a checkout).
REPO_ROOT = PACKAGE_DIR.parent
#: The file that marks the book root.
ROOT_MARKER = "_toc.yml"


def book_root(start: Path | str | None = None) -> Path:
    """The book root: the nearest folder at or above ``start`` (default: the cwd) holding ``_toc.yml``.

    Outside any book (a chapter copied elsewhere), the repository of the package if it
    is a book, else ``start`` itself.
    """
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / ROOT_MARKER).is_file():
            return folder
    return REPO_ROOT if (REPO_ROOT / ROOT_MARKER).is_file() else start


def resolve_path(value: Path | str, root: Path | None = None) -> Path:
    """An absolute path: ``value`` itself if absolute (``~`` expanded), else ``root / value``."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else (root or book_root()) / path).resolve()


def display_path(path: Path | str, root: Path | None = None) -> str:
    """A path as the book shows (and the runner injects) it: relative to the book root when inside it.

    POSIX separators; a path outside the root is given absolute.
    """
    root = (root or book_root()).resolve()
    path = resolve_path(path, root)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)

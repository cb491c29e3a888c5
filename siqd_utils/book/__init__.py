"""The book's runner: execute the chapters with papermill, keep them current, build the HTML.

Usage (``make book`` runs the first line with ``--profile standard``)::

    python -m siqd_utils.book build [--profile quick|standard|paper] [--only CHAPTER]
                                    [-p NAME VALUE ...] [--build-dir _build] [--force] [--strict] [--no-wait]
    python -m siqd_utils.book run CHAPTER [--profile ...] [-p NAME VALUE ...] [--force] [--no-wait]
    python -m siqd_utils.book params [CHAPTER] [--profile ...] [-p NAME VALUE ...] [--yaml]

Modules
-------
:mod:`~siqd_utils.book.chapter`
    :func:`~siqd_utils.book.chapter.setup`, the one call of every chapter's set-up cell.
:mod:`~siqd_utils.book.parameters`
    The chapters' schema (``chapters.yml``): each parameter declared once, and what each
    chapter reads; validation and the error messages.
:mod:`~siqd_utils.book.profiles`
    The profiles (``profiles.yml``) and ``-p`` overrides, checked against the schema.
:mod:`~siqd_utils.book.paths`
    The path convention: parameters' paths are relative to the repository.
:mod:`~siqd_utils.book.layout`
    Where the book's files are; the chapters in ``_toc.yml`` order.
:mod:`~siqd_utils.book.cache`
    Cache keys (upstream outputs included) and the stamps of executed chapters.
:mod:`~siqd_utils.book.runner`
    The plan (dependency order), executing chapters, ``--only``, the build.
:mod:`~siqd_utils.book.kernel`
    The kernel a chapter runs in, its stderr (and its worker processes') kept in a log; it
    imports the checkout's own ``siqd_utils``.
:mod:`~siqd_utils.book.lock`
    One build at a time in a build folder: the lock, and who holds it.
:mod:`~siqd_utils.book.render`
    Staging the executed chapters and building the HTML with Jupyter Book.
:mod:`~siqd_utils.book.cli`
    The command line.
"""

from .cache import cache_key, data_digest, package_digest
from .chapter import setup
from .cli import main, summary_table
from .errors import BookError, ChapterFailed, ParameterError
from .layout import Chapter, Layout, chapters, read_text_notebook, select_chapters, toc_files
from .parameters import SCHEMA_FILE, load_schema
from .paths import PACKAGE_DIR, REPO_ROOT, display_path
from .profiles import PROFILES_FILE, chapter_params, check_overrides, load_profiles, parse_overrides, parse_value
from .runner import ChapterResult, Plan, build_book, chapter_state, plan, resolve_all, run_chapters

__all__ = [
    "PACKAGE_DIR", "PROFILES_FILE", "REPO_ROOT", "SCHEMA_FILE",
    "BookError", "Chapter", "ChapterFailed", "ChapterResult", "Layout", "ParameterError", "Plan",
    "build_book", "cache_key", "chapter_params", "chapter_state", "chapters", "check_overrides", "data_digest",
    "display_path", "load_profiles", "load_schema", "main", "package_digest", "parse_overrides", "parse_value",
    "plan", "read_text_notebook", "resolve_all", "run_chapters", "select_chapters", "setup", "summary_table",
    "toc_files",
]

"""What a chapter calls in its set-up cell: :func:`setup`.

Every chapter opens with a ``parameters`` cell (literal defaults; papermill injects
new values after it) and a hidden set-up cell that holds its imports and one call::

    from siqd_utils.book.chapter import display_path, setup

    P, out, csv = setup("03_structure_classes", globals())

:func:`setup` validates the chapter's parameters against its declarations in
``siqd_utils/book/chapters.yml``, resolves the data and export paths (relative paths
are relative to the repository, wherever the chapter runs), sets the figure
resolution and prints the data and export paths as the book shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

from .errors import ParameterError
from .kernel import check_kernel_package
from .parameters import SCHEMA_FILE, load_schema
from .paths import book_root, display_path, resolve_path

__all__ = ["ChapterSetup", "default_output_dir", "display_path", "glue_values", "setup"]


class ChapterSetup(NamedTuple):
    """What :func:`setup` returns; unpack it as ``P, out, csv = setup(...)``."""

    #: The chapter's parameters, validated (file and folder paths absolute, None kept).
    params: SimpleNamespace
    #: The folder the chapter exports to (absolute): ``output_dir``, or ``_build/outputs/<chapter>``.
    output_dir: Path
    #: The data table the chapter reads (absolute): ``data_path``, or the shipped ensemble.
    data_file: Path | None


def default_output_dir(chapter: str, root: Path | None = None) -> Path:
    """Where a chapter exports when ``output_dir`` is None: ``<repository>/_build/outputs/<chapter>``."""
    return (root or book_root()) / "_build" / "outputs" / chapter


def setup(chapter: str, namespace: Mapping[str, Any], *, schema_file: Path | str = SCHEMA_FILE,
          verbose: bool = True) -> ChapterSetup:
    """Validate a chapter's parameters, resolve its paths and set the figure resolution.

    Parameters
    ----------
    chapter : str
        The chapter's name (its notebook's stem, e.g. ``"03_structure_classes"``).
    namespace : mapping
        Where the parameters cell left its values: pass ``globals()``.
    schema_file : path, default=siqd_utils/book/chapters.yml
        The schema that declares the chapter's parameters.
    verbose : bool, default=True
        Print the data and export paths (relative to the repository).

    Returns
    -------
    ChapterSetup
        ``(params, output_dir, data_file)``.

    Raises
    ------
    ParameterError
        Naming the chapter, the first invalid parameter, its value and what is allowed,
        or a declared parameter the notebook does not define.
    BookError
        Run by the book's runner, if the kernel imported another ``siqd_utils`` than the
        one the runner builds with (:func:`siqd_utils.book.kernel.check_kernel_package`).

    Examples
    --------
    >>> P, out, csv = setup("02_correlations", {"data_path": None, "correlation_threshold": 0.9,
    ...                                          "dpi": 110, "output_dir": None}, verbose=False)
    >>> P.correlation_threshold, out.parts[-2:], csv.name
    (0.9, ('outputs', '02_correlations'), 'siqd_ensemble.csv')
    """
    check_kernel_package(chapter)  # run by the runner: the kernel runs the code the runner hashed
    spec = load_schema(schema_file).chapter(chapter)
    missing = [name for name in spec.params if name not in namespace]
    if missing:
        raise ParameterError(f"{chapter}: the notebook defines no {missing}, declared in "
                             f"{Path(schema_file).name} (add them to its parameters cell)")
    root = book_root()
    values = spec.validate({name: namespace[name] for name in spec.params}, root)
    params = SimpleNamespace(**values)
    output_dir = values.get("output_dir") or default_output_dir(chapter, root)
    data_file = None
    if "data_path" in values:
        from ..datasets import ENSEMBLE_CSV

        data_file = resolve_path(values["data_path"] or ENSEMBLE_CSV, root)
    if "dpi" in values:
        import matplotlib as mpl

        mpl.rcParams["figure.dpi"] = values["dpi"]
    _plain_text_tables()
    if verbose:
        shown = [f"data: {display_path(data_file, root)}"] if data_file is not None else []
        print("\n".join([*shown, f"exports: {display_path(output_dir, root)}"]))
    return ChapterSetup(params, Path(output_dir), data_file)


def _plain_text_tables() -> None:
    """Give styled tables a plain-text form in the running kernel (the PDF shows that form)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from pandas.io.formats.style import Styler

    from ..report.tables import styler_text

    shell.display_formatter.formatters["text/plain"].for_type(Styler, lambda st, p, cycle: p.text(styler_text(st)))


def glue_values(values: Mapping[str, Any]) -> None:
    """Glue every ``name -> value`` for the chapter's prose (``{glue:text}`name```), without display."""
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value, display=False)

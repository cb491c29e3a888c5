"""The kernel a chapter runs in: Jupyter's, with its standard error kept in a file of the build.

A chapter's kernel, and the worker processes its searches start (joblib's loky, Dask),
write some things straight to the process's standard error, outside the notebook: a
``ConvergenceWarning`` from each network fitted in a worker, the kernel's start-up notices.
On a terminal they bury the runner's own lines.  The runner gives each chapter's kernel a
log file instead, ``<build>/reports/<chapter>.stderr.log``, and prints one line saying
what it holds (:func:`summarise_stderr`).  What the notebook shows, cells' warnings
included, is unchanged.

Each checkout runs its own code.  With the package installed in an environment (editable,
from one checkout) that builds of several checkouts share, a kernel would import the
installed ``siqd_utils``, and read that checkout's ``data/``, while the runner hashes its
own.  The runner therefore puts the folder of the package it hashes first on the kernel's
``PYTHONPATH`` and names that package in :data:`PACKAGE_ENV`; a chapter's set-up
(:func:`check_kernel_package`) stops if the kernel imported another.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from .errors import BookError
from .paths import PACKAGE_DIR, display_path

__all__ = ["PACKAGE_ENV", "check_kernel_package", "kernel_manager_class", "stderr_log", "summarise_stderr"]

#: The environment variable naming, in a chapter's kernel, the ``siqd_utils`` folder the runner hashed.
PACKAGE_ENV = "SIQD_BOOK_PACKAGE"

_WARNING_RE = re.compile(r"\b([A-Z]\w*Warning):")


def stderr_log(build_dir: Path, chapter: str) -> Path:
    """Where the standard error of ``chapter``'s kernel goes."""
    return build_dir / "reports" / f"{chapter}.stderr.log"


def kernel_manager_class(stderr_path: Path, *, package_dir: Path | None = None,
                         pass_fds: Sequence[int] = ()) -> type[AsyncKernelManager]:
    """A kernel manager (for ``papermill.execute_notebook``) whose kernels write stderr to ``stderr_path``.

    The file is emptied when the kernel starts; the kernel and every process it starts
    inherit the descriptor.  With ``package_dir``, the kernel imports ``siqd_utils`` from
    that folder whatever is installed (its parent first on ``PYTHONPATH``; see
    :data:`PACKAGE_ENV`).  ``pass_fds`` are descriptors the kernel inherits (the build
    folder's lock, so that a kernel outliving its runner keeps the folder locked).
    """
    stderr_path.parent.mkdir(parents=True, exist_ok=True)

    class ChapterKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            if package_dir is not None:
                env = dict(kw.get("env") or os.environ)
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(package_dir).parent), env.get("PYTHONPATH")]))
                env[PACKAGE_ENV] = str(package_dir)
                kw["env"] = env
            if pass_fds:
                kw["pass_fds"] = tuple(pass_fds)  # handed on to subprocess.Popen by jupyter_client
            with open(stderr_path, "wb") as stream:  # the kernel holds its own copy of the descriptor
                kw.setdefault("stderr", stream)
                return await super().start_kernel(**kw)

    return ChapterKernelManager


def summarise_stderr(path: Path) -> str | None:
    """One line on what a kernel wrote to stderr: the warnings by category and the line count.

    ``None`` if the file is missing or empty.
    """
    if not path.is_file():
        return None
    text = path.read_text(errors="replace")
    lines = text.splitlines()
    if not lines:
        return None
    counts = Counter(_WARNING_RE.findall(text))
    warned = ", ".join(f"{n} {category}" for category, n in sorted(counts.items()))
    size = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
    return f"stderr of the kernel and its workers: {warned + ' in ' if warned else ''}{size}, kept in {display_path(path)}"


def check_kernel_package(where: str) -> None:
    """In a chapter's kernel: stop if ``siqd_utils`` is not the package the runner hashed.

    Does nothing outside the runner (no :data:`PACKAGE_ENV`: a chapter run by hand).

    Raises
    ------
    BookError
        Naming both folders.
    """
    expected = os.environ.get(PACKAGE_ENV)
    if expected and Path(expected).resolve() != PACKAGE_DIR:
        raise BookError(f"{where}: this kernel imported siqd_utils from {PACKAGE_DIR}, but the runner builds the "
                        f"book with {expected} (its code is what the cache key hashes); check PYTHONPATH and "
                        "what is installed in the environment")

"""The kernel a chapter runs in: Jupyter's, with its standard error kept in a file of the build.

A chapter's kernel, and the worker processes its searches start (joblib's loky, Dask),
write some things straight to the process's standard error, outside the notebook: a
``ConvergenceWarning`` from each network fitted in a worker, the kernel's start-up notices.
On a terminal they bury the runner's own lines.  The runner gives each chapter's kernel a
log file instead, ``<build>/reports/<chapter>.stderr.log``, and prints one line saying
what it holds (:func:`summarise_stderr`).  What the notebook shows, cells' warnings
included, is unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from .paths import display_path

__all__ = ["kernel_manager_class", "stderr_log", "summarise_stderr"]

_WARNING_RE = re.compile(r"\b([A-Z]\w*Warning):")


def stderr_log(build_dir: Path, chapter: str) -> Path:
    """Where the standard error of ``chapter``'s kernel goes."""
    return build_dir / "reports" / f"{chapter}.stderr.log"


def kernel_manager_class(stderr_path: Path) -> type[AsyncKernelManager]:
    """A kernel manager (for ``papermill.execute_notebook``) whose kernels write stderr to ``stderr_path``.

    The file is emptied when the kernel starts; the kernel and every process it starts
    inherit the descriptor.
    """
    stderr_path.parent.mkdir(parents=True, exist_ok=True)

    class ChapterKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
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

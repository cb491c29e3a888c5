"""Atomic file writes: write a temporary file beside the target, then rename over it.

A reader never sees a half-written file, and an interrupted write leaves the old one.

A temporary's name says who writes it: ``.<target name>.<pid>@<host>.<random>.tmp``
(:func:`temporary_path`), so that a process killed mid-write (``kill -9`` gives it no chance
to clean up) leaves a file that a later run can recognise as its leftover and remove
(:func:`temporary_writer`, :func:`writer_is_gone`), without touching a temporary that a
live process on this or another machine is still writing.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
from pathlib import Path

__all__ = ["TemporaryWriter", "remove_leftovers", "temporary_path", "temporary_writer", "write_bytes_atomic",
           "write_text_atomic", "writer_is_gone"]

# Dots would make the name ambiguous; a host's first label is enough to tell machines apart.
_HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname().split(".")[0]) or "localhost"
#: ``.<target>.<pid>@<host>.<random>.tmp``, or ``.<target>.<pid>@<host>.tmp<suffix>`` (a fixed
#: name for a writer that needs the target's extension, as papermill does), or the older
#: ``.<target>.<pid>.tmp.ipynb`` and ``.<target>.<random>.tmp`` that name no host or no writer.
_TEMPORARY = re.compile(
    r"^\.(?P<target>.+?)\.(?:(?P<pid>\d+)(?:@(?P<host>[A-Za-z0-9_-]+))?\.)?(?:[a-z0-9_]{8}\.)?tmp(?:\.[A-Za-z0-9]+)?$")


class TemporaryWriter:
    """Who writes a temporary file: ``pid`` and ``host`` (``None`` when its name does not say)."""

    __slots__ = ("host", "pid")

    def __init__(self, pid: int | None, host: str | None):
        self.pid, self.host = pid, host

    def __repr__(self) -> str:
        return f"TemporaryWriter(pid={self.pid}, host={self.host!r})"


def temporary_path(path: Path | str, *, pid: int | None = None, suffix: str = "") -> Path:
    """The name of this process's temporary for ``path``: ``.<name>.<pid>@<host>.tmp<suffix>``.

    For writers that create the file themselves (papermill); :func:`write_bytes_atomic`
    adds a random part so that several threads can write one target.
    """
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid() if pid is None else pid}@{_HOST}.tmp{suffix}")


def temporary_writer(path: Path | str) -> TemporaryWriter | None:
    """The writer a temporary file's name records, or ``None`` if the name is not a temporary's."""
    match = _TEMPORARY.match(Path(path).name)
    if match is None:
        return None
    return TemporaryWriter(int(match["pid"]) if match["pid"] else None, match["host"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by another user
        return True
    return True


def writer_is_gone(writer: TemporaryWriter) -> bool | None:
    """Whether the process that wrote a temporary has ended: ``None`` if that cannot be told here.

    A writer on another host, or a name without a PID, cannot be checked from this machine.
    A PID reused by an unrelated process reads as alive, which only keeps a leftover longer.
    """
    if writer.pid is None or (writer.host is not None and writer.host != _HOST):
        return None
    return not _alive(writer.pid)


def remove_leftovers(folder: Path | str, *, writerless: bool = False, skip=None) -> list[Path]:
    """Remove the temporaries under ``folder`` whose writer has ended; return them.

    Parameters
    ----------
    folder : path-like
        Searched recursively (symbolic links are not followed).
    writerless : bool, default=False
        Also remove temporaries whose name names no writer (the older naming).  Only for a
        caller that knows no one else writes there (a build holding its folder's lock).
    skip : callable, optional
        ``skip(subfolder)`` true: leave that subfolder alone (e.g. another build's folder).
    """
    removed: list[Path] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if skip is None or not skip(Path(here, d))]
        for name in files:
            writer = temporary_writer(name)
            if writer is None:
                continue
            gone = writer_is_gone(writer)
            if gone or (gone is None and writer.pid is None and writerless):
                path = Path(here, name)
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (mode 0644, parents created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}@{_HOST}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; return the path."""
    return write_bytes_atomic(path, text.encode("utf-8"))

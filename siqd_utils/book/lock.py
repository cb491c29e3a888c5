"""One build at a time in a build folder: an advisory lock, and a record of who holds it.

A build (``python -m siqd_utils.book build`` or ``run``, ``make book``, ``make publish``,
``make pdf``: everything that goes through :func:`~siqd_utils.book.runner.run_chapters` or
:func:`~siqd_utils.book.runner.build_book`) takes the lock of its build folder before it
empties, executes or writes anything there, and keeps it to the end.  A second build in the
same folder waits, saying who holds it (PID, host, since when, the command); with
``--no-wait`` it refuses at once with that message (:class:`BuildLocked`).

How
---
The lock is :func:`fcntl.flock` on ``<build>/build.lock``, a file that is never deleted.  The
operating system releases it when the last process holding it ends, however it ends
(``kill -9`` included), so a killed build never leaves the folder locked.  The processes a
build starts that write into the folder (each chapter's kernel, the Sphinx build) inherit
the lock (:func:`inherited_fds`): a kernel left running by a killed build keeps the folder
locked until it too has ended, so no orphan writes beside the next build.

Beside it, ``<build>/build.lock.json`` records the holder for the message (written
atomically once the lock is held, removed when it is released).  A record found on taking
the lock therefore belongs to a build that ended without releasing it: the new holder says
that it took the lock over, and whose it was.

What it guarantees
------------------
On one machine: at most one build works in a folder at a time.  Across machines sharing
the folder over NFS, Linux maps ``flock`` onto NFS byte-range locks, so the guarantee
holds too when the file system supports locking (NFSv4, or NFSv3 with ``lockd``); a mount
with ``nolock`` or ``local_lock=all`` only locks among the processes of each machine.  The
takeover note then names the other host, so the case does not pass unnoticed.  Whether a
holder on another machine is alive cannot be told from here; the lock alone decides.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from .errors import BookError

__all__ = ["LOCK_FILE", "RECORD_FILE", "BuildLocked", "build_lock", "describe_holder", "inherited_fds", "read_holder"]

#: The file ``flock`` locks, in the build folder.
LOCK_FILE = "build.lock"
#: Who holds the lock (JSON: pid, host, since, command), in the build folder.
RECORD_FILE = "build.lock.json"

#: This process's locks, by build folder: [descriptor, depth].  A build that calls another
#: locked step of the runner (build_book runs the chapters, publish builds the book) holds
#: the lock once; ``flock`` would otherwise make a process wait for itself.
_HELD: dict[Path, list[int]] = {}


class BuildLocked(BookError):
    """Another build holds the build folder's lock (raised with ``wait=False``)."""

    def __init__(self, message: str, holder: dict[str, Any] | None):
        super().__init__(message)
        #: The holder's record (pid, host, since, command), or None if it had none yet.
        self.holder = holder


def read_holder(build_dir: Path) -> dict[str, Any] | None:
    """The record of the lock's holder in ``build_dir``, or None (no record, or unreadable)."""
    try:
        record = json.loads((Path(build_dir) / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _alive_here(record: dict[str, Any]) -> bool | None:
    """Whether the recorded process runs: None when it ran on another host (cannot be told)."""
    if record.get("host") != socket.gethostname() or not isinstance(record.get("pid"), int):
        return None
    try:
        os.kill(record["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds / 3600:.1f} h ago"


def describe_holder(record: dict[str, Any] | None) -> str:
    """``PID 4242 on host h since 2026-12-04 10:31:07 +0000 (3 min ago): python -m siqd_utils.book build``."""
    if not record:
        return "another process (it has not recorded itself yet)"
    text = f"PID {record.get('pid', '?')} on host {record.get('host', '?')}"
    if isinstance(record.get("started"), (int, float)):
        when = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(record["started"]))
        text += f" since {when} ({_ago(time.time() - record['started'])})"
    if record.get("command"):
        text += f": {record['command']}"
    return text


def _holding(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _command() -> str:
    """This process's command line, shortened: ``python -m siqd_utils.book build --profile quick``."""
    argv = list(getattr(sys, "orig_argv", sys.argv))
    argv[0] = Path(argv[0]).name or "python"
    if len(argv) > 2 and argv[1] == "-c":
        argv[2] = "..."  # the code itself is too long to show
    return shlex.join(argv)


@contextmanager
def build_lock(build_dir: Path | str, *, wait: bool = True, log=print) -> Iterator[Path]:
    """Hold the lock of ``build_dir`` (created if absent) for the ``with`` block.

    Parameters
    ----------
    build_dir : path-like
        The build folder.
    wait : bool, default=True
        If another build holds the lock, say so through ``log`` and wait for it; False
        raises :class:`BuildLocked` at once instead.
    log : callable, default=print
        Where the waiting message and the takeover note go.

    Yields
    ------
    pathlib.Path
        The build folder, resolved.

    Raises
    ------
    BuildLocked
        With ``wait=False``, if another build holds the lock; the message names it.
    """
    folder = Path(build_dir).resolve()
    if folder in _HELD:  # this process holds it already
        _HELD[folder][1] += 1
        try:
            yield folder
        finally:
            _HELD[folder][1] -= 1
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _holding(fd):
            holder = read_holder(folder)
            said = describe_holder(holder)
            if holder is not None and _alive_here(holder) is False:
                said += (f" (PID {holder['pid']} has ended; a process it started, such as a chapter's kernel, "
                         "still holds the lock)")
            if not wait:
                raise BuildLocked(f"the build folder {folder} is in use by another build: {said}. Wait for it to "
                                  "finish (without --no-wait the build waits), or use another --build-dir.", holder)
            log(f"waiting for the build folder {folder}: in use by {said}")
            start = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocks until the holder ends; Ctrl-C interrupts
            log(f"  the build folder is free after {time.monotonic() - start:.1f} s; going on")
        previous = read_holder(folder)
        if previous is not None:  # a record is removed on release: its build ended without releasing
            note = f"note: took over the lock of {folder} from {describe_holder(previous)}, which ended without releasing it"
            if _alive_here(previous) is None:
                note += (f"; if that build still runs on {previous.get('host', '?')}, this file system does not share "
                         "locks between hosts (an NFS mount with nolock or local_lock?), and the two builds collide")
            log(note)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "command": _command()}
        write_text_atomic(folder / RECORD_FILE, json.dumps(record, indent=2) + "\n")
        _HELD[folder] = [fd, 1]
        try:
            yield folder
        finally:
            del _HELD[folder]
            (folder / RECORD_FILE).unlink(missing_ok=True)  # before the lock goes: a waiter finds no stale record
    finally:
        os.close(fd)  # releases the lock (processes that inherited it keep it until they end)


def inherited_fds(build_dir: Path | str) -> tuple[int, ...]:
    """The descriptor of this process's lock on ``build_dir``, for ``Popen(pass_fds=...)``; () if not held.

    A process started with it holds the lock as long as it runs, even after this process ends.
    """
    held = _HELD.get(Path(build_dir).resolve())
    return (held[0],) if held else ()

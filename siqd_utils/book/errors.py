"""The runner's exceptions: a bad request or source, a bad parameter value, a failed chapter."""

from __future__ import annotations

from pathlib import Path

__all__ = ["BookError", "ChapterFailed", "ParameterError"]


class BookError(RuntimeError):
    """A problem with the request or the sources; the message says what to fix."""


class ParameterError(BookError, ValueError):
    """A chapter parameter has a value the chapter cannot use (the message names it and the value)."""


class ChapterFailed(BookError):
    """A chapter raised while papermill executed it."""

    def __init__(self, message: str, chapter: str, notebook: Path | None = None, seconds: float = 0.0):
        super().__init__(message)
        self.chapter = chapter
        self.notebook = notebook
        self.seconds = seconds
        #: Results of the chapters run before, of the failing one and of those left (set by the runner).
        self.results: list = []

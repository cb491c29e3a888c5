"""The chapters' schema: every parameter declared once, and what each chapter reads.

``siqd_utils/book/chapters.yml`` declares, per chapter, the chapters whose outputs it
reads and each parameter of its ``parameters`` cell: type, range or choices, default
and help (see the comments at the top of that file).  From these declarations come

* the validation of a chapter's values (:meth:`ChapterSchema.validate`, called by the
  chapter's set-up cell and by the runner before it starts a kernel),
* the checks of ``profiles.yml`` and of ``-p NAME VALUE`` overrides,
* the ``python -m siqd_utils.book params`` listing (:meth:`Param.allowed` gives the
  range in words),
* every error message: ``n_trials = 0: must be an integer >= 1 — random-search trials ...``.

The parameters cell keeps literal defaults for papermill; a test checks it against
the schema with :func:`papermill.inspect_notebook`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import BookError, ParameterError
from .paths import PACKAGE_DIR, book_root, resolve_path

__all__ = ["SCHEMA_FILE", "BookSchema", "ChapterSchema", "Interval", "Param", "load_schema"]

#: The shipped schema of the book's chapters.
SCHEMA_FILE = PACKAGE_DIR / "book" / "chapters.yml"

TYPES = ("int", "float", "bool", "str", "file", "folder")
_FIELDS = {"type", "default", "help", "range", "choices", "nullable", "content"}


def _ensemble_table(path: Path) -> None:
    from ..datasets import check_ensemble_header  # pandas: imported when a data file is checked

    check_ensemble_header(path)


#: What a ``file`` parameter's ``content`` may name: a quick check of the file (its header, not
#: every value) that raises ``ValueError`` saying what the file lacks.
CONTENTS = {"ensemble": _ensemble_table}
_INTERVAL_RE = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\])])\s*$")


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class Interval:
    """A numeric interval such as ``[1, inf)``; ``low``/``high`` may be infinite."""

    low: float
    high: float
    closed_low: bool
    closed_high: bool

    @classmethod
    def parse(cls, text: str) -> Interval:
        match = _INTERVAL_RE.match(str(text))
        if not match:
            raise ValueError(f"range {text!r} is not an interval such as '[1, inf)' or '(0, 1)'")
        left, lo, hi, right = match.groups()
        try:
            low, high = float(lo), float(hi)
        except ValueError:
            raise ValueError(f"range {text!r}: bounds must be numbers or inf") from None
        if low > high:
            raise ValueError(f"range {text!r}: the lower bound exceeds the upper")
        return cls(low, high, left == "[" and math.isfinite(low), right == "]" and math.isfinite(high))

    def __contains__(self, x: float) -> bool:
        above = x >= self.low if self.closed_low else x > self.low
        below = x <= self.high if self.closed_high else x < self.high
        return above and below

    def words(self) -> str:
        """``>= 1``, ``from 50 to 600``, ``strictly between 0 and 1``, or the interval itself."""
        lo, hi = _number_text(self.low), _number_text(self.high)
        if math.isinf(self.high) and math.isfinite(self.low):
            return f"{'>=' if self.closed_low else '>'} {lo}"
        if math.isinf(self.low) and math.isfinite(self.high):
            return f"{'<=' if self.closed_high else '<'} {hi}"
        if self.closed_low and self.closed_high:
            return f"from {lo} to {hi}"
        if not (self.closed_low or self.closed_high):
            return f"strictly between {lo} and {hi}"
        return str(self)

    def __str__(self) -> str:
        lo = "-inf" if math.isinf(self.low) else _number_text(self.low)
        hi = "inf" if math.isinf(self.high) else _number_text(self.high)
        return f"{'[' if self.closed_low else '('}{lo}, {hi}{']' if self.closed_high else ')'}"


_NOUNS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text",
          "file": "a path to an existing file", "folder": "a folder path"}


@dataclass(frozen=True)
class Param:
    """One parameter of one chapter: its type, allowed values, default and help."""

    name: str
    type: str
    default: Any
    help: str
    range: Interval | None = None
    choices: tuple = ()
    nullable: bool = False
    #: For a file, what it must hold (a key of :data:`CONTENTS`), checked with the value.
    content: str | None = None

    def allowed(self) -> str:
        """The allowed values in words: ``-1 or an integer >= 1``, ``a path to an existing file, or None``."""
        text = _NOUNS[self.type]
        if self.range is not None:
            text += f" {self.range.words()}"
        if self.choices:
            listed = " or ".join(repr(c) if isinstance(c, str) else str(c) for c in self.choices)
            text = f"{listed} or {text}" if self.range is not None or self.type in ("file", "folder") else f"one of {listed}"
        return text + (", or None" if self.nullable else "")

    def check(self, value: Any, root: Path | None = None, *, exists: bool = True) -> Any:
        """Validate ``value``; return it normalised (paths absolute, resolved against ``root``).

        Raises :class:`ParameterError` naming the parameter, the value and what is allowed.
        ``exists=False`` skips the file-system checks (for declared defaults).
        """
        if value is None:
            if self.nullable:
                return None
            raise self._error(value)
        if self.type in ("file", "folder"):
            if any(value is c for c in self.choices):  # e.g. false: "no folder"
                return value
            return self._check_path(value, root, exists)
        if self.type in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float) if self.type == "float" else int):
                raise self._error(value)
            if value in self.choices:
                return value
            if self.range is None or value in self.range:
                return float(value) if self.type == "float" else int(value)
            raise self._error(value)
        expected = bool if self.type == "bool" else str
        if not isinstance(value, expected) or (self.choices and value not in self.choices):
            raise self._error(value)
        return value

    def _check_path(self, value: Any, root: Path | None, exists: bool) -> Path:
        if not isinstance(value, (str, Path)) or str(value).strip() == "":
            raise self._error(value)
        if not exists:
            return Path(value)
        path = resolve_path(value, root)
        if self.type == "file" and not path.is_file():
            why = "is not a file" if path.exists() else "file does not exist"
            raise self._error(value, f"{why} (resolved to {path})")
        if self.content is not None:
            try:
                CONTENTS[self.content](path)
            except ValueError as exc:  # the message names the file and what it lacks
                raise self._error(value, str(exc)) from None
        if self.type == "folder" and path.exists() and not path.is_dir():
            raise self._error(value, f"exists and is not a folder (resolved to {path})")
        return path

    def _error(self, value: Any, why: str | None = None) -> ParameterError:
        return ParameterError(f"{self.name} = {value!r}: {why or 'must be ' + self.allowed()} \N{EM DASH} {self.help}")


@dataclass(frozen=True)
class ChapterSchema:
    """One chapter's entry: the chapters it reads and its parameters (in declaration order)."""

    name: str
    reads: tuple[str, ...]
    params: dict[str, Param]
    #: The model fits the chapter's searches make, as an expression of its integer parameters
    #: (:mod:`~siqd_utils.book.cost`); None for a chapter without searches.
    fits: str | None = None

    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.params.items()}

    def validate(self, values: Mapping[str, Any], root: Path | None = None, *, where: str | None = None) -> dict[str, Any]:
        """Check every value against its declaration; return the normalised values.

        Raises
        ------
        ParameterError
            For a name the chapter does not declare, or the first invalid value; the message
            starts with ``where`` (default: the chapter's name).
        """
        where = where or self.name
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            raise ParameterError(f"{where}: no parameter(s) {unknown} in this chapter "
                                 f"(declared in {SCHEMA_FILE.name}: {', '.join(self.params)})")
        root = root or book_root()
        out = {}
        for name, value in values.items():
            try:
                out[name] = self.params[name].check(value, root)
            except ParameterError as exc:
                raise ParameterError(f"{where}: {exc}") from None
        return out


@dataclass(frozen=True)
class BookSchema:
    """Every chapter's schema, by name, in the order of the schema file."""

    chapters: dict[str, ChapterSchema]
    source: Path

    def chapter(self, name: str) -> ChapterSchema:
        if name not in self.chapters:
            raise BookError(f"{self.source}: no entry for chapter {name!r} (entries: {', '.join(self.chapters)})")
        return self.chapters[name]

    def declaring(self, name: str) -> list[ChapterSchema]:
        """The chapters that declare a parameter called ``name``."""
        return [c for c in self.chapters.values() if name in c.params]


def _declaration(name: str, fields: Any, shared: dict[str, dict], where: str) -> Param:
    if fields is None:
        if name not in shared:
            raise BookError(f"{where}: {name!r} has no declaration (no fields here and no shared declaration)")
        fields = {}
    if not isinstance(fields, dict):
        raise BookError(f"{where}: {name!r} must be empty (the shared declaration) or a mapping of fields")
    merged = {**shared.get(name, {}), **fields}
    unknown = sorted(set(merged) - _FIELDS)
    if unknown:
        raise BookError(f"{where}: {name!r} has unknown field(s) {unknown}; fields: {sorted(_FIELDS)}")
    missing = [k for k in ("type", "default", "help") if k not in merged]
    if missing:
        raise BookError(f"{where}: {name!r} lacks {missing}")
    if merged["type"] not in TYPES:
        raise BookError(f"{where}: {name!r} has type {merged['type']!r}; types: {', '.join(TYPES)}")
    try:
        interval = Interval.parse(merged["range"]) if merged.get("range") is not None else None
    except ValueError as exc:
        raise BookError(f"{where}: {name!r}: {exc}") from None
    if interval is not None and merged["type"] not in ("int", "float"):
        raise BookError(f"{where}: {name!r}: a range needs type int or float, not {merged['type']}")
    content = merged.get("content")
    if content is not None and (merged["type"] != "file" or content not in CONTENTS):
        raise BookError(f"{where}: {name!r}: content {content!r} needs type file and one of {sorted(CONTENTS)}")
    param = Param(name, merged["type"], merged["default"], str(merged["help"]), interval,
                  tuple(merged.get("choices") or ()), bool(merged.get("nullable", False)), content)
    try:
        param.check(param.default, exists=False)
    except ParameterError as exc:
        raise BookError(f"{where}: the default breaks the declaration: {exc}") from None
    return param


def _parse_schema(data: Any, source: Path) -> BookSchema:
    if not isinstance(data, dict) or not isinstance(data.get("chapters"), dict) or not data["chapters"]:
        raise BookError(f"{source}: needs a 'chapters' mapping of chapter name -> entry")
    shared = data.get("shared") or {}
    if not isinstance(shared, dict) or not all(isinstance(v, dict) for v in shared.values()):
        raise BookError(f"{source}: 'shared' must map parameter names to declarations")
    for name, fields in shared.items():  # a shared declaration must be complete on its own
        _declaration(name, fields, {}, f"{source}: shared")
    chapters: dict[str, ChapterSchema] = {}
    for cname, entry in data["chapters"].items():
        where = f"{source}: chapters.{cname}"
        if not isinstance(entry, dict):
            raise BookError(f"{where} must be a mapping with 'reads' and 'parameters'")
        extra = sorted(set(entry) - {"reads", "parameters", "fits"})
        if extra:
            raise BookError(f"{where}: unknown key(s) {extra}; keys: reads, parameters, fits")
        reads = entry.get("reads") or []
        if not isinstance(reads, list) or not all(isinstance(r, str) for r in reads):
            raise BookError(f"{where}.reads must be a list of chapter names")
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise BookError(f"{where}.parameters must map parameter names to declarations")
        declared = {n: _declaration(n, f, shared, f"{where}.parameters") for n, f in params.items()}
        fits = entry.get("fits")
        if fits is not None:
            from .cost import check_fits_expression

            check_fits_expression(str(fits), {n: p.default for n, p in declared.items() if p.type == "int"}, where)
        chapters[cname] = ChapterSchema(str(cname), tuple(reads), declared, None if fits is None else str(fits))
    for chapter in chapters.values():
        for up in chapter.reads:
            if up == chapter.name:
                raise BookError(f"{source}: chapters.{chapter.name} reads itself")
            if up not in chapters:
                raise BookError(f"{source}: chapters.{chapter.name} reads {up!r}, which is not a chapter "
                                f"(chapters: {', '.join(chapters)})")
    return BookSchema(chapters, source)


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> BookSchema:
    return _parse_schema(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def load_schema(path: Path | str = SCHEMA_FILE) -> BookSchema:
    """Read and check a schema file (``chapters.yml``); errors name the file, chapter and field."""
    path = Path(path).resolve()
    if not path.is_file():
        raise BookError(f"chapter schema not found: {path}")
    return _load(path, path.stat().st_mtime_ns)

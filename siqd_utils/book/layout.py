"""Where the book's pieces are: the repository layout, the table of contents and the chapters.

:class:`Layout` names every file the runner reads (tests point it at a toy book in a
temporary folder); :func:`chapters` lists the chapters in ``_toc.yml`` order and checks
that the toc and ``notebooks/*.md`` agree; :func:`select_chapters` resolves names given
on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import BookError
from .parameters import SCHEMA_FILE
from .paths import PACKAGE_DIR
from .profiles import PROFILES_FILE

__all__ = ["Chapter", "Layout", "chapters", "read_text_notebook", "select_chapters", "toc_files"]


@dataclass(frozen=True)
class Layout:
    """Where the book's pieces are; tests point it at a temporary tree."""

    root: Path
    profiles_file: Path = PROFILES_FILE
    schema_file: Path = SCHEMA_FILE
    package_dir: Path = PACKAGE_DIR

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def toc(self) -> Path:
        return self.root / "_toc.yml"

    @property
    def config(self) -> Path:
        return self.root / "_config.yml"

    @property
    def sha256sums(self) -> Path:
        return self.root / "data" / "SHA256SUMS"

    @property
    def provenance(self) -> Path:
        return self.root / "data" / "PROVENANCE.md"

    @property
    def requirements(self) -> Path:
        return self.root / "requirements.txt"


@dataclass(frozen=True)
class Chapter:
    """One chapter: ``notebooks/<name>.md``."""

    name: str
    source: Path

    @property
    def paired(self) -> Path:
        return self.source.with_suffix(".ipynb")


def toc_files(toc_path: Path) -> list[str]:
    """Every ``file:`` entry of a Jupyter Book ``_toc.yml``, root first, in order."""
    if not toc_path.is_file():
        raise BookError(f"table of contents not found: {toc_path}")
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    files = [toc["root"]] if "root" in toc else []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def chapters(layout: Layout) -> list[Chapter]:
    """The chapters in ``_toc.yml`` order; the toc and ``notebooks/*.md`` must agree."""
    listed = [f for f in toc_files(layout.toc) if f.startswith("notebooks/")]
    names = [Path(f).with_suffix("").name for f in listed]
    on_disk = sorted(p.stem for p in layout.notebooks.glob("*.md"))
    missing = [n for n in names if n not in on_disk]
    if missing:
        raise BookError(f"{layout.toc.name} lists chapter(s) without a source notebooks/<name>.md: {missing}")
    unlisted = [n for n in on_disk if n not in names]
    if unlisted:
        raise BookError(f"notebooks/{unlisted[0]}.md is not listed in {layout.toc.name} (unlisted: {unlisted})")
    return [Chapter(n, layout.notebooks / f"{n}.md") for n in names]


def select_chapters(all_chapters: Sequence[Chapter], wanted: Iterable[str] | None) -> list[Chapter]:
    """Pick chapters by name (``01_data``), file name or unique prefix (``01``)."""
    if not wanted:
        return list(all_chapters)
    by_name = {c.name: c for c in all_chapters}
    picked: list[Chapter] = []
    for raw in wanted:
        key = Path(raw).name
        key = key[: -len(Path(key).suffix)] if Path(key).suffix in (".md", ".ipynb") else key
        match = by_name.get(key) or None
        if match is None:
            candidates = [c for c in all_chapters if c.name.startswith(key)]
            match = candidates[0] if len(candidates) == 1 else None
        if match is None:
            raise BookError(f"unknown chapter {raw!r}; chapters: {', '.join(by_name) or '(none)'}")
        if match not in picked:
            picked.append(match)
    return [c for c in all_chapters if c in picked]


def read_text_notebook(path: Path):
    """Read a Jupytext text notebook (MyST Markdown) into an nbformat notebook."""
    import jupytext

    return jupytext.read(path, fmt="md:myst")

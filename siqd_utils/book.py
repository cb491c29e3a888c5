"""Execute the book's chapters with papermill and build the HTML with Jupyter Book.

Usage (``make book`` runs the first line with ``--profile standard``)::

    python -m siqd_utils.book build [--profile quick|standard|paper] [--only CHAPTER]
                                    [-p NAME VALUE ...] [--build-dir _build] [--force] [--no-strict]
    python -m siqd_utils.book run CHAPTER [--profile ...] [-p NAME VALUE ...] [--force]
    python -m siqd_utils.book params [CHAPTER] [--profile ...] [-p NAME VALUE ...]

How a chapter runs
------------------
1. Its text source ``notebooks/NN_name.md`` (Jupytext MyST) is written to the paired
   ``notebooks/NN_name.ipynb`` (git-ignored) with the Jupytext API.  If that ``.ipynb``
   is newer than the ``.md`` and its cells differ (edited in Jupyter without Jupytext),
   the runner stops rather than overwrite the edits.
2. Its parameters are assembled from ``siqd_utils/profiles.yml`` (``common`` then the
   chapter's entry, each ``all`` then the profile) and the ``-p NAME VALUE`` overrides
   (values read as YAML scalars).  Only names the chapter declares in its ``parameters``
   cell are injected; ``output_dir`` defaults to ``<build-dir>/outputs/<chapter>``.
3. Papermill executes it with kernel ``python3`` and **cwd = notebooks/** (as Jupyter and
   Jupyter Book would) into ``<build-dir>/executed/NN_name.ipynb``, written atomically.
   The chapter validates its own parameters (:func:`siqd_utils.params.check_params`);
   a failure stops the build and names the chapter, the cell and the error.  The
   failed notebook is kept as ``<build-dir>/executed/NN_name.failed.ipynb``.
4. Cache: next to each executed notebook, ``NN_name.json`` records a key hashing the
   chapter's source text, the injected parameters, every source file of ``siqd_utils``,
   ``requirements.txt`` and the data checksums (``data/SHA256SUMS``, plus the SHA-256
   of a user's ``data_path``).  Same key: the chapter is not re-run.  ``--force`` re-runs.

How the book is built
---------------------
``<build-dir>/stage/`` receives ``_config.yml``, ``_toc.yml``, ``book/``,
``data/PROVENANCE.md`` and the executed notebooks in place of the ``.md`` sources.
Jupyter Book (its Python API, in a subprocess, execution off) turns the stage into
``<build-dir>/html``.  Sphinx errors fail the build; warnings are listed and saved to
``<build-dir>/reports/sphinx-warnings.txt`` and fail the build too (``-W --keep-going``;
``--no-strict`` lets a build with warnings finish, for drafts).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .atomic import write_text_atomic

__all__ = [
    "BookError",
    "Chapter",
    "ChapterFailed",
    "ChapterResult",
    "Layout",
    "build_book",
    "cache_key",
    "chapter_params",
    "declared_parameters",
    "load_profiles",
    "plan",
    "main",
    "absolute_paths",
    "parse_overrides",
    "run_chapters",
]

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
PROFILES_FILE = PACKAGE_DIR / "profiles.yml"
KERNEL_NAME = "python3"
#: Bump to invalidate every cached chapter (e.g. when the executed form changes).
CACHE_VERSION = 1
_ALL = "all"


class BookError(RuntimeError):
    """A problem with the request or the sources; the message says what to fix."""


class ChapterFailed(BookError):
    """A chapter raised while papermill executed it."""

    def __init__(self, message: str, chapter: str, notebook: Path | None = None, seconds: float = 0.0):
        super().__init__(message)
        self.chapter = chapter
        self.notebook = notebook
        self.seconds = seconds
        #: Results of the chapters run before, and of the failing one (set by the runner).
        self.results: list[ChapterResult] = []


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where the book's pieces are; tests point it at a temporary tree."""

    root: Path
    profiles_file: Path = PROFILES_FILE
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


# ----------------------------------------------------------------------- parameters


def read_text_notebook(path: Path):
    """Read a Jupytext text notebook (MyST Markdown) into an nbformat notebook."""
    import jupytext

    return jupytext.read(path, fmt="md:myst")


def declared_parameters(nb, where: str = "notebook") -> dict[str, Any]:
    """Names (and literal defaults) assigned in the cell tagged ``parameters``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise BookError(f"{where}: no code cell tagged 'parameters'")
    if len(cells) > 1:
        raise BookError(f"{where}: {len(cells)} cells tagged 'parameters'; keep one")
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as exc:
        raise BookError(f"{where}: the parameters cell is not valid Python ({exc})") from exc
    found: dict[str, Any] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(node.value) if node.value is not None else None
                except ValueError:
                    found[target.id] = ast.unparse(node.value)
    return found


def load_profiles(path: Path = PROFILES_FILE) -> dict[str, Any]:
    """Read and check ``profiles.yml``: every profile named in a section must be declared."""
    if not path.is_file():
        raise BookError(f"profiles file not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict) or not data["profiles"]:
        raise BookError(f"{path}: needs a 'profiles' mapping of profile name -> description")
    known = set(data["profiles"]) | {_ALL}
    sections = [("common", data.get("common") or {})]
    sections += [(f"chapters.{n}", s or {}) for n, s in (data.get("chapters") or {}).items()]
    for where, section in sections:
        if not isinstance(section, dict):
            raise BookError(f"{path}: {where} must be a mapping of profile -> parameters")
        for prof, values in section.items():
            if prof not in known:
                raise BookError(f"{path}: {where}.{prof}: unknown profile {prof!r}; profiles: {sorted(data['profiles'])} (or '{_ALL}')")
            if values is not None and not isinstance(values, dict):
                raise BookError(f"{path}: {where}.{prof} must be a mapping of parameter -> value")
    data.setdefault("common", {})
    data.setdefault("chapters", {})
    return data


def check_profile(profiles: dict[str, Any], profile: str) -> None:
    if profile not in profiles["profiles"]:
        raise BookError(f"unknown profile {profile!r}; profiles: {', '.join(profiles['profiles'])}")


def _layered(section: dict[str, Any] | None, profile: str) -> dict[str, Any]:
    section = section or {}
    merged = dict(section.get(_ALL) or {})
    merged.update(section.get(profile) or {})
    return merged


def parse_value(text: str) -> Any:
    """Read a command-line value as a YAML scalar: ``1000`` -> 1000, ``null`` -> None."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, dict):
        raise BookError(f"parameter value {text!r} is a mapping; give a scalar (number, text, true/false, null) or a list")
    if value is None and text.strip() == "":
        return ""
    return value


def parse_overrides(pairs: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    """``[["n_trials", "1000"], ...]`` -> ``{"n_trials": 1000}`` (later pairs win)."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        name, value = pair
        if not name.isidentifier():
            raise BookError(f"parameter name {name!r} is not a valid Python name")
        out[name] = parse_value(value)
    return out


def chapter_params(
    profiles: dict[str, Any],
    profile: str,
    chapter: str,
    declared: dict[str, Any],
    overrides: dict[str, Any] | None = None,
    output_dir: Path | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """The parameters to inject into one chapter (only the names it declares).

    Order: ``common.all`` < ``common.<profile>`` < ``chapters.<name>.all`` <
    ``chapters.<name>.<profile>`` < ``output_dir`` given by the runner < ``overrides``.
    """
    check_profile(profiles, profile)
    common = {k: v for k, v in _layered(profiles["common"], profile).items() if k in declared}
    section = profiles["chapters"].get(chapter)
    own = _layered(section, profile)
    stray = sorted(set(own) - set(declared))
    if stray:
        raise BookError(
            f"profiles.yml: chapters.{chapter} sets {stray}, which notebooks/{chapter}.md does not declare "
            f"in its parameters cell (declared: {sorted(declared)})"
        )
    params = {**common, **own}
    if root is not None:  # relative paths in profiles.yml are relative to the repository root
        for name, value in params.items():
            if _is_path_name(name) and isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
                params[name] = str((root / value).resolve())
    if output_dir is not None and "output_dir" in declared:
        params["output_dir"] = str(output_dir)
    params.update({k: v for k, v in (overrides or {}).items() if k in declared})
    return params


def _is_path_name(name: str) -> bool:
    return name.endswith(("_path", "_dir", "_file"))


def absolute_paths(overrides: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make relative path-like overrides (``*_path``, ``*_dir``, ``*_file``) absolute against ``base``.

    The chapters run with cwd = notebooks/, so a path typed relative to the caller's
    folder would otherwise point somewhere else.
    """
    out = dict(overrides)
    for name, value in overrides.items():
        if _is_path_name(name) and isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            out[name] = str((base / Path(value).expanduser()).resolve())
    return out


def check_overrides(overrides: dict[str, Any], declared_by: dict[str, dict[str, Any]]) -> None:
    """Every ``-p`` name must be declared by at least one selected chapter."""
    unknown = sorted(n for n in overrides if not any(n in d for d in declared_by.values()))
    if unknown:
        listing = "; ".join(f"{c}: {', '.join(sorted(d))}" for c, d in declared_by.items())
        raise BookError(f"unknown parameter(s) {unknown}: no selected chapter declares them (declared: {listing})")


# ---------------------------------------------------------------------------- cache


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """Hash of every source file of the package (``*.py``, ``*.yml``, ``*.yaml``, ``*.json``)."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in package_dir.rglob("*")
        if p.is_file() and p.suffix in {".py", ".yml", ".yaml", ".json"} and "__pycache__" not in p.parts
    )
    for path in files:
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(_sha256_bytes(path.read_bytes()).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def data_digest(layout: Layout, params: dict[str, Any]) -> str:
    """The data checksums a chapter depends on: ``data/SHA256SUMS`` and a user's ``data_path``."""
    sums = layout.sha256sums.read_text(encoding="utf-8") if layout.sha256sums.is_file() else "<no SHA256SUMS>"
    user = params.get("data_path")
    extra = ""
    if user not in (None, ""):
        path = Path(str(user)).expanduser()
        if not path.is_absolute():
            path = (layout.notebooks / path).resolve()  # the chapters run with cwd = notebooks/
        extra = _sha256_bytes(path.read_bytes()) if path.is_file() else f"<missing {path}>"
    return _sha256_bytes(f"{sums}\n{extra}".encode())


def cache_key(source_text: str, params: dict[str, Any], package: str, data: str, environment: str = "") -> str:
    """Key of an executed chapter: any change in its inputs gives a new key."""
    blob = json.dumps(
        {
            "version": CACHE_VERSION,
            "source": _sha256_bytes(source_text.encode("utf-8")),
            "params": params,
            "package": package,
            "data": data,
            "environment": environment,
        },
        sort_keys=True,
        default=str,
    )
    return _sha256_bytes(blob.encode())


# ------------------------------------------------------------------------- execution


def _cell_inputs(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def sync_paired(chapter: Chapter):
    """Write the paired ``.ipynb`` from the ``.md`` source and return the notebook.

    Refuses if the ``.ipynb`` is newer and its cells differ (unsaved-to-text edits).
    """
    import jupytext
    import nbformat

    nb = read_text_notebook(chapter.source)
    paired = chapter.paired
    if paired.exists() and paired.stat().st_mtime > chapter.source.stat().st_mtime:
        try:
            existing = nbformat.read(paired, as_version=4)
        except Exception:  # unreadable: regenerate it
            existing = None
        if existing is not None and _cell_inputs(existing) != _cell_inputs(nb):
            raise BookError(
                f"{paired} is newer than {chapter.source.name} and its cells differ: it was edited without "
                f"Jupytext. Copy the edits to the text source with `jupytext --sync {paired}` "
                f"(or delete {paired.name} to discard them), then re-run."
            )
    write_text_atomic(paired, jupytext.writes(nb, fmt="ipynb"))
    return nb


@dataclass
class ChapterResult:
    """Outcome of one chapter in a build."""

    chapter: str
    status: str  # "executed", "cached", "failed", "not run", "stale", "not executed"
    seconds: float = 0.0
    cached: bool = False
    notebook: Path | None = None
    message: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def _source_position(source_nb, failing_source: str | None) -> str:
    """Describe the failing cell by its place among the code cells of the text source."""
    text = (failing_source or "").strip()
    first = next((ln for ln in text.splitlines() if ln.strip()), "").strip()
    code = [c.source.strip() for c in source_nb.cells if c.cell_type == "code"]
    if text in code:
        return f"code cell {code.index(text) + 1} of {len(code)} (`{first[:70]}`)"
    if first.startswith("# Parameters"):
        return "the cell of injected parameters (a value papermill could not write as Python)"
    return f"a code cell (`{first[:70]}`)"


def chapter_key(layout: Layout, chapter: Chapter, params: dict[str, Any], package: str | None = None) -> str:
    """Cache key of a chapter run with ``params`` (see :func:`cache_key`)."""
    environment = _sha256_bytes(layout.requirements.read_bytes()) if layout.requirements.is_file() else ""
    return cache_key(
        chapter.source.read_text(encoding="utf-8"),
        params,
        package if package is not None else package_digest(layout.package_dir),
        data_digest(layout, params),
        environment,
    )


def cached_run(build_dir: Path, chapter: Chapter, key: str) -> dict[str, Any] | None:
    """The record of the last successful run if its key is ``key`` and its notebook exists."""
    out = build_dir / "executed" / f"{chapter.name}.ipynb"
    stamp = build_dir / "executed" / f"{chapter.name}.json"
    if not (out.is_file() and stamp.is_file()):
        return None
    try:
        previous = json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return previous if previous.get("key") == key else None


def execute_chapter(
    layout: Layout,
    chapter: Chapter,
    params: dict[str, Any],
    build_dir: Path,
    *,
    force: bool = False,
    timeout: float | None = None,
    package: str | None = None,
    log=print,
) -> ChapterResult:
    """Execute one chapter with papermill unless its cached copy is current."""
    import papermill as pm

    executed_dir = build_dir / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)
    out = executed_dir / f"{chapter.name}.ipynb"
    stamp = executed_dir / f"{chapter.name}.json"
    failed = executed_dir / f"{chapter.name}.failed.ipynb"
    key = chapter_key(layout, chapter, params, package)
    previous = cached_run(build_dir, chapter, key)
    if not force and previous is not None:
        log(f"  {chapter.name}: unchanged since the last run (cache hit), not re-executed")
        return ChapterResult(chapter.name, "cached", previous.get("seconds", 0.0), True, out, params=params)

    source_nb = sync_paired(chapter)
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "notebook defaults"
    log(f"  {chapter.name}: executing ({shown})")
    tmp = executed_dir / f".{chapter.name}.{os.getpid()}.tmp.ipynb"
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(chapter.paired),
            str(tmp),
            parameters=params,
            kernel_name=KERNEL_NAME,
            cwd=str(layout.notebooks),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            report_mode=False,
        )
    except pm.PapermillExecutionError as exc:
        seconds = time.perf_counter() - start
        where = _source_position(source_nb, exc.source)
        if tmp.exists():
            os.replace(tmp, failed)
        message = (
            f"chapter {chapter.name} (notebooks/{chapter.name}.md) failed after {seconds:.1f} s in {where}:\n"
            f"    {exc.ename}: {exc.evalue}\n"
            f"  the executed notebook, with the traceback, is kept at {failed}"
        )
        raise ChapterFailed(message, chapter.name, failed, seconds) from None
    except Exception as exc:  # kernel missing or died, timeout, unreadable notebook
        raise ChapterFailed(
            f"chapter {chapter.name} (notebooks/{chapter.name}.md) could not be executed: {type(exc).__name__}: {exc}",
            chapter.name, None, time.perf_counter() - start,
        ) from exc
    else:
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)  # no-op after a success or a kept failure
    seconds = time.perf_counter() - start
    failed.unlink(missing_ok=True)
    write_text_atomic(
        stamp,
        json.dumps(
            {"key": key, "chapter": chapter.name, "params": params, "seconds": round(seconds, 2),
             "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
            indent=2, sort_keys=True, default=str,
        ) + "\n",
    )
    log(f"  {chapter.name}: done in {seconds:.1f} s")
    return ChapterResult(chapter.name, "executed", seconds, False, out, params=params)


def resolve_all(
    layout: Layout, profile: str, overrides: dict[str, Any], selected: Sequence[Chapter], every: Sequence[Chapter], build_dir: Path
) -> dict[str, dict[str, Any]]:
    """Parameters of every chapter; ``-p`` names are checked against the selected chapters."""
    profiles = load_profiles(layout.profiles_file)
    check_profile(profiles, profile)
    unknown_sections = sorted(set(profiles["chapters"]) - {c.name for c in every})
    if unknown_sections:
        raise BookError(f"{layout.profiles_file}: chapters {unknown_sections} are not chapters of the book "
                        f"({', '.join(c.name for c in every)})")
    declared = {c.name: declared_parameters(read_text_notebook(c.source), f"notebooks/{c.name}.md") for c in every}
    check_overrides(overrides, {c.name: declared[c.name] for c in selected})
    outputs = build_dir / "outputs"
    return {
        c.name: chapter_params(profiles, profile, c.name, declared[c.name], overrides if c in selected else {},
                               (outputs / c.name).resolve(), root=layout.root)
        for c in every
    }


@dataclass
class Plan:
    """What a run will do: every chapter, the selected ones, and everyone's parameters."""

    every: list[Chapter]
    selected: list[Chapter]
    params: dict[str, dict[str, Any]]
    build_dir: Path
    package: str


def plan(
    layout: Layout,
    *,
    profile: str = "standard",
    only: Sequence[str] | None = None,
    overrides: dict[str, Any] | None = None,
    build_dir: Path | None = None,
) -> Plan:
    """Check the request (profile, chapters, parameter names) and resolve every chapter's parameters."""
    build_dir = (build_dir or layout.root / "_build").resolve()
    every = chapters(layout)
    selected = select_chapters(every, only)
    params = resolve_all(layout, profile, overrides or {}, selected, every, build_dir)
    return Plan(every, selected, params, build_dir, package_digest(layout.package_dir))


def _execute_plan(layout: Layout, p: Plan, profile: str, force: bool, timeout: float | None, log) -> list[ChapterResult]:
    results: list[ChapterResult] = []
    for i, chapter in enumerate(p.selected, 1):
        log(f"[{i}/{len(p.selected)}] {chapter.name} (profile {profile})")
        try:
            results.append(execute_chapter(layout, chapter, p.params[chapter.name], p.build_dir,
                                           force=force, timeout=timeout, package=p.package, log=log))
        except ChapterFailed as exc:
            failed = ChapterResult(chapter.name, "failed", exc.seconds, False, exc.notebook, str(exc))
            skipped = [ChapterResult(c.name, "not run") for c in p.selected[i:]]
            exc.results = [*results, failed, *skipped]
            raise
    return results


def run_chapters(
    layout: Layout,
    *,
    profile: str = "standard",
    only: Sequence[str] | None = None,
    overrides: dict[str, Any] | None = None,
    build_dir: Path | None = None,
    force: bool = False,
    timeout: float | None = None,
    log=print,
) -> list[ChapterResult]:
    """Execute the selected chapters in order; stop at the first failure (raises ChapterFailed)."""
    p = plan(layout, profile=profile, only=only, overrides=overrides, build_dir=build_dir)
    return _execute_plan(layout, p, profile, force, timeout, log)


# ---------------------------------------------------------------------------- build


def _copy_if_changed(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_file() and dst.read_bytes() == src.read_bytes():
        return
    shutil.copy2(src, dst)


def _write_if_changed(dst: Path, text: str) -> None:
    if dst.is_file() and dst.read_text(encoding="utf-8") == text:
        return
    write_text_atomic(dst, text)


def stage_book(layout: Layout, build_dir: Path, pages: dict[str, Path], log=print) -> Path:
    """Assemble the tree Jupyter Book builds: config, toc, ``book/``, executed chapters."""
    stage = build_dir / "stage"
    keep: set[Path] = set()

    config = yaml.safe_load(layout.config.read_text(encoding="utf-8")) or {}
    patterns = [p for p in config.get("exclude_patterns", []) if p != "notebooks/*.ipynb"]
    config["exclude_patterns"] = patterns + ["notebooks/*.md"]
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    header = "# Generated by siqd_utils.book from the repository's _config.yml: do not edit.\n"
    _write_if_changed(stage / "_config.yml", header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    keep.add(stage / "_config.yml")
    _copy_if_changed(layout.toc, stage / "_toc.yml")
    keep.add(stage / "_toc.yml")
    for src in sorted((layout.root / "book").rglob("*")):
        if src.is_file() and "__pycache__" not in src.parts:
            dst = stage / src.relative_to(layout.root)
            _copy_if_changed(src, dst)
            keep.add(dst)
    prov_dst = stage / "data" / "PROVENANCE.md"
    if layout.provenance.is_file():
        _copy_if_changed(layout.provenance, prov_dst)
    else:
        raise FileNotFoundError(f"{layout.provenance} is missing: the provenance page includes it "
                                "(regenerate the data files with `make data`)")
    keep.add(prov_dst)
    for name, nb_path in pages.items():
        dst = stage / "notebooks" / f"{name}.ipynb"
        _copy_if_changed(nb_path, dst)
        keep.add(dst)
    for path in sorted(stage.rglob("*"), reverse=True):  # drop pages of removed chapters
        if path.is_file() and path not in keep:
            path.unlink()
    return stage


_WARNING_RE = re.compile(r"\b(WARNING|ERROR|SEVERE|CRITICAL):")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def sphinx_build(stage: Path, build_dir: Path, *, strict: bool = False, log=print) -> list[str]:
    """Run Jupyter Book on the stage (subprocess); return the warnings; raise on errors."""
    html = build_dir / "html"
    reports = build_dir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "siqd_utils.book", "_sphinx", str(stage), str(html), str(build_dir / ".doctrees")]
    if strict:
        cmd.append("--strict")
    env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "FORCE_COLOR")}
    env = dict(env, NO_COLOR="1", PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    write_text_atomic(reports / "sphinx.log", proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    stderr = _ANSI_RE.sub("", proc.stderr)
    problems = [ln.strip() for ln in stderr.splitlines() if _WARNING_RE.search(ln)]
    write_text_atomic(reports / "sphinx-warnings.txt", "\n".join(problems) + ("\n" if problems else ""))
    errors = [ln for ln in problems if not re.search(r"\bWARNING:", ln)]
    warnings = [ln for ln in problems if ln not in errors]
    for line in problems:
        log(f"  sphinx: {line}")
    if proc.returncode != 0 or errors:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise BookError(
            f"Jupyter Book build failed (exit {proc.returncode}, {len(errors)} error(s), {len(warnings)} warning(s)); "
            f"full log: {reports / 'sphinx.log'}\n{tail}"
        )
    log(f"  Jupyter Book: built in {seconds:.1f} s with {len(warnings)} warning(s)"
        + (f" (listed in {reports / 'sphinx-warnings.txt'})" if warnings else ""))
    return warnings


def _sphinx_main(argv: Sequence[str]) -> int:
    """Hidden entry point: build the staged book with Jupyter Book's Python API."""
    parser = argparse.ArgumentParser(prog="siqd_utils.book _sphinx")
    parser.add_argument("stage", type=Path)
    parser.add_argument("html", type=Path)
    parser.add_argument("doctrees", type=Path)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        str(args.stage),
        str(args.html),
        use_external_toc=True,
        noconfig=True,
        path_config=str(args.stage / "_config.yml"),
        confoverrides={"external_toc_path": (args.stage / "_toc.yml").as_posix(), "latex_individualpages": False},
        doctreedir=str(args.doctrees),
        builder="html",
        warningiserror=args.strict,
        keep_going=True,
        freshenv=True,  # re-read every page so that every warning is reported, not just those of changed pages
    )
    return result if isinstance(result, int) else 1


def _unexecuted_copy(chapter: Chapter, build_dir: Path) -> Path:
    """A notebook without outputs, for a chapter that has never been executed (``--only``)."""
    import jupytext

    nb = read_text_notebook(chapter.source)
    note = ("```{warning}\nThis chapter has not been executed in this build (`--only` selected other chapters); "
            "its outputs are missing. Run `make book` to execute it.\n```")
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0,
                    jupytext.reads(note, fmt="md:myst").cells[0])
    path = build_dir / "unexecuted" / f"{chapter.name}.ipynb"
    write_text_atomic(path, jupytext.writes(nb, fmt="ipynb"))
    return path


def build_book(
    layout: Layout,
    *,
    profile: str = "standard",
    only: Sequence[str] | None = None,
    overrides: dict[str, Any] | None = None,
    build_dir: Path | None = None,
    force: bool = False,
    strict: bool = True,
    timeout: float | None = None,
    log=print,
) -> tuple[list[ChapterResult], Path]:
    """Execute the chapters, stage them and build the HTML; return results and index.html."""
    p = plan(layout, profile=profile, only=only, overrides=overrides, build_dir=build_dir)
    build_dir = p.build_dir
    results = _execute_plan(layout, p, profile, force, timeout, log)
    done = {r.chapter for r in results}
    pages: dict[str, Path] = {}
    for chapter in p.every:
        executed = build_dir / "executed" / f"{chapter.name}.ipynb"
        if chapter.name in done:
            pages[chapter.name] = executed
        elif executed.is_file():
            pages[chapter.name] = executed
            current = cached_run(build_dir, chapter, chapter_key(layout, chapter, p.params[chapter.name], p.package))
            if current is not None:
                results.append(ChapterResult(chapter.name, "cached", current.get("seconds", 0.0), True, executed,
                                             "not selected; its executed copy is current"))
            else:
                results.append(ChapterResult(chapter.name, "stale", 0.0, True, executed,
                                             "not selected; an out-of-date executed copy is shown"))
                log(f"  note: {chapter.name} was not selected and its executed copy is out of date")
        else:
            pages[chapter.name] = _unexecuted_copy(chapter, build_dir)
            results.append(ChapterResult(chapter.name, "not executed", 0.0, False, None,
                                         "not selected and never executed; shown without outputs"))
    log("Building the HTML with Jupyter Book")
    stage = stage_book(layout, build_dir, pages, log=log)
    from .publish import stage_reader_pages  # generated pages (comparison) and MyST downloads

    stage_reader_pages(layout.root, stage, build_dir, profile=profile, log=log)
    sphinx_build(stage, build_dir, strict=strict, log=log)
    index = build_dir / "html" / "index.html"
    if not index.is_file():
        raise BookError(f"Jupyter Book finished but {index} is missing")
    return results, index


# ------------------------------------------------------------------------------ CLI


def summary_table(results: Sequence[ChapterResult]) -> str:
    rows = [("chapter", "status", "seconds", "cached?")]
    rows += [(r.chapter, r.status, f"{r.seconds:.1f}", "yes" if r.cached else "no") for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) if i != 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m siqd_utils.book",
        description="Execute the SiQD book's chapters with papermill and build the HTML with Jupyter Book.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", default="standard", help="parameter profile from siqd_utils/profiles.yml (default: standard)")
        p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                       help="override one parameter (VALUE read as YAML: 1000, 0.2, true, null, text); repeatable")
        p.add_argument("--build-dir", type=Path, default=None, help="output folder (default: _build in the repository)")
        p.add_argument("--force", action="store_true", help="re-execute even if the cached copy is current")
        p.add_argument("--timeout", type=float, default=None, help="per-cell time limit in seconds (default: none)")

    b = sub.add_parser("build", help="execute the chapters and build the HTML book")
    common(b)
    b.add_argument("--only", action="append", metavar="CHAPTER", help="execute only this chapter (repeatable); others use their last executed copy")
    b.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True,
                   help="fail on Sphinx warnings too (-W --keep-going; the default); --no-strict only lists them")
    r = sub.add_parser("run", help="execute one chapter (no HTML)")
    r.add_argument("chapter")
    common(r)
    q = sub.add_parser("params", help="show the parameters each chapter would receive")
    q.add_argument("chapter", nargs="?")
    q.add_argument("--profile", default="standard")
    q.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[])
    q.add_argument("--build-dir", type=Path, default=None)
    return parser


def main(argv: Sequence[str] | None = None, layout: Layout | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_sphinx"]:
        return _sphinx_main(argv[1:])
    args = _parser().parse_args(argv)
    layout = layout or Layout(REPO_ROOT)
    build_dir = (args.build_dir or layout.root / "_build").resolve()
    start = time.perf_counter()
    results: list[ChapterResult] = []
    try:
        overrides = absolute_paths(parse_overrides(args.parameter), Path.cwd())
        if args.command == "params":
            every = chapters(layout)
            selected = select_chapters(every, [args.chapter] if args.chapter else None)
            params = resolve_all(layout, args.profile, overrides, selected, every, build_dir)
            print(yaml.safe_dump({c.name: params[c.name] for c in selected}, sort_keys=False), end="")
            return 0
        if args.command == "run":
            results = run_chapters(layout, profile=args.profile, only=[args.chapter], overrides=overrides,
                                   build_dir=build_dir, force=args.force, timeout=args.timeout)
            print(summary_table(results))
            print(f"executed notebook: {results[0].notebook}")
            return 0
        results, index = build_book(layout, profile=args.profile, only=args.only, overrides=overrides,
                                    build_dir=build_dir, force=args.force, strict=args.strict, timeout=args.timeout)
        print()
        print(summary_table(results))
        if all(r.cached for r in results if r.status in ("executed", "cached")):
            print("Nothing was re-executed: every chapter's inputs are unchanged.")
        print(f"Total {time.perf_counter() - start:.1f} s. The book is at {index}")
        return 0
    except ChapterFailed as exc:
        if exc.results:
            print()
            print(summary_table(exc.results))
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    except BookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

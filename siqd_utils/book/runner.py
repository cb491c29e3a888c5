"""Execute the chapters with papermill, in dependency order, re-running what is out of date.

How a chapter runs
------------------
1. Its text source ``notebooks/NN_name.md`` (Jupytext MyST) is written to the paired
   ``notebooks/NN_name.ipynb`` (git-ignored).  If that ``.ipynb`` is newer than the
   ``.md`` and its cells differ (edited in Jupyter without Jupytext), the runner stops
   rather than overwrite the edits.  Its ``parameters`` cell must declare exactly the
   names and defaults of its entry in ``chapters.yml`` (read with
   :func:`papermill.inspect_notebook`).
2. Its values come from ``profiles.yml`` and ``-p NAME VALUE``
   (:mod:`~siqd_utils.book.profiles`), checked against the schema before any kernel
   starts; ``output_dir`` is ``<build-dir>/outputs/<chapter>``.  Paths are injected
   relative to the repository (:mod:`~siqd_utils.book.paths`).
3. Papermill executes it with kernel ``python3`` and **cwd = notebooks/** into
   ``<build-dir>/executed/NN_name.ipynb``, written atomically.  Before that, the
   runner empties the export folder and metrics file it manages for the chapter, so
   no file of an older run survives among the new ones.  A failure stops the run and
   names the chapter, the cell and the error; the failed notebook is kept as
   ``NN_name.failed.ipynb``.

Which chapters run
------------------
Chapters run in dependency order (``reads`` in ``chapters.yml``; ties in ``_toc.yml``
order).  A chapter is executed when its cached copy is not current
(:mod:`~siqd_utils.book.cache`: its key includes the digests of the outputs of the
chapters it reads) or when ``force`` is given and it was selected.

``only`` (``--only NAME``) selects chapters; the runner then also brings up to date
the chapters they read (cache hits if nothing changed) and every chapter that reads
them, directly or not, if it has an executed copy in the build folder (with what that
one reads): see :func:`chapters_to_check`.  So ``--only`` never leaves a page computed
from outputs that have since changed.  Chapters outside that set are left as they
are, and the build's summary says whether each is current (``cached``), ``stale``
(e.g. executed under another profile) or ``not executed``.  ``-p`` values go to the
selected chapters only.

One build at a time
-------------------
:func:`run_chapters` and :func:`build_book` check the request first (a bad parameter or data
file is refused before anything in the build folder is touched), then take the build
folder's lock (:mod:`~siqd_utils.book.lock`; ``wait=False`` refuses at once if another
build holds it) and keep it to the end.  Holding it, they remove the temporary files that
interrupted runs left in the build folder (:func:`siqd_utils.atomic.remove_leftovers`) and
say how many.  Each chapter's kernel runs the ``siqd_utils`` the runner hashes
(:mod:`~siqd_utils.book.kernel`).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import remove_leftovers, temporary_path, write_text_atomic
from . import cache, cost
from .errors import BookError, ChapterFailed, ParameterError
from .kernel import kernel_manager_class, stderr_log, summarise_stderr
from .lock import LOCK_FILE, build_lock, inherited_fds
from .layout import Chapter, Layout, chapters, read_text_notebook, select_chapters
from .parameters import BookSchema, ChapterSchema, load_schema
from .paths import display_path
from .profiles import chapter_params, check_overrides, check_profile, load_profiles
from .render import sphinx_build, stage_book, unexecuted_copy

__all__ = ["LAST_BUILD_FILE", "ChapterResult", "Plan", "book_status", "build_book", "chapter_state", "chapters_to_check",
           "current_chapters", "dependency_order", "execute_chapter", "plan", "read_last_build", "resolve_all",
           "run_chapters", "sync_paired", "write_last_build"]

KERNEL_NAME = "python3"


@dataclass
class ChapterResult:
    """Outcome of one chapter in a run or build."""

    chapter: str
    status: str  # "executed", "cached", "failed", "not run", "stale", "not executed"
    seconds: float = 0.0
    cached: bool = False
    notebook: Path | None = None
    message: str = ""
    params: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------- the plan


@dataclass
class Plan:
    """What a run will do: every chapter, the order, the selected ones, and everyone's values."""

    every: list[Chapter]  # _toc.yml order
    order: list[Chapter]  # dependency order
    selected: list[Chapter]
    params: dict[str, dict[str, Any]]
    schema: BookSchema
    build_dir: Path
    package: str
    environment: str
    profile: str = "standard"
    overrides: dict[str, Any] = field(default_factory=dict)

    def values(self, name: str) -> dict[str, Any]:
        """Every parameter of chapter ``name`` as it runs: its defaults, then the injected values."""
        return {**self.schema.chapters[name].defaults(), **self.params[name]}

    def origins(self, name: str) -> dict[str, str]:
        """Where each parameter of chapter ``name`` comes from: ``-p``, ``profile <name>``, ``runner``
        (the export folder it manages) or ``default`` (the chapter's parameters cell)."""
        injected = self.params[name]
        selected = any(c.name == name for c in self.selected)
        out = {}
        for param in self.schema.chapters[name].params:
            if selected and param in self.overrides:
                out[param] = "-p"
            elif param == "output_dir" and param in injected:
                out[param] = "runner"
            elif param in injected:
                out[param] = f"profile {self.profile}"
            else:
                out[param] = "default"
        return out

    def reads(self, name: str) -> tuple[str, ...]:
        return self.schema.chapters[name].reads

    def ancestors(self, names: Iterable[str]) -> set[str]:
        """Every chapter that ``names`` read, directly or through others."""
        found: set[str] = set()
        stack = [up for n in names for up in self.reads(n)]
        while stack:
            up = stack.pop()
            if up not in found:
                found.add(up)
                stack.extend(self.reads(up))
        return found

    def descendants(self, names: Iterable[str]) -> set[str]:
        """Every chapter that reads one of ``names``, directly or through others."""
        found: set[str] = set()
        frontier = set(names)
        while frontier:
            new = {c.name for c in self.every if set(self.reads(c.name)) & frontier} - found
            found |= new
            frontier = new
        return found


def dependency_order(every: Sequence[Chapter], schema: BookSchema) -> list[Chapter]:
    """The chapters ordered so that each comes after the chapters it reads; ties in toc order."""
    position = {c.name: i for i, c in enumerate(every)}
    waiting = {c.name: set(schema.chapters[c.name].reads) for c in every}
    by_name = {c.name: c for c in every}
    order: list[Chapter] = []
    while waiting:
        ready = [n for n, ups in waiting.items() if not ups]
        if not ready:
            raise BookError(f"{schema.source}: the 'reads' of {sorted(waiting)} form a cycle")
        name = min(ready, key=position.__getitem__)
        order.append(by_name[name])
        del waiting[name]
        for ups in waiting.values():
            ups.discard(name)
    return order


def resolve_all(layout: Layout, profile: str, overrides: dict[str, Any], selected: Sequence[Chapter],
                every: Sequence[Chapter], build_dir: Path, schema: BookSchema | None = None) -> dict[str, dict[str, Any]]:
    """Every chapter's values, validated; ``-p`` names are checked against the selected chapters."""
    schema = schema or load_schema(layout.schema_file)
    names = [c.name for c in every]
    missing = [n for n in names if n not in schema.chapters]
    if missing:
        raise BookError(f"{schema.source}: no entry for chapter(s) {missing} of {layout.toc.name}")
    extra = [n for n in schema.chapters if n not in names]
    if extra:
        raise BookError(f"{schema.source}: entries {extra} are not chapters of {layout.toc.name} ({', '.join(names)})")
    profiles = load_profiles(layout.profiles_file, schema, layout.root)
    check_profile(profiles, profile)
    check_overrides(overrides, [schema.chapters[c.name] for c in selected])
    out: dict[str, dict[str, Any]] = {}
    for c in every:
        spec = schema.chapters[c.name]
        given = overrides if c in selected else {}
        values = chapter_params(profiles, profile, spec, given,
                                display_path(build_dir / "outputs" / c.name, layout.root))
        try:
            spec.validate({k: v for k, v in values.items() if k in given}, layout.root)
        except ParameterError as exc:
            raise ParameterError(f"-p: {exc}") from None
        out[c.name] = values
    return out


def plan(
    layout: Layout,
    *,
    profile: str = "standard",
    only: Sequence[str] | None = None,
    overrides: dict[str, Any] | None = None,
    build_dir: Path | None = None,
) -> Plan:
    """Check the request (profile, chapters, parameters) and resolve every chapter's values."""
    build_dir = (build_dir or layout.root / "_build").resolve()
    schema = load_schema(layout.schema_file)
    every = chapters(layout)
    selected = select_chapters(every, only)
    params = resolve_all(layout, profile, overrides or {}, selected, every, build_dir, schema)
    environment = cache.sha256_bytes(layout.requirements.read_bytes()) if layout.requirements.is_file() else ""
    return Plan(every, dependency_order(every, schema), selected, params, schema, build_dir,
                cache.package_digest(layout.package_dir), environment, profile, dict(overrides or {}))


# ---------------------------------------------------------------------- one chapter


@dataclass(frozen=True)
class ChapterState:
    """A chapter's cache key now, the upstream digests in it, and its last run if that is current."""

    key: str
    reads: dict[str, str]
    outputs: str
    record: dict[str, Any] | None

    @property
    def current(self) -> bool:
        return self.record is not None


def _outputs(layout: Layout, p: Plan, name: str) -> str:
    return cache.outputs_digest(*cache.output_locations(layout, p.build_dir, name, p.params[name]))


def chapter_state(layout: Layout, p: Plan, chapter: Chapter) -> ChapterState:
    """Compute a chapter's key from its inputs and the outputs on disk of the chapters it reads."""
    name = chapter.name
    params = p.params[name]
    reads = {up: _outputs(layout, p, up) for up in p.reads(name)}
    key = cache.cache_key(chapter.source.read_text(encoding="utf-8"), params, p.package,
                          cache.data_digest(layout, params), p.environment, reads)
    outputs = _outputs(layout, p, name)
    return ChapterState(key, reads, outputs, cache.current_record(p.build_dir, name, key, outputs))


def _why(p: Plan, chapter: Chapter, state: ChapterState, forced: bool) -> str:
    """Why a chapter is executed, in words, from its last stamp."""
    if forced:
        return "forced"
    previous = cache.read_stamp(p.build_dir, chapter.name)
    if previous is None:
        return "no executed copy in this build folder"
    changed = [up for up, digest in state.reads.items() if (previous.get("reads") or {}).get(up) != digest]
    if changed:
        return f"the outputs of {', '.join(changed)} changed"
    if previous.get("key") == state.key:
        return "its outputs on disk changed since it ran"
    return "its source, parameters, package, requirements or data changed"


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


def check_parameters_cell(notebook: Path, spec: ChapterSchema, source: str, schema_file: Path) -> None:
    """The ``parameters`` cell (read by papermill) must declare the schema's names and defaults."""
    import papermill as pm

    found = pm.inspect_notebook(str(notebook))
    if not found:
        raise BookError(f"{source}: no code cell tagged 'parameters'")
    only_cell = [n for n in found if n not in spec.params]
    only_schema = [n for n in spec.params if n not in found]
    if only_cell or only_schema:
        raise BookError(f"{source}: the parameters cell and {schema_file} (chapters.{spec.name}) disagree: "
                        f"only in the cell {only_cell}, only in the schema {only_schema}")
    for name, param in spec.params.items():
        text = found[name]["default"]
        try:
            default = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise BookError(f"{source}: parameter {name} = {text}: the default must be a literal") from None
        if default != param.default or type(default) is not type(param.default):
            raise BookError(f"{source}: parameter {name} = {text} in the cell, but {schema_file} "
                            f"(chapters.{spec.name}) declares the default {param.default!r}")


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


#: nbclient's words for a kernel that was started but never answered its first request.
_KERNEL_START_FAILED = re.compile(r"Kernel didn't respond in \d+ seconds|Kernel died before replying to kernel_info")


def _clear_managed_outputs(layout: Layout, p: Plan, name: str) -> None:
    """Empty the export folder and metrics file the runner owns (never a user's own ``output_dir``)."""
    folder, metrics = cache.output_locations(layout, p.build_dir, name, p.params[name])
    if folder == (p.build_dir / "outputs" / name).resolve():
        shutil.rmtree(folder, ignore_errors=True)
        metrics.unlink(missing_ok=True)


def execute_chapter(layout: Layout, p: Plan, chapter: Chapter, *, timeout: float | None = None,
                    log=print) -> ChapterResult:
    """Execute one chapter with papermill (whether or not it is current) and stamp it.

    Holds the build folder's lock (waiting for it if another build has it), so a chapter's
    outputs are emptied and rewritten only by the build that holds it.
    """
    with build_lock(p.build_dir, log=log):
        return _execute_chapter(layout, p, chapter, timeout=timeout, log=log)


def _execute_chapter(layout: Layout, p: Plan, chapter: Chapter, *, timeout: float | None, log) -> ChapterResult:
    import papermill as pm

    name = chapter.name
    params = p.params[name]
    executed_dir = p.build_dir / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)
    out = executed_dir / f"{name}.ipynb"
    failed = executed_dir / f"{name}.failed.ipynb"
    source = f"notebooks/{name}.md"

    source_nb = sync_paired(chapter)
    check_parameters_cell(chapter.paired, p.schema.chapters[name], source, p.schema.source)
    state = chapter_state(layout, p, chapter)  # after the chapters it reads have run
    check_scheduler(name, p.values(name))
    _clear_managed_outputs(layout, p, name)
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "notebook defaults"
    log(f"  {name}: executing ({shown})")
    tmp = temporary_path(out, suffix=".ipynb")  # papermill picks the format by the extension
    stderr = stderr_log(p.build_dir, name)
    start = time.perf_counter()
    def execute() -> None:
        pm.execute_notebook(
            str(chapter.paired),
            str(tmp),
            parameters=params,
            kernel_name=KERNEL_NAME,
            kernel_manager_class=kernel_manager_class(stderr, package_dir=layout.package_dir,
                                                      pass_fds=inherited_fds(p.build_dir)),
            cwd=str(layout.notebooks),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            report_mode=False,
        )

    try:
        try:
            execute()
        except RuntimeError as exc:
            # A kernel that never answered at start-up ran no cell: starting another once is safe.
            if not _KERNEL_START_FAILED.search(str(exc)):
                raise
            log(f"  {name}: its kernel did not start ({exc}); starting another (once)")
            execute()
    except pm.PapermillExecutionError as exc:
        seconds = time.perf_counter() - start
        where = _source_position(source_nb, exc.source)
        if tmp.exists():
            os.replace(tmp, failed)
        message = (
            f"chapter {name} ({source}) failed after {seconds:.1f} s in {where}:\n"
            f"    {exc.ename}: {exc.evalue}\n"
            f"  the executed notebook, with the traceback, is kept at {failed}"
        )
        raise ChapterFailed(message, name, failed, seconds) from None
    except Exception as exc:  # kernel missing or died, timeout, unreadable notebook
        said = f"; the kernel's stderr is in {display_path(stderr)}" if summarise_stderr(stderr) else ""
        raise ChapterFailed(f"chapter {name} ({source}) could not be executed: {type(exc).__name__}: {exc}{said}",
                            name, None, time.perf_counter() - start) from exc
    else:
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)  # no-op after a success or a kept failure
    seconds = time.perf_counter() - start
    failed.unlink(missing_ok=True)
    cache.write_stamp(p.build_dir, name, key=state.key, params=params, seconds=seconds,
                      outputs=_outputs(layout, p, name), reads=state.reads, origins=p.origins(name), profile=p.profile)
    spec = p.schema.chapters[name]
    cost.record_timing(p.build_dir, name, fits=cost.chapter_fits(spec.fits, p.values(name), f"chapters.{name}"),
                       seconds=seconds, profile=p.profile,
                       cached=cost.searches_read_from_cache(p.build_dir / "metrics" / f"{name}.json"))
    log(f"  {name}: done in {seconds:.1f} s")
    for line in cache_events(stderr):
        log(f"  {name}: {line}")
    said = summarise_stderr(stderr)
    if said:
        log(f"  {name}: {said}")
    return ChapterResult(name, "executed", seconds, False, out, params=params)


# ---------------------------------------------------------------------- many chapters


def check_scheduler(name: str, values: dict[str, Any]) -> None:
    """Before a chapter's kernel starts: refuse ``search_backend=dask`` with a scheduler nobody answers at.

    A TCP connection, tried for a few seconds (:func:`siqd_utils.models.backends.check_reachable`),
    rather than a kernel failing after Dask's 30 s timeout with the chapter half run.

    Raises
    ------
    BookError
        Naming the chapter and the address.
    """
    address = values.get("dask_scheduler")
    if values.get("search_backend") != "dask" or not isinstance(address, str):
        return
    from ..models.backends import check_reachable

    try:
        check_reachable(address)
    except ConnectionError as exc:
        raise BookError(f"chapter {name} (search_backend = dask): {exc}; nothing was executed") from None


def cache_events(stderr: Path) -> list[str]:
    """The search cache's lines on unreadable entries (which search, which file) in a kernel's stderr log."""
    from ..models.cache import UNREADABLE

    if not stderr.is_file() or not stderr.stat().st_size:
        return []
    return [line.strip() for line in stderr.read_text(errors="replace").splitlines() if UNREADABLE in line]


def chapters_to_check(p: Plan) -> set[str]:
    """The chapters a run brings up to date: the selected ones and what keeps them consistent.

    Every chapter the selected ones read; every chapter that reads one of those (directly
    or not) and has an executed copy in the build folder, since a page computed from
    outputs that change would go stale; and, again, what those read.  Chapters never
    executed in this build folder are left so (the book shows them without outputs).
    """
    wanted = {c.name for c in p.selected}
    while True:
        grown = wanted | p.ancestors(wanted)
        grown |= {d for d in p.descendants(grown) if (p.build_dir / "executed" / f"{d}.ipynb").is_file()}
        if grown == wanted:
            return wanted
        wanted = grown


def remove_interrupted(layout: Layout, build_dir: Path, log=print) -> list[Path]:
    """Remove the temporary files that interrupted runs left; say how many.  Call it holding the lock.

    In the build folder, every temporary but those of live writers (the lock keeps other
    builds out; what writes there besides, such as a cache, names its process); a build
    folder nested inside it has its own lock and is left alone.  In ``notebooks/``, which
    builds into other folders share, only those whose writer has ended.
    """
    removed = remove_leftovers(build_dir, writerless=True, skip=lambda d: (d / LOCK_FILE).exists())
    if layout.notebooks.is_dir():
        removed += remove_leftovers(layout.notebooks)
    if removed:
        files = "file" if len(removed) == 1 else "files"
        log(f"removed {len(removed)} temporary {files} left by interrupted runs (their writers have ended)")
    return removed


def _execute_plan(layout: Layout, p: Plan, profile: str, force: bool, timeout: float | None, log,
                  dry_run: bool = False) -> list[ChapterResult]:
    selected = {c.name for c in p.selected}
    wanted = chapters_to_check(p)
    todo = [c for c in p.order if c.name in wanted]
    results: list[ChapterResult] = []
    would: set[str] = set()  # dry run: chapters that would execute
    if not dry_run:  # a scheduler nobody answers at is refused before the first kernel (a dry run contacts none)
        for chapter in todo:
            if force and chapter.name in selected or not chapter_state(layout, p, chapter).current:
                check_scheduler(chapter.name, p.values(chapter.name))
    for i, chapter in enumerate(todo, 1):
        name = chapter.name
        log(f"[{i}/{len(todo)}] {name} (profile {profile})")
        state = chapter_state(layout, p, chapter)
        forced = force and name in selected
        if dry_run:
            upstream = sorted(set(p.reads(name)) & would)
            if state.current and not forced and not upstream:
                log(f"  {name}: unchanged since the last run (cache hit), would not be re-executed")
                results.append(ChapterResult(name, "cached", state.record.get("seconds", 0.0), True))
                continue
            reason = (_why(p, chapter, state, forced) if not state.current or forced
                      else f"after {', '.join(upstream)}, if their outputs change")
            log(f"  {name}: would execute ({reason})")
            would.add(name)
            results.append(ChapterResult(name, "would execute", 0.0, False, None, reason, params=p.params[name]))
            continue
        if state.current and not forced:
            log(f"  {name}: unchanged since the last run (cache hit), not re-executed")
            results.append(ChapterResult(name, "cached", state.record.get("seconds", 0.0), True,
                                         p.build_dir / "executed" / f"{name}.ipynb", params=p.params[name]))
            continue
        reason = _why(p, chapter, state, forced)
        log(f"  {name}: to execute ({reason})")
        try:
            result = execute_chapter(layout, p, chapter, timeout=timeout, log=log)
        except ChapterFailed as exc:
            exc.results = [*results, ChapterResult(name, "failed", exc.seconds, False, exc.notebook, str(exc)),
                           *(ChapterResult(c.name, "not run") for c in todo[i:])]
            raise
        result.message = reason
        results.append(result)
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
    dry_run: bool = False,
    wait: bool = True,
    log=print,
) -> list[ChapterResult]:
    """Bring the selected chapters (all by default) up to date, in dependency order.

    With ``dry_run`` nothing is executed: each chapter is reported as ``cached`` or
    ``would execute`` (with the reason), after the same checks of the request.

    Returns one result per chapter it looked at (executed or cached), in the order run;
    stops at the first failure (raises :class:`ChapterFailed` carrying the results).
    Holds the build folder's lock from the first write to the end; ``wait=False`` raises
    :class:`~siqd_utils.book.lock.BuildLocked` at once if another build holds it.
    """
    p = plan(layout, profile=profile, only=only, overrides=overrides, build_dir=build_dir)
    if dry_run:  # reads only: no lock, nothing removed
        return _execute_plan(layout, p, profile, force, timeout, log, dry_run=True)
    with build_lock(p.build_dir, wait=wait, log=log):
        remove_interrupted(layout, p.build_dir, log)
        return _execute_plan(layout, p, profile, force, timeout, log)


def current_chapters(layout: Layout, p: Plan) -> dict[str, bool]:
    """Whether each chapter's executed copy is current: its own state, and every chapter it reads current.

    A chapter whose upstream is out of date is not current either, even if it matches
    the upstream outputs on disk: those outputs would change when brought up to date.
    """
    ok: dict[str, bool] = {}
    for chapter in p.order:
        ok[chapter.name] = (all(ok[up] for up in p.reads(chapter.name))
                            and chapter_state(layout, p, chapter).current)
    return ok


def book_status(layout: Layout, p: Plan, done: Sequence[ChapterResult], log=print) -> list[ChapterResult]:
    """Every chapter's result in toc order: those of the run, and the status of the others.

    A chapter the run did not look at is ``cached`` only if it is current
    (:func:`current_chapters`), else ``stale``, or ``not executed`` when it has no
    executed copy.
    """
    by_name = {r.chapter: r for r in done}
    ok = current_chapters(layout, p)
    results: list[ChapterResult] = []
    for chapter in p.every:
        executed = p.build_dir / "executed" / f"{chapter.name}.ipynb"
        if chapter.name in by_name:
            results.append(by_name[chapter.name])
        elif not executed.is_file():
            results.append(ChapterResult(chapter.name, "not executed", 0.0, False, None,
                                         "not selected and never executed; shown without outputs"))
        elif ok[chapter.name]:
            seconds = (cache.read_stamp(p.build_dir, chapter.name) or {}).get("seconds", 0.0)
            results.append(ChapterResult(chapter.name, "cached", seconds, True, executed,
                                         "not selected; its executed copy is current"))
        else:
            results.append(ChapterResult(chapter.name, "stale", 0.0, False, executed,
                                         "not selected; an out-of-date executed copy is shown"))
            log(f"  note: {chapter.name} was not selected and its executed copy is out of date")
    return results


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
    wait: bool = True,
    log=print,
) -> tuple[list[ChapterResult], Path]:
    """Run the chapters, stage them and build the HTML; return every chapter's result and index.html.

    The results are in toc order (see :func:`book_status` for the chapters the run did not touch).
    The build folder's lock is held from the first write to the end, as in :func:`run_chapters`.
    """
    p = plan(layout, profile=profile, only=only, overrides=overrides, build_dir=build_dir)
    with build_lock(p.build_dir, wait=wait, log=log):
        remove_interrupted(layout, p.build_dir, log)
        results = book_status(layout, p, _execute_plan(layout, p, profile, force, timeout, log), log)
        pages = {r.chapter: r.notebook or unexecuted_copy(c, p.build_dir) for r, c in zip(results, p.every)}
        log("Building the HTML with Jupyter Book")
        stage = stage_book(layout, p.build_dir, pages, log=log, parameters=page_parameters(p, results))
        from .publish import stage_reader_pages  # a Sphinx extension as well: imported only when building

        stage_reader_pages(layout.root, stage, p.build_dir, profile=profile, log=log)  # comparison page, MyST downloads
        sphinx_build(stage, p.build_dir, strict=strict, log=log)
        index = p.build_dir / "html" / "index.html"
        if not index.is_file():
            raise BookError(f"Jupyter Book finished but {index} is missing")
        write_last_build(p)
    return results, index


def page_parameters(p: Plan, results: Sequence[ChapterResult]) -> dict[str, tuple]:
    """For each executed page, what its parameters block shows: the values it ran with (its stamp)."""
    out = {}
    for r in results:
        stamp = cache.read_stamp(p.build_dir, r.chapter) if r.notebook is not None else None
        if stamp is None:
            continue
        spec = p.schema.chapters[r.chapter]
        values = {**spec.defaults(), **(stamp.get("params") or {})}
        origins = stamp.get("origins") or {n: ("injected" if n in (stamp.get("params") or {}) else "default")
                                           for n in spec.params}
        out[r.chapter] = (spec, values, origins, stamp.get("profile"))
    return out


LAST_BUILD_FILE = "last_build.json"


def write_last_build(p: Plan) -> None:
    """Record the profile and ``-p`` values of the book just built (``make publish`` publishes it)."""
    record = {"profile": p.profile, "overrides": p.overrides, "only": [c.name for c in p.selected]
              if len(p.selected) < len(p.every) else None, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_text_atomic(p.build_dir / LAST_BUILD_FILE, json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")


def read_last_build(build_dir: Path) -> dict[str, Any] | None:
    """What :func:`write_last_build` recorded in ``build_dir``, or None (no book built there yet)."""
    path = Path(build_dir) / LAST_BUILD_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("profile"), str):
        return None
    record["overrides"] = record.get("overrides") if isinstance(record.get("overrides"), dict) else {}
    return record

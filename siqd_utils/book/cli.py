"""The command line: ``python -m siqd_utils.book build | run | params``.

Exit status 0 on success, 1 when a chapter failed, 2 for a bad request (unknown
profile, chapter or parameter, a value out of range, a broken source), 3 when
``--no-wait`` was given and another build holds the build folder's lock.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .errors import BookError, ChapterFailed
from .layout import Layout, chapters, select_chapters
from .lock import BuildLocked
from .parameters import load_schema
from .paths import REPO_ROOT
from .profiles import parse_overrides, paths_relative_to_root
from .runner import ChapterResult, build_book, plan, run_chapters

__all__ = ["main", "params_listing", "summary_table"]


def summary_table(results: Sequence[ChapterResult]) -> str:
    rows = [("chapter", "status", "seconds", "cached?")]
    rows += [(r.chapter, r.status, f"{r.seconds:.1f}", "yes" if r.cached else "no") for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) if i != 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def params_listing(layout: Layout, profile: str, overrides: dict[str, Any], chapter: str | None,
                   build_dir: Path) -> str:
    """Each chapter's parameters: the value it would receive, where from, what is allowed, and the help."""
    p = plan(layout, profile=profile, only=[chapter] if chapter else None, overrides=overrides, build_dir=build_dir)
    lines: list[str] = []
    for c in p.selected:
        spec = p.schema.chapters[c.name]
        reads = ", ".join(spec.reads) or "nothing"
        lines.append(f"{c.name}  (reads: {reads})")
        origins, values = p.origins(c.name), p.values(c.name)
        for name, param in spec.params.items():
            lines.append(f"  {name} = {values[name]!r}  [{origins[name]}]  {param.allowed()}")
            lines.append(f"      {param.help}")
        lines.append("")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m siqd_utils.book",
        description="Execute the SiQD book's chapters with papermill and build the HTML with Jupyter Book.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", default="standard", help="parameter profile from siqd_utils/book/profiles.yml (default: standard)")
        p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                       help="override one parameter (VALUE read as YAML: 1000, 0.2, true, null, text); repeatable")
        p.add_argument("--build-dir", type=Path, default=None, help="output folder (default: _build in the repository)")

    def execution(p: argparse.ArgumentParser) -> None:
        p.add_argument("--force", action="store_true", help="re-execute the selected chapters even if their cached copies are current")
        p.add_argument("--timeout", type=float, default=None, help="per-cell time limit in seconds (default: none)")
        p.add_argument("--dry-run", action="store_true",
                       help="check the request and say which chapters would execute and why; execute nothing")
        p.add_argument("--no-wait", dest="wait", action="store_false",
                       help="if another build is using the build folder, stop at once (exit 3) instead of waiting for it")

    b = sub.add_parser("build", help="execute the chapters that are out of date and build the HTML book")
    common(b)
    execution(b)
    b.add_argument("--only", action="append", metavar="CHAPTER",
                   help="execute only this chapter (repeatable), with what it reads and what reads it kept up to date")
    b.add_argument("--strict", action=argparse.BooleanOptionalAction, default=True,
                   help="fail on Sphinx warnings too (-W --keep-going; the default); --no-strict only lists them")
    r = sub.add_parser("run", help="bring one chapter (and what reads it) up to date; no HTML")
    r.add_argument("chapter")
    common(r)
    execution(r)
    q = sub.add_parser("params", help="list each chapter's parameters: value, origin, allowed values, help")
    q.add_argument("chapter", nargs="?")
    common(q)
    q.add_argument("--yaml", action="store_true", help="print only the values each chapter runs with (profile, -p or default), as YAML")
    return parser


def main(argv: Sequence[str] | None = None, layout: Layout | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_sphinx"]:
        from .render import sphinx_main

        return sphinx_main(argv[1:])
    args = _parser().parse_args(argv)
    layout = layout or Layout(REPO_ROOT)
    build_dir = (args.build_dir or layout.root / "_build").resolve()
    start = time.perf_counter()
    try:
        overrides = paths_relative_to_root(parse_overrides(args.parameter), load_schema(layout.schema_file),
                                           Path.cwd(), layout.root)
        if args.command == "params":
            if args.yaml:
                p = plan(layout, profile=args.profile, only=[args.chapter] if args.chapter else None,
                         overrides=overrides, build_dir=build_dir)
                # every declared name as the chapter runs with it (profile, -p or its own default), so
                # the listing does not depend on how profiles.yml is factored
                print(yaml.safe_dump({c.name: p.values(c.name) for c in p.selected}, sort_keys=False), end="")
            else:
                print(params_listing(layout, args.profile, overrides, args.chapter, build_dir), end="")
            return 0
        if args.dry_run:
            results = run_chapters(layout, profile=args.profile, only=[args.chapter] if args.command == "run" else args.only,
                                   overrides=overrides, build_dir=build_dir, force=args.force, dry_run=True)
            print()
            print(summary_table(results))
            n = sum(r.status == "would execute" for r in results)
            print(f"Dry run: nothing executed; {n} chapter(s) would execute"
                  + (", then the HTML would be built." if args.command == "build" else "."))
            return 0
        if args.command == "run":
            results = run_chapters(layout, profile=args.profile, only=[args.chapter], overrides=overrides,
                                   build_dir=build_dir, force=args.force, timeout=args.timeout, wait=args.wait)
            print(summary_table(results))
            wanted = select_chapters(chapters(layout), [args.chapter])[0].name
            print(f"executed notebook: {build_dir / 'executed' / (wanted + '.ipynb')}")
            return 0
        results, index = build_book(layout, profile=args.profile, only=args.only, overrides=overrides,
                                    build_dir=build_dir, force=args.force, strict=args.strict, timeout=args.timeout,
                                    wait=args.wait)
        print()
        print(summary_table(results))
        if not any(r.status == "executed" for r in results):
            print("Nothing was re-executed: every chapter's inputs are unchanged.")
        stale = [r.chapter for r in results if r.status in ("stale", "not executed")]
        if stale:
            print(f"Not current (not selected): {', '.join(stale)}; `make book` brings them up to date.")
        print(f"Total {time.perf_counter() - start:.1f} s. The book is at {index}")
        return 0
    except ChapterFailed as exc:
        if exc.results:
            print()
            print(summary_table(exc.results))
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    except BuildLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except BookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

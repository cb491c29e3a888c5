"""A toy book of tiny chapters for the runner's tests (a helper module, not a test file).

Its chapters mirror the shape of the real book: ``05_search`` is read by ``06_regress``,
and ``07_sum`` reads ``04_other``, ``05_search`` and ``06_regress``; ``01_alone`` is
read by nobody.  Each chapter computes ``value = scale + sum(values of the chapters it
reads)`` from their metrics files, exports it to ``value.txt`` and writes its own
metrics file, so a stale dependant shows up as a wrong number.  The chapters call
:func:`siqd_utils.book.chapter.setup` with the toy's schema, as the real ones do.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from siqd_utils.book import Layout

READS = {
    "01_alone": [],
    "04_other": [],
    "05_search": [],
    "06_regress": ["05_search"],
    "07_sum": ["04_other", "05_search", "06_regress"],
}

PROFILES = textwrap.dedent(
    """
    profiles:
      quick: fast
      standard: default
      paper: slow
    common:
      all: {seed: 42}
    chapters:
      05_search:
        quick: {scale: 5}
        paper: {scale: 500}
    """
)

SCHEMA_HEAD = textwrap.dedent(
    """
    shared:
      seed: {type: int, range: "[0, inf)", default: 0, help: "random seed"}
      scale: {type: int, range: "[1, inf)", default: 1, help: "this chapter's own contribution"}
      output_dir: {type: folder, nullable: true, default: null, help: "exports; None: _build/outputs/<chapter>"}
    chapters:
    """
)

CHAPTER = textwrap.dedent(
    """\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---

    # {name}

    ```{{code-cell}} ipython3
    :tags: [parameters]

    seed = 0         # random seed
    scale = 1        # this chapter's own contribution
    output_dir = None
    ```

    ```{{code-cell}} ipython3
    :tags: [hide-input]

    import json

    from siqd_utils.book.chapter import setup

    P, out, _ = setup("{name}", globals(), schema_file="../chapters.yml")
    ```

    ```{{code-cell}} ipython3
    metrics = out.parent.parent / "metrics"
    upstream = {{n: json.loads((metrics / f"{{n}}.json").read_text())["value"] for n in {reads!r}}}
    value = P.scale + sum(upstream.values())
    if value > 10**6:
        raise ValueError(f"value {{value}} is too large")
    out.mkdir(parents=True, exist_ok=True)
    (out / "value.txt").write_text(str(value))
    metrics.mkdir(parents=True, exist_ok=True)
    (metrics / "{name}.json").write_text(json.dumps({{"value": value, "seed": P.seed}}))
    print(value)
    ```
    """
)


#: A cell to append to :data:`CHAPTER`: with ``TOY_GATE`` set to a folder in the kernel's
#: environment, the chapter marks ``<gate>/<name>.started`` once its outputs are written, then
#: waits as long as ``<gate>/<name>.hold`` exists, so a test can act while a build is mid-chapter.
GATE = textwrap.dedent(
    """
    ```{{code-cell}} ipython3
    import os, pathlib, time

    gate = os.environ.get("TOY_GATE")
    if gate:
        pathlib.Path(gate, "{name}.started").touch()
        while pathlib.Path(gate, "{name}.hold").exists():
            time.sleep(0.05)
    ```
    """
)


def make_toy_book(root: Path, profiles: str = PROFILES, reads: dict[str, list[str]] | None = None,
                  chapter: str = CHAPTER) -> Layout:
    """Write the toy book under ``root``: notebooks, toc, schema, profiles, data checksums."""
    reads = READS if reads is None else reads
    (root / "notebooks").mkdir(parents=True)
    for name, ups in reads.items():
        (root / "notebooks" / f"{name}.md").write_text(chapter.format(name=name, reads=ups))
    entries = "".join(f"      - file: notebooks/{name}\n" for name in reads)
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: intro\nparts:\n  - caption: C\n    chapters:\n{entries}")
    schema = SCHEMA_HEAD + "".join(
        f"  {name}:\n    reads: {json.dumps(ups)}\n    parameters: {{seed: , scale: , output_dir: }}\n"
        for name, ups in reads.items())
    (root / "chapters.yml").write_text(schema)
    (root / "profiles.yml").write_text(profiles)
    (root / "data").mkdir()
    (root / "data" / "SHA256SUMS").write_text("abc  siqd_ensemble.csv\n")
    return toy_layout(root)


def toy_layout(root: Path) -> Layout:
    """The layout of a toy book written by :func:`make_toy_book` under ``root``."""
    return Layout(root, profiles_file=root / "profiles.yml", schema_file=root / "chapters.yml")


def cli_command(root: Path, *args: str) -> list[str]:
    """``python -m siqd_utils.book ARGS`` on the toy book at ``root``, as a command for a process of its own.

    The ``siqd_utils`` it runs is the one found from the process's working directory first
    (``python -c`` puts it at the head of ``sys.path``), then the environment's.
    """
    here = str(Path(__file__).resolve().parent)
    code = f"import sys; sys.path.append({here!r}); import toy_book; sys.exit(toy_book.main(sys.argv[1:]))"
    return [sys.executable, "-c", code, str(root), *args]


def main(argv: list[str]) -> int:
    """The book's command line on the toy book at ``argv[0]`` (see :func:`cli_command`)."""
    from siqd_utils.book import main as book_main

    return book_main(argv[1:], layout=toy_layout(Path(argv[0])))


def value_of(layout: Layout, chapter: str, build_dir: Path | None = None) -> int:
    """The value a toy chapter exported."""
    build_dir = build_dir or layout.root / "_build"
    return int((build_dir / "outputs" / chapter / "value.txt").read_text())

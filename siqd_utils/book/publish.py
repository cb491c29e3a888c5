"""What readers get from a build: generated pages, downloads, the publishable archive, the PDF.

Usage (``make publish`` and ``make pdf`` run these)::

    python -m siqd_utils.book.publish archive [--profile paper] [--build-dir _build] [--out DIR]
    python -m siqd_utils.book.publish pdf     [--profile standard] [--build-dir _build]

Four parts, each used by one caller:

* :func:`stage_reader_pages` -- called by the runner (:mod:`siqd_utils.book`) after it has
  staged the book: writes the "Paper vs this book" page (``book/comparison.md``, from the
  metrics files, :mod:`siqd_utils.report.comparison`) and copies each chapter's MyST source
  into the stage so that it can be downloaded beside the ``.ipynb``.
* :func:`setup` -- a Sphinx extension (listed in ``_config.yml``): serves those MyST sources
  next to the chapter pages and adds them to each chapter's download menu; turns the launch
  buttons (Binder, Colab, set in ``_config.yml``) off unless ``repository.url`` is set.
* :func:`publish` -- builds the book (``paper`` profile by default, cached chapters reused) and
  writes a reproducible ``.tar.gz`` of the HTML, its SHA-256 and a manifest (profile, commit,
  data checksums, package versions).
* :func:`build_pdf` -- the LaTeX builder and ``make all-pdf`` when TeX is installed; otherwise
  a message naming the Debian packages to install.

The module imports nothing from the runner at import time, so Sphinx can load it alone.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..atomic import write_bytes_atomic, write_text_atomic
from .paths import REPO_ROOT

__all__ = [
    "GENERATED_PAGES",
    "MYST_DIR",
    "PDF_DEBIAN_PACKAGES",
    "PublishError",
    "build_pdf",
    "external_requests",
    "manifest",
    "publish",
    "setup",
    "stage_reader_pages",
    "tar_gz",
]

#: Pages of the table of contents that the build writes (they have no committed source).
GENERATED_PAGES = ("book/comparison",)
#: Folder of the stage that holds the chapters' MyST sources (an ``html_extra_path``), and the
#: folder of the HTML they are served from (a prefix that the stage's ``notebooks/*.md``
#: exclusion, which Sphinx also applies to extra files, does not match).
MYST_DIR = "_myst_sources"
MYST_URL = "myst"
#: What a Debian machine needs for ``make pdf`` (Sphinx's LaTeX output, built with latexmk).
PDF_DEBIAN_PACKAGES = ("latexmk", "texlive-latex-recommended", "texlive-latex-extra", "texlive-fonts-recommended",
                       "texlive-fonts-extra", "texlive-pictures", "texlive-science", "texlive-xetex", "xindy",
                       "fonts-freefont-otf", "poppler-utils")
#: The programs the LaTeX build runs (Jupyter Book's LaTeX set-up compiles with xelatex, indexes with
#: xindy) and those that check its PDF (poppler's pdftotext and pdfimages).
TEX_TOOLS = ("latexmk", "xelatex", "xindy", "pdftotext", "pdfimages")


class PublishError(RuntimeError):
    """The book cannot be published or printed as asked; the message says why."""


# ------------------------------------------------------------------ staging hook


def stage_reader_pages(root: Path, stage: Path, build_dir: Path, *, profile: str, log=print) -> None:
    """Write the generated pages and the MyST downloads into the staged book.

    The comparison page is written only when the stage's ``_toc.yml`` lists ``book/comparison``
    (a page outside the table of contents would be a Sphinx warning, hence an error).

    Parameters
    ----------
    root : Path
        The repository (its ``notebooks/*.md`` are copied).
    stage : Path
        The tree Jupyter Book will build.
    build_dir : Path
        The build folder whose ``metrics/`` and ``executed/`` the comparison page reads.
    profile : str
        The parameter profile of the build, printed on the comparison page.
    """
    from ..report.comparison import write_comparison_page

    toc = stage / "_toc.yml"
    listed = toc.is_file() and re.search(r"file:\s*book/comparison\s*$", toc.read_text(encoding="utf-8"), re.MULTILINE)
    missing = write_comparison_page(stage / "book" / "comparison.md", build_dir, profile=profile) if listed else []
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        log(f"  comparison page: {len(missing)} quantity(ies) not in the metrics, shown as '–' ({shown})")
    for source in sorted((Path(root) / "notebooks").glob("*.md")):
        dst = stage / MYST_DIR / MYST_URL / "notebooks" / source.name
        if not (dst.is_file() and dst.read_bytes() == source.read_bytes()):
            write_bytes_atomic(dst, source.read_bytes())


# ------------------------------------------------------------ Sphinx extension


def _config_inited(app, config) -> None:
    myst = Path(app.srcdir) / MYST_DIR
    if myst.is_dir():
        config.html_extra_path = [*config.html_extra_path, MYST_DIR]
    config.exclude_patterns = [*config.exclude_patterns, f"{MYST_DIR}/**"]
    options = config.html_theme_options
    if not str(options.get("repository_url") or "").strip():
        # Without a repository there is nothing to launch (and the theme needs one to build the links).
        launch = options.get("launch_buttons") or {}
        options["launch_buttons"] = {k: ("" if k.endswith("_url") else False if k == "thebe" else v)
                                     for k, v in launch.items()}


def _add_myst_download(app, pagename, templatename, context, doctree) -> None:
    source = Path(app.srcdir) / MYST_DIR / MYST_URL / f"{pagename}.md"
    if not source.is_file():
        return
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(1, {
                "type": "link",
                "url": context["pathto"](f"{MYST_URL}/{pagename}.md", 1),
                "text": ".md (MyST)",
                "tooltip": "Download the chapter's MyST source (a Jupytext text notebook)",
                "icon": "fas fa-file-lines",
                "label": "download-myst-button",
            })


def _drop_repeated_inline_scripts(app, pagename, templatename, context, doctree) -> None:
    # With Sphinx 7.4, inline scripts that sphinx-thebe and sphinx-togglebutton add after the
    # builder has started reach the page twice; the second `const THEBE_JS_URL` is a SyntaxError
    # in the browser console on every page.  Keep the first copy of each inline body.
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[str] = set()
    kept = []
    for js in scripts:
        body = getattr(js, "attributes", {}).get("body") if not getattr(js, "filename", None) else None
        if body is not None:
            if body in seen:
                continue
            seen.add(body)
        kept.append(js)
    scripts[:] = kept


def setup(app) -> dict[str, Any]:
    """Sphinx extension: MyST downloads beside the chapters; launch buttons only with a repository URL."""
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _add_myst_download, priority=900)  # after the theme builds its buttons
    app.connect("html-page-context", _drop_repeated_inline_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# ------------------------------------------------------------------- the archive


_EXTERNAL = re.compile(
    r"""<(?:script|img|link|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""url\(\s*["']?((?:https?:)?//[^)"']+)""", re.IGNORECASE)


def external_requests(html_dir: Path) -> list[tuple[str, str]]:
    """Resources a page would fetch from outside the book: ``(file, url)`` for scripts, styles,
    images, frames and CSS ``url()`` that are absolute.  Plain links (``<a href>``) are not fetched."""
    found = []
    for path in sorted(Path(html_dir).rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        pattern = _EXTERNAL if path.suffix == ".html" else _CSS_URL
        for match in pattern.finditer(text):
            tag = match.group(0)
            if path.suffix == ".html" and tag.lower().startswith("<link") and not re.search(
                    r"""rel\s*=\s*["'][^"']*(stylesheet|icon|preload|modulepreload)""", tag, re.IGNORECASE):
                continue  # <link rel="canonical"> and the like are not requests
            found.append((path.relative_to(html_dir).as_posix(), match.group(1)))
    return found


def tar_gz(folder: Path, arcname: str, mtime: int) -> bytes:
    """A reproducible ``.tar.gz`` of ``folder`` under ``arcname/``: sorted entries, fixed owner,
    modes and times, so the same HTML gives the same bytes (and the same SHA-256)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=mtime, filename="") as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            paths = [folder, *sorted(folder.rglob("*"))]
            for path in paths:
                rel = path.relative_to(folder).as_posix()
                info = tarfile.TarInfo(arcname if rel == "." else f"{arcname}/{rel}")
                info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
                if path.is_dir():
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                else:
                    data = path.read_bytes()
                    info.size, info.mode = len(data), 0o644
                    tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def _requirement_names(requirements: Path) -> list[str]:
    names = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0])
    return names


def _versions(names: Sequence[str]) -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(root: Path, build_dir: Path, *, profile: str, results: Sequence[Any] = (),
             overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a published build was made from: profile and ``-p`` values, commit, data checksums, versions."""
    sums = root / "data" / "SHA256SUMS"
    data_checksums = {}
    if sums.is_file():
        for line in sums.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2:
                data_checksums[parts[1].lstrip("*")] = parts[0]
    metrics_data = sorted({json.loads(p.read_text()).get("data_sha256", "")
                           for p in (build_dir / "metrics").glob("*.json")} - {""})
    commit = _git(root, "rev-parse", "HEAD")
    return {
        "title": "Structure classes vs. property classes of silicon quantum dots",
        "profile": profile,
        "overrides": dict(overrides or {}),
        "commit": commit or "unknown (not a git checkout)",
        "commit_date": _git(root, "show", "-s", "--format=%cI", "HEAD") or None,
        "uncommitted_changes": bool(_git(root, "status", "--porcelain", "--untracked-files=no")) if commit else None,
        "data": {
            "SHA256SUMS": data_checksums,
            "SHA256SUMS_sha256": _sha256(sums.read_bytes()) if sums.is_file() else None,
            "read_by_the_chapters": metrics_data,
        },
        "chapters": {r.chapter: {"status": r.status, "seconds": round(float(r.seconds), 1)} for r in results},
        "python": platform.python_version(),
        "packages": _versions(_requirement_names(root / "requirements.txt")),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


#: A build expected to take longer than this (seconds) starts only when the user says go on.
LONG_BUILD_SECONDS = 30 * 60


def publish_target(build_dir: Path, profile: str | None = None,
                   overrides: dict[str, Any] | None = None) -> tuple[str, dict[str, Any], str]:
    """Which book to publish: ``(profile, overrides, why)``.

    By default the book last built in ``build_dir`` (its profile and ``-p`` values), so that
    its executed chapters are reused; ``standard`` if no book was built there.  A profile
    given explicitly is taken with the overrides given (none by default).
    """
    from .runner import read_last_build

    if profile is not None:
        return profile, dict(overrides or {}), "as asked"
    last = read_last_build(build_dir)
    if last is None:
        return "standard", dict(overrides or {}), f"no book built in {build_dir} yet: the default profile"
    if overrides:
        return last["profile"], dict(overrides), f"the profile of the last book built in {build_dir}"
    shown = " ".join(f"-p {k} {v}" for k, v in last["overrides"].items())
    return (last["profile"], dict(last["overrides"]),
            f"the last book built in {build_dir}, finished {last.get('finished', '?')}" + (f", with {shown}" if shown else ""))


DASK_HINT = """\
To spread the searches over a Dask cluster (every machine with this commit checked out and
`pip install -r requirements.txt && pip install --no-deps -e .`):
    dask scheduler                                          # prints tcp://HOST:8786
    dask worker tcp://HOST:8786 --nworkers 8 --nthreads 1   # on each worker machine
then add ARGS="-p search_backend dask -p dask_scheduler tcp://HOST:8786" to the make command."""


def confirm_cost(layout, p, *, assume_yes: bool = False, ask=None, log=print) -> None:
    """Say what executing the out-of-date chapters of plan ``p`` will cost; for a long run, ask first.

    Prints the chapters to execute with their search fits and expected time (from this build
    folder's measured runs, :mod:`~siqd_utils.book.cost`).  A run of the ``paper`` profile, or
    one expected to last over :data:`LONG_BUILD_SECONDS` (or that cannot be estimated), starts
    only after ``ask`` returns True (default: a yes/no question on the terminal) or with
    ``assume_yes``; otherwise :class:`PublishError`.
    """
    from . import cache, cost
    from .runner import current_chapters

    ok = current_chapters(layout, p)
    todo = [c.name for c in p.order if not ok[c.name]]
    if not todo:
        log(f"Every chapter is current for profile {p.profile}: nothing to execute.")
        return
    def fits(name: str, values: dict[str, Any]) -> int | None:
        return cost.chapter_fits(p.schema.chapters[name].fits, values, f"chapters.{name}")

    stamps = {name: cache.read_stamp(p.build_dir, name) for name in todo}
    fallback = {name: {"fits": fits(name, {**p.schema.chapters[name].defaults(), **s.get("params", {})}),
                       "seconds": s.get("seconds")} for name, s in stamps.items() if s}
    estimates = cost.estimate(p.build_dir, {name: fits(name, p.values(name)) for name in todo}, fallback)
    log(f"Chapters to execute for profile {p.profile}:")
    log(cost.format_estimates(estimates))
    seconds = [e.seconds for e in estimates]
    long = p.profile == "paper" or None in seconds or sum(seconds) > LONG_BUILD_SECONDS
    if not long:
        return
    if any("search_backend" in p.params[name] or "search_backend" in p.schema.chapters[name].params for name in todo):
        log(DASK_HINT)
    if assume_yes:
        log("Going on (--yes).")
        return
    if ask is None:
        def ask() -> bool:
            if not sys.stdin.isatty():
                return False
            return input("Start it? [y/N] ").strip().lower() in ("y", "yes")
    if not ask():
        raise PublishError("not started. Run it with --yes (make publish ... YES=1) to go on, "
                           "or publish a book that is already built (make publish with no PUBLISH_PROFILE)")


def publish(root: Path = REPO_ROOT, *, profile: str | None = None, overrides: dict[str, Any] | None = None,
            build_dir: Path | None = None, out_dir: Path | None = None, assume_yes: bool = False, ask=None,
            log=print) -> dict[str, Path]:
    """Publish a book: build it (executed chapters reused) and write the archive, its ``.sha256``
    and its manifest to ``out_dir`` (default ``<build_dir>/publish``).

    Parameters
    ----------
    root : Path, default=the repository
        The book's repository.
    profile : str or None, default=None
        The parameter profile; None publishes the book last built in ``build_dir`` (its profile
        and ``-p`` values; ``standard`` if none was built), see :func:`publish_target`.
    overrides : dict or None, default=None
        ``-p`` values (replace the last build's when ``profile`` is None).
    build_dir, out_dir : Path or None
        The build folder (default ``<root>/_build``) and where the three files go.
    assume_yes : bool, default=False
        Start a long build (see :func:`confirm_cost`) without asking.
    ask : callable or None
        Asked before a long build; returns True to go on (default: a question on the terminal).

    Returns
    -------
    dict
        ``{"archive": ..., "sha256": ..., "manifest": ...}`` paths.
    """
    from . import Layout
    from .lock import build_lock

    layout = Layout(root)
    build_dir = (build_dir or root / "_build").resolve()
    out_dir = (out_dir or build_dir / "publish").resolve()
    # One lock from the choice of the book to the archive: no other build changes the pages
    # between the build and the packing (the runner takes it again without waiting).
    with build_lock(build_dir, log=log):
        return _publish_locked(layout, root, build_dir, out_dir, profile, overrides, assume_yes, ask, log)


def _publish_locked(layout, root: Path, build_dir: Path, out_dir: Path, profile, overrides, assume_yes, ask,
                    log) -> dict[str, Path]:
    from . import build_book
    from .runner import plan

    profile, overrides, why = publish_target(build_dir, profile, overrides)
    log(f"Publishing profile {profile} ({why})")
    confirm_cost(layout, plan(layout, profile=profile, overrides=overrides, build_dir=build_dir),
                 assume_yes=assume_yes, ask=ask, log=log)
    # Sphinx never deletes what earlier builds left in html/ (images of changed figures, pages of
    # removed chapters); publish a fresh one.  Only the HTML is redone: chapters stay cached.
    shutil.rmtree(build_dir / "html", ignore_errors=True)
    results, index = build_book(layout, profile=profile, overrides=overrides, build_dir=build_dir, strict=True, log=log)
    html = index.parent
    remote = external_requests(html)
    if remote:
        listing = "\n".join(f"  {page}: {url}" for page, url in remote[:20])
        raise PublishError(f"{len(remote)} resource(s) would load from outside the book:\n{listing}")
    record = manifest(root, build_dir, profile=profile, results=results, overrides=overrides)
    commit = _git(root, "rev-parse", "HEAD")
    name = f"siqd-book-{profile}-{commit[:12] or 'local'}"
    # Pages inside the archive carry the commit's time, so that an unchanged book gives identical bytes.
    mtime = int(_git(root, "show", "-s", "--format=%ct", "HEAD") or 0)
    # The copy inside leaves out what changes from one run to the next (when, and which chapters
    # were re-executed), so that the same pages give the same archive.
    inner = {k: v for k, v in record.items() if k not in ("built", "chapters")}
    write_text_atomic(html / "MANIFEST.json", json.dumps(inner, indent=2, sort_keys=True) + "\n")
    write_text_atomic(html / ".nojekyll", "")  # GitHub Pages would otherwise hide _static/ and _images/
    data = tar_gz(html, name, mtime)
    archive = write_bytes_atomic(out_dir / f"{name}.tar.gz", data)
    digest = _sha256(data)
    checksum = write_text_atomic(out_dir / f"{name}.tar.gz.sha256", f"{digest}  {archive.name}\n")
    record["archive"] = {"file": archive.name, "sha256": digest, "bytes": len(data),
                         "files": sum(1 for p in html.rglob("*") if p.is_file())}
    man = write_text_atomic(out_dir / f"{name}.manifest.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    log(f"Published {archive} ({len(data) / 1e6:.1f} MB, SHA-256 {digest[:16]}…); manifest {man.name}")
    return {"archive": archive, "sha256": checksum, "manifest": man}


# ------------------------------------------------------------------------- PDF


def _tex_missing() -> list[str]:
    return [tool for tool in TEX_TOOLS if shutil.which(tool) is None]


def pdf_instructions(missing: Sequence[str]) -> str:
    return (f"make pdf needs a TeX installation; not found: {', '.join(missing)}.\n"
            f"On Debian or Ubuntu `make tex` installs it (as root or with sudo), that is:\n"
            f"    sudo apt-get install {' '.join(PDF_DEBIAN_PACKAGES)}\n"
            "then run `make pdf` again. (The HTML book needs none of this: `make book`.)")


def _pdf_text(pdf: Path) -> str:
    proc = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise PublishError(f"pdftotext could not read {pdf}: {proc.stderr.strip()}")
    return proc.stdout


def _pdf_images(pdf: Path) -> int:
    """The number of images embedded in ``pdf`` (``pdfimages -list``, masks not counted)."""
    proc = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise PublishError(f"pdfimages could not read {pdf}: {proc.stderr.strip()}")
    rows = [ln.split() for ln in proc.stdout.splitlines()[2:] if ln.strip()]
    return sum(1 for r in rows if len(r) > 2 and r[2] == "image")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def check_pdf(pdf: Path, titles: Sequence[str], figures: Sequence[str]) -> dict[str, Any]:
    """Check a printed book: every title in its text, at least as many images as figures.

    ``figures`` are the image files the LaTeX source includes.  Returns what was found;
    raises :class:`PublishError` naming what is missing.
    """
    text = _squash(_pdf_text(pdf))
    missing = [t for t in titles if _squash(t) not in text]
    images = _pdf_images(pdf)
    problems = []
    if missing:
        problems.append(f"chapter title(s) not in its text: {missing}")
    if images < len(figures):
        problems.append(f"{images} image(s) embedded for {len(figures)} figure(s) in the LaTeX source")
    if problems:
        raise PublishError(f"{pdf}: " + "; ".join(problems))
    return {"titles": len(titles), "images": images, "figures": len(figures),
            "pages": text.count("\f") + 1}


def _page_titles(stage: Path) -> list[str]:
    """The first heading of every page of the staged book's table of contents."""
    import nbformat

    toc = yaml.safe_load((stage / "_toc.yml").read_text(encoding="utf-8"))
    files = re.findall(r"file:\s*(\S+)", (stage / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc.get("root")] + [f for f in files if f != toc.get("root")]
    titles = []
    for name in filter(None, files):
        base = stage / name
        if base.with_suffix(".ipynb").is_file():
            cells = nbformat.read(base.with_suffix(".ipynb"), as_version=4).cells
            text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        elif base.with_suffix(".md").is_file():
            text = base.with_suffix(".md").read_text(encoding="utf-8")
        else:
            continue
        heading = re.search(r"^#\s+(.+?)\s*$", text, re.MULTILINE)
        if heading:
            titles.append(re.sub(r"[*_`]", "", heading.group(1)))
    return titles


def build_pdf(root: Path = REPO_ROOT, *, profile: str | None = None, overrides: dict[str, Any] | None = None,
              build_dir: Path | None = None, assume_yes: bool = False, ask=None, log=print) -> Path:
    """Build the book (as :func:`publish` chooses it), then its PDF with Sphinx's LaTeX builder
    and latexmk; check it (:func:`check_pdf`) and return its path."""
    missing = _tex_missing()
    if missing:
        raise PublishError(pdf_instructions(missing))
    from . import Layout
    from .lock import build_lock

    layout = Layout(root)
    build_dir = (build_dir or root / "_build").resolve()
    with build_lock(build_dir, log=log):
        return _pdf_locked(layout, root, build_dir, profile, overrides, assume_yes, ask, log)


def _pdf_locked(layout, root: Path, build_dir: Path, profile, overrides, assume_yes, ask, log) -> Path:
    from . import build_book
    from .runner import plan

    profile, overrides, why = publish_target(build_dir, profile, overrides)
    log(f"Printing profile {profile} ({why})")
    confirm_cost(layout, plan(layout, profile=profile, overrides=overrides, build_dir=build_dir),
                 assume_yes=assume_yes, ask=ask, log=log)
    build_book(layout, profile=profile, overrides=overrides, build_dir=build_dir, strict=True, log=log)
    stage, latex = build_dir / "stage", build_dir / "latex"
    shutil.rmtree(latex, ignore_errors=True)  # no figure or page of an earlier print survives
    log("Writing LaTeX with Jupyter Book")
    cmd = [sys.executable, "-m", "siqd_utils.book", "_sphinx", str(stage), str(latex),
           str(build_dir / ".doctrees-latex"), "--builder", "latex"]
    env = dict(os.environ, NO_COLOR="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    reports = build_dir / "reports"
    write_text_atomic(reports / "sphinx-latex.log", proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise PublishError(f"the LaTeX builder failed (exit {proc.returncode}); log: {reports / 'sphinx-latex.log'}\n{tail}")
    log("Running latexmk (make all-pdf)")
    proc = subprocess.run(["make", "all-pdf", "LATEXMKOPTS=-interaction=nonstopmode -halt-on-error"],
                          cwd=latex, capture_output=True, text=True)
    write_text_atomic(reports / "latexmk.log", proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    pdfs = sorted(latex.glob("siqd-book*.pdf")) or sorted(latex.glob("*.pdf"))
    if proc.returncode != 0 or not pdfs:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
        raise PublishError(f"latexmk failed (exit {proc.returncode}) in {latex}; log: {reports / 'latexmk.log'}\n{tail}")
    tex = next(iter(sorted(latex.glob("*.tex"))), None)
    figures = re.findall(r"\\(?:sphinxincludegraphics|includegraphics)(?:\[[^\]]*\])?\{\{?([^}]+)\}",
                         tex.read_text(encoding="utf-8")) if tex else []
    found = check_pdf(pdfs[0], _page_titles(stage), figures)
    log(f"PDF: {pdfs[0]} ({pdfs[0].stat().st_size / 1e6:.1f} MB; every one of {found['titles']} page titles in "
        f"its text; {found['images']} images embedded for {found['figures']} figures)")
    return pdfs[0]


# ------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m siqd_utils.book.publish",
        description="Publish the SiQD book: an archive of the HTML, or a PDF. By default the book last built in "
                    "the build folder (its profile and -p values), reusing its executed chapters.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", default=None,
                       help="publish this profile instead of the last built one (a long build asks first)")
        p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                       help="override one parameter, as for `python -m siqd_utils.book build`")
        p.add_argument("--build-dir", type=Path, default=None, help="the build folder (default: _build)")
        p.add_argument("--yes", action="store_true", help="start a long build without asking")

    a = sub.add_parser("archive", help="write the HTML archive, its SHA-256 and manifest")
    common(a)
    a.add_argument("--out", type=Path, default=None, help="folder for the archive (default: <build-dir>/publish)")
    p = sub.add_parser("pdf", help="build the PDF with the LaTeX builder (needs TeX: make tex)")
    common(p)
    args = parser.parse_args(argv)
    from .errors import BookError
    from .parameters import load_schema
    from .profiles import parse_overrides, paths_relative_to_root

    try:
        overrides = paths_relative_to_root(parse_overrides(args.parameter), load_schema(), Path.cwd(), REPO_ROOT)
        options = dict(profile=args.profile, overrides=overrides, build_dir=args.build_dir, assume_yes=args.yes)
        if args.command == "archive":
            publish(out_dir=args.out, **options)
        else:
            build_pdf(**options)
    except (PublishError, BookError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The built book in a real browser: Debian's Chromium, headless, driven by Playwright, no network.

The session's quick book (``tests/conftest.py``: built once, shared with the other book tests) is
served from its ``html/`` folder on 127.0.0.1, and every page of ``_toc.yml`` is opened.  Each page
must load with no console error, request nothing outside 127.0.0.1, show every image, leave no
LaTeX untypeset, show no error output, and caption every figure.  A screenshot of each chapter
(the whole page, and the view at its first formula) is saved in ``_build/browser/screenshots/``.

Chromium is Debian's ``/usr/bin/chromium`` (``make test`` installs the package when absent);
Playwright never downloads a browser of its own here.
"""

from __future__ import annotations

import functools
import http.server
import re
import tempfile
import threading
from pathlib import Path

import pytest

from siqd_utils import book

from conftest import SESSION_BUILD

ROOT = book.REPO_ROOT
LAYOUT = book.Layout(ROOT)
SHOTS = ROOT / "_build" / "browser" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
#: Flags that let Chromium run as root in this sandbox without reaching for the network.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: LaTeX that MathJax should have typeset; searched in the page's prose (code and outputs excluded).
RAW_LATEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\(?:mathrm|frac|text|mathbf|left|right|begin|end|sqrt|sum|cdot|times|pm|le|ge)\b")

pytestmark = pytest.mark.slow

# Runs in the page: visible prose (no code, no math markup, no scripts), broken images, errors, figures.
_INSPECT = """() => {
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .cell_input, .MathJax')
       .forEach(e => e.remove());
  const images = Array.from(document.images);
  return {
    prose: clone.textContent,
    broken: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src')),
    n_images: images.length,
    errors: Array.from(document.querySelectorAll('.output.traceback, .output.error, .output.stderr'))
                 .map(e => e.textContent.slice(0, 200)),
    uncaptioned: Array.from(document.querySelectorAll('main figure'))
                 .filter(f => !(f.querySelector('figcaption') && f.querySelector('figcaption').textContent.trim()))
                 .map(f => (f.querySelector('img') || f).getAttribute('src') || f.id || 'figure'),
    bare_output_images: Array.from(document.querySelectorAll('main .cell_output img'))
                 .filter(i => !i.closest('figure')).map(i => i.getAttribute('src')),
    n_math: document.querySelectorAll('mjx-container').length,
  };
}"""

# Resolves when MathJax (present only on pages with math) has typeset the page.
_MATHJAX_DONE = """async () => {
  if (!window.MathJax) { return 'no MathJax on this page'; }
  for (let i = 0; i < 200 && !(MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  await MathJax.startup.promise;
  return 'typeset';
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def site(quick_book):
    """Serve the session's book on 127.0.0.1; yield the base URL."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (`make browser`, which `make test` runs)")
    index = quick_book.index
    handler = functools.partial(_QuietHandler, directory=str(index.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_context():
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="siqd-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900}, service_workers="block",
        )
        try:
            yield context
        finally:
            context.close()


def _visit(context, base: str, entry: str) -> dict:
    """Open one page; return what it requested, logged and shows."""
    page = context.new_page()
    outside: list[str] = []
    console: list[str] = []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:  # never let a request leave the machine; record it
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    page.goto(f"{base}{entry}.html", wait_until="load")
    mathjax = page.evaluate(_MATHJAX_DONE)
    page.wait_for_load_state("networkidle")
    found = page.evaluate(_INSPECT)
    found.update(outside=outside, console=console, mathjax=mathjax, page=page)
    return found


def _pages() -> list[str]:
    return book.toc_files(LAYOUT.toc)


@pytest.mark.parametrize("entry", _pages())
def test_page_in_a_real_browser(site, browser_context, entry):
    found = _visit(browser_context, site, entry)
    page = found.pop("page")
    try:
        if entry.startswith("notebooks/"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = Path(entry).name
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
            first_math = page.locator("main mjx-container").first
            if found["n_math"]:
                first_math.scroll_into_view_if_needed()
                page.screenshot(path=str(SHOTS / f"{name}.math.png"))
    finally:
        page.close()
    problems = []
    if found["console"]:
        problems.append(f"console errors: {found['console']}")
    if found["outside"]:
        problems.append(f"requests outside 127.0.0.1: {found['outside']}")
    if found["broken"]:
        problems.append(f"broken images: {found['broken']}")
    raw = sorted(set(RAW_LATEX.findall(found["prose"])))
    if raw:
        at = RAW_LATEX.search(found["prose"]).start()
        problems.append(f"raw LaTeX left in the text {raw}: ...{found['prose'][max(0, at - 60):at + 60]!r}...")
    if found["errors"]:
        problems.append(f"error output blocks: {found['errors']}")
    if found["uncaptioned"] or found["bare_output_images"]:
        problems.append(f"figures without a caption: {found['uncaptioned'] + found['bare_output_images']}")
    assert not problems, f"{entry}:\n  " + "\n  ".join(problems)


def test_chapters_show_typeset_math_and_figures(site, browser_context):
    """The checks above must have had something to check: formulas typeset, figures shown."""
    n_math = n_images = 0
    for entry in [e for e in _pages() if e.startswith("notebooks/")]:
        found = _visit(browser_context, site, entry)
        found.pop("page").close()
        n_math += found["n_math"]
        n_images += found["n_images"] - len(found["broken"])
    assert n_math > 0, "no formula was typeset by MathJax on any chapter"
    assert n_images > 0, "no image was shown on any chapter"
    assert (SHOTS / "01_data.png").is_file()


#: Pictures of dots each chapter must show: page -> figure names (MyST ``name:``, the figure's HTML id).
DOT_PICTURES = {"notebooks/01_data": ["fig-data-gallery"], "notebooks/03_structure_classes": ["fig-ils-portraits"]}

_FIGURES = """(ids) => ids.map(id => {
  const f = document.getElementById(id);
  if (!f) { return {id: id, found: false}; }
  const img = f.querySelector('img');
  const cap = f.querySelector('figcaption');
  return {id: id, found: true, tag: f.tagName, caption: cap ? cap.textContent.trim() : '',
          loaded: !!img && img.complete && img.naturalWidth > 0,
          width: img ? img.naturalWidth : 0, height: img ? img.naturalHeight : 0};
})"""


@pytest.mark.parametrize("entry", sorted(DOT_PICTURES))
def test_pictures_of_the_dots_are_on_the_pages(site, browser_context, entry):
    """Chapter 01's gallery and chapter 03's class portraits: present, captioned, their images loaded."""
    page = browser_context.new_page()
    try:
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site) else r.abort())
        page.goto(f"{site}{entry}.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        figures = page.evaluate(_FIGURES, DOT_PICTURES[entry])
    finally:
        page.close()
    for fig in figures:
        assert fig["found"], f"{entry}: no figure {fig['id']!r} on the page"
        assert fig["tag"] == "FIGURE" and fig["caption"], f"{entry}: figure {fig['id']!r} has no caption"
        assert fig["loaded"], f"{entry}: the image of figure {fig['id']!r} did not load"
        # six dots, two to a row, each a pair of panels: a large picture, taller than wide
        assert fig["width"] >= 600 and fig["height"] > fig["width"], fig


def test_the_detector_sees_raw_latex_and_outside_requests(site, browser_context):
    """A page with untypeset LaTeX and a remote script is caught (the checks can fail)."""
    html = SESSION_BUILD / "html" / "_test_bad_page.html"
    html.write_text('<html><body><main><p>Raw \\(R_\\mathrm{min}\\) here.</p>'
                    '<script src="https://example.invalid/x.js"></script>'
                    '<img src="missing.png"></main></body></html>', encoding="utf-8")
    try:
        found = _visit(browser_context, site, "_test_bad_page")
        found.pop("page").close()
    finally:
        html.unlink()
    assert RAW_LATEX.search(found["prose"])
    assert found["outside"] == ["https://example.invalid/x.js"]
    assert found["broken"] == ["missing.png"]

"""Every page states each of the study's conclusions in the one sentence ``report.verdicts`` makes.

Reads the session's quick book (``quick_book`` in tests/conftest.py): every HTML page's text, every
sentence starting "Conclusion N (", and checks it is word for word the statement decided from this
build's metrics; chapters 03 and 07 and the comparison page must each state the ones they quote.
"""

from __future__ import annotations

import html
import re

import pytest

from siqd_utils.report.metrics import load_metrics
from siqd_utils.report.verdicts import CHAPTERS_USED, statement

_START = re.compile(r"Conclusion ([1-5]) \(")
#: Pages that must state a conclusion, and which.
REQUIRED = {"notebooks/03_structure_classes.html": {2}, "notebooks/05_classification.html": {3},
            "notebooks/06_regression.html": {4}, "notebooks/07_conclusions.html": {1, 2, 3, 4, 5},
            "book/comparison.html": {1, 2, 3, 4, 5}}


def page_text(path) -> str:
    """The visible text of an HTML page, entities decoded, quotes straightened, whitespace collapsed."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'"))


@pytest.fixture(scope="module")
def statements(quick_book):
    m = {c: load_metrics(quick_book.build_dir / "metrics" / f"{c}.json")["values"] for c in CHAPTERS_USED}
    return {n: re.sub(r"\s+", " ", statement(n, m)) for n in range(1, 6)}


def test_every_verdict_sentence_on_every_page_is_the_one_statement(quick_book, statements):
    html_dir = quick_book.build_dir / "html"
    found: dict[str, set[int]] = {}
    for path in sorted(html_dir.rglob("*.html")):
        rel = path.relative_to(html_dir).as_posix()
        if rel.startswith(("_", "genindex", "search")):
            continue
        text = page_text(path)
        for match in _START.finditer(text):
            number = int(match.group(1))
            assert text[match.start():].startswith(statements[number]), (
                f"{rel}: conclusion {number} is stated as {text[match.start():match.start() + 300]!r}, "
                f"not as the one statement {statements[number]!r}")
            found.setdefault(rel, set()).add(number)
    for rel, numbers in REQUIRED.items():
        assert numbers <= found.get(rel, set()), f"{rel} states conclusions {sorted(found.get(rel, set()))}, not {sorted(numbers)}"

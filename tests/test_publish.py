"""Publishing: reproducible archive, outside-request scan, manifest, PDF message, launch-button gate."""

from __future__ import annotations

import hashlib
import io
import tarfile
from types import SimpleNamespace

from siqd_utils import book
from siqd_utils.book import publish


def _site(root):
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text('<html><script src="_static/x.js"></script><a href="https://doi.org/1">doi</a></html>')
    (root / "sub" / "page.html").write_text('<img src="../a.png"><link rel="canonical" href="https://example.org/p">')
    (root / "a.png").write_bytes(b"\x89PNG fake")
    return root


def test_archive_is_reproducible_and_complete(tmp_path):
    site = _site(tmp_path / "html")
    first = publish.tar_gz(site, "book", mtime=1_700_000_000)
    (site / "a.png").touch()  # a newer file time must not change the bytes
    second = publish.tar_gz(site, "book", mtime=1_700_000_000)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    with tarfile.open(fileobj=io.BytesIO(first), mode="r:gz") as tar:
        names = tar.getnames()
        assert names == ["book", "book/a.png", "book/index.html", "book/sub", "book/sub/page.html"]
        assert tar.extractfile("book/a.png").read() == b"\x89PNG fake"
        assert {m.mtime for m in tar.getmembers()} == {1_700_000_000}
    (site / "a.png").write_bytes(b"changed")
    assert publish.tar_gz(site, "book", mtime=1_700_000_000) != first


def test_outside_requests_are_found_but_links_are_not(tmp_path):
    site = _site(tmp_path / "html")
    assert publish.external_requests(site) == []
    (site / "sub" / "bad.html").write_text(
        '<script src="https://cdn.example/mathjax.js"></script><img src="//img.example/x.png">'
        '<link rel="stylesheet" href="https://fonts.example/css">')
    (site / "style.css").write_text("body { background: url('https://img.example/bg.png') }")
    found = publish.external_requests(site)
    assert ("sub/bad.html", "https://cdn.example/mathjax.js") in found
    assert ("sub/bad.html", "//img.example/x.png") in found
    assert ("sub/bad.html", "https://fonts.example/css") in found
    assert ("style.css", "https://img.example/bg.png") in found


def test_manifest_names_profile_commit_data_and_versions(tmp_path):
    build = tmp_path / "_build"
    (build / "metrics").mkdir(parents=True)
    (build / "metrics" / "01_data.json").write_text('{"data_sha256": "abc"}')
    results = [book.ChapterResult("01_data", "cached", 1.23, True)]
    record = publish.manifest(book.REPO_ROOT, build, profile="paper", results=results)
    assert record["profile"] == "paper"
    assert len(record["commit"]) == 40
    assert record["data"]["read_by_the_chapters"] == ["abc"]
    assert "siqd_ensemble.csv" in " ".join(record["data"]["SHA256SUMS"])
    assert record["packages"]["jupyter-book"].startswith("1.")
    assert record["packages"]["scikit-learn"] != "not installed"
    assert record["chapters"] == {"01_data": {"status": "cached", "seconds": 1.2}}


def test_pdf_without_tex_names_the_debian_packages(monkeypatch):
    monkeypatch.setattr(publish.shutil, "which", lambda tool: None)
    try:
        publish.build_pdf()
    except publish.PublishError as exc:
        message = str(exc)
    else:
        raise AssertionError("build_pdf ran without TeX")
    assert "apt-get install" in message
    for package in publish.PDF_DEBIAN_PACKAGES:
        assert package in message


def _config(url):
    launch = {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com", "thebe": False}
    return SimpleNamespace(html_extra_path=[], exclude_patterns=[],
                           html_theme_options={"repository_url": url, "launch_buttons": dict(launch)})


def test_launch_buttons_follow_the_repository_url_alone(tmp_path):
    app = SimpleNamespace(srcdir=str(tmp_path))
    off = _config("")
    publish._config_inited(app, off)
    assert not any(off.html_theme_options["launch_buttons"].values())
    on = _config("https://github.com/owner/repo")
    publish._config_inited(app, on)
    assert on.html_theme_options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert on.html_theme_options["launch_buttons"]["colab_url"].startswith("https://colab")
    assert on.html_extra_path == []  # no MyST folder staged here
    (tmp_path / publish.MYST_DIR).mkdir()
    publish._config_inited(app, on)
    assert on.html_extra_path == [publish.MYST_DIR]

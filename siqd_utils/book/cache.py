"""The cache of executed chapters: what a chapter's key holds and when a copy is current.

A chapter's key hashes everything its executed copy was computed from:

* its text source and the values injected into it,
* every source file of ``siqd_utils`` (``*.py``, ``*.yml``, ...), ``requirements.txt``,
* the data checksums (``data/SHA256SUMS``, and the SHA-256 of a user's ``data_path`` and
  ``structures_path``),
* the digests of the **outputs of the chapters it reads** (``reads`` in ``chapters.yml``):
  their metrics file and every file they exported, taken after those chapters ran.

After a run the runner records, in ``<build>/executed/<chapter>.json`` (the *stamp*),
the key, the digest of the chapter's own outputs and the digests it read.  A copy is
current when the stamp's key equals the key computed now *and* the chapter's outputs
on disk still have the recorded digest (an export deleted or edited by hand makes it
stale).  So a change anywhere upstream reaches every chapter that reads it.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..report.metrics import metrics_dir
from .paths import PACKAGE_DIR, resolve_path

__all__ = ["CACHE_VERSION", "cache_key", "current_record", "data_digest", "output_locations", "outputs_digest",
           "package_digest", "read_stamp", "sha256_bytes", "write_stamp"]

#: Bump to invalidate every cached chapter (e.g. when the executed form changes).
CACHE_VERSION = 2
_SOURCE_SUFFIXES = {".py", ".yml", ".yaml", ".json"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_digest(package_dir: Path = PACKAGE_DIR) -> str:
    """Hash of every source file of the package (``*.py``, ``*.yml``, ``*.yaml``, ``*.json``)."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in package_dir.rglob("*")
        if p.is_file() and p.suffix in _SOURCE_SUFFIXES and "__pycache__" not in p.parts
    )
    for path in files:
        digest.update(f"{path.relative_to(package_dir).as_posix()}\0{_sha256_file(path)}\n".encode())
    return digest.hexdigest()


#: Parameters naming a user's data file, whose contents are part of a chapter's key.
DATA_PARAMETERS = ("data_path", "structures_path")


def data_digest(layout, params: dict[str, Any]) -> str:
    """The data checksums a chapter depends on: ``data/SHA256SUMS`` and a user's data files
    (:data:`DATA_PARAMETERS`)."""
    sums = layout.sha256sums.read_text(encoding="utf-8") if layout.sha256sums.is_file() else "<no SHA256SUMS>"
    extra = ""
    for name in DATA_PARAMETERS:
        user = params.get(name)
        if user not in (None, ""):
            path = resolve_path(str(user), layout.root)  # relative paths are relative to the repository
            digest = _sha256_file(path) if path.is_file() else f"<missing {path}>"
            # data_path alone keeps its earlier form; another file is named, so the two cannot swap
            extra += digest if name == "data_path" else f"\n{name}\0{digest}"
    return sha256_bytes(f"{sums}\n{extra}".encode())


def output_locations(layout, build_dir: Path, chapter: str, params: dict[str, Any]) -> tuple[Path, Path]:
    """Where a chapter's outputs are: its export folder and its metrics file.

    The folder is its ``output_dir`` (as injected; the runner's default is
    ``<build>/outputs/<chapter>``); the metrics file is ``<build>/metrics/<chapter>.json``
    beside it (:func:`siqd_utils.report.metrics.metrics_dir`).
    """
    given = params.get("output_dir")
    folder = resolve_path(given, layout.root) if given else (build_dir / "outputs" / chapter).resolve()
    return folder, metrics_dir(folder) / f"{chapter}.json"


def _metrics_digest(path: Path) -> str:
    """SHA-256 of a metrics file without its ``run`` record (how the run went is not an output)."""
    try:
        record = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError):
        return _sha256_file(path)
    if not isinstance(record, dict) or "run" not in record:
        return _sha256_file(path)
    record.pop("run")
    return sha256_bytes(json.dumps(record, indent=2, sort_keys=True).encode())


def outputs_digest(folder: Path, metrics_file: Path) -> str:
    """Digest of a chapter's outputs: its metrics file (but its ``run`` record) and every file under its export folder.

    Hidden files (an atomic writer's temporary files) are left out.
    """
    entries = [f"metrics\0{_metrics_digest(metrics_file) if metrics_file.is_file() else '<missing>'}"]
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                entries.append(f"{rel.as_posix()}\0{_sha256_file(path)}")
    return sha256_bytes("\n".join(entries).encode())


def cache_key(source_text: str, params: dict[str, Any], package: str, data: str, environment: str = "",
              reads: dict[str, str] | None = None) -> str:
    """Key of an executed chapter: any change in its inputs, upstream outputs included, gives a new key."""
    blob = json.dumps(
        {
            "version": CACHE_VERSION,
            "source": sha256_bytes(source_text.encode("utf-8")),
            "params": params,
            "package": package,
            "data": data,
            "environment": environment,
            "reads": reads or {},
        },
        sort_keys=True,
        default=str,
    )
    return sha256_bytes(blob.encode())


def _stamp_path(build_dir: Path, chapter: str) -> Path:
    return build_dir / "executed" / f"{chapter}.json"


def read_stamp(build_dir: Path, chapter: str) -> dict[str, Any] | None:
    """The record of a chapter's last successful run, if its executed notebook is still there."""
    stamp = _stamp_path(build_dir, chapter)
    if not (stamp.is_file() and (build_dir / "executed" / f"{chapter}.ipynb").is_file()):
        return None
    try:
        return json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return None


def current_record(build_dir: Path, chapter: str, key: str, outputs: str) -> dict[str, Any] | None:
    """The stamp if the executed copy is current: same key, and its outputs unchanged on disk."""
    record = read_stamp(build_dir, chapter)
    if record is None or record.get("key") != key or record.get("outputs") != outputs:
        return None
    return record


def write_stamp(build_dir: Path, chapter: str, *, key: str, params: dict[str, Any], seconds: float,
                outputs: str, reads: dict[str, str], origins: dict[str, str] | None = None,
                profile: str | None = None) -> None:
    """Record a successful run: its key, the values injected and where each parameter came from."""
    record = {"key": key, "chapter": chapter, "params": params, "seconds": round(seconds, 2), "outputs": outputs,
              "reads": reads, "origins": origins or {}, "profile": profile, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_text_atomic(_stamp_path(build_dir, chapter), json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")

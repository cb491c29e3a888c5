"""Headline numbers of each chapter, written to ``<build>/metrics/<chapter>.json``.

Schema (version 1), one JSON object per chapter::

    {
      "schema_version": 1,
      "chapter": "05_classification",     # the notebook's stem
      "parameters": {...},                # the chapter's validated parameters (JSON-able)
      "data_sha256": "...",               # SHA-256 of the CSV the chapter read
      "values": {...},                    # the chapter's numbers; required keys below
      "run": {...}                        # optional: how this run got them (where the searches'
    }                                     # fits ran, or that they were read from the cache)

``run`` is a record of the run, not a result: a re-run that reads every search from the
cache writes a different one.  The book's runner leaves it out of the digest of a chapter's
outputs (:func:`siqd_utils.book.cache.outputs_digest`), so it never makes a reader re-run.

:data:`REQUIRED_VALUES` lists, per chapter, the keys ``values`` must hold.  Files
are written atomically with sorted keys, so two runs with the same parameters
give byte-identical files.  Floats are rounded to 10 significant digits to keep
them stable across platforms' last-bit noise without hiding real differences.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import write_text_atomic

__all__ = ["REQUIRED_VALUES", "SCHEMA_VERSION", "MetricsError", "load_metrics", "metrics_dir", "validate_metrics", "write_metrics"]

SCHEMA_VERSION = 1

#: Keys each chapter's ``values`` must contain (chapters may add more).
REQUIRED_VALUES: dict[str, tuple[str, ...]] = {
    "01_data": ("n_structures", "shape_counts"),
    "02_correlations": ("features", "dropped", "retained", "correlation_threshold"),
    "03_structure_classes": ("n_clusters", "cluster_sizes", "spectral_purity", "should_split"),
    "04_property_classes": ("n_outliers", "band_counts"),
    "05_classification": ("n", "tasks", "bands_errors", "verdict"),
    "06_regression": ("search", "search_best", "paper_params", "band_accuracy", "rmse_nm"),
    "07_conclusions": ("conclusions",),
    "08_robustness": ("settings", "nested", "gaps", "permutation", "clusterings"),
    "09_design": ("intervals", "sets", "windows", "facet_effect"),
}


class MetricsError(ValueError):
    """A metrics file does not follow the schema."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise MetricsError(f"non-finite number {v!r} cannot be stored")
        return float(f"{v:.10g}")
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int)):
        return value
    raise MetricsError(f"value of type {type(value).__name__} cannot be stored: {value!r}")


def validate_metrics(record: dict, source: str = "<metrics>") -> dict:
    """Check a metrics record against the schema; return it unchanged."""
    for key in ("schema_version", "chapter", "parameters", "data_sha256", "values"):
        if key not in record:
            raise MetricsError(f"{source}: missing top-level key {key!r}")
    if record["schema_version"] != SCHEMA_VERSION:
        raise MetricsError(f"{source}: schema_version {record['schema_version']!r}, expected {SCHEMA_VERSION}")
    chapter = record["chapter"]
    if chapter not in REQUIRED_VALUES:
        raise MetricsError(f"{source}: unknown chapter {chapter!r}; known {sorted(REQUIRED_VALUES)}")
    missing = [k for k in REQUIRED_VALUES[chapter] if k not in record["values"]]
    if missing:
        raise MetricsError(f"{source}: chapter {chapter!r} values lack {missing}")
    return record


def write_metrics(output_dir: Path | str, chapter: str, values: dict, parameters: dict | None = None,
                  data_sha256: str = "", run: dict | None = None) -> Path:
    """Validate and atomically write ``<output_dir>/<chapter>.json``; return its path.

    ``run``: how this run got its numbers (e.g. each search's
    :meth:`~siqd_utils.models.search.SearchResult.run_record`), kept beside the values.
    """
    record = {
        "schema_version": SCHEMA_VERSION,
        "chapter": chapter,
        "parameters": _jsonable(parameters or {}),
        "data_sha256": data_sha256,
        "values": _jsonable(values),
    }
    if run is not None:
        record["run"] = _jsonable(run)
    validate_metrics(record, source=chapter)
    # parents are created by the atomic writer
    return write_text_atomic(Path(output_dir) / f"{chapter}.json", json.dumps(record, indent=2, sort_keys=True) + "\n")


def load_metrics(path: Path | str) -> dict:
    """Read and validate a metrics file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"metrics file not found: {path} (run that chapter first)")
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise MetricsError(f"{path}: not valid JSON ({exc})") from exc
    return validate_metrics(record, source=str(path))


def metrics_dir(output_dir: Path | str) -> Path:
    """The build's metrics folder for a chapter whose exports go to ``output_dir``.

    The runner lays a build out as ``<build>/outputs/<chapter>/`` (exports) and
    ``<build>/metrics/`` (one JSON per chapter), so this is ``<build>/metrics``.
    """
    return Path(output_dir).resolve().parent.parent / "metrics"

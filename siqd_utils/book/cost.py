"""What a build will cost before it starts: each chapter's search fits and its expected time.

Each chapter of ``chapters.yml`` may declare ``fits``: the number of model fits its searches
make, as an arithmetic expression of its integer parameters (``4 * n_trials * cv_folds``).
The runner records every execution's fits and seconds in ``<build>/timings.json``; from
those records :func:`estimate` predicts how long a chapter will take with other values:

* with runs at two or more distinct fit counts, a straight line ``seconds = a + b * fits``
  (least squares over the most recent run at each count): the fixed part (data, figures,
  the final fits) and the per-fit rate are both measured;
* with runs at one fit count only, the time is taken as proportional to the fits.  That
  scales the fixed part too, so it over-estimates when the run was small (the ``quick``
  profile); the estimate says so;
* a chapter without ``fits`` takes as long as its last run; one never run here is unknown.

The rates are this machine's and this build folder's: the estimate is for running here, with
the parameters' ``n_jobs``.
"""

from __future__ import annotations

import ast
import json
import operator
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from .errors import BookError

__all__ = ["Estimate", "TIMINGS_FILE", "check_fits_expression", "chapter_fits", "estimate", "read_timings",
           "record_timing", "format_estimates", "searches_read_from_cache"]

#: The record of executions in a build folder (chapter, fits, seconds).
TIMINGS_FILE = "timings.json"
#: Runs kept per chapter (the newest).
_KEEP = 20
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _evaluate(node: ast.AST, values: Mapping[str, Any], where: str) -> int:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values, where)
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise BookError(f"{where}: 'fits' names {node.id!r}, which is not an integer parameter of the chapter")
        return int(values[node.id])
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left, values, where), _evaluate(node.right, values, where))
    raise BookError(f"{where}: 'fits' may hold integers, parameter names, +, - and * only "
                    f"(found {ast.dump(node)[:60]})")


def _parse(expression: str, where: str) -> ast.Expression:
    try:
        return ast.parse(str(expression), mode="eval")
    except SyntaxError:
        raise BookError(f"{where}: 'fits' = {expression!r} is not an arithmetic expression") from None


def check_fits_expression(expression: str, int_params: Mapping[str, int], where: str) -> None:
    """Raise :class:`BookError` unless ``expression`` evaluates on the chapter's integer parameters."""
    _evaluate(_parse(expression, where), int_params, where)


def chapter_fits(expression: str | None, params: Mapping[str, Any], where: str = "chapters.yml") -> int | None:
    """The fits a chapter makes with ``params`` (None when it declares no ``fits``)."""
    if not expression:
        return None
    return max(0, _evaluate(_parse(expression, where), params, where))


def read_timings(build_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every recorded run, by chapter (oldest first); an unreadable record counts as none."""
    path = Path(build_dir) / TIMINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def searches_read_from_cache(metrics_file: Path) -> bool:
    """Whether a chapter's run read any of its search fits from the search cache (its metrics'
    ``run`` record); such a run's time says nothing about the cost of fitting them."""
    try:
        record = json.loads(Path(metrics_file).read_text(encoding="utf-8"))
        searches = record.get("run", {}).get("searches", {})
        return any(int(s.get("entries_read", 0)) > 0 for s in searches.values())
    except (OSError, ValueError, AttributeError, TypeError):
        return False  # no metrics or no run record: a chapter without searches


def record_timing(build_dir: Path, chapter: str, *, fits: int | None, seconds: float, profile: str | None = None,
                  cached: bool = False) -> None:
    """Add one execution of ``chapter`` to the build folder's record (atomically); ``cached``: some of
    its search fits were read from the search cache (the run is kept but not used for estimates)."""
    data = read_timings(build_dir)
    runs = [r for r in data.get(chapter, []) if isinstance(r, dict)]
    runs.append({"fits": fits, "seconds": round(float(seconds), 2), "profile": profile,
                 "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **({"cached_searches": True} if cached else {})})
    data[chapter] = runs[-_KEEP:]
    write_text_atomic(Path(build_dir) / TIMINGS_FILE, json.dumps(data, indent=1, sort_keys=True) + "\n")


@dataclass(frozen=True)
class Estimate:
    """The expected cost of executing one chapter."""

    chapter: str
    fits: int | None
    seconds: float | None
    basis: str  # how the figure was obtained, in words


def _line(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares ``seconds = a + b * fits``, with ``a, b >= 0``."""
    import numpy as np

    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    b, a = np.polyfit(x, y, 1)
    if b <= 0:  # noisier than the trend: take the mean time
        return float(y.mean()), 0.0
    if a < 0:  # a negative fixed part: through the origin
        return 0.0, float((x @ y) / (x @ x))
    return float(a), float(b)


def estimate_one(chapter: str, fits: int | None, runs: Sequence[Mapping[str, Any]]) -> Estimate:
    """Predict one chapter's seconds at ``fits`` from its recorded ``runs``."""
    runs = [r for r in runs if isinstance(r.get("seconds"), (int, float))]
    if not runs:
        return Estimate(chapter, fits, None, "never executed in this build folder: no measured rate")
    fitted = [r for r in runs if not r.get("cached_searches")]
    if not fitted:
        return Estimate(chapter, fits, None, "its searches were always read from the search cache here: no measured rate")
    runs = fitted
    if fits is None:
        last = runs[-1]
        return Estimate(chapter, None, float(last["seconds"]), "as its last run (no searches)")
    latest: dict[int, float] = {}
    for r in runs:
        if isinstance(r.get("fits"), int) and r["fits"] > 0:
            latest[r["fits"]] = float(r["seconds"])
    if not latest:
        return Estimate(chapter, fits, float(runs[-1]["seconds"]), "as its last run")
    if len(latest) >= 2:
        a, b = _line(sorted(latest.items()))
        return Estimate(chapter, fits, a + b * fits,
                        f"line through runs at {len(latest)} fit counts: {a:.0f} s + {b * 1e3:.1f} ms per fit")
    (n, s), = latest.items()
    basis = f"proportional to fits from one run ({n:,} fits in {s:.0f} s)"
    if fits > n:
        basis += "; its fixed part is scaled too, so this over-estimates"
    return Estimate(chapter, fits, s * fits / n, basis)


def estimate(build_dir: Path, chapters: Mapping[str, int | None],
             fallback: Mapping[str, Mapping[str, Any]] | None = None) -> list[Estimate]:
    """Estimates for ``{chapter: fits}`` (fits from :func:`chapter_fits`), from the build folder's record.

    ``fallback`` gives one run (``{"fits": ..., "seconds": ...}``) for chapters the record
    does not hold (e.g. from the stamp of a run made before the record existed).
    """
    timings = read_timings(build_dir)
    fallback = fallback or {}
    return [estimate_one(name, fits, timings.get(name) or ([fallback[name]] if name in fallback else []))
            for name, fits in chapters.items()]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def format_estimates(estimates: Sequence[Estimate]) -> str:
    """A table of the estimates and their total, for the terminal."""
    rows = [("chapter", "search fits", "expected", "from")]
    rows += [(e.chapter, "-" if e.fits is None else f"{e.fits:,}", _duration(e.seconds), e.basis) for e in estimates]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].rjust(widths[2]), r[3]]) for r in rows]
    known = [e.seconds for e in estimates if e.seconds is not None]
    unknown = len(estimates) - len(known)
    fits = sum(e.fits or 0 for e in estimates)
    if not known:
        lines.append(f"total: {fits:,} search fits; time unknown (no chapter has run in this build folder)")
    else:
        more = f", plus {unknown} chapter(s) never run here" if unknown else ""
        lines.append(f"total: {fits:,} search fits, about {_duration(sum(known))}{more}")
    return "\n".join(lines)

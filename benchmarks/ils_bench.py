"""Benchmark of the ILS spreading core (not a test: it prints a table).

Part 1 - the O(n^3) reference loop against :func:`siqd_utils.ils.spread_labels`
on the same n = 2,000 points (three Gaussian blobs in 5-D, one seed).  The
reference recomputes the labelled x unlabelled distance matrix with NumPy at
every step, like Parker's original ``ILS`` function (without its DataFrame
copies): once with direct differences (the exact arithmetic), once with
``sklearn.metrics.pairwise_distances`` as in the original.  Medians of
``--repeats`` runs.

Part 2 - ``spread_labels`` on n = 10,000, 100,000 and 1,000,000 points in 5-D,
each in a fresh subprocess so that its peak resident memory (``ru_maxrss``) is
its own.  ``--max-n`` skips the larger sizes.

Part 3 - the peak rules on first-pass curves of n points (p = 5 % of n and
p = 15): ``scipy.signal.find_peaks_cwt`` against the linear-time equivalent
the study rule uses beyond ``SCIPY_CWT_MAX_LENGTH`` points (same peaks,
checked), and the significance rule.  Medians of ``--repeats`` runs.

Usage::

    python benchmarks/ils_bench.py [--repeats 3] [--max-n 1000000] [--skip-reference]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from siqd_utils.ils import significance_scores, smooth_rmin, spread_labels  # noqa: E402
from siqd_utils.ils.peaks import SCIPY_CWT_MAX_LENGTH, _cwt_peaks  # noqa: E402


def blobs(n, d=5, seed=0):
    """Three unit Gaussian blobs in ``d`` dimensions, centres 10 apart."""
    rng = np.random.default_rng(seed)
    centres = np.zeros((3, d))
    centres[1, 0] = 10.0
    centres[2, 1] = 10.0
    return centres[np.arange(n) % 3] + rng.normal(size=(n, d))


def reference_loop(X, labels, distances="direct"):
    """Parker-style O(n^3) ILS: the full labelled x unlabelled matrix every step."""
    lab = np.array(labels)
    labelled = list(np.flatnonzero(lab > 0))
    unlabelled = list(np.flatnonzero(lab == 0))
    rmin = []
    if distances == "sklearn":
        from sklearn.metrics import pairwise_distances
    while unlabelled:
        L = X[labelled]
        U = X[unlabelled]
        if distances == "sklearn":
            D = pairwise_distances(L, U)
        else:
            D = (L[:, None, 0] - U[None, :, 0]) ** 2
            for k in range(1, X.shape[1]):
                D += (L[:, None, k] - U[None, :, k]) ** 2
            np.sqrt(D, out=D)
        r, c = np.unravel_index(np.argmin(D), D.shape)
        j = unlabelled.pop(c)
        lab[j] = lab[labelled[r]]
        labelled.append(j)
        rmin.append(D[r, c])
    return lab, np.array(rmin)


def timed(fn, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def child(n, method):
    """Run in a subprocess: time one spread and report peak memory as JSON."""
    X = blobs(n)
    lab = np.zeros(n, dtype=np.int64)
    lab[0] = 1
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    res = spread_labels(X, lab, method=method)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "method": method, "time": elapsed, "rss_before_kib": before,
                      "peak_rss_kib": peak, "check": float(res.rmin.sum())}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing (median quoted)")
    ap.add_argument("--max-n", type=int, default=1_000_000, help="largest n of part 2")
    ap.add_argument("--skip-reference", action="store_true", help="skip the O(n^3) loops")
    ap.add_argument("--child", nargs=2, metavar=("N", "METHOD"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1])
        return

    from threadpoolctl import threadpool_info

    blas = ", ".join(
        f"{i['internal_api']} {i.get('architecture', '')}".strip() for i in threadpool_info()
    )
    print(f"# ILS benchmark - {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}; "
          f"BLAS: {blas or 'n/a'}")

    # ---- part 1 ---------------------------------------------------------
    n = 2000
    X = blobs(n)
    lab = np.zeros(n, dtype=np.int64)
    lab[0] = 1
    print(f"\n## Part 1: n = {n:,}, 5-D, one seed, median of {args.repeats} runs\n")
    print(f"{'implementation':44s} {'median s':>10s} {'min s':>9s} {'max s':>9s} {'runs':>5s} "
          f"{'speed-up':>9s}")
    rows = []
    for method in ("auto", "prim", "tree"):
        med, runs, res = timed(lambda: spread_labels(X, lab, method=method), max(args.repeats, 5))
        rows.append((f"spread_labels(method={method!r})", med, runs, res))
    ref_rows = []
    if not args.skip_reference:
        for kind in ("direct", "sklearn"):
            med, runs, out = timed(lambda: reference_loop(X, lab, kind), args.repeats)
            ref_rows.append((f"reference loop O(n^3), {kind} distances", med, runs, out))
            if kind == "direct":
                assert np.array_equal(out[0], rows[0][3].labels), "labels differ from reference"
                rm = np.asarray(rows[0][3].rmin)
                assert np.allclose(out[1], rm, atol=1e-12, rtol=0), "R_min differs from reference"
    base = ref_rows[0][1] if ref_rows else None
    for name, med, runs, _ in ref_rows + rows:
        speed = ""
        if base:
            ratio = base / med
            speed = f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"
        print(f"{name:44s} {med:10.4f} {min(runs):9.4f} {max(runs):9.4f} {len(runs):5d} "
              f"{speed:>9s}")
    if base:
        print(f"\nspeed-up of spread_labels (auto) over the direct-difference reference: "
              f"{base / rows[0][1]:.0f}x (target >= 500x)")

    # ---- part 2 ---------------------------------------------------------
    sizes = [s for s in (10_000, 100_000, 1_000_000) if s <= args.max_n]
    print("\n## Part 2: spread_labels (method='auto'), 5-D blobs, one seed, one run per "
          "fresh process\n")
    print(f"{'n':>10s} {'time s':>9s} {'peak RSS MiB':>13s} {'RSS before MiB':>15s}")
    for s in sizes:
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", str(s), "auto"],
            capture_output=True, text=True, check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{s:>10,d} {r['time']:9.2f} {r['peak_rss_kib'] / 1024:13.0f} "
              f"{r['rss_before_kib'] / 1024:15.0f}")
    print("\nTargets: n = 100,000 in < 30 s within 1 GiB.  'RSS before' is the process "
          "(interpreter, libraries, data) before the call.")

    # ---- part 3 ---------------------------------------------------------
    from scipy.signal import find_peaks_cwt

    print(f"\n## Part 3: peak rules on first-pass curves (5-D blobs), median of {args.repeats} runs; "
          f"the study rule calls SciPy up to {SCIPY_CWT_MAX_LENGTH:,} points\n")
    print(f"{'n':>8s} {'p':>6s} {'find_peaks_cwt s':>17s} {'linear-time s':>14s} {'ratio':>7s} "
          f"{'significance s':>15s}")
    for n in (231, 1_000, 5_000, 20_000, 50_000):
        if n > args.max_n:
            continue
        lab = np.zeros(n, dtype=np.int64)
        lab[0] = 1
        rmin = spread_labels(blobs(n), lab).rmin
        for p in sorted({max(2, round(0.05 * n)), 15}):
            sm = smooth_rmin(rmin, p)
            t_sp, _, a = timed(lambda: find_peaks_cwt(sm, widths=[p]), args.repeats)
            t_lin, _, b = timed(lambda: _cwt_peaks(sm, p), args.repeats)
            assert np.array_equal(np.sort(a), b), "linear-time CWT peaks differ from SciPy's"
            t_sig, _, _ = timed(lambda: significance_scores(rmin, p), args.repeats)
            print(f"{n:>8,d} {p:>6d} {t_sp:17.4f} {t_lin:14.4f} {t_sp / t_lin:6.0f}x {t_sig:15.4f}")


if __name__ == "__main__":
    main()

"""Time and peak memory of regenerating the ensemble (full and small), and of featurizing the
shipped structures from their bare atoms, median of runs.

Usage: python benchmarks/reconstruct_bench.py [--repeat 3] [--n-jobs 2] [--cold] [--small-only]
Each run is a separate process (python -m siqd_utils.reconstruct ...) so peak RSS is its own.
The construction-choice counts are cached in _build/cache/reconstruct; --cold clears that
cache before every build run, to time a build on a fresh clone. --small-only times the small
ensemble alone, and featurizes its structures instead of the shipped ones (seconds, not minutes).
"""

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from ase.io import read

from siqd_utils.datasets import DATA_DIR
from siqd_utils.reconstruct.choices import CACHE_DIR

STRUCTURES = DATA_DIR / "siqd_structures.extxyz.gz"


def run(extra, n_jobs, cold=False):
    if cold:
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "build", "--out", out, "--quiet",
                        "--n-jobs", str(n_jobs), *extra], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def small_structures(folder):
    subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "build", "--out", folder, "--quiet",
                    "--n-jobs", "1", "--max-diameter", "1.5"], check=True, stdout=subprocess.DEVNULL)
    return f"{folder}/{STRUCTURES.name}"


def featurize_shipped(structures=STRUCTURES):
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "featurize", str(structures), "-o",
                        f"{out}/t.csv", "--quiet"], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="clear the construction-choice cache before each build")
    parser.add_argument("--small-only", action="store_true",
                        help="only the small ensemble (D <= 1.5 nm), and featurize its structures, not the shipped ones")
    args = parser.parse_args()
    print(f"{'ensemble':<10} {'n_jobs':>6} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MiB':>13}")
    ensembles = (("small", ["--max-diameter", "1.5"]), ("full", []))
    for label, extra in ensembles[:1] if args.small_only else ensembles:
        times = []
        for _ in range(args.repeat):
            times.append(run(extra, args.n_jobs, args.cold))
        # ru_maxrss of children: the largest of any child so far (KiB on Linux)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{label:<10} {args.n_jobs:>6} {statistics.median(times):>9.1f} {min(times):>7.1f} {max(times):>7.1f} {rss:>13.0f}")
    with tempfile.TemporaryDirectory() as small:
        structures = small_structures(small) if args.small_only else STRUCTURES
        times = [featurize_shipped(structures) for _ in range(args.repeat)]
        n = len(read(structures, index=":"))
    which = "small ensemble's" if args.small_only else "shipped"
    print(f"featurize the {n} {which} structures (one process, CLI): median {statistics.median(times):.1f} s "
          f"({1000 * statistics.median(times) / n:.0f} ms per structure, including start-up)")


if __name__ == "__main__":
    main()

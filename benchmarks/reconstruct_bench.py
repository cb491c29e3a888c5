"""Time and peak memory of regenerating the ensemble (full and small), median of runs.

Usage: python benchmarks/reconstruct_bench.py [--repeat 3] [--n-jobs 2]
Each run is a separate process (python -m siqd_utils.reconstruct) so peak RSS is its own.
"""

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def run(extra, n_jobs):
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "--out", out, "--quiet", "--n-jobs", str(n_jobs), *extra],
                       check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"{'ensemble':<10} {'n_jobs':>6} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MiB':>13}")
    for label, extra in (("small", ["--max-diameter", "1.5"]), ("full", [])):
        times = []
        for _ in range(args.repeat):
            times.append(run(extra, args.n_jobs))
        # ru_maxrss of children: the largest of any child so far (KiB on Linux)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{label:<10} {args.n_jobs:>6} {statistics.median(times):>9.1f} {min(times):>7.1f} {max(times):>7.1f} {rss:>13.0f}")


if __name__ == "__main__":
    main()

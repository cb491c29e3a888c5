"""Command line: ``python -m siqd_utils.reconstruct --out DIR [--max-diameter NM]``."""

from __future__ import annotations

import argparse
import sys
import time

from .build import EnsembleSettings, build_ensemble, write_ensemble


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siqd_utils.reconstruct",
                                     description="Rebuild the SiQD ensemble data files from first principles.")
    parser.add_argument("--out", required=True, help="output folder (created if absent)")
    parser.add_argument("--max-diameter", type=float, default=EnsembleSettings.max_diameter,
                        help="largest mean caliper diameter in nm (default %(default)s; 1.5 gives a small test ensemble)")
    parser.add_argument("--centre", choices=["bond", "hex"], default=EnsembleSettings.centre,
                        help="inversion centre of the cuts (default %(default)s)")
    parser.add_argument("--n-jobs", type=int, default=1, help="processes for the tight-binding gaps (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if not 0.5 < args.max_diameter <= 3.0:
        parser.error(f"--max-diameter must be in (0.5, 3.0] nm, got {args.max_diameter}")
    if args.n_jobs == 0:
        parser.error("--n-jobs must not be 0")
    settings = EnsembleSettings(centre=args.centre, max_diameter=args.max_diameter)
    t0 = time.perf_counter()
    frame, structures, calibration, stats = build_ensemble(settings, n_jobs=args.n_jobs, progress=not args.quiet)
    sums = write_ensemble(args.out, frame, structures, calibration, settings, stats)
    print(f"{stats['n_structures']} structures from {stats['n_cuts']} distinct cuts; "
          f"geometry {stats['seconds_geometry']:.1f} s, tight binding {stats['seconds_tight_binding']:.1f} s, "
          f"total {time.perf_counter() - t0:.1f} s")
    print(f"calibration: alpha = {calibration.alpha:.5f}, beta = {calibration.beta:+.5f} eV")
    for name, digest in sums.items():
        print(f"  {digest}  {args.out}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command line of the reconstruction.

``python -m siqd_utils.reconstruct build --out DIR``
    Rebuild the shipped ensemble (or a variant: ``--centre``, ``--diameter``,
    ``--no-prune``, ``--max-diameter``).
``python -m siqd_utils.reconstruct featurize FILES... -o table.csv [--targets CSV] [--skip-errors] [--draw DIR]``
    Featurize H-passivated Si clusters into a table the book's loader accepts; every bad
    file is reported (``--skip-errors``: the good rows written, the others listed in
    ``table.errors.csv``); ``--draw`` draws each one, its atoms beside its facet polyhedron,
    to ``DIR/<id>.png``.
``python -m siqd_utils.reconstruct choices``
    Print the count and D range of every combination of construction choices.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from .build import EnsembleSettings, build_ensemble, write_ensemble
from .features import DEFAULT_DIAMETER, DIAMETERS
from .lattice import MIN_SI_NEIGHBOURS, NO_PRUNING


def _build(args, parser) -> int:
    if not 0.5 < args.max_diameter <= 3.04:
        parser.error(f"--max-diameter must be in (0.5, 3.04] nm, got {args.max_diameter}")
    if args.n_jobs == 0:
        parser.error("--n-jobs must not be 0")
    settings = EnsembleSettings(centre=args.centre, diameter=args.diameter, max_diameter=args.max_diameter,
                                min_neighbours=NO_PRUNING if args.no_prune else MIN_SI_NEIGHBOURS)
    t0 = time.perf_counter()
    frame, structures, calibration, stats = build_ensemble(settings, n_jobs=args.n_jobs, progress=not args.quiet)
    sums = write_ensemble(args.out, frame, structures, calibration, settings, stats)
    print(f"{stats['n_structures']} structures from {stats['n_cuts']} distinct cuts; "
          f"geometry {stats['seconds_geometry']:.1f} s, tight binding {stats['seconds_tight_binding']:.1f} s, "
          f"construction choices and size law {stats['seconds_choices_and_size_law']:.1f} s, "
          f"total {time.perf_counter() - t0:.1f} s")
    print(f"calibration: alpha = {calibration.alpha:.5f}, beta = {calibration.beta:+.5f} eV")
    for name, digest in sums.items():
        print(f"  {digest}  {args.out}/{name}")
    return 0


def _featurize(args, parser) -> int:
    from ..atomic import write_bytes_atomic
    from ..datasets import COLUMN_NAMES
    from .featurize_table import FeaturizeError, errors_file, featurize_files

    def write_csv(path, frame, **kwargs) -> None:
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\n", **kwargs)
        write_bytes_atomic(path, buf.getvalue().encode())

    skipped = errors_file(args.output)
    try:
        result = featurize_files(args.files, targets=args.targets, diameter=args.diameter,
                                 require_targets=not args.features_only, progress=not args.quiet,
                                 ignore_errors=args.skip_errors, return_errors=args.skip_errors)
    except FeaturizeError as exc:
        print(f"error: {exc}\nNothing was written; --skip-errors writes the rows of the others and lists these "
              f"in {skipped}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:  # the targets file, or no structure file given
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table, errors = result if args.skip_errors else (result, None)
    if errors is not None:
        write_csv(skipped, errors)  # written on every run, so an old list never outlives its table
        if len(errors):
            print(f"{len(errors)} structure(s) in {errors['file'].nunique()} file(s) skipped, each with its reason, "
                  f"in {skipped}", file=sys.stderr)
    if table.empty:
        print(f"error: no structure could be featurized, so {args.output} was not written", file=sys.stderr)
        return 2
    table = table[[c for c in COLUMN_NAMES if c in table.columns]]
    write_csv(args.output, table, float_format="%.9g")
    methods = table["facet_method"].value_counts().to_dict()
    print(f"{len(table)} structures -> {args.output} (facet_method: {methods})")
    if args.features_only:
        print("features only: no wavelength_nm, so siqd_utils.datasets.load_ensemble will not accept this table")
    if args.draw is not None:
        from ..plotting.dots import draw_files

        try:
            pictures = draw_files(args.files, args.draw, ids=table["id"], progress=not args.quiet)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{len(pictures)} pictures -> {args.draw}/ (<id>.png: the atoms beside the facet polyhedron)")
    return 0


def _choices(args, parser) -> int:
    from ..datasets import load_paper_results
    from .choices import evaluate_choices

    table = evaluate_choices(load_paper_results(), use_cache=not args.no_cache, progress=not args.quiet)
    print(table.sort_values("distance").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siqd_utils.reconstruct",
                                     description="Rebuild the SiQD ensemble, or featurize your own SiQDs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{build,featurize,choices}")
    defaults = EnsembleSettings()

    b = sub.add_parser("build", help="rebuild the ensemble data files from first principles")
    b.add_argument("--out", required=True, help="output folder (created if absent)")
    b.add_argument("--max-diameter", type=float, default=defaults.max_diameter,
                   help="largest D in nm (default %(default)s; 1.5 gives a small test ensemble)")
    b.add_argument("--centre", choices=["hex", "bond", "atom"], default=defaults.centre,
                   help="cutting centre (default %(default)s; hex and bond are inversion centres)")
    b.add_argument("--diameter", choices=DIAMETERS, default=defaults.diameter,
                   help="definition of D for the size window and the column (default %(default)s)")
    b.add_argument("--no-prune", action="store_true",
                   help=f"keep Si left with fewer than {MIN_SI_NEIGHBOURS} Si neighbours (SiH3 groups; lone SiH4 still go)")
    b.add_argument("--n-jobs", type=int, default=1, help="processes for the tight-binding gaps (default 1)")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.set_defaults(run=_build)

    f = sub.add_parser("featurize", help="features of H-passivated Si clusters from structure files")
    f.add_argument("files", nargs="+", type=Path, help="structure files (xyz, extxyz, ... ; one cluster per file, "
                   "or several frames each with an 'id' in its info)")
    f.add_argument("-o", "--output", required=True, type=Path, help="CSV to write")
    f.add_argument("--targets", type=Path, help="CSV with columns id, wavelength_nm (else read from each "
                   "structure's info 'wavelength_nm')")
    f.add_argument("--diameter", choices=DIAMETERS, default=DEFAULT_DIAMETER,
                   help="definition of D (default %(default)s, as in the shipped table)")
    f.add_argument("--features-only", action="store_true",
                   help="write features without wavelengths (a table the book's loader will not accept)")
    f.add_argument("--draw", type=Path, metavar="DIR",
                   help="also draw each structure, its atoms beside its facet polyhedron, to DIR/<id>.png")
    f.add_argument("--skip-errors", action="store_true",
                   help="write the rows of the structures that featurize, and list the others with the reason in "
                   "OUTPUT's name with .errors.csv (columns file, reason); without it, any failure writes nothing")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(run=_featurize)

    c = sub.add_parser("choices", help="count and D range for every combination of construction choices")
    c.add_argument("--no-cache", action="store_true", help="recompute instead of reading _build/cache")
    c.add_argument("--quiet", action="store_true", help="no progress bars")
    c.set_defaults(run=_choices)

    args = parser.parse_args(argv)
    return args.run(args, parser)


if __name__ == "__main__":
    sys.exit(main())

"""Timing and memory of :func:`siqd_utils.reconstruct.tight_binding.band_edges`.

Run: ``.venv/bin/python benchmarks/tb_bench.py [--dense]``.  Prints, per bond-centred
sphere, the matrix size, LDL^T fill, wall time of ``band_edges`` (best of 3),
the number of shifts used and, with ``--dense``, the dense eigvalsh time and the
agreement of the two.  Ends with the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import scipy.sparse as sp

from siqd_utils.reconstruct import tight_binding as tb
from siqd_utils.reconstruct.lattice import CENTRES, diamond_sites, passivate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dense", action="store_true", help="also time dense eigvalsh")
    parser.add_argument("--radii", type=float, nargs="*", default=[5.56, 8.0, 10.0, 12.0, 13.5, 14.5, 15.5, 16.0])
    args = parser.parse_args()
    print(f"{'cluster':>12} {'dim':>6} {'nnz(H)':>8} {'nnz(LU)':>9} {'t_H':>6} {'t_edges':>8} {'shifts':>6} {'gap':>7}"
          + ("  t_dense  |dgap|" if args.dense else ""))
    for r in args.radii:
        atoms = passivate(diamond_sites(r, CENTRES["bond"]), CENTRES["bond"])
        n_si = atoms.get_chemical_symbols().count("Si")
        name = f"Si{n_si}H{len(atoms) - n_si}"
        t = time.perf_counter()
        H = tb.hamiltonian(atoms)
        t_h = time.perf_counter() - t
        times = []
        for _ in range(3):
            t = time.perf_counter()
            be = tb.band_edges(atoms)
            times.append(time.perf_counter() - t)
        ldl = tb._LDL(H - be["sigma"] * sp.identity(H.shape[0], format="csc"))
        fill = ldl.lu.L.nnz + ldl.lu.U.nnz
        line = (f"{name:>12} {H.shape[0]:>6} {H.nnz:>8} {fill:>9} {t_h:>6.3f} {min(times):>8.3f} "
                f"{be['n_shifts']:>6} {be['gap']:>7.4f}")
        if args.dense:
            t = time.perf_counter()
            w = np.linalg.eigvalsh(H.toarray())
            t_d = time.perf_counter() - t
            n = be["n_occupied"]
            line += f"  {t_d:7.2f}  {abs(w[n] - w[n - 1] - be['gap']):.1e}"
        print(line, flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

"""The diamond lattice of silicon, its facet normals, and hydrogen passivation.

Positions are handled in two units.  Lattice sites are integer vectors in units
of a/4 (a = 5.431 A), which makes set operations on atoms exact; Cartesian
positions (A) are only formed at the end.  In a/4 units the A sublattice holds the
all-even vectors whose components sum to a multiple of 4, and the B sublattice is
A + (1, 1, 1); every A site bonds to A + t for the four vectors t in
``TETRA_A`` and every B site to B - t.
"""

from __future__ import annotations

import itertools

import numpy as np
from ase import Atoms

__all__ = [
    "A_SI",
    "CENTRES",
    "FAMILIES",
    "FAMILY_NAMES",
    "D_SI_H",
    "bond_vectors",
    "diamond_sites",
    "family_normals",
    "passivate",
    "si_neighbour_counts",
]

#: Lattice constant of silicon (A), NIST SRM 640e rounded to the value the study's era used.
A_SI = 5.431
#: Si-H bond length (A), close to silane's 1.480 A.
D_SI_H = 1.48
#: Si-Si nearest-neighbour distance (A).
D_SI_SI = A_SI * np.sqrt(3.0) / 4.0

#: The four facet families, as Miller-index tuples, in the book's column order.
FAMILIES: tuple[tuple[int, int, int], ...] = ((1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 1, 3))
#: Pure-shape names of the CSIRO data set's scheme, per family.
FAMILY_NAMES = {
    (1, 0, 0): "cube",
    (1, 1, 0): "rhombic dodecahedron",
    (1, 1, 1): "octahedron",
    (1, 1, 3): "deltoidal icositetrahedron",
}
FAMILY_KEYS = {(1, 0, 0): "100", (1, 1, 0): "110", (1, 1, 1): "111", (1, 1, 3): "113"}

#: Bond vectors from an A-sublattice site, in a/4 units.
TETRA_A = np.array([(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)], dtype=np.int64)

#: Candidate cutting centres, in a/4 units.  Bond centre (1/8,1/8,1/8)a and
#: hexagonal interstitial (5/8,5/8,5/8)a are the lattice's inversion centres;
#: the atom site is the classic Td choice, kept for validation clusters.
CENTRES = {
    "bond": np.array([0.5, 0.5, 0.5]),
    "hex": np.array([2.5, 2.5, 2.5]),
    "atom": np.array([0.0, 0.0, 0.0]),
    "tetrahedral": np.array([2.0, 2.0, 2.0]),
}


def family_normals(family: tuple[int, int, int]) -> np.ndarray:
    """Unit normals of every plane in a family ({100}: 6, {110}: 12, {111}: 8, {113}: 24)."""
    vectors = set()
    for perm in itertools.permutations(family):
        for signs in itertools.product((1, -1), repeat=3):
            vectors.add(tuple(int(s * p) for s, p in zip(signs, perm)))
    arr = np.array(sorted(vectors), dtype=float)
    return arr / np.linalg.norm(arr, axis=1, keepdims=True)


def diamond_sites(radius: float, centre: np.ndarray) -> np.ndarray:
    """All diamond-lattice sites within ``radius`` (A) of ``centre`` (a/4 units).

    Returns integer site vectors (a/4 units), sorted lexicographically so that the
    order never depends on floating point.
    """
    n = int(np.ceil(radius / (A_SI / 4.0))) + 3
    rng = np.arange(-n, n + 1)
    grid = np.stack(np.meshgrid(rng, rng, rng, indexing="ij"), axis=-1).reshape(-1, 3)
    even = np.all(grid % 2 == 0, axis=1) & (grid.sum(axis=1) % 4 == 0)
    a_sites = grid[even]
    sites = np.concatenate([a_sites, a_sites + 1])
    dist = np.linalg.norm((sites - centre) * (A_SI / 4.0), axis=1)
    sites = sites[dist <= radius + 1e-9]
    order = np.lexsort(sites.T[::-1])
    return sites[order]


def _is_a_site(sites: np.ndarray) -> np.ndarray:
    return np.all(sites % 2 == 0, axis=1)


def bond_vectors(sites: np.ndarray) -> np.ndarray:
    """The four bond vectors (a/4 units) of each site, shape (n, 4, 3)."""
    sign = np.where(_is_a_site(sites), 1, -1)
    return sign[:, None, None] * TETRA_A[None, :, :]


def _site_keys(sites: np.ndarray) -> np.ndarray:
    # Sites are small integers; pack each into one int64 for fast membership tests.
    s = sites.astype(np.int64) + (1 << 20)
    return (s[:, 0] << 42) | (s[:, 1] << 21) | s[:, 2]


def si_neighbour_counts(sites: np.ndarray) -> np.ndarray:
    """Number of bonded (nearest-neighbour) sites present in ``sites`` for each site."""
    keys = _site_keys(sites)
    neigh = sites[:, None, :] + bond_vectors(sites)
    present = np.isin(_site_keys(neigh.reshape(-1, 3)), keys).reshape(len(sites), 4)
    return present.sum(axis=1)


def passivate(sites: np.ndarray, centre: np.ndarray, info: dict | None = None) -> Atoms:
    """Build the H-passivated cluster for a set of Si sites.

    Every Si keeps its bulk position; for each of its four bulk bonds whose partner
    is absent, one H is placed along that bond at ``D_SI_H``.  Positions are
    Cartesian (A) relative to the cutting centre.  Si atoms come first, in the
    order of ``sites``, then H atoms in order of their Si and bond.
    """
    sites = np.asarray(sites, dtype=np.int64)
    keys = set(_site_keys(sites).tolist())
    bonds = bond_vectors(sites)
    si_pos = (sites - centre) * (A_SI / 4.0)
    h_pos = []
    unit = 1.0 / np.sqrt(3.0)
    for i, site in enumerate(sites):
        partners = _site_keys(site[None, :] + bonds[i])
        for j, key in enumerate(partners.tolist()):
            if key not in keys:
                h_pos.append(si_pos[i] + D_SI_H * unit * bonds[i, j])
    positions = np.concatenate([si_pos, np.array(h_pos).reshape(-1, 3)])
    symbols = ["Si"] * len(sites) + ["H"] * len(h_pos)
    atoms = Atoms(symbols=symbols, positions=positions, pbc=False)
    if info:
        atoms.info.update(info)
    return atoms

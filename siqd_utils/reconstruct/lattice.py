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
    "D_SI_SI",
    "MIN_SI_NEIGHBOURS",
    "NO_PRUNING",
    "SI_H_CUTOFF",
    "SI_SI_CUTOFF",
    "TETRA_A",
    "bond_vectors",
    "diamond_sites",
    "diamond_sites_in_box",
    "family_normals",
    "family_vectors",
    "neighbour_table",
    "passivate",
    "prune",
    "si_neighbour_counts",
]

#: Lattice constant of silicon (A), NIST SRM 640e rounded to the value the study's era used.
A_SI = 5.431
#: Si-H bond length (A), close to silane's 1.480 A.
D_SI_H = 1.48
#: Si-Si nearest-neighbour distance (A).
D_SI_SI = A_SI * np.sqrt(3.0) / 4.0

#: Bond cutoffs (A), each near the middle of the gap to the next neighbour so that
#: relaxed, rounded or jittered bonds still count: Si-Si below 3.0 (bond 2.35, second
#: neighbours 3.84); Si-H below 2.0 (bond 1.48; the nearest other Si is 3.17 away).
#: H-H pairs are never bonds.  Ideal clusters have no pair between the bond and the cutoff.
SI_SI_CUTOFF = 3.0
SI_H_CUTOFF = 2.0

#: The builder's pruning rule: a Si left with fewer Si neighbours than this by a cut
#: (an SiH3 group or a lone SiH4) is removed, repeatedly (:func:`prune`).
MIN_SI_NEIGHBOURS = 2
#: The rule of a build "without pruning": SiH3 groups stay; only a lone Si (an SiH4
#: molecule, not part of any dot) goes.
NO_PRUNING = 1

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


def family_vectors(family: tuple[int, int, int]) -> np.ndarray:
    """Integer Miller vectors of every plane in a family, sorted ({100}: 6, {110}: 12, {111}: 8, {113}: 24)."""
    vectors = set()
    for perm in itertools.permutations(family):
        for signs in itertools.product((1, -1), repeat=3):
            vectors.add(tuple(int(s * p) for s, p in zip(signs, perm)))
    return np.array(sorted(vectors), dtype=np.int64)


def family_normals(family: tuple[int, int, int]) -> np.ndarray:
    """Unit normals of every plane in a family, in the order of :func:`family_vectors`."""
    arr = family_vectors(family).astype(float)
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


def diamond_sites_in_box(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """All diamond-lattice sites (a/4 units) with ``lo <= site <= hi`` componentwise, sorted."""
    lo = np.floor(np.asarray(lo, dtype=float)).astype(np.int64) - 1
    hi = np.ceil(np.asarray(hi, dtype=float)).astype(np.int64) + 1
    axes = [np.arange(l - (l % 2), h + 1, 2) for l, h in zip(lo, hi)]  # even values covering [lo-1, hi+1]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    a_sites = grid[grid.sum(axis=1) % 4 == 0]
    sites = np.concatenate([a_sites, a_sites + 1])
    inside = np.all((sites >= lo + 1) & (sites <= hi - 1), axis=1)
    sites = sites[inside]
    return sites[np.lexsort(sites.T[::-1])]


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


def neighbour_table(sites: np.ndarray) -> np.ndarray:
    """Index of each site's four bonded sites in ``sites`` (-1 where absent), shape (n, 4)."""
    keys = _site_keys(sites)
    order = np.argsort(keys)
    neigh = _site_keys((sites[:, None, :] + bond_vectors(sites)).reshape(-1, 3))
    pos = np.clip(np.searchsorted(keys[order], neigh), 0, len(keys) - 1)
    found = keys[order][pos] == neigh
    return np.where(found, order[pos], -1).reshape(len(sites), 4)


def prune(mask: np.ndarray, table: np.ndarray, min_neighbours: int) -> np.ndarray:
    """Drop, repeatedly, kept sites with fewer than ``min_neighbours`` kept Si neighbours.

    The result is the ``min_neighbours``-core of the bond graph restricted to ``mask``:
    the largest subset in which every site keeps at least that many neighbours, so
    it does not depend on the order of removal, and a subset of a set never prunes to
    more than the set does.  ``min_neighbours <= 0`` returns ``mask`` unchanged.
    """
    if min_neighbours <= 0:
        return mask
    keep = np.append(mask, False)  # index -1 reads this False
    counts = keep[table].sum(axis=1)
    weak = np.flatnonzero(keep[:-1] & (counts < min_neighbours))
    # Only the neighbours of removed sites can fall below the threshold next.
    while weak.size:
        keep[weak] = False
        nb = table[weak].ravel()
        nb = nb[nb >= 0]
        np.subtract.at(counts, nb, 1)
        nb = np.unique(nb)
        weak = nb[keep[nb] & (counts[nb] < min_neighbours)]
    return keep[:-1]


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

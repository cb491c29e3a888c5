"""Enumerate every distinct structure that symmetric plane cuts of the diamond lattice make.

A cut keeps the lattice sites inside ``n . r < d_f`` for every plane normal ``n`` of
each family ``f`` in the cut, with one distance per family.  For a site, the cut
condition of a family reduces to one number, its family radius
``m_f = max_n n . r`` (r from the centre), so a cut is ``m_f < d_f`` for all its
families.  Only distances mid-way between consecutive distinct ``m_f`` values give
distinct cuts, so those are the candidates; no plane ever passes through an atom.

Enumeration order fixes which cut represents a set of atoms reached by several
cuts ("two cuts that give the same set of atoms are one structure"): family
subsets by size (pure shapes first), then distances from the loosest down, so each
structure is named by its fewest families and its least truncation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from tqdm import tqdm  # a console bar (tqdm.auto warns when imported in a notebook without ipywidgets)

from .lattice import A_SI, CENTRES, FAMILIES, FAMILY_KEYS, MIN_SI_NEIGHBOURS, diamond_sites, neighbour_table, prune
from .polyhedra import all_normals

__all__ = ["Cut", "enumerate_cuts"]


@dataclass(frozen=True)
class Cut:
    """One distinct structure: the Si sites it keeps and the first cut that produced them.

    The cut is how the structure was found, not its description: facet families and
    fractions come from the final atoms (:func:`.facets.facet_analysis`).
    """

    sites: np.ndarray = field(repr=False)  # integer site vectors, a/4 units
    distances: dict  # family key ("100"...) -> plane distance (A), inf if absent


def _family_radii(sites: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """m_f for every site and family, shape (n_sites, 4)."""
    normals, owner = all_normals()
    proj = ((sites - centre) * (A_SI / 4.0)) @ normals.T
    return np.stack([proj[:, owner == k].max(axis=1) for k in range(len(FAMILIES))], axis=1)


def _connected(mask: np.ndarray, table: np.ndarray) -> bool:
    """Whether the kept sites form one cluster of bonded sites."""
    idx = np.flatnonzero(mask)
    local = np.full(len(mask) + 1, -1)
    local[idx] = np.arange(len(idx))
    nb = local[table[idx]]  # -1 for absent or removed neighbours (table's -1 reads the last slot)
    rows, cols = np.nonzero(nb >= 0)
    graph = coo_matrix((np.ones(len(rows)), (rows, nb[rows, cols])), shape=(len(idx), len(idx)))
    return connected_components(graph, directed=False)[0] == 1


def enumerate_cuts(
    centre: str = "bond",
    max_families: int = 3,
    max_radius: float = 22.0,
    min_neighbours: int = MIN_SI_NEIGHBOURS,
    progress: bool = True,
) -> list[Cut]:
    """All distinct cut structures about ``centre`` whose atoms lie within ``max_radius``.

    Parameters
    ----------
    centre : {"bond", "hex", "atom", "tetrahedral"}, default="bond"
        Cutting centre (see :data:`siqd_utils.reconstruct.lattice.CENTRES`).
    max_families : int, default=3
        Largest number of facet families in one cut.
    max_radius : float, default=22.0
        Only structures whose every Si lies within this distance (A) of the
        centre are kept; callers filter by diameter afterwards.
    min_neighbours : int, default=MIN_SI_NEIGHBOURS
        Sites left with fewer Si neighbours by a cut (SiH3 groups and lone atoms)
        are removed, repeatedly; 1 keeps SiH3 groups and drops only lone atoms
        (SiH4 molecules, not part of the dot).  A cut whose remaining atoms are not
        one connected cluster is skipped.
    progress : bool, default=True
        Show a tqdm progress bar.

    Returns
    -------
    list of Cut
        In enumeration order; every entry has a different set of Si sites.
    """
    if centre not in CENTRES:
        raise ValueError(f"centre must be one of {sorted(CENTRES)}, got {centre!r}")
    c = CENTRES[centre]
    # Pool: a margin of one bond beyond max_radius so that cuts near the limit are exact.
    sites = diamond_sites(max_radius + 3.0, c)
    radius = np.linalg.norm((sites - c) * (A_SI / 4.0), axis=1)
    m = _family_radii(sites, c)
    table = neighbour_table(sites)
    inner = radius <= max_radius
    candidates = []
    for k in range(len(FAMILIES)):
        # Candidate distances: midpoints between consecutive distinct family radii,
        # up to the first that no longer cuts any site within max_radius (beyond
        # it the plane changes nothing inside the limit).
        values = np.unique(np.round(m[:, k], 9))
        mids = 0.5 * (values[:-1] + values[1:])
        limit = m[inner, k].max()
        ok = mids[mids <= limit]
        ok = np.append(ok, mids[mids > limit][:1])
        candidates.append(ok[::-1])  # loosest first

    seen: set[bytes] = set()
    raw_seen: set[bytes] = set()
    out: list[Cut] = []
    subsets = [s for r in range(1, max_families + 1) for s in itertools.combinations(range(len(FAMILIES)), r)]
    total = sum(int(np.prod([len(candidates[k]) for k in s])) for s in subsets)
    bar = tqdm(total=total, desc=f"cuts about {centre} centre", unit="cut", disable=not progress)
    for subset in subsets:
        for combo in itertools.product(*(candidates[k] for k in subset)):
            bar.update(1)
            mask = np.ones(len(sites), dtype=bool)
            for k, d in zip(subset, combo):
                mask &= m[:, k] < d
            if (mask & ~inner).any():
                continue  # reaches past the limit, where the pool may be incomplete
            raw = np.packbits(mask).tobytes()
            if raw in raw_seen:
                continue  # same sites before pruning, so the same structure after it
            raw_seen.add(raw)
            mask = prune(mask, table, min_neighbours)
            if mask.sum() < 2:
                continue
            key = np.packbits(mask).tobytes()
            if key in seen:
                continue
            seen.add(key)
            if not _connected(mask, table):
                continue  # two or more separate clusters: not one dot
            per_family = np.full(len(FAMILIES), np.inf)
            per_family[list(subset)] = combo
            distances = {FAMILY_KEYS[f]: float(per_family[k]) for k, f in enumerate(FAMILIES)}
            out.append(Cut(sites=sites[mask], distances=distances))
    bar.close()
    return out

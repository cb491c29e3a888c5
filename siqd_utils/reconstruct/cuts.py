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
from tqdm.auto import tqdm

from .lattice import A_SI, CENTRES, FAMILIES, FAMILY_KEYS, FAMILY_NAMES, _site_keys, bond_vectors, diamond_sites
from .polyhedra import all_normals, facet_areas

__all__ = ["Cut", "enumerate_cuts", "shape_name"]


@dataclass(frozen=True)
class Cut:
    """One distinct structure: the Si sites it keeps and the cut that represents it."""

    sites: np.ndarray = field(repr=False)  # integer site vectors, a/4 units
    distances: dict  # family key ("100"...) -> plane distance (A), inf if absent
    fractions: dict  # "f100"... -> facet area fraction
    shape: str


def shape_name(fractions: dict[str, float], tol: float = 1e-9) -> str:
    """Name a shape from its facet fractions, in the CSIRO data set's scheme.

    One family present: the pure solid ("cube", "octahedron", ...); two: "truncated"
    + the majority family's solid; three: "doubly truncated" + the majority's solid.
    """
    present = [(v, f) for f, v in zip(FAMILIES, (fractions[f"f{FAMILY_KEYS[f]}"] for f in FAMILIES)) if v > tol]
    if not present:
        raise ValueError("no facet has positive area")
    # Majority by area; ties go to the lower Miller family, deterministically.
    base = FAMILY_NAMES[max(present, key=lambda t: (t[0], -FAMILIES.index(t[1])))[1]]
    prefix = {1: "", 2: "truncated ", 3: "doubly truncated ", 4: "triply truncated "}[len(present)]
    return prefix + base


def _family_radii(sites: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """m_f for every site and family, shape (n_sites, 4)."""
    normals, owner = all_normals()
    proj = ((sites - centre) * (A_SI / 4.0)) @ normals.T
    return np.stack([proj[:, owner == k].max(axis=1) for k in range(len(FAMILIES))], axis=1)


def _neighbour_table(sites: np.ndarray) -> np.ndarray:
    """Index of each site's four bonded sites in ``sites`` (-1 where outside the pool)."""
    keys = _site_keys(sites)
    order = np.argsort(keys)
    neigh = _site_keys((sites[:, None, :] + bond_vectors(sites)).reshape(-1, 3))
    pos = np.searchsorted(keys[order], neigh)
    pos = np.clip(pos, 0, len(keys) - 1)
    found = keys[order][pos] == neigh
    return np.where(found, order[pos], -1).reshape(len(sites), 4)


def _prune(mask: np.ndarray, table: np.ndarray, min_neighbours: int) -> np.ndarray:
    """Drop, repeatedly, kept sites with fewer than ``min_neighbours`` kept Si neighbours."""
    if min_neighbours <= 0:
        return mask
    padded = np.append(mask, False)  # index -1 reads this False
    while True:
        counts = padded[table].sum(axis=1)
        weak = padded[:-1] & (counts < min_neighbours)
        if not weak.any():
            return padded[:-1]
        padded[:-1][weak] = False


def enumerate_cuts(
    centre: str = "bond",
    max_families: int = 3,
    max_radius: float = 22.0,
    min_neighbours: int = 2,
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
    min_neighbours : int, default=2
        Sites left with fewer Si neighbours by a cut (SiH3 groups and lone atoms)
        are removed, repeatedly; 0 keeps every site.
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
    table = _neighbour_table(sites)
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

    seen: dict[bytes, int] = {}
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
            mask = _prune(mask, table, min_neighbours)
            if mask.sum() < 2:
                continue
            key = np.packbits(mask).tobytes()
            if key in seen:
                continue
            seen[key] = len(out)
            per_family = np.full(len(FAMILIES), np.inf)
            per_family[list(subset)] = combo
            _, owner = all_normals()
            areas = facet_areas(per_family[owner])
            total_area = sum(areas[FAMILY_KEYS[f]] for f in FAMILIES)
            fractions = {f"f{FAMILY_KEYS[f]}": areas[FAMILY_KEYS[f]] / total_area for f in FAMILIES}
            distances = {FAMILY_KEYS[f]: float(per_family[k]) for k, f in enumerate(FAMILIES)}
            out.append(Cut(sites=sites[mask], distances=distances, fractions=fractions, shape=shape_name(fractions)))
    bar.close()
    return out

"""Facet families and facet area fractions of a Si cluster, from its atoms alone.

One function, :func:`facet_analysis`, serves both the builder of the shipped table
and :func:`siqd_utils.reconstruct.featurize`, so a structure re-featurized from its
bare atoms gives exactly its row.

Method (``facet_method = "exact-cut"``)
---------------------------------------
The Si atoms are put on their diamond-lattice sites (:mod:`.lattice_fit`; exact for
ideal cuts, snapped for rounded or relaxed ones).  Then:

1. **Tight planes.**  For each of the 50 plane normals of the four families
   ({100}: 6, {110}: 12, {111}: 8, {113}: 24), the plane sits mid-way in the gap
   between the outermost occupied atomic layer along that normal and the next layer
   of the lattice beyond it.  No plane passes through an atom, and each is as tight
   as a plane can be without cutting an atom off.
2. **Fewest families.**  Each set of families, smallest first, cuts the infinite
   lattice with its tight planes; the cut is then pruned with the builder's rule
   (repeatedly drop Si with fewer than :data:`.lattice.MIN_SI_NEIGHBOURS` Si
   neighbours; if the cluster itself keeps Si with fewer, i.e. was built without
   pruning, the rule its atoms satisfy: drop only lone Si).  The first size at which some set reproduces the Si atoms exactly gives
   the facet families.  **Tie rule:** among sets of that size that all reproduce the
   atoms, the one whose polyhedron has the smallest volume (it hugs the atoms
   closest) wins; equal volumes (to 1e-9 relative) go to the set that comes first
   in the order {100}, {110}, {111}, {113} (``itertools.combinations`` order).
3. **Areas.**  The polyhedron bounded by those families' tight planes is built by an
   exact half-space intersection (scipy/Qhull, :mod:`.polyhedra`); the area of its
   faces per family over its total area gives ``f100 ... f113``.

Every family of the minimal set has positive area (a family whose planes do not
touch the polyhedron of the others would cut nothing, and a smaller set would have
reproduced the atoms).  For a cube with its corner atoms pruned, {100} alone
reproduces the atoms, so ``f100 = 1``; pure cubes, octahedra, rhombic dodecahedra
and {113} icositetrahedra about an atom, bond centre or hexagonal site give 1.0 of
their family.

Fallbacks (each with a :class:`FacetEstimateWarning`, never silent)
--------------------------------------------------------------------
``"tight-planes"``
    The atoms are on a lattice but no set of families reproduces them (a sphere,
    a hand-made or reconstructed cluster): the polyhedron of all 50 tight planes.
``"supporting-planes"``
    No lattice fits (:func:`.lattice_fit.fit_diamond_lattice` says why): each of the
    50 planes is placed half the family's wide interlayer gap beyond the outermost Si
    projection along its normal, in the frame of the best bond orientation when
    one was found, else in the input frame.  This estimate does not know which atoms
    a lattice plane would cut; treat its fractions as approximate.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.spatial import HalfspaceIntersection

from .lattice import A_SI, FAMILIES, FAMILY_KEYS, MIN_SI_NEIGHBOURS, diamond_sites_in_box, family_vectors, neighbour_table, prune
from .lattice_fit import LatticeFit, fit_diamond_lattice
from .polyhedra import all_normals, facet_areas

__all__ = ["FACET_METHODS", "FacetAnalysis", "FacetEstimateWarning", "HALF_WIDE_GAP", "facet_analysis",
           "lattice_facets", "shape_name"]

#: Values of ``facet_method``, from exact to estimated.
FACET_METHODS = ("exact-cut", "tight-planes", "supporting-planes")

#: Half of the widest gap between atomic layers of each family (A), the offset of the
#: "supporting-planes" estimate beyond the outermost Si projection.
HALF_WIDE_GAP = {
    "100": A_SI / 8.0,  # layers every a/4
    "110": A_SI * np.sqrt(2.0) / 8.0,  # layers every a/(2 sqrt 2)
    "111": A_SI * np.sqrt(3.0) / 8.0,  # wide gap = bond length a sqrt3/4
    "113": 3.0 * A_SI / (8.0 * np.sqrt(11.0)),  # wide gap 3a/(4 sqrt 11)
}

#: A family whose share of the area is below this counts as absent (numerical slivers).
_AREA_TOL = 1e-9


class FacetEstimateWarning(UserWarning):
    """The facet fractions of a cluster are an estimate, not an exact lattice cut."""


def shape_name(fractions: dict[str, float], tol: float = _AREA_TOL) -> str:
    """Name a shape from its facet fractions, in the CSIRO data set's scheme.

    One family present: the pure solid ("cube", "octahedron", ...); two: "truncated"
    + the majority family's solid; three: "doubly truncated" + the majority's solid;
    four: "triply truncated" + the majority's solid.  Equal majorities go to the
    family that comes first in {100}, {110}, {111}, {113}.
    """
    from .lattice import FAMILY_NAMES

    present = [(fractions[f"f{FAMILY_KEYS[f]}"], f) for f in FAMILIES if fractions[f"f{FAMILY_KEYS[f]}"] > tol]
    if not present:
        raise ValueError("no facet has positive area")
    base = FAMILY_NAMES[max(present, key=lambda t: (t[0], -FAMILIES.index(t[1])))[1]]
    prefix = {1: "", 2: "truncated ", 3: "doubly truncated ", 4: "triply truncated "}[len(present)]
    return prefix + base


@dataclass(frozen=True)
class FacetAnalysis:
    """Facets of one cluster (:func:`facet_analysis`).

    Attributes
    ----------
    families : tuple of str
        Facet families present, e.g. ``("100", "111")``, in the order 100, 110, 111, 113.
    fractions : dict
        ``{"f100": ..., "f110": ..., "f111": ..., "f113": ...}``, summing to 1.
    plane_distances : numpy.ndarray, shape (50,)
        Distance (A) of each plane of :func:`.polyhedra.all_normals` from the Si
        centroid, in the lattice frame; ``inf`` for planes not bounding the polyhedron.
    method : str
        One of :data:`FACET_METHODS`.
    volume : float
        Volume of the facet polyhedron (A^3).
    min_neighbours : int or None
        Pruning rule used to test family sets (None for "supporting-planes").
    lattice : LatticeFit
        The lattice fit (snap distances, or why none fits).
    note : str
        Why a fallback was used; empty for "exact-cut".
    """

    families: tuple[str, ...]
    fractions: dict
    plane_distances: np.ndarray
    method: str
    volume: float
    min_neighbours: int | None
    lattice: LatticeFit
    note: str = ""

    @property
    def shape(self) -> str:
        """Shape name in the CSIRO scheme (:func:`shape_name`)."""
        return shape_name(self.fractions)


@lru_cache(maxsize=None)
def _normal_vectors() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Integer Miller vectors of the 50 normals (order of all_normals), their norms,
    and per normal the layer period g and the B-sublattice offset o: lattice layers
    along h lie at integer heights h.n congruent to 0 or o modulo g."""
    vecs = np.concatenate([family_vectors(f) for f in FAMILIES])
    norms = np.linalg.norm(vecs, axis=1)
    h1, h2, h3 = vecs.T
    g = np.array([math.gcd(math.gcd(2 * int(a + b), 2 * int(a + c)), 2 * int(b + c)) for a, b, c in zip(h1, h2, h3)])
    o = vecs.sum(axis=1)
    for arr in (vecs, norms, g, o):
        arr.setflags(write=False)
    return vecs, norms, g, o


def _tight_heights(sites: np.ndarray) -> np.ndarray:
    """Height h.n of each tight plane (a/4 units along the integer normal h), shape (50,)."""
    vecs, _, g, o = _normal_vectors()
    top = (sites @ vecs.T).max(axis=0)
    next_a = (top // g + 1) * g  # next layer of the A sublattice above the outermost layer
    next_b = o + ((top - o) // g + 1) * g  # ... and of the B sublattice
    return 0.5 * (top + np.minimum(next_a, next_b))


def _areas(distances: np.ndarray) -> tuple[dict[str, float], float]:
    areas = facet_areas(distances)
    total = sum(areas[FAMILY_KEYS[f]] for f in FAMILIES)
    fractions = {f"f{FAMILY_KEYS[f]}": areas[FAMILY_KEYS[f]] / total for f in FAMILIES}
    # Slivers below _AREA_TOL are numerical, not facets.
    if any(0 < v < _AREA_TOL for v in fractions.values()):
        fractions = {k: (v if v >= _AREA_TOL else 0.0) for k, v in fractions.items()}
        s = sum(fractions.values())
        fractions = {k: v / s for k, v in fractions.items()}
    return fractions, areas["volume"]


def _present(fractions: dict[str, float]) -> tuple[str, ...]:
    return tuple(FAMILY_KEYS[f] for f in FAMILIES if fractions[f"f{FAMILY_KEYS[f]}"] > 0)


def lattice_facets(sites: np.ndarray, min_neighbours: int | None = None) -> tuple[tuple[str, ...], dict, np.ndarray, float, str, int]:
    """Facet analysis of Si atoms on integer diamond-lattice sites (the "exact-cut" method).

    Parameters
    ----------
    sites : numpy.ndarray of int, shape (n, 3)
        Lattice sites (a/4 units, A sublattice all-even, as in :mod:`.lattice`).
    min_neighbours : int, optional
        Pruning rule for the family test; default :data:`.lattice.MIN_SI_NEIGHBOURS`,
        or the fewest Si neighbours any Si has if that is less (an unpruned cluster).

    Returns
    -------
    families, fractions, plane_distances, volume, method, min_neighbours
        As in :class:`FacetAnalysis`; ``method`` is "exact-cut" or "tight-planes".
    """
    sites = np.asarray(sites, dtype=np.int64)
    vecs, norms, _, _ = _normal_vectors()
    _, owner = all_normals()
    n_fam = len(FAMILIES)
    heights = _tight_heights(sites)
    centroid = sites.mean(axis=0)  # strictly inside every tight polyhedron
    own_table = neighbour_table(sites)
    if min_neighbours is None:
        # The builder's rule, unless the cluster itself keeps Si with fewer neighbours
        # (built without pruning): then the rule those atoms already satisfy.
        min_neighbours = int(min(MIN_SI_NEIGHBOURS, (own_table >= 0).sum(axis=1).min()))

    # Lattice pool: every site inside the union of the four single-family polyhedra.
    lo, hi = sites.min(axis=0).astype(float), sites.max(axis=0).astype(float)
    for k in range(n_fam):
        sel = owner == k
        hs = np.hstack([vecs[sel], -heights[sel, None]])
        verts = HalfspaceIntersection(hs, centroid).intersections
        lo, hi = np.minimum(lo, verts.min(axis=0)), np.maximum(hi, verts.max(axis=0))
    pool = diamond_sites_in_box(lo, hi)
    proj = pool @ vecs.T
    inside = proj < heights  # (n_pool, 50)
    family_masks = [inside[:, owner == k].all(axis=1) for k in range(n_fam)]
    table = neighbour_table(pool)

    # Plane distances (A) from the Si centroid, per normal.
    dist_all = (heights - vecs @ centroid) * (A_SI / 4.0) / norms

    def distances_of(subset) -> np.ndarray:
        keep = np.isin(owner, list(subset))
        return np.where(keep, dist_all, np.inf)

    n_si = len(sites)
    for size in range(1, n_fam + 1):
        found = []
        for subset in itertools.combinations(range(n_fam), size):
            mask = np.logical_and.reduce([family_masks[k] for k in subset])
            if int(prune(mask, table, min_neighbours).sum()) == n_si:
                d = distances_of(subset)
                fractions, volume = _areas(d)
                found.append((volume, subset, fractions, d))
        if found:
            v_min = min(f[0] for f in found)
            volume, subset, fractions, d = next(f for f in found if f[0] <= v_min * (1 + 1e-9))
            return _present(fractions), fractions, d, volume, "exact-cut", min_neighbours
    d = distances_of(range(n_fam))
    fractions, volume = _areas(d)
    return _present(fractions), fractions, d, volume, "tight-planes", min_neighbours


def _supporting_planes(si: np.ndarray, fit: LatticeFit) -> tuple[tuple[str, ...], dict, np.ndarray, float]:
    normals, owner = all_normals()
    x = si - si.mean(axis=0)
    if fit.rotation is not None:
        x = x @ fit.rotation  # input frame -> lattice frame (x_in = R x_lat)
    offset = np.array([HALF_WIDE_GAP[FAMILY_KEYS[f]] for f in FAMILIES])[owner]
    d = (x @ normals.T).max(axis=0) + offset
    fractions, volume = _areas(d)
    return _present(fractions), fractions, d, volume


def facet_analysis(si_positions: np.ndarray, si_pairs: np.ndarray, source: str = "atoms") -> FacetAnalysis:
    """Facet families and area fractions of a Si cluster from its Si atoms.

    Use :func:`siqd_utils.reconstruct.features.analyse_facets` (or :func:`featurize`)
    for an :class:`ase.Atoms`; this lower-level form takes the Si positions and bonds
    that the caller has already checked.

    Parameters
    ----------
    si_positions : numpy.ndarray, shape (n, 3)
        Cartesian positions of the Si atoms (A), any orientation and origin.
    si_pairs : numpy.ndarray of int, shape (m, 2)
        Bonded Si pairs (connected graph).
    source : str, default="atoms"
        Name used in warnings (normally the file).

    Returns
    -------
    FacetAnalysis

    Warns
    -----
    FacetEstimateWarning
        When the method is "tight-planes" or "supporting-planes" (see module docstring).
    """
    fit = fit_diamond_lattice(si_positions, si_pairs)
    if fit.ok:
        families, fractions, d, volume, method, k = lattice_facets(fit.sites)
        note = ""
        if method == "tight-planes":
            note = "no set of facet families cuts exactly these Si atoms from the lattice"
    else:
        families, fractions, d, volume = _supporting_planes(np.asarray(si_positions, dtype=float), fit)
        method, k, note = "supporting-planes", None, f"no diamond lattice fits: {fit.reason}"
    if note:
        warnings.warn(f"{source}: {note}; facet fractions are an estimate (facet_method={method!r})",
                      FacetEstimateWarning, stacklevel=3)
    return FacetAnalysis(families=families, fractions=fractions, plane_distances=d, method=method, volume=volume,
                         min_neighbours=k, lattice=fit, note=note)

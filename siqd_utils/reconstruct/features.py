"""Structural features of an H-passivated silicon cluster, as in Parker & Barnard (2021).

:func:`featurize` works on any cluster given as an :class:`ase.Atoms` of Si and H
(the shipped structures, the CSIRO structures, or any file ase reads); the builder
of the shipped table calls the same code, so a shipped structure re-featurized from
its bare atoms gives exactly its row.  Definitions:

``n_Si``, ``n_H``, ``HSi_ratio``
    Atom counts and their ratio.
``n_coord``
    Mean number of Si neighbours per Si atom (Si-Si distance below
    :data:`.lattice.SI_SI_CUTOFF`; H not counted).
``D`` (nm)
    Average diameter, by one of :data:`DIAMETERS`: twice the mean distance of the
    surface Si (those with an H neighbour) from the Si centroid ("surface", the
    default and the shipped table's), the equivalent-sphere diameter
    ``a (3 n_Si / 4 pi)^(1/3)`` ("sphere"), or the mean caliper (Feret) width of
    the Si atom centres over 2,000 even directions ("caliper").
``f100``, ``f110``, ``f111``, ``f113``
    Facet area fractions from the atoms (:func:`.facets.facet_analysis`: tight
    lattice planes, fewest facet families that cut exactly these atoms, exact
    polyhedron areas; documented fallbacks with a warning for off-lattice input).

The input must be one H-passivated Si cluster: only Si and H, every H bonded to
exactly one Si, every Si four-fold (Si + H neighbours = 4), the Si atoms connected.
Anything else raises :class:`StructureError` naming the source and the atom.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, QhullError, cKDTree

from .facets import FacetAnalysis, facet_analysis
from .lattice import A_SI, SI_H_CUTOFF, SI_SI_CUTOFF

__all__ = [
    "DEFAULT_DIAMETER",
    "DIAMETERS",
    "FEATURE_NAMES",
    "SI_SI_CUTOFF",
    "StructureError",
    "analyse",
    "diameter",
    "equivalent_sphere_diameter",
    "featurize",
    "featurize_xyz",
    "mean_caliper_diameter",
    "row_of",
    "surface_radius_diameter",
]

FEATURE_NAMES = ("n_Si", "n_H", "D", "n_coord", "f100", "f110", "f111", "f113", "HSi_ratio")
#: Definitions of the diameter D; see :func:`diameter`.
DIAMETERS = ("surface", "sphere", "caliper")
#: The definition of D in the shipped table (data/PROVENANCE.md says why).
DEFAULT_DIAMETER = "surface"


class StructureError(ValueError):
    """A structure is not one H-passivated Si cluster (the message names source and atom)."""


def _fibonacci_sphere(n: int) -> np.ndarray:
    i = np.arange(n) + 0.5
    z = 1.0 - 2.0 * i / n
    r = np.sqrt(1.0 - z * z)
    phi = np.pi * (1.0 + 5.0**0.5) * i
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


_DIRECTIONS = _fibonacci_sphere(2000)


def mean_caliper_diameter(positions: np.ndarray) -> float:
    """Mean caliper width (same unit as ``positions``) over 2,000 even directions."""
    pts = np.asarray(positions, dtype=float)
    try:  # extreme projections lie on hull vertices: same widths, far fewer points
        pts = pts[ConvexHull(pts).vertices]
    except QhullError:  # fewer than four points, or all coplanar
        pass
    proj = pts @ _DIRECTIONS.T
    return float(np.mean(proj.max(axis=0) - proj.min(axis=0)))


def equivalent_sphere_diameter(n_si) -> np.ndarray | float:
    """Diameter (nm) of a sphere holding ``n_si`` atoms at bulk Si density (8 per a^3)."""
    n = np.asarray(n_si, dtype=float)
    return A_SI * np.cbrt(3.0 * n / (4.0 * np.pi)) / 10.0


def surface_radius_diameter(si: np.ndarray, surface: np.ndarray) -> float:
    """Twice the mean distance (same unit as ``si``) of the surface Si from the Si centroid."""
    si = np.asarray(si, dtype=float)
    return float(2.0 * np.linalg.norm(si[surface] - si.mean(axis=0), axis=1).mean())


def diameter(si: np.ndarray, n_si_neighbours: np.ndarray, definition: str = DEFAULT_DIAMETER) -> float:
    """Average diameter D (nm) of a cluster's Si atoms by one of :data:`DIAMETERS`.

    Parameters
    ----------
    si : numpy.ndarray, shape (n, 3)
        Si positions (A).
    n_si_neighbours : numpy.ndarray of int, shape (n,)
        Si neighbours of each Si (fewer than 4 marks a surface Si, one bonded to H).
    definition : {"surface", "sphere", "caliper"}
        "surface": twice the mean radius of the surface Si; "sphere": equivalent-sphere
        diameter ``a (3 n / 4 pi)^(1/3)``; "caliper": mean caliper width of the Si centres.
    """
    if definition == "sphere":
        return float(equivalent_sphere_diameter(len(si)))
    if definition == "caliper":
        return mean_caliper_diameter(si) / 10.0 if len(si) > 1 else 0.0
    if definition == "surface":
        surface = np.asarray(n_si_neighbours) < 4
        return surface_radius_diameter(si, surface) / 10.0 if surface.any() and len(si) > 1 else 0.0
    raise ValueError(f"diameter definition must be one of {DIAMETERS}, got {definition!r}")


@dataclass(frozen=True)
class _Cluster:
    si: np.ndarray
    n_h: int
    pairs: np.ndarray
    n_si_neighbours: np.ndarray


def _check_cluster(atoms: Atoms, source: str) -> _Cluster:
    """Split an H-passivated Si cluster into its parts, or raise StructureError naming the problem."""
    if not isinstance(atoms, Atoms):
        raise StructureError(f"{source}: expected an ase.Atoms, got {type(atoms).__name__}")
    if len(atoms) == 0:
        raise StructureError(f"{source}: the structure is empty (no atoms)")
    if np.any(atoms.pbc):
        raise StructureError(f"{source}: the structure is periodic (pbc={atoms.pbc.tolist()}); a cluster is not")
    symbols = np.array(atoms.get_chemical_symbols())
    unknown = sorted(set(symbols.tolist()) - {"Si", "H"})
    if unknown:
        raise StructureError(f"{source}: only Si and H atoms are supported, found {unknown}")
    pos = np.asarray(atoms.positions, dtype=float)
    if not np.all(np.isfinite(pos)):
        bad = int(np.flatnonzero(~np.isfinite(pos).all(axis=1))[0])
        raise StructureError(f"{source}: atom {bad} has a non-finite position {pos[bad].tolist()}")
    is_si = symbols == "Si"
    si_index, h_index = np.flatnonzero(is_si), np.flatnonzero(~is_si)
    if len(si_index) == 0:
        raise StructureError(f"{source}: the structure has no Si atom")
    si = pos[is_si]
    pairs = cKDTree(si).query_pairs(SI_SI_CUTOFF, output_type="ndarray").reshape(-1, 2)
    n_si_nb = np.bincount(pairs.ravel(), minlength=len(si))
    n_h_nb = np.zeros(len(si), dtype=int)
    if len(h_index):
        h_to_si = cKDTree(si).query_ball_point(pos[~is_si], SI_H_CUTOFF)
        for k, hits in enumerate(h_to_si):
            if len(hits) != 1:
                raise StructureError(f"{source}: H atom {int(h_index[k])} has {len(hits)} Si neighbours within "
                                     f"{SI_H_CUTOFF} A; in an H-passivated cluster every H bonds to exactly one Si")
            n_h_nb[hits[0]] += 1
    total = n_si_nb + n_h_nb
    bad = np.flatnonzero(total != 4)
    if len(bad):
        i = int(bad[0])
        kind = "under-coordinated (a dangling bond left bare)" if total[i] < 4 else "over-coordinated"
        raise StructureError(f"{source}: Si atom {int(si_index[i])} has {int(n_si_nb[i])} Si and {int(n_h_nb[i])} H "
                             f"neighbours, {kind}; every Si of an H-passivated cluster has four "
                             f"(Si-Si < {SI_SI_CUTOFF} A, Si-H < {SI_H_CUTOFF} A)")
    if len(si) > 1:
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(si), len(si)))
        n_comp, labels = connected_components(graph, directed=False)
        if n_comp > 1:
            sizes = sorted(np.bincount(labels).tolist(), reverse=True)
            raise StructureError(f"{source}: the Si atoms form {n_comp} separate clusters of {sizes} Si atoms; "
                                 "give one cluster per structure")
    return _Cluster(si=si, n_h=len(h_index), pairs=pairs, n_si_neighbours=n_si_nb)


def analyse(atoms: Atoms, diameter_definition: str = DEFAULT_DIAMETER, source: str = "atoms") -> tuple[dict, FacetAnalysis]:
    """Features and facet analysis of one H-passivated Si cluster.

    Returns
    -------
    features : dict
        :data:`FEATURE_NAMES` -> value (D in nm).
    facets : FacetAnalysis
        Families, fractions, ``method`` (the ``facet_method``) and shape name.

    Raises
    ------
    StructureError
        If ``atoms`` is not one H-passivated Si cluster.

    Warns
    -----
    FacetEstimateWarning
        If the facet fractions are an estimate (off-lattice input).
    """
    cluster = _check_cluster(atoms, source)
    n_si = len(cluster.si)
    facets = facet_analysis(cluster.si, cluster.pairs, source=source)
    out = {
        "n_Si": n_si,
        "n_H": cluster.n_h,
        "D": diameter(cluster.si, cluster.n_si_neighbours, diameter_definition),
        "n_coord": 2.0 * len(cluster.pairs) / n_si,
        **facets.fractions,
        "HSi_ratio": cluster.n_h / n_si,
    }
    return {k: out[k] for k in FEATURE_NAMES}, facets


def featurize(atoms: Atoms, diameter: str = DEFAULT_DIAMETER, source: str = "atoms") -> dict[str, float]:
    """Compute the study's structural features of one H-passivated Si cluster.

    The features are those of Parker & Barnard, *Nanoscale Horiz.* 6, 277 (2021)
    (average diameter, Si-Si coordination, facet area fractions, H:Si ratio, atom
    counts); the facet fractions come from the atoms by the tight-plane lattice cut of
    :mod:`siqd_utils.reconstruct.facets`.

    Parameters
    ----------
    atoms : ase.Atoms
        Si and H atoms only, Cartesian positions in A, non-periodic, any orientation.
    diameter : {"surface", "sphere", "caliper"}, default=DEFAULT_DIAMETER
        Definition of ``D`` (see :func:`siqd_utils.reconstruct.features.diameter`).
    source : str, default="atoms"
        Name used in error messages and warnings (e.g. the file path).

    Returns
    -------
    dict
        ``n_Si, n_H, D, n_coord, f100, f110, f111, f113, HSi_ratio`` (D in nm; the
        four fractions sum to 1).

    Raises
    ------
    StructureError
        If ``atoms`` is not one H-passivated Si cluster.

    Warns
    -----
    FacetEstimateWarning
        If the facet fractions are an estimate (no exact lattice cut found).

    Examples
    --------
    >>> from siqd_utils.reconstruct.lattice import CENTRES, diamond_sites, passivate
    >>> atoms = passivate(diamond_sites(5.43, CENTRES["atom"]), CENTRES["atom"])
    >>> f = featurize(atoms)
    >>> f["n_Si"], f["n_H"]
    (29, 36)
    """
    features, _ = analyse(atoms, diameter, source)
    return features


def row_of(atoms: Atoms, diameter: str = DEFAULT_DIAMETER, source: str = "atoms") -> dict:
    """One table row: ``shape``, ``facet_method`` and the features of a cluster."""
    features, facets = analyse(atoms, diameter, source)
    return {"shape": facets.shape, "facet_method": facets.method, **features}


def featurize_xyz(path: str | Path, diameter: str = DEFAULT_DIAMETER) -> dict:
    """Features of the one structure in a file ase can read (xyz, extxyz, cif, ...).

    Returns :func:`featurize`'s dict plus ``shape`` and ``facet_method``.  For a
    folder of files, or files holding several structures with ids, use
    :func:`siqd_utils.reconstruct.featurize_table.featurize_files`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    StructureError
        If the file is empty, unreadable, holds more than one structure, or its
        structure is not one H-passivated Si cluster.
    """
    from .featurize_table import read_structures

    entries = read_structures(path, require_single=True)
    return row_of(entries[0][1], diameter, source=str(path))

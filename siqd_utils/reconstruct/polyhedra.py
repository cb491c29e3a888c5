"""Convex polyhedra bounded by {100}, {110}, {111} and {113} planes.

A cut is a mapping ``family -> distance`` (A from the centre): every plane of a
family lies at the same distance, which keeps the shape centrosymmetric when the
centre is an inversion centre of the lattice.  The facet fractions of a cut are
the areas of its faces per family over the total area, computed exactly by
intersecting the half-spaces (scipy's Qhull wrappers).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.spatial import ConvexHull, HalfspaceIntersection

from .lattice import FAMILIES, FAMILY_KEYS, family_normals

__all__ = ["all_normals", "facet_areas", "cut_polyhedron"]


@lru_cache(maxsize=None)
def all_normals() -> tuple[np.ndarray, np.ndarray]:
    """Every plane normal of the four families (50 in all) and each one's family index."""
    normals, owner = [], []
    for k, fam in enumerate(FAMILIES):
        n = family_normals(fam)
        normals.append(n)
        owner.extend([k] * len(n))
    out = np.concatenate(normals), np.array(owner)
    out[0].setflags(write=False)
    out[1].setflags(write=False)
    return out


def cut_polyhedron(plane_distances: np.ndarray) -> ConvexHull:
    """The polyhedron {x : n_i . x <= d_i} for the 50 normals; ``inf`` drops a plane."""
    normals, _ = all_normals()
    d = np.asarray(plane_distances, dtype=float)
    keep = np.isfinite(d)
    halfspaces = np.hstack([normals[keep], -d[keep, None]])
    vertices = HalfspaceIntersection(halfspaces, np.zeros(3)).intersections
    return ConvexHull(vertices)


def facet_areas(plane_distances: np.ndarray) -> dict[str, float]:
    """Surface area (A^2) per facet family of the polyhedron with these plane distances.

    Parameters
    ----------
    plane_distances : array of shape (50,)
        Distance of each plane of :func:`all_normals` from the origin; ``inf`` for
        planes that are not part of the cut.  The origin must be inside.

    Returns
    -------
    dict
        ``{"100": A, "110": A, "111": A, "113": A, "total": A, "volume": V}``.
    """
    normals, owner = all_normals()
    hull = cut_polyhedron(plane_distances)
    pts = hull.points
    areas = np.zeros(len(FAMILIES))
    for simplex, eq in zip(hull.simplices, hull.equations):
        a, b, c = pts[simplex]
        area = 0.5 * np.linalg.norm(np.cross(b - a, c - a))
        # The face lies on the active plane whose normal matches the hull normal.
        k = owner[int(np.argmax(normals @ eq[:3]))]
        areas[k] += area
    out = {FAMILY_KEYS[f]: float(areas[k]) for k, f in enumerate(FAMILIES)}
    out["total"] = float(areas.sum())
    out["volume"] = float(hull.volume)
    return out

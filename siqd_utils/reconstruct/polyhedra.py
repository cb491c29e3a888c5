"""Convex polyhedra bounded by {100}, {110}, {111} and {113} planes.

A cut is a mapping ``family -> distance`` (A from the centre): every plane of a
family lies at the same distance, which keeps the shape centrosymmetric when the
centre is an inversion centre of the lattice.  The facet fractions of a cut are
the areas of its faces per family over the total area, computed exactly by
intersecting the half-spaces (scipy's Qhull wrappers).  :func:`polyhedron_faces`
gives the same faces as polygons, each with its family and area, for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.spatial import ConvexHull, HalfspaceIntersection

from .lattice import FAMILIES, FAMILY_KEYS, family_normals

__all__ = ["Face", "all_normals", "cut_polyhedron", "facet_areas", "polyhedron_faces"]


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


def _plane_of(normals: np.ndarray, equation: np.ndarray) -> int:
    """Index of the active plane a hull facet lies on: the plane whose normal matches the facet's."""
    return int(np.argmax(normals @ equation[:3]))


def _triangle_area(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a))


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
        area = _triangle_area(*pts[simplex])
        # The face lies on the active plane whose normal matches the hull normal.
        k = owner[_plane_of(normals, eq)]
        areas[k] += area
    out = {FAMILY_KEYS[f]: float(areas[k]) for k, f in enumerate(FAMILIES)}
    out["total"] = float(areas.sum())
    out["volume"] = float(hull.volume)
    return out


@dataclass(frozen=True)
class Face:
    """One face of a cut polyhedron (:func:`polyhedron_faces`).

    Attributes
    ----------
    family : str
        Its facet family, ``"100"``, ``"110"``, ``"111"`` or ``"113"``.
    plane : int
        Index of its plane in :func:`all_normals`.
    normal : numpy.ndarray, shape (3,)
        Outward unit normal.
    vertices : numpy.ndarray, shape (k, 3)
        Corners in order, counter-clockwise seen from outside.
    area : float
        Area (A^2, or the square of the unit of the distances).
    """

    family: str
    plane: int
    normal: np.ndarray
    vertices: np.ndarray
    area: float


def polyhedron_faces(plane_distances: np.ndarray) -> list[Face]:
    """The faces of the polyhedron with these plane distances, as polygons with their families.

    The same hull and the same rule for which plane a hull facet lies on as
    :func:`facet_areas`, so the areas of the faces of each family sum to its area there.

    Parameters
    ----------
    plane_distances : array of shape (50,)
        As in :func:`facet_areas`.

    Returns
    -------
    list of Face
        In the order of their planes in :func:`all_normals` (families 100, 110, 111, 113).
    """
    normals, owner = all_normals()
    hull = cut_polyhedron(plane_distances)
    pts = hull.points
    triangles: dict[int, list] = {}
    for simplex, eq in zip(hull.simplices, hull.equations):
        triangles.setdefault(_plane_of(normals, eq), []).append(simplex)
    faces = []
    for plane in sorted(triangles):
        simplices = triangles[plane]
        corners = pts[np.unique(np.concatenate(simplices))]
        n = normals[plane] / np.linalg.norm(normals[plane])
        # Order the corners by angle about their mean, in a basis of the face's plane
        # oriented so that (u, v, n) is right-handed: counter-clockwise seen from outside.
        u = np.cross(n, [1.0, 0.0, 0.0] if abs(n[0]) < 0.9 else [0.0, 1.0, 0.0])
        u /= np.linalg.norm(u)
        v = np.cross(n, u)
        rel = corners - corners.mean(axis=0)
        corners = corners[np.argsort(np.arctan2(rel @ v, rel @ u), kind="stable")]
        area = sum(_triangle_area(*pts[s]) for s in simplices)
        faces.append(Face(family=FAMILY_KEYS[FAMILIES[owner[plane]]], plane=int(plane), normal=n,
                          vertices=corners, area=float(area)))
    return faces

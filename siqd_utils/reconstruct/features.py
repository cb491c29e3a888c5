"""Structural features of an H-passivated silicon cluster.

:func:`featurize` works on any cluster given as an :class:`ase.Atoms` of Si and H
(the shipped structures, the CSIRO structures, or any file ase reads).  Definitions:

``n_Si``, ``n_H``, ``HSi_ratio``
    Atom counts and their ratio.
``n_coord``
    Mean number of Si neighbours per Si atom, Si-Si distance below 2.6 A (bulk bond
    2.35 A, second neighbours 3.84 A, so relaxed bonds are still counted).
``D`` (nm)
    Mean caliper (Feret) diameter of the Si atom centres: the width of the cluster
    measured between two parallel planes, averaged over 2,000 directions spread
    evenly on the sphere.  It is orientation-free and defined for relaxed
    clusters too; for a sphere of atoms it is the sphere's diameter.
``f100``, ``f110``, ``f111``, ``f113``
    Fractions of the surface area of the bounding polyhedron on each facet family.
    If the cluster carries its cut (``atoms.info["cut_100"]`` ... distances in A,
    as the shipped structures do), the polyhedron is that cut.  Otherwise it is
    built from the atoms: each of the 50 planes is placed at the outermost Si
    projection along its normal plus half the wide interlayer gap of its family,
    i.e. where a cut that kept exactly these atoms would sit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import read
from scipy.spatial import cKDTree

from .lattice import A_SI, FAMILIES, FAMILY_KEYS
from .polyhedra import all_normals, facet_areas

__all__ = ["FEATURE_NAMES", "SI_SI_CUTOFF", "equivalent_sphere_diameter", "facet_fractions", "featurize", "featurize_xyz", "mean_caliper_diameter"]

FEATURE_NAMES = ("n_Si", "n_H", "D", "n_coord", "f100", "f110", "f111", "f113", "HSi_ratio")
SI_SI_CUTOFF = 2.6

#: Half of the widest gap between atomic layers of each family (A): an ideal cut sits
#: mid-way in such a gap, so the plane lies this far outside the outermost layer.
HALF_WIDE_GAP = {
    "100": A_SI / 8.0,  # layers every a/4
    "110": A_SI * np.sqrt(2.0) / 8.0,  # layers every a/(2 sqrt 2)
    "111": A_SI * np.sqrt(3.0) / 8.0,  # wide gap = bond length a sqrt3/4
    "113": 3.0 * A_SI / (8.0 * np.sqrt(11.0)),  # wide gap 3a/(4 sqrt 11)
}


def _fibonacci_sphere(n: int) -> np.ndarray:
    i = np.arange(n) + 0.5
    z = 1.0 - 2.0 * i / n
    r = np.sqrt(1.0 - z * z)
    phi = np.pi * (1.0 + 5.0**0.5) * i
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


_DIRECTIONS = _fibonacci_sphere(2000)


def mean_caliper_diameter(positions: np.ndarray) -> float:
    """Mean caliper width (same unit as ``positions``) over 2,000 even directions."""
    proj = np.asarray(positions, dtype=float) @ _DIRECTIONS.T
    return float(np.mean(proj.max(axis=0) - proj.min(axis=0)))


def equivalent_sphere_diameter(n_si) -> np.ndarray | float:
    """Diameter (nm) of a sphere holding ``n_si`` atoms at bulk Si density (8 per a^3)."""
    n = np.asarray(n_si, dtype=float)
    return A_SI * np.cbrt(3.0 * n / (4.0 * np.pi)) / 10.0


def _split(atoms: Atoms, source: str) -> tuple[np.ndarray, int]:
    symbols = np.array(atoms.get_chemical_symbols())
    unknown = sorted(set(symbols.tolist()) - {"Si", "H"})
    if unknown:
        raise ValueError(f"{source}: only Si and H atoms are supported, found {unknown}")
    si = atoms.positions[symbols == "Si"]
    if len(si) == 0:
        raise ValueError(f"{source}: the structure has no Si atom")
    if not np.all(np.isfinite(atoms.positions)):
        raise ValueError(f"{source}: non-finite atomic positions")
    return si, int(np.sum(symbols == "H"))


def _plane_distances(atoms: Atoms, si: np.ndarray, facets: str) -> np.ndarray:
    normals, owner = all_normals()
    keys = [FAMILY_KEYS[f] for f in FAMILIES]
    has_cut = all(f"cut_{k}" in atoms.info for k in keys)
    if facets == "cut" or (facets == "auto" and has_cut):
        if not has_cut:
            raise ValueError("facets='cut' needs atoms.info['cut_100'|'cut_110'|'cut_111'|'cut_113']")
        per_family = np.array([float(atoms.info[f"cut_{k}"]) for k in keys])
        return per_family[owner]
    # Built from the atoms: outermost projection plus half the family's wide gap.
    centre = si.mean(axis=0)
    proj = (si - centre) @ normals.T
    offset = np.array([HALF_WIDE_GAP[k] for k in keys])[owner]
    return proj.max(axis=0) + offset


def facet_fractions(atoms: Atoms, facets: str = "auto") -> dict[str, float]:
    """Surface-area fraction per facet family (keys ``f100`` ... ``f113``); they sum to 1."""
    if facets not in ("auto", "cut", "atoms"):
        raise ValueError(f"facets must be 'auto', 'cut' or 'atoms', got {facets!r}")
    si, _ = _split(atoms, "atoms")
    areas = facet_areas(_plane_distances(atoms, si, facets))
    total = sum(areas[FAMILY_KEYS[f]] for f in FAMILIES)
    return {f"f{FAMILY_KEYS[f]}": areas[FAMILY_KEYS[f]] / total for f in FAMILIES}


def featurize(atoms: Atoms, facets: str = "auto") -> dict[str, float]:
    """Compute the study's structural features of one H-passivated Si cluster.

    Parameters
    ----------
    atoms : ase.Atoms
        Si and H atoms only, Cartesian positions in A, non-periodic.
    facets : {"auto", "cut", "atoms"}, default="auto"
        Where the facet polyhedron comes from: the cut stored in ``atoms.info``
        ("cut"), the atoms themselves ("atoms"), or the cut when present ("auto").

    Returns
    -------
    dict
        ``n_Si, n_H, D, n_coord, f100, f110, f111, f113, HSi_ratio`` (D in nm).
    """
    si, n_h = _split(atoms, "atoms")
    pairs = cKDTree(si).query_pairs(SI_SI_CUTOFF, output_type="ndarray")
    n_si = len(si)
    n_coord = 2.0 * len(pairs) / n_si
    out = {
        "n_Si": n_si,
        "n_H": n_h,
        "D": mean_caliper_diameter(si) / 10.0 if n_si > 1 else 0.0,
        "n_coord": n_coord,
    }
    out.update(facet_fractions(atoms, facets))
    out["HSi_ratio"] = n_h / n_si
    return {k: out[k] for k in FEATURE_NAMES}


def featurize_xyz(path: str | Path, index: int | str = 0, facets: str = "auto") -> dict[str, float] | list[dict[str, float]]:
    """Featurize structure(s) from any file ase can read.

    ``index`` follows :func:`ase.io.read`: an int gives one dict, ``":"`` a list.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"structure file not found: {path}")
    frames = read(path, index=index)
    if isinstance(frames, Atoms):
        return featurize(frames, facets)
    return [featurize(a, facets) for a in frames]

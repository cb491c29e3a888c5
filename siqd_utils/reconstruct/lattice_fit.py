"""Fit the diamond lattice to the Si atoms of a cluster and snap each atom to its site.

A cluster read from a file is rotated, translated, rounded or relaxed, so its Si
atoms are not on the integer sites of :mod:`.lattice`.  :func:`fit_diamond_lattice`
recovers the sites from the bond network:

1. **Sublattices.**  The Si-Si bonds (distance below :data:`.lattice.SI_SI_CUTOFF`)
   form a bipartite graph on the diamond lattice; a breadth-first colouring splits
   the atoms into the A and B sublattices (an odd ring means no diamond lattice).
2. **Orientation.**  Every bond, pointed from its A atom to its B atom, is one of
   the four tetrahedral directions ``TETRA_A / sqrt(3)`` after a rotation.  The
   rotation is a Kabsch fit (Kabsch, *Acta Cryst.* A32, 922 (1976)) of those
   directions to the bond vectors: started from the best assignment of the bonds of
   the most-bonded atom, then refined on all bonds, re-assigning each bond to its
   nearest direction until the assignment no longer changes.
3. **Sites.**  Walking the bonds from that atom (site 0) adds or subtracts the
   assigned tetrahedral vector, which gives every atom an integer site; each ring
   must close and no two atoms may share a site.
4. **Origin and check.**  A least-squares similarity fit (Umeyama, *IEEE TPAMI* 13,
   376 (1991)) of the sites to the positions gives origin, rotation and lattice
   constant; the fit is accepted when every Si lies within :data:`SNAP_TOLERANCE`
   of its site and the lattice constant is within :data:`LATTICE_CONSTANT_TOLERANCE`
   of :data:`.lattice.A_SI`.

The sites are in the lattice's own frame (a/4 units, A sublattice all-even), up to
a symmetry of the lattice, which maps each facet family onto itself; that is all
the facet analysis needs.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np

from .lattice import A_SI, D_SI_SI, TETRA_A, _site_keys

__all__ = ["LATTICE_CONSTANT_TOLERANCE", "LatticeFit", "MAX_BOND_ANGLE", "SNAP_TOLERANCE", "fit_diamond_lattice"]

#: Largest distance (A) of a Si atom from its fitted lattice site: a quarter of the
#: Si-Si bond, far above thermal or rounding noise (0.05 A) and surface relaxation
#: of H-passivated clusters (~0.1 A), far below the 1.18 A where sites would blur.
SNAP_TOLERANCE = D_SI_SI / 4.0
#: Largest relative difference of the fitted lattice constant from A_SI.
LATTICE_CONSTANT_TOLERANCE = 0.05
#: Largest angle (degrees) between a bond and its tetrahedral direction (neighbouring
#: directions are 109.5 degrees apart).
MAX_BOND_ANGLE = 30.0

_TETRA = TETRA_A / np.sqrt(3.0)


@dataclass(frozen=True)
class LatticeFit:
    """Result of :func:`fit_diamond_lattice`.

    Attributes
    ----------
    sites : numpy.ndarray of int, shape (n_Si, 3), or None
        Lattice site of each Si atom (a/4 units), None when no lattice fits.
    rotation : numpy.ndarray, shape (3, 3), or None
        Maps lattice-frame vectors to the input frame (``x_in = rotation @ x_lat``);
        set whenever the bonds gave an orientation, even if the fit was rejected.
    lattice_constant : float or None
        Fitted lattice constant (A).
    max_displacement, rms_displacement : float or None
        Distance (A) of the Si atoms from their fitted sites: largest and root mean square.
    reason : str or None
        Why no lattice fits; None when it does.
    """

    sites: np.ndarray | None = None
    rotation: np.ndarray | None = None
    lattice_constant: float | None = None
    max_displacement: float | None = None
    rms_displacement: float | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the Si atoms were snapped onto a diamond lattice."""
        return self.reason is None


def _kabsch(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Proper rotation R minimising sum |R src_i - dst_i|^2 (rows are vectors)."""
    h = src.T @ dst
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T)) or 1.0
    return vt.T @ np.diag([1.0, 1.0, d]) @ u.T


def _colour(n: int, adjacency: list[list[int]], start: int) -> np.ndarray | None:
    colour = np.full(n, -1)
    colour[start] = 0
    queue = deque([start])
    while queue:
        i = queue.popleft()
        for j in adjacency[i]:
            if colour[j] < 0:
                colour[j] = 1 - colour[i]
                queue.append(j)
            elif colour[j] == colour[i]:
                return None
    return colour


def _orientation(u: np.ndarray, a_end: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Rotation and per-bond direction index, from the bonds of ``start`` then all bonds."""
    own = u[a_end == start]
    best, rot = np.inf, np.eye(3)
    # Every injective assignment of the start atom's bonds to the four directions;
    # the first within 1e-9 of the best wins, so exact lattices give the same frame every time.
    for perm in itertools.permutations(range(4), len(own)):
        r = _kabsch(_TETRA[list(perm)], own)
        err = float(np.sum((own - _TETRA[list(perm)] @ r.T) ** 2))
        if err < best - 1e-9:
            best, rot = err, r
    assign = np.full(len(u), -1)
    for _ in range(10):
        new = np.argmax(u @ (_TETRA @ rot.T).T, axis=1)
        if np.array_equal(new, assign):
            break
        assign = new
        rot = _kabsch(_TETRA[assign], u)
    return rot, assign


def fit_diamond_lattice(si: np.ndarray, pairs: np.ndarray) -> LatticeFit:
    """Fit the diamond lattice to Si positions and snap each atom to its site.

    Parameters
    ----------
    si : numpy.ndarray, shape (n, 3)
        Cartesian positions of the Si atoms (A).
    pairs : numpy.ndarray of int, shape (m, 2)
        Bonded Si pairs (indices into ``si``); the bond graph must be connected.

    Returns
    -------
    LatticeFit
        ``ok`` with the integer sites, or ``reason`` saying why no lattice fits.
    """
    si = np.asarray(si, dtype=float)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    n = len(si)
    if n < 3:
        return LatticeFit(reason=f"{n} Si atom(s): too few bonds to orient a lattice")
    degree = np.bincount(pairs.ravel(), minlength=n)
    if degree.max() > 4:
        i = int(np.argmax(degree))
        return LatticeFit(reason=f"Si atom {i} has {int(degree[i])} Si neighbours (a lattice site has 4)")
    adjacency: list[list[int]] = [[] for _ in range(n)]
    for i, j in pairs.tolist():
        adjacency[i].append(j)
        adjacency[j].append(i)
    start = int(np.argmax(degree))  # most bonds, lowest index
    colour = _colour(n, adjacency, start)
    if colour is None:
        return LatticeFit(reason="the Si-Si bonds contain an odd ring, impossible on a diamond lattice")
    if (colour < 0).any():
        return LatticeFit(reason="the Si-Si bond network is not connected")
    a_end = np.where(colour[pairs[:, 0]] == 0, pairs[:, 0], pairs[:, 1])
    b_end = np.where(colour[pairs[:, 0]] == 0, pairs[:, 1], pairs[:, 0])
    u = si[b_end] - si[a_end]
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    rot, assign = _orientation(u, a_end, start)
    cos = np.sum(u * (_TETRA[assign] @ rot.T), axis=1)
    worst = int(np.argmin(cos))
    if cos[worst] < np.cos(np.radians(MAX_BOND_ANGLE)):
        angle = float(np.degrees(np.arccos(np.clip(cos[worst], -1, 1))))
        return LatticeFit(rotation=rot, reason=(
            f"the bond between Si atoms {int(a_end[worst])} and {int(b_end[worst])} is {angle:.0f} degrees from "
            f"every tetrahedral direction of the best-fitting lattice (tolerance {MAX_BOND_ANGLE:g})"))
    for end in (a_end, b_end):
        slots = end * 4 + assign
        if len(np.unique(slots)) != len(slots):
            return LatticeFit(rotation=rot, reason="a Si atom has two bonds along one tetrahedral direction")

    sites = np.zeros((n, 3), dtype=np.int64)
    known = np.zeros(n, dtype=bool)
    known[start] = True
    incident: list[list[int]] = [[] for _ in range(n)]
    for e, (a, b) in enumerate(zip(a_end.tolist(), b_end.tolist())):
        incident[a].append(e)
        incident[b].append(e)
    queue = deque([start])
    while queue:
        i = queue.popleft()
        for e in incident[i]:
            a, b = int(a_end[e]), int(b_end[e])
            j, site = (b, sites[a] + TETRA_A[assign[e]]) if i == a else (a, sites[b] - TETRA_A[assign[e]])
            if not known[j]:
                sites[j] = site
                known[j] = True
                queue.append(j)
    if not np.array_equal(sites[b_end] - sites[a_end], TETRA_A[assign]):
        return LatticeFit(rotation=rot, reason="a ring of Si-Si bonds does not close on the diamond lattice")
    if len(np.unique(_site_keys(sites))) != n:
        return LatticeFit(rotation=rot, reason="two Si atoms map onto one lattice site")

    # Similarity fit of the sites to the positions: origin, rotation, lattice constant.
    x = sites * (A_SI / 4.0)
    xm, ym = x.mean(axis=0), si.mean(axis=0)
    xc, yc = x - xm, si - ym
    u_, s_, vt = np.linalg.svd(xc.T @ yc)
    d = np.sign(np.linalg.det(vt.T @ u_.T)) or 1.0
    rot = vt.T @ np.diag([1.0, 1.0, d]) @ u_.T
    scale = float(np.sum(s_ * np.array([1.0, 1.0, d])) / np.sum(xc**2))
    resid = np.linalg.norm(yc - scale * xc @ rot.T, axis=1)
    fit = dict(rotation=rot, lattice_constant=scale * A_SI, max_displacement=float(resid.max()),
               rms_displacement=float(np.sqrt(np.mean(resid**2))))
    if abs(scale - 1.0) > LATTICE_CONSTANT_TOLERANCE:
        return LatticeFit(**fit, reason=(f"the fitted lattice constant {scale * A_SI:.3f} A differs from {A_SI} A "
                                          f"by more than {100 * LATTICE_CONSTANT_TOLERANCE:g} %"))
    if resid.max() > SNAP_TOLERANCE:
        i = int(np.argmax(resid))
        return LatticeFit(**fit, reason=(f"Si atom {i} lies {resid[i]:.2f} A from its lattice site "
                                          f"(tolerance {SNAP_TOLERANCE:.2f} A)"))
    return LatticeFit(sites=sites, **fit)

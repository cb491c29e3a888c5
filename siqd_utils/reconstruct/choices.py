"""How the construction choices move the count and size range of the ensemble.

The source describes its 303 dots (0.5-3 nm, largest 3.04 nm) as every structure
from symmetric cuts about the centrosymmetric lattice site with at most three of
the four facet families, each Si four-fold coordinated; its methods leave open the
centring, the definition of the diameter, whether low-coordinated corner groups
were kept, and whether 3 nm or 3.04 nm bounds the range.  :func:`evaluate_choices`
counts the structures for every combination (geometry only, no tight binding):

* centring: bond centre, hexagonal interstitial (the two inversion centres of the
  diamond lattice), atom (Td, not centrosymmetric; for comparison);
* diameter: :data:`.features.DIAMETERS`;
* pruning of Si with fewer than two Si neighbours: on, or off (SiH3 groups kept;
  lone SiH4 molecules, not part of any dot, are always dropped);
* upper limit of D: 3.0 nm or 3.04 nm (lower limit 0.5 nm throughout).

The per-structure sizes of each (centring, pruning) enumeration are cached in
``_build/cache/reconstruct/`` under a key that hashes the source of every module
they depend on and the parameters, so a cached table is never served after any of
those changed.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ..atomic import write_bytes_atomic
from .cuts import enumerate_cuts
from .features import DIAMETERS, diameter
from .lattice import A_SI, CENTRES, MIN_SI_NEIGHBOURS, NO_PRUNING, si_neighbour_counts

__all__ = ["CACHE_DIR", "CENTRINGS", "MIN_DIAMETER", "POOL_RADIUS", "UPPER_LIMITS", "distance_to_source",
           "evaluate_choices", "structure_sizes"]

#: Centrings evaluated; the first two are inversion centres of the lattice.
CENTRINGS = ("bond", "hex", "atom")
#: Lower limit of D (nm), as in the source.
MIN_DIAMETER = 0.5
#: Upper limits of D (nm): the source's stated range and its largest dot.
UPPER_LIMITS = (3.0, 3.04)
#: Radius (A) of the lattice pool: every structure with D <= 3.04 nm by any of the
#: three definitions lies inside it (checked by ``structure_sizes``, which raises
#: if a structure in the window reaches within one bond of the pool's edge).
POOL_RADIUS = 23.0
#: Cache folder for the per-enumeration size tables (a build output, git-ignored).
CACHE_DIR = Path(__file__).resolve().parents[2] / "_build" / "cache" / "reconstruct"

_DEPENDS_ON = ("cuts.py", "lattice.py", "features.py", "choices.py")


def _source_digest() -> bytes:
    digest = hashlib.sha256()
    for name in _DEPENDS_ON:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.digest()


#: Hash of the modules' source as imported (read once, so a file edited while a build
#: runs cannot label old results with new code).
_SOURCE_DIGEST = _source_digest()


def _cache_key(centre: str, min_neighbours: int, pool: float) -> str:
    digest = hashlib.sha256(_SOURCE_DIGEST)
    digest.update(f"{centre}|{min_neighbours}|{pool!r}".encode())
    return digest.hexdigest()[:20]


def structure_sizes(centre: str, min_neighbours: int, pool: float = POOL_RADIUS, use_cache: bool = True,
                    progress: bool = False) -> pd.DataFrame:
    """n_Si, every diameter definition (nm) and the largest atom radius (A) of each cut structure.

    Parameters
    ----------
    centre : str
        Cutting centre (:data:`.lattice.CENTRES`).
    min_neighbours : int
        Pruning rule (2: the builder's; 1: keep SiH3 groups, drop lone Si).
    pool : float, default=POOL_RADIUS
        Enumeration radius (A).
    use_cache : bool, default=True
        Read and write the cache in :data:`CACHE_DIR`.
    progress : bool, default=False
        Progress bar for the enumeration.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_Si``, ``D_sphere``, ``D_caliper``, ``D_surface``, ``r_max``; one row
        per distinct structure, in enumeration order.

    Raises
    ------
    RuntimeError
        If a structure with every D <= max(UPPER_LIMITS) reaches within one bond of
        the pool's edge (the pool would be too small to count them all).
    """
    path = CACHE_DIR / f"sizes-{centre}-{min_neighbours}-{_cache_key(centre, min_neighbours, pool)}.csv"
    if use_cache and path.is_file():
        return pd.read_csv(path)
    c = CENTRES[centre]
    rows = []
    for cut in enumerate_cuts(centre, 3, pool, min_neighbours, progress=progress):
        si = (cut.sites - c) * (A_SI / 4.0)
        nb = si_neighbour_counts(cut.sites)
        row = {"n_Si": len(si)}
        row.update({f"D_{d}": diameter(si, nb, d) for d in DIAMETERS})
        row["r_max"] = float(np.linalg.norm(si, axis=1).max())
        rows.append(row)
    sizes = pd.DataFrame(rows)
    inside = (sizes[[f"D_{d}" for d in DIAMETERS]] <= max(UPPER_LIMITS)).any(axis=1)
    reach = sizes.loc[inside, "r_max"].max()
    if reach > pool - 2.5:
        raise RuntimeError(f"a structure about the {centre} centre with D <= {max(UPPER_LIMITS)} nm reaches "
                           f"{reach:.1f} A, too close to the {pool} A pool; raise POOL_RADIUS")
    # Served through its CSV text either way, so a cached and a fresh table are the same numbers.
    text = sizes.to_csv(index=False, float_format="%.9g", lineterminator="\n")
    if use_cache:
        write_bytes_atomic(path, text.encode())
    return pd.read_csv(io.StringIO(text))


def distance_to_source(count: int, d_min: float, d_max: float, paper: dict) -> float:
    """How far a (count, D range) is from the source's: relative count error plus range errors.

    ``|n - N| / N + (|D_min - 0.5| + |D_max - 3.04|) / (3.04 - 0.5)``, with N, 0.5 and
    3.04 nm from the source (``paper_results.yml``): one unit is either the whole count
    or the whole range.
    """
    ds = paper["dataset"]
    n_src, (lo, hi) = ds["n_structures"], ds["diameter_nm"]
    return abs(count - n_src) / n_src + (abs(d_min - lo) + abs(d_max - hi)) / (hi - lo)


def evaluate_choices(paper: dict, use_cache: bool = True, progress: bool = False, n_jobs: int = 1) -> pd.DataFrame:
    """Count and D range of the ensemble for every combination of construction choices.

    Parameters
    ----------
    paper : dict
        The study's numbers (:func:`siqd_utils.datasets.load_paper_results`).
    use_cache : bool, default=True
        Read and write the size tables in :data:`CACHE_DIR`.
    progress : bool, default=False
        Progress bars for the enumerations.
    n_jobs : int, default=1
        Processes for the six enumerations (joblib).

    Returns
    -------
    pandas.DataFrame
        One row per (centring, diameter, pruning, upper limit): ``count``, ``D_min``,
        ``D_max`` (nm), ``centrosymmetric`` (bond or hex centre) and ``distance``
        (:func:`distance_to_source`), sorted by the choices.
    """
    combos = list(itertools.product(CENTRINGS, (True, False)))
    tables = Parallel(n_jobs=n_jobs)(
        delayed(structure_sizes)(centre, MIN_SI_NEIGHBOURS if prune_on else NO_PRUNING, use_cache=use_cache, progress=progress)
        for centre, prune_on in combos)
    rows = []
    for (centre, prune_on), sizes in zip(combos, tables):
        for definition, limit in itertools.product(DIAMETERS, UPPER_LIMITS):
            d = sizes[f"D_{definition}"]
            d = d[(d >= MIN_DIAMETER) & (d <= limit)]
            row = {"centring": centre, "diameter": definition, "pruning": "on" if prune_on else "off",
                   "upper limit (nm)": limit, "count": int(len(d)),
                   "D_min": float(d.min()) if len(d) else np.nan, "D_max": float(d.max()) if len(d) else np.nan,
                   "centrosymmetric": centre in ("bond", "hex")}
            row["distance"] = distance_to_source(row["count"], row["D_min"], row["D_max"], paper) if len(d) else np.inf
            rows.append(row)
    return pd.DataFrame(rows)

"""Build the reconstructed SiQD ensemble and write its data files.

Pipeline: enumerate symmetric cuts (:mod:`.cuts`) -> passivate with H
(:mod:`.lattice`) -> keep 0.5 nm <= D <= max diameter -> features, facet
families, fractions and shape name from the final atoms (:mod:`.features`,
:mod:`.facets`; the same code as ``featurize``) -> tight-binding gap
(:mod:`.tight_binding`) -> Stokes shift (:mod:`.stokes`) -> colour-scale
calibration (:mod:`.calibration`) -> files.

Every output is written atomically (temporary file, then rename) and is
byte-identical across runs: rows and frames are sorted by a key that depends only
on the structures, floats are printed with fixed precision, and the gzip header
carries no time stamp.
"""

from __future__ import annotations

import gzip
import io
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms
from ase.io import write as ase_write
from joblib import Parallel, delayed
from tqdm import tqdm  # a console bar (tqdm.auto warns when imported in a notebook without ipywidgets)

from ..atomic import write_bytes_atomic
from ..bands import HC_EV_NM
from ..datasets import COLUMNS, COLUMN_NAMES, sha256_of, validate_ensemble
from ..datasets import load_paper_results
from .calibration import Calibration, fit_calibration
from .choices import POOL_RADIUS, evaluate_choices
from .cuts import enumerate_cuts
from .features import DEFAULT_DIAMETER, DIAMETERS, diameter, equivalent_sphere_diameter, row_of
from .lattice import A_SI, CENTRES, MIN_SI_NEIGHBOURS, passivate, si_neighbour_counts
from .size_law import size_law

#: Folds of the size-law cross-validation; a build with fewer than four times as many
#: structures (a small test ensemble) records no size-law numbers.
SIZE_LAW_FOLDS = 10

__all__ = ["EnsembleSettings", "build_ensemble", "write_ensemble", "DATA_FILES"]

#: Files written by :func:`write_ensemble`, in the order SHA256SUMS lists them.
DATA_FILES = ("siqd_ensemble.csv", "siqd_ensemble.columns.csv", "siqd_structures.extxyz.gz", "PROVENANCE.md")

#: Decimal places per float column in the CSV (fixed, so output is byte-stable).
_DECIMALS = {"D": 4, "n_coord": 6, "f100": 9, "f110": 9, "f111": 9, "f113": 9, "HSi_ratio": 6,
             "gap_eV": 5, "emission_eV_model": 5, "emission_eV": 5, "wavelength_nm": 3}


@dataclass(frozen=True)
class EnsembleSettings:
    """Knobs of the reconstruction (defaults: the shipped ensemble; PROVENANCE.md says why).

    Attributes
    ----------
    centre : {"hex", "bond", "atom"}
        Cutting centre (:data:`.lattice.CENTRES`); hex and bond are inversion centres.
    diameter : {"surface", "sphere", "caliper"}
        Definition of D (:func:`.features.diameter`), used for the size window and the column.
    min_neighbours : int
        Pruning rule: 2 removes Si with fewer than two Si neighbours, repeatedly; 0 keeps all.
    max_families, min_diameter, max_diameter
        At most this many facet families; D window in nm.
    pool_radius : float or None
        Radius (A) of the lattice pool; None: enough for ``max_diameter`` (:meth:`pool`).
    """

    centre: str = "hex"
    diameter: str = DEFAULT_DIAMETER
    min_neighbours: int = MIN_SI_NEIGHBOURS
    max_families: int = 3
    min_diameter: float = 0.5  # nm
    max_diameter: float = 3.04  # nm
    pool_radius: float | None = None  # A; None: enough for max_diameter (see pool())

    def __post_init__(self):
        if self.centre not in CENTRES:
            raise ValueError(f"centre must be one of {sorted(CENTRES)}, got {self.centre!r}")
        if self.diameter not in DIAMETERS:
            raise ValueError(f"diameter must be one of {DIAMETERS}, got {self.diameter!r}")

    def pool(self) -> float:
        """Radius (A) of the lattice pool cut from: every structure with D <= max_diameter fits.

        The widest-reaching structure with D <= 3.04 nm (any definition, either
        pruning rule) has atoms 20.0 A from the centre, about 6.5 A per nm of D;
        4 A + 6.5 A per nm, at most :data:`.choices.POOL_RADIUS`, leaves a margin at
        every size, and :func:`build_ensemble` checks it.
        """
        return self.pool_radius if self.pool_radius is not None else min(POOL_RADIUS, 4.0 + 6.5 * self.max_diameter)


def _gap_of(atoms: Atoms) -> float:
    from .tight_binding import band_edges

    return float(band_edges(atoms)["gap"])


def build_ensemble(settings: EnsembleSettings = EnsembleSettings(), n_jobs: int = 1, progress: bool = True,
                   gaps=None):
    """Compute the ensemble.

    Parameters
    ----------
    settings : EnsembleSettings
        The construction choices.
    n_jobs : int, default=1
        Worker processes for the tight-binding gaps and the construction-choice table.
    progress : bool, default=True
        Show tqdm progress bars.
    gaps : sequence of float, optional
        Tight-binding gaps (eV) to use instead of computing them, one per structure in
        the frame's row order (for example the ``gap_eV`` column of the shipped table).
        Everything else is computed; this lets a check reproduce every other byte of the
        data files in seconds, with the gaps themselves checked on a sample.

    Returns
    -------
    frame : pandas.DataFrame
        One row per structure, the columns of :data:`siqd_utils.datasets.COLUMNS`.
    structures : list of ase.Atoms
        The passivated structures, in the frame's row order, ``info["id"]`` set.
    calibration : Calibration
        The fitted colour-scale map.
    stats : dict
        Counts and timings for the provenance record.
    """
    from .stokes import emission_energy

    t0 = time.perf_counter()
    centre = CENTRES[settings.centre]
    pool = settings.pool()
    cuts = enumerate_cuts(settings.centre, settings.max_families, pool, settings.min_neighbours, progress=progress)
    kept = []
    for cut in cuts:
        si = (cut.sites - centre) * (A_SI / 4.0)
        d = diameter(si, si_neighbour_counts(cut.sites), settings.diameter)
        if settings.min_diameter <= d <= settings.max_diameter:
            kept.append(cut)
            reach = float(np.linalg.norm(si, axis=1).max())
            if reach > pool - 2.5:
                raise RuntimeError(f"a structure with D = {d:.3f} nm reaches {reach:.1f} A, within a bond of the "
                                   f"{pool} A pool; larger structures of the window may be missing: raise pool_radius")
    rows, structures = [], []
    for i, cut in enumerate(tqdm(kept, desc="facet analysis", unit="SiQD", disable=not progress)):
        atoms = passivate(cut.sites, centre)
        # The row comes from the final atoms alone, exactly as featurize(atoms) computes it.
        row = row_of(atoms, settings.diameter, source=f"cut {i} about the {settings.centre} centre")
        if row["facet_method"] != "exact-cut" or row["shape"].startswith("triply"):
            raise RuntimeError(f"cut {i}: facet analysis gave {row['facet_method']!r}, shape {row['shape']!r}; "
                               "a cut with at most three families must give an exact cut")
        rows.append(row)
        structures.append(atoms)
    n_cuts = len(cuts)
    t_geometry = time.perf_counter() - t0

    # Deterministic order: by size, then composition, shape and facets.
    keys = [(r["n_Si"], r["n_H"], r["shape"], round(r["D"], 9), round(r["f100"], 9), round(r["f110"], 9),
             round(r["f111"], 9)) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: keys[i])
    rows = [rows[i] for i in order]
    structures = [structures[i] for i in order]

    t1 = time.perf_counter()
    if gaps is None:
        jobs = (delayed(_gap_of)(a) for a in tqdm(structures, desc="tight-binding gaps", unit="SiQD",
                                                  disable=not progress))
        gaps = Parallel(n_jobs=n_jobs)(jobs)
    else:
        gaps = np.asarray(gaps, dtype=float)
        if gaps.shape != (len(structures),):
            raise ValueError(f"gaps: expected {len(structures)} finite values, one per structure in row order, "
                             f"got shape {gaps.shape}")
        bad = np.flatnonzero(~np.isfinite(gaps))
        if bad.size:
            raise ValueError(f"gaps: value {gaps[bad[0]]} at row {bad[0]} is not finite "
                             f"({bad.size} of {len(gaps)} such values)")
    t_tb = time.perf_counter() - t1

    frame = pd.DataFrame(rows)
    frame.insert(0, "id", [f"SiQD-{i + 1:03d}" for i in range(len(frame))])
    frame["gap_eV"] = np.round(gaps, _DECIMALS["gap_eV"])
    frame["emission_eV_model"] = np.round(emission_energy(frame["gap_eV"].to_numpy(),
                                                                  equivalent_sphere_diameter(frame["n_Si"].to_numpy())),
                                          _DECIMALS["emission_eV_model"])
    calibration = fit_calibration(frame["emission_eV_model"].to_numpy(), load_paper_results())
    frame["emission_eV"] = np.round(calibration.apply(frame["emission_eV_model"]), _DECIMALS["emission_eV"])
    frame["wavelength_nm"] = HC_EV_NM / frame["emission_eV"]
    for col, dec in _DECIMALS.items():
        frame[col] = frame[col].round(dec)
    frame = frame[list(COLUMN_NAMES)]
    for atoms, ident, shape, wl in zip(structures, frame["id"], frame["shape"], frame["wavelength_nm"]):
        # Provenance only: featurize never reads info (the tests strip it first).
        atoms.info.update({"id": ident, "shape": shape, "wavelength_nm": float(wl)})
    t2 = time.perf_counter()
    paper = load_paper_results()
    # Geometry-only counts for every construction choice (cached; see .choices).
    choices = evaluate_choices(paper, progress=progress, n_jobs=n_jobs)
    law = size_law(frame, n_splits=SIZE_LAW_FOLDS) if len(frame) >= 4 * SIZE_LAW_FOLDS else None
    stats = {"n_cuts": n_cuts, "n_structures": len(frame), "seconds_geometry": t_geometry, "seconds_tight_binding": t_tb,
             "seconds_choices_and_size_law": time.perf_counter() - t2, "choices": choices, "size_law": law}
    return frame, structures, calibration, stats


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for col, dec in _DECIMALS.items():
        out[col] = out[col].map(lambda v, d=dec: f"{v:.{d}f}")
    return out.to_csv(index=False, lineterminator="\n").encode()


def _columns_bytes() -> bytes:
    table = pd.DataFrame([{"column": c.name, "unit": c.unit, "description": c.description} for c in COLUMNS])
    return table.to_csv(index=False, lineterminator="\n").encode()


def _extxyz_gz_bytes(structures: list[Atoms]) -> bytes:
    text = io.StringIO()
    ase_write(text, structures, format="extxyz")
    buf = io.BytesIO()
    # mtime=0 and no file name keep the gzip header identical across runs.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode())
    return buf.getvalue()


def write_ensemble(out_dir: Path | str, frame: pd.DataFrame, structures: list[Atoms], calibration: Calibration,
                   settings: EnsembleSettings, stats: dict) -> dict[str, str]:
    """Write the data files and SHA256SUMS into ``out_dir``; return the checksums."""
    from .provenance import provenance_markdown

    out = Path(out_dir)
    validate_ensemble(frame, source="<generated ensemble>")
    payloads = {
        "siqd_ensemble.csv": _csv_bytes(frame),
        "siqd_ensemble.columns.csv": _columns_bytes(),
        "siqd_structures.extxyz.gz": _extxyz_gz_bytes(structures),
        "PROVENANCE.md": provenance_markdown(frame, calibration, settings, stats).encode(),
    }
    for name, data in payloads.items():
        write_bytes_atomic(out / name, data)
    sums = {name: sha256_of(out / name) for name in DATA_FILES}
    write_bytes_atomic(out / "SHA256SUMS", "".join(f"{sums[n]}  {n}\n" for n in DATA_FILES).encode())
    return sums

"""Build the reconstructed SiQD ensemble and write its data files.

Pipeline: enumerate symmetric cuts (:mod:`.cuts`) -> passivate with H
(:mod:`.lattice`) -> features (:mod:`.features`) -> keep 0.5 nm <= D <= max
diameter -> tight-binding gap (:mod:`.tight_binding`) -> Stokes shift
(:mod:`.stokes`) -> colour-scale calibration (:mod:`.calibration`) -> files.

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
from tqdm.auto import tqdm

from ..atomic import write_bytes_atomic
from ..bands import HC_EV_NM
from ..datasets import COLUMNS, COLUMN_NAMES, sha256_of, validate_ensemble
from ..datasets import load_paper_results
from .calibration import Calibration, fit_calibration
from .cuts import enumerate_cuts
from .features import equivalent_sphere_diameter, featurize
from .lattice import CENTRES, passivate

__all__ = ["EnsembleSettings", "build_ensemble", "write_ensemble", "DATA_FILES"]

#: Files written by :func:`write_ensemble`, in the order SHA256SUMS lists them.
DATA_FILES = ("siqd_ensemble.csv", "siqd_ensemble.columns.csv", "siqd_structures.extxyz.gz", "PROVENANCE.md")

#: Decimal places per float column in the CSV (fixed, so output is byte-stable).
_DECIMALS = {"D": 4, "n_coord": 6, "f100": 9, "f110": 9, "f111": 9, "f113": 9, "HSi_ratio": 6,
             "gap_eV": 5, "emission_eV_model": 5, "emission_eV": 5, "wavelength_nm": 3}


@dataclass(frozen=True)
class EnsembleSettings:
    """Knobs of the reconstruction (defaults: the shipped ensemble)."""

    centre: str = "bond"
    max_families: int = 3
    min_diameter: float = 0.5  # nm
    max_diameter: float = 3.0  # nm
    min_neighbours: int = 2
    pool_radius: float | None = None  # A; None: enough for max_diameter (see pool())

    def pool(self) -> float:
        """Radius (A) of the lattice pool cut from: every structure with D <= max_diameter fits.

        The widest-reaching structure with D <= 3 nm has atoms 17.1 A from the centre
        (about 5.7 A per nm of D); 4 A + 5.5 A per nm leaves a margin at every size.
        """
        return self.pool_radius if self.pool_radius is not None else min(20.0, 4.0 + 5.5 * self.max_diameter)


def _gap_of(atoms: Atoms) -> float:
    from .tight_binding import band_edges

    return float(band_edges(atoms)["gap"])


def build_ensemble(settings: EnsembleSettings = EnsembleSettings(), n_jobs: int = 1, progress: bool = True):
    """Compute the ensemble.

    Returns
    -------
    frame : pandas.DataFrame
        One row per structure, the columns of :data:`siqd_utils.data.COLUMNS`.
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
    cuts = enumerate_cuts(settings.centre, settings.max_families, settings.pool(),
                          settings.min_neighbours, progress=progress)
    rows, structures = [], []
    for cut in cuts:
        info = {f"cut_{k}": v for k, v in cut.distances.items()}
        info["shape"] = cut.shape
        atoms = passivate(cut.sites, centre, info)
        feats = featurize(atoms, facets="cut")
        if not settings.min_diameter <= feats["D"] <= settings.max_diameter:
            continue
        rows.append({"shape": cut.shape, **feats})
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
    jobs = (delayed(_gap_of)(a) for a in tqdm(structures, desc="tight-binding gaps", unit="SiQD", disable=not progress))
    gaps = Parallel(n_jobs=n_jobs)(jobs)
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
    for atoms, ident in zip(structures, frame["id"]):
        atoms.info["id"] = ident
    stats = {"n_cuts": n_cuts, "n_structures": len(frame), "seconds_geometry": t_geometry, "seconds_tight_binding": t_tb}
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

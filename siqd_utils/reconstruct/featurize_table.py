"""Turn structure files into a table the book's loader accepts.

:func:`featurize_files` reads xyz/extxyz (or any format ase reads), checks that each
structure is one H-passivated Si cluster, computes its features
(:func:`.features.analyse`) and returns a table with the columns of
:data:`siqd_utils.datasets.COLUMNS`: ``id``, ``shape``, ``facet_method``, the features
and ``wavelength_nm``.  The loader (:func:`siqd_utils.datasets.load_ensemble`) needs a
wavelength for every row; it comes from each structure's info (an extxyz
``wavelength_nm=...`` key) or from a targets CSV with columns ``id`` and
``wavelength_nm``.  Ids come from the info ``id`` key, else the file stem.

Files with several frames are accepted only when every frame carries a distinct
``id`` in its info (as ``data/siqd_structures.extxyz.gz`` does); otherwise one file
holds one structure.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms
from ase.io import read
from tqdm import tqdm  # a console bar (tqdm.auto warns when imported in a notebook without ipywidgets)

from .features import DEFAULT_DIAMETER, StructureError, row_of

__all__ = ["featurize_files", "read_structures", "read_targets"]


def read_structures(path: str | Path, require_single: bool = False) -> list[tuple[str, Atoms]]:
    """Read every structure in a file as ``(id, atoms)`` pairs.

    Parameters
    ----------
    path : path-like
        A file ase can read (format from the extension; ``.gz`` allowed).
    require_single : bool, default=False
        Raise if the file holds more than one structure.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    StructureError
        If it is empty or unreadable, or holds several structures without distinct
        ``id`` keys in their info (or any several, with ``require_single``).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"structure file not found: {path}")
    if path.stat().st_size == 0:
        raise StructureError(f"{path}: the file is empty")
    try:
        frames = read(path, index=":")
    except Exception as exc:  # ase raises many types; all mean "not a readable structure"
        raise StructureError(f"{path}: cannot be read as a structure file ({type(exc).__name__}: {exc})") from exc
    if isinstance(frames, Atoms):
        frames = [frames]
    if len(frames) == 0:
        raise StructureError(f"{path}: the file holds no structure")
    if len(frames) == 1:
        ident = frames[0].info.get("id", path.name.split(".")[0])
        return [(str(ident), frames[0])]
    if require_single:
        raise StructureError(f"{path}: the file holds {len(frames)} structures; give one structure per file")
    ids = [a.info.get("id") for a in frames]
    if any(i is None for i in ids) or len(set(map(str, ids))) != len(ids):
        raise StructureError(f"{path}: the file holds {len(frames)} structures but they do not all carry a distinct "
                             "'id' in their info; give one structure per file, or an id per frame")
    return [(str(i), a) for i, a in zip(ids, frames)]


def read_targets(path: str | Path) -> pd.Series:
    """Read a targets CSV (columns ``id`` and ``wavelength_nm``) as a Series indexed by id.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        On a missing column, an empty or duplicate id, or a non-numeric wavelength,
        naming the file, column and line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"targets file not found: {path}")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read as CSV ({exc})") from exc
    missing = [c for c in ("id", "wavelength_nm") if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; a targets file has columns 'id' and 'wavelength_nm'")
    ids = table["id"].str.strip()
    for row, ident in enumerate(ids):
        if not ident:
            raise ValueError(f"{path}: column 'id', line {row + 2}: empty id")
    dup = ids.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise ValueError(f"{path}: column 'id', line {row + 2}: duplicate id {ids.iloc[row]!r}")
    values = pd.to_numeric(table["wavelength_nm"], errors="coerce")
    bad = values.isna() | ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{path}: column 'wavelength_nm', line {row + 2}: not a number: "
                         f"{table['wavelength_nm'].iloc[row]!r}")
    return pd.Series(values.to_numpy(dtype=float), index=ids.to_numpy(), name="wavelength_nm")


def featurize_files(paths, targets: str | Path | None = None, diameter: str = DEFAULT_DIAMETER,
                    require_targets: bool = True, progress: bool = True) -> pd.DataFrame:
    """Featurize structure files into one table.

    Parameters
    ----------
    paths : iterable of path-like
        Structure files (see :func:`read_structures`).
    targets : path-like, optional
        CSV with ``id`` and ``wavelength_nm``; wins over an info ``wavelength_nm``.
    diameter : str, default=DEFAULT_DIAMETER
        Definition of ``D`` (:data:`.features.DIAMETERS`).
    require_targets : bool, default=True
        Raise if any structure has no wavelength (the book's loader needs one);
        False leaves ``wavelength_nm`` empty (NaN) for those rows.
    progress : bool, default=True
        Show a tqdm progress bar over the files.

    Returns
    -------
    pandas.DataFrame
        ``id, shape, facet_method, n_Si, ..., HSi_ratio, wavelength_nm``, in input order.

    Raises
    ------
    StructureError
        For the first file that is empty, unreadable or not an H-passivated Si
        cluster (the message names the file), or two structures with one id.
    ValueError
        If wavelengths are missing (listing the ids) and ``require_targets``.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("no structure files given")
    wavelengths = read_targets(targets) if targets is not None else None
    rows, where = [], {}
    for path in tqdm(paths, desc="featurizing", unit="file", disable=not progress):
        for ident, atoms in read_structures(path):
            source = f"{path} (id {ident})" if "id" in atoms.info else str(path)
            if ident in where:
                raise StructureError(f"{source}: id {ident!r} also belongs to a structure in {where[ident]}")
            where[ident] = path
            row = {"id": ident, **row_of(atoms, diameter, source=source)}
            wl = atoms.info.get("wavelength_nm")
            row["wavelength_nm"] = float(wl) if wl is not None else np.nan
            rows.append(row)
    table = pd.DataFrame(rows)
    if wavelengths is not None:
        known = table["id"].isin(wavelengths.index)
        table.loc[known, "wavelength_nm"] = wavelengths.reindex(table.loc[known, "id"]).to_numpy()
        unused = sorted(set(wavelengths.index) - set(table["id"]))
        if unused:
            warnings.warn(f"{targets}: {len(unused)} target id(s) match no structure: {unused[:10]}"
                          + (" ..." if len(unused) > 10 else ""), stacklevel=2)
    missing = table.loc[table["wavelength_nm"].isna(), "id"].tolist()
    if missing and require_targets:
        hint = f"not in {targets}" if targets is not None else "no targets file given"
        raise ValueError(f"no wavelength_nm for {len(missing)} of {len(table)} structure(s) ({hint}): "
                         f"{missing[:10]}{' ...' if len(missing) > 10 else ''}. The book's loader needs one per row: "
                         "pass --targets CSV (columns id, wavelength_nm) or put wavelength_nm in each structure's "
                         "info, or use --features-only for a table of features alone")
    return table

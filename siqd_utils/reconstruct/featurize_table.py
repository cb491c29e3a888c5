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

from .features import DEFAULT_DIAMETER, FEATURE_NAMES, StructureError, row_of

__all__ = ["FeaturizeError", "errors_file", "featurize_files", "read_structures", "read_targets"]


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


class FeaturizeError(StructureError):
    """Some structures could not be featurized; the message lists each one with its reason.

    Attributes
    ----------
    errors : pandas.DataFrame
        One row per structure that failed: ``file`` (the input file) and ``reason``.
    """

    def __init__(self, message: str, errors: pd.DataFrame):
        super().__init__(message)
        self.errors = errors


def errors_file(output: str | Path) -> Path:
    """Where the command line lists the files it skipped: ``my_dots.csv`` -> ``my_dots.errors.csv``."""
    output = Path(output)
    return output.with_name(f"{output.stem}.errors.csv")


def _reason(message: str, path: Path) -> str:
    """An error message without the file name it starts with (the file has a column of its own)."""
    return message[len(str(path)):].lstrip(": ") if message.startswith(str(path)) else message


def featurize_files(paths, targets: str | Path | None = None, diameter: str = DEFAULT_DIAMETER,
                    require_targets: bool = True, progress: bool = True, ignore_errors: bool = False,
                    return_errors: bool = False):
    """Featurize structure files into one table.

    Every file is read and every structure checked, whatever fails; the problems are
    reported together.  ``ignore_errors`` and ``return_errors`` work as in matminer's
    ``featurize_dataframe``: skip the structures that fail, and hand back why.

    Parameters
    ----------
    paths : iterable of path-like
        Structure files (see :func:`read_structures`).
    targets : path-like, optional
        CSV with ``id`` and ``wavelength_nm``; wins over an info ``wavelength_nm``.
    diameter : str, default=DEFAULT_DIAMETER
        Definition of ``D`` (:data:`.features.DIAMETERS`).
    require_targets : bool, default=True
        Every row must be one the book's loader accepts: a wavelength for each structure,
        and every value within the loader's rules (:func:`siqd_utils.datasets.validate_ensemble`,
        applied to each structure's row, naming its file).  False leaves ``wavelength_nm``
        empty (NaN) where none is given and checks only the structures.
    progress : bool, default=True
        Show a tqdm progress bar over the files.
    ignore_errors : bool, default=False
        Leave out the structures that fail instead of raising.
    return_errors : bool, default=False
        Also return the failures (needs ``ignore_errors``).

    Returns
    -------
    table : pandas.DataFrame
        ``id, shape, facet_method, n_Si, ..., HSi_ratio, wavelength_nm``, in input order.
    errors : pandas.DataFrame
        With ``return_errors``: ``file`` and ``reason``, one row per structure left out.

    Raises
    ------
    FeaturizeError
        Unless ``ignore_errors``, if any structure fails: a file that is missing, empty,
        unreadable or not an H-passivated Si cluster, an id two structures share, a
        missing wavelength or a value the loader refuses.  The message lists every one,
        each naming its input file (a :class:`StructureError`, hence a ``ValueError``).
    ValueError
        If no file is given, the targets file is unreadable, or ``return_errors`` is given
        without ``ignore_errors``.
    """
    from ..datasets import DataValidationError, validate_ensemble

    if return_errors and not ignore_errors:
        raise ValueError("return_errors=True needs ignore_errors=True (as in matminer)")
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("no structure files given")
    wavelengths = read_targets(targets) if targets is not None else None
    rows, where, failed = [], {}, []
    n_missing = n_structures = 0
    no_wavelength = f"not in {targets}" if targets is not None else "no targets file given, none in its info"
    for path in tqdm(paths, desc="featurizing", unit="file", disable=not progress):
        try:
            entries = read_structures(path)
        except FileNotFoundError:
            failed.append((str(path), "file not found"))
            continue
        except StructureError as exc:
            failed.append((str(path), _reason(str(exc), path)))
            continue
        for ident, atoms in entries:
            n_structures += 1
            source = f"{path} (id {ident})" if "id" in atoms.info else str(path)
            try:
                if ident in where:
                    raise StructureError(f"{source}: id {ident!r} also belongs to a structure in {where[ident]}")
                where[ident] = path
                row = {"id": ident, **row_of(atoms, diameter, source=source)}
                wl = wavelengths.get(ident) if wavelengths is not None else None
                wl = atoms.info.get("wavelength_nm") if wl is None else wl
                try:
                    row["wavelength_nm"] = float(wl) if wl is not None else np.nan
                except (TypeError, ValueError):
                    raise StructureError(f"{source}: wavelength_nm {wl!r} in its info is not a number") from None
                if require_targets:
                    if np.isnan(row["wavelength_nm"]):
                        n_missing += 1
                        raise StructureError(f"{source}: no wavelength_nm ({no_wavelength})")
                    validate_ensemble(pd.DataFrame([row]), source=source, row_names=[source])
            except (StructureError, DataValidationError) as exc:
                failed.append((str(path), _reason(str(exc), path)))
                continue
            rows.append(row)
    errors = pd.DataFrame(failed, columns=["file", "reason"])
    if failed and not ignore_errors:
        n_files = errors["file"].nunique()
        lines = [f"{n_files} of {len(paths)} structure file(s) could not be featurized:"]
        lines += [f"  {file}: {reason}" for file, reason in failed]
        if n_missing:
            lines.append(f"no wavelength_nm for {n_missing} of {n_structures} structure(s). The book's loader needs one per "
                         "row: pass --targets CSV (columns id, wavelength_nm) or put wavelength_nm in each structure's "
                         "info, or use --features-only for a table of features alone")
        raise FeaturizeError("\n".join(lines), errors)
    if wavelengths is not None:  # said only with a table: beside a failure it is noise
        unused = sorted(set(wavelengths.index) - set(where))
        if unused:
            warnings.warn(f"{targets}: {len(unused)} target id(s) match no structure: {unused[:10]}"
                          + (" ..." if len(unused) > 10 else ""), stacklevel=2)
    table = pd.DataFrame(rows, columns=["id", "shape", "facet_method", *FEATURE_NAMES, "wavelength_nm"])
    return (table, errors) if return_errors else table

"""The book's data: the ensemble table, its schema and checksums, and the study's numbers.

The ensemble
    The book ships one table, ``data/siqd_ensemble.csv``: one row per hydrogen-passivated
    silicon quantum dot with its structural features and emission.  :func:`load_ensemble`
    reads it (or a user's table with the same columns), checks the shipped file against
    ``data/SHA256SUMS`` and validates every column against :data:`COLUMNS`.  Nothing is
    coerced or dropped: the first problem found raises :class:`DataValidationError`
    naming the file, the column and the row.
The study's numbers
    :func:`load_paper_results` reads ``siqd_utils/paper_results.yml``, where every
    number Parker & Barnard (2021) report is typed once; :data:`STUDY` holds the data
    set's headline facts from it.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .bands import BANDS

__all__ = [
    "COLUMNS",
    "DATA_DIR",
    "DataValidationError",
    "ENSEMBLE_CSV",
    "FACET_COLUMNS",
    "FEATURE_COLUMNS",
    "STUDY",
    "check_ensemble_header",
    "facet_families",
    "load_ensemble",
    "load_paper_results",
    "sha256_of",
    "validate_ensemble",
]

#: Folder holding the shipped ensemble (the repository's ``data/``).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: The shipped ensemble table.
ENSEMBLE_CSV = DATA_DIR / "siqd_ensemble.csv"
#: Checksums of the shipped files, in ``sha256sum`` format.
SHA256SUMS = DATA_DIR / "SHA256SUMS"


@dataclass(frozen=True)
class Column:
    """One column of the ensemble table."""

    name: str
    unit: str
    description: str
    kind: str = "float"  # "float", "int" or "str"
    required: bool = True


#: The columns of ``siqd_ensemble.csv``, in file order.
COLUMNS: tuple[Column, ...] = (
    Column("id", "", "structure identifier, unique", kind="str"),
    Column("shape", "", "shape name in the CSIRO data set's scheme", kind="str"),
    Column("facet_method", "", "how the facet fractions were found: exact-cut, tight-planes or supporting-planes "
           "(siqd_utils.reconstruct.facets)", kind="str", required=False),
    Column("n_Si", "atoms", "number of silicon atoms", kind="int"),
    Column("n_H", "atoms", "number of hydrogen atoms", kind="int"),
    Column("D", "nm", "average diameter (shipped table: twice the mean distance of the surface Si from the Si centroid)"),
    Column("n_coord", "", "average number of Si neighbours per Si atom"),
    Column("f100", "", "fraction of the surface area on {100} facets"),
    Column("f110", "", "fraction of the surface area on {110} facets"),
    Column("f111", "", "fraction of the surface area on {111} facets"),
    Column("f113", "", "fraction of the surface area on {113} facets"),
    Column("HSi_ratio", "", "number of H atoms per Si atom"),
    Column("gap_eV", "eV", "HOMO-LUMO gap, sp3d5s* tight binding", required=False),
    Column("emission_eV_model", "eV", "gap minus the modelled Stokes shift", required=False),
    Column("emission_eV", "eV", "emission energy on the calibrated scale", required=False),
    Column("wavelength_nm", "nm", "peak emission wavelength"),
)

COLUMN_NAMES = tuple(c.name for c in COLUMNS)
FACET_COLUMNS = ("f100", "f110", "f111", "f113")
#: Structural features, in the order the study lists them.
FEATURE_COLUMNS = ("n_Si", "n_H", "D", "n_coord", "f100", "f110", "f111", "f113", "HSi_ratio")

_POSITIVE = ("n_Si", "D")
_NON_NEGATIVE = ("n_H", "n_coord", "HSi_ratio", "gap_eV", "emission_eV_model", "emission_eV")
_WAVELENGTH_RANGE = (150.0, 2000.0)
_FRACTION_SUM_TOL = 1e-6


class DataValidationError(ValueError):
    """A table does not follow the ensemble schema.

    The message names the file, the column and the first offending row (as the line
    number in the CSV file, header = line 1, and the row's ``id`` where known).
    """


def sha256_of(path: Path | str) -> str:
    """Return the hex SHA-256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _expected_checksum(path: Path) -> str | None:
    if not SHA256SUMS.exists():
        return None
    for line in SHA256SUMS.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == path.name:
            return parts[0]
    return None


def _where(path: str, column: str, row: int, ids: pd.Series | None, names=None) -> str:
    if names is not None:  # rows named by the caller (e.g. the structure file each came from)
        return f"{names[row]}: column {column!r}"
    ident = ""
    if ids is not None and 0 <= row < len(ids):
        ident = f" (id {ids.iloc[row]!r})"
    # +2: one for the header line, one because CSV lines count from 1.
    return f"{path}: column {column!r}, row {row + 2}{ident}"


def _check_columns(present: list[str], source: str) -> None:
    """The table's columns: every required one, and no other."""
    missing = [c.name for c in COLUMNS if c.required and c.name not in present]
    if missing:
        raise DataValidationError(f"{source}: missing column(s) {missing}; expected {list(COLUMN_NAMES)}")
    extra = [c for c in present if c not in COLUMN_NAMES]
    if extra:
        raise DataValidationError(f"{source}: unexpected column(s) {extra}; allowed {list(COLUMN_NAMES)}")


def _read_csv(csv: Path, **kwargs) -> pd.DataFrame:
    """Read a table as the loader does: every value as text, nothing taken for missing."""
    try:
        return pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[], comment=None, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"{csv}: cannot be read as CSV ({exc})") from exc


def check_ensemble_header(path: Path | str) -> None:
    """Check, from its first line alone, that a file is a CSV with the ensemble's columns.

    The quick check of a data file before anything runs on it (the book's runner calls it
    for ``data_path``); :func:`load_ensemble` checks every value.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DataValidationError
        If it cannot be read as CSV, lacks a required column or has an unknown one
        (the message names the file and the columns, as :func:`validate_ensemble` does).
    """
    csv = Path(path)
    if not csv.is_file():
        raise FileNotFoundError(f"ensemble file not found: {csv}")
    _check_columns(list(_read_csv(csv, nrows=0).columns), str(csv))


def validate_ensemble(frame: pd.DataFrame, source: str = "<DataFrame>", row_names=None) -> pd.DataFrame:
    """Validate a raw (all-string or already typed) ensemble table and return it typed.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read from disk.
    source : str, default="<DataFrame>"
        Name used in error messages (normally the file path).
    row_names : sequence of str, optional
        What each row is called in error messages, in place of ``source`` and its line
        number (for rows that come from elsewhere, such as one structure file each).

    Returns
    -------
    pandas.DataFrame
        A new frame with numeric columns converted to ``int64``/``float64``.

    Raises
    ------
    DataValidationError
        On missing or unknown columns, empty or duplicate ids, non-numeric values,
        NaN, non-positive sizes, fractions outside [0, 1] or not summing to 1, or
        wavelengths outside 150-2000 nm.
    """
    present = list(frame.columns)
    _check_columns(present, source)
    if len(frame) == 0:
        raise DataValidationError(f"{source}: the table has no rows")

    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    raw = frame.reset_index(drop=True)
    ids = raw["id"].astype("string")
    for col in COLUMNS:
        if col.name not in present:
            continue
        values = raw[col.name]
        if col.kind == "str":
            text = values.astype("string")
            bad = text.isna() | (text.str.strip() == "")
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataValidationError(f"{_where(source, col.name, row, None, row_names)}: empty value")
            out[col.name] = text.astype(str).to_numpy()
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = values.iloc[row]
            what = "missing value (NaN)" if pd.isna(value) or str(value).strip().lower() in ("", "nan") else f"non-numeric value {value!r}"
            raise DataValidationError(f"{_where(source, col.name, row, ids, row_names)}: {what}")
        numeric = numeric.to_numpy(dtype=float)
        if not np.all(np.isfinite(numeric)):
            row = int(np.flatnonzero(~np.isfinite(numeric))[0])
            raise DataValidationError(f"{_where(source, col.name, row, ids, row_names)}: non-finite value {float(numeric[row])!r}")
        if col.kind == "int":
            frac = numeric != np.round(numeric)
            if frac.any():
                row = int(np.flatnonzero(frac)[0])
                raise DataValidationError(f"{_where(source, col.name, row, ids, row_names)}: {float(numeric[row])!r} is not a whole number of atoms")
            out[col.name] = numeric.astype(np.int64)
        else:
            out[col.name] = numeric

    dup = ids.duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise DataValidationError(f"{_where(source, 'id', row, None, row_names)}: duplicate id {ids.iloc[row]!r}")

    for name in _POSITIVE:
        bad = out[name].to_numpy() <= 0
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataValidationError(f"{_where(source, name, row, ids, row_names)}: size must be positive, got {float(out[name].iloc[row])!r}")
    for name in _NON_NEGATIVE:
        if name in out:
            bad = out[name].to_numpy() < 0
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise DataValidationError(f"{_where(source, name, row, ids, row_names)}: must not be negative, got {float(out[name].iloc[row])!r}")
    for name in FACET_COLUMNS:
        v = out[name].to_numpy()
        bad = (v < 0) | (v > 1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataValidationError(f"{_where(source, name, row, ids, row_names)}: fraction {float(v[row])!r} outside [0, 1]")
    total = out[list(FACET_COLUMNS)].sum(axis=1).to_numpy()
    bad = np.abs(total - 1.0) > _FRACTION_SUM_TOL
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"{_where(source, '+'.join(FACET_COLUMNS), row, ids, row_names)}: facet fractions sum to {float(total[row])!r}, not 1 (tolerance {_FRACTION_SUM_TOL})"
        )
    lo, hi = _WAVELENGTH_RANGE
    wl = out["wavelength_nm"].to_numpy()
    bad = (wl < lo) | (wl > hi)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataValidationError(f"{_where(source, 'wavelength_nm', row, ids, row_names)}: wavelength {float(wl[row])!r} nm outside {lo:g}-{hi:g} nm")
    return out[[c for c in COLUMN_NAMES if c in out]]


def load_ensemble(path: Path | str | None = None, *, verify_checksum: bool = True) -> pd.DataFrame:
    """Load the SiQD ensemble table.

    Parameters
    ----------
    path : path-like, optional
        A CSV with the ensemble's columns. Default: the shipped ``data/siqd_ensemble.csv``.
    verify_checksum : bool, default=True
        For the shipped file, compare its SHA-256 with ``data/SHA256SUMS`` first.

    Returns
    -------
    pandas.DataFrame
        One row per structure, columns as in :data:`COLUMNS` (the optional
        computed-physics columns may be absent from a user's file).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DataValidationError
        If the checksum does not match or any value breaks the schema.
    """
    shipped = path is None
    csv = ENSEMBLE_CSV if shipped else Path(path)
    if not csv.is_file():
        raise FileNotFoundError(f"ensemble file not found: {csv}")
    if shipped and verify_checksum:
        expected = _expected_checksum(csv)
        if expected is None:
            raise DataValidationError(f"{SHA256SUMS}: no checksum listed for {csv.name}")
        actual = sha256_of(csv)
        if actual != expected:
            raise DataValidationError(
                f"{csv}: SHA-256 {actual} does not match {expected} in {SHA256SUMS}; "
                "the shipped data were changed (regenerate with `make data`)"
            )
    return validate_ensemble(_read_csv(csv), source=str(csv))


def facet_families(frame: pd.DataFrame, tol: float = 1e-9) -> pd.Series:
    """Number of facet families ({100}, {110}, {111}, {113}) present on each dot."""
    return (frame[list(FACET_COLUMNS)] > tol).sum(axis=1).rename("facet_families")


# ------------------------------------------------------------------ the study's numbers


@lru_cache(maxsize=1)
def _paper_results() -> dict:
    text = resources.files("siqd_utils").joinpath("paper_results.yml").read_text()
    return yaml.safe_load(text)


def load_paper_results() -> dict:
    """The numbers Parker & Barnard (2021) report, as a nested dict (a fresh copy each call)."""
    return copy.deepcopy(_paper_results())


def _study_facts() -> dict[str, float]:
    ds = load_paper_results()["dataset"]
    return {
        "n_structures": ds["n_structures"],
        "D_min_nm": ds["diameter_nm"][0],
        "D_max_nm": ds["diameter_nm"][1],
        "max_facet_families": ds["max_facet_families"],
        "wavelength_cut_nm": BANDS[0].lo,
        "n_after_cut": ds["n_after_outlier_removal"],
    }


#: The CSIRO data set's headline facts, from ``paper_results.yml`` (typed once there).
STUDY: dict[str, float] = _study_facts()

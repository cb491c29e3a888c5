"""The dots' atoms: where a table's structures are, reading them by id, and which dot stands for a group.

:func:`structures_file`
    The structure file that goes with a table: the shipped ``data/siqd_structures.extxyz.gz``
    for the shipped table, the file a user names for theirs, or none.
:func:`read_by_id`
    The structures of some ids from such a file (an extended-xyz file with an ``id`` in
    each frame's info, as the shipped one; any file :mod:`ase.io` reads works too).
:func:`family_representatives`
    The rule that picks one dot per shape family (the four pure solids, the truncated and
    the doubly truncated dots): the member of median diameter.
:func:`class_representatives`
    The rule that picks one dot per class: the class's medoid in feature space.

The drawings themselves are :mod:`siqd_utils.plotting.dots`.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from ase import Atoms

from .datasets import DATA_DIR, FACET_COLUMNS, DataValidationError, _expected_checksum, facet_families, sha256_of

__all__ = ["SHAPE_FAMILIES", "STRUCTURES_FILE", "class_representatives", "describe_gallery", "describe_portraits",
           "family_representatives", "read_by_id", "shape_family", "structures_file"]

#: The shipped structures, one extended-xyz frame per row of the shipped table (same ids).
STRUCTURES_FILE = DATA_DIR / "siqd_structures.extxyz.gz"

#: The shape families of the gallery, in its order: key -> heading.  A dot's family follows
#: from its facet fractions (:func:`shape_family`).
SHAPE_FAMILIES: dict[str, str] = {
    "cube": "cube {100}",
    "rhombic dodecahedron": "rhombic dodecahedron {110}",
    "octahedron": "octahedron {111}",
    "deltoidal icositetrahedron": "deltoidal icositetrahedron {113}",
    "truncated": "truncated (two facet families)",
    "doubly truncated": "doubly truncated (three facet families)",
}
_PURE = {"f100": "cube", "f110": "rhombic dodecahedron", "f111": "octahedron", "f113": "deltoidal icositetrahedron"}
_TOL = 1e-9  # a facet fraction at or below this is an absent family (as in siqd_utils.datasets.facet_families)


def structures_file(data_path=None, structures_path=None) -> Path | None:
    """The structure file of a table.

    Parameters
    ----------
    data_path : path-like, optional
        The table; None is the shipped one.
    structures_path : path-like, optional
        The structures of that table, if the user has them.

    Returns
    -------
    Path or None
        ``structures_path`` when given, else the shipped structures for the shipped table,
        else None: a user's table carries no atoms, so nothing can be drawn from it.

    Raises
    ------
    FileNotFoundError
        If ``structures_path`` names no file.
    """
    if structures_path is not None:
        path = Path(structures_path)
        if not path.is_file():
            raise FileNotFoundError(f"structure file not found: {path}")
        return path
    return STRUCTURES_FILE if data_path is None else None


def _check_shipped(path: Path) -> None:
    if path.resolve() != STRUCTURES_FILE.resolve():
        return
    expected = _expected_checksum(path)
    if expected is not None and sha256_of(path) != expected:
        raise DataValidationError(f"{path}: SHA-256 does not match data/SHA256SUMS; the shipped structures were "
                                  "changed (regenerate with `make data`)")


def _xyz_frames_by_id(path: Path, wanted: set[str]) -> tuple[dict[str, Atoms], int] | None:
    """The wanted frames of a multi-frame (extended) xyz file, parsing only those, and the number of frames.

    ase parses every frame of a file it reads (about 4 s for the shipped 283, even for one
    frame); this walks the frames by their atom-count lines, reads each frame's ``id`` from its
    comment line, and hands ase only the wanted frames.  Returns None when the file is not laid
    out so, or repeats an id (the caller then reads it whole with ase, which names the problem).
    """
    from ase.io import read
    from ase.io.extxyz import key_val_str_to_dict

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError, EOFError):
        return None
    found: dict[str, Atoms] = {}
    seen: set[str] = set()
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        try:
            n = int(lines[i].strip())
            info = key_val_str_to_dict(lines[i + 1])
        except (ValueError, IndexError, KeyError, SyntaxError):
            return None
        if "id" not in info or n < 0 or i + 2 + n > len(lines) or str(info["id"]) in seen:
            return None
        ident = str(info["id"])
        seen.add(ident)
        if ident in wanted:
            found[ident] = read(io.StringIO("\n".join(lines[i:i + 2 + n]) + "\n"), format="extxyz")
        i += 2 + n
    return (found, len(seen)) if len(seen) > 1 else None  # one frame: its id may come from the file name


def read_by_id(path, ids: Iterable[str]) -> dict[str, Atoms]:
    """The structures of the given ids from one structure file.

    Parameters
    ----------
    path : path-like
        An extended-xyz file (``.gz`` allowed) with a distinct ``id`` in each frame's info,
        or any file :func:`siqd_utils.reconstruct.featurize_table.read_structures` reads.
    ids : iterable of str
        The ids wanted.

    Returns
    -------
    dict
        id -> ase.Atoms, for every id asked for.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    KeyError
        If some id has no structure in the file (the message names the ids and the file).
    siqd_utils.reconstruct.StructureError
        If the file cannot be read as structures.
    siqd_utils.datasets.DataValidationError
        If the shipped structures file does not match its checksum.
    """
    from .reconstruct.featurize_table import read_structures

    path = Path(path)
    wanted = [str(i) for i in ids]
    if not path.is_file():
        raise FileNotFoundError(f"structure file not found: {path}")
    _check_shipped(path)
    fast = _xyz_frames_by_id(path, set(wanted)) if {".xyz", ".extxyz"} & set(path.suffixes) else None
    if fast is None:
        everything = dict(read_structures(path))
        fast = everything, len(everything)
    found, n_frames = fast
    missing = [i for i in wanted if i not in found]
    if missing:
        raise KeyError(f"{path}: no structure with id {', '.join(map(repr, missing[:10]))}"
                       f"{' ...' if len(missing) > 10 else ''} (the file holds {n_frames} structure(s))")
    return {i: found[i] for i in wanted}


def shape_family(frame: pd.DataFrame) -> pd.Series:
    """The gallery's shape family of each dot (a key of :data:`SHAPE_FAMILIES`), from its facet fractions.

    One family present: the pure solid of that family; two: "truncated"; three: "doubly
    truncated"; four: "triply truncated" (not a gallery family).
    """
    n = facet_families(frame, tol=_TOL)
    pure = frame[list(FACET_COLUMNS)].to_numpy(dtype=float).argmax(axis=1)
    names = {2: "truncated", 3: "doubly truncated", 4: "triply truncated"}
    out = [_PURE[FACET_COLUMNS[p]] if k == 1 else names[k] for k, p in zip(n.tolist(), pure.tolist())]
    return pd.Series(out, index=frame.index, name="shape family")


def _summary(frame: pd.DataFrame, row: int) -> dict:
    r = frame.iloc[row]
    return {"id": str(r["id"]), "shape": r["shape"], "D": float(r["D"]), "n_Si": int(r["n_Si"]),
            **{c: float(r[c]) for c in FACET_COLUMNS}}


def family_representatives(frame: pd.DataFrame) -> pd.DataFrame:
    """One dot per shape family of :data:`SHAPE_FAMILIES`: the member of median diameter.

    The members of a family are sorted by ``D`` (then by id); the representative is the
    middle one, the lower of the two middle ones for an even count.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ensemble table (``id``, ``shape``, ``D``, ``n_Si`` and the facet fractions).

    Returns
    -------
    pandas.DataFrame
        One row per family, in :data:`SHAPE_FAMILIES` order: ``family``, ``title``,
        ``members``, and the representative's ``id``, ``shape``, ``D``, ``n_Si``, ``f100`` ...
        ``f113``; a family without members keeps its row with ``members`` 0 and no id.
    """
    family = shape_family(frame)
    rows = []
    for key, title in SHAPE_FAMILIES.items():
        members = frame.loc[family == key].assign(_id=lambda t: t["id"].astype(str))
        row = {"family": key, "title": title, "members": len(members)}
        if len(members):
            members = members.sort_values(["D", "_id"], kind="stable")
            row.update(_summary(members, (len(members) - 1) // 2))
        rows.append(row)
    columns = ["family", "title", "members", "id", "shape", "D", "n_Si", *FACET_COLUMNS]
    return pd.DataFrame(rows).reindex(columns=columns)


def class_representatives(X, labels, frame: pd.DataFrame) -> pd.DataFrame:
    """One dot per class: the class's medoid in feature space.

    The medoid is the member whose summed Euclidean distance to the other members of its
    class is smallest (ties go to the earlier row): a dot of the data, central to its class.

    Parameters
    ----------
    X : array of shape (n, p)
        The features the classes were formed on (e.g. the scaled retained features).
    labels : array of shape (n,)
        The class of each row.
    frame : pandas.DataFrame
        The table rows of the same dots, in the same order (``id``, ``shape``, ``D``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per class (sorted): ``class``, ``title``, ``size``, ``mean_distance`` (of the medoid to
        its class, in the units of ``X``) and the medoid's ``id``, ``shape``, ``D``,
        ``n_Si``, ``f100`` ... ``f113``.

    Raises
    ------
    ValueError
        If ``X``, ``labels`` and ``frame`` differ in length.
    """
    from scipy.spatial.distance import cdist

    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    if not len(X) == len(labels) == len(frame):
        raise ValueError(f"X, labels and frame must have one row per dot; got {len(X)}, {len(labels)} and "
                         f"{len(frame)} rows")
    rows = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        total = cdist(X[idx], X[idx]).sum(axis=1)
        best = int(np.argmin(total))  # first minimum: the earlier row
        c = c.item() if hasattr(c, "item") else c
        rows.append({"class": c, "title": f"class {c} ({len(idx)} dots)", "size": len(idx),
                     "mean_distance": float(total[best] / max(len(idx) - 1, 1)), **_summary(frame, int(idx[best]))})
    return pd.DataFrame(rows)


_NO_STRUCTURES = ("**No structures are drawn**: this table came without its atoms. Give the structure file that "
                  "goes with it (extended xyz with an `id` per frame) as the parameter `structures_path` to draw "
                  "{what}, or draw every structure with `python -m siqd_utils.reconstruct featurize ... --draw DIR`; "
                  "the table above lists the dots {what} would show.")


def describe_portraits(structures: Path | None) -> str:
    """Where the class portraits' atoms come from, or why none are drawn (:func:`structures_file`)."""
    if structures is None:
        return _NO_STRUCTURES.format(what="the portraits")
    return f"The atoms are read from `{structures.name}`."


def describe_gallery(representatives: pd.DataFrame, frame: pd.DataFrame, structures: Path | None) -> str:
    """What the gallery shows, in a sentence or two: the families absent and why nothing is drawn.

    Parameters
    ----------
    representatives : pandas.DataFrame
        :func:`family_representatives` of ``frame``.
    frame : pandas.DataFrame
        The ensemble table.
    structures : Path or None
        :func:`structures_file` of the table.
    """
    present = representatives.loc[representatives["members"] > 0, "family"].tolist()
    absent = representatives.loc[representatives["members"] == 0, "family"].tolist()
    parts = []
    if absent:
        drawn = f", so the gallery shows the other {len(present)}" if structures is not None and present else ""
        parts.append(f"This table has no dot of {len(absent)} of the {len(representatives)} shape families "
                     f"({', '.join(absent)}){drawn}.")
    n_four = int((shape_family(frame) == "triply truncated").sum())
    if n_four:
        parts.append(f"{n_four} dot(s) carrying all four facet families are not part of the gallery.")
    if structures is None:
        parts.append(_NO_STRUCTURES.format(what="the gallery"))
    elif not present:
        parts.append("No dot of the table belongs to a gallery family, so nothing is drawn.")
    else:
        parts.append(f"The atoms are read from `{structures.name}`.")
    return " ".join(parts)

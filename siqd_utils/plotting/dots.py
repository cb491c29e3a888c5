"""Single dots: the atoms of one cluster beside its facet polyhedron.

:func:`dot_view` analyses one H-passivated Si cluster with the code that gives the
table's facet fractions (:func:`siqd_utils.reconstruct.features.analyse`) and puts its
atoms and its facet polyhedron (:func:`siqd_utils.reconstruct.polyhedra.polyhedron_faces`
of that analysis' planes) into one frame, the lattice frame of the analysis, centred on
the Si atoms.  :func:`draw_dot` draws it: on the left the atoms (Si and H, nearer atoms
drawn over farther ones and in deeper colours), on the right the polyhedron seen from the
same direction at the same scale, each face in its family's colour
(:data:`siqd_utils.plotting.FACET_COLOURS`), and under both the facet fractions as a bar.
:func:`plot_dots` sets several dots on one figure with one legend (:func:`plot_representatives`:
the dots of a table of representatives, :mod:`siqd_utils.structures`); :func:`write_pictures`
writes one PNG per structure, and :func:`draw_files` does so for structure files
(``python -m siqd_utils.reconstruct featurize ... --draw DIR``).

The view is fixed in the lattice frame (:data:`VIEW`), so every dot is seen from the same
crystal direction, with [001] up.  The projection is orthographic: lengths across the
view are true, and a scale bar gives 1 nm.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from ase import Atoms
from matplotlib.collections import EllipseCollection, PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from ..atomic import write_bytes_atomic
from ..reconstruct.facets import FacetAnalysis
from ..reconstruct.features import analyse
from ..reconstruct.lattice import A_SI, FAMILIES, FAMILY_KEYS
from ..reconstruct.polyhedra import Face, polyhedron_faces
from . import FACET_COLOURS

__all__ = ["ATOM_STYLE", "VIEW", "DotView", "draw_dot", "draw_files", "dot_view", "legend_handles", "picture_name", "plot_dots",
           "plot_representatives", "write_pictures"]

#: Direction (lattice frame) from which every dot is seen, towards the viewer.  Chosen so
#: that no plane of the four families is seen edge-on (the smallest |cos| between it and
#: any of the 50 normals is 0.09) and each pure solid shows several faces of its family.
VIEW = np.array([0.61, 0.49, 0.27])
#: Direction of the light on the polyhedron's faces (lattice frame): from above, left, front.
LIGHT = np.array([0.2, 0.55, 1.0])
#: How each element is drawn: face colour and radius (A).  The radii are about 0.45 of the
#: bond lengths (Si-Si 2.35 A, Si-H 1.48 A), so bonded atoms touch and the lattice shows.
ATOM_STYLE = {"Si": ("#a48a5c", 1.1), "H": ("#ffffff", 0.55)}
_EDGE = "#4a4a4a"
_FACE_NAMES = {k: "{" + k + "}" for k in FACET_COLOURS}


@dataclass(frozen=True)
class DotView:
    """One cluster ready to draw (:func:`dot_view`).

    Attributes
    ----------
    source : str
        Name used in messages (file and id).
    symbols : numpy.ndarray of str
        Element of each atom ("Si" or "H").
    positions : numpy.ndarray, shape (n, 3)
        Atom positions (A) in the lattice frame of the facet analysis, centred on the Si atoms.
    faces : list of Face
        Faces of the facet polyhedron in the same frame, each with its family and area.
    facets : FacetAnalysis
        The facet analysis the table's fractions come from.
    features : dict
        The cluster's features (``D`` in nm, ``n_Si``, ``n_H``, ``f100`` ...).
    """

    source: str
    symbols: np.ndarray
    positions: np.ndarray
    faces: list
    facets: FacetAnalysis
    features: dict

    def family_areas(self) -> dict[str, float]:
        """Area (A^2) of the drawn faces per family, ``{"100": ..., ...}`` (0 for absent ones)."""
        out = {FAMILY_KEYS[f]: 0.0 for f in FAMILIES}
        for face in self.faces:
            out[face.family] += face.area
        return out


def dot_view(atoms: Atoms, source: str = "atoms") -> DotView:
    """Analyse one H-passivated Si cluster and put its atoms and facet polyhedron in one frame.

    Parameters
    ----------
    atoms : ase.Atoms
        Si and H atoms only, positions in A, any orientation.
    source : str, default="atoms"
        Name used in error messages (e.g. the file and the id).

    Returns
    -------
    DotView

    Raises
    ------
    siqd_utils.reconstruct.StructureError
        If ``atoms`` is not one H-passivated Si cluster (the message names ``source``).
    """
    features, facets = analyse(atoms, source=source)
    symbols = np.array(atoms.get_chemical_symbols())
    pos = np.asarray(atoms.positions, dtype=float)
    fit = facets.lattice
    # The facet analysis measures its planes from the Si centroid in the lattice frame
    # (x_in = rotation @ x_lat, scaled by the fitted lattice constant when a lattice fits).
    rotation = fit.rotation if fit.rotation is not None else np.eye(3)
    scale = fit.lattice_constant / A_SI if fit.ok and facets.method != "supporting-planes" else 1.0
    lattice_frame = (pos - pos[symbols == "Si"].mean(axis=0)) @ rotation / scale
    return DotView(source=source, symbols=symbols, positions=lattice_frame,
                   faces=polyhedron_faces(facets.plane_distances), facets=facets, features=features)


def _screen_basis(view: np.ndarray) -> np.ndarray:
    """Rows: screen right, screen up, towards the viewer; [001] of the lattice points up."""
    v = np.asarray(view, dtype=float)
    v = v / np.linalg.norm(v)
    up = np.array([0.0, 0.0, 1.0]) - v[2] * v
    up /= np.linalg.norm(up)
    return np.stack([np.cross(up, v), up, v])


def _shade(colour, factor: float) -> tuple:
    rgb = np.asarray(to_rgb(colour))
    return tuple(np.clip(rgb * factor, 0.0, 1.0))


def _draw_atoms(ax, view: DotView, basis: np.ndarray) -> float:
    """Atoms as discs, far to near; farther atoms paler (fog).  Returns the drawing's half-extent."""
    proj = view.positions @ basis.T
    order = np.argsort(proj[:, 2], kind="stable")  # painter's order: farthest first
    depth = proj[order, 2]
    span = float(np.ptp(depth)) or 1.0
    fog = 0.7 * (depth.max() - depth) / span  # 0 nearest .. 0.7 farthest, blended with white
    edge = np.asarray(to_rgb(_EDGE))
    colours, edges, sizes = [], [], []
    for symbol, f in zip(view.symbols[order], fog):
        face, radius = ATOM_STYLE[symbol]
        rgb = np.asarray(to_rgb(face))
        colours.append(tuple(rgb + (1.0 - rgb) * f))
        edges.append(tuple(edge + (1.0 - edge) * f))  # outlines fade too, so white H recede as well
        sizes.append(2.0 * radius)
    sizes = np.array(sizes)
    ax.add_collection(EllipseCollection(sizes, sizes, np.zeros(len(sizes)), units="xy", offsets=proj[order, :2],
                                        offset_transform=ax.transData, facecolors=colours, edgecolors=edges,
                                        linewidths=0.4))
    return float(np.max(np.abs(proj[:, :2]) + sizes[np.argsort(order)][:, None] / 2.0))


def _draw_polyhedron(ax, faces: Sequence[Face], basis: np.ndarray) -> float:
    """The faces turned to the viewer (the polyhedron is convex), shaded by the light."""
    light = LIGHT / np.linalg.norm(LIGHT)
    polygons, colours, extent = [], [], 0.0
    for face in faces:
        extent = max(extent, float(np.max(np.abs(face.vertices @ basis[:2].T))))
        if face.normal @ basis[2] <= 1e-9:
            continue
        polygons.append(face.vertices @ basis[:2].T)
        colours.append(_shade(FACET_COLOURS[face.family], 0.62 + 0.45 * max(0.0, float(face.normal @ light))))
    ax.add_collection(PolyCollection(polygons, facecolors=colours, edgecolors="#1a1a1a", linewidths=0.6,
                                     joinstyle="round"))
    return extent


def _fraction_bar(ax, fractions: dict, prefix: str = "") -> None:
    """The facet fractions as one stacked bar, labelled with the families present."""
    left, labels = 0.0, []
    for f in FAMILIES:
        key = FAMILY_KEYS[f]
        share = float(fractions[f"f{key}"])
        if share <= 0:
            continue
        ax.barh(0, share, left=left, height=1.0, color=FACET_COLOURS[key], edgecolor="white", linewidth=0.8)
        labels.append(f"{_FACE_NAMES[key]} {share:.2f}")
        left += share
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, 0.5)
    ax.set_axis_off()
    ax.text(0.5, -0.75, prefix + ",  ".join(labels), transform=ax.transData, ha="center", va="top", fontsize=10)


def _scale_bar(ax, half: float) -> None:
    """A 1 nm bar under the atoms, left of its label."""
    x0, y0 = -0.9 * half, -1.08 * half
    ax.plot([x0, x0 + 10.0], [y0, y0], color="black", linewidth=2, solid_capstyle="butt")
    ax.text(x0 + 10.0 + 0.04 * half, y0, "1 nm", ha="left", va="center", fontsize=9)


def legend_handles() -> list:
    """Legend entries: Si, H and the four facet families in their colours."""
    atoms = [plt.Line2D([], [], linestyle="none", marker="o", markersize=ms, markerfacecolor=ATOM_STYLE[s][0],
                        markeredgecolor=_EDGE, label=s) for s, ms in (("Si", 8), ("H", 5))]
    return atoms + [Patch(facecolor=FACET_COLOURS[k], edgecolor="#1a1a1a", label=_FACE_NAMES[k])
                    for k in FACET_COLOURS]


def draw_dot(atoms: Atoms | DotView, title: str | None = None, *, label: str | None = None, source: str = "atoms",
             figure=None, legend: bool = True) -> plt.Figure:
    """Draw one dot: its atoms beside its facet polyhedron, with its facet fractions.

    Parameters
    ----------
    atoms : ase.Atoms or DotView
        The cluster (analysed with :func:`dot_view`), or its view.
    title : str, optional
        First line of the heading (default: the ``source``); the second gives the shape (and
        the facet method when the fractions are an estimate), the third ``D`` and the atom counts.
    label : str, optional
        Put before the shape on the second line (e.g. the dot's id).
    source : str, default="atoms"
        Name used in error messages, for ``atoms`` given as ase.Atoms.
    figure : matplotlib Figure or SubFigure, optional
        Where to draw (e.g. one cell of :func:`plot_dots`); default a new figure.
    legend : bool, default=True
        Add the legend (elements and facet families) under the drawing.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (the parent figure when ``figure`` is a SubFigure).

    Raises
    ------
    siqd_utils.reconstruct.StructureError
        If ``atoms`` is not one H-passivated Si cluster.
    """
    view = atoms if isinstance(atoms, DotView) else dot_view(atoms, source)
    fig = figure if figure is not None else plt.figure(figsize=(6.4, 4.4 if legend else 4.0))
    root = fig.get_figure(root=True)
    height = fig.bbox.height / root.dpi  # inches: the layout below is in inches, for any cell size
    head, bar, foot = 0.78 / height, 0.44 / height, (0.34 if legend else 0.04) / height
    panel = 1.0 - head - bar - foot
    ax_atoms = fig.add_axes([0.02, foot + bar, 0.47, panel])
    ax_poly = fig.add_axes([0.51, foot + bar, 0.47, panel])
    basis = _screen_basis(VIEW)
    half = 1.03 * max(_draw_atoms(ax_atoms, view, basis), _draw_polyhedron(ax_poly, view.faces, basis))
    for ax in (ax_atoms, ax_poly):  # one scale for both panels, lengths true in every direction
        ax.set_xlim(-half, half)
        ax.set_ylim(-1.12 * half, half)  # room for the scale bar under the atoms
        ax.set_aspect("equal")
        ax.set_axis_off()
    _scale_bar(ax_atoms, half)
    f = view.features
    shape = view.facets.shape
    if view.facets.method != "exact-cut":
        shape += f" (facet fractions estimated: {view.facets.method})"
    heading = [(title or view.source, 12, "bold"), (f"{label}: {shape}" if label else shape, 10.5, "normal"),
               (f"D = {f['D']:.2f} nm, {f['n_Si']} Si + {f['n_H']} H atoms", 10.5, "normal")]
    for k, (text, size, weight) in enumerate(heading):
        fig.text(0.5, 1.0, text, ha="center", va="top", fontsize=size, fontweight=weight,
                 transform=offset_copy(fig.transSubfigure, fig=root, y=-3 - 16 * k, units="points"))
    # A picture of its own names its bar; in a grid of dots the figure's caption does.
    _fraction_bar(fig.add_axes([0.2, foot + 0.55 * bar, 0.6, 0.3 * bar]), view.features,
                  "facet area fractions: " if figure is None else "")
    if legend:
        fig.legend(handles=legend_handles(), loc="lower center", ncol=6, frameon=False, fontsize=10,
                   bbox_to_anchor=(0.5, 0.0), handlelength=1.2, columnspacing=1.2)
    return root


def plot_dots(dots: Sequence[tuple[str, Atoms | DotView, str]], ncols: int = 2,
              cell_size: tuple[float, float] = (4.4, 3.5)) -> plt.Figure:
    """Several dots on one figure (each as :func:`draw_dot` draws it), with one legend on top.

    Parameters
    ----------
    dots : sequence of (title, atoms, label)
        Each dot's heading, its atoms (ase.Atoms or DotView) and a label put before its shape
        (e.g. its id; also the name errors give ase.Atoms).
    ncols : int, default=2
        Dots per row.
    cell_size : (float, float), default=(4.4, 3.5)
        Width and height (inches) of each dot's cell.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``dots`` is empty.
    """
    dots = list(dots)
    if not dots:
        raise ValueError("no dots to draw")
    ncols = max(1, min(int(ncols), len(dots)))
    nrows = -(-len(dots) // ncols)
    legend_h = 0.45  # inches above the dots for the legend
    fig = plt.figure(figsize=(cell_size[0] * ncols, cell_size[1] * nrows + legend_h))
    # Subfigures take only the grid's ratios, so the legend gets a row of its own.
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[legend_h] + [cell_size[1]] * nrows)
    for k, (title, atoms, label) in enumerate(dots):
        cell = fig.add_subfigure(grid[1 + k // ncols, k % ncols])
        draw_dot(atoms, title, label=label, source=label, figure=cell, legend=False)
    fig.add_subfigure(grid[0, :]).legend(handles=legend_handles(), loc="center", ncol=6, frameon=False,
                                         fontsize=11, handlelength=1.2, columnspacing=1.5)
    return fig


#: Largest difference allowed between a fraction of the table and the same fraction from the
#: atoms (the table keeps 9 significant digits).
_TABLE_TOL = 1e-6


def plot_representatives(table: pd.DataFrame, structures: str | Path, ncols: int = 2) -> plt.Figure:
    """Draw the dots of a table of representatives, each from its atoms, checked against its row.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``title``, ``id``, ``n_Si`` and ``f100`` ... ``f113`` (from
        :func:`siqd_utils.structures.family_representatives` or
        :func:`~siqd_utils.structures.class_representatives`); rows without an id are skipped.
    structures : path-like
        The structure file holding those ids (:func:`siqd_utils.structures.read_by_id`).
    ncols : int, default=2
        Dots per row.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        If an id has no structure in the file.
    ValueError
        If no row has an id, or the atoms of an id do not give its row's ``n_Si`` and facet
        fractions (the structure file does not belong to the table); the message names the
        id, the file, the column and both values.
    """
    from ..structures import read_by_id

    rows = table.loc[table["id"].notna()]
    if rows.empty:
        raise ValueError("no dot to draw: no row of the table has an id")
    atoms = read_by_id(structures, rows["id"])
    dots = []
    for _, row in rows.iterrows():
        ident = str(row["id"])
        source = f"{structures} (id {ident})"
        view = dot_view(atoms[ident], source)
        for col in ["n_Si", *(f"f{FAMILY_KEYS[f]}" for f in FAMILIES)]:
            mine, theirs = float(view.features[col]), float(row[col])
            if not abs(mine - theirs) <= _TABLE_TOL:
                raise ValueError(f"{source}: {col} = {mine:.9g} from the atoms but {theirs:.9g} in the table; "
                                 "the structure file does not belong to this table")
        dots.append((row["title"], view, ident))
    return plot_dots(dots, ncols=ncols)


def picture_name(ident: str, source: str) -> str:
    """The file name of a structure's picture, ``<id>.png``.

    Raises
    ------
    ValueError
        If the id cannot name a file in one folder (empty, a path, ``.`` or ``..``),
        naming the id and its source.
    """
    ident = str(ident)
    if not ident.strip() or ident in (".", "..") or "/" in ident or "\\" in ident or "\0" in ident:
        raise ValueError(f"{source}: id {ident!r} cannot name a picture file (it must be a non-empty name "
                         "without '/' or '\\')")
    return f"{ident}.png"


def write_pictures(structures: Iterable[tuple[str, Atoms, str]], folder: str | Path, dpi: int = 110,
                   progress: bool = False) -> list[Path]:
    """Write :func:`draw_dot`'s picture of each structure to ``folder/<id>.png`` (atomic writes).

    Parameters
    ----------
    structures : iterable of (id, atoms, source)
        Each structure's id (the file name), its atoms and the name errors give it.
    folder : path-like
        Created if absent; a picture of the same name is replaced.
    dpi : int, default=110
        Resolution of the PNG files.
    progress : bool, default=False
        Show a tqdm progress bar.

    Returns
    -------
    list of Path
        The files written, in input order.

    Raises
    ------
    ValueError
        If an id cannot name a file, or two structures share an id.
    siqd_utils.reconstruct.StructureError
        If a structure is not one H-passivated Si cluster (naming its source).
    """
    from tqdm import tqdm  # a console bar, as featurize's

    folder = Path(folder)
    written, seen = [], {}
    for ident, atoms, source in tqdm(structures, desc="drawing", unit="dot", disable=not progress):
        name = picture_name(ident, source)
        if name in seen:
            raise ValueError(f"{source}: id {ident!r} also belongs to {seen[name]}; one picture per id")
        seen[name] = source
        fig = draw_dot(atoms, str(ident), source=source)
        buf = io.BytesIO()
        try:
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        finally:
            plt.close(fig)
        written.append(write_bytes_atomic(folder / name, buf.getvalue()))
    return written


def draw_files(paths: Iterable[str | Path], folder: str | Path, ids: Iterable[str] | None = None, dpi: int = 110,
               progress: bool = False) -> list[Path]:
    """Write the picture of every structure in some structure files to ``folder/<id>.png``.

    The files are read as :func:`siqd_utils.reconstruct.featurize_table.read_structures`
    reads them for ``featurize`` (so the ids are the table's), and each structure is drawn
    by :func:`draw_dot`.

    Parameters
    ----------
    paths : iterable of path-like
        Structure files (one cluster per file, or frames each with an ``id``).
    folder : path-like
        Where the pictures go (created if absent).
    ids : iterable of str, optional
        Draw only these ids (e.g. the rows of the table ``featurize`` wrote); default all.
    dpi : int, default=110
        Resolution of the PNG files.
    progress : bool, default=False
        Show a tqdm progress bar.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    FileNotFoundError, siqd_utils.reconstruct.StructureError, ValueError
        As :func:`~siqd_utils.reconstruct.featurize_table.read_structures` and
        :func:`write_pictures`, each naming the file (and id).
    """
    from ..reconstruct.featurize_table import read_structures

    keep = None if ids is None else {str(i) for i in ids}

    structures = [(ident, atoms, f"{path} (id {ident})" if "id" in atoms.info else str(path))
                  for path in paths for ident, atoms in read_structures(path) if keep is None or ident in keep]
    return write_pictures(structures, folder, dpi=dpi, progress=progress)

"""Pictures of single dots: the polyhedron drawn is the facet analysis's, the rules that pick the dots
shown, deterministic PNGs, clear errors for bad input, and ``featurize --draw`` as a user types it."""

import io
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from ase import Atoms  # noqa: E402
from ase.io import read, write  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from scipy.spatial.transform import Rotation  # noqa: E402

from siqd_utils import structures  # noqa: E402
from siqd_utils.datasets import FACET_COLUMNS, load_ensemble  # noqa: E402
from siqd_utils.plotting import FACET_COLOURS, facet_colour  # noqa: E402
from siqd_utils.plotting import dots  # noqa: E402
from siqd_utils.plotting.data import plot_feature_distributions  # noqa: E402
from siqd_utils.reconstruct import StructureError  # noqa: E402
from siqd_utils.reconstruct.polyhedra import all_normals, facet_areas, polyhedron_faces  # noqa: E402

#: Shipped dots of every kind: pure {113}, cube, octahedron, rhombic dodecahedron, truncated, doubly truncated.
IDS = ["SiQD-001", "SiQD-065", "SiQD-066", "SiQD-058", "SiQD-142", "SiQD-170"]


@pytest.fixture(scope="module")
def table():
    return load_ensemble().set_index("id")


@pytest.fixture(scope="module")
def shipped():
    return structures.read_by_id(structures.STRUCTURES_FILE, IDS)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _rotated(atoms: Atoms, seed: int) -> Atoms:
    rng = np.random.default_rng(seed)
    rot = Rotation.random(random_state=seed).as_matrix()
    return Atoms(atoms.get_chemical_symbols(), positions=atoms.positions @ rot.T + rng.uniform(-10, 10, 3))


# ----------------------------------------------------------------------------- the polyhedron drawn
def test_faces_partition_the_facet_areas():
    _, owner = all_normals()
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = rng.uniform(4.0, 7.0, 4)[owner]
        d[np.isin(owner, rng.choice(4, size=rng.integers(0, 3), replace=False))] = np.inf
        areas = facet_areas(d)
        faces = polyhedron_faces(d)
        for fam in ("100", "110", "111", "113"):
            assert sum(f.area for f in faces if f.family == fam) == pytest.approx(areas[fam], rel=1e-12, abs=1e-12)
        for f in faces:  # a polygon's own area (shoelace in its plane) is the area it reports
            v = f.vertices - f.vertices.mean(axis=0)
            shoelace = 0.5 * np.sum(np.cross(v, np.roll(v, -1, axis=0)) @ f.normal)
            assert shoelace == pytest.approx(f.area, rel=1e-9)  # positive: counter-clockwise seen from outside


@pytest.mark.parametrize("ident", IDS)
def test_drawn_faces_are_the_tables_facets(ident, shipped, table):
    view = dots.dot_view(shipped[ident], ident)
    areas = view.family_areas()
    total = sum(areas.values())
    drawn = tuple(k for k, a in areas.items() if a > 0)
    assert drawn == view.facets.families
    row = table.loc[ident]
    for fam, area in areas.items():
        assert area / total == pytest.approx(row[f"f{fam}"], abs=1e-8)
    assert view.facets.shape == row["shape"]


@pytest.mark.parametrize("seed", [1, 2])
def test_atoms_and_polyhedron_share_one_frame_for_any_orientation(seed, shipped):
    """Every Si atom lies inside the polyhedron drawn beside it, however the input is turned and moved."""
    normals, _ = all_normals()
    for ident in ("SiQD-066", "SiQD-170"):
        view = dots.dot_view(_rotated(shipped[ident], seed), ident)
        si = view.positions[view.symbols == "Si"]
        for face in view.faces:
            assert (si @ face.normal).max() < face.vertices[0] @ face.normal - 0.1
        # and the same faces as the unrotated dot
        assert view.family_areas() == pytest.approx(dots.dot_view(shipped[ident]).family_areas(), rel=1e-9)


def test_faces_are_drawn_in_their_familys_colour(shipped):
    fig = dots.draw_dot(shipped["SiQD-170"], "SiQD-170")
    polys = [c for ax in fig.axes for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(polys) == 1
    base = {k: np.array(to_rgb(c)) for k, c in FACET_COLOURS.items()}
    seen = set()
    for rgba in polys[0].get_facecolor():
        # a face is its family's colour, darkened or lightened by the light: proportional to it
        match = [k for k, b in base.items() if np.allclose(rgba[:3], b * (rgba[:3] @ b) / (b @ b), atol=2e-3)]
        assert len(match) == 1, rgba
        seen |= set(match)
    assert seen == {"100", "110", "111"}  # SiQD-170: every family the analysis finds faces the viewer
    plt.close(fig)


def test_one_palette_for_facet_families():
    assert facet_colour("f111") == facet_colour("{111}") == facet_colour("111") == FACET_COLOURS["111"]
    with pytest.raises(ValueError, match="'f112'"):
        facet_colour("f112")
    handles = {h.get_label(): h for h in dots.legend_handles()}
    for k, c in FACET_COLOURS.items():
        assert np.allclose(handles["{" + k + "}"].get_facecolor()[:3], to_rgb(c))
    fig = plot_feature_distributions(load_ensemble(), columns=["D", *FACET_COLUMNS])
    for ax, col in zip(fig.axes, ["D", *FACET_COLUMNS]):
        if col in FACET_COLUMNS:
            assert np.allclose(ax.patches[0].get_facecolor()[:3], to_rgb(facet_colour(col)))
    plt.close(fig)


def test_pictures_are_deterministic(shipped):
    first = _png(dots.draw_dot(shipped["SiQD-142"], "SiQD-142"))
    assert _png(dots.draw_dot(shipped["SiQD-142"], "SiQD-142")) == first
    grid = [("a", shipped["SiQD-001"], "x"), ("b", shipped["SiQD-058"], "y")]
    assert _png(dots.plot_dots(grid)) == _png(dots.plot_dots(grid))


# ----------------------------------------------------------------------------- bad input
def test_not_a_si_h_cluster_names_the_source():
    with pytest.raises(StructureError, match=r"mine.xyz \(id q\): only Si and H atoms are supported, found \['O'\]"):
        dots.draw_dot(Atoms("SiO", positions=[[0, 0, 0], [0, 0, 1.6]]), source="mine.xyz (id q)")
    bare = Atoms("Si2", positions=[[0, 0, 0], [0, 0, 2.35]])
    with pytest.raises(StructureError, match="bare.xyz: Si atom 0 .* under-coordinated"):
        dots.dot_view(bare, "bare.xyz")


def test_an_id_without_a_structure_names_the_id_and_the_file(tmp_path, shipped):
    with pytest.raises(KeyError, match=r"siqd_structures.extxyz.gz: no structure with id 'SiQD-999'"):
        structures.read_by_id(structures.STRUCTURES_FILE, ["SiQD-001", "SiQD-999"])
    path = tmp_path / "two.extxyz"
    write(path, [shipped["SiQD-001"], shipped["SiQD-058"]])
    with pytest.raises(KeyError, match=r"two.extxyz: no structure with id 'nope'"):
        structures.read_by_id(path, ["nope"])
    with pytest.raises(FileNotFoundError, match="missing.extxyz"):
        structures.read_by_id(tmp_path / "missing.extxyz", ["SiQD-001"])


def test_a_structure_file_of_another_table_is_an_error(tmp_path, shipped, table):
    reps = structures.family_representatives(load_ensemble())
    path = tmp_path / "swapped.extxyz"
    swapped = [shipped["SiQD-058"].copy()]
    swapped[0].info["id"] = "SiQD-065"  # the rhombic dodecahedron's atoms under the cube's id
    write(path, swapped)
    with pytest.raises(ValueError, match=r"swapped.extxyz \(id SiQD-065\): n_Si = 292 from the atoms but 318 in the "
                                         "table; the structure file does not belong to this table"):
        dots.plot_representatives(reps.iloc[[0]], path)


def test_ids_that_cannot_name_a_file(tmp_path, shipped):
    for bad in ("a/b", "..", "", "x\\y"):
        with pytest.raises(ValueError, match="cannot name a picture file"):
            dots.picture_name(bad, "f.extxyz")
    with pytest.raises(ValueError, match="id 'a' also belongs to one.xyz"):
        dots.write_pictures([("a", shipped["SiQD-001"], "one.xyz"), ("a", shipped["SiQD-001"], "two.xyz")], tmp_path)


def test_the_shipped_structures_are_checked(tmp_path, monkeypatch):
    copy = tmp_path / "siqd_structures.extxyz.gz"
    copy.write_bytes(structures.STRUCTURES_FILE.read_bytes()[:-10] + b"0123456789")
    monkeypatch.setattr(structures, "STRUCTURES_FILE", copy)
    monkeypatch.setattr(structures, "_expected_checksum", lambda p: "0" * 64)
    with pytest.raises(Exception, match="SHA-256 does not match"):
        structures.read_by_id(copy, ["SiQD-001"])


# ----------------------------------------------------------------------------- reading and choosing dots
def test_reading_by_id_equals_reading_everything(tmp_path, shipped):
    from siqd_utils.reconstruct.featurize_table import read_structures

    path = tmp_path / "three.extxyz.gz"
    frames = [shipped[i] for i in ("SiQD-001", "SiQD-058", "SiQD-142")]
    write(path, frames, format="extxyz")
    everything = dict(read_structures(path))
    some = structures.read_by_id(path, ["SiQD-142", "SiQD-001"])
    assert list(some) == ["SiQD-142", "SiQD-001"]
    for ident, atoms in some.items():
        assert atoms.get_chemical_symbols() == everything[ident].get_chemical_symbols()
        np.testing.assert_array_equal(atoms.positions, everything[ident].positions)
        assert atoms.info == everything[ident].info
    # a repeated id is left to the full reader, which names it
    write(path, [frames[0], frames[0]], format="extxyz")
    with pytest.raises(StructureError, match="distinct 'id'"):
        structures.read_by_id(path, ["SiQD-001"])
    # a format ase reads that is not laid out as xyz frames, one structure, its id from the file name
    single = tmp_path / "SiQD-009.cif"
    write(single, frames[1])
    assert structures.read_by_id(single, ["SiQD-009"])["SiQD-009"].get_chemical_formula() == \
        frames[1].get_chemical_formula()


def test_structures_file_rule(tmp_path):
    assert structures.structures_file() == structures.STRUCTURES_FILE
    assert structures.structures_file(data_path="mine.csv") is None
    mine = tmp_path / "mine.extxyz"
    mine.write_text("")
    assert structures.structures_file("mine.csv", mine) == mine
    with pytest.raises(FileNotFoundError, match="nothere.extxyz"):
        structures.structures_file(None, tmp_path / "nothere.extxyz")


def test_family_representative_is_the_median_member():
    frame = pd.DataFrame({
        "id": ["c1", "c2", "c3", "c4", "o1", "t1", "t2", "t3"],
        "shape": ["cube"] * 4 + ["octahedron"] + ["truncated octahedron"] * 3,
        "D": [2.0, 1.0, 3.0, 4.0, 1.5, 2.5, 1.5, 2.0],
        "n_Si": [10, 5, 20, 30, 7, 15, 7, 10],
        "f100": [1, 1, 1, 1, 0, 0.3, 0.2, 0.1], "f110": [0] * 8,
        "f111": [0, 0, 0, 0, 1, 0.7, 0.8, 0.9], "f113": [0] * 8})
    reps = structures.family_representatives(frame).set_index("family")
    assert list(reps.index) == list(structures.SHAPE_FAMILIES)
    assert reps.loc["cube", "id"] == "c1"  # D 1, 2, 3, 4: the lower middle
    assert reps.loc["octahedron", "id"] == "o1"
    assert reps.loc["truncated", "id"] == "t3" and reps.loc["truncated", "members"] == 3
    assert reps.loc["rhombic dodecahedron", "members"] == 0 and pd.isna(reps.loc["rhombic dodecahedron", "id"])
    note = structures.describe_gallery(reps.reset_index(), frame, structures.STRUCTURES_FILE)
    assert "no dot of 3 of the 6 shape families (rhombic dodecahedron, deltoidal icositetrahedron, doubly " \
           "truncated), so the gallery shows the other 3" in note
    note = structures.describe_gallery(reps.reset_index(), frame, None)
    assert "No structures are drawn" in note and "structures_path" in note and "--draw" in note


def test_shipped_gallery_has_every_family():
    reps = structures.family_representatives(load_ensemble())
    assert (reps["members"] > 0).all()
    assert reps["shape"].tolist()[:4] == ["cube", "rhombic dodecahedron", "octahedron", "deltoidal icositetrahedron"]
    assert reps["shape"].iloc[4].startswith("truncated ") and reps["shape"].iloc[5].startswith("doubly truncated ")


def test_class_representative_is_the_medoid():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0], [11.0], [30.0]])
    labels = np.array([1, 1, 1, 1, 2, 2, 2])
    frame = pd.DataFrame({"id": list("abcdefg"), "shape": ["cube"] * 7, "D": 1.0, "n_Si": 10,
                          "f100": 1.0, "f110": 0.0, "f111": 0.0, "f113": 0.0})
    reps = structures.class_representatives(X, labels, frame)
    # class 1: summed distances a 6, b 4, c 4, d 6 -> b (the earlier of a tie); class 2: e 21, f 20, g 39 -> f
    assert reps["id"].tolist() == ["b", "f"]
    assert reps["size"].tolist() == [4, 3]
    assert reps["title"].tolist() == ["class 1 (4 dots)", "class 2 (3 dots)"]
    with pytest.raises(ValueError, match="one row per dot"):
        structures.class_representatives(X[:3], labels, frame)


# ----------------------------------------------------------------------------- featurize --draw
def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "featurize", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})


def test_featurize_draw_writes_one_picture_per_structure(tmp_path, shipped):
    for ident in ("SiQD-001", "SiQD-058"):
        atoms = shipped[ident].copy()
        atoms.info.clear()  # one cluster per file, the id from the file name
        write(tmp_path / f"{ident}.xyz", atoms)
    (tmp_path / "wl.csv").write_text("id,wavelength_nm\nSiQD-001,450\nSiQD-058,520\n")
    proc = _cli("SiQD-001.xyz", "SiQD-058.xyz", "--targets", "wl.csv", "-o", "t.csv", "--draw", "pics", "--quiet",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 pictures -> pics/" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "pics").iterdir()) == ["SiQD-001.png", "SiQD-058.png"]
    # the same picture as the module draws, byte for byte
    again = dots.write_pictures([("SiQD-058", read(tmp_path / "SiQD-058.xyz"), "x")], tmp_path / "again")
    assert again[0].read_bytes() == (tmp_path / "pics" / "SiQD-058.png").read_bytes()
    img = plt.imread(tmp_path / "pics" / "SiQD-058.png")
    assert img.shape[0] > 300 and img.shape[1] > 500


def test_featurize_draw_reports_an_id_that_cannot_name_a_file(tmp_path, shipped):
    atoms = shipped["SiQD-001"].copy()
    atoms.info = {"id": "a/b", "wavelength_nm": 450.0}
    other = shipped["SiQD-058"].copy()
    other.info = {"id": "ok", "wavelength_nm": 500.0}
    write(tmp_path / "both.extxyz", [atoms, other])
    proc = _cli("both.extxyz", "-o", "t.csv", "--draw", "pics", "--quiet", cwd=tmp_path)
    assert proc.returncode == 2
    assert "both.extxyz (id a/b): id 'a/b' cannot name a picture file" in proc.stderr

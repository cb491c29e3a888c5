"""Geometry, passivation, the facet analysis from atoms, the features of known clusters, and the
featurize table/CLI (tables the loader accepts; a clear error naming the file for bad input)."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ase import Atoms
from ase.io import read, write
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from siqd_utils.datasets import DATA_DIR, FACET_COLUMNS, load_ensemble
from siqd_utils.reconstruct import (FacetEstimateWarning, FeaturizeError, StructureError, analyse, enumerate_cuts,
                                    featurize, featurize_files, featurize_xyz)
from siqd_utils.reconstruct.facets import lattice_facets, shape_name
from siqd_utils.reconstruct.features import diameter, equivalent_sphere_diameter, mean_caliper_diameter
from siqd_utils.reconstruct.lattice import (A_SI, CENTRES, D_SI_H, FAMILIES, FAMILY_KEYS, MIN_SI_NEIGHBOURS, NO_PRUNING,
                                            diamond_sites, neighbour_table, passivate, prune, si_neighbour_counts)
from siqd_utils.reconstruct.lattice_fit import SNAP_TOLERANCE, fit_diamond_lattice
from siqd_utils.reconstruct.polyhedra import all_normals, facet_areas

FACETS = ("f100", "f110", "f111", "f113")
STRUCTURES = DATA_DIR / "siqd_structures.extxyz.gz"


def _distances(**fam):
    _, owner = all_normals()
    per = np.array([fam.get(k, np.inf) for k in ("d100", "d110", "d111", "d113")])
    return per[owner]


def _fractions(**fam):
    areas = facet_areas(_distances(**fam))
    return {k: areas[k[1:]] / areas["total"] for k in FACETS}


def cut_cluster(centre: str, distances: dict, min_neighbours: int = MIN_SI_NEIGHBOURS, radius: float = 22.0) -> Atoms:
    """A symmetric cut about ``centre`` ({family index: distance in A}), pruned and passivated as the builder does."""
    c = CENTRES[centre]
    sites = diamond_sites(radius, c)
    normals, owner = all_normals()
    proj = ((sites - c) * (A_SI / 4.0)) @ normals.T
    mask = np.ones(len(sites), dtype=bool)
    for k, d in distances.items():
        mask &= (proj[:, owner == k] < d).all(axis=1)
    mask = prune(mask, neighbour_table(sites), min_neighbours)
    return passivate(sites[mask], c)


def moved(atoms: Atoms, seed: int, jitter: float = 0.0) -> Atoms:
    """The same cluster rotated, translated and (optionally) jittered, with no info."""
    rng = np.random.default_rng(seed)
    out = Atoms(atoms.get_chemical_symbols(), positions=atoms.positions)
    rot = Rotation.random(random_state=seed).as_matrix()
    out.positions = atoms.positions @ rot.T + rng.uniform(-10, 10, 3) + rng.normal(0.0, jitter, atoms.positions.shape)
    return out


# ----------------------------------------------------------------------------- polyhedra
def test_pure_polyhedra_have_one_family():
    assert _fractions(d100=5.0)["f100"] == pytest.approx(1.0)
    assert _fractions(d111=5.0)["f111"] == pytest.approx(1.0)
    assert _fractions(d110=5.0)["f110"] == pytest.approx(1.0)
    assert _fractions(d113=5.0)["f113"] == pytest.approx(1.0)


def test_cube_area_and_volume_are_exact():
    areas = facet_areas(_distances(d100=2.0))
    assert areas["total"] == pytest.approx(6 * 16.0)
    assert areas["volume"] == pytest.approx(64.0)


def test_cuboctahedron_fractions():
    # d111 / d100 = 2 / sqrt(3): the {111} planes pass through the cube's edge mid-points.
    f = _fractions(d100=1.0, d111=2.0 / np.sqrt(3.0))
    assert f["f100"] == pytest.approx(0.634, abs=1e-3)
    assert f["f111"] == pytest.approx(0.366, abs=1e-3)


def test_far_plane_adds_no_area():
    f = _fractions(d100=1.0, d111=10.0)
    assert f["f100"] == pytest.approx(1.0) and f["f111"] == 0.0


def test_shape_names():
    assert shape_name({"f100": 1.0, "f110": 0.0, "f111": 0.0, "f113": 0.0}) == "cube"
    assert shape_name({"f100": 0.3, "f110": 0.0, "f111": 0.7, "f113": 0.0}) == "truncated octahedron"
    assert shape_name({"f100": 0.2, "f110": 0.5, "f111": 0.3, "f113": 0.0}) == "doubly truncated rhombic dodecahedron"
    # equal majorities go to the lower Miller family
    assert shape_name({"f100": 0.5, "f110": 0.0, "f111": 0.5, "f113": 0.0}) == "truncated cube"


# ----------------------------------------------------------------------------- lattice and passivation
@pytest.mark.parametrize(("radius", "n_si", "n_h", "bonds"), [(5.43, 29, 36, 40), (5.9, 35, 36, 52)])
def test_atom_centred_spheres_match_hand_counts(radius, n_si, n_h, bonds):
    atoms = passivate(diamond_sites(radius, CENTRES["atom"]), CENTRES["atom"])
    f = featurize(atoms)
    assert (f["n_Si"], f["n_H"]) == (n_si, n_h)
    # Every Si has four bonds, each to a Si (counted twice) or to one H.
    assert 4 * n_si == 2 * bonds + n_h
    assert f["n_coord"] == pytest.approx(2 * bonds / n_si)
    assert f["HSi_ratio"] == pytest.approx(n_h / n_si)


def test_passivation_geometry():
    atoms = passivate(diamond_sites(5.43, CENTRES["atom"]), CENTRES["atom"])
    si = atoms.positions[atoms.numbers == 14]
    h = atoms.positions[atoms.numbers == 1]
    d = np.linalg.norm(h[:, None, :] - si[None, :, :], axis=2)
    assert np.allclose(d.min(axis=1), D_SI_H)
    # every Si ends up four-fold: Si neighbours + H neighbours = 4
    dsi = np.linalg.norm(si[:, None] - si[None], axis=2)
    n_si_nb = ((dsi > 0.1) & (dsi < 2.6)).sum(axis=1)
    n_h_nb = (d.T < 1.6).sum(axis=1)
    assert np.all(n_si_nb + n_h_nb == 4)


def test_prune_is_the_two_core():
    sites = diamond_sites(9.0, CENTRES["bond"])
    table = neighbour_table(sites)
    rng = np.random.default_rng(3)
    mask = rng.random(len(sites)) < 0.7
    kept = prune(mask, table, 2)
    # every kept site keeps >= 2 kept neighbours, and no removed site of the mask could come back
    padded = np.append(kept, False)
    assert np.all(padded[table][kept].sum(axis=1) >= 2)
    assert not (kept & ~mask).any()
    assert np.array_equal(prune(kept, table, 2), kept)


def test_diameter_definitions():
    sites = diamond_sites(14.0, CENTRES["atom"])
    si = sites * (A_SI / 4.0)
    nb = si_neighbour_counts(sites)
    d_cal = diameter(si, nb, "caliper")
    d_sph = diameter(si, nb, "sphere")
    d_sur = diameter(si, nb, "surface")
    assert d_sph == pytest.approx(float(equivalent_sphere_diameter(len(si))))
    assert d_cal == pytest.approx(mean_caliper_diameter(si) / 10)
    # a ball of radius 14 A: every definition lands between 2.5 and 2.9 nm
    assert 2.5 < d_cal < 2.8 and 2.5 < d_sur < 2.8 and 2.6 < d_sph < 2.9
    with pytest.raises(ValueError, match="diameter definition"):
        diameter(si, nb, "volume")


# ----------------------------------------------------------------------------- cuts
@pytest.fixture(scope="module")
def small_cuts():
    return enumerate_cuts("bond", max_radius=9.0, progress=False)


def test_cuts_are_distinct_and_centrosymmetric(small_cuts):
    keys = {tuple(map(tuple, c.sites)) for c in small_cuts}
    assert len(keys) == len(small_cuts)
    centre = CENTRES["bond"]
    for c in small_cuts:
        mirrored = np.round(2 * centre - c.sites).astype(int)
        assert {tuple(s) for s in mirrored} == {tuple(s) for s in c.sites}


def test_every_cut_is_an_exact_cut_with_no_more_families_than_it_used(small_cuts):
    for c in small_cuts:
        families, fractions, _, _, method, k = lattice_facets(c.sites)
        used = sum(np.isfinite(d) for d in c.distances.values())
        assert method == "exact-cut" and k == MIN_SI_NEIGHBOURS
        assert 1 <= len(families) <= used
        assert sum(fractions.values()) == pytest.approx(1.0)
        assert all(fractions[f"f{f}"] > 0 for f in families)


def test_cut_structure_hand_counts(small_cuts):
    # Counted independently of featurize: Si-Si bonds by brute force, H = 4 n_Si - 2 bonds.
    for c in small_cuts[:: max(1, len(small_cuts) // 6)]:
        atoms = passivate(c.sites, CENTRES["bond"])
        si = atoms.positions[atoms.numbers == 14]
        d = np.linalg.norm(si[:, None] - si[None], axis=2)
        bonds = int(((d > 0.1) & (d < 2.5)).sum() // 2)
        f = featurize(atoms)
        assert f["n_Si"] == len(c.sites)
        assert f["n_H"] == 4 * len(c.sites) - 2 * bonds
        assert f["n_coord"] == pytest.approx(2 * bonds / len(c.sites))
        assert sum(f[k] for k in FACETS) == pytest.approx(1.0)


# ----------------------------------------------------------------------------- facet analysis
@pytest.mark.parametrize("centre", ["atom", "bond", "hex"])
@pytest.mark.parametrize("family", range(4), ids=[FAMILY_KEYS[f] for f in FAMILIES])
@pytest.mark.parametrize("distance", [9.5, 12.5])
def test_pure_shapes_about_each_centre_are_one_family(centre, family, distance):
    atoms = cut_cluster(centre, {family: distance})
    f, facets = analyse(atoms)
    key = FAMILY_KEYS[FAMILIES[family]]
    assert facets.method == "exact-cut"
    assert facets.families == (key,)
    assert f[f"f{key}"] == pytest.approx(1.0, abs=1e-12)


def test_cube_with_pruned_corners_is_a_cube():
    # Planes in the gap just outside a {100} layer leave corner Si with one Si neighbour;
    # pruning removes them, and the atoms are still a {100} cut.
    raw = cut_cluster("bond", {0: 10.9}, min_neighbours=NO_PRUNING)
    pruned = cut_cluster("bond", {0: 10.9})
    assert (pruned.numbers == 14).sum() < (raw.numbers == 14).sum()
    f, facets = analyse(pruned)
    assert facets.families == ("100",) and f["f100"] == pytest.approx(1.0)


def test_unpruned_cut_keeps_its_sih3_groups_and_its_family():
    atoms = cut_cluster("hex", {2: 9.5}, min_neighbours=NO_PRUNING)
    assert si_neighbour_counts_of(atoms).min() == 1  # SiH3 groups present
    f, facets = analyse(atoms)
    assert facets.min_neighbours == NO_PRUNING
    assert facets.method == "exact-cut" and facets.families == ("111",)


def si_neighbour_counts_of(atoms):
    si = atoms.positions[atoms.numbers == 14]
    d = np.linalg.norm(si[:, None] - si[None], axis=2)
    return ((d > 0.1) & (d < 2.6)).sum(axis=1)


def test_lattice_fit_recovers_a_moved_cluster():
    atoms = moved(cut_cluster("hex", {1: 10.0, 2: 9.0}), 1)
    si = atoms.positions[atoms.numbers == 14]
    fit = fit_diamond_lattice(si, cKDTree(si).query_pairs(2.6, output_type="ndarray"))
    assert fit.ok
    assert fit.max_displacement < 1e-9
    assert fit.lattice_constant == pytest.approx(A_SI)


def test_rotation_and_translation_change_nothing():
    atoms = cut_cluster("bond", {0: 9.0, 3: 10.5})
    f0, a0 = analyse(atoms)
    f1, a1 = analyse(moved(atoms, 7))
    assert a1.families == a0.families and a1.method == "exact-cut"
    for k in (*FACETS, "n_Si", "n_H", "n_coord", "HSi_ratio"):
        assert f1[k] == pytest.approx(f0[k], abs=1e-9)
    assert f1["D"] == pytest.approx(f0["D"], abs=1e-9)


@pytest.fixture(scope="module")
def shipped_structures():
    frames = read(STRUCTURES, index=":")
    for atoms in frames:
        atoms.info = {}  # bare atoms: nothing stored may help
    return frames


@pytest.fixture(scope="module")
def shipped_table():
    return load_ensemble()


def test_jittered_atoms_keep_families_and_fractions(shipped_structures, shipped_table):
    rng = np.random.default_rng(2024)
    picks = rng.choice(len(shipped_structures), size=12, replace=False)
    for i in picks:
        row = shipped_table.iloc[i]
        f, facets = analyse(moved(shipped_structures[i], int(i), jitter=0.05))
        present = tuple(k[1:] for k in FACET_COLUMNS if row[k] > 0)
        assert facets.method == "exact-cut", (row["id"], facets.note)
        assert facets.families == present, row["id"]
        assert facets.lattice.max_displacement < SNAP_TOLERANCE
        assert max(abs(f[k] - row[k]) for k in FACETS) <= 0.03, row["id"]


def test_every_shipped_structure_refeaturizes_to_its_row(shipped_structures, shipped_table):
    assert len(shipped_structures) == len(shipped_table)
    for atoms, (_, row) in zip(shipped_structures, shipped_table.iterrows()):
        f, facets = analyse(atoms, source=row["id"])
        assert (f["n_Si"], f["n_H"]) == (row["n_Si"], row["n_H"]), row["id"]
        assert facets.shape == row["shape"] and facets.method == row["facet_method"], row["id"]
        assert facets.families == tuple(k[1:] for k in FACET_COLUMNS if row[k] > 0), row["id"]
        for k in FACETS:
            assert f[k] == pytest.approx(row[k], abs=1e-6), (row["id"], k)
        assert f["D"] == pytest.approx(row["D"], abs=1e-4), row["id"]
        assert f["n_coord"] == pytest.approx(row["n_coord"], abs=1e-6), row["id"]
        assert f["HSi_ratio"] == pytest.approx(row["HSi_ratio"], abs=1e-6), row["id"]


def test_sphere_falls_back_to_tight_planes_with_a_warning():
    atoms = passivate(diamond_sites(14.0, CENTRES["atom"]), CENTRES["atom"])
    with pytest.warns(FacetEstimateWarning, match="tight-planes"):
        f, facets = analyse(atoms, source="ball.xyz")
    assert facets.method == "tight-planes"
    assert sum(f[k] for k in FACETS) == pytest.approx(1.0)


def test_distorted_cluster_falls_back_to_supporting_planes_with_a_warning():
    atoms = cut_cluster("bond", {2: 9.0})
    si = atoms.numbers == 14
    # A 12 % shear of the Si frame, each H carried with its Si: bonds and coordination
    # survive, but no diamond lattice fits within the snap tolerance.
    shear = np.array([[1.0, 0.12, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    pos = atoms.positions.copy()
    host = cKDTree(pos[si]).query(pos[~si])[1]
    new_si = pos[si] @ shear.T
    pos[~si] += new_si[host] - pos[si][host]
    pos[si] = new_si
    bent = Atoms(atoms.get_chemical_symbols(), positions=pos)
    with pytest.warns(FacetEstimateWarning, match="bent.xyz: no diamond lattice fits"):
        f, facets = analyse(bent, source="bent.xyz")
    assert facets.method == "supporting-planes"
    assert "lattice site" in facets.lattice.reason or "tetrahedral" in facets.lattice.reason
    assert sum(f[k] for k in FACETS) == pytest.approx(1.0)
    assert f["n_Si"] == si.sum()


def test_featurize_has_no_warning_for_lattice_cuts():
    atoms = cut_cluster("hex", {0: 9.0, 2: 10.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        featurize(atoms)


def test_featurize_rejects_other_elements():
    with pytest.raises(ValueError, match="only Si and H"):
        featurize(Atoms("SiO", positions=[[0, 0, 0], [1.6, 0, 0]]))


def test_featurize_rejects_a_bare_dangling_bond():
    atoms = passivate(diamond_sites(5.43, CENTRES["atom"]), CENTRES["atom"])
    del atoms[len(atoms) - 1]  # one H gone
    with pytest.raises(ValueError, match=r"my.xyz: Si atom \d+ has \d Si and \d H neighbours, under-coordinated"):
        featurize(atoms, source="my.xyz")


def test_featurize_rejects_two_clusters():
    one = passivate(diamond_sites(5.43, CENTRES["atom"]), CENTRES["atom"])
    two = one.copy()
    two.positions += [30.0, 0, 0]
    with pytest.raises(ValueError, match="two.xyz: the Si atoms form 2 separate clusters"):
        featurize(one + two, source="two.xyz")


def test_shipped_table_facets_are_exact_and_at_most_three(shipped_table):
    assert (shipped_table["facet_method"] == "exact-cut").all()
    n_fam = (shipped_table[list(FACET_COLUMNS)] > 0).sum(axis=1)
    assert n_fam.between(1, 3).all()
    assert pd.Series(shipped_table["shape"]).map(lambda s: not s.startswith("triply")).all()


# ----------------------------------------------------------------------------- featurize table and CLI
ROOT = Path(__file__).resolve().parent.parent
FEATURES = ["n_Si", "n_H", "D", "n_coord", "f100", "f110", "f111", "f113", "HSi_ratio"]


def si29() -> Atoms:
    return passivate(diamond_sites(5.43, CENTRES["atom"]), CENTRES["atom"])


def cli(*args):
    return subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "featurize", *map(str, args), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})


@pytest.fixture()
def dots(tmp_path):
    """Three clusters, one xyz file each, and a targets CSV for them."""
    paths = []
    for i, r in enumerate((5.43, 7.5, 8.59)):
        atoms = passivate(diamond_sites(r, CENTRES["atom"]), CENTRES["atom"])
        path = tmp_path / f"dot{i}.xyz"
        write(path, atoms)
        paths.append(path)
    targets = tmp_path / "targets.csv"
    pd.DataFrame({"id": ["dot0", "dot1", "dot2"], "wavelength_nm": [450.0, 520.5, 610.25]}).to_csv(targets, index=False)
    return paths, targets


def test_featurize_xyz_matches_featurize(tmp_path):
    atoms = si29()
    path = tmp_path / "si29.xyz"
    atoms.write(path)
    row = featurize_xyz(path)
    assert {k: row[k] for k in FEATURES} == pytest.approx(featurize(atoms))
    assert row["shape"] and row["facet_method"] == "exact-cut"
    with pytest.raises(FileNotFoundError, match="nope.xyz"):
        featurize_xyz(tmp_path / "nope.xyz")


def test_cli_writes_a_table_the_loader_accepts(dots, tmp_path):
    paths, targets = dots
    out = tmp_path / "table.csv"
    proc = cli(*paths, "-o", out, "--targets", targets)
    assert proc.returncode == 0, proc.stderr
    table = load_ensemble(out)
    assert table["id"].tolist() == ["dot0", "dot1", "dot2"]
    assert table["wavelength_nm"].tolist() == [450.0, 520.5, 610.25]
    assert (table["facet_method"] == "exact-cut").all()
    np.testing.assert_allclose(table[FEATURES].iloc[0].to_numpy(dtype=float),
                               pd.Series(featurize(read(paths[0])))[FEATURES].to_numpy(dtype=float), rtol=1e-8)


def test_cli_says_what_is_missing_without_wavelengths(dots, tmp_path):
    paths, _ = dots
    proc = cli(*paths, "-o", tmp_path / "t.csv")
    assert proc.returncode != 0
    assert "no wavelength_nm for 3 of 3" in proc.stderr and "--targets" in proc.stderr
    assert not (tmp_path / "t.csv").exists()
    proc = cli(*paths, "-o", tmp_path / "f.csv", "--features-only")
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(tmp_path / "f.csv")) == 3


def test_shipped_frames_featurize_back_to_the_shipped_rows(tmp_path):
    # Multi-frame extxyz with an id and a wavelength in each frame's info, as shipped.
    frames = read(DATA_DIR / "siqd_structures.extxyz.gz", index="0:300:60")
    path = tmp_path / "some.extxyz"
    write(path, frames, format="extxyz")
    table = featurize_files([path], progress=False)
    shipped = load_ensemble().set_index("id").loc[table["id"]]
    assert table["shape"].tolist() == shipped["shape"].tolist()
    np.testing.assert_allclose(table[["f100", "f110", "f111", "f113"]].to_numpy(),
                               shipped[["f100", "f110", "f111", "f113"]].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(table["wavelength_nm"].to_numpy(), shipped["wavelength_nm"].to_numpy())


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _bad_files(tmp):
    out = {}
    out["empty"] = _write_text(tmp / "empty.xyz", "")
    out["unreadable"] = _write_text(tmp / "garbage.xyz", "this is not\nan xyz file\n")
    oxide = si29()
    oxide.symbols[0] = "O"
    write(tmp / "oxide.xyz", oxide)
    out["not Si/H"] = tmp / "oxide.xyz"
    bare = si29()
    del bare[len(bare) - 1]
    write(tmp / "bare.xyz", bare)
    out["bare Si"] = tmp / "bare.xyz"
    two = si29() + si29()
    two.positions[len(two) // 2:] += [25.0, 0.0, 0.0]
    write(tmp / "two.xyz", two)
    out["two clusters"] = tmp / "two.xyz"
    write(tmp / "frames.xyz", [si29(), si29()])
    out["two frames without ids"] = tmp / "frames.xyz"
    return out


MESSAGES = {
    "empty": "the file is empty",
    "unreadable": "cannot be read as a structure file",
    "not Si/H": r"only Si and H atoms are supported, found \['O'\]",
    "bare Si": "under-coordinated",
    "two clusters": "form 2 separate clusters",
    "two frames without ids": "2 structures but they do not all carry a distinct 'id'",
}


@pytest.mark.parametrize("case", list(MESSAGES))
def test_bad_file_gets_a_clear_error_naming_it(tmp_path, case):
    path = _bad_files(tmp_path)[case]
    with pytest.raises(StructureError, match=MESSAGES[case]) as err:
        featurize_files([path], progress=False, require_targets=False)
    assert str(path) in str(err.value)


def test_cli_reports_the_bad_file(tmp_path):
    good = tmp_path / "good.xyz"
    write(good, si29())
    bad = _bad_files(tmp_path)["bare Si"]
    proc = cli(good, bad, "-o", tmp_path / "t.csv", "--features-only")
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "under-coordinated" in proc.stderr
    assert not (tmp_path / "t.csv").exists()


def test_targets_file_errors_name_file_and_line(tmp_path, dots):
    paths, _ = dots
    bad = tmp_path / "t.csv"
    bad.write_text("id,wavelength_nm\ndot0,450\ndot1,red\n")
    with pytest.raises(ValueError, match=r"t.csv: column 'wavelength_nm', line 3: not a number: 'red'"):
        featurize_files(paths, targets=bad, progress=False)
    bad.write_text("name,wavelength_nm\ndot0,450\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['id'\]"):
        featurize_files(paths, targets=bad, progress=False)


def test_duplicate_ids_are_an_error(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    write(a / "dot.xyz", si29())
    write(b / "dot.xyz", si29())
    with pytest.raises(StructureError, match="id 'dot' also belongs"):
        featurize_files([a / "dot.xyz", b / "dot.xyz"], progress=False, require_targets=False)


def silane() -> Atoms:
    """A lone SiH4: a valid H-passivated cluster whose surface diameter is 0, which the loader refuses."""
    d = 1.48 / np.sqrt(3.0)
    return Atoms("SiH4", positions=[[0, 0, 0], [d, d, d], [d, -d, -d], [-d, d, -d], [-d, -d, d]])


def test_a_batch_reports_every_bad_file_and_skip_errors_keeps_the_good_rows(dots, tmp_path):
    """Two bad files among good ones: both named with their reasons; --skip-errors writes the rest."""
    paths, targets = dots
    bad = _bad_files(tmp_path)
    batch = [paths[0], bad["empty"], paths[1], bad["bare Si"], paths[2]]
    out = tmp_path / "table.csv"
    proc = cli(*batch, "-o", out, "--targets", targets)
    assert proc.returncode == 2
    assert "2 of 5 structure file(s) could not be featurized" in proc.stderr
    assert f"{bad['empty']}: the file is empty" in proc.stderr
    assert f"{bad['bare Si']}: Si atom" in proc.stderr and "under-coordinated" in proc.stderr
    assert not out.exists()

    proc = cli(*batch, "-o", out, "--targets", targets, "--skip-errors")
    assert proc.returncode == 0, proc.stderr
    assert load_ensemble(out)["id"].tolist() == ["dot0", "dot1", "dot2"]
    errors = pd.read_csv(tmp_path / "table.errors.csv")
    assert errors.columns.tolist() == ["file", "reason"]
    assert errors["file"].tolist() == [str(bad["empty"]), str(bad["bare Si"])]
    assert errors["reason"].iloc[0] == "the file is empty" and "under-coordinated" in errors["reason"].iloc[1]
    assert "2 structure(s) in 2 file(s) skipped" in proc.stderr

    proc = cli(*paths, "-o", out, "--targets", targets, "--skip-errors")  # a clean run empties the list
    assert proc.returncode == 0 and len(pd.read_csv(tmp_path / "table.errors.csv")) == 0


def test_a_row_the_loader_refuses_names_its_structure_file(tmp_path):
    path = tmp_path / "silane.xyz"
    write(path, silane())
    targets = tmp_path / "targets.csv"
    targets.write_text("id,wavelength_nm\nsilane,300\n")
    proc = cli(path, "-o", tmp_path / "out.csv", "--targets", targets)
    assert proc.returncode == 2
    assert f"{path}: column 'D': size must be positive, got 0.0" in proc.stderr
    assert "out.csv:" not in proc.stderr  # the output is not the file at fault


def test_featurize_files_collects_errors_as_matminer_does(dots, tmp_path):
    paths, targets = dots
    bad = _bad_files(tmp_path)
    with pytest.raises(FeaturizeError) as info:
        featurize_files([bad["two clusters"], paths[0], bad["not Si/H"]], targets=targets, progress=False)
    assert info.value.errors["file"].tolist() == [str(bad["two clusters"]), str(bad["not Si/H"])]
    with pytest.warns(UserWarning, match=r"2 target id\(s\) match no structure"):  # dot1, dot2: not given
        table, errors = featurize_files([bad["two clusters"], paths[0]], targets=targets, progress=False,
                                        ignore_errors=True, return_errors=True)
    assert table["id"].tolist() == ["dot0"] and errors["file"].tolist() == [str(bad["two clusters"])]
    with pytest.warns(UserWarning, match="match no structure"):
        only = featurize_files([bad["two clusters"], paths[0]], targets=targets, progress=False, ignore_errors=True)
    assert only["id"].tolist() == ["dot0"]
    with pytest.raises(ValueError, match="return_errors=True needs ignore_errors=True"):
        featurize_files(paths, targets=targets, progress=False, return_errors=True)
    # a missing wavelength is one structure's problem, named with its file
    with pytest.raises(FeaturizeError, match=r"dot2.xyz: no wavelength_nm \(not in .*targets.csv\)"):
        featurize_files(paths, targets=_write_text(tmp_path / "targets.csv", "id,wavelength_nm\ndot0,450\ndot1,500\n"),
                        progress=False)

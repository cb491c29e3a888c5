"""Geometry, passivation, facet fractions and features of known clusters."""

import numpy as np
import pytest
from ase import Atoms

from siqd_utils.reconstruct import enumerate_cuts, featurize, featurize_xyz
from siqd_utils.reconstruct.cuts import shape_name
from siqd_utils.reconstruct.lattice import CENTRES, D_SI_H, diamond_sites, passivate
from siqd_utils.reconstruct.polyhedra import all_normals, facet_areas

FACETS = ("f100", "f110", "f111", "f113")


def _distances(**fam):
    _, owner = all_normals()
    per = np.array([fam.get(k, np.inf) for k in ("d100", "d110", "d111", "d113")])
    return per[owner]


def _fractions(**fam):
    areas = facet_areas(_distances(**fam))
    return {k: areas[k[1:]] / areas["total"] for k in FACETS}


def test_pure_shapes_have_one_family():
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


@pytest.mark.parametrize(("radius", "n_si", "n_h", "bonds"), [(5.43, 29, 36, 40), (5.9, 35, 36, 52)])
def test_atom_centred_spheres_match_hand_counts(radius, n_si, n_h, bonds):
    atoms = passivate(diamond_sites(radius, CENTRES["atom"]), CENTRES["atom"])
    f = featurize(atoms, facets="atoms")
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


def test_cut_shapes_follow_their_facets(small_cuts):
    for c in small_cuts:
        assert sum(c.fractions.values()) == pytest.approx(1.0)
        assert shape_name(c.fractions) == c.shape
        present = sum(v > 1e-9 for v in c.fractions.values())
        assert present <= 3
        assert c.shape.startswith({1: "", 2: "truncated", 3: "doubly truncated"}[present])


def test_cut_structure_hand_counts(small_cuts):
    # Two cut shapes, counted independently of featurize: Si-Si bonds by brute force,
    # H = 4 n_Si - 2 bonds.
    picked = [c for c in small_cuts if c.shape in ("cube", "octahedron", "rhombic dodecahedron")][:2]
    assert len(picked) == 2
    for c in picked:
        atoms = passivate(c.sites, CENTRES["bond"], {f"cut_{k}": v for k, v in c.distances.items()})
        si = atoms.positions[atoms.numbers == 14]
        d = np.linalg.norm(si[:, None] - si[None], axis=2)
        bonds = int(((d > 0.1) & (d < 2.5)).sum() // 2)
        f = featurize(atoms)
        assert f["n_Si"] == len(c.sites)
        assert f["n_H"] == 4 * len(c.sites) - 2 * bonds
        assert f["n_coord"] == pytest.approx(2 * bonds / len(c.sites))
        assert f[f"f{ {'cube': '100', 'octahedron': '111', 'rhombic dodecahedron': '110'}[c.shape]}"] == pytest.approx(1.0)
        assert sum(f[k] for k in FACETS) == pytest.approx(1.0)


def test_fractions_sum_to_one_from_atoms(small_cuts):
    for c in small_cuts[:20]:
        atoms = passivate(c.sites, CENTRES["bond"])
        f = featurize(atoms)  # no cut stored: polyhedron from the atoms
        assert sum(f[k] for k in FACETS) == pytest.approx(1.0)
        assert all(0 <= f[k] <= 1 for k in FACETS)


def test_featurize_rejects_other_elements():
    with pytest.raises(ValueError, match="only Si and H"):
        featurize(Atoms("SiO", positions=[[0, 0, 0], [1.6, 0, 0]]))


def test_featurize_xyz_roundtrip(tmp_path):
    atoms = passivate(diamond_sites(5.43, CENTRES["atom"]), CENTRES["atom"])
    path = tmp_path / "si29.xyz"
    atoms.write(path)
    assert featurize_xyz(path) == featurize(atoms)
    with pytest.raises(FileNotFoundError, match="nope.xyz"):
        featurize_xyz(tmp_path / "nope.xyz")


def test_diameter_of_sphere_cluster():
    atoms = passivate(diamond_sites(14.0, CENTRES["atom"]), CENTRES["atom"])
    f = featurize(atoms, facets="atoms")
    # mean caliper width of the atom centres: a bit under 2 R for a faceted ball
    assert 2.5 < f["D"] < 2.8

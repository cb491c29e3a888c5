"""Tests of the sp3d5s* tight-binding model and the Stokes-shift model."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from ase import Atoms

from siqd_utils.reconstruct import stokes
from siqd_utils.reconstruct import tight_binding as tb
from siqd_utils.reconstruct.lattice import A_SI, CENTRES, diamond_sites, passivate

# Gaps (eV) of the science brief, section 4 (sp3d5s* + H, atom-centred spheres).
# Radii (A, about the cutting centre, lattice.py convention) giving each composition.
BRIEF_GAPS = {
    "Si29H36": ("atom", 5.43, 4.32),
    "Si35H36": ("atom", 5.90, 4.19),
    "Si87H76": ("atom", 7.50, 3.26),
    "Si147H100": ("atom", 8.59, 2.87),
    "Si275H172": ("atom", 10.43, 2.36),
}


def cluster(centre: str, radius: float) -> Atoms:
    return passivate(diamond_sites(radius, CENTRES[centre]), CENTRES[centre])


def formula(atoms: Atoms) -> str:
    s = atoms.get_chemical_symbols()
    return f"Si{s.count('Si')}H{s.count('H')}"


def d_eq(atoms: Atoms) -> float:
    """Equivalent-sphere diameter (nm), a (3 N_Si / 4 pi)^(1/3)."""
    return 0.1 * A_SI * (3 * atoms.get_chemical_symbols().count("Si") / (4 * np.pi)) ** (1 / 3)


@pytest.fixture(scope="module")
def edges():
    """band_edges of the brief's clusters plus a few larger ones, computed once."""
    out = {}
    for name, (centre, radius, _) in BRIEF_GAPS.items():
        atoms = cluster(centre, radius)
        assert formula(atoms) == name
        out[name] = (atoms, tb.band_edges(atoms))
    for centre, radius in (("bond", 12.0), ("bond", 14.5)):
        atoms = cluster(centre, radius)
        out[formula(atoms)] = (atoms, tb.band_edges(atoms))
    return out


# ----------------------------------------------------------------------------
# Slater-Koster table
# ----------------------------------------------------------------------------
def _rotation_to(d: np.ndarray) -> np.ndarray:
    """A rotation matrix R with R @ z = d (unit)."""
    z = np.array([0.0, 0.0, 1.0])
    v = np.cross(z, d)
    c = float(d @ z)
    if np.linalg.norm(v) < 1e-12:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


_S3 = np.sqrt(3.0)
# d orbitals as quadratic forms r^T Q r, order xy, yz, zx, x2-y2, 3z2-r2 (equal norms).
_Q = np.array([
    [[0, _S3 / 2, 0], [_S3 / 2, 0, 0], [0, 0, 0]],
    [[0, 0, 0], [0, 0, _S3 / 2], [0, _S3 / 2, 0]],
    [[0, 0, _S3 / 2], [0, 0, 0], [_S3 / 2, 0, 0]],
    [[_S3 / 2, 0, 0], [0, -_S3 / 2, 0], [0, 0, 0]],
    [[-0.5, 0, 0], [0, -0.5, 0], [0, 0, 1.0]],
])
# |m| of the bond-frame orbitals: p (x, y, z) and d (xy, yz, zx, x2-y2, z2).
_M_P = (1, 1, 0)
_M_D = (2, 1, 1, 2, 0)


def _coeffs(ell: int, R: np.ndarray) -> np.ndarray:
    """C[a, mu]: lab orbital a expanded in the orbitals rotated by R."""
    if ell == 0:
        return np.ones((1, 1))
    if ell == 1:
        return R
    rot = np.einsum("ij,mjk,lk->mil", R, _Q, R)  # R Q_mu R^T
    return np.einsum("aij,mij->am", _Q, rot) / 1.5


def _rotated_block(d: np.ndarray, left: str, right: str) -> np.ndarray:
    """Independent SK block: rotate the bond-frame (diagonal in m) matrix."""
    R = _rotation_to(d / np.linalg.norm(d))
    params, kinds_l, kinds_r = tb._pair_params(left, right)
    rev = tb._pair_params(right, left)[0]
    n_l, n_r = (10 if left == "Si" else 1), (10 if right == "Si" else 1)
    out = np.zeros((n_l, n_r))
    for ka in kinds_l:
        for kb in kinds_r:
            la, lb = tb._ELL[ka], tb._ELL[kb]
            if la <= lb:
                v, sign = params[(ka, kb)], 1.0
            else:  # bond-frame element with the higher-l orbital on the left
                v, sign = rev[(kb, ka)], (-1.0) ** (la + lb)
            ca, cb = _coeffs(la, R), _coeffs(lb, R)
            # Bond frame: only orbitals of the same symmetry about the bond couple,
            # with the integral of their |m|.
            M = np.zeros((2 * la + 1, 2 * lb + 1))
            for i, lab_i in enumerate(_LABEL[la]):
                for j, lab_j in enumerate(_LABEL[lb]):
                    if lab_i == lab_j:
                        M[i, j] = sign * v[_M[la][i]]
            sa = tb._KIND_SLICE[ka] if left == "Si" else slice(0, 1)
            sb = tb._KIND_SLICE[kb] if right == "Si" else slice(0, 1)
            out[sa, sb] = ca @ M @ cb.T
    return out


# Bond-frame symmetry label of each real orbital (bond along z): s, pz, dz2 are
# sigma ("0"); px, dzx and py, dyz are the two pi pairs; dxy, dx2-y2 the deltas.
_LABEL = {0: ("0",), 1: ("x", "y", "0"), 2: ("xy", "y", "x", "x2y2", "0")}
_M = {0: (0,), 1: _M_P, 2: _M_D}


def test_sk_table_matches_rotated_bond_frame():
    rng = np.random.default_rng(1)
    dirs = np.concatenate([rng.standard_normal((20, 3)), np.eye(3), -np.eye(3), [[1, 1, 1], [1, -1, -1]]])
    for left, right in (("Si", "Si"), ("H", "Si"), ("Si", "H")):
        table = tb.sk_block(dirs, left, right)
        for d, blk in zip(dirs, table):
            np.testing.assert_allclose(blk, _rotated_block(d, left, right), atol=1e-12)


def test_sk_hermiticity_between_directions():
    rng = np.random.default_rng(2)
    d = rng.standard_normal((10, 3))
    np.testing.assert_allclose(tb.sk_block(d, "Si", "Si"), np.swapaxes(tb.sk_block(-d, "Si", "Si"), 1, 2), atol=1e-13)
    np.testing.assert_allclose(tb.sk_block(d, "Si", "H"), np.swapaxes(tb.sk_block(-d, "H", "Si"), 1, 2), atol=1e-13)


# ----------------------------------------------------------------------------
# Bulk
# ----------------------------------------------------------------------------
def test_bulk_band_structure():
    s = tb.bulk_band_summary()
    assert s["gap"] == pytest.approx(1.18, abs=0.01)
    assert s["k_cbm"] == pytest.approx(0.845, abs=0.01)
    assert s["gamma15c"] == pytest.approx(3.40, abs=0.03)
    assert s["gamma2pc"] == pytest.approx(4.15, abs=0.03)
    assert tb.bulk_midgap() == pytest.approx(0.5 * (s["vbm"] + s["cbm"]))
    # Hermitian at a general k point.
    H = tb.bulk_hamiltonian(np.array([0.3, -0.7, 0.2]))
    np.testing.assert_allclose(H, H.conj().T, atol=1e-13)


# ----------------------------------------------------------------------------
# Cluster Hamiltonian
# ----------------------------------------------------------------------------
def test_hamiltonian_structure():
    atoms = cluster("atom", 5.43)
    H = tb.hamiltonian(atoms)
    assert isinstance(H, sp.csr_matrix)
    assert H.shape == (29 * 10 + 36, 29 * 10 + 36)
    assert abs(H - H.T).max() == 0.0
    h = np.arange(290, 326)
    assert H[h][:, h].toarray() == pytest.approx(np.diag(np.full(36, tb.H_ONSITE)))  # no H-H hopping
    # Atom order does not matter: shuffled atoms give the same spectrum.
    perm = np.random.default_rng(0).permutation(len(atoms))
    w1 = np.linalg.eigvalsh(H.toarray())
    w2 = np.linalg.eigvalsh(tb.hamiltonian(atoms[perm]).toarray())
    np.testing.assert_allclose(w1, w2, atol=1e-10)


@pytest.mark.parametrize("centre,radius,name", [("atom", 5.43, "Si29H36"), ("bond", 5.56, "Si38H42")])
def test_sparse_edges_equal_dense(centre, radius, name):
    atoms = cluster(centre, radius)
    assert formula(atoms) == name
    be = tb.band_edges(atoms)
    w = np.linalg.eigvalsh(tb.hamiltonian(atoms).toarray())
    n_occ = be["n_occupied"]
    assert n_occ == tb.electron_count(atoms) // 2 == (4 * atoms.get_chemical_symbols().count("Si") + atoms.get_chemical_symbols().count("H")) // 2
    assert be["homo"] == pytest.approx(w[n_occ - 1], abs=1e-8)
    assert be["lumo"] == pytest.approx(w[n_occ], abs=1e-8)
    assert be["gap"] == pytest.approx(w[n_occ] - w[n_occ - 1], abs=1e-8)
    # The inertia count matches the dense spectrum; sigma lies in the gap.
    assert be["n_below_sigma"] == int(np.count_nonzero(w < be["sigma"])) == n_occ
    assert be == tb.band_edges(atoms)  # deterministic


@pytest.mark.parametrize("sigma", [-3.0, 2.0, 6.0])
def test_band_edges_recovers_from_bad_shift(sigma):
    atoms = cluster("atom", 5.43)
    w = np.linalg.eigvalsh(tb.hamiltonian(atoms).toarray())
    be = tb.band_edges(atoms, sigma=sigma)
    assert be["homo"] == pytest.approx(w[75], abs=1e-8)
    assert be["lumo"] == pytest.approx(w[76], abs=1e-8)


def test_inertia_of_ldl():
    atoms = cluster("bond", 5.56)
    H = tb.hamiltonian(atoms)
    w = np.linalg.eigvalsh(H.toarray())
    for sigma in (-5.3, 0.4, 3.7, 12.1):
        ldl = tb._LDL(H - sigma * sp.identity(H.shape[0], format="csc"))
        assert ldl.symmetric
        assert ldl.n_negative == int(np.count_nonzero(w < sigma))
        assert ldl.residual < 1e-10


def test_gaps_match_brief_table(edges):
    for name, (_, _, gap) in BRIEF_GAPS.items():
        assert edges[name][1]["gap"] == pytest.approx(gap, abs=0.05), name


def test_gap_decreases_towards_bulk(edges):
    items = sorted(edges.values(), key=lambda t: len(t[0]))
    gaps = [be["gap"] for _, be in items]
    assert np.all(np.diff(gaps) < 0)
    assert gaps[-1] > tb.bulk_band_summary()["gap"]
    # Confinement opens both edges about the bulk band edges.
    s = tb.bulk_band_summary()
    for _, be in items:
        assert be["homo"] < s["vbm"] and be["lumo"] > s["cbm"]


def test_delerue_fit(edges):
    checked = 0
    for atoms, be in edges.values():
        d = d_eq(atoms)
        if 1.5 <= d <= 3.0:
            fit = 1.17 + 3.73 / d**1.39
            assert be["gap"] == pytest.approx(fit, rel=0.15)
            checked += 1
    assert checked >= 4


def test_band_edges_errors():
    with pytest.raises(ValueError):
        tb.band_edges(Atoms("SiH3", positions=[[0, 0, 0], [1.48, 0, 0], [0, 1.48, 0], [0, 0, 1.48]]))
    with pytest.raises(ValueError):
        tb.hamiltonian(Atoms("CH4", positions=np.eye(5, 3)))
    with pytest.raises(ValueError):
        tb.band_edges(cluster("atom", 5.43), n_states=1)


# ----------------------------------------------------------------------------
# Stokes shift
# ----------------------------------------------------------------------------
def test_stokes_anchors():
    assert stokes.stokes_shift(2.2) == pytest.approx(0.06)
    assert stokes.stokes_shift(1.1) == pytest.approx(1.0, abs=0.02)
    assert stokes.LAMBDA == pytest.approx(1.1 / np.log(1.0 / 0.06), abs=0.005)
    d = np.linspace(0.6, 3.5, 30)
    s = stokes.stokes_shift(d)
    assert isinstance(s, np.ndarray) and np.all(np.diff(s) < 0)
    assert isinstance(stokes.stokes_shift(1.5), float)


def test_emission_energy():
    assert stokes.emission_energy(2.36, 2.2) == pytest.approx(2.30)
    assert stokes.emission_energy(4.19, 1.1) == pytest.approx(4.19 - stokes.stokes_shift(1.1))
    # The floor applies, but never lifts emission above the gap.
    assert stokes.emission_energy(3.0, 0.6) == pytest.approx(1.5)
    assert stokes.emission_energy(1.2, 0.6) == pytest.approx(1.2)
    assert stokes.emission_energy(3.0, 0.6, floor_eV=None) < 1.5
    np.testing.assert_allclose(stokes.emission_energy([2.36, 2.0], [2.2, 3.0]),
                               [2.30, 2.0 - stokes.stokes_shift(3.0)])


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf, [1.0, -2.0]])
def test_stokes_bad_input(bad):
    with pytest.raises(ValueError):
        stokes.stokes_shift(bad)
    with pytest.raises(ValueError):
        stokes.emission_energy(2.0, bad)
    with pytest.raises(ValueError):
        stokes.emission_energy(bad, 2.0)
    with pytest.raises(ValueError):
        stokes.stokes_shift(2.0, lam=0.0)
    with pytest.raises(ValueError):
        stokes.emission_energy(2.0, 2.0, floor_eV=-1.0)

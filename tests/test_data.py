"""The shipped ensemble and the loader's validation of bad input."""

import shutil

import numpy as np
import pandas as pd
import pytest

from siqd_utils import datasets as data
from siqd_utils.bands import BANDS, band_counts
from siqd_utils.datasets import DataValidationError, load_ensemble
from siqd_utils.datasets import load_paper_results


@pytest.fixture(scope="module")
def shipped():
    return load_ensemble()


@pytest.fixture()
def user_csv(tmp_path):
    path = tmp_path / "user.csv"
    shutil.copy(data.ENSEMBLE_CSV, path)
    return path


def _rewrite(path, edit):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame)
    frame.to_csv(path, index=False)


def test_shipped_file_loads_and_checks(shipped):
    assert list(shipped.columns) == list(data.COLUMN_NAMES)
    assert len(shipped) > 150
    assert shipped["id"].is_unique
    assert np.allclose(shipped[list(data.FACET_COLUMNS)].sum(axis=1), 1.0, atol=1e-6)
    assert shipped["D"].between(0.5, 3.04).all()
    assert (shipped["facet_method"] == "exact-cut").all()


def test_readme_states_the_shipped_count_beside_the_source(shipped):
    from siqd_utils.datasets import DATA_DIR

    readme = (DATA_DIR.parent / "README.md").read_text()
    lo, hi = shipped["D"].min(), shipped["D"].max()
    assert f"**{len(shipped)} SiQDs, D = {lo:.2f}-{hi:.2f} nm, beside the source's 303 SiQDs" in readme


def test_checksum_mismatch_is_reported(tmp_path, monkeypatch):
    copy = tmp_path / "siqd_ensemble.csv"
    shutil.copy(data.ENSEMBLE_CSV, copy)
    with open(copy, "a") as fh:
        fh.write("\n")
    monkeypatch.setattr(data, "ENSEMBLE_CSV", copy)
    with pytest.raises(DataValidationError, match="SHA-256"):
        load_ensemble()


def test_user_file_loads(user_csv, shipped):
    pd.testing.assert_frame_equal(load_ensemble(user_csv), shipped)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no_such.csv"):
        load_ensemble("no_such.csv")


BAD = [
    ("missing column", lambda f: f.pop("f113"), "f113", r"missing column"),
    ("extra column", lambda f: f.insert(3, "colour", "red"), "colour", r"unexpected column"),
    ("non-numeric", lambda f: f.loc.__setitem__((4, "D"), "big"), "'D', row 6", r"non-numeric value 'big'"),
    ("NaN", lambda f: f.loc.__setitem__((2, "n_coord"), "nan"), "'n_coord', row 4", r"NaN"),
    ("empty", lambda f: f.loc.__setitem__((2, "f100"), ""), "'f100', row 4", r"NaN"),
    ("zero size", lambda f: f.loc.__setitem__((0, "D"), "0"), "'D', row 2", r"positive, got 0.0"),
    ("negative atoms", lambda f: f.loc.__setitem__((1, "n_Si"), "-3"), "'n_Si', row 3", r"positive"),
    ("fraction > 1", lambda f: f.loc.__setitem__((5, "f111"), "1.5"), "'f111', row 7", r"fraction 1.5 outside \[0, 1\]"),
    ("sum != 1", lambda f: f.loc.__setitem__((3, "f100"), str(float(f.loc[3, "f100"]) + 0.01) if float(f.loc[3, "f100"]) < 0.98 else str(float(f.loc[3, "f100"]) - 0.01)), "row 5", r"sum to"),
    ("wavelength", lambda f: f.loc.__setitem__((7, "wavelength_nm"), "2500"), "'wavelength_nm', row 9", r"wavelength 2500.0 nm outside 150-2000"),
    ("duplicate id", lambda f: f.loc.__setitem__((6, "id"), f.loc[0, "id"]), "'id', row 8", r"duplicate id"),
    ("fractional atoms", lambda f: f.loc.__setitem__((2, "n_H"), "12.5"), "'n_H', row 4", r"whole number"),
]


@pytest.mark.parametrize(("what", "edit", "where", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_file_column_row(user_csv, what, edit, where, message):
    _rewrite(user_csv, edit)
    with pytest.raises(DataValidationError, match=message) as err:
        load_ensemble(user_csv)
    text = str(err.value)
    assert str(user_csv) in text
    assert where in text
    assert "np." not in text  # values read as numbers, not numpy reprs


def test_band_shares_match_source(shipped):
    # The calibration places the scale so every share is within 3 percentage points of the source's.
    paper = load_paper_results()
    n_src = paper["dataset"]["n_structures"]
    counts = band_counts(shipped["wavelength_nm"])
    n = len(shipped)
    assert abs(counts["below"] / n - paper["dataset"]["n_below_400nm"] / n_src) <= 0.03
    assert abs(counts["above"] / n) <= 0.03
    for band in BANDS:
        ours = counts[band.name] / n
        theirs = paper["bands"]["counts"][band.name] / n_src
        assert abs(ours - theirs) <= 0.03, (band.name, ours, theirs)


def test_model_emission_reported_and_ordered(shipped):
    # The calibration is monotone: it never changes which structure is redder.
    order_model = np.argsort(-shipped["emission_eV_model"].to_numpy(), kind="stable")
    assert np.all(np.diff(shipped["wavelength_nm"].to_numpy()[order_model]) >= -1e-3)
    assert (shipped["emission_eV_model"] <= shipped["gap_eV"]).all()


def test_gaps_follow_delerue_and_fall_towards_bulk(shipped):
    from siqd_utils.reconstruct.tight_binding import bulk_band_summary

    e_bulk = bulk_band_summary()["gap"]
    window = shipped[shipped["D"].between(1.5, 3.0)]
    fit = e_bulk + 3.73 / window["D"] ** 1.39
    within = (abs(window["gap_eV"] - fit) / fit <= 0.15).mean()
    assert len(window) > 50 and within >= 0.90
    # binned by size, the median gap decreases and stays above the bulk gap
    medians = shipped.groupby(pd.cut(shipped["D"], [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]), observed=True)["gap_eV"].median()
    assert np.all(np.diff(medians.to_numpy()) < 0)
    assert (shipped["gap_eV"] > e_bulk).all()


# ----------------------------------------------------------------------------- size law
def _synthetic(seed=0, n=200):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"n_Si": rng.integers(20, 900, n)})
    frame["D"] = 0.1 * frame["n_Si"] ** (1 / 3) + rng.normal(0, 0.01, n)
    f = rng.dirichlet(np.ones(4), n)
    frame[["f100", "f110", "f111", "f113"]] = f
    frame["HSi_ratio"] = rng.uniform(0.4, 1.5, n)
    return frame, rng


def test_size_law_finds_a_pure_size_law_and_a_pure_shape_effect():
    from siqd_utils.reconstruct.size_law import size_law

    frame, rng = _synthetic()
    frame["wavelength_nm"] = 400 + 300 * (1 - 1 / frame["n_Si"] ** (1 / 3))
    law = size_law(frame, seed=1).scores.set_index("model")["R2_mean"]
    assert law["n_Si alone"] > 0.97 and law["mean only (baseline)"] < 0.05
    frame["wavelength_nm"] = 500 + 100 * frame["f111"] + rng.normal(0, 1, len(frame))
    law = size_law(frame, seed=1).scores.set_index("model")["R2_mean"]
    assert law["n_Si alone"] < 0.2 < 0.8 < law["retained features"]


def test_size_law_spread_and_determinism(shipped):
    from siqd_utils.reconstruct.size_law import size_law

    a, b = size_law(shipped, seed=3), size_law(shipped, seed=3)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.spread, b.spread)
    spread = a.spread.set_index("quantity")
    assert set(spread.index) == {"wavelength_nm", "gap_eV"}
    shared = shipped.groupby("n_Si").filter(lambda g: len(g) > 1)
    assert spread.loc["wavelength_nm", "dots in them"] == len(shared)
    ranges = shared.groupby("n_Si")["gap_eV"].agg(lambda v: v.max() - v.min())
    assert spread.loc["gap_eV", "largest range at equal n_Si"] == pytest.approx(ranges.max())
    assert 0 <= spread.loc["wavelength_nm", "variance within equal n_Si"] <= 1


def test_size_law_rejects_missing_columns():
    from siqd_utils.reconstruct.size_law import size_law

    frame, _ = _synthetic()
    with pytest.raises(ValueError, match=r"missing column\(s\) \['wavelength_nm'\]"):
        size_law(frame)


def test_size_law_on_a_small_table_uses_fewer_folds_and_stays_finite():
    # A researcher's own dozen dots: ten folds would leave folds of one dot, whose R^2 is undefined.
    from siqd_utils.reconstruct.size_law import MIN_FOLD_ROWS, size_law

    frame, _ = _synthetic()
    frame["wavelength_nm"] = 400 + 300 * (1 - 1 / frame["n_Si"] ** (1 / 3))
    law = size_law(frame.iloc[:12], seed=1)
    assert law.n_splits == 12 // MIN_FOLD_ROWS
    assert all(np.isfinite(v) for v in law.summary().values())
    with pytest.raises(ValueError, match="5 rows; cross-validation needs at least 6"):
        size_law(frame.iloc[:5])

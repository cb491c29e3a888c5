"""Regeneration of the ensemble is deterministic, and the committed files are its output.

The committed files must be the regeneration's bytes. ``make test`` checks this in two parts:
every step but the tight-binding solve is rerun for the whole ensemble (the gaps read from the
committed table) and must give every committed byte, and the tight-binding gap of a sample of
structures spanning the size range must equal the committed value at its printed precision.
The whole regeneration from scratch (about 3.5 minutes on 2 cores, most of it the
tight-binding solves) is the ``full_regeneration`` test, run by ``make check-data``. The small
ensemble must be the small end of the full one.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from siqd_utils.datasets import DATA_DIR
from siqd_utils.datasets import load_paper_results
from siqd_utils.reconstruct.build import DATA_FILES, EnsembleSettings, build_ensemble, write_ensemble
from siqd_utils.reconstruct.choices import distance_to_source, evaluate_choices

ROOT = Path(__file__).resolve().parent.parent


def _regenerate(out, *extra):
    cmd = [sys.executable, "-m", "siqd_utils.reconstruct", "build", "--out", str(out), "--quiet", *extra]
    subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"})
    return _written(out)


def _written(out) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in (*DATA_FILES, "SHA256SUMS")}


#: Structures whose tight-binding gap make test recomputes: evenly spaced in the size order
#: of the table (its rows are sorted by n_Si), the smallest and the largest included.
N_GAP_SAMPLE = 9


def _assert_committed(fresh: dict[str, bytes]):
    for name, payload in fresh.items():
        assert payload == (DATA_DIR / name).read_bytes(), f"{name} differs from the committed file; run `make data`"


@pytest.mark.full_regeneration
def test_full_ensemble_matches_committed(tmp_path):
    _assert_committed(_regenerate(tmp_path / "full", "--n-jobs", "2"))


@pytest.mark.slow
def test_every_step_but_the_gaps_gives_the_committed_bytes(tmp_path):
    import pandas as pd

    settings = EnsembleSettings()
    shipped = pd.read_csv(DATA_DIR / "siqd_ensemble.csv")
    frame, structures, calibration, stats = build_ensemble(settings, n_jobs=2, progress=False,
                                                           gaps=shipped["gap_eV"].to_numpy())
    write_ensemble(tmp_path, frame, structures, calibration, settings, stats)
    _assert_committed(_written(tmp_path))


def test_gaps_must_be_one_per_structure():
    import pandas as pd

    small = EnsembleSettings(max_diameter=1.0)
    # The small ensemble is the small end of the shipped one (tested below), so its size is known
    # without building it; the gaps are checked before the slow steps.
    n = int((pd.read_csv(DATA_DIR / "siqd_ensemble.csv")["D"] <= small.max_diameter).sum())
    with pytest.raises(ValueError, match=re.escape(f"gaps: expected {n} finite values, one per structure in "
                                                   f"row order, got shape ({n + 1},)")):
        build_ensemble(small, progress=False, gaps=[1.0] * (n + 1))
    with pytest.raises(ValueError, match=re.escape(f"gaps: value nan at row 1 is not finite (1 of {n} such values)")):
        build_ensemble(small, progress=False, gaps=[1.0, float("nan")] + [1.0] * (n - 2))


@pytest.mark.slow
def test_tight_binding_gaps_of_a_size_sample_are_the_committed_ones():
    import numpy as np
    import pandas as pd
    from ase.io import read

    from siqd_utils.reconstruct.tight_binding import band_edges

    shipped = pd.read_csv(DATA_DIR / "siqd_ensemble.csv")
    frames = read(DATA_DIR / "siqd_structures.extxyz.gz", index=":")
    assert np.all(np.diff(shipped["n_Si"]) >= 0)
    picks = np.unique(np.linspace(0, len(shipped) - 1, N_GAP_SAMPLE).round().astype(int))
    for i in picks:
        atoms = frames[i]
        atoms.info.clear()  # the gap comes from the atoms alone
        gap = round(float(band_edges(atoms)["gap"]), 5)
        assert gap == shipped.loc[i, "gap_eV"], f"{shipped.loc[i, 'id']}: gap {gap} eV, committed {shipped.loc[i, 'gap_eV']}"


def test_cli_rejects_bad_diameter(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "build", "--out", str(tmp_path),
                           "--max-diameter", "7"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "--max-diameter" in proc.stderr


def test_cli_needs_a_subcommand(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "siqd_utils.reconstruct", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "build" in proc.stderr and "featurize" in proc.stderr


def test_distance_to_source():
    paper = load_paper_results()
    assert distance_to_source(303, 0.5, 3.04, paper) == 0.0
    assert distance_to_source(303 - 30.3, 0.5, 3.04, paper) == pytest.approx(0.1)
    assert distance_to_source(303, 0.5 + 0.254, 3.04, paper) == pytest.approx(0.1)


@pytest.mark.slow  # six lattice enumerations when the choice cache is cold (about 45 s)
def test_shipped_settings_are_the_closest_faithful_choice():
    table = evaluate_choices(load_paper_results(), n_jobs=2)
    assert len(table) == 3 * 3 * 2 * 2
    faithful = table[table["centrosymmetric"]].sort_values(["distance", "count"])
    best = faithful.iloc[0]
    s = EnsembleSettings()
    assert (best["centring"], best["diameter"], best["pruning"], best["upper limit (nm)"]) == \
        (s.centre, s.diameter, "on", s.max_diameter)
    # the shipped table has exactly that count and range
    import pandas as pd

    shipped = pd.read_csv(DATA_DIR / "siqd_ensemble.csv")
    assert len(shipped) == best["count"]
    assert shipped["D"].min() == pytest.approx(best["D_min"], abs=1e-4)
    assert shipped["D"].max() == pytest.approx(best["D_max"], abs=1e-4)


@pytest.mark.slow  # the build writes the construction-choice table: six lattice enumerations on a cold cache
def test_small_ensemble_is_the_small_end_of_the_full_one(tmp_path):
    import pandas as pd

    payload = _regenerate(tmp_path / "s", "--max-diameter", "1.5")
    assert b"SiQD-001" in payload["siqd_ensemble.csv"]
    small = pd.read_csv(tmp_path / "s" / "siqd_ensemble.csv")
    full = pd.read_csv(DATA_DIR / "siqd_ensemble.csv")
    full = full[full["D"] <= 1.5].reset_index(drop=True)
    cols = ["shape", "n_Si", "n_H", "D", "n_coord", "f100", "f110", "f111", "f113", "gap_eV", "emission_eV_model"]
    pd.testing.assert_frame_equal(small[cols], full[cols])

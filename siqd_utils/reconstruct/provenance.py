"""The text of ``data/PROVENANCE.md``, with every number computed from the build."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..bands import BANDS, HC_EV_NM, band_counts
from ..datasets import load_paper_results
from .calibration import emission_above_gap, source_shares
from .choices import MIN_DIAMETER, POOL_RADIUS
from .facets import FACET_METHODS
from .lattice import A_SI, D_SI_H, MIN_SI_NEIGHBOURS, SI_SI_CUTOFF
from .lattice_fit import SNAP_TOLERANCE
from .tight_binding import PARAMETER_SOURCE_TEXT

__all__ = ["provenance_markdown"]


def _table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(str(v) for v in row.tolist()) + " |")
    return "\n".join(lines)


_DIAMETER_TEXT = {
    "surface": "twice the mean distance of the surface Si (those bonded to H) from the Si centroid",
    "sphere": "the equivalent-sphere diameter a (3 n_Si / 4 pi)^(1/3)",
    "caliper": "the mean caliper width of the Si atom centres over 2,000 even directions",
}
_CENTRE_TEXT = {"hex": "hexagonal interstitial, (5/8, 5/8, 5/8) a", "bond": "bond centre, (1/8, 1/8, 1/8) a",
                "atom": "lattice atom (Td, not an inversion centre)", "tetrahedral": "tetrahedral interstitial (Td)"}


def _choices_section(choices: pd.DataFrame, settings, paper: dict) -> str:
    """The table of construction choices and which one is shipped, all computed."""
    lo, hi = paper["dataset"]["diameter_nm"]
    n_src = paper["dataset"]["n_structures"]
    shipped_key = (settings.centre, settings.diameter, "on" if settings.min_neighbours >= MIN_SI_NEIGHBOURS else "off",
                   settings.max_diameter)
    order = {"hex": 0, "bond": 1, "atom": 2}
    table = choices.assign(_c=choices["centring"].map(order)).sort_values(
        ["_c", "pruning", "diameter", "upper limit (nm)"], ascending=[True, False, True, True])
    lines = ["| centring | pruning | D definition | upper limit (nm) | count | D range (nm) | distance | |",
             "|---|---|---|---|---|---|---|---|",
             f"| CSIRO source | | | | **{n_src}** | **{lo}-{hi}** | 0 | |"]
    for _, r in table.iterrows():
        key = (r["centring"], r["diameter"], r["pruning"], r["upper limit (nm)"])
        mark = "**shipped**" if key == shipped_key else ""
        rng = f"{r['D_min']:.2f}-{r['D_max']:.2f}" if r["count"] else "-"
        lines.append(f"| {r['centring']} | {r['pruning']} | {r['diameter']} | {r['upper limit (nm)']:g} | {r['count']} "
                     f"| {rng} | {r['distance']:.3f} | {mark} |")
    faithful = choices[choices["centrosymmetric"]].sort_values(["distance", "count"])
    best = faithful.iloc[0]
    best_key = (best["centring"], best["diameter"], best["pruning"], best["upper limit (nm)"])
    runner = faithful.iloc[1]
    verdict = ("This is the shipped combination." if best_key == shipped_key else
               "The shipped combination differs from it (it was built with other options).")
    return "\n".join(lines) + f"""

`distance` = |count - {n_src}| / {n_src} + (|D_min - {lo}| + |D_max - {hi}|) / ({hi} - {lo}): one unit is
the whole count or the whole size range.  Among the combinations true to the source's
description (symmetric cuts about an inversion centre of the lattice, every Si four-fold,
at most three facet families; atom-centred cuts are Td, not centrosymmetric, and are listed
only for comparison) the closest is **{best['centring']} centre, D = {best['diameter']}, pruning
{best['pruning']}, D <= {best['upper limit (nm)']:g} nm: {best['count']} dots, {best['D_min']:.2f}-{best['D_max']:.2f} nm**
(distance {best['distance']:.3f}; next: {runner['centring']} centre, {runner['diameter']}, pruning {runner['pruning']},
<= {runner['upper limit (nm)']:g} nm, {runner['count']} dots, {runner['D_min']:.2f}-{runner['D_max']:.2f} nm, distance {runner['distance']:.3f}).
{verdict}  Every row is reachable with
`python -m siqd_utils.reconstruct build --centre C --diameter D [--no-prune] --max-diameter X`,
and `python -m siqd_utils.reconstruct choices` prints this table.  The counts come from
the same enumeration as the build, geometry only, within a {POOL_RADIUS:g} A pool
(`siqd_utils.reconstruct.choices`)."""


def _size_law_section(law) -> str:
    if law is None:
        return "Too few structures in this build for a cross-validated measurement."
    sc = law.scores.set_index("model")
    sp = law.spread.set_index("quantity")
    rows = "\n".join(f"| {m} | {r['features']} | {r['R2_mean']:.3f} +- {r['R2_std']:.3f} |" for m, r in sc.iterrows())
    w = sp.loc["wavelength_nm"]
    text = f"""Cross-validated R^2 for `wavelength_nm` ({law.n_splits}-fold shuffled K-fold, seed {law.seed};
random forest of 100 trees, `siqd_utils.reconstruct.size_law`):

| model | features | R^2 (mean +- sd over folds) |
|---|---|---|
{rows}

At fixed size: {int(w['shared n_Si values'])} values of n_Si are shared by two or more dots
({int(w['dots in them'])} dots).  Within such a group the wavelength spans a median
{w['median range at equal n_Si']:.1f} nm (largest {w['largest range at equal n_Si']:.1f} nm), against an
ensemble standard deviation of {w['ensemble std']:.1f} nm and range of {w['ensemble range']:.0f} nm;
{100 * w['variance within equal n_Si']:.2f} % of the wavelength variance lies within groups of equal n_Si and
{100 * w['variance within 0.1 nm D bins']:.1f} % within 0.1 nm bins of D."""
    if "gap_eV" in sp.index:
        g = sp.loc["gap_eV"]
        text += f"""  For the tight-binding gap the
median range at equal n_Si is {1000 * g['median range at equal n_Si']:.0f} meV (largest
{1000 * g['largest range at equal n_Si']:.0f} meV; ensemble sd {g['ensemble std']:.2f} eV)."""
    return text + f"""

**What this ensemble can test.**  {law.verdict()}"""


def provenance_markdown(frame: pd.DataFrame, calibration, settings, stats: dict) -> str:
    """Return PROVENANCE.md for a built ensemble (deterministic: no dates or timings)."""
    from .stokes import STOKES_MODEL_TEXT

    paper = load_paper_results()
    n = len(frame)
    n_src = paper["dataset"]["n_structures"]
    lo, hi = paper["dataset"]["diameter_nm"]
    src = source_shares(paper)
    model_wl = HC_EV_NM / frame["emission_eV_model"].to_numpy()
    ours_model = band_counts(model_wl)
    ours = band_counts(frame["wavelength_nm"].to_numpy())
    share_rows = []
    for key in ["below"] + [b.name for b in BANDS] + ["above"]:
        label = {"below": "below 400 nm", "above": "above 750 nm"}.get(key, key)
        share_rows.append(f"| {label} | {100 * src.get(key, 0.0):.1f} % | {ours_model[key]} ({100 * ours_model[key] / n:.1f} %) "
                          f"| {ours[key]} ({100 * ours[key] / n:.1f} %) | {100 * (ours[key] / n - src.get(key, 0.0)):+.1f} |")
    above = emission_above_gap(frame)
    worst = max(abs(ours[k] / n - src.get(k, 0.0)) for k in ["below"] + [b.name for b in BANDS] + ["above"])
    shapes = frame.groupby("shape").size().rename("count").reset_index().sort_values(["count", "shape"], ascending=[False, True])
    n_fam = (frame[["f100", "f110", "f111", "f113"]] > 0).sum(axis=1)
    methods = frame["facet_method"].value_counts()
    method_text = ", ".join(f"{methods.get(m, 0)} {m}" for m in FACET_METHODS)
    desc = frame[["n_Si", "n_H", "D", "gap_eV", "emission_eV_model", "emission_eV", "wavelength_nm"]].describe().T
    desc = desc[["min", "50%", "max"]].round(3).reset_index().rename(columns={"index": "column", "50%": "median"})
    prune_text = (f"A Si atom left with fewer than {MIN_SI_NEIGHBOURS} Si neighbours (an SiH3 group or a lone SiH4) is "
                  "removed, repeatedly (the 2-core of the bond graph, independent of the order of removal)."
                  if settings.min_neighbours >= MIN_SI_NEIGHBOURS else
                  "No pruning: Si atoms left with a single Si neighbour (SiH3 groups) are kept; a lone Si "
                  "(an SiH4 molecule, not part of the dot) is dropped.")
    command = "python -m siqd_utils.reconstruct build --out data"

    return f"""# Provenance of the shipped SiQD ensemble

This folder holds a **reconstruction**, not the CSIRO Silicon Quantum Dot Data Set
(Barnard & Wilson, v2, 2015, DOI 10.4225/08/5721BB609EDB0) that Parker & Barnard used
(Nanoscale Horiz. 2021, 6, 277).  That collection cannot be downloaded on the machines
this book is built on, so the ensemble is rebuilt here from first principles, the way
the source describes its own construction.  Every file is regenerated byte for byte by

    {command}

(`make data`), and `SHA256SUMS` lists the checksums that `siqd_utils.datasets.load_ensemble` verifies.

**{n} structures, D = {frame['D'].min():.2f}-{frame['D'].max():.2f} nm** (the source: {n_src} structures, {lo}-{hi} nm).

## Files

| file | content |
|---|---|
| `siqd_ensemble.csv` | one row per structure: id, shape, facet method, features, gap and emission ({n} rows) |
| `siqd_ensemble.columns.csv` | unit and meaning of every column |
| `siqd_structures.extxyz.gz` | every structure (Si and H positions, A), with `id`, `shape` and `wavelength_nm` in each frame's info; `ase.io.read(path, index=":")` |
| `PROVENANCE.md` | this record |
| `SHA256SUMS` | checksums of the files above |

## 1. Structures

* **Lattice.** Diamond-structure Si, a = {A_SI} A (Si-Si {A_SI * np.sqrt(3) / 4:.4f} A).
* **Centre.** Cuts are made about the **{_CENTRE_TEXT[settings.centre]}**.  The source says its
  SiQDs were cut "around the centrosymmetric lattice site"; lattice atoms themselves are not
  inversion centres (an atom-centred cut has Td symmetry and opposite facets that terminate
  differently), so the bond centre and the hexagonal interstitial are the two candidates;
  section 1.1 shows what each gives.
* **Cuts.** Every plane of a family ({{100}}: 6, {{110}}: 12, {{111}}: 8, {{113}}: 24 planes) sits at
  the same distance from the centre, so each shape keeps the centre's inversion
  symmetry.  Distances run over the mid-points between consecutive atomic layers, so
  no plane passes through an atom; families are combined one, two or three at a time
  (at most {settings.max_families}, as in the source).  {stats['n_cuts']} distinct sets of atoms arise within
  a {settings.pool():g} A pool.
* **Clean surfaces.** {prune_text}
* **One structure per set of atoms.** Two cuts that give the same Si atoms are one structure;
  a cut whose atoms are not one connected cluster is not a dot and is skipped.
* **Passivation.** Every Si with fewer than four Si neighbours gets one H along each
  missing tetrahedral bond, at {D_SI_H} A, so every Si is four-fold.  Geometries are ideal (unrelaxed).
* **Size window.** {settings.min_diameter} nm <= D <= {settings.max_diameter} nm, D being {_DIAMETER_TEXT[settings.diameter]}.
* **Names** follow the source's scheme: one family gives the cube (C, {{100}}), rhombic
  dodecahedron (RD, {{110}}), octahedron (OH, {{111}}) or deltoidal icositetrahedron (DI, {{113}});
  two families give "truncated" + the name of the family with the larger area;
  three give "doubly truncated" + that name.  The families and the name come from the
  final atoms (section 2), not from the cut that first produced them.

### 1.1 How many, and how the construction choices move the count

The reconstruction has **{n} structures** ({int((n_fam == 1).sum())} with one facet family,
{int((n_fam == 2).sum())} with two, {int((n_fam == 3).sum())} with three), D from {frame['D'].min():.2f} to
{frame['D'].max():.2f} nm; the source has {n_src}, from {lo} to {hi} nm.  The source's methods sections,
which fix the centring, the diameter definition, whether low-coordinated corner groups
were kept and whether 3 nm or 3.04 nm bounds the range, could not be read here, so
each combination was counted (D lower limit {MIN_DIAMETER} nm throughout; D definitions: surface =
{_DIAMETER_TEXT['surface']}; sphere = {_DIAMETER_TEXT['sphere']}; caliper = {_DIAMETER_TEXT['caliper']}):

{_choices_section(stats['choices'], settings, paper)}

{_table(shapes)}

## 2. Features

`siqd_utils.reconstruct.featurize(atoms)` computes every feature from an `ase.Atoms` alone
(no stored cut or info), and the builder calls the same code on each final structure, so
re-featurizing any shipped structure from its bare atoms gives exactly its row (tested for
all {n}).  `n_Si`, `n_H`, `HSi_ratio = n_H / n_Si`; `n_coord`, the mean number of Si
neighbours per Si (Si-Si < {SI_SI_CUTOFF} A); `D` as above, in nm.

**Facet fractions** (`siqd_utils.reconstruct.facets.facet_analysis`):

1. The Si atoms are placed on their diamond-lattice sites: exactly for ideal cuts; for
   rotated, rounded or relaxed input by fitting the lattice (sublattices from the bond
   graph, orientation by a Kabsch fit of the tetrahedral bond directions, origin and
   lattice constant by a least-squares similarity fit) and snapping each Si to its site
   when all lie within {SNAP_TOLERANCE:.2f} A of it (a quarter of the Si-Si bond).
2. For each of the 50 plane normals the **tight plane** lies mid-way in the gap between the
   outermost occupied atomic layer and the next lattice layer.
3. The **fewest facet families** whose tight planes cut the lattice, followed by the same
   pruning rule as the builder, to exactly the cluster's Si atoms are its facet families
   (ties between equally few families: the smaller polyhedron, then the order {{100}}, {{110}},
   {{111}}, {{113}}).  A cube whose corner atoms were pruned is therefore a cube (f100 = 1).
4. `f100` ... `f113` are the areas of that polyhedron's faces per family over its total
   area, from an exact half-space intersection (scipy/Qhull).

If no set of families reproduces the atoms, or no lattice fits, a documented estimate is
used instead and the `facet_method` column says so ({", ".join(FACET_METHODS)}), with a
warning.  In the shipped table: {method_text}.

For ideal, unrelaxed clusters `n_coord = 4 - HSi_ratio` holds exactly (each missing Si
neighbour is one H), so the two features are perfectly anti-correlated here; the source's
relaxed geometries loosen this only slightly, and the study drops `n_coord` for this reason.

## 3. Emission

* **Gap.** HOMO-LUMO gap of an orthogonal two-centre sp3d5s* tight-binding
  Hamiltonian with explicit H.  {PARAMETER_SOURCE_TEXT}  The few states around
  mid-gap come from a sparse shift-invert Lanczos solver (scipy ARPACK), never a
  dense diagonalisation.  Electron count 4 n_Si + n_H.  The gap follows Delerue,
  Allan & Lannoo's size law (PRB 48, 11024, 1993) E = E_bulk + 3.73 / d^1.39 eV.
* **Stokes shift.** {STOKES_MODEL_TEXT}
* **Calibration to the source's colour scale.** The source's DFTB emission is redder
  than a gap-based model would suggest for dots of its sizes (most of its SiQDs are
  orange or red).  A monotone map `emission_eV = alpha * emission_eV_model + beta`
  (alpha > 0) is fitted so that the shares of structures below 400 nm, in each colour
  band and above 750 nm match the source's: the sum of squared share differences is
  minimised by an exhaustive grid search over (alpha, beta), refined tenfold around
  the best point, ties going to the map closest to the identity
  (`siqd_utils.reconstruct.calibration`).  Fitted:
  **alpha = {calibration.alpha:.4f}, beta = {calibration.beta:+.4f} eV** (remaining sum of squared
  share differences {calibration.squared_share_error:.5f}; largest share difference
  {100 * worst:.1f} percentage points).
  The physics fixes which structure emits redder than which; the calibration only
  places the scale.  `wavelength_nm = {HC_EV_NM} / emission_eV`.  A price of the
  calibration: {above['calibrated']} of the {above['n']} structures emit above their own
  tight-binding gap on the calibrated scale ({above['model']} before it), which no Stokes
  shift allows; results that depend on the colour scale are the calibration's as much as
  the physics' (chapter 04 sets the bands of the uncalibrated model beside the calibrated ones).

| range | CSIRO (of {n_src}) | emission_eV_model | emission_eV (calibrated) | difference (points) |
|---|---|---|---|---|
""" + "\n".join(share_rows) + f"""

## 4. What this ensemble can test: size law and shape effect

{_size_law_section(stats.get('size_law'))}

## 5. Summary of the columns

{_table(desc)}

## 6. How this differs from the CSIRO data set

* Structures are ideal cuts, not relaxed geometries; features are computed on them.
* The count ({n} vs {n_src}) and the exact list differ (section 1.1).
* Emission is tight binding minus a modelled Stokes shift, placed on the source's
  colour scale by a two-parameter calibration, not DFTB excited-state relaxation of
  each structure; band shares match by construction (within a few points), the
  order of structures by colour is the model's own.
"""

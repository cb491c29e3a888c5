"""How much of the emission is a size law, and how large the shape effect is at fixed size.

Two measurements on an ensemble table (:func:`siqd_utils.datasets.load_ensemble`):

* **Cross-validated R^2** of one regressor (a random forest, so neither a straight
  line nor an interaction limits it) on a size feature alone (``n_Si`` or ``D``)
  and on the study's retained features (``D``, the four facet fractions,
  ``HSi_ratio``), beside a mean-only baseline; shuffled K-fold, seeded.
* **Spread at fixed size**: among dots with the same ``n_Si``, the range (max - min)
  of the wavelength and of the gap, against the spread over the whole ensemble;
  and the share of the variance left within groups of equal ``n_Si`` or within
  0.1 nm bins of ``D``.

If the size-only R^2 is close to the all-feature R^2, the facet fractions can add
little to a regression, whatever the classifiers later make of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_score

__all__ = ["RETAINED_FEATURES", "SizeLaw", "size_law"]

#: The study's retained features (after its correlation filter).
RETAINED_FEATURES = ("D", "f100", "f110", "f111", "f113", "HSi_ratio")
#: A gain in R^2 below this over size alone counts as "no more than size".
SMALL_GAIN = 0.01
#: Width (nm) of the D bins for the within-bin variance.
D_BIN_NM = 0.1


@dataclass(frozen=True)
class SizeLaw:
    """Result of :func:`size_law`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per feature set: ``features``, ``R2_mean``, ``R2_std`` (over folds).
    spread : pandas.DataFrame
        One row per target (``wavelength_nm``, and ``gap_eV`` when present): the
        ensemble's standard deviation and range, the number of ``n_Si`` values shared
        by two or more dots and how many dots they hold, the median and largest range
        within those groups, and the share of the variance within equal-``n_Si``
        groups and within D bins.
    n_splits, seed : int
        Cross-validation settings used.
    """

    scores: pd.DataFrame
    spread: pd.DataFrame
    n_splits: int
    seed: int

    @property
    def gain(self) -> float:
        """R^2 of the retained features minus that of the better size feature alone."""
        r2 = self.scores.set_index("model")["R2_mean"]
        return float(r2["retained features"] - max(r2["n_Si alone"], r2["D alone"]))

    def summary(self) -> dict[str, float]:
        """JSON-able numbers (chapter 01's metrics; chapter 07 quotes them): ``r2_size_only`` (the
        better of n_Si and D alone), ``r2_all_features``, ``gain``."""
        r2 = self.scores.set_index("model")["R2_mean"]
        return {"r2_size_only": float(max(r2["n_Si alone"], r2["D alone"])),
                "r2_all_features": float(r2["retained features"]), "gain": self.gain,
                "n_splits": self.n_splits}

    def verdict(self) -> str:
        """One sentence on what the numbers say about the shape effect (threshold: 0.01 in R^2)."""
        if self.gain < SMALL_GAIN:
            return (f"A size feature alone predicts the emission as well as all the retained features together "
                    f"(difference {self.gain:+.3f} in cross-validated R^2): the facet fractions carry a small "
                    "effect in this reconstruction, so the study's claims about facets can only be tested against "
                    "that small effect, and a model that scores well here has mostly learnt the size law.")
        return (f"The retained features add {self.gain:.3f} to the cross-validated R^2 of the better size feature "
                "alone: shape carries a measurable part of the emission in this ensemble.")


#: Fewest dots in a test fold: R^2 needs a spread of the target within the fold.
MIN_FOLD_ROWS = 3


def _r2(frame: pd.DataFrame, features, target: str, cv, seed: int, model=None) -> np.ndarray:
    model = model if model is not None else RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=1)
    return cross_val_score(model, frame[list(features)].to_numpy(), frame[target].to_numpy(), cv=cv, scoring="r2")


def _within_share(values: pd.Series, groups: pd.Series) -> float:
    """Share of the total variance of ``values`` that lies within ``groups``."""
    centred = values - values.groupby(groups).transform("mean")
    return float((centred**2).sum() / ((values - values.mean()) ** 2).sum())


def size_law(frame: pd.DataFrame, target: str = "wavelength_nm", seed: int = 42, n_splits: int = 10) -> SizeLaw:
    """Size-only against all-feature regression, and the spread of the emission at fixed size.

    Parameters
    ----------
    frame : pandas.DataFrame
        An ensemble table with ``n_Si``, the retained features and ``target``
        (``gap_eV`` is used for the spread when present).
    target : str, default="wavelength_nm"
        Column the regressors predict.
    seed : int, default=42
        Seeds the fold shuffle and the forests.
    n_splits : int, default=10
        Folds of the shuffled K-fold cross-validation, at most; fewer when the table is
        small, so that every test fold holds at least ``MIN_FOLD_ROWS`` dots (R^2 of a fold
        of one dot is undefined). ``SizeLaw.n_splits`` holds the number used.

    Returns
    -------
    SizeLaw

    Raises
    ------
    ValueError
        If a needed column is missing, or there are too few rows for two folds of
        ``MIN_FOLD_ROWS`` dots.
    """
    need = {"n_Si", target, *RETAINED_FEATURES}
    missing = sorted(need - set(frame.columns))
    if missing:
        raise ValueError(f"size_law: missing column(s) {missing}")
    n_splits = min(n_splits, len(frame) // MIN_FOLD_ROWS)
    if n_splits < 2:
        raise ValueError(f"size_law: {len(frame)} rows; cross-validation needs at least "
                         f"{2 * MIN_FOLD_ROWS} (two folds of {MIN_FOLD_ROWS} dots)")
    cv = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    sets = [("mean only (baseline)", ("n_Si",), DummyRegressor()), ("n_Si alone", ("n_Si",), None),
            ("D alone", ("D",), None), ("retained features", RETAINED_FEATURES, None)]
    rows = []
    for name, features, model in sets:
        r2 = _r2(frame, features, target, cv, seed, model)
        rows.append({"model": name, "features": ", ".join(features) if model is None else "none",
                     "R2_mean": float(r2.mean()), "R2_std": float(r2.std())})
    scores = pd.DataFrame(rows)

    spread_rows = []
    shared = frame.groupby("n_Si").filter(lambda g: len(g) > 1)
    d_bins = np.floor(frame["D"] / D_BIN_NM).astype(int)
    for col in [c for c in (target, "gap_eV") if c in frame.columns]:
        ranges = shared.groupby("n_Si")[col].agg(lambda v: v.max() - v.min())
        spread_rows.append({
            "quantity": col,
            "ensemble std": float(frame[col].std()),
            "ensemble range": float(frame[col].max() - frame[col].min()),
            "shared n_Si values": int(len(ranges)),
            "dots in them": int(len(shared)),
            "median range at equal n_Si": float(ranges.median()) if len(ranges) else np.nan,
            "largest range at equal n_Si": float(ranges.max()) if len(ranges) else np.nan,
            "variance within equal n_Si": _within_share(frame[col], frame["n_Si"]),
            f"variance within {D_BIN_NM:g} nm D bins": _within_share(frame[col], d_bins),
        })
    return SizeLaw(scores=scores, spread=pd.DataFrame(spread_rows), n_splits=n_splits, seed=seed)

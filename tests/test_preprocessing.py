"""Scaling, the correlation drop rule and skewness (siqd_utils.preprocessing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siqd_utils.datasets import ENSEMBLE_CSV, FEATURE_COLUMNS, load_ensemble
from siqd_utils.datasets import load_paper_results
from siqd_utils.preprocessing import (
    FEATURE_PREFERENCE,
    PREFERENCE_REASONS,
    make_scaler,
    scale_features,
    select_features,
    skewness,
)

needs_data = pytest.mark.skipif(not ENSEMBLE_CSV.is_file(), reason="the shipped ensemble is absent")


def synthetic(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """Dots whose atom counts follow the diameter and whose coordination mirrors H:Si."""
    rng = np.random.default_rng(seed)
    D = rng.uniform(0.5, 3.0, n)
    facets = rng.dirichlet(np.ones(4), n)
    hsi = rng.uniform(0.3, 1.5, n)
    return pd.DataFrame({
        "n_Si": np.round(20 * D**3) + 1,
        "n_H": np.round(15 * D**3 * 0.7) + 1,
        "D": D,
        "n_coord": 4 - hsi,
        "f100": facets[:, 0],
        "f110": facets[:, 1],
        "f111": facets[:, 2],
        "f113": facets[:, 3],
        "HSi_ratio": hsi,
    })


# ----------------------------------------------------------------------------- scaler


def test_scaler_is_robust_then_minmax_and_maps_to_unit_interval():
    scaler = make_scaler()
    assert [name for name, _ in scaler.steps] == ["robust", "minmax"]
    X = np.random.default_rng(1).lognormal(size=(50, 3))
    Z = scaler.fit_transform(X)
    assert np.allclose(Z.min(axis=0), 0) and np.allclose(Z.max(axis=0), 1)
    # both steps are increasing affine maps: the result equals plain min-max scaling
    assert np.allclose(Z, (X - X.min(0)) / (X.max(0) - X.min(0)))


def test_scaler_is_a_fresh_unfitted_pipeline_each_call():
    assert make_scaler() is not make_scaler()
    assert not hasattr(make_scaler().named_steps["robust"], "center_")


def test_scale_features_keeps_index_and_order():
    df = synthetic().set_index(pd.Index(range(100, 220)))
    out = scale_features(df, ["D", "n_Si"])
    assert list(out.columns) == ["D", "n_Si"] and out.index.equals(df.index)
    assert out.to_numpy().min() == 0 and out.to_numpy().max() == 1


# ----------------------------------------------------------------------------- drop rule


def test_drop_rule_keeps_the_preferred_feature_of_each_pair():
    sel = select_features(synthetic(), FEATURE_COLUMNS)
    assert set(sel.dropped) == {"n_Si", "n_H", "n_coord"}
    assert sel.dropped["n_Si"][0] == "D" and sel.dropped["n_H"][0] == "D"
    assert sel.dropped["n_coord"][0] == "HSi_ratio"
    assert sel.dropped["n_coord"][1] == pytest.approx(1.0)
    assert sel.retained == ("D", "f100", "f110", "f111", "f113", "HSi_ratio")
    for name, (partner, r) in sel.dropped.items():
        assert r > sel.threshold
        assert r == pytest.approx(abs(sel.correlation.loc[name, partner]))
        assert partner in sel.retained


def test_retained_features_are_pairwise_below_threshold():
    sel = select_features(synthetic(), FEATURE_COLUMNS, threshold=0.5)
    sub = sel.correlation.loc[list(sel.retained), list(sel.retained)].abs().to_numpy(copy=True)
    np.fill_diagonal(sub, 0)
    assert sub.max() <= 0.5


def test_preference_order_decides_which_one_survives():
    df = synthetic()
    order = ["n_Si"] + [f for f in FEATURE_PREFERENCE if f != "n_Si"]
    sel = select_features(df, FEATURE_COLUMNS, preference=order)
    assert "n_Si" in sel.retained and sel.dropped["D"][0] == "n_Si"


def test_threshold_is_strict_and_high_threshold_keeps_all_but_identities():
    df = pd.DataFrame({"D": [1.0, 2, 3, 4], "n_Si": [2.0, 4, 6, 8], "f100": [0.0, 1, 0, 1]})
    sel = select_features(df, ["D", "n_Si", "f100"], threshold=0.999)
    assert list(sel.dropped) == ["n_Si"]  # |r| = 1 > 0.999
    pairs = sel.high_pairs()
    assert list(pairs[["feature 1", "feature 2"]].iloc[0]) == ["D", "n_Si"]


def test_anticorrelation_counts_as_correlation():
    df = pd.DataFrame({"HSi_ratio": [0.1, 0.5, 0.9, 1.3, 0.2], "n_coord": [3.9, 3.5, 3.1, 2.7, 3.8]})
    sel = select_features(df, ["n_coord", "HSi_ratio"])
    assert sel.dropped == {"n_coord": ("HSi_ratio", pytest.approx(1.0))}
    assert sel.correlation.loc["n_coord", "HSi_ratio"] < 0


def test_selection_is_invariant_to_scaling_and_spearman_works():
    df = synthetic()
    a = select_features(df, FEATURE_COLUMNS)
    b = select_features(df * 7.5 + 3, FEATURE_COLUMNS)
    assert a.retained == b.retained and list(a.dropped) == list(b.dropped)
    s = select_features(df, FEATURE_COLUMNS, method="spearman")
    assert s.method == "spearman" and "n_Si" in s.dropped


def test_table_and_dict_describe_every_drop():
    sel = select_features(synthetic(), FEATURE_COLUMNS)
    table = sel.table()
    assert list(table["dropped"]) == list(sel.dropped)
    assert table["why the kept one"].str.len().gt(10).all()
    d = sel.to_dict()
    assert d["features"] == list(FEATURE_COLUMNS) and d["correlation_threshold"] == 0.9
    assert set(d["dropped"]) == set(sel.dropped)


def test_every_default_preference_has_a_reason():
    assert set(FEATURE_PREFERENCE) == set(FEATURE_COLUMNS) == set(PREFERENCE_REASONS)
    assert FEATURE_PREFERENCE.index("D") < FEATURE_PREFERENCE.index("n_Si")
    assert FEATURE_PREFERENCE.index("HSi_ratio") < FEATURE_PREFERENCE.index("n_coord")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threshold": 1.0}, "threshold = 1.0"),
        ({"threshold": 0}, "threshold = 0"),
        ({"threshold": True}, "threshold = True"),
        ({"method": "kendall"}, "method = 'kendall'"),
        ({"preference": ["D"]}, r"preference does not rank feature\(s\) \['n_Si'"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_features(synthetic(), FEATURE_COLUMNS, **kwargs)


def test_bad_frames_are_named():
    df = synthetic()
    with pytest.raises(KeyError, match=r"lacks feature column\(s\) \['nope'\]"):
        select_features(df, ["D", "nope"], preference=["D", "nope"])
    with pytest.raises(ValueError, match=r"\['f100'\] are constant"):
        select_features(df.assign(f100=0.5), ["D", "f100"])
    with pytest.raises(ValueError, match=r"\['D'\] contain NaN"):
        select_features(df.assign(D=np.where(df.index == 3, np.nan, df["D"])), ["D", "f100"])
    with pytest.raises(TypeError, match="pandas DataFrame"):
        select_features(df.to_numpy(), ["D"])
    with pytest.raises(ValueError, match="duplicate"):
        select_features(df, ["D", "D"])


# ----------------------------------------------------------------------------- skewness


def test_skewness_signs_and_scale_invariance():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"right": rng.exponential(size=500), "left": -rng.exponential(size=500),
                       "flat": np.ones(500)})
    s = skewness(df, ["right", "left", "flat"])
    assert s["right"] > 1 and s["left"] < -1 and s["flat"] == 0
    scaled = scale_features(df, ["right", "left"])
    assert skewness(scaled, ["right", "left"]).to_numpy() == pytest.approx(s[["right", "left"]].to_numpy())
    assert s["right"] == pytest.approx(df["right"].skew())


# ----------------------------------------------------------------------------- shipped data


@needs_data
def test_drop_rule_on_the_shipped_data_is_stable_and_matches_paper_intent():
    """On our ensemble the rule drops what the chapter reports: n_Si and n_H (for D), n_coord."""
    from siqd_utils.preprocessing import prepare

    prepared = prepare(load_ensemble())
    sel = prepared.selection
    paper = load_paper_results()["features"]
    assert sel.threshold == paper["correlation_threshold"]
    assert set(sel.dropped) >= {"n_Si", "n_H"}
    assert sel.dropped["n_Si"][0] == "D" and sel.dropped["n_H"][0] == "D"
    assert "D" in sel.retained
    assert list(prepared.X.columns) == list(sel.retained)


def test_styled_tables_have_an_aligned_plain_text_form():
    import pandas as pd

    from siqd_utils.report.tables import styler_text

    frame = pd.DataFrame({"band": ["violet", "blue"], "share": [0.123456, 0.5]})
    text = styler_text(frame.style.format({"share": "{:.0%}"}).hide(axis="index"))
    assert text.splitlines() == ["  band  share", "violet    12%", "  blue    50%"]


def test_a_wide_styled_table_is_cut_into_blocks_of_whole_columns():
    import pandas as pd

    from siqd_utils.report.tables import styler_text

    frame = pd.DataFrame({f"column {i}": [i + 0.123456, i + 0.5] for i in range(12)},
                         index=pd.Index(["first row", "second"], name="label set"))
    text = styler_text(frame.style.format("{:.3f}"), width=60)
    blocks = text.split("\n\n")
    assert len(blocks) > 1 and max(len(line) for line in text.splitlines()) <= 60
    for block in blocks:
        assert "first row" in block and "second" in block  # the index in every block
    assert all(f"column {i}" in text for i in range(12)) and "11.123" in text and "0.123456" not in text
    assert "\n\n" not in styler_text(frame.style.format("{:.3f}"), width=1000)  # narrow enough: one block

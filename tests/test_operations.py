"""Tests for ecomops.operations against independent references (statsmodels, scipy, hand calculations)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

from ecomops.data import DataError
from ecomops.operations import (
    FunnelStage,
    abc_classification,
    decompose_change_lmdi,
    sequential_contributions,
    funnel_table,
    kpi_tree,
    price_elasticity_loglog,
    weakest_step,
    weighted_scores,
    wilson_interval,
)


def statsmodels_wilson(x, n, alpha):
    return proportion_confint(x, n, alpha=alpha, method="wilson")


# --------------------------------------------------------------------------------------------- wilson_interval


@pytest.mark.parametrize(
    "x, n, alpha",
    [
        (0, 10, 0.05),  # no successes
        (10, 10, 0.05),  # all successes
        (0, 1, 0.10),
        (1, 1, 0.01),
        (3, 7, 0.01),
        (1, 1000, 0.05),
        (50, 100, 0.05),
        (123, 4567, 0.20),
        (999, 1000, 0.001),
    ],
)
def test_wilson_interval_matches_statsmodels_scalar(x, n, alpha):
    low, high = wilson_interval(x, n, alpha)
    ref_low, ref_high = statsmodels_wilson(x, n, alpha)
    assert low == pytest.approx(ref_low, rel=1e-12, abs=1e-15)
    assert high == pytest.approx(ref_high, rel=1e-12, abs=1e-15)


def test_wilson_interval_hand_calculation():
    # x = 3, n = 10, 95 %: z = 1.959963985, z² = 3.841458821
    # centre = (0.3 + 3.841458821/20) / (1 + 3.841458821/10) = 0.492072941 / 1.384145882 = 0.355507...
    # half   = z·√(0.3·0.7/10 + 3.841458821/400) / 1.384145882 = 1.959963985·√0.030603647 / 1.384145882
    z2 = 1.959963984540054**2
    denom = 1 + z2 / 10
    centre = (0.3 + z2 / 20) / denom
    half = 1.959963984540054 * math.sqrt(0.3 * 0.7 / 10 + z2 / 400) / denom
    low, high = wilson_interval(3, 10)
    assert low == pytest.approx(centre - half, rel=1e-12)
    assert high == pytest.approx(centre + half, rel=1e-12)
    assert (low, high) == pytest.approx((0.1078, 0.6032), abs=1e-4)


def test_wilson_interval_arrays_match_statsmodels():
    x = np.array([0, 1, 5, 17, 40, 40])
    n = np.array([40, 40, 40, 40, 40, 41])
    for alpha in (0.01, 0.05, 0.1):
        low, high = wilson_interval(x, n, alpha)
        ref_low, ref_high = statsmodels_wilson(x, n, alpha)
        np.testing.assert_allclose(low, ref_low, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(high, ref_high, rtol=1e-12, atol=1e-15)
        assert low.shape == x.shape


def test_wilson_interval_two_dimensional_and_broadcast():
    x = np.array([[0, 2], [5, 9]])
    low, high = wilson_interval(x, 9, 0.05)
    ref_low, ref_high = statsmodels_wilson(x.ravel(), np.full(4, 9), 0.05)
    np.testing.assert_allclose(low.ravel(), ref_low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(high.ravel(), ref_high, rtol=1e-12, atol=1e-15)


def test_wilson_interval_edges_are_exact_and_inside_unit_interval():
    n = np.arange(1, 3001)
    for alpha in (0.2, 0.05, 0.001):
        low0, high0 = wilson_interval(np.zeros_like(n), n, alpha)
        lown, highn = wilson_interval(n, n, alpha)
        # x = 0 → lower bound exactly 0; x = n → upper bound exactly 1 (statsmodels gives the same)
        assert np.all(low0 == 0.0)
        assert np.all(highn == 1.0)
        assert np.all((high0 > 0) & (high0 < 1))
        assert np.all((lown > 0) & (lown < 1))


def test_wilson_interval_zero_trials_is_nan():
    low, high = wilson_interval([0, 2], [0, 4])
    assert np.isnan(low[0]) and np.isnan(high[0])
    ref_low, ref_high = statsmodels_wilson(2, 4, 0.05)
    assert (low[1], high[1]) == pytest.approx((ref_low, ref_high), rel=1e-12)


def test_wilson_interval_bad_inputs():
    with pytest.raises(ValueError, match=r"successes.*successes=12 and trials=10"):
        wilson_interval([1, 12], [10, 10])
    with pytest.raises(ValueError, match=r"successes=-1 and trials=10"):
        wilson_interval(-1, 10)
    with pytest.raises(ValueError, match=r"alpha.*got 1\.5"):
        wilson_interval(1, 10, alpha=1.5)
    with pytest.raises(ValueError, match=r"alpha.*got 0"):
        wilson_interval(1, 10, alpha=0)


# ----------------------------------------------------------------------------------------------------- kpi_tree


def test_kpi_tree_hand_calculation():
    # 12,000 visitors × 2.5 % = 300 orders; 300 × 40 = 12,000 GMV
    tree = kpi_tree(12_000, 0.025, 40.0)
    assert tree["orders"] == pytest.approx(300.0)
    assert tree["gmv"] == pytest.approx(12_000.0)
    assert tree["visitors"] == 12_000.0
    assert tree["conversion_rate"] == 0.025
    assert tree["average_order_value"] == 40.0


def test_kpi_tree_zero_visitors():
    assert kpi_tree(0, 0.5, 10)["gmv"] == 0.0


@pytest.mark.parametrize(
    "args, pattern",
    [
        ((-1, 0.02, 50), r"visitors.*-1"),
        ((100, 1.2, 50), r"conversion_rate.*1\.2"),
        ((100, -0.1, 50), r"conversion_rate.*-0\.1"),
        ((100, 0.02, -5), r"average_order_value.*-5"),
    ],
)
def test_kpi_tree_bad_inputs(args, pattern):
    with pytest.raises(ValueError, match=pattern):
        kpi_tree(*args)


# ----------------------------------------------------------------------------------------- decompose_change_lmdi


def test_lmdi_two_factor_hand_example():
    # orders = visitors × conversion: 1,000 × 0.02 = 20  →  1,200 × 0.025 = 30; change = 10
    # L(30, 20) = (30 − 20)/(ln 30 − ln 20) = 10/ln 1.5 = 10/0.405465 = 24.66303
    # visitors:   24.66303 × ln(1200/1000) = 24.66303 × 0.182322 = 4.49660
    # conversion: 24.66303 × ln(0.025/0.02) = 24.66303 × 0.223144 = 5.50340
    weight = (30 - 20) / (math.log(30) - math.log(20))
    result = decompose_change_lmdi(
        {"visitors": 1000, "conversion_rate": 0.02}, {"visitors": 1200, "conversion_rate": 0.025}
    ).set_index("factor")
    assert result.loc["visitors", "contribution"] == pytest.approx(weight * math.log(1.2), rel=1e-12)
    assert result.loc["conversion_rate", "contribution"] == pytest.approx(weight * math.log(1.25), rel=1e-12)
    assert result.loc["visitors", "contribution"] == pytest.approx(4.4966, abs=1e-4)
    assert result.loc["conversion_rate", "contribution"] == pytest.approx(5.5034, abs=1e-4)
    assert result["contribution"].sum() == pytest.approx(10.0, rel=1e-12)
    assert result.loc["visitors", "change_pct"] == pytest.approx(0.2)
    assert result.loc["conversion_rate", "change_pct"] == pytest.approx(0.25)
    assert result.loc["visitors", "share_of_change"] == pytest.approx(4.4966 / 10, abs=1e-5)
    assert list(result.columns) == ["before", "after", "change_pct", "contribution", "share_of_change"]


def test_lmdi_three_factor_contributions_sum_exactly_and_unchanged_factor_is_zero():
    before = {"visitors": 50_000, "conversion_rate": 0.021, "average_order_value": 63.0}
    after = {"visitors": 47_500, "conversion_rate": 0.021, "average_order_value": 71.5}
    gmv0 = 50_000 * 0.021 * 63.0  # 66,150
    gmv1 = 47_500 * 0.021 * 71.5  # 71,321.25
    result = decompose_change_lmdi(before, after).set_index("factor")
    assert result["contribution"].sum() == pytest.approx(gmv1 - gmv0, rel=1e-12)
    assert result.loc["conversion_rate", "contribution"] == 0.0
    weight = (gmv1 - gmv0) / (math.log(gmv1) - math.log(gmv0))
    assert result.loc["visitors", "contribution"] == pytest.approx(weight * math.log(0.95), rel=1e-12)
    assert result.loc["visitors", "contribution"] < 0 < result.loc["average_order_value", "contribution"]
    assert result["share_of_change"].sum() == pytest.approx(1.0)


def test_lmdi_offsetting_changes_with_no_total_change():
    # 100 × 0.1 = 10 and 200 × 0.05 = 10: L(10, 10) = 10, contributions ±10·ln 2 = ±6.931
    result = decompose_change_lmdi({"v": 100, "c": 0.1}, {"v": 200, "c": 0.05}).set_index("factor")
    assert result.loc["v", "contribution"] == pytest.approx(10 * math.log(2), rel=1e-12)
    assert result.loc["c", "contribution"] == pytest.approx(-10 * math.log(2), rel=1e-12)
    assert result["share_of_change"].isna().all()


def test_lmdi_bad_inputs():
    with pytest.raises(ValueError, match=r"same factors.*'aov'.*'visitors'"):
        decompose_change_lmdi({"visitors": 1, "aov": 2}, {"visitors": 1, "cr": 2})
    with pytest.raises(ValueError, match=r"after\['visitors'\] must be > 0.*got 0"):
        decompose_change_lmdi({"visitors": 10}, {"visitors": 0})
    with pytest.raises(ValueError, match=r"before\['aov'\] must be > 0.*got -3"):
        decompose_change_lmdi({"visitors": 10, "aov": -3}, {"visitors": 10, "aov": 3})
    with pytest.raises(ValueError, match=r"before\['aov'\].*got nan"):
        decompose_change_lmdi({"aov": float("nan")}, {"aov": 3})
    with pytest.raises(ValueError, match="at least one factor"):
        decompose_change_lmdi({}, {})


# ------------------------------------------------------------------------------------------------ funnel_table


@pytest.fixture
def sessions():
    # Hand-made sessions. Row 4 checked out without a cart and row 9 has a cart without viewing a product:
    # neither may count past the stage it skipped (strict funnel).
    return pd.DataFrame(
        {
            "device": ["m", "m", "m", "m", "d", "d", "d", "d", "d", "d"],
            "views": [3, 1, 0, 2, 5, 2, 1, 4, 0, 1],
            "cart": [1, 1, 0, 0, 1, 1, 0, 1, 1, 0],
            "checkout": [1, 0, 0, 1, 1, 1, 0, 0, 0, 0],
            "purchased": [True, False, False, True, True, False, False, False, False, False],
        }
    )


STAGES = [
    FunnelStage("session"),
    FunnelStage("viewed", "views", ">=", 1),
    FunnelStage("cart", "cart", "==", 1),
    FunnelStage("checkout", "checkout", ">=", 1),
    FunnelStage("purchase", "purchased", "==", True),
]


def test_funnel_counts_strict_funnel(sessions):
    table = funnel_table(sessions, STAGES)
    # session: 10; viewed (views ≥ 1): rows 1,2,4,5,6,7,8,10 = 8; cart among those: 1,2,5,6,8 = 5
    # (row 9 has a cart but no view); checkout among those: 1,5,6 = 3 (row 4 has no cart);
    # purchase among those: 1,5 = 2
    assert table["count"].tolist() == [10, 8, 5, 3, 2]
    assert table["stage"].tolist() == ["session", "viewed", "cart", "checkout", "purchase"]
    assert table["step"].tolist() == [1, 2, 3, 4, 5]
    assert (table["segment"] == "all").all()
    np.testing.assert_allclose(table["rate_from_previous"], [10 / 10, 8 / 10, 5 / 8, 3 / 5, 2 / 3])
    np.testing.assert_allclose(table["rate_from_start"], [1.0, 0.8, 0.5, 0.3, 0.2])


def test_funnel_intervals_equal_statsmodels(sessions):
    table = funnel_table(sessions, STAGES, alpha=0.10)
    counts = np.array([10, 8, 5, 3, 2])
    previous = np.array([10, 10, 8, 5, 3])
    low, high = statsmodels_wilson(counts, previous, 0.10)
    np.testing.assert_allclose(table["ci_low"], low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(table["ci_high"], high, rtol=1e-12, atol=1e-15)
    start_low, start_high = statsmodels_wilson(counts, np.full(5, 10), 0.10)
    np.testing.assert_allclose(table["start_ci_low"], start_low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(table["start_ci_high"], start_high, rtol=1e-12, atol=1e-15)


def test_funnel_segments(sessions):
    table = funnel_table(sessions, STAGES, segment_by="device")
    assert table["segment"].tolist() == ["d"] * 5 + ["m"] * 5
    # d (rows 5–10): 6 sessions; viewed 5,6,7,8,10 = 5; cart 5,6,8 = 3; checkout 5,6 = 2; purchase 5 = 1
    # m (rows 1–4): 4 sessions; viewed 1,2,4 = 3; cart 1,2 = 2; checkout 1 = 1; purchase 1 = 1
    assert table.loc[table["segment"] == "d", "count"].tolist() == [6, 5, 3, 2, 1]
    assert table.loc[table["segment"] == "m", "count"].tolist() == [4, 3, 2, 1, 1]
    d = table[table["segment"] == "d"]
    low, high = statsmodels_wilson(np.array([6, 5, 3, 2, 1]), np.array([6, 6, 5, 3, 2]), 0.05)
    np.testing.assert_allclose(d["ci_low"], low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d["ci_high"], high, rtol=1e-12, atol=1e-15)


def test_funnel_accepts_stage_mappings(sessions):
    stages = [
        {"name": "session"},
        {"name": "viewed", "column": "views", "op": ">", "value": 0},
        {"name": "bought", "column": "purchased", "op": "==", "value": True},
    ]
    # views > 0: 8 rows; of those purchased: rows 1, 4, 5 = 3
    assert funnel_table(sessions, stages)["count"].tolist() == [10, 8, 3]


def test_funnel_missing_column_names_it(sessions):
    stages = [FunnelStage("session"), FunnelStage("basket", "basket_adds", ">=", 1)]
    with pytest.raises(DataError, match=r"basket_adds"):
        funnel_table(sessions, stages)
    with pytest.raises(DataError, match=r"segment_by column 'channel'"):
        funnel_table(sessions, STAGES, segment_by="channel")


def test_funnel_bad_op_and_too_few_stages(sessions):
    stages = [FunnelStage("session"), FunnelStage("viewed", "views", "=>", 1)]
    with pytest.raises(ValueError, match=r"'viewed'.*op must be one of.*got '=>'"):
        funnel_table(sessions, stages)
    with pytest.raises(ValueError, match=r"at least 2 stages, got 1"):
        funnel_table(sessions, [FunnelStage("session")])


def test_weakest_step(sessions):
    # step rates 8/10 = 0.8, 5/8 = 0.625, 3/5 = 0.6, 2/3 = 0.667 → checkout is the weakest
    row = weakest_step(funnel_table(sessions, STAGES))
    assert row["stage"] == "checkout"
    assert row["rate_from_previous"] == pytest.approx(0.6)
    # first segment "d": 5/6, 3/5 = 0.6, 2/3, 1/2 = 0.5 → purchase
    row = weakest_step(funnel_table(sessions, STAGES, segment_by="device"))
    assert (row["segment"], row["stage"]) == ("d", "purchase")
    assert row["rate_from_previous"] == pytest.approx(0.5)


def test_weakest_step_needs_a_step():
    funnel = pd.DataFrame({"segment": ["all"], "stage": ["session"], "step": [1], "rate_from_previous": [1.0]})
    with pytest.raises(ValueError, match="no step after its entry stage"):
        weakest_step(funnel)


# ------------------------------------------------------------------------------------------- abc_classification


def test_abc_hand_table():
    sales = pd.DataFrame(
        {
            "sku": ["A", "B", "C", "A", "D", "E", "F", "G", "H", "H"],
            "revenue": [300, 250, 100, 200, 80, 50, 20, 0, 10, -40],
        }
    )
    # per item: A 500, B 250, C 100, D 80, E 50, F 20, G 0, H −30; positive total = 1,000
    # item  share  cumulative  share before  class
    # A     0.50   0.50        0.00          A
    # B     0.25   0.75        0.50          A
    # C     0.10   0.85        0.75          A   (crosses 80 %, still A)
    # D     0.08   0.93        0.85          B
    # E     0.05   0.98        0.93          B
    # F     0.02   1.00        0.98          C
    # G     0      1.00        1.00          C   (zero value)
    # H     0      1.00        1.00          C   (negative value)
    result = abc_classification(sales, "sku", "revenue")
    assert result["item"].tolist() == list("ABCDEFGH")
    assert result["value"].tolist() == [500, 250, 100, 80, 50, 20, 0, -30]
    assert result["abc_class"].tolist() == ["A", "A", "A", "B", "B", "C", "C", "C"]
    np.testing.assert_allclose(result["share"], [0.5, 0.25, 0.1, 0.08, 0.05, 0.02, 0, 0])
    np.testing.assert_allclose(result["cumulative_share"], [0.5, 0.75, 0.85, 0.93, 0.98, 1, 1, 1])
    assert result["rank"].tolist() == list(range(1, 9))
    assert list(result.columns) == ["item", "value", "share", "cumulative_share", "rank", "abc_class"]


def test_abc_ties_and_exact_cutoff():
    # Ten items of 10 each (total 100), given in scrambled order: ties are broken by item name, and the share
    # before item k is (k − 1)·10/100. Items 1–8 have 0.0 … 0.7 before them → A; item 9 has exactly 0.80
    # before it, which is not below the cut-off → B; item 10 has 0.90 before it (< 0.95) → B.
    names = ["i07", "i02", "i10", "i01", "i05", "i09", "i03", "i08", "i04", "i06"]
    frame = pd.DataFrame({"item": names, "value": [10] * 10})
    result = abc_classification(frame, "item", "value")
    assert result["item"].tolist() == sorted(names)
    assert result["abc_class"].tolist() == ["A"] * 8 + ["B"] * 2
    np.testing.assert_allclose(result["cumulative_share"], np.arange(1, 11) / 10)


def test_abc_custom_cutoffs():
    # values 60, 30, 10 → shares before 0, 0.6, 0.9; a = 0.5, b = 0.7 → A, B, C
    frame = pd.DataFrame({"item": ["x", "y", "z"], "value": [30, 60, 10]})
    result = abc_classification(frame, "item", "value", a_cutoff=0.5, b_cutoff=0.7)
    assert result["item"].tolist() == ["y", "x", "z"]
    assert result["abc_class"].tolist() == ["A", "B", "C"]


def test_abc_bad_inputs():
    frame = pd.DataFrame({"sku": ["a", "b"], "revenue": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"'product'"):
        abc_classification(frame, "product", "revenue")
    with pytest.raises(DataError, match=r"'sales'"):
        abc_classification(frame, "sku", "sales")
    with pytest.raises(ValueError, match=r"cut-offs.*0\.9 and 0\.8"):
        abc_classification(frame, "sku", "revenue", a_cutoff=0.9, b_cutoff=0.8)
    with pytest.raises(ValueError, match=r"'revenue' has no positive total"):
        abc_classification(pd.DataFrame({"sku": ["a", "b"], "revenue": [0, -5]}), "sku", "revenue")


# --------------------------------------------------------------------------------------------- weighted_scores


def test_weighted_scores_hand_calculation():
    scores = pd.DataFrame(
        {"cost": [4, 2, 5], "speed": [3, 5, 2], "quality": [5, 4, 1]}, index=["vendor_a", "vendor_b", "vendor_c"]
    )
    # weights 2:1:1 → 0.5, 0.25, 0.25
    # a: 0.5·4 + 0.25·3 + 0.25·5 = 2 + 0.75 + 1.25 = 4.00
    # b: 0.5·2 + 0.25·5 + 0.25·4 = 1 + 1.25 + 1.00 = 3.25
    # c: 0.5·5 + 0.25·2 + 0.25·1 = 2.5 + 0.5 + 0.25 = 3.25
    result = weighted_scores(scores, {"cost": 2, "speed": 1, "quality": 1})
    assert result.index.tolist() == ["vendor_a", "vendor_b", "vendor_c"]
    np.testing.assert_allclose(result["weighted_score"], [4.0, 3.25, 3.25])
    assert result["rank"].tolist() == [1, 2, 2]  # ties share the lower rank
    # the criterion columns are kept unchanged
    pd.testing.assert_frame_equal(result[["cost", "speed", "quality"]], scores)


def test_weighted_scores_normalisation_does_not_change_result():
    scores = pd.DataFrame({"x": [1.0, 3.0], "y": [5.0, 2.0]}, index=["p", "q"])
    # 0.3·1 + 0.7·5 = 3.8; 0.3·3 + 0.7·2 = 2.3
    a = weighted_scores(scores, {"x": 0.3, "y": 0.7})
    b = weighted_scores(scores, {"x": 30, "y": 70})
    np.testing.assert_allclose(a["weighted_score"], [3.8, 2.3])
    np.testing.assert_allclose(b["weighted_score"], [3.8, 2.3])
    assert a.index.tolist() == ["p", "q"]


def test_weighted_scores_ties_with_thirds():
    # weights 1:2 → 1/3, 2/3
    # A: 4/3 + 8/3 = 12/3 = 4;  B: 2/3 + 10/3 = 12/3 = 4;  C: 5/3 + 7/3 = 12/3 = 4;  D: 1/3 + 2/3 = 1
    scores = pd.DataFrame({"x": [1, 4, 2, 5], "y": [1, 4, 5, 3.5]}, index=["D", "A", "B", "C"])
    result = weighted_scores(scores, {"x": 1, "y": 2})
    assert result.index.tolist() == ["A", "B", "C", "D"]
    assert result["rank"].tolist() == [1, 1, 1, 4]
    np.testing.assert_allclose(result["weighted_score"], [4, 4, 4, 1])


def test_weighted_scores_bad_weights():
    scores = pd.DataFrame({"cost": [1, 2], "speed": [3, 4]}, index=["a", "b"])
    with pytest.raises(ValueError, match=r"weights must be >= 0.*'speed': -1\.0"):
        weighted_scores(scores, {"cost": 2, "speed": -1})
    with pytest.raises(ValueError, match="must not all be zero"):
        weighted_scores(scores, {"cost": 0, "speed": 0})
    with pytest.raises(DataError, match=r"'quality'"):
        weighted_scores(scores, {"cost": 1, "quality": 1})
    with pytest.raises(ValueError, match=r"finite.*'cost'"):
        weighted_scores(scores, {"cost": float("nan"), "speed": 1})


# ------------------------------------------------------------------------------------- price_elasticity_loglog


def test_elasticity_exact_synthetic():
    # Q = 5,000 · P^(−1.8) exactly → ε = −1.8, no residual
    prices = np.array([5.0, 7.5, 10.0, 12.0, 15.0, 20.0])
    quantities = 5000 * prices**-1.8
    fit = price_elasticity_loglog(prices, quantities)
    assert fit["elasticity"] == pytest.approx(-1.8, rel=1e-10)
    assert fit["std_error"] == pytest.approx(0.0, abs=1e-6)  # 0 up to rounding in the fit
    assert fit["r_squared"] == pytest.approx(1.0, abs=1e-12)


def test_elasticity_matches_statsmodels_ols():
    rng = np.random.default_rng(7)
    prices = rng.uniform(8, 30, size=60)
    quantities = np.exp(6.0 - 1.3 * np.log(prices) + rng.normal(0, 0.15, size=60))
    model = sm.OLS(np.log(quantities), sm.add_constant(np.log(prices))).fit()
    fit = price_elasticity_loglog(list(prices), list(quantities))
    assert fit["elasticity"] == pytest.approx(model.params[1], rel=1e-10)
    assert fit["std_error"] == pytest.approx(model.bse[1], rel=1e-8)
    assert fit["r_squared"] == pytest.approx(model.rsquared, rel=1e-10)
    assert -1.5 < fit["elasticity"] < -1.1


def test_elasticity_bad_inputs():
    with pytest.raises(ValueError, match=r"prices must all be > 0.*got 0 at position 2"):
        price_elasticity_loglog([10, 12, 0, 15], [5, 4, 3, 2])
    with pytest.raises(ValueError, match=r"quantities must all be > 0.*got -4 at position 1"):
        price_elasticity_loglog([10, 12, 14, 15], [5, -4, 3, 2])
    with pytest.raises(ValueError, match=r"same length.*got 4 and 3"):
        price_elasticity_loglog([10, 12, 14, 15], [5, 4, 3])
    with pytest.raises(ValueError, match=r"\(>= 3\), got 2 and 2"):
        price_elasticity_loglog([10, 12], [5, 4])


# -------------------------------------------------------------------------------------- sequential_contributions


def test_sequential_contributions_hand_example():
    """a: 1 → 2, b: 2 → 3, product 2 → 6. Switching a first: a adds 2·2 − 1·2 = 2, then b adds 2·3 − 2·2 = 2.
    Switching b first: b adds 1·3 − 1·2 = 1, then a adds 2·3 − 1·3 = 3."""
    table = sequential_contributions({"a": 1, "b": 2}, {"a": 2, "b": 3}).set_index("order")
    assert table.loc["a → b"].tolist() == [2.0, 2.0]
    assert table.loc["b → a"].tolist() == [3.0, 1.0]


def test_sequential_contributions_every_order_adds_up_and_lmdi_lies_inside():
    before = {"customers": 900.0, "orders_per_customer": 1.4, "aov": 380.0}
    after = {"customers": 1_050.0, "orders_per_customer": 1.5, "aov": 410.0}
    table = sequential_contributions(before, after)
    assert len(table) == 6 and table["order"].nunique() == 6
    total = np.prod(list(after.values())) - np.prod(list(before.values()))
    assert np.allclose(table[list(before)].sum(axis=1), total)
    lmdi = decompose_change_lmdi(before, after).set_index("factor")["contribution"]
    for name in before:
        assert table[name].min() - 1e-9 <= lmdi[name] <= table[name].max() + 1e-9


def test_sequential_contributions_bad_inputs():
    with pytest.raises(ValueError, match="same factors"):
        sequential_contributions({"a": 1}, {"b": 1})

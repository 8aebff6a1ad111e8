"""Scorecard status bands and KPI-tree target planning, against hand-worked examples."""

import numpy as np
import pandas as pd
import pytest

from ecomops.scorecard import cascade_target, kpi_scorecard, scenario_totals, status_band


def test_status_bands_by_hand():
    """Targets 100 (higher is better), tolerance 5 %: 100 and 120 are green, 96 is 4 % short (amber), 94 is 6 %
    short (red). Response time target 2.0 h (lower is better): 2.06 h is 3 % worse (amber), 1.5 h green, 2.3 h is
    15 % worse (red)."""
    bands = status_band([100, 120, 96, 94, 2.06, 1.5, 2.3], [100, 100, 100, 100, 2.0, 2.0, 2.0],
                        [True, True, True, True, False, False, False])
    assert bands.tolist() == ["green", "green", "amber", "red", "amber", "green", "red"]


def test_tolerance_per_kpi_and_zero_tolerance():
    """With tolerance 0 any shortfall is red; with 10 %, 94 of 100 is amber."""
    assert status_band([94, 94], [100, 100], True, [0.0, 0.10]).tolist() == ["red", "amber"]


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        status_band([1.0], [0.0])
    with pytest.raises(ValueError):
        status_band([1.0], [2.0], amber_tolerance=-0.1)
    with pytest.raises(ValueError):
        kpi_scorecard(pd.DataFrame({"kpi": ["x"], "actual": [1.0]}))


def test_scorecard_gap_by_hand():
    """GMV 950 vs target 1,000: gap −5 % (amber at the 5 % edge); refund rate 2.4 % vs target 3 %, lower is better:
    gap +20 %, green."""
    card = kpi_scorecard(pd.DataFrame({"kpi": ["gmv", "refund_rate"], "target": [1000.0, 0.03],
                                       "actual": [950.0, 0.024], "higher_is_better": [True, False]}))
    assert np.allclose(card["gap_relative"], [-0.05, 0.20])
    assert card["status"].tolist() == ["amber", "green"]


def test_cascade_shares_growth_equally_in_logs():
    """Current 1,000 customers × 1.5 orders × £40 = £60,000; target £72,600 is growth 1.21 = 1.1², so with
    customers planned at +0 % (factor 1) the other two get 1.1 each: 1.65 orders and £44."""
    plan = cascade_target({"customers": 1000, "orders_per_customer": 1.5, "aov": 40.0}, 72_600,
                          planned={"customers": 1.0}).set_index("driver")
    assert np.allclose(plan["factor"], [1.0, 1.1, 1.1])
    assert np.allclose(plan["target"], [1000, 1.65, 44.0])
    assert np.isclose(plan["target"].prod(), 72_600)
    assert plan["planned"].tolist() == [True, False, False]


def test_cascade_with_one_free_driver_and_all_planned():
    """Target £66,000 (growth 1.1) with customers +10 % planned and AOV −10 % planned leaves orders per customer
    1.1 / (1.1 × 0.9) = 1.1111. All drivers planned at factors multiplying to the growth is accepted; otherwise
    refused."""
    plan = cascade_target({"c": 1000, "f": 1.5, "a": 40.0}, 66_000, planned={"c": 1.1, "a": 0.9})
    assert np.isclose(plan.set_index("driver").loc["f", "factor"], 1 / 0.9)
    cascade_target({"c": 1000, "f": 1.5, "a": 40.0}, 66_000, planned={"c": 1.1, "f": 1.0, "a": 1.0})
    with pytest.raises(ValueError):
        cascade_target({"c": 1000, "f": 1.5, "a": 40.0}, 66_000, planned={"c": 1.0, "f": 1.0, "a": 1.0})
    with pytest.raises(ValueError):
        cascade_target({"c": 1000}, 66_000, planned={"x": 1.0})


def test_scenarios_by_hand():
    """Base 1,000 × 1.5 × 40 = 60,000. "upside": customers ×1.2, AOV ×0.95 → 60,000 × 1.14 = 68,400 (+14 %);
    "flat": no change."""
    table = scenario_totals({"c": 1000, "f": 1.5, "a": 40.0}, {"upside": {"c": 1.2, "a": 0.95}, "flat": {}})
    assert np.allclose(table["total"], [68_400, 60_000])
    assert np.allclose(table["change_pct"], [0.14, 0.0])
    assert table.loc["upside", "f"] == 1.0
    with pytest.raises(ValueError):
        scenario_totals({"c": 1000}, {"bad": {"zz": 1.1}})

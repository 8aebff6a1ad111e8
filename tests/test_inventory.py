"""Tests for ecomops.inventory: published textbook cases (ops_methods.md §3.5) and hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from scipy import integrate

from ecomops.inventory import (
    cycle_service_level,
    demand_sd_over_lead_time,
    economic_order_quantity,
    expected_shortage_per_cycle,
    fill_rate,
    reorder_point,
    safety_stock,
    standard_normal_loss,
)

# ------------------------------------------------------------------------------------------------------- EOQ


def test_eoq_textbook_case():
    # D = 1,000, S = 10, H = 0.5 → √(2·1000·10/0.5) = √40,000 = 200
    assert economic_order_quantity(1000, 10, 0.5) == pytest.approx(200.0, rel=1e-12)


def test_eoq_hand_calculation():
    # D = 12,000, S = 75, H = 2.4 → √(2·12,000·75/2.4) = √750,000 = 866.025
    assert economic_order_quantity(12_000, 75, 2.4) == pytest.approx(math.sqrt(750_000), rel=1e-12)
    assert economic_order_quantity(12_000, 75, 2.4) == pytest.approx(866.025, abs=1e-3)
    assert economic_order_quantity(0, 75, 2.4) == 0.0


@pytest.mark.parametrize(
    "args, pattern",
    [
        ((-5, 10, 0.5), r"annual_demand must be >= 0, got -5"),
        ((1000, -1, 0.5), r"cost_per_order must be >= 0, got -1"),
        ((1000, 10, 0), r"holding_cost_per_unit_year must be > 0, got 0"),
        ((1000, 10, -0.5), r"holding_cost_per_unit_year must be > 0, got -0\.5"),
        ((float("nan"), 10, 0.5), r"annual_demand must be >= 0, got nan"),
        ((float("inf"), 10, 0.5), r"annual_demand must be a finite number, got inf"),
        (("many", 10, 0.5), r"annual_demand must be a number, got 'many'"),
    ],
)
def test_eoq_bad_inputs(args, pattern):
    with pytest.raises(ValueError, match=pattern):
        economic_order_quantity(*args)


# --------------------------------------------------------------------------------------- z values (table §3.5)


@pytest.mark.parametrize(
    "csl, z",
    [(0.80, 0.8416), (0.85, 1.0364), (0.90, 1.2816), (0.95, 1.6449), (0.975, 1.9600), (0.99, 2.3263), (0.999, 3.0902)],
)
def test_safety_stock_uses_published_z_table(csl, z):
    # with σ_LT = σ_d·√L = 1·√1 = 1 the safety stock is z itself
    assert safety_stock(0, 1, 1, csl) == pytest.approx(z, abs=5e-5)


# ------------------------------------------------------------------- Chopra & Meindl Example 11-1 (fixed lead time)


def test_chopra_meindl_example_11_1_sigma_and_csl():
    # d = 2,500/wk, σ_d = 500, L = 2 wk: σ_LT = 500·√2 = 707.107 (book: 707)
    sigma = demand_sd_over_lead_time(2500, 500, 2)
    assert sigma == pytest.approx(500 * math.sqrt(2), rel=1e-12)
    assert sigma == pytest.approx(707.107, abs=1e-3)
    # ROP = 6,000 → ss = 6,000 − 2·2,500 = 1,000; CSL = Φ(1,000/707.107) = 0.92135 (book: 0.92)
    csl = norm.cdf(1000 / sigma)
    assert csl == pytest.approx(0.92135, abs=1e-5)
    # feeding that CSL back gives the book's safety stock and reorder point
    rop = reorder_point(2500, 500, 2, csl)
    assert rop["lead_time_demand"] == pytest.approx(5000.0)
    assert rop["safety_stock"] == pytest.approx(1000.0, rel=1e-9)
    assert rop["reorder_point"] == pytest.approx(6000.0, rel=1e-9)


def test_chopra_meindl_example_11_1_at_90_percent():
    # CSL = 0.90: ss = Φ⁻¹(0.90)·707.107 = 1.28155·707.107 = 906.19 (book prints 906)
    ss = safety_stock(2500, 500, 2, 0.90)
    assert ss == pytest.approx(norm.ppf(0.90) * 500 * math.sqrt(2), rel=1e-12)
    assert ss == pytest.approx(906.19, abs=0.01)
    assert round(ss) == 906


# -------------------------------------------------------------------- Chopra & Meindl lead-time uncertainty case


def test_lead_time_uncertainty_published_case():
    # D = 2,500/day, σ_D = 500, L = 7 days, s_L = 7 days, CSL = 0.90
    # σ_LT = √(7·500² + 2,500²·7²) = √(1,750,000 + 306,250,000) = √308,000,000 = 17,549.93 (book: 17,550)
    sigma = demand_sd_over_lead_time(2500, 500, 7, 7)
    assert sigma == pytest.approx(math.sqrt(308_000_000), rel=1e-12)
    assert sigma == pytest.approx(17_549.93, abs=0.01)
    # ss = 1.28155·17,549.93 = 22,491.14 (book: 22,491)
    ss = safety_stock(2500, 500, 7, 0.90, sd_lead_time_days=7)
    assert ss == pytest.approx(22_491.14, abs=0.01)
    assert round(ss) == 22_491


def test_lead_time_uncertainty_table_rises_from_1695_to_22491():
    # σ_L = 0 … 7 days: ss = 1.28155·√(7·500² + 2,500²·σ_L²)
    results = [safety_stock(2500, 500, 7, 0.90, sd_lead_time_days=s) for s in range(8)]
    expected = [norm.ppf(0.90) * math.sqrt(7 * 500**2 + 2500**2 * s**2) for s in range(8)]
    assert results == pytest.approx(expected, rel=1e-12)
    assert round(results[0]) == 1695  # fixed lead time: 1.28155·500·√7 = 1,695.3
    assert round(results[-1]) == 22_491
    assert all(b > a for a, b in zip(results, results[1:]))


# ---------------------------------------------------------------------------------------- hand calculations


def test_safety_stock_fixed_lead_time_hand_calculation():
    # d = 40/day, σ_d = 12, L = 9 days, CSL 95 %: ss = 1.644854·12·√9 = 1.644854·36 = 59.215
    ss = safety_stock(40, 12, 9, 0.95)
    assert ss == pytest.approx(norm.ppf(0.95) * 12 * 3, rel=1e-12)
    assert ss == pytest.approx(59.215, abs=1e-3)
    # σ_L = 0 is the default: same as passing it explicitly
    assert safety_stock(40, 12, 9, 0.95, sd_lead_time_days=0) == ss


def test_reorder_point_with_lead_time_variability_hand_calculation():
    # d = 40/day, σ_d = 12, L = 9, σ_L = 2, CSL 98 %
    # σ_LT = √(9·144 + 1,600·4) = √(1,296 + 6,400) = √7,696 = 87.727
    # ss = Φ⁻¹(0.98)·87.727 = 2.053749·87.727 = 180.17; ROP = 40·9 + 180.17 = 540.17
    result = reorder_point(40, 12, 9, 0.98, sd_lead_time_days=2)
    ss = norm.ppf(0.98) * math.sqrt(7696)
    assert result["lead_time_demand"] == pytest.approx(360.0)
    assert result["safety_stock"] == pytest.approx(ss, rel=1e-12)
    assert result["reorder_point"] == pytest.approx(360 + ss, rel=1e-12)
    assert result["reorder_point"] == pytest.approx(540.17, abs=0.01)


def test_service_level_below_half_gives_negative_safety_stock():
    # Φ⁻¹(0.3) < 0: the formula gives a negative buffer (a reorder point below the mean lead-time demand)
    assert safety_stock(10, 5, 4, 0.3) == pytest.approx(norm.ppf(0.3) * 5 * 2, rel=1e-12)
    assert safety_stock(10, 5, 4, 0.5) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.2, 95, float("nan")])
def test_bad_service_level(level):
    with pytest.raises(ValueError, match=rf"service_level must be strictly between 0 and 1, got {level}"):
        safety_stock(10, 2, 5, level)
    with pytest.raises(ValueError, match=rf"service_level.*got {level}"):
        reorder_point(10, 2, 5, level)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"mean_daily_demand": -1}, r"mean_daily_demand must be >= 0, got -1"),
        ({"sd_daily_demand": -2}, r"sd_daily_demand must be >= 0, got -2"),
        ({"sd_lead_time_days": -0.5}, r"sd_lead_time_days must be >= 0, got -0\.5"),
        ({"lead_time_days": 0}, r"lead_time_days must be > 0, got 0"),
        ({"lead_time_days": -3}, r"lead_time_days must be > 0, got -3"),
        ({"mean_daily_demand": float("nan")}, r"mean_daily_demand must be >= 0, got nan"),
        ({"lead_time_days": float("nan")}, r"lead_time_days must be > 0, got nan"),
        ({"sd_daily_demand": float("inf")}, r"sd_daily_demand must be a finite number, got inf"),
        ({"lead_time_days": "5 days"}, r"lead_time_days must be a number, got '5 days'"),
    ],
)
def test_bad_demand_inputs(kwargs, pattern):
    args = {"mean_daily_demand": 10, "sd_daily_demand": 2, "lead_time_days": 5, "sd_lead_time_days": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=pattern):
        demand_sd_over_lead_time(**args)
    with pytest.raises(ValueError, match=pattern):
        safety_stock(service_level=0.9, **args)


# ------------------------------------------------------------------------- fill rate (Chopra & Meindl, ch. 11)


def _shortage_by_integration(reorder_point_units, mean, sd):
    """E[max(X − ROP, 0)] for X ~ N(mean, sd²) by numerical integration (an independent reference)."""
    value, _ = integrate.quad(lambda x: (x - reorder_point_units) * norm.pdf(x, mean, sd), reorder_point_units, np.inf)
    return value


def test_standard_normal_loss_against_integration():
    # G(k) = ∫_k^∞ (z − k) φ(z) dz; published loss tables give G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085
    for k, table in [(0.0, 0.3989), (1.0, 0.0833), (2.0, 0.0085), (-1.0, 1.0833)]:
        reference = _shortage_by_integration(k, 0.0, 1.0)
        assert standard_normal_loss(k) == pytest.approx(reference, rel=1e-7)
        assert standard_normal_loss(k) == pytest.approx(table, abs=5e-5)


def test_chopra_meindl_example_11_1_fill_rate():
    """Chopra & Meindl, *Supply Chain Management*, Example 11-1 and its fill-rate follow-up.

    d = 2,500/wk, σ_d = 500, L = 2 wk, Q = 10,000, ROP = 6,000 → ss = 1,000, σ_LT = 707.107.
    ESC = −1,000·(1 − Φ(1.41421)) + 707.107·φ(1.41421) = −1,000·0.078650 + 707.107·0.146763 = 25.127
    (the book prints ESC = 25.13); fill rate = 1 − 25.127/10,000 = 0.99749 (book: 0.9975). The book's example
    number for the follow-up was not re-checked by the research notes, so the values are recomputed here by
    integration as well.
    """
    sigma = demand_sd_over_lead_time(2500, 500, 2)
    esc = expected_shortage_per_cycle(1000, sigma)
    assert esc == pytest.approx(_shortage_by_integration(6000, 5000, sigma), rel=1e-7)
    assert esc == pytest.approx(25.127, abs=1e-3)
    assert round(esc, 2) == 25.13
    rate = fill_rate(1000, sigma, 10_000)
    assert rate == pytest.approx(0.99749, abs=1e-5)
    assert round(rate, 4) == 0.9975
    # fill rate and cycle service level are different numbers: CSL = Φ(1.41421) = 0.92135 only
    assert cycle_service_level(1000, sigma) == pytest.approx(0.92135, abs=1e-5)


def test_fill_rate_hand_calculation_zero_safety_stock():
    # ss = 0: ESC = σ_LT·φ(0) = 100·0.398942 = 39.894; Q = 400 → fill rate = 1 − 39.894/400 = 0.90026
    assert expected_shortage_per_cycle(0, 100) == pytest.approx(100 * norm.pdf(0), rel=1e-12)
    assert fill_rate(0, 100, 400) == pytest.approx(0.90026, abs=1e-5)
    assert cycle_service_level(0, 100) == pytest.approx(0.5)


def test_fill_rate_rises_with_safety_stock_and_lot_size():
    rates = [fill_rate(ss, 200, 1000) for ss in (-100, 0, 100, 300)]
    assert all(b > a for a, b in zip(rates, rates[1:]))
    assert fill_rate(100, 200, 5000) > fill_rate(100, 200, 1000)


@pytest.mark.parametrize(
    "args, pattern",
    [
        ((100, 0, 1000), r"sd_lead_time_demand must be > 0, got 0"),
        ((100, -5, 1000), r"sd_lead_time_demand must be > 0, got -5"),
        ((100, 50, 0), r"order_quantity must be > 0, got 0"),
        ((float("nan"), 50, 10), r"safety_stock_units must be a finite number, got nan"),
    ],
)
def test_fill_rate_bad_inputs(args, pattern):
    with pytest.raises(ValueError, match=pattern):
        fill_rate(*args)

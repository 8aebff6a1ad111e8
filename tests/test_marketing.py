"""Tests for ecomops.marketing against hand-worked examples and independent formulas."""

from __future__ import annotations

import numpy as np
import pytest

from ecomops.marketing import (
    break_even_roas,
    break_even_volume_uplift,
    contribution_margin,
    customer_acquisition_cost,
    geometric_adstock,
    hill_marginal_response,
    hill_saturation,
    incremental_effect,
    ltv_to_cac,
    payback_months,
    roas,
    roi_margin_based,
    roi_revenue_based,
    threshold_discount_economics,
)

# ------------------------------------------------------------------------------------------- geometric_adstock


def test_adstock_hand_worked():
    """Spend 100, 0, 50, 0 with λ = 0.6 (by hand):

    a0 = 100; a1 = 0 + 0.6·100 = 60; a2 = 50 + 0.6·60 = 86; a3 = 0 + 0.6·86 = 51.6.
    """
    np.testing.assert_allclose(geometric_adstock([100, 0, 50, 0], 0.6), [100, 60, 86, 51.6])


def test_adstock_equals_explicit_convolution():
    """Independent formula: a_t = Σ_{j<=t} λ^j x_{t−j} (a direct convolution, no recursion)."""
    rng = np.random.default_rng(7)
    spend = rng.gamma(2.0, 50.0, size=40)
    decay = 0.35
    weights = decay ** np.arange(spend.size)
    expected = np.convolve(spend, weights)[: spend.size]
    np.testing.assert_allclose(geometric_adstock(spend, decay), expected)


def test_adstock_normalised_preserves_total_of_a_pulse():
    """With normalise=True the carry-over weights (1 − λ)λ^j sum to 1: a long tail carries the whole pulse."""
    pulse = np.zeros(400)
    pulse[0] = 100.0
    assert geometric_adstock(pulse, 0.8, normalise=True).sum() == pytest.approx(100.0)
    assert geometric_adstock(pulse, 0.8).sum() == pytest.approx(100.0 / (1 - 0.8))


def test_adstock_zero_decay_is_identity():
    np.testing.assert_allclose(geometric_adstock([3.0, 1.0, 4.0], 0.0), [3.0, 1.0, 4.0])


@pytest.mark.parametrize("decay", [-0.1, 1.0, 1.5])
def test_adstock_rejects_decay_outside_unit_interval(decay):
    with pytest.raises(ValueError, match="decay"):
        geometric_adstock([1.0, 2.0], decay)


def test_adstock_rejects_negative_spend():
    with pytest.raises(ValueError, match="spend"):
        geometric_adstock([1.0, -2.0], 0.5)


# --------------------------------------------------------------------------------------------- hill_saturation


def test_hill_hand_worked():
    """k = 100, s = 2, M = 10 (by hand): x = 0 → 0; x = 100 → 5; x = 200 → 10·4/5 = 8; x = 50 → 10·0.25/1.25 = 2."""
    np.testing.assert_allclose(hill_saturation([0, 50, 100, 200], 100.0, 2.0, 10.0), [0, 2, 5, 8])


def test_hill_matches_textbook_form_and_approaches_max():
    """Independent formula M·x^s/(x^s + k^s), evaluated directly; and f → M for very large spend."""
    x = np.linspace(0, 5_000, 101)
    k, s, m = 800.0, 1.7, 3.2
    np.testing.assert_allclose(hill_saturation(x, k, s, m), m * x**s / (x**s + k**s))
    assert hill_saturation(1e12, k, s, m) == pytest.approx(m, rel=1e-9)


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("half_saturation", {"half_saturation": 0.0, "shape": 1.0}),
        ("shape", {"half_saturation": 1.0, "shape": -1.0}),
        ("max_response", {"half_saturation": 1.0, "shape": 1.0, "max_response": 0.0}),
    ],
)
def test_hill_rejects_nonpositive_parameters(field, kwargs):
    with pytest.raises(ValueError, match=field):
        hill_saturation([1.0], **kwargs)


def test_hill_rejects_negative_spend():
    with pytest.raises(ValueError, match="spend"):
        hill_saturation([-1.0], 1.0, 1.0)


# -------------------------------------------------------------------------------------- hill_marginal_response


@pytest.mark.parametrize("shape", [0.6, 1.0, 2.5])
def test_hill_marginal_matches_central_difference(shape):
    """Independent reference: the central finite difference (f(x+h) − f(x−h)) / 2h of the Hill curve."""
    x = np.array([10.0, 120.0, 500.0, 2_000.0])
    h = 1e-4
    numeric = (hill_saturation(x + h, 300.0, shape, 7.0) - hill_saturation(x - h, 300.0, shape, 7.0)) / (2 * h)
    np.testing.assert_allclose(hill_marginal_response(x, 300.0, shape, 7.0), numeric, rtol=1e-6)


def test_hill_marginal_hand_worked_and_at_zero():
    """s = 1, k = 100, M = 10: f'(x) = M·k/(x + k)^2, so f'(100) = 1000/40000 = 0.025 and f'(0) = M/k = 0.1.

    For s = 2 the curve is flat at zero (f'(0) = 0).
    """
    np.testing.assert_allclose(hill_marginal_response([0.0, 100.0], 100.0, 1.0, 10.0), [0.1, 0.025])
    assert hill_marginal_response(0.0, 100.0, 2.0, 10.0) == 0.0


# -------------------------------------------------------------------------------- ROI, ROAS and unit economics


def test_roas_and_both_roi_definitions_hand_worked():
    """Spend 4,000, revenue 12,000, margin 30 % (by hand): ROAS 3; revenue-based ROI (12,000 − 4,000)/4,000 = 2;
    margin-based ROI (3,600 − 4,000)/4,000 = −0.1: the platform "ROI 3" loses money below break-even ROAS 3.33."""
    assert roas(12_000, 4_000) == 3.0
    assert roi_revenue_based(12_000, 4_000) == 2.0
    assert roi_margin_based(12_000, 4_000, 0.30) == pytest.approx(-0.1)
    assert break_even_roas(0.30) == pytest.approx(10 / 3)


def test_margin_roi_is_zero_exactly_at_break_even_roas():
    """Independent check: at ROAS = 1/m the margin-based ROI is 0, for any margin."""
    for margin in (0.12, 0.3, 0.65):
        spend = 1_000.0
        assert roi_margin_based(break_even_roas(margin) * spend, spend, margin) == pytest.approx(0.0, abs=1e-12)


def test_cac_payback_ltv_hand_worked():
    """Spend 9,000 for 300 new customers: CAC 30. Payback at ARPU 50/month and m = 0.4: 30/(50·0.4) = 1.5 months.
    LTV 90 → LTV:CAC 3."""
    cac = customer_acquisition_cost(9_000, 300)
    assert cac == 30.0
    assert payback_months(cac, 50, 0.4) == pytest.approx(1.5)
    assert ltv_to_cac(90, cac) == pytest.approx(3.0)


def test_cac_with_no_new_customers_is_infinite_not_an_error():
    assert customer_acquisition_cost(500, 0) == float("inf")
    assert np.isnan(customer_acquisition_cost(0, 0))


def test_contribution_margin_hand_worked():
    """Revenue 10,000 at 40 % margin = 4,000 gross profit; minus 2,500 spend and 300 other costs = 1,200."""
    assert contribution_margin(10_000, 0.4, spend=2_500, other_variable_costs=300) == pytest.approx(1_200)


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: roas(100, -1), "spend"),
        (lambda: roas(100, 0), "spend"),
        (lambda: roi_margin_based(100, 10, 1.2), "gross_margin"),
        (lambda: roi_margin_based(100, 10, 0.0), "gross_margin"),
        (lambda: break_even_roas(1.0), "gross_margin"),
        (lambda: customer_acquisition_cost(-5, 3), "spend"),
        (lambda: payback_months(10, 0, 0.5), "monthly_arpu"),
        (lambda: ltv_to_cac(10, 0), "cac"),
        (lambda: contribution_margin(-1, 0.5), "revenue"),
    ],
)
def test_unit_economics_bad_input_names_the_field(call, field):
    with pytest.raises(ValueError, match=field):
        call()


# ------------------------------------------------------------------------------------------ promotion economics


def test_break_even_volume_uplift_hand_worked_and_by_profit_equation():
    """10 % off at a 30 % margin (by hand): d/(m − d) = 0.1/0.2 = 50 % more units.

    Independent check from the profit equation: price 100, unit cost 70; before 100 units × 30 = 3,000; after, the
    unit margin is 90 − 70 = 20, so 150 units are needed: +50 %.
    """
    assert break_even_volume_uplift(0.10, 0.30) == pytest.approx(0.5)
    price, cost, units = 100.0, 70.0, 100.0
    needed = (price - cost) * units / (price * 0.9 - cost)
    assert break_even_volume_uplift(0.10, 1 - cost / price) == pytest.approx(needed / units - 1)


def test_break_even_volume_uplift_rejects_discount_at_or_above_margin():
    with pytest.raises(ValueError, match="discount"):
        break_even_volume_uplift(0.3, 0.3)
    with pytest.raises(ValueError, match="gross_margin"):
        break_even_volume_uplift(0.1, 1.5)


def test_threshold_discount_hand_worked():
    """Orders 150, 190, 250, 300, 500; "满 200 减 20"; m = 0.4 (by hand):

    qualifying 3 of 5 = 60 %; mean qualifying value (250 + 300 + 500)/3 = 350, effective rate 20/350 = 5.714 %;
    headline 20/200 = 10 %; cost per order 20·0.6 = 12; break-even basket increase 20/0.4 = 50 (50/350 = 14.29 %);
    top-ups from below 200 − 50 = 150 are profitable; 150 and 190 sit in [150, 200): 40 % unprofitable top-ups.
    """
    r = threshold_discount_economics([150, 190, 250, 300, 500], threshold=200, discount_amount=20, gross_margin=0.4)
    assert r.orders == 5
    assert r.qualifying_share == pytest.approx(0.6)
    assert r.effective_discount_rate == pytest.approx(20 / 350)
    assert r.max_discount_rate == pytest.approx(0.1)
    assert r.discount_cost_per_order == pytest.approx(12.0)
    assert r.break_even_basket_increase == pytest.approx(50.0)
    assert r.break_even_basket_increase_pct == pytest.approx(50 / 350)
    assert r.profitable_top_up_below == pytest.approx(150.0)
    assert r.unprofitable_top_up_share == pytest.approx(0.4)


def test_threshold_break_even_basket_gives_equal_profit():
    """Independent check: an order of 350 grown by D/m has the same gross profit after the discount."""
    r = threshold_discount_economics([350.0], 200, 20, 0.4)
    assert 0.4 * (350 + r.break_even_basket_increase) - 20 == pytest.approx(0.4 * 350)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"order_values": [], "threshold": 200, "discount_amount": 20, "gross_margin": 0.4}, "order_values"),
        ({"order_values": [-1, 5], "threshold": 200, "discount_amount": 20, "gross_margin": 0.4}, "order_values"),
        ({"order_values": [300], "threshold": 0, "discount_amount": 20, "gross_margin": 0.4}, "threshold"),
        ({"order_values": [300], "threshold": 200, "discount_amount": 250, "gross_margin": 0.4}, "discount_amount"),
        ({"order_values": [300], "threshold": 200, "discount_amount": 20, "gross_margin": 1.0}, "gross_margin"),
    ],
)
def test_threshold_discount_bad_input(kwargs, field):
    with pytest.raises(ValueError, match=field):
        threshold_discount_economics(**kwargs)


# ------------------------------------------------------------------------------------------------ incrementality


def test_incremental_effect_hand_worked():
    """20,000 treated (600 orders, revenue 30,000) vs 5,000 held out (100 orders, 5,000); spend 6,000, m = 0.4.

    By hand: scale 4 → baseline 400 orders and 20,000; incremental 200 orders, 10,000 revenue; profit
    0.4·10,000 − 6,000 = −2,000; iROAS 1.667; incremental ROI −2,000/6,000 = −1/3.
    """
    r = incremental_effect(20_000, 600, 30_000, 5_000, 100, 5_000, spend=6_000, gross_margin=0.4)
    assert r.scale == 4.0
    assert (r.baseline_conversions, r.baseline_revenue) == (400.0, 20_000.0)
    assert r.conversions == pytest.approx(200.0)
    assert r.revenue == pytest.approx(10_000.0)
    assert r.profit == pytest.approx(-2_000.0)
    assert r.iroas == pytest.approx(10_000 / 6_000)
    assert r.roi == pytest.approx(-1 / 3)


def test_incremental_conversion_interval_matches_statsmodels_wald():
    """Reference: statsmodels confint_proportions_2indep(method="wald", compare="diff") × treated users."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    r = incremental_effect(20_000, 600, 30_000, 5_000, 100, 5_000, spend=6_000, gross_margin=0.4, alpha=0.1)
    lo, hi = confint_proportions_2indep(600, 20_000, 100, 5_000, method="wald", compare="diff", alpha=0.1)
    np.testing.assert_allclose(r.conversions_ci, (lo * 20_000, hi * 20_000), rtol=1e-10)


def test_incremental_revenue_interval_equal_order_values_is_conversion_interval_times_value():
    """With 50 per order in both groups, the default revenue interval is the statsmodels Wald interval for the
    difference in conversion rates × treated users × 50; profit and iROAS intervals follow from it."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    r = incremental_effect(20_000, 600, 30_000, 5_000, 100, 5_000, spend=6_000, gross_margin=0.4)
    lo, hi = confint_proportions_2indep(600, 20_000, 100, 5_000, method="wald", compare="diff", alpha=0.05)
    expected = np.array([lo, hi]) * 20_000 * 50
    np.testing.assert_allclose(r.revenue_ci, expected, rtol=1e-10)
    np.testing.assert_allclose(r.iroas_ci, expected / 6_000, rtol=1e-10)
    np.testing.assert_allclose(r.profit_ci, expected * 0.4 - 6_000, rtol=1e-10)
    assert r.revenue_ci_method == "delta_fixed_revenue_per_conversion"


def test_incremental_revenue_interval_unequal_order_values_by_formula():
    """Treated 60 per order, holdout 40 (by the stated delta formula, written out independently):
    Var(rpu diff) = 60²·p_T(1 − p_T)/n_T + 40²·p_H(1 − p_H)/n_H, interval n_T·(diff ± 1.959964·√Var)."""
    n_t, c_t, n_h, c_h = 10_000, 400, 4_000, 120
    r = incremental_effect(n_t, c_t, 60 * c_t, n_h, c_h, 40 * c_h, spend=3_000, gross_margin=0.5)
    p_t, p_h = c_t / n_t, c_h / n_h
    se = np.sqrt(60**2 * p_t * (1 - p_t) / n_t + 40**2 * p_h * (1 - p_h) / n_h)
    diff = 60 * p_t - 40 * p_h
    np.testing.assert_allclose(r.revenue_ci, (n_t * (diff - 1.959963985 * se), n_t * (diff + 1.959963985 * se)))


def test_incremental_revenue_interval_with_sds_matches_scipy_welch():
    """Reference: scipy.stats.ttest_ind(equal_var=False).confidence_interval() on per-user revenue, × n_T."""
    from scipy import stats

    rng = np.random.default_rng(11)
    treated = rng.binomial(1, 0.05, 3_000) * rng.gamma(2.0, 30.0, 3_000)
    holdout = rng.binomial(1, 0.04, 1_000) * rng.gamma(2.0, 30.0, 1_000)
    r = incremental_effect(
        3_000, int((treated > 0).sum()), treated.sum(), 1_000, int((holdout > 0).sum()), holdout.sum(),
        spend=1_000, gross_margin=0.3,
        treated_revenue_sd=treated.std(ddof=1), holdout_revenue_sd=holdout.std(ddof=1),
    )  # fmt: skip
    ci = stats.ttest_ind(treated, holdout, equal_var=False).confidence_interval(0.95)
    np.testing.assert_allclose(r.revenue_ci, (ci.low * 3_000, ci.high * 3_000), rtol=1e-9)
    assert r.revenue_ci_method == "welch_revenue_per_user"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"spend": -10}, "spend"),
        ({"gross_margin": 0}, "gross_margin"),
        ({"gross_margin": 1.5}, "gross_margin"),
        ({"treated_conversions": 30_000}, "treated_conversions"),
        ({"holdout_conversions": 6_000}, "holdout_conversions"),
        ({"holdout_users": 0}, "holdout_users"),
        ({"treated_revenue": -1}, "treated_revenue"),
        ({"holdout_conversions": 0}, "holdout_revenue"),  # revenue without any order
        ({"treated_revenue_sd": 10.0}, "holdout_revenue_sd"),
    ],
)
def test_incremental_effect_bad_input_names_the_field(change, field):
    kwargs = dict(
        treated_users=20_000, treated_conversions=600, treated_revenue=30_000,
        holdout_users=5_000, holdout_conversions=100, holdout_revenue=5_000, spend=6_000, gross_margin=0.4,
    )  # fmt: skip
    kwargs.update(change)
    with pytest.raises(ValueError, match=field):
        incremental_effect(**kwargs)


# -------------------------------------------------------------------------------------------- campaign_economics


def test_campaign_economics_hand_worked():
    """Spend 6,000, attributed revenue 30,000, m = 0.4, the holdout test above, 150 new customers, LTV 200,
    monthly revenue per customer 50, a 10 % discount (by hand):

    ROAS 5; revenue ROI 4; margin ROI (12,000 − 6,000)/6,000 = 1; break-even ROAS 2.5; attributed profit 6,000;
    incremental revenue 10,000 so 20,000 of the attributed revenue is not incremental; CAC 6,000/150 = 40;
    payback 40/(50·0.4) = 2 months; LTV:CAC 200/40 = 5; break-even uplift 0.1/(0.4 − 0.1) = 1/3.
    """
    from ecomops.marketing import campaign_economics

    c = campaign_economics(
        6_000, 30_000, 0.4, 20_000, 600, 30_000, 5_000, 100, 5_000, new_customers=150, ltv_per_customer=200,
        discount_rate=0.1, monthly_revenue_per_customer=50,
    )
    assert (c.roas, c.roi_revenue_based, c.break_even_roas) == (5.0, 4.0, 2.5)
    assert c.roi == c.roi_margin_based == pytest.approx(1.0)
    assert c.attributed_profit == pytest.approx(6_000)
    assert c.non_incremental_revenue == pytest.approx(20_000)
    assert c.cac == 40.0 and c.payback_months == pytest.approx(2.0) and c.ltv_to_cac == pytest.approx(5.0)
    assert c.break_even_uplift == pytest.approx(1 / 3)
    assert c.incremental.iroas == pytest.approx(10_000 / 6_000)


def test_campaign_economics_without_new_customers_or_optional_inputs():
    from ecomops.marketing import campaign_economics

    c = campaign_economics(1_000, 3_000, 0.5, 1_000, 50, 2_500, 1_000, 40, 2_000, new_customers=0,
                           ltv_per_customer=100, monthly_revenue_per_customer=20)
    assert c.cac == float("inf") and c.payback_months is None and c.ltv_to_cac is None
    assert c.break_even_uplift is None

"""Tests of the statistics in ecomops.experiments against independent references.

The references are statsmodels and scipy called here, formulas written out in the tests from their primary
sources (cited where they are used), and published figures (Evan Miller's calculator, Armitage et al. 1969).
Event files and summaries are tested in test_experiments_events.py and test_experiments_summaries.py."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import integrate, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)
# as a module: a bare test_proportions_2indep in this namespace would be collected by pytest
from statsmodels.stats import proportion as sm_proportion

from ecomops import checks
from ecomops import experiments as ex

Z975 = stats.norm.ppf(0.975)


# ------------------------------------------------------------------ sample size


def _sm_pooled(p0: float, p1: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> float:
    # statsmodels' sample 1 is the reference (nobs2 = ratio * nobs1), rate prop2 + diff: make it the control
    return samplesize_proportions_2indep_onetail(
        diff=p0 - p1, prop2=p1, power=power, ratio=ratio, alpha=alpha
    )


def test_sample_size_published_spread_20_to_25_percent():
    pooled = ex.sample_size_two_proportions(0.20, 0.05, method="pooled")
    miller = ex.sample_size_two_proportions(0.20, 0.05, method="evan_miller")
    arcsine = ex.sample_size_two_proportions(0.20, 0.05, method="arcsine")
    assert pooled.n_per_arm == [1094, 1094] and pooled.n_total == 2188
    assert arcsine.n_per_arm == [1092, 1092]
    # Evan Miller's page shows Math.round(1030.22) = 1030; we always round up
    assert miller.n_per_arm == [1031, 1031]
    assert round(miller.n_per_arm_unrounded[0]) == 1030
    assert miller.n_per_arm_unrounded[0] == pytest.approx(1030.22, abs=0.005)
    assert pooled.treatment_rate == pytest.approx(0.25)
    assert pooled.alpha_per_comparison == 0.05


@pytest.mark.parametrize("p0,p1", [(0.2, 0.25), (0.03, 0.033), (0.5, 0.45), (0.9, 0.93)])
@pytest.mark.parametrize("alpha,power", [(0.05, 0.8), (0.01, 0.9), (0.1, 0.5)])
def test_sample_size_pooled_and_arcsine_match_statsmodels(p0, p1, alpha, power):
    pooled = ex.sample_size_two_proportions(p0, p1 - p0, alpha=alpha, power=power, method="pooled")
    assert pooled.n_per_arm_unrounded[0] == pytest.approx(_sm_pooled(p0, p1, alpha, power), rel=1e-10)
    assert pooled.n_per_arm[0] == math.ceil(_sm_pooled(p0, p1, alpha, power))
    h = proportion_effectsize(p1, p0)
    sm_arcsine = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0)
    arcsine = ex.sample_size_two_proportions(p0, p1 - p0, alpha=alpha, power=power, method="arcsine")
    assert arcsine.n_per_arm_unrounded[0] == pytest.approx(sm_arcsine, rel=1e-6)


def test_sample_size_evan_miller_formula_by_hand():
    # formula as written in abtest_methods.md §1.1, evaluated independently here
    p, d = 0.10, 0.02
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    n = (za * math.sqrt(2 * p * (1 - p)) + zb * math.sqrt(p * (1 - p) + (p + d) * (1 - p - d))) ** 2 / d**2
    res = ex.sample_size_two_proportions(p, d, method="evan_miller")
    assert res.n_per_arm_unrounded[0] == pytest.approx(n, rel=1e-12)


def test_sample_size_relative_mde_is_baseline_times_mde():
    rel = ex.sample_size_two_proportions(0.20, 0.25, mde_kind="relative")
    assert rel.treatment_rate == pytest.approx(0.25)
    assert rel.n_per_arm == [1094, 1094]


def test_sample_size_unequal_allocation_matches_statsmodels_ratio():
    res = ex.sample_size_two_proportions(0.20, 0.05, allocation=[0.4, 0.6])
    n_control = _sm_pooled(0.20, 0.25, ratio=1.5)
    assert res.n_per_arm_unrounded[0] == pytest.approx(n_control, rel=1e-10)
    assert res.n_per_arm == [math.ceil(n_control), math.ceil(1.5 * n_control)]
    arc = ex.sample_size_two_proportions(0.20, 0.05, allocation=[0.4, 0.6], method="arcsine")
    h = proportion_effectsize(0.25, 0.20)
    nobs1 = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1.5)
    assert arc.n_per_arm_unrounded == pytest.approx([nobs1, 1.5 * nobs1], rel=1e-6)


def test_sample_size_multiple_arms_uses_bonferroni():
    res = ex.sample_size_two_proportions(0.20, 0.05, n_arms=4)
    assert res.alpha_per_comparison == pytest.approx(0.05 / 3)
    n = _sm_pooled(0.20, 0.25, alpha=0.05 / 3)
    assert res.n_per_arm == [math.ceil(n)] * 4
    assert res.n_total == 4 * math.ceil(n)
    # n_arms inferred from the allocation; the binding comparison is the smallest treatment arm
    res3 = ex.sample_size_two_proportions(0.20, 0.05, allocation=[0.5, 0.3, 0.2])
    n_control = _sm_pooled(0.20, 0.25, alpha=0.025, ratio=0.2 / 0.5)
    assert res3.n_per_arm_unrounded[0] == pytest.approx(n_control, rel=1e-10)
    assert res3.n_per_arm_unrounded[2] == pytest.approx(0.4 * n_control, rel=1e-10)


@pytest.mark.parametrize(
    "sd,mde,alpha,power", [(30.0, 2.0, 0.05, 0.8), (1.0, 0.1, 0.01, 0.9), (12.5, 1.0, 0.05, 0.6)]
)
def test_sample_size_means_matches_statsmodels(sd, mde, alpha, power):
    res = ex.sample_size_means(sd, mde, alpha=alpha, power=power)
    z_n = NormalIndPower().solve_power(effect_size=mde / sd, alpha=alpha, power=power, ratio=1.0)
    t_n = tt_ind_solve_power(effect_size=mde / sd, alpha=alpha, power=power, ratio=1.0)
    assert res.n_per_arm_unrounded[0] == pytest.approx(z_n, rel=1e-6)
    assert res.n_per_arm[0] == math.ceil(z_n)
    assert 0 <= math.ceil(t_n) - res.n_per_arm[0] <= 3  # the t version needs slightly more
    assert res.treatment_rate is None
    unequal = ex.sample_size_means(sd, mde, alpha=alpha, power=power, allocation=[0.25, 0.75])
    nobs1 = NormalIndPower().solve_power(effect_size=mde / sd, alpha=alpha, power=power, ratio=3.0)
    assert unequal.n_per_arm_unrounded == pytest.approx([nobs1, 3 * nobs1], rel=1e-6)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"baseline_rate": 1.2, "mde": 0.05}, "baseline_rate must be strictly between 0 and 1, got 1.2"),
        ({"baseline_rate": 0.2, "mde": 0.9}, "mde must give a treatment rate strictly between 0 and 1"),
        ({"baseline_rate": 0.2, "mde": 0.0}, "mde must be non-zero"),
        (
            {"baseline_rate": 0.2, "mde": 0.05, "method": "exact"},
            "method must be one of 'pooled', 'evan_miller', 'arcsine', got 'exact'",
        ),
        ({"baseline_rate": 0.2, "mde": 0.05, "mde_kind": "pp"}, "mde_kind must be one of"),
        (
            {"baseline_rate": 0.2, "mde": 0.05, "allocation": [0.5, 0.6]},
            "allocation must be positive shares summing to 1",
        ),
        (
            {"baseline_rate": 0.2, "mde": 0.05, "allocation": [0.5, 0.5], "n_arms": 3},
            "allocation must list one share per arm",
        ),
        ({"baseline_rate": 0.2, "mde": 0.05, "n_arms": 1}, "n_arms must be a whole number >= 2, got 1"),
        ({"baseline_rate": 0.2, "mde": 0.05, "power": 0.01}, "power must be greater than alpha"),
        ({"baseline_rate": 0.2, "mde": 0.05, "alpha": 0}, "alpha must be strictly between 0 and 1, got 0"),
    ],
)
def test_sample_size_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ex.sample_size_two_proportions(**kwargs)


def test_sample_size_means_bad_input():
    with pytest.raises(ValueError, match="sd must be > 0, got -1"):
        ex.sample_size_means(-1, 1)
    with pytest.raises(ValueError, match="mde_absolute must be non-zero"):
        ex.sample_size_means(1, 0)


def test_duration_whole_weeks_minimum_one():
    assert ex.duration_for_sample_size(2188, 500) == ex.DurationResult(days=5, weeks=1, days_to_run=7)
    half_share = ex.duration_for_sample_size(10_000, 500, share_in_experiment=0.5)
    assert half_share == ex.DurationResult(days=40, weeks=6, days_to_run=42)
    assert ex.duration_for_sample_size(7000, 1000).weeks == 1  # exactly 7 days
    assert ex.duration_for_sample_size(7001, 1000) == ex.DurationResult(days=8, weeks=2, days_to_run=14)
    with pytest.raises(ValueError, match="share_in_experiment must be in \\(0, 1\\], got 0"):
        ex.duration_for_sample_size(1000, 100, share_in_experiment=0)
    with pytest.raises(ValueError, match="daily_visitors must be > 0, got 0"):
        ex.duration_for_sample_size(1000, 0)


def test_old_duration_name_is_gone():
    # renamed so that pytest does not take it for a test; no alias is kept
    assert not hasattr(ex, "test_duration") and "test_duration" not in ex.__all__
    assert not hasattr(ex, "design_recommendation")  # report text lives in the playbook layer


# ------------------------------------------------------------------ design tables


def test_sample_size_alternatives_are_the_three_formulas():
    alternatives = ex.sample_size_alternatives(0.20, 0.05, allocation=[0.4, 0.6], alpha=0.1, power=0.9)
    assert tuple(alternatives) == ex.SAMPLE_SIZE_METHODS == ("pooled", "evan_miller", "arcsine")
    for method, result in alternatives.items():
        alone = ex.sample_size_two_proportions(0.20, 0.05, allocation=[0.4, 0.6], alpha=0.1, power=0.9,
                                               method=method)
        assert result == alone
    assert alternatives["pooled"].n_per_arm[0] == math.ceil(_sm_pooled(0.20, 0.25, 0.1, 0.9, ratio=1.5))


def test_mde_duration_table_rows_and_impossible_effects():
    table = ex.mde_duration_table(0.20, [0.01, 0.05, 0.9, 0.0], daily_visitors=500)
    # +90 points gives a rate above 1 and 0 is no effect: both are left out
    assert table["mde"].tolist() == [0.01, 0.05]
    assert list(table.columns) == ["mde", "treatment_rate", "n_per_arm_max", "n_total", "days", "weeks"]
    row = table.iloc[1]
    assert row["n_per_arm_max"] == 1094 and row["n_total"] == 2188
    assert (row["days"], row["weeks"]) == (5, 1)  # 2,188 users at 500 a day: 5 days, one whole week
    first = ex.sample_size_two_proportions(0.20, 0.01)
    assert table.iloc[0]["n_total"] == first.n_total
    assert table.iloc[0]["days"] == math.ceil(first.n_total / 500)
    assert table.iloc[0]["weeks"] == math.ceil(math.ceil(first.n_total / 500) / 7)


def test_power_curve_table_matches_statsmodels_and_rises():
    curve = ex.power_curve_table(0.20, 0.05, powers=[0.6, 0.8, 0.9, 0.04])
    assert list(curve.columns) == ["method", "power", "n_per_arm_max"]
    assert curve["method"].unique().tolist() == list(ex.SAMPLE_SIZE_METHODS)
    assert 0.04 not in curve["power"].tolist()  # a power below alpha is skipped
    pooled = curve[curve["method"] == "pooled"]
    for power, n in zip(pooled["power"], pooled["n_per_arm_max"]):
        assert n == pytest.approx(_sm_pooled(0.20, 0.25, 0.05, power), rel=1e-10)
    for _, rows in curve.groupby("method"):
        assert rows["n_per_arm_max"].is_monotonic_increasing
    assert len(ex.power_curve_table(0.20, 0.05)) == 3 * 50


# ------------------------------------------------------------------ proportions


def test_two_proportion_test_reference_table():
    res = ex.two_proportion_test(1000, 10_000, 1100, 10_000)
    z_sm, p_sm = proportions_ztest([1100, 1000], [10_000, 10_000])
    assert res.z == pytest.approx(z_sm, rel=1e-12)
    assert res.p_value == pytest.approx(p_sm, rel=1e-12)
    assert res.p_value == pytest.approx(0.021075, abs=1e-6)  # published
    assert res.abs_lift == pytest.approx(0.01)
    ci = confint_proportions_2indep(1100, 10_000, 1000, 10_000, method="wald", compare="diff")
    assert res.abs_ci == pytest.approx(ci, rel=1e-10)
    table = [[1000, 9000], [1100, 8900]]
    no_yates = stats.chi2_contingency(table, correction=False)
    yates = stats.chi2_contingency(table)
    assert res.z**2 == pytest.approx(no_yates.statistic, rel=1e-10)
    assert res.p_value == pytest.approx(no_yates.pvalue, rel=1e-10)
    assert yates.pvalue == pytest.approx(0.022397, abs=1e-6)  # the default (Yates) differs, as documented
    assert res.p_value < yates.pvalue


def test_two_proportion_test_degenerate_and_bad_input():
    res = ex.two_proportion_test(0, 100, 0, 120)
    assert res.p_value == 1.0 and res.abs_lift == 0.0
    with pytest.raises(ValueError, match="conversions_b must be <= users_b \\(100\\), got 101"):
        ex.two_proportion_test(10, 100, 101, 100)
    with pytest.raises(ValueError, match="users_a must be a whole number >= 1, got 0"):
        ex.two_proportion_test(0, 0, 1, 10)
    with pytest.raises(ValueError, match="conversions_a must be a whole number >= 0, got 2.5"):
        ex.two_proportion_test(2.5, 10, 1, 10)


@pytest.mark.parametrize(
    "ca,na,cb,nb",
    [(1000, 10_000, 1100, 10_000), (3, 20, 7, 20), (0, 15, 4, 12), (2, 9, 2, 11), (30, 40, 10, 45)],
)
def test_fisher_exact_matches_scipy_and_newcombe_matches_statsmodels(ca, na, cb, nb):
    res = ex.fisher_exact_test(ca, na, cb, nb)
    ref = stats.fisher_exact([[ca, na - ca], [cb, nb - cb]])
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    ci = confint_proportions_2indep(cb, nb, ca, na, method="newcomb", compare="diff")
    assert res.abs_ci == pytest.approx(ci, rel=1e-9)
    assert res.method == "fisher_exact"


def test_fisher_published_value():
    assert ex.fisher_exact_test(1000, 10_000, 1100, 10_000).p_value == pytest.approx(0.022379, abs=1e-6)


def test_recommended_test_switches_to_fisher_on_small_expected_counts():
    small = ex.recommended_proportion_test(2, 20, 5, 20)  # expected conversions 3.5 per arm
    assert small.method == "fisher_exact"
    assert small.p_value == pytest.approx(stats.fisher_exact([[2, 18], [5, 15]]).pvalue, rel=1e-9)
    large = ex.recommended_proportion_test(3, 20, 7, 20)  # expected 5 per arm: not below 5
    assert large.method == "pooled_z"
    assert large.p_value == pytest.approx(proportions_ztest([7, 3], [20, 20])[1], rel=1e-10)


def test_counts_of_a_trillion_users_per_arm_use_the_z_test():
    # 10¹² users and 10¹⁰ conversions per arm: the expected cell counts are ~10¹⁰, so the z test applies. The
    # products of counts (~10²²) overflow 64-bit integers, which once sent this table to Fisher's exact test
    ca, na, cb, nb = 10**10, 10**12, 10**10 + 10**6, 10**12
    res = ex.recommended_proportion_test(ca, na, cb, nb)
    assert res.method == "pooled_z"
    pooled = (ca + cb) / (na + nb)
    z = (cb / nb - ca / na) / math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    assert res.z == pytest.approx(z, rel=1e-9)
    assert math.isfinite(res.p_value) and res.p_value == pytest.approx(2 * stats.norm.sf(z), rel=1e-6)
    assert res.p_value == pytest.approx(1.19e-12, rel=1e-2)
    # NumPy integers (as read from a summary table) behave the same
    assert ex.recommended_proportion_test(*np.array([ca, na, cb, nb], dtype=np.int64)) == res


def test_fisher_exact_at_a_trillion_users_per_arm():
    # a small total of conversions: exact probabilities from math.comb, P(X = k) = C(n_A, k)·C(n_B, K − k)/C(N, K)
    na, nb, conversions = 10**12, 10**12 + 7, (1, 3)
    k_total = sum(conversions)
    pmf = [math.comb(na, k) * math.comb(nb, k_total - k) / math.comb(na + nb, k_total) for k in range(k_total + 1)]
    expected = sum(p for p in pmf if p <= pmf[conversions[0]] * (1 + 1e-7))
    small = ex.fisher_exact_test(conversions[0], na, conversions[1], nb)
    assert small.p_value == pytest.approx(expected, rel=1e-12)
    assert ex.recommended_proportion_test(conversions[0], na, conversions[1], nb).method == "fisher_exact"
    # 10¹⁰ conversions per arm: the hypergeometric is as good as normal, so Fisher agrees with the z test
    ca, cb = 10**10, 10**10 + 10**6
    big = ex.fisher_exact_test(ca, 10**12, cb, 10**12)
    assert big.p_value == pytest.approx(ex.two_proportion_test(ca, 10**12, cb, 10**12).p_value, rel=1e-3)
    assert big.abs_ci == pytest.approx(ex.two_proportion_test(ca, 10**12, cb, 10**12).abs_ci, rel=1e-4)
    # far in the tail the p-value underflows to 0 instead of costing time
    assert ex.fisher_exact_test(10**10, 10**12, 2 * 10**10, 10**12).p_value == 0.0


def test_fisher_exact_matches_scipy_on_many_small_tables():
    rng = np.random.default_rng(1922)
    for _ in range(300):
        na, nb = (int(v) for v in rng.integers(1, 200, 2))
        ca, cb = int(rng.integers(0, na + 1)), int(rng.integers(0, nb + 1))
        ref = stats.fisher_exact([[ca, na - ca], [cb, nb - cb]]).pvalue
        assert ex.fisher_exact_test(ca, na, cb, nb).p_value == pytest.approx(ref, rel=1e-9, abs=1e-300)


def test_beta_binomial_at_a_trillion_users_per_arm():
    ca, na, cb, nb = 10**10, 10**12, 10**10 - 10**5, 10**12
    res = ex.beta_binomial_prob_beat(ca, na, cb, nb)
    # posteriors this narrow are normal to many digits: P(p_B > p_A) = Φ((μ_B − μ_A)/√(v_A + v_B))
    (aa, ba), (ab, bb) = res.posterior_a, res.posterior_b
    va, vb = stats.beta.var(aa, ba), stats.beta.var(ab, bb)
    sd = math.sqrt(va + vb)
    assert res.prob_b_beats_a == pytest.approx(stats.norm.cdf((res.mean_b - res.mean_a) / sd), abs=1e-6)
    # E[max(p_A − p_B, 0)] for a normal difference D ~ N(m, sd²): m·Φ(m/sd) + sd·φ(m/sd)
    m = res.mean_a - res.mean_b
    loss = m * stats.norm.cdf(m / sd) + sd * stats.norm.pdf(m / sd)
    assert res.expected_loss_b == pytest.approx(loss, rel=1e-4)


# ------------------------------------------------------------------ means


def test_welch_matches_scipy_raw_values():
    rng = np.random.default_rng(1)
    a = rng.lognormal(3.0, 1.0, 400) * (rng.random(400) < 0.3)
    b = rng.lognormal(3.1, 1.1, 450) * (rng.random(450) < 0.3)
    res = ex.welch_t_test(a, b, alpha=0.1)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res.t == pytest.approx(ref.statistic, rel=1e-10)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert res.df == pytest.approx(ref.df, rel=1e-10)
    assert res.ci == pytest.approx(tuple(ref.confidence_interval(0.9)), rel=1e-10)
    assert res.difference == pytest.approx(b.mean() - a.mean())


def test_welch_from_stats_matches_scipy():
    res = ex.welch_t_test_from_stats(52.0, 40.0, 800, 55.5, 48.0, 760)
    ref = stats.ttest_ind_from_stats(55.5, 48.0, 760, 52.0, 40.0, 800, equal_var=False)
    assert res.t == pytest.approx(ref.statistic, rel=1e-10)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    with pytest.raises(ValueError, match="n_b must be a whole number >= 2, got 1"):
        ex.welch_t_test_from_stats(1, 1, 10, 1, 1, 1)
    with pytest.raises(ValueError, match="sd_a must be >= 0, got -1"):
        ex.welch_t_test_from_stats(1, -1, 10, 1, 1, 10)
    with pytest.raises(ValueError, match="values_a must contain only finite numbers"):
        ex.welch_t_test([1.0, np.nan, 2.0], [1.0, 2.0, 3.0])


# ------------------------------------------------------------------ relative lift


def test_relative_lift_published_intervals():
    delta = ex.relative_lift_proportions(48, 950, 62, 1050)
    fieller = ex.relative_lift_proportions(48, 950, 62, 1050, method="fieller")
    assert delta.ci == pytest.approx((-0.260, 0.597), abs=5e-4)
    assert fieller.ci == pytest.approx((-0.191, 0.721), abs=5e-4)
    assert delta.relative_lift == pytest.approx((62 / 1050) / (48 / 950) - 1)
    assert fieller.bounded


def test_fieller_endpoints_solve_the_defining_equation():
    ma, va, mb, vb = 12.0, 4.0, 15.0, 5.0
    res = ex.relative_lift_interval(ma, va, mb, vb, method="fieller")
    for end in res.ci:
        rho = end + 1
        assert (mb - rho * ma) ** 2 == pytest.approx(Z975**2 * (vb + rho**2 * va), rel=1e-9)


def test_fieller_unbounded_when_control_not_significant():
    # the control mean is only 1 SE from 0
    res = ex.relative_lift_interval(0.01, 0.0001, 0.03, 0.0001, method="fieller")
    assert not res.bounded
    assert res.ci == (-math.inf, math.inf)
    with pytest.raises(ValueError, match="method must be one of 'delta', 'fieller', got 'log'"):
        ex.relative_lift_interval(1, 0.1, 1, 0.1, method="log")
    with pytest.raises(ValueError, match="mean_a must be non-zero"):
        ex.relative_lift_interval(0, 0.1, 1, 0.1)
    with pytest.raises(ValueError, match="conversions_a must be > 0"):
        ex.relative_lift_proportions(0, 100, 5, 100)


# ------------------------------------------------------------------ ratio metrics


def _visitor_data(rng: np.random.Generator, n: int, basket: float):
    # orders per visitor (mostly 0) and revenue whose order values are correlated within a visitor
    orders = rng.poisson(rng.gamma(0.3, 2.0, n))
    visitor_level = rng.lognormal(np.log(basket), 0.6, n)
    order_values = [visitor_level[i] * rng.lognormal(0.0, 0.2, k) for i, k in enumerate(orders)]
    revenue = np.array([v.sum() for v in order_values])
    return revenue, orders.astype(float), np.concatenate(order_values)


def test_ratio_metric_delta_vs_bootstrap_and_naive():
    rng = np.random.default_rng(2018)
    rev_a, ord_a, vals_a = _visitor_data(rng, 3000, 50.0)
    rev_b, ord_b, vals_b = _visitor_data(rng, 3000, 52.0)
    res = ex.ratio_metric_delta(rev_a, ord_a, rev_b, ord_b)
    assert res.ratio_a == pytest.approx(rev_a.sum() / ord_a.sum())
    assert res.difference == pytest.approx(rev_b.sum() / ord_b.sum() - rev_a.sum() / ord_a.sum())

    # seeded bootstrap over visitors (the randomisation unit)
    boot = np.random.default_rng(7)
    reps = 3000

    def boot_ratio(x, y):
        idx = boot.integers(0, x.size, size=(reps, x.size), dtype=np.int32)
        return x[idx].sum(axis=1) / y[idx].sum(axis=1)

    diffs = boot_ratio(rev_b, ord_b) - boot_ratio(rev_a, ord_a)
    assert res.se == pytest.approx(diffs.std(ddof=1), rel=0.06)

    naive = math.sqrt(vals_a.var(ddof=1) / vals_a.size + vals_b.var(ddof=1) / vals_b.size)
    assert res.se > 1.1 * naive  # treating orders as independent understates the SE

    # linearisation (influence function) form: Var(R) = var(x − R·y) / (n·ȳ²), ddof = 1
    for x, y, se in ((rev_a, ord_a, res.se_a), (rev_b, ord_b, res.se_b)):
        r = x.sum() / y.sum()
        assert se == pytest.approx(math.sqrt((x - r * y).var(ddof=1) / (x.size * y.mean() ** 2)), rel=1e-9)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(res.difference / res.se)))

    stats_a, stats_b = ex.ratio_arm_stats(rev_a, ord_a), ex.ratio_arm_stats(rev_b, ord_b)
    from_stats = ex.ratio_metric_delta_from_stats(stats_a, stats_b)
    assert from_stats.se == pytest.approx(res.se, rel=1e-9)


def test_ratio_metric_bad_input():
    msg = "numerator_b and denominator_b must have the same length, got 3 and 2"
    with pytest.raises(ValueError, match=msg):
        ex.ratio_metric_delta([1, 2, 3], [1, 1, 1], [1, 2, 3], [1, 1])
    empty = ex.RatioArmStats(n=10, sum_num=0.0, sum_den=0.0, sum_num_sq=0.0, sum_den_sq=0.0, sum_num_den=0.0)
    ok = ex.ratio_arm_stats([1.0, 2.0, 3.0], [1.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="stats_a.sum_den must be > 0"):
        ex.ratio_metric_delta_from_stats(empty, ok)


# ------------------------------------------------------------------ SRM


def test_srm_published_example_is_a_warning():
    res = ex.srm_check([50_000, 51_000])
    ref = stats.chisquare([50_000, 51_000])
    assert res.chi2 == pytest.approx(ref.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.chi2 == pytest.approx(9.901, abs=5e-4) and res.p_value == pytest.approx(0.001652, abs=1e-6)
    assert res.status == "warn" and res.df == 1
    assert ex.srm_check([50_000, 52_000]).status == "block"
    assert ex.srm_check([50_000, 50_300]).status == "ok"


def test_srm_unequal_design_and_many_arms():
    counts, shares = [10_230, 20_110, 69_660], [0.1, 0.2, 0.7]
    res = ex.srm_check(counts, shares)
    ref = stats.chisquare(counts, f_exp=np.array(shares) * sum(counts))
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-12) and res.df == 2
    # an intended 10/90 split is not a mismatch
    assert ex.srm_check([1000, 9000], [0.1, 0.9]).status == "ok"
    assert ex.srm_check([1000, 9000]).status == "block"


def test_srm_bad_input():
    with pytest.raises(ValueError, match="expected_shares must be positive shares summing to 1"):
        ex.srm_check([100, 100], [0.5, 0.6])
    with pytest.raises(ValueError, match="observed_counts must be whole numbers >= 0"):
        ex.srm_check([100, -1])
    with pytest.raises(ValueError, match="observed_counts must list at least two arm counts"):
        ex.srm_check([100])
    with pytest.raises(ValueError, match="block_below must be <= warn_below"):
        ex.srm_check([100, 100], block_below=0.05, warn_below=0.01)


# ------------------------------------------------------------------ CUPED


def test_cuped_against_ols():
    rng = np.random.default_rng(2013)
    n = 4000
    x = rng.gamma(2.0, 10.0, n)
    treat = rng.random(n) < 0.5
    y = 5.0 + 0.8 * x + rng.normal(0, 12.0, n) + 0.8 * treat
    res = ex.cuped_adjust(y, x, treat)

    slope = sm.OLS(y, sm.add_constant(x)).fit().params[1]
    assert res.theta == pytest.approx(slope, rel=1e-10)
    assert res.correlation == pytest.approx(np.corrcoef(y, x)[0, 1], rel=1e-10)

    ancova = sm.OLS(y, sm.add_constant(np.column_stack([treat.astype(float), x]))).fit()
    coef_treat, beta_within = ancova.params[1], ancova.params[2]
    imbalance = x[treat].mean() - x[~treat].mean()
    # exact identity: ANCOVA − CUPED = (θ − β_within)·(x̄_B − x̄_A)
    gap = (res.theta - beta_within) * imbalance
    assert coef_treat - res.adjusted.difference == pytest.approx(gap, rel=1e-8)
    assert res.adjusted.se == pytest.approx(ancova.bse[1], rel=0.02)

    unadj = stats.ttest_ind(y[treat], y[~treat], equal_var=False)
    assert res.unadjusted.p_value == pytest.approx(unadj.pvalue, rel=1e-10)
    y_adj = y - slope * (x - x.mean())
    adj = stats.ttest_ind(y_adj[treat], y_adj[~treat], equal_var=False)
    assert res.adjusted.t == pytest.approx(adj.statistic, rel=1e-9)
    assert res.adjusted.p_value == pytest.approx(adj.pvalue, rel=1e-7)

    assert res.variance_reduction == pytest.approx(np.corrcoef(y, x)[0, 1] ** 2, abs=0.02)
    assert res.adjusted.se < res.unadjusted.se
    balance = stats.ttest_ind(x[treat], x[~treat], equal_var=False)
    assert res.covariate_balance_p == pytest.approx(balance.pvalue)


def test_cuped_bad_input():
    with pytest.raises(ValueError, match="y, x and treatment must have the same length"):
        ex.cuped_adjust([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0], [True, False, True, False])
    with pytest.raises(ValueError, match="x must vary"):
        ex.cuped_adjust([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], [True, False, True, False])
    with pytest.raises(ValueError, match="treatment must mark at least 2 units in each arm"):
        ex.cuped_adjust([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0], [True, False, False, False])


# ------------------------------------------------------------------ multiple comparisons


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_holm_and_bh_match_statsmodels(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.05, 6), rng.uniform(0, 1, 9), [0.01, 0.01, 1.0]])
    rng.shuffle(p)
    assert ex.holm_adjust(p) == pytest.approx(multipletests(p, method="holm")[1], rel=1e-12)
    assert ex.benjamini_hochberg_adjust(p) == pytest.approx(multipletests(p, method="fdr_bh")[1], rel=1e-12)


def test_multiple_comparison_bad_input():
    with pytest.raises(ValueError, match="p_values must all be between 0 and 1"):
        ex.holm_adjust([0.2, 1.5])
    with pytest.raises(ValueError, match="p_values must have at least 1 values, got 0"):
        ex.benjamini_hochberg_adjust([])


# ------------------------------------------------------------------ Bayesian


def _quad_prob_b_beats_a(aa, ba, ab, bb):
    lo, hi = stats.beta.ppf(1e-14, aa, ba), stats.beta.isf(1e-14, aa, ba)
    val, _ = integrate.quad(lambda t: stats.beta.pdf(t, aa, ba) * stats.beta.sf(t, ab, bb), lo, hi,
                            epsabs=1e-12, epsrel=1e-12, limit=500, points=[aa / (aa + ba)])
    return val


def test_beta_binomial_published_and_exact():
    res = ex.beta_binomial_prob_beat(3, 20, 7, 20)
    assert res.prob_b_beats_a == pytest.approx(0.9205, abs=5e-5)
    assert res.posterior_a == (4, 18) and res.posterior_b == (8, 14)
    assert res.prob_b_beats_a == pytest.approx(_quad_prob_b_beats_a(4, 18, 8, 14), abs=1e-9)
    # E[max(p_B − p_A, 0)] − E[max(p_A − p_B, 0)] = E[p_B − p_A]
    assert res.expected_loss_a - res.expected_loss_b == pytest.approx(8 / 22 - 4 / 22, abs=1e-12)
    loss_b, _ = integrate.dblquad(
        lambda pb, pa: (pa - pb) * stats.beta.pdf(pa, 4, 18) * stats.beta.pdf(pb, 8, 14),
        0, 1, 0, lambda pa: pa, epsabs=1e-10,
    )
    assert res.expected_loss_b == pytest.approx(loss_b, abs=1e-8)


@pytest.mark.parametrize(
    "ca,na,cb,nb,prior",
    [(3, 20, 7, 20, (1.0, 1.0)), (3, 20, 7, 20, (0.5, 0.5)), (2500, 50_000, 2600, 50_000, (1.0, 1.0)),
     (2500, 50_000, 2600, 50_000, (0.5, 0.5)), (1200, 40_000, 1150, 38_000, (2.0, 30.0))],
)
def test_beta_binomial_against_quadrature_and_monte_carlo(ca, na, cb, nb, prior):
    a0, b0 = prior
    aa, ba, ab, bb = a0 + ca, b0 + na - ca, a0 + cb, b0 + nb - cb
    res = ex.beta_binomial_prob_beat(ca, na, cb, nb, prior_alpha=a0, prior_beta=b0)
    assert res.prob_b_beats_a == pytest.approx(_quad_prob_b_beats_a(aa, ba, ab, bb), abs=1e-8)
    rng = np.random.default_rng(11)
    draws = 400_000
    pa, pb = rng.beta(aa, ba, draws), rng.beta(ab, bb, draws)
    prob = np.mean(pb > pa)
    assert res.prob_b_beats_a == pytest.approx(prob, abs=4 * math.sqrt(prob * (1 - prob) / draws) + 1e-4)
    pairs = ((res.expected_loss_b, np.maximum(pa - pb, 0)), (res.expected_loss_a, np.maximum(pb - pa, 0)))
    for loss, sample in pairs:
        assert loss == pytest.approx(sample.mean(), abs=4 * sample.std() / math.sqrt(draws) + 1e-9)


def test_beta_binomial_bad_input():
    with pytest.raises(ValueError, match="prior_alpha must be > 0, got 0"):
        ex.beta_binomial_prob_beat(1, 10, 2, 10, prior_alpha=0)
    with pytest.raises(ValueError, match="conversions_a must be <= users_a"):
        ex.beta_binomial_prob_beat(11, 10, 2, 10)


# ------------------------------------------------------------------ always-valid inference


def _msprt_by_hand(ca: int, cb: int, n: int, tau: float) -> tuple[float, float]:
    """The mSPRT of Johari, Koomen, Pekelis & Walsh (2017), "Peeking at A/B tests: why it matters, and what to
    do about it", KDD, for two arms of n users each, written out from the paper rather than from the package.

    With V = p̂_A(1 − p̂_A) + p̂_B(1 − p̂_B) and a normal mixing distribution N(0, τ²) on the difference θ:
        Λ = √(V / (V + nτ²)) · exp(n²τ²Δ̂² / (2V(V + nτ²))),   p = min(1, 1/Λ).
    Returned twice: from this closed form, and by integrating the likelihood ratio of Δ̂ ~ N(θ, V/n) against
    N(0, V/n) over the mixing distribution numerically (the definition of the mixture ratio)."""
    pa, pb = ca / n, cb / n
    v, d = pa * (1 - pa) + pb * (1 - pb), pb - pa
    closed = np.sqrt(v / (v + n * tau**2)) * np.exp(n**2 * tau**2 * d**2 / (2 * v * (v + n * tau**2)))
    se = math.sqrt(v / n)
    ratio = integrate.quad(lambda theta: stats.norm.pdf(d, theta, se) / stats.norm.pdf(d, 0, se)
                           * stats.norm.pdf(theta, 0, tau), -20 * tau, 20 * tau, epsabs=0, epsrel=1e-12)[0]
    return min(1.0, 1 / closed), min(1.0, 1 / ratio)


def _confidence_sequence_by_hand(diff: float, var: float, t: int, alpha: float, n_star: float) -> float:
    """Always-valid p-value of the normal-mixture confidence sequence (Howard, Ramdas, McAuliffe & Sekhon 2021,
    "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of Statistics 49(2), §3), in the
    asymptotic form GrowthBook uses (Waudby-Smith et al. 2021), written out independently of the package.

    For t observations with per-unit variance s² = t·σ² (σ² the variance of Δ̂) the standardised sum is
    S = t·Δ̂/s, and the mixture of exp(λS − λ²t/2) over λ ~ N(0, ρ²) is the e-value
        e = ∫ exp(λS − λ²t/2) φ(λ; 0, ρ²) dλ = exp(tρ²/(tρ² + 1) · Δ̂²/(2σ²)) / √(tρ² + 1),
    with ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*; the p-value is min(1, 1/e). Computed here by quadrature."""
    rho2 = (-2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))) / n_star
    s = math.sqrt(t * var)
    total = t * diff / s
    spread = 12 * math.sqrt(rho2)
    e_value = integrate.quad(lambda lam: math.exp(lam * total - lam**2 * t / 2) * stats.norm.pdf(lam, 0, math.sqrt(rho2)),
                             -spread, spread, points=[total / t], epsabs=0, epsrel=1e-12, limit=200)[0]
    closed = math.exp(t * rho2 / (t * rho2 + 1) * diff**2 / (2 * var)) / math.sqrt(t * rho2 + 1)
    assert e_value == pytest.approx(closed, rel=1e-9)  # the integral and its closed form agree
    return min(1.0, 1 / e_value)


def test_msprt_equals_the_mixture_ratio_written_out():
    for ca, cb, n, tau in [(1000, 1100, 10_000, 0.01), (1000, 1100, 10_000, 0.05), (480, 530, 5000, 0.02),
                           (50, 52, 1000, 0.01)]:
        closed, integral = _msprt_by_hand(ca, cb, n, tau)
        assert closed == pytest.approx(integral, rel=1e-9)
        got = ex.msprt_two_proportions(ca, n, cb, n, tau=tau)
        assert got.always_valid_p == pytest.approx(closed, rel=1e-12)
    # the docstring's example: 1000/10000 vs 1100/10000 with τ = 0.01 gives p = 0.268 (fixed horizon 0.021)
    assert _msprt_by_hand(1000, 1100, 10_000, 0.01)[0] == pytest.approx(0.268, abs=5e-4)


def test_confidence_sequence_equals_the_normal_mixture_written_out():
    for ca, cb, n, n_star in [(1000, 1100, 10_000, 5000), (1000, 1100, 10_000, 20_000), (300, 360, 4000, 8000)]:
        pa, pb = ca / n, cb / n
        var = (pa * (1 - pa) + pb * (1 - pb)) / n
        expected = _confidence_sequence_by_hand(pb - pa, var, 2 * n, 0.05, n_star)
        props = ex.confidence_sequence_proportions(ca, n, cb, n, n_star=n_star)
        means = ex.confidence_sequence_difference(pa, math.sqrt(pa * (1 - pa)), n, pb, math.sqrt(pb * (1 - pb)), n,
                                                  n_star=n_star)
        assert props.always_valid_p == pytest.approx(expected, rel=1e-9)
        assert means.always_valid_p == pytest.approx(expected, rel=1e-9)
    # the docstring's example: 1000/10000 vs 1100/10000 with N* = 5000 gives p = 0.434
    assert ex.confidence_sequence_proportions(1000, 10_000, 1100, 10_000).always_valid_p == pytest.approx(0.434,
                                                                                                          abs=5e-4)


def test_sequential_fixed_horizon_comparison_and_duality():
    msprt = ex.msprt_two_proportions(1000, 10_000, 1100, 10_000, tau=0.01)
    cs = ex.confidence_sequence_proportions(1000, 10_000, 1100, 10_000, n_star=5000)
    # the fixed-horizon comparison is the unpooled Wald test and interval (statsmodels)
    wald = sm_proportion.test_proportions_2indep(1100, 10_000, 1000, 10_000, method="wald")
    for res in (msprt, cs):
        assert res.fixed_p_value == pytest.approx(wald.pvalue, rel=1e-9)
        wald_ci = confint_proportions_2indep(1100, 10_000, 1000, 10_000, method="wald")
        assert res.fixed_ci == pytest.approx(wald_ci, rel=1e-9)
        assert res.width_ratio > 1  # always-valid intervals are wider
        # duality: the interval covers 0 exactly when p > alpha
        assert (res.always_valid_ci[0] < 0 < res.always_valid_ci[1]) == (res.always_valid_p > 0.05)


def test_always_valid_duality_on_strong_effect():
    for res in (
        ex.msprt_two_proportions(1000, 10_000, 1250, 10_000),
        ex.confidence_sequence_proportions(1000, 10_000, 1250, 10_000),
    ):
        assert res.always_valid_p < 0.05 and res.always_valid_ci[0] > 0


def test_always_valid_type_one_error_under_repeated_looks():
    rng = np.random.default_rng(1969)
    sims, looks, n_final, p = 400, 20, 4000, 0.1
    sizes = np.linspace(n_final / looks, n_final, looks).astype(int)
    inc = np.diff(sizes, prepend=0)
    reject_msprt = reject_cs = reject_naive = 0
    for _ in range(sims):
        ca = np.cumsum(rng.binomial(inc, p))
        cb = np.cumsum(rng.binomial(inc, p))
        m = ex.msprt_two_proportions(ca, sizes, cb, sizes, tau=0.01)
        c = ex.confidence_sequence_proportions(ca, sizes, cb, sizes, n_star=2 * n_final)
        assert np.all(np.diff(m.p_by_look) <= 0)
        reject_msprt += m.always_valid_p < 0.05
        reject_cs += c.always_valid_p < 0.05
        # naive peeking: the unpooled z test at every look
        ra, rb = ca / sizes, cb / sizes
        z = (rb - ra) / np.sqrt((ra * (1 - ra) + rb * (1 - rb)) / sizes)
        reject_naive += np.any(2 * stats.norm.sf(np.abs(z)) < 0.05)
    assert reject_msprt / sims <= 0.05
    assert reject_cs / sims <= 0.05
    assert reject_naive / sims > 0.15


def test_sequential_bad_input():
    with pytest.raises(ValueError, match="tau must be > 0, got 0"):
        ex.msprt_two_proportions(10, 100, 12, 100, tau=0)
    with pytest.raises(ValueError, match="must have the same number of looks"):
        ex.msprt_two_proportions([10, 20], [100, 200], [12], [100])
    with pytest.raises(ValueError, match="zero variance"):
        ex.confidence_sequence_proportions(0, 100, 0, 100)
    with pytest.raises(ValueError, match="n_star must be > 0"):
        ex.confidence_sequence_difference(1, 1, 10, 1, 1, 10, n_star=-5)


# ------------------------------------------------------------------ peeking simulation


def test_peeking_reproduces_armitage():
    sims = 20_000
    five = ex.simulate_peeking_false_positive_rate(5, 5000, 0.1, 0.05, sims, seed=5)
    se = math.sqrt(0.1417 * (1 - 0.1417) / sims)
    assert five == pytest.approx(0.1417, abs=4 * se)  # published (Armitage et al. 1969: 0.142)
    one = ex.simulate_peeking_false_positive_rate(1, 5000, 0.1, 0.05, sims, seed=5)
    assert one == pytest.approx(0.05, abs=4 * math.sqrt(0.05 * 0.95 / sims))
    twenty = ex.simulate_peeking_false_positive_rate(20, 5000, 0.1, 0.05, sims, seed=5)
    assert twenty == pytest.approx(0.2479, abs=4 * math.sqrt(0.2479 * 0.7521 / sims))
    assert ex.simulate_peeking_false_positive_rate(5, 5000, 0.1, 0.05, 2000, seed=9) == \
        ex.simulate_peeking_false_positive_rate(5, 5000, 0.1, 0.05, 2000, seed=9)


def test_peeking_bad_input():
    with pytest.raises(ValueError, match="n_per_arm_final must be >= n_looks \\(10\\), got 5"):
        ex.simulate_peeking_false_positive_rate(10, 5, 0.1)
    with pytest.raises(ValueError, match="baseline_rate must be strictly between 0 and 1, got 0"):
        ex.simulate_peeking_false_positive_rate(5, 1000, 0)


# ------------------------------------------------------------------ CUPED from sufficient statistics


def _cuped_sums(y: np.ndarray, x: np.ndarray) -> dict[str, float]:
    return {"n": y.size, "sum_y": y.sum(), "sum_y_sq": y @ y, "sum_x": x.sum(), "sum_x_sq": x @ x, "sum_xy": x @ y}


def test_cuped_from_stats_equals_cuped_adjust():
    rng = np.random.default_rng(2024)
    n = 20_000
    treat = rng.random(n) < 0.45
    x = rng.gamma(0.6, 30.0, n)  # skewed pre-period revenue
    y = 0.5 * x + rng.gamma(0.8, 10.0, n) + 1.5 * treat
    raw = ex.cuped_adjust(y, x, treat)
    got = ex.cuped_from_stats(_cuped_sums(y[~treat], x[~treat]), _cuped_sums(y[treat], x[treat]))
    for name in ("theta", "correlation", "variance_reduction", "covariate_balance_p"):
        assert getattr(got, name) == pytest.approx(getattr(raw, name), rel=1e-9, abs=1e-12), name
    for part in ("unadjusted", "adjusted"):
        a, b = getattr(got, part), getattr(raw, part)
        for name in ("mean_a", "mean_b", "difference", "se", "t", "df", "p_value"):
            assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-9, abs=1e-12), (part, name)
        assert a.ci == pytest.approx(b.ci, rel=1e-9)


def test_cuped_from_stats_bad_input():
    y, x = np.array([1.0, 2.0, 4.0, 3.0]), np.array([1.0, 2.0, 3.0, 5.0])
    good = _cuped_sums(y, x)
    with pytest.raises(ValueError, match=r"stats_a must give n, sum_y.*missing sum_xy"):
        ex.cuped_from_stats({k: v for k, v in good.items() if k != "sum_xy"}, good)
    with pytest.raises(ValueError, match=r"stats_b\['n'\] must be a whole number >= 2"):
        ex.cuped_from_stats(good, {**good, "n": 1})
    with pytest.raises(ValueError, match=r"stats_a: sum_y_sq = 1.0 is smaller than sum_y²/n"):
        ex.cuped_from_stats({**good, "sum_y_sq": 1.0}, good)
    constant = _cuped_sums(y, np.full(4, 2.0))
    with pytest.raises(ValueError, match=r"x must vary"):
        ex.cuped_from_stats(constant, constant)


# ------------------------------------------------------------------ shared argument checks


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: checks.finite_number("x", "abc"), "x must be a number, got 'abc'"),
        (lambda: checks.finite_number("x", float("inf")), "x must be a finite number, got inf"),
        (lambda: checks.open_unit("alpha", float("nan")), "alpha must be strictly between 0 and 1, got nan"),
        (lambda: checks.open_unit("alpha", 1), "alpha must be strictly between 0 and 1, got 1"),
        (lambda: checks.positive("tau", float("nan")), "tau must be > 0, got nan"),
        (lambda: checks.positive("tau", float("inf")), "tau must be a finite number, got inf"),
        (lambda: checks.non_negative("sd", -0.5), "sd must be >= 0, got -0.5"),
        (lambda: checks.whole_number("n", 2.5, minimum=1), "n must be a whole number >= 1, got 2.5"),
        (lambda: checks.whole_number("n", np.int64(0), minimum=1), "n must be a whole number >= 1, got 0"),
        (lambda: checks.choice("method", "x", ("a", "b")), "method must be one of 'a', 'b', got 'x'"),
        (lambda: checks.values_array("v", [[1.0, 2.0]]), r"v must be 1-D, got an array of shape \(1, 2\)"),
        (lambda: checks.values_array("v", [1.0, np.inf]), "v must contain only finite numbers"),
        (lambda: checks.shares("w", [0.5, 0.4], 2), r"w must be positive shares summing to 1, got \[0.5, 0.4\]"),
        (lambda: checks.shares("w", [1.0], 2), r"w must list one share per arm \(2\)"),
    ],
)
def test_checks_raise_value_error_naming_argument_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_whole_number_keeps_every_digit_of_large_integers():
    big = 2**60 + 1  # not representable as a float
    assert checks.whole_number("n", big) == big and type(checks.whole_number("n", big)) is int
    assert type(checks.whole_number("n", np.int64(10**12))) is int
    assert checks.whole_number("n", 3.0) == 3
    assert checks.shares("w", None, 4).tolist() == [0.25] * 4
    assert checks.open_unit("alpha", "0.05") == 0.05  # numbers as text are numbers, as before


# ------------------------------------------------------------------ the package


def test_package_exports_every_public_name_of_its_modules():
    names = [name for module in ex.SUBMODULES for name in module.__all__]
    assert ex.__all__ == names and len(set(names)) == len(names)
    for module in ex.SUBMODULES:
        for name in module.__all__:
            assert getattr(ex, name) is getattr(module, name), (module.__name__, name)
    from ecomops.experiments import cuped_arm_stats, revenue_per_user_stats, summarise_events, validate_summary

    assert summarise_events is ex.events.summarise_events and validate_summary is ex.sufficient.validate_summary
    assert cuped_arm_stats is ex.cuped_arm_stats and revenue_per_user_stats is ex.revenue_per_user_stats


def test_the_command_line_imports_neither_scipy_stats_nor_duckdb():
    """``ecomops run`` checks parameters and a sample before the kernel starts; SciPy's statistics (about half
    a second to import) and DuckDB load only when an analysis needs them."""
    code = "import sys, ecomops.cli, ecomops.runner; print(sorted({'scipy.stats', 'duckdb'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_package_does_not_import_duckdb():
    code = "import sys, ecomops.experiments; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_modules_stay_small():
    folder = Path(ex.__file__).parent
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in folder.glob("*.py")}
    assert max(sizes.values()) < 500, sizes

"""Tests for ecomops.clv: the BG/NBD and Gamma-Gamma models against the published CDNOW figures.

References
----------
* Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: an alternative to
  the Pareto/NBD model. *Marketing Science* 24(2), 275–284 — section 7 reports, for the 2,357-customer CDNOW
  sample with a 39-week calibration period, r = 0.243, α = 4.414, a = 0.793, b = 2.426 and LL = −9582.4.
* Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value (note 025), and Fader, Hardie &
  Lee (2005), RFM and CLV: using iso-value curves for customer base analysis, *J. Marketing Research* 42(4):
  p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat buyers of the same sample.

The CDNOW sample has no licence, so it is not shipped: it is read from the data folder of the installed
``lifetimes`` package (located with importlib, without importing ``lifetimes.datasets``, which needs
``pkg_resources``). ``lifetimes`` is also the independent implementation for the CLV cross-check.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from ecomops.clv import (
    BgNbdFit,
    GammaGammaFit,
    bgnbd_expected_purchases,
    bgnbd_expected_purchases_new,
    bgnbd_log_likelihood,
    bgnbd_probability_alive,
    calibration_summary,
    discounted_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    holdout_by_frequency,
    purchase_days,
    simulate_bgnbd_transactions,
)
from ecomops.data import DataError

_SPEC = importlib.util.find_spec("lifetimes")
LIFETIMES_DATA = Path(_SPEC.origin).parent / "datasets" if _SPEC else None
PAPER_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PAPER_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    """The published per-customer summary (x, t_x, T in weeks, zbar) of the CDNOW sample."""
    return pd.read_csv(LIFETIMES_DATA / "cdnow_customers_summary_with_transactions.csv").set_index("ID")


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    """The raw CDNOW sample: one row per customer and order (6,919 rows; 2nd column = the summary's ID)."""
    raw = pd.read_csv(LIFETIMES_DATA / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer", "date", "quantity", "amount"])
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw


@pytest.fixture(scope="module")
def bgnbd(cdnow_summary) -> BgNbdFit:
    return fit_bgnbd(cdnow_summary["x"], cdnow_summary["t_x"], cdnow_summary["T"])


@pytest.fixture(scope="module")
def gamma_gamma(cdnow_summary) -> GammaGammaFit:
    repeaters = cdnow_summary[cdnow_summary["x"] > 0]
    return fit_gamma_gamma(repeaters["x"], repeaters["zbar"])


def test_bgnbd_reproduces_fader_hardie_lee_2005(bgnbd):
    """FHL (2005) §7: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4 (weeks)."""
    for name, published in PAPER_BGNBD.items():
        assert getattr(bgnbd, name) == pytest.approx(published, abs=6e-4), name
    assert bgnbd.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_log_likelihood_at_published_values(cdnow_summary):
    """At the paper's rounded estimates the log-likelihood is −9582.4 (to one decimal, as printed)."""
    value = bgnbd_log_likelihood(tuple(PAPER_BGNBD.values()), cdnow_summary["x"], cdnow_summary["t_x"],
                                 cdnow_summary["T"])
    assert value == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_fit_on_weighted_triples_equals_fit_on_customers(cdnow_summary, bgnbd):
    """Grouping identical (x, t_x, T) rows with their counts gives the same likelihood and estimate."""
    grouped = cdnow_summary.groupby(["x", "t_x", "T"]).size().reset_index(name="n")
    assert len(grouped) < len(cdnow_summary)
    fit = fit_bgnbd(grouped["x"], grouped["t_x"], grouped["T"], weights=grouped["n"])
    assert fit.log_likelihood == pytest.approx(bgnbd.log_likelihood, abs=1e-6)
    assert fit.r == pytest.approx(bgnbd.r, rel=1e-4)
    assert fit.b == pytest.approx(bgnbd.b, rel=1e-4)


def test_bgnbd_likelihood_matches_numerical_integration():
    """Hand check of eq. 6 for one customer (x=2, t_x=3, T=5): integrate the individual-level likelihood
    (1−p)^x λ^x e^{−λT} + δ p(1−p)^{x−1} λ^x e^{−λ t_x} over λ ~ Gamma(r, α) and p ~ Beta(a, b)."""
    r, alpha, a, b, x, t_x, age = 0.8, 2.0, 1.3, 2.5, 2, 3.0, 5.0

    def integrand(lam, p):
        individual = (1 - p) ** x * lam ** x * np.exp(-lam * age) + p * (1 - p) ** (x - 1) * lam ** x * np.exp(
            -lam * t_x)
        return individual * stats.gamma.pdf(lam, r, scale=1 / alpha) * stats.beta.pdf(p, a, b)

    expected, _ = integrate.dblquad(integrand, 0, 1, 0, np.inf)
    assert bgnbd_log_likelihood((r, alpha, a, b), [x], [t_x], [age]) == pytest.approx(np.log(expected), rel=1e-6)


def test_bgnbd_individual_predictions_cdnow(bgnbd):
    """Customer ID 1 of the CDNOW sample (x=2, t_x=30.43, T=38.86): E[Y(39)] = 1.2259, P(alive) = 0.7266; ID 6
    (x=7, t_x=29.43): 3.3372 and 0.6418 — the values of FHL's spreadsheet note, reproduced by lifetimes."""
    assert bgnbd_expected_purchases(bgnbd, 39, 2, 30.43, 38.86) == pytest.approx(1.2259, abs=1e-4)
    assert bgnbd_probability_alive(bgnbd, 2, 30.43, 38.86) == pytest.approx(0.7266, abs=1e-4)
    assert bgnbd_expected_purchases(bgnbd, 39, 7, 29.43, 38.86) == pytest.approx(3.3372, abs=1e-4)
    assert bgnbd_probability_alive(bgnbd, 7, 29.43, 38.86) == pytest.approx(0.6418, abs=1e-4)
    assert bgnbd_probability_alive(bgnbd, 0, 0.0, 38.86) == 1.0


def test_bgnbd_matches_lifetimes_fitter_predictions(cdnow_summary, bgnbd):
    """The lifetimes 0.11.3 BetaGeoFitter (an independent implementation) gives the same per-customer figures."""
    lifetimes = pytest.importorskip("lifetimes")
    fitter = lifetimes.BetaGeoFitter().fit(cdnow_summary["x"], cdnow_summary["t_x"],
                                           cdnow_summary["T"])
    theirs = fitter.conditional_expected_number_of_purchases_up_to_time(
        39, cdnow_summary["x"], cdnow_summary["t_x"], cdnow_summary["T"])
    ours = bgnbd_expected_purchases(bgnbd, 39, cdnow_summary["x"], cdnow_summary["t_x"], cdnow_summary["T"])
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)
    np.testing.assert_allclose(bgnbd_expected_purchases_new(bgnbd, [10, 39, 78]),
                               fitter.expected_number_of_purchases_up_to_time([10, 39, 78]), rtol=1e-3)


def test_bgnbd_unconditional_expectation_by_simulation():
    """E[X(t)] for a new customer (eq. 9) against a large simulation of the BG/NBD process (seeded)."""
    fit = BgNbdFit(r=1.5, alpha=10.0, a=2.0, b=6.0, log_likelihood=np.nan)
    rng = np.random.default_rng(7)
    n, t = 400_000, 30.0
    lam = rng.gamma(fit.r, 1 / fit.alpha, n)
    p = rng.beta(fit.a, fit.b, n)
    repeats = np.minimum(rng.poisson(lam * t), rng.geometric(p))
    standard_error = repeats.std() / np.sqrt(n)
    assert float(bgnbd_expected_purchases_new(fit, t)) == pytest.approx(repeats.mean(), abs=5 * standard_error)


def test_calibration_summary_reproduces_published_cdnow_summary(cdnow_transactions, cdnow_summary):
    """From the raw orders (calibration to 1997-09-30, week 39), same-day orders merged: x equals the published
    summary exactly (Σx = 2,457), t_x and T agree to the summary's two decimals, and the holdout (weeks 40–78)
    holds 1,882 repeat purchase days."""
    summary = calibration_summary(cdnow_transactions, "customer", "date", "amount", "1997-09-30", time_unit="weeks")
    published = cdnow_summary.reindex(summary.index)
    assert len(summary) == 2357
    assert (summary["frequency"] == published["x"]).all()
    assert summary["frequency"].sum() == 2457
    np.testing.assert_allclose(summary["recency"], published["t_x"], atol=0.005)
    np.testing.assert_allclose(summary["T"], published["T"], atol=0.005)
    np.testing.assert_allclose(summary["monetary"], published["zbar"], atol=0.006)
    assert summary["holdout_purchases"].sum() == 1882
    assert summary["holdout_length"].iloc[0] == pytest.approx(39.0)


def test_holdout_check_cdnow(cdnow_transactions):
    """FHL (2005) §7 validation: Σ E[Y(39)] ≈ 1,653 vs 1,882 actual; the zero class predicts 0.23 against an
    actual 334/1,411 = 0.24; corr(pred, actual) = 0.626."""
    summary = calibration_summary(cdnow_transactions, "customer", "date", "amount", "1997-09-30", time_unit="weeks")
    fit = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    predicted = bgnbd_expected_purchases(fit, 39, summary["frequency"], summary["recency"], summary["T"])
    assert predicted.sum() == pytest.approx(1653.4, abs=0.5)
    assert np.corrcoef(predicted, summary["holdout_purchases"])[0, 1] == pytest.approx(0.626, abs=1e-3)
    groups = holdout_by_frequency(summary, predicted)
    assert groups.loc["0", "customers"] == 1411
    assert groups.loc["0", "actual"] == pytest.approx(334 / 1411)
    assert groups.loc["0", "predicted"] == pytest.approx(0.23, abs=0.006)
    assert list(groups.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert groups["customers"].sum() == 2357


def test_gamma_gamma_reproduces_fader_hardie(gamma_gamma):
    """Fader & Hardie (2013) note 025 / FHL (2005, JMR): p = 6.25, q = 3.74, γ = 15.44 on the 946 repeaters."""
    assert gamma_gamma.p == pytest.approx(PAPER_GG["p"], abs=5e-3)
    assert gamma_gamma.q == pytest.approx(PAPER_GG["q"], abs=5e-3)
    assert gamma_gamma.gamma == pytest.approx(PAPER_GG["gamma"], abs=1e-2)
    assert gamma_gamma.log_likelihood == pytest.approx(-4055.92, abs=0.01)


def test_gamma_gamma_expected_spend(gamma_gamma):
    """E[M | x=2, z̄=22.35] = p(γ + x z̄)/(px + q − 1) = 24.659 at the fitted values; for x = 0 the population
    mean pγ/(q−1) = 35.17 (Fader & Hardie 2013, eq. 5)."""
    assert gamma_gamma_expected_spend(gamma_gamma, 2, 22.35) == pytest.approx(24.659, abs=1e-3)
    hand = 6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1)
    published = GammaGammaFit(6.25, 3.74, 15.44, np.nan)
    assert gamma_gamma_expected_spend(published, 2, 22.35) == pytest.approx(hand)
    assert gamma_gamma_expected_spend(gamma_gamma, 0, 0.0) == pytest.approx(35.171, abs=1e-3)


def test_discounted_clv_matches_lifetimes_convention(bgnbd, gamma_gamma):
    """lifetimes' customer_lifetime_value(time=12, discount_rate=0.01, freq="W") sums 12 months of 4.345 weeks
    discounted at 1 % a month; with month_length=4.345 and the equivalent annual rate 1.01¹² − 1 our CLV of ID 1
    is the same 36.2785."""
    value = discounted_clv(bgnbd, gamma_gamma, [2], [30.43], [38.86], [22.35], horizon_months=12,
                           annual_discount_rate=1.01 ** 12 - 1, time_unit="weeks", month_length=4.345)
    assert value[0] == pytest.approx(36.2785, abs=1e-3)


def test_discounted_clv_without_discount_is_spend_times_purchases(bgnbd, gamma_gamma):
    """With a zero discount rate the monthly sum telescopes to E[M] · E[Y(H months)]."""
    horizon_weeks = 12 * 365.25 / 12 / 7
    value = discounted_clv(bgnbd, gamma_gamma, [2, 0], [30.43, 0], [38.86, 38.86], [22.35, 0], 12, 0.0, "weeks")
    expected = gamma_gamma_expected_spend(gamma_gamma, np.array([2, 0]), np.array([22.35, 0])) * \
        bgnbd_expected_purchases(bgnbd, horizon_weeks, np.array([2, 0]), np.array([30.43, 0]), np.array([38.86]))
    np.testing.assert_allclose(value, expected)
    with pytest.raises(ValueError):
        discounted_clv(bgnbd, gamma_gamma, [2], [30.43], [38.86], [22.35], 0, 0.1)


def test_purchase_days_merges_same_day_orders():
    """Two orders of customer a on 2024-01-02 are one purchase occasion worth 15; missing customers are dropped."""
    frame = pd.DataFrame({
        "c": ["a", "a", "a", None, "b"],
        "d": ["2024-01-02 09:00", "2024-01-02 17:30", "2024-01-05 10:00", "2024-01-05 11:00", "2024-01-03 12:00"],
        "v": [10.0, 5.0, 7.0, 1.0, 3.0],
    })
    days = purchase_days(frame, "c", "d", "v")
    assert days["customer"].tolist() == ["a", "a", "b"]
    assert days["amount"].tolist() == [15.0, 7.0, 3.0]


def test_calibration_summary_hand_example():
    """Customer a buys on days 0 (twice, 10 + 5), 7 (8) and 14 (12), calibration end day 10, data to day 21:
    x = 1, t_x = 7, T = 10 days, monetary = 8 (repeat purchases only), 1 holdout purchase (day 14) worth 12,
    holdout length 11 days. b buys only on day 11 (after the end): not in the summary."""
    frame = pd.DataFrame({
        "c": ["a", "a", "a", "a", "b", "b"],
        "d": pd.to_datetime(["2024-03-01 08:00", "2024-03-01 20:00", "2024-03-08 09:00", "2024-03-15 09:00",
                             "2024-03-12 09:00", "2024-03-22 09:00"]),
        "v": [10.0, 5.0, 8.0, 12.0, 4.0, 4.0],
    })
    summary = calibration_summary(frame, "c", "d", "v", "2024-03-11")
    assert summary.index.tolist() == ["a"]
    row = summary.loc["a"]
    assert (row["frequency"], row["recency"], row["T"], row["monetary"]) == (1, 7.0, 10.0, 8.0)
    assert (row["holdout_purchases"], row["holdout_amount"], row["holdout_length"]) == (1, 12.0, 11.0)
    weeks = calibration_summary(frame, "c", "d", "v", "2024-03-11", time_unit="weeks")
    assert weeks.loc["a", "T"] == pytest.approx(10 / 7)
    with pytest.raises(DataError, match="calibration end"):
        calibration_summary(frame, "c", "d", "v", "2024-01-01")
    with pytest.raises(ValueError, match="time_unit"):
        calibration_summary(frame, "c", "d", "v", "2024-03-11", time_unit="months")


def test_fit_bgnbd_rejects_inconsistent_histories():
    with pytest.raises(DataError, match="recency"):
        fit_bgnbd([1, 0], [5.0, 0.0], [4.0, 3.0])
    with pytest.raises(DataError, match="no customers"):
        fit_bgnbd([], [], [])


def test_fit_gamma_gamma_rejects_non_positive_spend():
    with pytest.raises(DataError, match="> 0"):
        fit_gamma_gamma([1, 2], [10.0, -3.0])


def test_simulated_transactions_recover_known_parameters():
    """Draws from a BG/NBD with known parameters (per day) and fits them back: with 20,000 customers the
    estimates land within 15 % of the truth (the same recovery check the benchmark runs at scale)."""
    truth = {"r": 0.9, "alpha": 40.0, "a": 0.8, "b": 4.0}
    frame = simulate_bgnbd_transactions(20_000, **truth, p=4.0, q=3.0, gamma=20.0, seed=3)
    assert frame["customer_id"].is_monotonic_increasing
    summary = calibration_summary(frame, "customer_id", "timestamp", "amount", "2024-12-30")
    fit = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    for name, value in truth.items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.15), name
    repeaters = summary[summary["frequency"] > 0]
    spend = fit_gamma_gamma(repeaters["frequency"], repeaters["monetary"])
    assert spend.p * spend.gamma / (spend.q - 1) == pytest.approx(4.0 * 20.0 / 2.0, rel=0.1)


def test_analytic_gradients_match_finite_differences(cdnow_summary):
    """The BG/NBD fitter uses the analytic gradient (digamma terms); it equals finite
    differences (scipy.optimize.approx_fprime) of the log-likelihood at a point away from the optimum."""
    from scipy.optimize import approx_fprime

    from ecomops.clv import _bgnbd_customer_ll

    x, t_x, age = (cdnow_summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    point = np.array([0.5, 3.0, 1.2, 2.0])
    _, slopes = _bgnbd_customer_ll(*point, x, t_x, age, gradient=True)
    numeric = approx_fprime(point, lambda v: bgnbd_log_likelihood(v, x, t_x, age), 1e-6)
    np.testing.assert_allclose(slopes.sum(axis=1), numeric, rtol=1e-4)

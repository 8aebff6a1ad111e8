"""Tests for ecomops.sizing against hand-worked examples, scipy distributions and a published Bass fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from ecomops.sizing import (
    Driver,
    as_drivers,
    bass_cumulative,
    bass_cumulative_share,
    bass_density,
    bass_new_adopters,
    bass_peak_time,
    chain_table,
    chain_value,
    fit_bass,
    lognormal_parameters,
    lognormal_product_quantiles,
    monte_carlo_sizing,
    sizing_chain,
    tornado,
    triangulate,
)

# ------------------------------------------------------------------------------------------------ drivers, chains


def test_driver_defaults_low_and_high_to_value():
    driver = Driver("households", 2.0e6, "households", "hypothetical")
    assert (driver.low, driver.high) == (2.0e6, 2.0e6)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(name="price", value=-5.0), ["'price'", "value", "≥ 0"]),
        (dict(name="price", value=None), ["'price'", "value", "missing"]),
        (dict(name="price", value=float("nan")), ["'price'", "value", "missing"]),
        (dict(name="price", value="abc"), ["'price'", "value", "number"]),
        (dict(name="price", value=50.0, low=60.0, high=40.0), ["'price'", "low", "above high"]),
        (dict(name="price", value=70.0, low=40.0, high=60.0), ["'price'", "outside [low, high]"]),
        (dict(name="price", value=50.0, low=-1.0, high=60.0), ["'price'", "low", "≥ 0"]),
    ],
)
def test_driver_bad_input_names_driver_and_field(kwargs, words):
    with pytest.raises(ValueError) as info:
        Driver(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_driver_from_mapping_and_as_drivers():
    rows = [{"name": "a", "value": 2, "unit": "u", "source": "s", "low": 1, "high": 3}, Driver("b", 4.0)]
    items = as_drivers(rows)
    assert [d.name for d in items] == ["a", "b"]
    assert items[0] == Driver("a", 2.0, "u", "s", 1.0, 3.0)


def test_chain_value_is_the_product():
    """Fermi example (Wikipedia "Fermi problem"): 5,000,000 people ÷ 2 per household × 1/20 households with a
    tuned piano × 1 tuning a year = 125,000 tunings a year."""
    drivers = [Driver("households", 5_000_000 / 2), Driver("share with a piano", 1 / 20), Driver("tunings", 1.0)]
    assert chain_value(drivers) == pytest.approx(125_000)


def test_sizing_chain_hand_worked():
    """TAM = 2,000,000 households × 3 orders × 50 = 300,000,000; SAM = TAM × 0.6 × 0.5 = 90,000,000;
    SOM = SAM × (0.01, 0.02, 0.05) = 900,000; 1,800,000; 4,500,000."""
    chain = sizing_chain(
        [Driver("households", 2e6), Driver("orders per household", 3.0), Driver("price", 50.0)],
        [Driver("regions served", 0.6), Driver("price band", 0.5)],
        [0.01, 0.02, 0.05],
    )
    assert chain.tam == pytest.approx(3e8)
    assert chain.sam == pytest.approx(9e7)
    np.testing.assert_allclose(chain.som, [9e5, 1.8e6, 4.5e6])
    assert chain.som_final == pytest.approx(4.5e6)


def test_sizing_chain_without_filters_has_sam_equal_tam():
    chain = sizing_chain([Driver("spend", 100.0)])
    assert chain.sam == chain.tam == 100.0
    assert chain.som == () and chain.som_final == 100.0


@pytest.mark.parametrize(
    ("filters", "shares", "words"),
    [
        ([Driver("online share", 1.2, low=1.0, high=1.3)], [0.1], ["'online share'", "above 1"]),
        ([Driver("online share", 0.9, low=0.8, high=1.1)], [0.1], ["'online share'", "high", "above 1"]),
        ([], [0.1, 1.5], ["year 2", "1.5", "between 0 and 1"]),
        ([], [-0.1], ["year 1", "between 0 and 1"]),
    ],
)
def test_sizing_chain_rejects_filters_and_shares_above_one(filters, shares, words):
    with pytest.raises(ValueError) as info:
        sizing_chain([Driver("spend", 100.0)], filters, shares)
    for word in words:
        assert word in str(info.value)


def test_sizing_chain_needs_a_tam_driver():
    with pytest.raises(ValueError, match="at least one TAM driver"):
        sizing_chain([], [], [])


def test_chain_table_running_results():
    """Running products by hand: 10 → 10·4 = 40 (TAM) → 40·0.5 = 20 (SAM) → SOM 20·0.1 = 2 and 20·0.25 = 5."""
    table = chain_table([Driver("a", 10.0, "units"), Driver("b", 4.0)], [Driver("f", 0.5)], [0.1, 0.25])
    assert list(table.columns) == ["stage", "driver", "value", "unit", "source", "low", "high", "result"]
    assert list(table["stage"]) == ["TAM", "TAM", "SAM", "SOM", "SOM"]
    np.testing.assert_allclose(table["result"], [10, 40, 20, 2, 5])
    assert table.loc[0, "unit"] == "units"


# --------------------------------------------------------------------------------------------------- triangulation


def test_triangulation_hand_worked():
    """a = 150, b = 100: gap = |150 − 100| / 100 = 0.5 > 0.30, so a warning; reconciled = √15,000 = 122.474."""
    result = triangulate(150.0, 100.0)
    assert result.gap == pytest.approx(0.5)
    assert (result.low, result.high) == (100.0, 150.0)
    assert result.reconciled == pytest.approx(122.47448714)
    assert result.warning is True


def test_triangulation_is_symmetric_and_below_threshold_no_warning():
    one, other = triangulate(100.0, 118.0), triangulate(118.0, 100.0)
    assert one.gap == pytest.approx(other.gap) == pytest.approx(0.18)
    assert one.reconciled == pytest.approx(other.reconciled)
    assert one.warning is False
    assert triangulate(100.0, 131.0).warning is True
    assert triangulate(100.0, 129.0, warn_gap=0.2).warning is True


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_triangulation_rejects_non_positive(bad):
    with pytest.raises(ValueError, match="bottom_up"):
        triangulate(1.0, bad)


# ------------------------------------------------------------------------------------------------------- tornado


def test_tornado_hand_worked_asymmetric():
    """Y = a·b·c with a = 10 [8, 11], b = 5 [4.5, 7], c = 2 [2, 2]; base Y = 100.

    a low → 8·5·2 = 80, a high → 11·5·2 = 110, swing 30; b low → 10·4.5·2 = 90, b high → 10·7·2 = 140, swing 50;
    c has no range, swing 0. Ranked: b, a, c.
    """
    drivers = [Driver("a", 10, low=8, high=11), Driver("b", 5, low=4.5, high=7), Driver("c", 2)]
    table = tornado(drivers)
    assert list(table.columns) == ["driver", "low", "high", "swing"]
    assert list(table["driver"]) == ["b", "a", "c"]
    np.testing.assert_allclose(table["low"], [90, 80, 100])
    np.testing.assert_allclose(table["high"], [140, 110, 100])
    np.testing.assert_allclose(table["swing"], [50, 30, 0])


def test_tornado_with_exponents_and_scale():
    """Y = 3·√(a·b) with a = 4 [1, 9], b = 16 [16, 25]: a low → 3·√16 = 12, a high → 3·√144 = 36 (swing 24);
    b high → 3·√100 = 30, b low → 3·√64 = 24 (swing 6)."""
    table = tornado([Driver("a", 4, low=1, high=9), Driver("b", 16, low=16, high=25)], exponents=[0.5, 0.5],
                    scale=3.0)
    np.testing.assert_allclose(table[["low", "high", "swing"]].to_numpy(), [[12, 36, 24], [24, 30, 6]])


def test_tornado_handles_a_zero_base_driver():
    """Y = a·b with a = 0 [0, 2], b = 3 [1, 5]: a high → 6, swing 6; b at any level → 0, swing 0."""
    table = tornado([Driver("a", 0.0, low=0.0, high=2.0), Driver("b", 3.0, low=1.0, high=5.0)])
    np.testing.assert_allclose(table.set_index("driver").loc["a", ["low", "high", "swing"]], [0, 6, 6])
    assert table.set_index("driver").loc["b", "swing"] == 0


# -------------------------------------------------------------------------------------------------- Monte Carlo

DRIVERS = [
    Driver("households", 2.0e6, low=1.6e6, high=2.3e6),
    Driver("purchase rate", 0.30, low=0.18, high=0.40),
    Driver("spend per buyer", 400.0, low=300.0, high=650.0),
]


def test_lognormal_parameters_put_low_and_high_at_p5_and_p95():
    """scipy.stats.lognorm(s=σ, scale=e^μ) must have ppf(0.05) = low and ppf(0.95) = high."""
    mu, sigma = lognormal_parameters(DRIVERS)
    for driver, m, s in zip(DRIVERS, mu, sigma):
        distribution = stats.lognorm(s=s, scale=math.exp(m))
        assert distribution.ppf(0.05) == pytest.approx(driver.low)
        assert distribution.ppf(0.95) == pytest.approx(driver.high)


def test_analytic_quantiles_single_driver_match_scipy():
    quantiles = lognormal_product_quantiles(DRIVERS[:1], [0.05, 0.5, 0.95])
    np.testing.assert_allclose(quantiles, [1.6e6, math.sqrt(1.6e6 * 2.3e6), 2.3e6])


def test_monte_carlo_matches_analytic_lognormal_product():
    """A product of independent log-normals is log-normal: ln Y ~ N(Σμ, √Σσ²). With 200,000 draws the simulated
    P5/P50/P95 must be within 1 % of the exact quantiles, and the mean within 4 Monte Carlo SEs of
    Π E[X_i] = Π exp(μ_i + σ_i²/2)."""
    result = monte_carlo_sizing(DRIVERS, n_draws=200_000, seed=11)
    exact = lognormal_product_quantiles(DRIVERS, [0.05, 0.5, 0.95])
    np.testing.assert_allclose([result.p5, result.p50, result.p95], exact, rtol=0.01)
    mu, sigma = lognormal_parameters(DRIVERS)
    expected_mean = float(np.prod(np.exp(mu + sigma ** 2 / 2)))
    assert abs(result.mean - expected_mean) < 4 * result.mean_standard_error


def test_monte_carlo_with_exponents_matches_analytic():
    exponents, scale = [0.5, 0.5, 1.0], 0.02
    result = monte_carlo_sizing(DRIVERS, n_draws=200_000, seed=5, exponents=exponents, scale=scale)
    exact = lognormal_product_quantiles(DRIVERS, [0.05, 0.5, 0.95], exponents=exponents, scale=scale)
    np.testing.assert_allclose([result.p5, result.p50, result.p95], exact, rtol=0.01)


def test_monte_carlo_is_seeded():
    first = monte_carlo_sizing(DRIVERS, n_draws=1000, seed=3)
    again = monte_carlo_sizing(DRIVERS, n_draws=1000, seed=3)
    other = monte_carlo_sizing(DRIVERS, n_draws=1000, seed=4)
    np.testing.assert_array_equal(first.draws, again.draws)
    assert not np.array_equal(first.draws, other.draws)
    assert first.draws.shape == (1000,)


def test_monte_carlo_fixed_driver_is_constant():
    result = monte_carlo_sizing([Driver("x", 7.0), Driver("y", 2.0)], n_draws=500, seed=0)
    np.testing.assert_allclose(result.draws, 14.0)


def test_triangular_monte_carlo_matches_scipy_triang():
    """One triangular driver (min 2, mode 3, max 7): the simulated quantiles follow scipy.stats.triang with
    c = (3 − 2) / (7 − 2) = 0.2, loc = 2, scale = 5."""
    result = monte_carlo_sizing([Driver("x", 3.0, low=2.0, high=7.0)], n_draws=200_000, seed=2,
                                distribution="triangular")
    reference = stats.triang(c=0.2, loc=2.0, scale=5.0)
    np.testing.assert_allclose([result.p5, result.p50, result.p95], reference.ppf([0.05, 0.5, 0.95]), rtol=0.01)
    assert result.mean == pytest.approx(reference.mean(), rel=0.005)


def test_monte_carlo_bad_input():
    with pytest.raises(ValueError, match="'zero'.*low must be > 0"):
        monte_carlo_sizing([Driver("zero", 1.0, low=0.0, high=2.0)], n_draws=100, seed=0)
    with pytest.raises(ValueError, match="n_draws"):
        monte_carlo_sizing(DRIVERS, n_draws=10, seed=0)
    with pytest.raises(ValueError, match="distribution"):
        monte_carlo_sizing(DRIVERS, n_draws=100, seed=0, distribution="normal")


# --------------------------------------------------------------------------------------------------------- Bass


def test_bass_reference_vector():
    """p = 0.03, q = 0.38, m = 10⁶ (the meta-analysis averages of Sultan, Farley & Lehmann 1990): by the closed
    forms, t* = ln(0.38/0.03)/0.41 = 6.1926, peak rate m(p+q)²/(4q) = 10⁶·0.1681/1.52 = 110,592.1 and
    F(t*) = 1/2 − p/(2q) = 0.460526."""
    p, q, m = 0.03, 0.38, 1e6
    peak = bass_peak_time(p, q)
    assert peak == pytest.approx(math.log(q / p) / (p + q)) == pytest.approx(6.1926, abs=1e-4)
    assert bass_density(peak, p, q, m) == pytest.approx(m * (p + q) ** 2 / (4 * q))
    assert bass_density(peak, p, q, m) == pytest.approx(110_592.1, abs=0.1)
    assert bass_cumulative_share(peak, p, q) == pytest.approx(0.5 - p / (2 * q))


def test_bass_peak_is_the_maximum_of_the_density():
    p, q, m = 0.01, 0.45, 5e4
    found = optimize.minimize_scalar(lambda t: -bass_density(t, p, q, m), bounds=(0, 40), method="bounded",
                                     options={"xatol": 1e-9})
    assert bass_peak_time(p, q) == pytest.approx(found.x, abs=1e-5)
    assert bass_peak_time(0.5, 0.2) == 0.0


def test_bass_cumulative_is_the_integral_of_the_density():
    p, q, m = 0.02, 0.5, 1e5
    for t in (0.5, 3.0, 10.0):
        integral, _ = integrate.quad(lambda s: bass_density(s, p, q, m), 0, t)
        assert bass_cumulative(t, p, q, m) == pytest.approx(integral, rel=1e-9)
    assert bass_cumulative(0.0, p, q, m) == 0.0
    assert bass_cumulative(1e3, p, q, m) == pytest.approx(m)


def test_bass_density_equals_hazard_form():
    """f(t) = (p + q·F)(1 − F) (Bass 1969): the adoption hazard times the share not yet adopted."""
    p, q, t = 0.03, 0.38, np.linspace(0, 20, 41)
    share = bass_cumulative_share(t, p, q)
    np.testing.assert_allclose(bass_density(t, p, q, 1.0), (p + q * share) * (1 - share))


def test_bass_new_adopters_are_differences_of_the_cumulative():
    """Periods add up to the cumulative, and n₁…n₃ for p = 0.03, q = 0.38, m = 10⁶ are m·[F(t) − F(t−1)]."""
    p, q, m = 0.03, 0.38, 1e6
    periods = np.arange(1, 16)
    new = bass_new_adopters(periods, p, q, m)
    np.testing.assert_allclose(np.cumsum(new), bass_cumulative(periods, p, q, m))
    np.testing.assert_allclose(new[:3], [35_758.2, 49_298.1, 65_443.8], atol=0.1)


# Annual VCR sales in the US, 1980–1989 (thousands of units), t = 1..10.
VCR_SALES = [840, 1470, 2110, 4000, 7590, 10950, 10530, 9470, 7790, 5890]


def test_fit_bass_reproduces_published_vcr_fit():
    """Published fit: S. R. Das, *Data Science: Theories, Models, Algorithms, and Analytics*, chapter "Product
    Market Forecasting using the Bass Model", R ``nls`` of ``m·f(t)`` on the VCR series above:
    m = 6.798e4 (se 3.128e3), p = 6.594e-3 (se 1.430e-3), q = 0.6381 (se 4.140e-2), residual SE 727.2 on 7 df.
    The model is Bass (1969), Management Science 15(5), 215–227. Tolerances are the printed rounding."""
    fit = fit_bass(np.arange(1, 11), VCR_SALES, form="density")
    assert fit.m == pytest.approx(6.798e4, abs=5)
    assert fit.p == pytest.approx(6.594e-3, abs=5e-7)
    assert fit.q == pytest.approx(0.6381, abs=5e-5)
    assert fit.se_m == pytest.approx(3.128e3, abs=1)
    assert fit.se_p == pytest.approx(1.430e-3, abs=1e-6)
    assert fit.se_q == pytest.approx(4.140e-2, abs=1e-5)
    assert fit.residual_se == pytest.approx(727.2, abs=0.1)


def test_fit_bass_increment_form_is_a_least_squares_minimum():
    """The increment form has no published fit here; check it is a minimum: moving any parameter by ±0.1 % raises
    the sum of squares, and refitting noise-free data generated from known values recovers them."""
    periods = np.arange(1, 11)
    fit = fit_bass(periods, VCR_SALES)

    def sse(p, q, m):
        return float(np.sum((bass_new_adopters(periods, p, q, m) - np.array(VCR_SALES)) ** 2))

    best = sse(fit.p, fit.q, fit.m)
    for factors in ((1.001, 1, 1), (0.999, 1, 1), (1, 1.001, 1), (1, 0.999, 1), (1, 1, 1.001), (1, 1, 0.999)):
        assert sse(fit.p * factors[0], fit.q * factors[1], fit.m * factors[2]) > best
    truth = fit_bass(np.arange(1, 13), bass_new_adopters(np.arange(1, 13), 0.02, 0.45, 2.5e5))
    assert (truth.p, truth.q, truth.m) == pytest.approx((0.02, 0.45, 2.5e5), rel=1e-5)
    assert fit.form == "increment"


@pytest.mark.parametrize(
    ("periods", "sales", "words"),
    [
        ([1, 2, 3], [1, 2, 3], "at least 4"),
        ([1, 2, 3, 4], [1, -2, 3, 4], "≥ 0"),
        ([1, 2, 3, 4], [1, float("nan"), 3, 4], "missing"),
        ([1, 2, 3, 4], [0, 0, 0, 0], "all zero"),
        ([1, 2, 3], [1, 2, 3, 4], "same length"),
    ],
)
def test_fit_bass_bad_input(periods, sales, words):
    with pytest.raises(ValueError, match=words):
        fit_bass(periods, sales)


def test_bass_bad_parameters():
    with pytest.raises(ValueError, match="p"):
        bass_cumulative(1.0, 0.0, 0.3, 10.0)
    with pytest.raises(ValueError, match="m"):
        bass_cumulative(1.0, 0.01, 0.3, -1.0)

"""Tests for ecomops.scenarios: a published decision-analysis vector, scipy's Poisson law and hand calculations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ecomops.scenarios import (
    annual_loss_expectancy,
    chance_of_at_least_one,
    control_value,
    loss_summary,
    payoff_table_summary,
    simulate_register_loss,
    table_evpi,
)

MARKET = {"boom": 0.25, "base": 0.50, "bust": 0.25}
ENTRY = pd.DataFrame({"boom": [8.0, 0.0], "base": [3.0, 0.0], "bust": [-4.0, 0.0]}, index=["enter", "stay out"])


def test_market_entry_vector():
    """Market entry, boom/base/bust = 0.25/0.5/0.25 with NPV 8/3/−4 (million).

    EMV = 0.25·8 + 0.5·3 − 0.25·4 = 2.5; E[v²] = 0.25·64 + 0.5·9 + 0.25·16 = 24.5, so SD = √(24.5 − 6.25) =
    √18.25 = 4.272; P(loss) = 0.25 (the bust). With "stay out" worth 0 everywhere, EVPI = (0.25·8 + 0.5·3 + 0.25·0)
    − 2.5 = 1.0. Regret of entering is 4 in the bust; of staying out 8 in the boom.
    """
    table = payoff_table_summary(MARKET, ENTRY)
    enter = table.loc["enter"]
    assert enter["expected_value"] == pytest.approx(2.5)
    assert enter["sd"] == pytest.approx(math.sqrt(18.25)) and enter["sd"] == pytest.approx(4.272, abs=5e-4)
    assert enter["probability_of_loss"] == pytest.approx(0.25)
    assert (enter["worst"], enter["best"], enter["max_regret"]) == (-4.0, 8.0, 4.0)
    assert table.loc["stay out"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 8.0]
    assert list(table.index) == ["enter", "stay out"]
    assert table_evpi(MARKET, ENTRY) == pytest.approx(1.0)


def test_columns_are_matched_by_name_not_position():
    reordered = ENTRY[["bust", "boom", "base"]]
    assert payoff_table_summary(MARKET, reordered).loc["enter", "expected_value"] == pytest.approx(2.5)


def test_summary_agrees_with_a_weighted_distribution():
    """The spread is the population SD of the discrete distribution: numpy's weighted average as the reference."""
    probs = {"a": 0.1, "b": 0.6, "c": 0.3}
    table = pd.DataFrame({"a": [120.0], "b": [-15.0], "c": [40.0]}, index=["x"])
    values, weights = np.array([120.0, -15.0, 40.0]), np.array([0.1, 0.6, 0.3])
    mean = np.average(values, weights=weights)
    sd = math.sqrt(np.average((values - mean) ** 2, weights=weights))
    row = payoff_table_summary(probs, table).loc["x"]
    assert row["expected_value"] == pytest.approx(mean) and row["sd"] == pytest.approx(sd)
    assert row["probability_of_loss"] == pytest.approx(0.6)


def test_evpi_is_zero_when_one_option_is_best_everywhere():
    table = pd.DataFrame({"boom": [5.0, 1.0], "base": [2.0, 1.0], "bust": [1.0, 0.5]}, index=["a", "b"])
    assert table_evpi(MARKET, table) == pytest.approx(0.0)


@pytest.mark.parametrize(
    "probabilities, table, pattern",
    [
        ({"boom": 0.3, "base": 0.5, "bust": 0.25}, ENTRY, r"sum to 1"),
        ({"boom": -0.25, "base": 1.0, "bust": 0.25}, ENTRY, r">= 0"),
        ({"boom": 0.5, "base": 0.5}, ENTRY, r"no probability for \['bust'\]"),
        (MARKET, ENTRY.assign(bust=[np.nan, 0.0]), r"option 'enter', scenario 'bust'"),
        (MARKET, pd.DataFrame(), r"non-empty DataFrame"),
    ],
)
def test_bad_tables_are_named(probabilities, table, pattern):
    with pytest.raises(ValueError, match=pattern):
        payoff_table_summary(probabilities, table)


def test_annual_loss_expectancy_hand_calculation():
    # ARO 0.05 a year × SLE 2,000,000 = 100,000 a year
    assert annual_loss_expectancy(0.05, 2_000_000) == pytest.approx(100_000)
    with pytest.raises(ValueError, match=r"annual_rate must be >= 0, got -0.1"):
        annual_loss_expectancy(-0.1, 1)


@pytest.mark.parametrize("rate, years", [(0.05, 1.0), (0.3, 3.0), (2.0, 0.5)])
def test_chance_of_at_least_one_matches_scipy_poisson(rate, years):
    assert chance_of_at_least_one(rate, years) == pytest.approx(stats.poisson.sf(0, rate * years), rel=1e-12)


def test_control_value_hand_calculation():
    """Before: 0.10 a year × 3.0 m = 0.30 m. After: 0.04 × 2.0 m = 0.08 m. Reduction 0.22 m; control 0.12 m a
    year, so the net benefit is 0.10 m and ROSI = 0.10 / 0.12 = 0.8333."""
    out = control_value(0.10, 3.0e6, 0.04, 2.0e6, 0.12e6)
    assert out["ale_before"] == pytest.approx(3.0e5) and out["ale_after"] == pytest.approx(8.0e4)
    assert out["risk_reduction"] == pytest.approx(2.2e5) and out["net_benefit"] == pytest.approx(1.0e5)
    assert out["rosi"] == pytest.approx(0.1 / 0.12)
    assert math.isnan(control_value(0.1, 1.0, 0.05, 1.0, 0.0)["rosi"])


# ------------------------------------------------------------------------------------ register Monte Carlo

REGISTER_P = np.array([0.30, 0.20, 0.10, 0.05, 0.40, 0.15])
REGISTER_IMPACT = np.array([1.0e6, 2.5e6, 4.0e6, 8.0e6, 0.3e6, 1.5e6])


def exact_register_distribution(p, impact):
    """The exact distribution of the yearly loss by enumerating all 2^k patterns of which risks occur."""
    patterns = np.array(list(itertools.product([0, 1], repeat=p.size)), dtype=float)
    weights = np.prod(np.where(patterns == 1, p, 1 - p), axis=1)
    return patterns @ impact, weights


def test_register_simulation_matches_the_exact_distribution():
    """Mean, P(loss > 3 m) and the median against the 2⁶-pattern enumeration, within 6 Monte Carlo SEs."""
    values, weights = exact_register_distribution(REGISTER_P, REGISTER_IMPACT)
    exact_mean = float(values @ weights)
    assert exact_mean == pytest.approx(float(REGISTER_P @ REGISTER_IMPACT))  # Σ p·I by hand: 0.3 + 0.5 + 0.4 + 0.4 + 0.12 + 0.225 = 1.945 m
    assert exact_mean == pytest.approx(1.945e6)
    exact_above = float(weights[values > 3e6].sum())
    losses = simulate_register_loss(REGISTER_P, REGISTER_IMPACT, n_draws=200_000, seed=7, chunk_size=30_000)
    assert losses.shape == (200_000,)
    summary = loss_summary(losses, threshold=3e6)
    assert abs(summary["mean"] - exact_mean) < 6 * summary["mean_standard_error"]
    assert abs(summary["probability_above"] - exact_above) < 6 * summary["probability_above_standard_error"]
    order = np.argsort(values)
    cdf = np.cumsum(weights[order])
    exact_median = values[order][np.searchsorted(cdf, 0.5)]
    assert np.min(np.abs(cdf - 0.5)) > 0.01  # the median sits ≥ 10 SEs inside a flat step of the exact CDF …
    assert summary["p50"] == exact_median == 1.0e6  # … so the simulated median equals it exactly


def test_register_simulation_edge_cases_and_checks():
    assert np.all(simulate_register_loss([0.0, 1.0], [5.0, 7.0], n_draws=10) == 7.0)
    with pytest.raises(ValueError, match=r"same length"):
        simulate_register_loss([0.1, 0.2], [1.0])
    with pytest.raises(ValueError, match=r"between 0 and 1"):
        simulate_register_loss([1.2], [1.0])
    with pytest.raises(ValueError, match=r"n_draws must be a whole number >= 1"):
        simulate_register_loss([0.1], [1.0], n_draws=0)


def test_loss_summary_hand_calculation():
    """Losses 0, 0, 10, 30: mean 10, sample SD √((100+100+0+400)/3) = √200, SE √200/2; two of four exceed 5."""
    out = loss_summary([0.0, 0.0, 10.0, 30.0], threshold=5.0)
    assert out["mean"] == 10.0 and out["sd"] == pytest.approx(math.sqrt(200.0))
    assert out["mean_standard_error"] == pytest.approx(math.sqrt(200.0) / 2)
    assert out["probability_above"] == 0.5 and out["probability_above_standard_error"] == pytest.approx(0.25)
    assert out["p50"] == pytest.approx(5.0)  # numpy's linear percentile between 0 and 10

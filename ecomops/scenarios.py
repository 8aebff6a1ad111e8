"""Scenario analysis and breach expected loss: labelled payoff tables, and annual loss expectancy.

The single-option summary and the EVPI are :mod:`ecomops.risk`'s; this module matches scenarios by name in a
table of options × scenarios and adds the comparisons between options (worst case, regret).

Conventions:

* A **payoff table** has one row per option (what we can decide) and one column per scenario (what the world may
  do), each cell the outcome (profit, in money) of that option in that scenario. The scenario probabilities sum
  to 1. The expected value of an option is ``EV = Σ_j p_j·v_j`` (its expected monetary value), its spread the
  standard deviation ``√(Σ_j p_j·(v_j − EV)²)`` (a population SD over the scenarios, not a sample SD), its
  regret in a scenario the gap to the best option in that scenario.
* The **expected value of perfect information** ``EVPI = Σ_j p_j·max_i v_ij − max_i EV_i``: what knowing the
  scenario in advance would be worth at most (Raiffa & Schlaifer 1961; any decision-analysis text).
* **Annual loss expectancy** ``ALE = ARO × SLE`` (the measure of FIPS PUB 65, 1979, in today's usual notation):
  the expected number of incidents a year (annual rate of occurrence) times the cost of one incident (single loss
  expectancy). With incidents arriving as a Poisson process at rate λ a year, the chance of at least one in ``t`` years is ``1 − exp(−λ·t)``.
* A **register's yearly loss** when its risks occur independently, at most once a year each, with probabilities
  ``p_i`` and impacts ``I_i``: a sum of independent Bernoulli losses, simulated in seeded chunks; its mean is
  ``Σ p_i·I_i``, the sum of the expected losses.
* A control's net benefit is the fall in ALE minus the control's yearly cost; its return on security investment
  ``ROSI = net benefit / control cost`` (Sonnenreich, Albanese & Stout 2006).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .checks import finite_number, non_negative, positive, values_array, whole_number
from .risk import expected_value_of_perfect_information, scenario_summary

__all__ = [
    "payoff_table_summary",
    "table_evpi",
    "annual_loss_expectancy",
    "chance_of_at_least_one",
    "control_value",
    "simulate_register_loss",
    "loss_summary",
]

PROBABILITY_TOLERANCE = 1e-9


def _checked_table(probabilities: pd.Series | dict, payoffs: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The probabilities aligned to the payoff table's scenario columns, after checking both."""
    probs = pd.Series(probabilities, dtype=float)
    if not isinstance(payoffs, pd.DataFrame) or payoffs.empty:
        raise ValueError("payoffs must be a non-empty DataFrame: one row per option, one column per scenario")
    missing = [s for s in payoffs.columns if s not in probs.index]
    extra = [s for s in probs.index if s not in payoffs.columns]
    if missing or extra:
        raise ValueError(f"probabilities and payoff columns must name the same scenarios; "
                         f"no probability for {missing}, no payoff column for {extra}")
    p = probs[payoffs.columns].to_numpy()
    if not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1) > PROBABILITY_TOLERANCE:
        raise ValueError(f"probabilities must be >= 0 and sum to 1, got {dict(probs)} (sum {p.sum():.6g})")
    values = payoffs.astype(float)
    bad = np.argwhere(~np.isfinite(values.to_numpy()))
    if bad.size:
        row, column = bad[0]
        raise ValueError(f"payoffs must be finite numbers; option {values.index[row]!r}, "
                         f"scenario {values.columns[column]!r} is not")
    return p, values


def payoff_table_summary(probabilities: pd.Series | dict, payoffs: pd.DataFrame) -> pd.DataFrame:
    """Expected value, spread, worst and best case, chance of a loss and largest regret of each option.

    The expected value, spread and chance of a loss of each row come from :func:`ecomops.risk.scenario_summary`;
    this function matches the scenarios by name and adds the comparisons *between* options.

    Parameters
    ----------
    probabilities : Series or dict
        Scenario name → probability; non-negative, summing to 1.
    payoffs : DataFrame
        One row per option, one column per scenario (the same names as ``probabilities``, in any order), each cell
        the outcome of that option in that scenario (money; a loss is negative).

    Returns
    -------
    DataFrame
        Indexed by option, in the table's order, with columns ``expected_value`` (Σ p·v), ``sd`` (population
        standard deviation over the scenarios), ``worst``, ``best``, ``probability_of_loss`` (total probability
        of the scenarios with v < 0) and ``max_regret`` (largest gap to the best option of any scenario).

    Raises
    ------
    ValueError
        When the scenarios do not match, a probability is negative, they do not sum to 1, or a payoff is not a
        finite number.
    """
    p, values = _checked_table(probabilities, payoffs)
    rows = [scenario_summary(p, values.loc[option].to_numpy()) for option in values.index]
    v = values.to_numpy()
    return pd.DataFrame(
        {
            "expected_value": [row["emv"] for row in rows],
            "sd": [row["sd"] for row in rows],
            "worst": v.min(axis=1),
            "best": v.max(axis=1),
            "probability_of_loss": [row["probability_of_loss"] for row in rows],
            "max_regret": (v.max(axis=0) - v).max(axis=1),
        },
        index=values.index,
    )


def table_evpi(probabilities: pd.Series | dict, payoffs: pd.DataFrame) -> float:
    """EVPI of a labelled payoff table: :func:`ecomops.risk.expected_value_of_perfect_information` with the
    scenarios matched by name (checks as in :func:`payoff_table_summary`)."""
    p, values = _checked_table(probabilities, payoffs)
    return expected_value_of_perfect_information(p, values.to_numpy())


def annual_loss_expectancy(annual_rate: float, cost_per_incident: float) -> float:
    """ALE = ARO × SLE: expected incidents a year times the cost of one incident (money a year).

    Parameters
    ----------
    annual_rate : float
        Expected number of incidents a year (>= 0); for a rare event, close to its yearly probability.
    cost_per_incident : float
        Cost of one incident (>= 0), in money.
    """
    return non_negative("annual_rate", annual_rate) * non_negative("cost_per_incident", cost_per_incident)


def chance_of_at_least_one(annual_rate: float, years: float = 1.0) -> float:
    """1 − exp(−λ·t): the chance of at least one incident in ``years`` when incidents are Poisson at rate λ."""
    rate = non_negative("annual_rate", annual_rate)
    return float(-math.expm1(-rate * positive("years", years)))


def control_value(
    annual_rate_before: float,
    cost_per_incident_before: float,
    annual_rate_after: float,
    cost_per_incident_after: float,
    control_cost_per_year: float,
) -> dict[str, float]:
    """What a security control is worth a year: the fall in annual loss expectancy less the control's cost.

    Returns
    -------
    dict
        ``ale_before``, ``ale_after``, ``risk_reduction`` (= ale_before − ale_after), ``net_benefit``
        (= risk_reduction − control cost) and ``rosi`` (= net_benefit / control cost; NaN for a free control).
    """
    before = annual_loss_expectancy(annual_rate_before, cost_per_incident_before)
    after = annual_loss_expectancy(annual_rate_after, cost_per_incident_after)
    cost = non_negative("control_cost_per_year", control_cost_per_year)
    net = before - after - cost
    return {
        "ale_before": before,
        "ale_after": after,
        "risk_reduction": before - after,
        "net_benefit": net,
        "rosi": net / cost if cost > 0 else float("nan"),
    }


def simulate_register_loss(
    probabilities: ArrayLike,
    impacts: ArrayLike,
    n_draws: int = 100_000,
    seed: int = 20240601,
    chunk_size: int = 200_000,
) -> np.ndarray:
    """Simulated yearly loss of a risk register whose risks occur independently, at most once a year.

    In each simulated year risk ``i`` occurs with probability ``p_i`` and then costs ``impact_i``; the year's loss is
    the sum over the risks that occurred. The mean of the draws estimates ``Σ p_i·impact_i``; their spread and
    percentiles show what the sum of expected losses hides.

    Parameters
    ----------
    probabilities : array-like
        Yearly probability of each risk, each in [0, 1].
    impacts : array-like
        Money lost when each risk occurs (>= 0), in the same order.
    n_draws : int
        Number of simulated years (>= 1).
    seed : int
        Seed of ``numpy.random.default_rng``.
    chunk_size : int
        Years simulated at a time, so that memory stays bounded (n_risks × chunk_size booleans).

    Returns
    -------
    numpy.ndarray
        ``n_draws`` simulated yearly losses.
    """
    p = values_array("probabilities", probabilities, min_size=1)
    impact = values_array("impacts", impacts, min_size=1)
    if p.size != impact.size:
        raise ValueError(f"probabilities and impacts must have the same length, got {p.size} and {impact.size}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"probabilities must be between 0 and 1, got {p.tolist()}")
    if np.any(impact < 0):
        raise ValueError(f"impacts must be >= 0, got {impact.tolist()}")
    total = whole_number("n_draws", n_draws, minimum=1)
    step = whole_number("chunk_size", chunk_size, minimum=1)
    rng = np.random.default_rng(seed)
    sizes = [min(step, total - start) for start in range(0, total, step)]
    return np.concatenate([(rng.random((size, p.size)) < p) @ impact for size in sizes])


def loss_summary(losses: ArrayLike, threshold: float) -> dict[str, float]:
    """Mean, percentiles and the chance of exceeding ``threshold`` of simulated losses, with Monte Carlo errors.

    Returns
    -------
    dict
        ``mean`` and ``mean_standard_error`` (sd/√n), ``sd``, ``p5``, ``p50``, ``p95`` (numpy's default linear
        percentiles), ``probability_above`` (share of draws > threshold) and its standard error √(q(1−q)/n).
    """
    x = values_array("losses", losses, min_size=2)
    limit = finite_number("threshold", threshold)
    n = x.size
    above = float(np.mean(x > limit))
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {
        "mean": float(x.mean()),
        "mean_standard_error": float(x.std(ddof=1) / math.sqrt(n)),
        "sd": float(x.std(ddof=1)),
        "p5": float(p5),
        "p50": float(p50),
        "p95": float(p95),
        "probability_above": above,
        "probability_above_standard_error": math.sqrt(above * (1 - above) / n),
    }

"""Inventory: safety stock, reorder point and economic order quantity.

Conventions (Chopra & Meindl, *Supply Chain Management*, ch. 12; Silver, Pyke & Thomas 2017):

* Safety stock for a cycle service level (CSL, the probability of no stock-out in a replenishment cycle)
  ``ss = z · σ_LT`` with ``z = Φ⁻¹(CSL)`` and the standard deviation of demand over the lead time
  ``σ_LT = √(L·σ_d² + d²·σ_L²)``; with a fixed lead time (σ_L = 0) this is ``z·σ_d·√L``.
* Reorder point (continuous review): ``ROP = d·L + ss``.
* EOQ: ``Q* = √(2·D·S/H)`` for annual demand D, cost per order S and holding cost per unit-year H.
* Fill rate (type 2 service, the share of demand met from stock) for an order quantity Q, assuming normal
  lead-time demand: the expected shortage per replenishment cycle is ``ESC = σ_LT·G(k)`` with ``k = ss/σ_LT`` and the
  standard normal loss function ``G(k) = φ(k) − k·(1 − Φ(k))``, i.e. ``ESC = −ss·(1 − Φ(k)) + σ_LT·φ(k)``; then
  ``fill rate = 1 − ESC/Q``. The cycle service level (type 1) is ``CSL = Φ(k)``; the two are different numbers.
Demand and lead time must use the same time unit (days here; any period works if both use it).
"""

from __future__ import annotations

import math

import scipy

from .checks import finite_number, non_negative, open_unit, positive

__all__ = [
    "demand_sd_over_lead_time",
    "safety_stock",
    "reorder_point",
    "economic_order_quantity",
    "standard_normal_loss",
    "cycle_service_level",
    "expected_shortage_per_cycle",
    "fill_rate",
]


def demand_sd_over_lead_time(
    mean_daily_demand: float, sd_daily_demand: float, lead_time_days: float, sd_lead_time_days: float = 0.0
) -> float:
    """Standard deviation of total demand during the lead time, √(L·σ_d² + d²·σ_L²)."""
    # the checks reject NaN too, which would otherwise give a NaN safety stock silently
    demand = non_negative("mean_daily_demand", mean_daily_demand)
    sd_demand = non_negative("sd_daily_demand", sd_daily_demand)
    sd_lead = non_negative("sd_lead_time_days", sd_lead_time_days)
    lead = positive("lead_time_days", lead_time_days)
    return math.sqrt(lead * sd_demand**2 + demand**2 * sd_lead**2)


def safety_stock(
    mean_daily_demand: float,
    sd_daily_demand: float,
    lead_time_days: float,
    service_level: float,
    sd_lead_time_days: float = 0.0,
) -> float:
    """Safety stock (units) for a cycle service level, allowing for demand and lead-time variability."""
    level = open_unit("service_level", service_level)
    sigma = demand_sd_over_lead_time(mean_daily_demand, sd_daily_demand, lead_time_days, sd_lead_time_days)
    return float(scipy.stats.norm.ppf(level) * sigma)


def reorder_point(
    mean_daily_demand: float,
    sd_daily_demand: float,
    lead_time_days: float,
    service_level: float,
    sd_lead_time_days: float = 0.0,
) -> dict[str, float]:
    """Reorder point ROP = d·L + ss (units); returns the lead-time demand, the safety stock and the ROP."""
    ss = safety_stock(mean_daily_demand, sd_daily_demand, lead_time_days, service_level, sd_lead_time_days)
    lead_time_demand = mean_daily_demand * lead_time_days
    return {"lead_time_demand": float(lead_time_demand), "safety_stock": ss, "reorder_point": float(lead_time_demand + ss)}


def economic_order_quantity(annual_demand: float, cost_per_order: float, holding_cost_per_unit_year: float) -> float:
    """Economic order quantity √(2DS/H) (units per order)."""
    demand = non_negative("annual_demand", annual_demand)
    cost = non_negative("cost_per_order", cost_per_order)
    holding = positive("holding_cost_per_unit_year", holding_cost_per_unit_year)
    return math.sqrt(2 * demand * cost / holding)


def standard_normal_loss(k: float) -> float:
    """Standard normal loss function G(k) = E[max(Z − k, 0)] = φ(k) − k·(1 − Φ(k)) for Z ~ N(0, 1).

    Parameters
    ----------
    k : float
        Safety factor (safety stock in standard deviations of lead-time demand); any finite number.

    Returns
    -------
    float
        The expected shortfall of a standard normal beyond ``k`` (always > 0).
    """
    z = finite_number("k", k)
    return float(scipy.stats.norm.pdf(z) - z * scipy.stats.norm.sf(z))


def cycle_service_level(safety_stock_units: float, sd_lead_time_demand: float) -> float:
    """Cycle service level Φ(ss/σ_LT): the probability of no stock-out in a replenishment cycle (normal demand)."""
    ss = finite_number("safety_stock_units", safety_stock_units)
    sigma = positive("sd_lead_time_demand", sd_lead_time_demand)
    return float(scipy.stats.norm.cdf(ss / sigma))


def expected_shortage_per_cycle(safety_stock_units: float, sd_lead_time_demand: float) -> float:
    """Expected units short per replenishment cycle, ESC = −ss·(1 − Φ(k)) + σ_LT·φ(k) = σ_LT·G(k), k = ss/σ_LT.

    Parameters
    ----------
    safety_stock_units : float
        Safety stock ss (units); negative values (a reorder point below the mean lead-time demand) are allowed.
    sd_lead_time_demand : float
        Standard deviation of demand over the lead time σ_LT (units, > 0), e.g. from
        :func:`demand_sd_over_lead_time`.

    Returns
    -------
    float
        ESC in units per cycle.
    """
    ss = finite_number("safety_stock_units", safety_stock_units)
    sigma = positive("sd_lead_time_demand", sd_lead_time_demand)
    return sigma * standard_normal_loss(ss / sigma)


def fill_rate(safety_stock_units: float, sd_lead_time_demand: float, order_quantity: float) -> float:
    """Fill rate (type 2 service) 1 − ESC/Q: the expected share of demand served from stock.

    Parameters
    ----------
    safety_stock_units : float
        Safety stock ss (units).
    sd_lead_time_demand : float
        σ_LT (units, > 0).
    order_quantity : float
        Replenishment lot size Q (units, > 0); each cycle's demand is Q on average.

    Returns
    -------
    float
        The fill rate; it can be below 0 only for an absurdly small Q (more shortage than the lot itself).
    """
    quantity = positive("order_quantity", order_quantity)
    return 1.0 - expected_shortage_per_cycle(safety_stock_units, sd_lead_time_demand) / quantity

"""Inventory: safety stock, reorder point and economic order quantity.

Conventions (Chopra & Meindl, *Supply Chain Management*, ch. 12; Silver, Pyke & Thomas 2017):

* Safety stock for a cycle service level (CSL, the probability of no stock-out in a replenishment cycle)
  ``ss = z · σ_LT`` with ``z = Φ⁻¹(CSL)`` and the standard deviation of demand over the lead time
  ``σ_LT = √(L·σ_d² + d²·σ_L²)``; with a fixed lead time (σ_L = 0) this is ``z·σ_d·√L``.
* Reorder point (continuous review): ``ROP = d·L + ss``.
* EOQ: ``Q* = √(2·D·S/H)`` for annual demand D, cost per order S and holding cost per unit-year H.
Demand and lead time must use the same time unit (days here).
"""

from __future__ import annotations

import math

from scipy import stats

from .checks import non_negative, open_unit, positive

__all__ = ["demand_sd_over_lead_time", "safety_stock", "reorder_point", "economic_order_quantity"]


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
    return float(stats.norm.ppf(level) * sigma)


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

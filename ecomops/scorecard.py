"""KPI scorecards and target planning through the KPI tree (chapter 8).

A scorecard compares each KPI's actual value with its target and gives it a status band: ``green`` (on or better
than target), ``amber`` (short of target by no more than a tolerance, relative to the target) or ``red``. Target
planning runs the KPI tree backwards: GMV is a product of drivers, so a GMV target fixes the product of the
drivers' growth factors, and a plan says how that product is shared between them.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["status_band", "relative_gap", "kpi_scorecard", "cascade_target", "scenario_totals"]

STATUS_ORDER = ("green", "amber", "red")


def status_band(
    actual: ArrayLike,
    target: ArrayLike,
    higher_is_better: ArrayLike = True,
    amber_tolerance: ArrayLike = 0.05,
) -> np.ndarray:
    """The status band of each KPI: green on target, amber within the tolerance, red beyond it.

    The relative gap is ``(actual - target) / |target|``, with its sign flipped for KPIs where lower is better
    (costs, response times), so a positive gap is always good. Green: gap >= 0; amber: -tolerance <= gap < 0;
    red: gap < -tolerance.

    Parameters
    ----------
    actual, target : array_like of float
        Actual and target values of the KPIs (targets non-zero).
    higher_is_better : array_like of bool
        Whether a larger value is better, per KPI.
    amber_tolerance : array_like of float
        The shortfall, as a share of the target, still shown as amber (0.05 = 5 % short of target).

    Returns
    -------
    numpy.ndarray of str
        ``"green"``, ``"amber"`` or ``"red"`` per KPI.

    Examples
    --------
    A conversion target of 3.0 % met with 2.9 % is 3.3 % short: amber with a 5 % tolerance.

    >>> status_band([0.029], [0.030]).tolist()
    ['amber']
    """
    gap = relative_gap(actual, target, higher_is_better)
    tolerance = np.broadcast_to(np.asarray(amber_tolerance, dtype=float), gap.shape)
    if (tolerance < 0).any():
        raise ValueError("amber_tolerance must be >= 0")
    return np.where(gap >= 0, "green", np.where(gap >= -tolerance, "amber", "red"))


def relative_gap(actual: ArrayLike, target: ArrayLike, higher_is_better: ArrayLike = True) -> np.ndarray:
    """``(actual - target) / |target|``, sign flipped where lower is better, so that positive means better."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    t = np.atleast_1d(np.asarray(target, dtype=float))
    if (t == 0).any() or not (np.isfinite(a).all() and np.isfinite(t).all()):
        raise ValueError("targets must be non-zero and all values finite")
    sign = np.where(np.asarray(higher_is_better, dtype=bool), 1.0, -1.0)
    return sign * (a - t) / np.abs(t)


def kpi_scorecard(kpis: pd.DataFrame, amber_tolerance: float = 0.05) -> pd.DataFrame:
    """A KPI scorecard: each KPI's gap to target and its status band.

    Parameters
    ----------
    kpis : pandas.DataFrame
        One row per KPI with columns ``kpi``, ``target``, ``actual`` and ``higher_is_better``; an optional
        ``amber_tolerance`` column overrides the default per KPI.
    amber_tolerance : float
        Default shortfall (share of target) still shown as amber.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``gap_relative`` (positive = better than target) and ``status``.
    """
    missing = {"kpi", "target", "actual", "higher_is_better"} - set(kpis.columns)
    if missing:
        raise ValueError(f"kpis lacks the columns {sorted(missing)}")
    tolerance = kpis["amber_tolerance"] if "amber_tolerance" in kpis else amber_tolerance
    out = kpis.copy()
    out["gap_relative"] = relative_gap(kpis["actual"], kpis["target"], kpis["higher_is_better"])
    out["status"] = status_band(kpis["actual"], kpis["target"], kpis["higher_is_better"], tolerance)
    return out


def cascade_target(
    current: Mapping[str, float],
    target_total: float,
    planned: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Run a target for the top of a multiplicative KPI tree down to its drivers.

    The top is the product of the drivers, so the target needs the drivers' growth factors to multiply to
    ``g = target_total / current_total``. Drivers in ``planned`` keep the factor given there; the others share
    what remains equally in logarithms, each getting ``(g / Π planned)^(1/m)`` for ``m`` unplanned drivers.

    Parameters
    ----------
    current : mapping of str to float
        Current value of each driver (all > 0); their product is the current total.
    target_total : float
        Target for the top of the tree (> 0).
    planned : mapping of str to float, optional
        Growth factors fixed by the plan (1.05 = +5 %), for some drivers (> 0).

    Returns
    -------
    pandas.DataFrame
        One row per driver: ``driver, current, factor, target, planned`` (whether the factor was given).

    Raises
    ------
    ValueError
        If a value is not positive, a planned driver is not in ``current``, or every driver is planned and the
        planned factors do not reach the target.
    """
    planned = dict(planned or {})
    names = list(current)
    values = np.array([current[n] for n in names], dtype=float)
    if not names or (values <= 0).any() or not target_total > 0:
        raise ValueError("drivers and target_total must be positive")
    unknown = set(planned) - set(names)
    if unknown:
        raise ValueError(f"planned drivers {sorted(unknown)} are not in current")
    if any(not f > 0 for f in planned.values()):
        raise ValueError("planned factors must be positive")
    growth = target_total / values.prod()
    is_planned = np.array([n in planned for n in names])
    planned_product = float(np.prod([planned[n] for n in names if n in planned]))
    free = int((~is_planned).sum())
    if free == 0:
        if not np.isclose(planned_product, growth):
            raise ValueError(f"the planned factors multiply to {planned_product:.4g}, the target needs {growth:.4g}")
        share = 1.0
    else:
        share = (growth / planned_product) ** (1.0 / free)
    factors = np.array([planned.get(n, share) for n in names], dtype=float)
    return pd.DataFrame(
        {"driver": names, "current": values, "factor": factors, "target": values * factors, "planned": is_planned}
    )


def scenario_totals(current: Mapping[str, float], scenarios: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """The top of a multiplicative KPI tree under each scenario of driver growth factors.

    Parameters
    ----------
    current : mapping of str to float
        Current value of each driver (> 0).
    scenarios : mapping of str to mapping of str to float
        Per scenario, the growth factor of some drivers; drivers not named keep a factor of 1.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: one column per driver's factor, then ``total`` and ``change_pct`` against the
        current total.
    """
    names = list(current)
    base = float(np.prod([current[n] for n in names]))
    if not base > 0:
        raise ValueError("drivers must be positive")
    factors = pd.DataFrame({s: {n: float(f.get(n, 1.0)) for n in names} for s, f in scenarios.items()}).T
    unknown = {k for f in scenarios.values() for k in f} - set(names)
    if unknown or (factors.to_numpy() <= 0).any():
        raise ValueError(f"scenario factors must be positive and name known drivers (unknown: {sorted(unknown)})")
    factors = factors[names]
    factors["total"] = base * factors.prod(axis=1)
    factors["change_pct"] = factors["total"] / base - 1
    return factors

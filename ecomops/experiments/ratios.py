"""Relative lift intervals, and ratio metrics (AOV, revenue per session) by the delta method.

A ratio metric whose denominator is not the randomisation unit (AOV = revenue / orders with visitors
randomised) is analysed on unit-level sums with the delta method (Deng, Knoblich & Lu 2018).
"""

from __future__ import annotations

import math
from typing import Literal

from numpy.typing import ArrayLike
import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import choice, finite_number, non_negative, open_unit, values_array, whole_number
from ._common import check_counts, interval, z_critical
from .results import RatioArmStats, RatioMetricResult, RelativeLiftResult

__all__ = [
    "relative_lift_interval",
    "relative_lift_proportions",
    "ratio_arm_stats",
    "ratio_metric_delta",
    "ratio_metric_delta_from_stats",
]


def relative_lift_interval(
    mean_a: float,
    var_mean_a: float,
    mean_b: float,
    var_mean_b: float,
    alpha: float = 0.05,
    method: Literal["delta", "fieller"] = "delta",
) -> RelativeLiftResult:
    """Interval for the relative lift mean_B/mean_A − 1 from two independent arm means.

    ``var_mean_*`` are the variances of the arm *means* (s²/n; p(1−p)/n for a rate).

    * ``"delta"`` — first-order delta method, symmetric (as GrowthBook, ``details.mdx`` eq. 2):
      ``Var(R) ≈ Var_B/μ_A² + μ_B²·Var_A/μ_A⁴``, interval R − 1 ± z·√Var(R).
    * ``"fieller"`` — Fieller's (1954) interval: all ρ with (μ_B − ρμ_A)² ≤ z²(Var_B + ρ²Var_A), the roots of
      ``ρ²(μ_A² − z²Var_A) − 2ρμ_Aμ_B + μ_B² − z²Var_B = 0``; skewed, and preferable when the control mean is
      imprecise (CV of the control mean above ~0.1). When the control mean is not significantly different from
      0 (μ_A² ≤ z²Var_A) the set is unbounded: the result is (−inf, inf) with ``bounded=False``.

    ``se`` is the delta-method standard error of the relative lift for both methods. For 48/950 vs 62/1050 the
    95 % intervals are delta [−26.0 %, +59.7 %] and Fieller [−19.1 %, +72.1 %].

    Parameters
    ----------
    mean_a, var_mean_a : float
        Control mean (non-zero) and the variance of that mean (>= 0).
    mean_b, var_mean_b : float
        The same for the treatment.
    alpha : float
        Two-sided level.
    method : {"delta", "fieller"}
        The interval (see above).

    Returns
    -------
    RelativeLiftResult
        The relative lift, its interval (as lifts, not ratios), the delta-method SE, the method and whether the
        interval is bounded.
    """
    alpha = open_unit("alpha", alpha)
    method = choice("method", method, ("delta", "fieller"))
    ma, mb = finite_number("mean_a", mean_a), finite_number("mean_b", mean_b)
    va, vb = non_negative("var_mean_a", var_mean_a), non_negative("var_mean_b", var_mean_b)
    if ma == 0:
        raise ValueError("mean_a must be non-zero (the relative lift divides by the control mean), got 0")
    ratio = mb / ma
    se = math.sqrt(vb / ma**2 + mb**2 * va / ma**4)
    z = z_critical(alpha)
    if method == "delta":
        return RelativeLiftResult(ratio - 1, interval(ratio - 1, z * se), se, "delta", True)
    qa = ma**2 - z**2 * va
    if qa <= 0:
        return RelativeLiftResult(ratio - 1, (-math.inf, math.inf), se, "fieller", False)
    qb = -2 * ma * mb
    qc = mb**2 - z**2 * vb
    root = math.sqrt(max(qb * qb - 4 * qa * qc, 0.0))  # the discriminant is >= 0 whenever qa > 0
    lo, hi = sorted(((-qb - root) / (2 * qa), (-qb + root) / (2 * qa)))
    return RelativeLiftResult(ratio - 1, (lo - 1, hi - 1), se, "fieller", True)


def relative_lift_proportions(
    conversions_a: int,
    users_a: int,
    conversions_b: int,
    users_b: int,
    alpha: float = 0.05,
    method: Literal["delta", "fieller"] = "delta",
) -> RelativeLiftResult:
    """Relative lift of conversion rate p_B/p_A − 1 with :func:`relative_lift_interval` (Var = p(1−p)/n).

    Parameters
    ----------
    conversions_a, users_a, conversions_b, users_b : int
        Counts per arm as in :func:`~ecomops.experiments.two_proportion_test`; the control needs at least one
        conversion.
    alpha, method
        As in :func:`relative_lift_interval`.

    Returns
    -------
    RelativeLiftResult
    """
    ca, na = check_counts(conversions_a, users_a, "a")
    cb, nb = check_counts(conversions_b, users_b, "b")
    if ca == 0:
        raise ValueError("conversions_a must be > 0 for a relative lift (the control rate divides), got 0")
    ra, rb = ca / na, cb / nb
    return relative_lift_interval(ra, ra * (1 - ra) / na, rb, rb * (1 - rb) / nb, alpha, method)


# ------------------------------------------------------------------------------------------------------------
# Ratio metrics (delta method)


def _arm_stats(numerator: ArrayLike, denominator: ArrayLike, num_name: str, den_name: str) -> RatioArmStats:
    x = values_array(num_name, numerator)
    y = values_array(den_name, denominator)
    if x.size != y.size:
        raise ValueError(f"{num_name} and {den_name} must have the same length, got {x.size} and {y.size}")
    return RatioArmStats(
        n=int(x.size),
        sum_num=float(x.sum()),
        sum_den=float(y.sum()),
        sum_num_sq=float(x @ x),
        sum_den_sq=float(y @ y),
        sum_num_den=float(x @ y),
    )


def ratio_arm_stats(numerator: ArrayLike, denominator: ArrayLike) -> RatioArmStats:
    """Sufficient statistics of one arm from per-unit arrays (one value per randomised unit, zeros kept).

    Parameters
    ----------
    numerator, denominator : array_like
        Per-unit values, e.g. revenue and orders per visitor, of equal length (at least 2).

    Returns
    -------
    RatioArmStats
    """
    return _arm_stats(numerator, denominator, "numerator", "denominator")


def _ratio_and_var(s: RatioArmStats, arm: str) -> tuple[float, float]:
    n = whole_number(f"stats_{arm}.n", s.n, minimum=2)
    if not s.sum_den > 0:
        raise ValueError(f"stats_{arm}.sum_den must be > 0 (the ratio divides by it), got {s.sum_den}")
    mx, my = s.sum_num / n, s.sum_den / n
    var_x = (s.sum_num_sq - s.sum_num * mx) / (n - 1)
    var_y = (s.sum_den_sq - s.sum_den * my) / (n - 1)
    cov = (s.sum_num_den - s.sum_num * my) / (n - 1)
    ratio = mx / my
    var = (var_x / my**2 - 2 * mx * cov / my**3 + mx**2 * var_y / my**4) / n
    return ratio, max(var, 0.0)


def ratio_metric_delta_from_stats(
    stats_a: RatioArmStats, stats_b: RatioArmStats, alpha: float = 0.05
) -> RatioMetricResult:
    """Ratio metric R = Σx/Σy per arm and the difference R_B − R_A, by the delta method.

    Use it for AOV = revenue / orders (or revenue per session) when visitors are randomised.
    Delta method (Deng, Knoblich & Lu 2018, "Applying the delta method in metric analytics", KDD, eq. for the
    ratio of means): with per-unit means μ_x, μ_y, sample variances σ_x², σ_y² and covariance σ_xy (ddof = 1),
    ``Var(R) ≈ (σ_x²/μ_y² − 2μ_xσ_xy/μ_y³ + μ_x²σ_y²/μ_y⁴) / n``. The arms are independent, so
    ``SE(R_B − R_A) = √(Var_A + Var_B)``; normal interval and two-sided z p-value.
    Treating orders as independent (the naive order-level SE) understates the SE because orders of one visitor
    are correlated. Sums of squares can lose precision for huge sums; centre the data first if that matters.

    Parameters
    ----------
    stats_a, stats_b : RatioArmStats
        Sums of the control and of the treatment (at least 2 units each, ``sum_den`` > 0).
    alpha : float
        Two-sided level.

    Returns
    -------
    RatioMetricResult
    """
    alpha = open_unit("alpha", alpha)
    ra, var_a = _ratio_and_var(stats_a, "a")
    rb, var_b = _ratio_and_var(stats_b, "b")
    diff = rb - ra
    se = math.sqrt(var_a + var_b)
    if se == 0:
        raise ValueError("stats_a and stats_b have zero variance, so the difference has no standard error")
    z = diff / se
    return RatioMetricResult(
        ratio_a=ra,
        ratio_b=rb,
        se_a=math.sqrt(var_a),
        se_b=math.sqrt(var_b),
        difference=diff,
        se=se,
        ci=interval(diff, z_critical(alpha) * se),
        z=z,
        p_value=float(2 * scipy.stats.norm.sf(abs(z))),
        method="delta",
    )


def ratio_metric_delta(
    numerator_a: ArrayLike,
    denominator_a: ArrayLike,
    numerator_b: ArrayLike,
    denominator_b: ArrayLike,
    alpha: float = 0.05,
) -> RatioMetricResult:
    """:func:`ratio_metric_delta_from_stats` from per-unit arrays (e.g. revenue and orders per visitor).

    Parameters
    ----------
    numerator_a, denominator_a, numerator_b, denominator_b : array_like
        Per-unit values of each arm (see :func:`ratio_arm_stats`).
    alpha : float
        Two-sided level.

    Returns
    -------
    RatioMetricResult
    """
    sa = _arm_stats(numerator_a, denominator_a, "numerator_a", "denominator_a")
    sb = _arm_stats(numerator_b, denominator_b, "numerator_b", "denominator_b")
    return ratio_metric_delta_from_stats(sa, sb, alpha)

"""CUPED: variance reduction with a pre-experiment covariate, from raw values or from per-arm sums.

Deng, Xu, Kohavi & Walker (2013), "Improving the sensitivity of online controlled experiments by utilizing
pre-experiment data", WSDM. θ is pooled over both arms, as in the paper and GrowthBook.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
from numpy.typing import ArrayLike

from ..checks import finite_number, open_unit, values_array, whole_number
from .means import welch_t_test, welch_t_test_from_stats
from .results import CupedResult, MeanTestResult

__all__ = ["CUPED_STAT_KEYS", "cuped_adjust", "cuped_from_stats"]

CUPED_STAT_KEYS = ("n", "sum_y", "sum_y_sq", "sum_x", "sum_x_sq", "sum_xy")
"""The per-arm sums :func:`cuped_from_stats` takes (y = metric, x = pre-period covariate)."""


def _result(
    theta: float, corr: float, raw: MeanTestResult, adj: MeanTestResult, balance: MeanTestResult
) -> CupedResult:
    """The result, with the share of the variance of the difference that the adjustment removed."""
    return CupedResult(
        theta=theta,
        correlation=corr,
        variance_reduction=1 - adj.se**2 / raw.se**2,
        unadjusted=raw,
        adjusted=adj,
        covariate_balance_p=balance.p_value,
    )


def cuped_adjust(y: ArrayLike, x: ArrayLike, treatment: ArrayLike, alpha: float = 0.05) -> CupedResult:
    """CUPED variance reduction with a pre-experiment covariate (Deng, Xu, Kohavi & Walker 2013, WSDM).

    ``θ = cov(y, x) / var(x)`` pooled over both arms (as the paper and GrowthBook), adjusted outcome
    ``y' = y − θ(x − x̄)`` with x̄ the pooled mean; the mean difference is unchanged in expectation and its
    variance falls by about ρ². Both the unadjusted and the adjusted differences are tested with Welch's t
    (:func:`~ecomops.experiments.welch_t_test`), ignoring the estimation error in θ (negligible at A/B-test sizes).
    ``treatment`` is a boolean mask (True = B, False = A). ``variance_reduction`` = 1 − SE_adj²/SE_unadj², the
    share of the variance of the estimated difference removed; ``correlation`` is the pooled ρ(y, x).
    ``covariate_balance_p`` is Welch's p for a difference in x between arms: a value below 0.001 signals a
    pre-period imbalance (broken randomisation or a covariate affected by the treatment).
    The adjusted difference differs from the ANCOVA coefficient (OLS y ~ treatment + x) only through θ being
    pooled rather than within-arm: difference_ancova − difference_cuped = (θ − β_within)(x̄_B − x̄_A).

    Parameters
    ----------
    y : array_like
        The metric in the experiment, one value per unit.
    x : array_like
        The same metric (or another covariate) in the pre-period, one value per unit; it must vary.
    treatment : array_like of bool
        True (or 1) for units in the treatment, False (or 0) for the control; at least 2 units in each arm.
    alpha : float
        Two-sided level of the Welch intervals.

    Returns
    -------
    CupedResult
    """
    yv = values_array("y", y)
    xv = values_array("x", x)
    mask = np.asarray(treatment)
    if mask.shape != yv.shape or xv.shape != yv.shape:
        raise ValueError(
            f"y, x and treatment must have the same length, got {yv.size}, {xv.size} and {mask.size}"
        )
    if mask.dtype != bool:
        if not np.all(np.isin(mask, [0, 1])):
            raise ValueError("treatment must be a boolean mask (True/1 = treatment, False/0 = control)")
        mask = mask.astype(bool)
    n_b = int(mask.sum())
    if n_b < 2 or mask.size - n_b < 2:
        raise ValueError(
            "treatment must mark at least 2 units in each arm, "
            f"got {mask.size - n_b} control and {n_b} treatment"
        )
    xc = xv - xv.mean()
    var_x = float(xc @ xc)
    if var_x == 0:
        raise ValueError("x must vary (a constant covariate cannot reduce variance)")
    yc = yv - yv.mean()
    theta = float(yc @ xc) / var_x
    var_y = float(yc @ yc)
    corr = float(yc @ xc) / math.sqrt(var_x * var_y) if var_y > 0 else 0.0
    y_adj = yv - theta * xc
    raw = welch_t_test(yv[~mask], yv[mask], alpha)
    adj = welch_t_test(y_adj[~mask], y_adj[mask], alpha)
    balance = welch_t_test(xv[~mask], xv[mask], alpha)
    return _result(theta, corr, raw, adj, balance)




def _cuped_arm(name: str, arm: Mapping[str, float]) -> dict[str, float]:
    missing = [k for k in CUPED_STAT_KEYS if k not in arm]
    if missing:
        raise ValueError(f"{name} must give {', '.join(CUPED_STAT_KEYS)}; missing {', '.join(missing)}")
    out = {k: finite_number(f"{name}['{k}']", arm[k]) for k in CUPED_STAT_KEYS}
    out["n"] = float(whole_number(f"{name}['n']", out["n"], minimum=2))
    return out


def _centred_moment(sum_u: float, sum_v: float, sum_uv: float, n: float) -> float:
    """Σ(u − ū)(v − v̄) from raw sums."""
    return sum_uv - sum_u * sum_v / n


def _arm_moments(name: str, s: dict[str, float]) -> tuple[float, float, float, float, float]:
    """(mean y, mean x, var y, var x, cov xy) of one arm, ddof = 1; raises when a variance is negative."""
    n = s["n"]
    syy = _centred_moment(s["sum_y"], s["sum_y"], s["sum_y_sq"], n)
    sxx = _centred_moment(s["sum_x"], s["sum_x"], s["sum_x_sq"], n)
    for label, centred, raw in (("y", syy, s["sum_y_sq"]), ("x", sxx, s["sum_x_sq"])):
        if centred < -1e-9 * max(abs(raw), 1.0):
            raise ValueError(
                f"{name}: sum_{label}_sq = {raw} is smaller than sum_{label}²/n, so the variance of {label} "
                "would be negative; the sums are inconsistent"
            )
    sxy = _centred_moment(s["sum_x"], s["sum_y"], s["sum_xy"], n)
    return s["sum_y"] / n, s["sum_x"] / n, max(syy, 0.0) / (n - 1), max(sxx, 0.0) / (n - 1), sxy / (n - 1)


def cuped_from_stats(
    stats_a: Mapping[str, float], stats_b: Mapping[str, float], alpha: float = 0.05
) -> CupedResult:
    """:func:`cuped_adjust` from per-arm sufficient statistics, e.g. the output of a warehouse ``GROUP BY``.

    Each arm is a mapping with ``n`` (units), ``sum_y`` = Σy, ``sum_y_sq`` = Σy², ``sum_x`` = Σx,
    ``sum_x_sq`` = Σx², ``sum_xy`` = Σxy, where y is the metric in the experiment and x the same metric in the
    pre-period (see :func:`ecomops.experiments.cuped_arm_stats`). Arm A is the control.

    Same conventions as :func:`cuped_adjust`, so the results agree to rounding: θ is pooled over both arms
    around the pooled means, ``θ = Σ(y − ȳ)(x − x̄) / Σ(x − x̄)²`` with the sums over all N = n_A + n_B
    units; per arm the adjusted mean is ``ȳ_k − θ(x̄_k − x̄)`` and the adjusted variance
    ``s²_y,k − 2θ·s_xy,k + θ²·s²_x,k`` (ddof = 1); Welch's t on the unadjusted and adjusted values
    (:func:`~ecomops.experiments.welch_t_test_from_stats`) and on x for ``covariate_balance_p``. Centred sums are computed as
    Σuv − ΣuΣv/n, which loses precision only when the means are huge relative to the spread.

    Parameters
    ----------
    stats_a, stats_b : mapping of str to float
        The sums named in :data:`CUPED_STAT_KEYS` for the control and for the treatment (``n`` >= 2).
    alpha : float
        Two-sided level.

    Returns
    -------
    CupedResult

    Raises
    ------
    ValueError
        For a missing sum, an arm with fewer than 2 units, sums implying a negative variance, or a constant x.
    """
    alpha = open_unit("alpha", alpha)
    a, b = _cuped_arm("stats_a", stats_a), _cuped_arm("stats_b", stats_b)
    my_a, mx_a, vy_a, vx_a, cxy_a = _arm_moments("stats_a", a)
    my_b, mx_b, vy_b, vx_b, cxy_b = _arm_moments("stats_b", b)
    total = {k: a[k] + b[k] for k in CUPED_STAT_KEYS}
    n = total["n"]
    sxx = _centred_moment(total["sum_x"], total["sum_x"], total["sum_x_sq"], n)
    if sxx <= 1e-12 * max(total["sum_x_sq"], 1e-300):
        raise ValueError("x must vary (a constant covariate cannot reduce variance)")
    syy = max(_centred_moment(total["sum_y"], total["sum_y"], total["sum_y_sq"], n), 0.0)
    sxy = _centred_moment(total["sum_x"], total["sum_y"], total["sum_xy"], n)
    theta = sxy / sxx
    corr = sxy / math.sqrt(sxx * syy) if syy > 0 else 0.0
    x_bar = total["sum_x"] / n
    na, nb = int(a["n"]), int(b["n"])

    def adjusted(mean_y: float, mean_x: float, var_y: float, var_x: float, cov: float) -> tuple[float, float]:
        var = var_y - 2 * theta * cov + theta * theta * var_x
        return mean_y - theta * (mean_x - x_bar), math.sqrt(max(var, 0.0))

    raw = welch_t_test_from_stats(my_a, math.sqrt(vy_a), na, my_b, math.sqrt(vy_b), nb, alpha)
    adj_a, adj_b = adjusted(my_a, mx_a, vy_a, vx_a, cxy_a), adjusted(my_b, mx_b, vy_b, vx_b, cxy_b)
    adj = welch_t_test_from_stats(adj_a[0], adj_a[1], na, adj_b[0], adj_b[1], nb, alpha)
    balance = welch_t_test_from_stats(mx_a, math.sqrt(vx_a), na, mx_b, math.sqrt(vx_b), nb, alpha)
    return _result(theta, corr, raw, adj, balance)

"""Test design: sample size, duration in whole weeks, and the design tables of the ``ab_test_design`` template.

Sample sizes are users **per arm**, control first, rounded **up**; with more than two arms each treatment is
compared with the control at the Bonferroni level α / (arms − 1). Durations are rounded up to whole days and
then to whole weeks (at least one).
"""

from __future__ import annotations

import math
from typing import Callable, Literal, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import choice, finite_number, open_unit, positive, shares, whole_number
from ._common import ceil_whole, z_critical
from .results import DurationResult, SampleSizeResult

__all__ = [
    "SAMPLE_SIZE_METHODS",
    "sample_size_two_proportions",
    "sample_size_means",
    "duration_for_sample_size",
    "sample_size_alternatives",
    "mde_duration_table",
    "power_curve_table",
]

SAMPLE_SIZE_METHODS = ("pooled", "evan_miller", "arcsine")
"""The three sample-size formulas of :func:`sample_size_two_proportions`, in the order tables show them."""


def _design(
    alpha: float, power: float, allocation: ArrayLike | None, n_arms: int | None
) -> tuple[float, float, np.ndarray]:
    alpha = open_unit("alpha", alpha)
    power = open_unit("power", power)
    if n_arms is None:
        n_arms = 2 if allocation is None else len(np.atleast_1d(np.asarray(allocation)))
    k = whole_number("n_arms", n_arms, minimum=2)
    weights = shares("allocation", allocation, k)
    alpha_c = alpha / (k - 1)
    if power <= alpha_c:
        raise ValueError(f"power must be greater than alpha per comparison ({alpha_c:g}), got {power}")
    return alpha_c, power, weights


def _solve_noncentrality(alpha: float, power: float) -> float:
    """Solve the two-tailed normal power equation Φ(λ − z) + Φ(−λ − z) = power for λ (as NormalIndPower)."""
    z = z_critical(alpha)

    def gap(lam: float) -> float:
        return float(scipy.stats.norm.cdf(lam - z) + scipy.stats.norm.cdf(-lam - z) - power)

    upper = z + float(scipy.stats.norm.ppf(power)) + 1.0
    return float(scipy.optimize.brentq(gap, 0.0, max(upper, 1.0), xtol=1e-13, rtol=1e-15))


def _assemble(
    method: str, n_control_by_ratio: Callable[[float], float], weights: np.ndarray, alpha_c: float, rate: float | None
) -> SampleSizeResult:
    # each treatment arm is compared with the control: the neediest comparison sets the total
    needed_total = max(n_control_by_ratio(weights[j] / weights[0]) / weights[0] for j in range(1, weights.size))
    unrounded = [float(needed_total * s) for s in weights]
    n_per_arm = [ceil_whole(x) for x in unrounded]
    return SampleSizeResult(
        method=method,
        n_per_arm=n_per_arm,
        n_total=int(sum(n_per_arm)),
        alpha_per_comparison=float(alpha_c),
        treatment_rate=rate,
        n_per_arm_unrounded=unrounded,
    )


def sample_size_two_proportions(
    baseline_rate: float,
    mde: float,
    mde_kind: Literal["absolute", "relative"] = "absolute",
    alpha: float = 0.05,
    power: float = 0.8,
    method: Literal["pooled", "evan_miller", "arcsine"] = "pooled",
    allocation: Sequence[float] | None = None,
    n_arms: int | None = None,
) -> SampleSizeResult:
    """Users per arm to detect a change in a conversion rate with a two-sided test.

    ``mde`` is the minimum detectable effect: the treatment rate is ``p₁ = p₀ + mde``
    (``mde_kind="absolute"``, e.g. 0.05 = +5 percentage points) or ``p₁ = p₀·(1 + mde)`` (``"relative"``, e.g.
    0.1 = +10 %); δ = p₁ − p₀. With shares ``allocation = [s₀, s₁, …]`` (control first) each comparison has
    ratio r = s_k / s₀, so ``n_treatment = r · n_control`` exactly as statsmodels' ``ratio`` argument. With
    ``n_arms`` > 2 every treatment is compared with the control at the Bonferroni level α / (n_arms − 1).
    ``n_arms`` defaults to ``len(allocation)`` or 2.

    Methods (z = z_{1−α/2}, z_β = z_{power}):

    * ``"pooled"`` (default) — the classical formula with the pooled p̄ = (p₀ + r·p₁)/(1 + r) under H₀ and the
      per-arm variances under H₁ (Fleiss, Levin & Paik 2003, §4.2; R ``power.prop.test``; statsmodels
      ``samplesize_proportions_2indep_onetail``):
      ``n_control = (z·√(p̄(1−p̄)(1 + 1/r)) + z_β·√(p₀(1−p₀) + p₁(1−p₁)/r))² / δ²``.
    * ``"evan_miller"`` — Evan Miller's online calculator (evanmiller.org/ab-testing/sample-size.html), which
      puts the *baseline* variance in the null term:
      ``n_control = (z·√(p₀(1−p₀)(1 + 1/r)) + z_β·√(p₀(1−p₀) + p₁(1−p₁)/r))² / δ²``.
    * ``"arcsine"`` — Cohen's effect size h = 2·asin√p₁ − 2·asin√p₀ (Cohen 1988, ch. 6) with the normal power
      equation solved including both tails, as statsmodels ``NormalIndPower``: ``n_control = λ²(1 + 1/r)/h²``.

    The first two ignore the tiny chance of rejecting in the wrong direction, as their sources do.

    Rounding: we always round **up** to whole users (``ceil``). Evan Miller's page rounds to the nearest
    integer, so for 20 % → 25 %, α = 0.05, power 0.8 his page shows 1,030 where this function gives 1,031
    (exact value 1030.22); the pooled formula gives 1,094 (1093.74) and the arcsine route 1,092 (1091.90).

    Parameters
    ----------
    baseline_rate : float
        Control conversion rate p₀, strictly between 0 and 1.
    mde : float
        Minimum detectable effect, non-zero; absolute (rate points) or relative (share of p₀), see ``mde_kind``.
    mde_kind : {"absolute", "relative"}
        How ``mde`` is read.
    alpha : float
        Two-sided significance level of the whole test (divided by arms − 1 per comparison).
    power : float
        Probability of detecting an effect of size ``mde``; must exceed ``alpha`` per comparison.
    method : {"pooled", "evan_miller", "arcsine"}
        The formula (see above).
    allocation : sequence of float, optional
        Share of users per arm, control first, positive and summing to 1; equal shares by default.
    n_arms : int, optional
        Number of arms including the control (at least 2); defaults to ``len(allocation)`` or 2.

    Returns
    -------
    SampleSizeResult
        Users per arm (rounded up and unrounded), the total, α per comparison and the treatment rate p₁.

    Raises
    ------
    ValueError
        For an argument out of range, an ``mde`` of 0 or one giving a treatment rate outside (0, 1).
    """
    p0 = open_unit("baseline_rate", baseline_rate)
    mde = finite_number("mde", mde)
    kind = choice("mde_kind", mde_kind, ("absolute", "relative"))
    method = choice("method", method, SAMPLE_SIZE_METHODS)
    alpha_c, power, weights = _design(alpha, power, allocation, n_arms)
    if mde == 0:
        raise ValueError("mde must be non-zero, got 0")
    p1 = p0 + mde if kind == "absolute" else p0 * (1 + mde)
    if not 0 < p1 < 1:
        raise ValueError(
            f"mde must give a treatment rate strictly between 0 and 1, got mde={mde} ({kind}) -> {p1:g}"
        )
    delta = p1 - p0
    z_a, z_b = z_critical(alpha_c), float(scipy.stats.norm.ppf(power))
    v0, v1 = p0 * (1 - p0), p1 * (1 - p1)

    if method == "arcsine":
        h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))
        lam = _solve_noncentrality(alpha_c, power)

        def n_control(r: float) -> float:
            return lam**2 * (1 + 1 / r) / h**2

    else:

        def n_control(r: float) -> float:
            if method == "pooled":
                p_bar = (p0 + r * p1) / (1 + r)
                null_sd = math.sqrt(p_bar * (1 - p_bar) * (1 + 1 / r))
            else:
                null_sd = math.sqrt(v0 * (1 + 1 / r))
            return (z_a * null_sd + z_b * math.sqrt(v0 + v1 / r)) ** 2 / delta**2

    return _assemble(method, n_control, weights, alpha_c, float(p1))


def sample_size_means(
    sd: float,
    mde_absolute: float,
    alpha: float = 0.05,
    power: float = 0.8,
    allocation: Sequence[float] | None = None,
    n_arms: int | None = None,
) -> SampleSizeResult:
    """Users per arm to detect an absolute change ``mde_absolute`` in a mean (e.g. revenue per visitor).

    Normal approximation with a common standard deviation ``sd`` (from historical data, after any
    winsorisation cap), standardised effect d = mde/sd, power equation solved including both tails as
    statsmodels ``NormalIndPower``: ``n_control = λ²(1 + 1/r)/d²`` with r = s_k / s₀ (so n_treatment =
    r·n_control), Bonferroni α/(n_arms − 1) with more than two arms. The t-based ``tt_ind_solve_power`` needs
    one or two users more. Compare Kohavi's rule of thumb 16σ²/δ² for α = 0.05 and power 0.8.
    ``treatment_rate`` is None. If CUPED will be used, the required n falls by roughly the factor (1 − ρ²).

    Parameters
    ----------
    sd : float
        Standard deviation of the metric per user (> 0).
    mde_absolute : float
        Smallest change in the mean worth detecting, in the metric's unit (non-zero).
    alpha, power, allocation, n_arms
        As in :func:`sample_size_two_proportions`.

    Returns
    -------
    SampleSizeResult
        With ``method="normal"`` and ``treatment_rate=None``.
    """
    sd = positive("sd", sd)
    mde_absolute = finite_number("mde_absolute", mde_absolute)
    if mde_absolute == 0:
        raise ValueError("mde_absolute must be non-zero, got 0")
    alpha_c, power, weights = _design(alpha, power, allocation, n_arms)
    d = mde_absolute / sd
    lam = _solve_noncentrality(alpha_c, power)
    return _assemble("normal", lambda r: lam**2 * (1 + 1 / r) / d**2, weights, alpha_c, None)


def duration_for_sample_size(n_total: int, daily_visitors: float, share_in_experiment: float = 1.0) -> DurationResult:
    """Days and whole weeks needed to enrol ``n_total`` users.

    ``days = ceil(n_total / (daily_visitors · share_in_experiment))`` and ``weeks = max(1, ceil(days / 7))``;
    ``days_to_run = 7 · weeks``. Tests run in whole weeks, and for at least one, because conversion and basket
    size follow a weekly cycle (weekday vs weekend shoppers): a test stopped mid-week over-represents some
    days (Kohavi, Tang & Xu 2020, ch. 23 on day-of-week and novelty effects).

    Parameters
    ----------
    n_total : int
        Users needed over all arms (at least 1), e.g. ``SampleSizeResult.n_total``.
    daily_visitors : float
        Eligible visitors per day (> 0).
    share_in_experiment : float
        Share of the eligible visitors put into the test, in (0, 1].

    Returns
    -------
    DurationResult
        ``days`` the traffic needs, whole ``weeks`` to run and ``days_to_run`` = 7 × weeks.
    """
    n_total = whole_number("n_total", n_total, minimum=1)
    daily = positive("daily_visitors", daily_visitors)
    share = finite_number("share_in_experiment", share_in_experiment)
    if not 0 < share <= 1:
        raise ValueError(f"share_in_experiment must be in (0, 1], got {share_in_experiment}")
    days = ceil_whole(n_total / (daily * share))
    weeks = max(1, math.ceil(days / 7))
    return DurationResult(days=days, weeks=weeks, days_to_run=7 * weeks)



def sample_size_alternatives(
    baseline_rate: float,
    mde: float,
    mde_kind: Literal["absolute", "relative"] = "absolute",
    alpha: float = 0.05,
    power: float = 0.8,
    allocation: Sequence[float] | None = None,
    n_arms: int | None = None,
) -> dict[str, SampleSizeResult]:
    """The same design computed with each of the three sample-size formulas.

    Parameters
    ----------
    baseline_rate, mde, mde_kind, alpha, power, allocation, n_arms
        As in :func:`sample_size_two_proportions`.

    Returns
    -------
    dict of str to SampleSizeResult
        One result per name in :data:`SAMPLE_SIZE_METHODS`, in that order.
    """
    return {
        method: sample_size_two_proportions(baseline_rate, mde, mde_kind, alpha, power, method, allocation, n_arms)
        for method in SAMPLE_SIZE_METHODS
    }


def mde_duration_table(
    baseline_rate: float,
    mde_values: Sequence[float],
    daily_visitors: float,
    mde_kind: Literal["absolute", "relative"] = "absolute",
    alpha: float = 0.05,
    power: float = 0.8,
    method: Literal["pooled", "evan_miller", "arcsine"] = "pooled",
    allocation: Sequence[float] | None = None,
    n_arms: int | None = None,
) -> pd.DataFrame:
    """The trade-off between the smallest detectable effect and the test's length.

    Parameters
    ----------
    baseline_rate, mde_kind, alpha, power, method, allocation, n_arms
        As in :func:`sample_size_two_proportions`.
    mde_values : sequence of float
        The MDEs to tabulate (read as ``mde_kind``).
    daily_visitors : float
        Eligible visitors per day, all of them in the test (see :func:`duration_for_sample_size`).

    Returns
    -------
    pandas.DataFrame
        One row per MDE with ``mde, treatment_rate, n_per_arm_max, n_total, days, weeks``; an MDE that gives no
        valid design (a treatment rate outside (0, 1), an MDE of 0) is left out.
    """
    rows = []
    for mde in mde_values:
        try:
            size = sample_size_two_proportions(baseline_rate, mde, mde_kind, alpha, power, method, allocation, n_arms)
        except ValueError:
            continue
        duration = duration_for_sample_size(size.n_total, daily_visitors)
        rows.append(
            {
                "mde": float(mde),
                "treatment_rate": size.treatment_rate,
                "n_per_arm_max": max(size.n_per_arm),
                "n_total": size.n_total,
                "days": duration.days,
                "weeks": duration.weeks,
            }
        )
    return pd.DataFrame(rows)


def power_curve_table(
    baseline_rate: float,
    mde: float,
    mde_kind: Literal["absolute", "relative"] = "absolute",
    alpha: float = 0.05,
    powers: Sequence[float] | None = None,
    allocation: Sequence[float] | None = None,
    n_arms: int | None = None,
) -> pd.DataFrame:
    """Power reached as the sample grows, for each formula: read it as a curve of power against users.

    Parameters
    ----------
    baseline_rate, mde, mde_kind, alpha, allocation, n_arms
        As in :func:`sample_size_two_proportions`.
    powers : sequence of float, optional
        The powers to tabulate; 50 values from 0.5 to 0.99 by default. Powers not above ``alpha`` are skipped.

    Returns
    -------
    pandas.DataFrame
        One row per (method, power) with ``method, power, n_per_arm_max``: the unrounded users in the largest
        arm that the formula says give that power.
    """
    grid = np.linspace(0.5, 0.99, 50) if powers is None else np.asarray(powers, dtype=float)
    rows = []
    for method in SAMPLE_SIZE_METHODS:
        for power in grid:
            if power <= alpha:
                continue
            size = sample_size_two_proportions(baseline_rate, mde, mde_kind, alpha, float(power), method, allocation, n_arms)
            rows.append({"method": method, "power": float(power), "n_per_arm_max": max(size.n_per_arm_unrounded)})
    return pd.DataFrame(rows)

"""Experiments: design and analysis of online A/B tests.

Sample size and duration, tests for proportions and means, relative-lift intervals, ratio metrics, the
sample-ratio-mismatch (SRM) check, CUPED, multiple-comparison adjustments, the exact beta-binomial probability
to beat, always-valid (sequential) inference and a simulation of the cost of peeking.

Conventions used throughout
---------------------------
* Arm **A is the control**, arm **B the treatment**; every difference is **treatment − control** (B − A) and
  the relative lift is ``mean_b / mean_a − 1``. With more than two arms the control comes first.
* ``alpha`` is always **two-sided**; intervals are ``1 − alpha`` intervals.
* Sample standard deviations and variances use ``ddof = 1``; the variance of a proportion is ``p(1 − p)``.
* Sample sizes are **rounded up** (``ceil``) to whole users, per arm; durations are rounded up to whole days
  and then to whole weeks (at least one week).
* The two-proportion p-value is the **pooled** z test (identical to Pearson's χ² on the 2×2 table **without**
  Yates' correction); its interval is the **unpooled** (Wald) interval. ``scipy.stats.chi2_contingency``
  applies Yates' correction by default, so its p-value differs (see :func:`two_proportion_test`).
* Revenue-type metrics use **Welch's** t test, never Student's.
* Ratio metrics whose denominator is not the randomisation unit (AOV = revenue / orders with visitors
  randomised) use the **delta method** on unit-level sums (Deng, Knoblich & Lu 2018).
* Randomness only through ``numpy.random.default_rng(seed)``.
* Bad input raises ``ValueError`` with one message naming the argument, the value and what is allowed.

Main references: Kohavi, Tang & Xu, *Trustworthy Online Controlled Experiments* (CUP 2020); Fleiss, Levin &
Paik, *Statistical Methods for Rates and Proportions* (3rd ed. 2003); the other sources are cited per
function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import integrate, optimize, special, stats

__all__ = [
    "SampleSizeResult",
    "DurationResult",
    "ProportionTestResult",
    "MeanTestResult",
    "RelativeLiftResult",
    "RatioArmStats",
    "RatioMetricResult",
    "SrmResult",
    "CupedResult",
    "BayesResult",
    "SequentialResult",
    "sample_size_two_proportions",
    "sample_size_means",
    "test_duration",
    "two_proportion_test",
    "fisher_exact_test",
    "recommended_proportion_test",
    "welch_t_test",
    "welch_t_test_from_stats",
    "relative_lift_interval",
    "relative_lift_proportions",
    "ratio_arm_stats",
    "ratio_metric_delta",
    "ratio_metric_delta_from_stats",
    "srm_check",
    "cuped_adjust",
    "cuped_from_stats",
    "holm_adjust",
    "benjamini_hochberg_adjust",
    "beta_binomial_prob_beat",
    "msprt_two_proportions",
    "confidence_sequence_difference",
    "confidence_sequence_proportions",
    "simulate_peeking_false_positive_rate",
    "SAMPLE_SIZE_METHODS",
    "sample_size_alternatives",
    "mde_duration_table",
    "power_curve_table",
    "design_recommendation",
]


# ------------------------------------------------------------------------------------------------------------
# Result types
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSizeResult:
    """Required users per arm (control first), rounded up, and the inputs that determined them."""

    method: str
    n_per_arm: list[int]
    n_total: int
    alpha_per_comparison: float
    treatment_rate: float | None
    n_per_arm_unrounded: list[float]


@dataclass(frozen=True)
class DurationResult:
    """Test duration: ``days`` needed for the traffic, ``weeks`` to run (whole weeks, at least 1)."""

    days: int
    weeks: int
    days_to_run: int


@dataclass(frozen=True)
class ProportionTestResult:
    """Comparison of two conversion rates (B − A)."""

    rate_a: float
    rate_b: float
    abs_lift: float
    abs_ci: tuple[float, float]
    z: float
    p_value: float
    method: str
    ci_method: str


@dataclass(frozen=True)
class MeanTestResult:
    """Comparison of two means (B − A) by Welch's t test."""

    mean_a: float
    mean_b: float
    difference: float
    se: float
    ci: tuple[float, float]
    t: float
    df: float
    p_value: float
    method: str


@dataclass(frozen=True)
class RelativeLiftResult:
    """Relative lift ``mean_b / mean_a − 1`` and its interval; ``bounded`` is False for an unbounded set."""

    relative_lift: float
    ci: tuple[float, float]
    se: float
    method: str
    bounded: bool


@dataclass(frozen=True)
class RatioArmStats:
    """Sufficient statistics of a ratio metric for one arm, over its n randomisation units.

    ``sum_num = Σ xᵢ``, ``sum_den = Σ yᵢ``, ``sum_num_sq = Σ xᵢ²``, ``sum_den_sq = Σ yᵢ²``,
    ``sum_num_den = Σ xᵢyᵢ``, e.g. x = revenue and y = orders per visitor: what a warehouse ``GROUP BY arm``
    query returns.
    """

    n: int
    sum_num: float
    sum_den: float
    sum_num_sq: float
    sum_den_sq: float
    sum_num_den: float


@dataclass(frozen=True)
class RatioMetricResult:
    """Ratio metric ``Σ num / Σ den`` per arm with delta-method standard errors, and the difference B − A."""

    ratio_a: float
    ratio_b: float
    se_a: float
    se_b: float
    difference: float
    se: float
    ci: tuple[float, float]
    z: float
    p_value: float
    method: str


@dataclass(frozen=True)
class SrmResult:
    """Sample-ratio-mismatch check: Pearson χ² goodness of fit of the arm counts to the designed shares."""

    chi2: float
    df: int
    p_value: float
    status: Literal["ok", "warn", "block"]
    observed_shares: list[float]
    expected_shares: list[float]
    expected_counts: list[float]


@dataclass(frozen=True)
class CupedResult:
    """CUPED: pooled θ, the share of variance removed, and unadjusted and adjusted results side by side."""

    theta: float
    correlation: float
    variance_reduction: float
    unadjusted: MeanTestResult
    adjusted: MeanTestResult
    covariate_balance_p: float


@dataclass(frozen=True)
class BayesResult:
    """Beta-binomial posterior comparison.

    ``expected_loss_b`` = E[max(p_A − p_B, 0)], the conversion rate lost on average by shipping B;
    ``expected_loss_a`` = E[max(p_B − p_A, 0)], lost by keeping A.
    """

    prob_b_beats_a: float
    expected_loss_b: float
    expected_loss_a: float
    mean_a: float
    mean_b: float
    posterior_a: tuple[float, float]
    posterior_b: tuple[float, float]
    method: str


@dataclass(frozen=True)
class SequentialResult:
    """Always-valid inference on the difference B − A, beside the fixed-horizon result at the last look.

    ``*_by_look`` hold the running (always-valid) p-value and interval after each look; ``width_ratio`` is the
    always-valid interval width divided by the fixed-horizon width at the last look. An empty running
    intersection (possible only by chance, with probability ≤ α under the model) is reported as NaN bounds.
    """

    method: str
    difference: float
    always_valid_p: float
    always_valid_ci: tuple[float, float]
    fixed_p_value: float
    fixed_ci: tuple[float, float]
    width_ratio: float
    n_looks: int
    p_by_look: tuple[float, ...]
    ci_lower_by_look: tuple[float, ...]
    ci_upper_by_look: tuple[float, ...]


# ------------------------------------------------------------------------------------------------------------
# Validation helpers
# ------------------------------------------------------------------------------------------------------------


def _finite_number(name: str, value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return out


def _open_unit(name: str, value: object) -> float:
    out = _finite_number(name, value)
    if not 0 < out < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
    return out


def _positive(name: str, value: object) -> float:
    out = _finite_number(name, value)
    if out <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return out


def _whole(name: str, value: object, minimum: int = 0) -> int:
    out = _finite_number(name, value)
    if out != math.floor(out) or out < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value}")
    return int(out)


def _check_counts(conversions: object, users: object, arm: str) -> tuple[int, int]:
    n = _whole(f"users_{arm}", users, minimum=1)
    c = _whole(f"conversions_{arm}", conversions, minimum=0)
    if c > n:
        raise ValueError(f"conversions_{arm} must be <= users_{arm} ({n}), got {conversions}")
    return c, n


def _choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return str(value)


def _values(name: str, values: ArrayLike, min_size: int = 2) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of numbers, got {type(values).__name__}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} values, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf), got {bad} non-finite")
    return arr


def _shares(name: str, shares: ArrayLike | None, k: int) -> np.ndarray:
    if shares is None:
        return np.full(k, 1.0 / k)
    try:
        arr = np.asarray(shares, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must list one numeric share per arm ({k}), got {shares!r}") from None
    if arr.ndim != 1 or arr.size != k:
        raise ValueError(f"{name} must list one share per arm ({k}), got {np.atleast_1d(arr).tolist()}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0) or abs(arr.sum() - 1.0) > 1e-6:
        raise ValueError(f"{name} must be positive shares summing to 1, got {arr.tolist()}")
    return arr


def _ceil(x: float) -> int:
    """Round up to a whole number, ignoring floating-point noise below 1e-6."""
    return int(math.ceil(round(x, 6)))


def _z(alpha: float) -> float:
    return float(stats.norm.isf(alpha / 2))


def _ci(centre: float, half: float) -> tuple[float, float]:
    return (float(centre - half), float(centre + half))


# ------------------------------------------------------------------------------------------------------------
# Sample size and duration
# ------------------------------------------------------------------------------------------------------------


def _design(
    alpha: float, power: float, allocation: ArrayLike | None, n_arms: int | None
) -> tuple[float, float, np.ndarray]:
    alpha = _open_unit("alpha", alpha)
    power = _open_unit("power", power)
    if n_arms is None:
        n_arms = 2 if allocation is None else len(np.atleast_1d(np.asarray(allocation)))
    k = _whole("n_arms", n_arms, minimum=2)
    shares = _shares("allocation", allocation, k)
    alpha_c = alpha / (k - 1)
    if power <= alpha_c:
        raise ValueError(f"power must be greater than alpha per comparison ({alpha_c:g}), got {power}")
    return alpha_c, power, shares


def _solve_noncentrality(alpha: float, power: float) -> float:
    """Solve the two-tailed normal power equation Φ(λ − z) + Φ(−λ − z) = power for λ (as NormalIndPower)."""
    z = _z(alpha)

    def gap(lam: float) -> float:
        return float(stats.norm.cdf(lam - z) + stats.norm.cdf(-lam - z) - power)

    upper = z + float(stats.norm.ppf(power)) + 1.0
    return float(optimize.brentq(gap, 0.0, max(upper, 1.0), xtol=1e-13, rtol=1e-15))


def _assemble(
    method: str, n_control_by_ratio, shares: np.ndarray, alpha_c: float, rate: float | None
) -> SampleSizeResult:
    # each treatment arm is compared with the control: the neediest comparison sets the total
    needed_total = max(n_control_by_ratio(shares[j] / shares[0]) / shares[0] for j in range(1, shares.size))
    unrounded = [float(needed_total * s) for s in shares]
    n_per_arm = [_ceil(x) for x in unrounded]
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
    """
    p0 = _open_unit("baseline_rate", baseline_rate)
    mde = _finite_number("mde", mde)
    kind = _choice("mde_kind", mde_kind, ("absolute", "relative"))
    method = _choice("method", method, ("pooled", "evan_miller", "arcsine"))
    alpha_c, power, shares = _design(alpha, power, allocation, n_arms)
    if mde == 0:
        raise ValueError("mde must be non-zero, got 0")
    p1 = p0 + mde if kind == "absolute" else p0 * (1 + mde)
    if not 0 < p1 < 1:
        raise ValueError(
            f"mde must give a treatment rate strictly between 0 and 1, got mde={mde} ({kind}) -> {p1:g}"
        )
    delta = p1 - p0
    z_a, z_b = _z(alpha_c), float(stats.norm.ppf(power))
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

    return _assemble(method, n_control, shares, alpha_c, float(p1))


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
    """
    sd = _positive("sd", sd)
    mde_absolute = _finite_number("mde_absolute", mde_absolute)
    if mde_absolute == 0:
        raise ValueError("mde_absolute must be non-zero, got 0")
    alpha_c, power, shares = _design(alpha, power, allocation, n_arms)
    d = mde_absolute / sd
    lam = _solve_noncentrality(alpha_c, power)
    return _assemble("normal", lambda r: lam**2 * (1 + 1 / r) / d**2, shares, alpha_c, None)


def test_duration(n_total: int, daily_visitors: float, share_in_experiment: float = 1.0) -> DurationResult:
    """Days and whole weeks needed to enrol ``n_total`` users.

    ``days = ceil(n_total / (daily_visitors · share_in_experiment))`` and ``weeks = max(1, ceil(days / 7))``;
    ``days_to_run = 7 · weeks``. Tests run in whole weeks, and for at least one, because conversion and basket
    size follow a weekly cycle (weekday vs weekend shoppers): a test stopped mid-week over-represents some
    days (Kohavi, Tang & Xu 2020, ch. 23 on day-of-week and novelty effects).
    """
    n_total = _whole("n_total", n_total, minimum=1)
    daily = _positive("daily_visitors", daily_visitors)
    share = _finite_number("share_in_experiment", share_in_experiment)
    if not 0 < share <= 1:
        raise ValueError(f"share_in_experiment must be in (0, 1], got {share_in_experiment}")
    days = _ceil(n_total / (daily * share))
    weeks = max(1, math.ceil(days / 7))
    return DurationResult(days=days, weeks=weeks, days_to_run=7 * weeks)


# Not a pytest test, although its name starts with "test_".
test_duration.__test__ = False  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------------------
# Conversion-rate tests
# ------------------------------------------------------------------------------------------------------------


def two_proportion_test(
    conversions_a: int, users_a: int, conversions_b: int, users_b: int, alpha: float = 0.05
) -> ProportionTestResult:
    """Two-sided test of p_B − p_A: pooled z for the p-value, unpooled (Wald) interval for the difference.

    ``z = (p̂_B − p̂_A) / √(p̄(1 − p̄)(1/n_A + 1/n_B))`` with the pooled rate p̄ (statsmodels
    ``proportions_ztest``); z² equals Pearson's χ² on the 2×2 table *without* continuity correction. The
    interval is ``p̂_B − p̂_A ± z_{1−α/2}·√(p̂_A(1−p̂_A)/n_A + p̂_B(1−p̂_B)/n_B)``.

    Warning: ``scipy.stats.chi2_contingency`` applies Yates' continuity correction to 2×2 tables by default
    (``correction=True``). For 1000/10000 vs 1100/10000 it gives p = 0.0224 where this test (and the χ²
    without Yates) gives p = 0.0211; pass ``correction=False`` to compare like with like.
    """
    alpha = _open_unit("alpha", alpha)
    ca, na = _check_counts(conversions_a, users_a, "a")
    cb, nb = _check_counts(conversions_b, users_b, "b")
    ra, rb = ca / na, cb / nb
    diff = rb - ra
    pooled = (ca + cb) / (na + nb)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    if se0 == 0:  # both arms 0 % or both 100 %: no evidence of a difference
        z, p = 0.0, 1.0
    else:
        z = diff / se0
        p = float(2 * stats.norm.sf(abs(z)))
    se1 = math.sqrt(ra * (1 - ra) / na + rb * (1 - rb) / nb)
    return ProportionTestResult(
        rate_a=ra,
        rate_b=rb,
        abs_lift=diff,
        abs_ci=_ci(diff, _z(alpha) * se1),
        z=float(z),
        p_value=p,
        method="pooled_z",
        ci_method="wald",
    )


def _wilson(c: int, n: int, z: float) -> tuple[float, float]:
    p = c / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def fisher_exact_test(
    conversions_a: int, users_a: int, conversions_b: int, users_b: int, alpha: float = 0.05
) -> ProportionTestResult:
    """Fisher's exact test for small samples, with Newcombe's hybrid score interval for p_B − p_A.

    The two-sided p-value sums the hypergeometric probabilities (margins fixed) of every table no more likely
    than the observed one (the "minimum likelihood" rule of R ``fisher.test`` and
    ``scipy.stats.fisher_exact``, with the same 1e-7 relative tolerance for ties). The interval is Newcombe's
    (1998) method 10, built from the two Wilson score intervals; it behaves well for small counts where the
    Wald interval does not. ``z`` is NaN.
    """
    alpha = _open_unit("alpha", alpha)
    ca, na = _check_counts(conversions_a, users_a, "a")
    cb, nb = _check_counts(conversions_b, users_b, "b")
    total, converted = na + nb, ca + cb
    support = np.arange(max(0, na - (total - converted)), min(converted, na) + 1)
    logpmf = stats.hypergeom.logpmf(support, total, converted, na)
    observed = stats.hypergeom.logpmf(ca, total, converted, na)
    p = float(min(1.0, np.exp(logpmf[logpmf <= observed + math.log1p(1e-7)]).sum()))
    ra, rb = ca / na, cb / nb
    diff = rb - ra
    z = _z(alpha)
    la, ua = _wilson(ca, na, z)
    lb, ub = _wilson(cb, nb, z)
    lower = diff - math.sqrt((rb - lb) ** 2 + (ua - ra) ** 2)
    upper = diff + math.sqrt((ub - rb) ** 2 + (ra - la) ** 2)
    return ProportionTestResult(
        rate_a=ra,
        rate_b=rb,
        abs_lift=diff,
        abs_ci=(float(lower), float(upper)),
        z=float("nan"),
        p_value=p,
        method="fisher_exact",
        ci_method="newcombe",
    )


def recommended_proportion_test(
    conversions_a: int, users_a: int, conversions_b: int, users_b: int, alpha: float = 0.05
) -> ProportionTestResult:
    """The pooled z test, or Fisher's exact test when any expected cell count of the 2×2 table is below 5.

    Expected counts under independence are row total × column total / grand total (Cochran's rule, as used for
    the χ² approximation). ``method`` in the result says which test ran.
    """
    ca, na = _check_counts(conversions_a, users_a, "a")
    cb, nb = _check_counts(conversions_b, users_b, "b")
    total, converted = na + nb, ca + cb
    expected = np.outer([na, nb], [converted, total - converted]) / total
    if expected.min() < 5:
        return fisher_exact_test(ca, na, cb, nb, alpha)
    return two_proportion_test(ca, na, cb, nb, alpha)


# ------------------------------------------------------------------------------------------------------------
# Means
# ------------------------------------------------------------------------------------------------------------


def welch_t_test_from_stats(
    mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int, alpha: float = 0.05
) -> MeanTestResult:
    """Welch's t test and interval for mean_B − mean_A from summary statistics (sd with ddof = 1).

    ``se = √(s_A²/n_A + s_B²/n_B)`` and the Welch–Satterthwaite degrees of freedom (Welch 1947)
    ``df = se⁴ / ((s_A²/n_A)²/(n_A−1) + (s_B²/n_B)²/(n_B−1))``; the same as
    ``scipy.stats.ttest_ind_from_stats(..., equal_var=False)`` with the arms swapped.
    """
    alpha = _open_unit("alpha", alpha)
    mean_a, mean_b = _finite_number("mean_a", mean_a), _finite_number("mean_b", mean_b)
    sd_a, sd_b = _finite_number("sd_a", sd_a), _finite_number("sd_b", sd_b)
    for name, value in (("sd_a", sd_a), ("sd_b", sd_b)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    n_a, n_b = _whole("n_a", n_a, minimum=2), _whole("n_b", n_b, minimum=2)
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    if va + vb == 0:
        raise ValueError("sd_a and sd_b must not both be 0 (no variance in the difference), got 0 and 0")
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    diff = mean_b - mean_a
    t = diff / se
    return MeanTestResult(
        mean_a=mean_a,
        mean_b=mean_b,
        difference=diff,
        se=se,
        ci=_ci(diff, float(stats.t.isf(alpha / 2, df)) * se),
        t=t,
        df=float(df),
        p_value=float(2 * stats.t.sf(abs(t), df)),
        method="welch_t",
    )


def welch_t_test(values_a: ArrayLike, values_b: ArrayLike, alpha: float = 0.05) -> MeanTestResult:
    """Welch's t test on raw per-user values (e.g. revenue per visitor, zeros included).

    See :func:`welch_t_test_from_stats`; same as ``scipy.stats.ttest_ind(b, a, equal_var=False)``.
    """
    a, b = _values("values_a", values_a), _values("values_b", values_b)
    return welch_t_test_from_stats(
        float(a.mean()), float(a.std(ddof=1)), a.size, float(b.mean()), float(b.std(ddof=1)), b.size, alpha
    )


# ------------------------------------------------------------------------------------------------------------
# Relative lift
# ------------------------------------------------------------------------------------------------------------


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
    """
    alpha = _open_unit("alpha", alpha)
    method = _choice("method", method, ("delta", "fieller"))
    ma, mb = _finite_number("mean_a", mean_a), _finite_number("mean_b", mean_b)
    va, vb = _finite_number("var_mean_a", var_mean_a), _finite_number("var_mean_b", var_mean_b)
    for name, value in (("var_mean_a", va), ("var_mean_b", vb)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if ma == 0:
        raise ValueError("mean_a must be non-zero (the relative lift divides by the control mean), got 0")
    ratio = mb / ma
    se = math.sqrt(vb / ma**2 + mb**2 * va / ma**4)
    z = _z(alpha)
    if method == "delta":
        return RelativeLiftResult(ratio - 1, _ci(ratio - 1, z * se), se, "delta", True)
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
    """Relative lift of conversion rate p_B/p_A − 1 with :func:`relative_lift_interval` (Var = p(1−p)/n)."""
    ca, na = _check_counts(conversions_a, users_a, "a")
    cb, nb = _check_counts(conversions_b, users_b, "b")
    if ca == 0:
        raise ValueError("conversions_a must be > 0 for a relative lift (the control rate divides), got 0")
    ra, rb = ca / na, cb / nb
    return relative_lift_interval(ra, ra * (1 - ra) / na, rb, rb * (1 - rb) / nb, alpha, method)


# ------------------------------------------------------------------------------------------------------------
# Ratio metrics (delta method)
# ------------------------------------------------------------------------------------------------------------


def _arm_stats(numerator: ArrayLike, denominator: ArrayLike, num_name: str, den_name: str) -> RatioArmStats:
    x = _values(num_name, numerator)
    y = _values(den_name, denominator)
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
    """Sufficient statistics of one arm from per-unit arrays (one value per randomised unit, zeros kept)."""
    return _arm_stats(numerator, denominator, "numerator", "denominator")


def _ratio_and_var(s: RatioArmStats, arm: str) -> tuple[float, float]:
    n = _whole(f"stats_{arm}.n", s.n, minimum=2)
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
    """
    alpha = _open_unit("alpha", alpha)
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
        ci=_ci(diff, _z(alpha) * se),
        z=z,
        p_value=float(2 * stats.norm.sf(abs(z))),
        method="delta",
    )


def ratio_metric_delta(
    numerator_a: ArrayLike,
    denominator_a: ArrayLike,
    numerator_b: ArrayLike,
    denominator_b: ArrayLike,
    alpha: float = 0.05,
) -> RatioMetricResult:
    """:func:`ratio_metric_delta_from_stats` from per-unit arrays (e.g. revenue and orders per visitor)."""
    sa = _arm_stats(numerator_a, denominator_a, "numerator_a", "denominator_a")
    sb = _arm_stats(numerator_b, denominator_b, "numerator_b", "denominator_b")
    return ratio_metric_delta_from_stats(sa, sb, alpha)


# ------------------------------------------------------------------------------------------------------------
# SRM
# ------------------------------------------------------------------------------------------------------------


def srm_check(
    observed_counts: Sequence[int],
    expected_shares: Sequence[float] | None = None,
    block_below: float = 0.001,
    warn_below: float = 0.01,
) -> SrmResult:
    """Sample-ratio-mismatch (SRM) check of the users per arm against the designed shares.

    Pearson χ² goodness of fit with df = arms − 1; the shares default to equal.
    ``status`` is ``"block"`` when p < ``block_below`` (0.001, GrowthBook's default threshold), ``"warn"`` when
    p < ``warn_below`` (0.01, Statsig's warning band), else ``"ok"``. Always pass the designed split: an
    intended 10/90 split is not a mismatch. Example: 50,000 vs 51,000 gives χ² = 9.901, p = 0.00165 → "warn".
    Common causes (Fabijan et al. 2019, "Diagnosing sample ratio mismatch", KDD): bots, redirects, late
    exposure logging, broken assignment.
    """
    counts = np.asarray(observed_counts, dtype=float)
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError(f"observed_counts must list at least two arm counts, got {observed_counts!r}")
    if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.floor(counts)):
        raise ValueError(f"observed_counts must be whole numbers >= 0, got {counts.tolist()}")
    total = counts.sum()
    if total <= 0:
        raise ValueError(f"observed_counts must not all be 0, got {counts.tolist()}")
    shares = _shares("expected_shares", expected_shares, counts.size)
    block = _open_unit("block_below", block_below)
    warn = _open_unit("warn_below", warn_below)
    if block > warn:
        raise ValueError(f"block_below must be <= warn_below ({warn}), got {block}")
    expected = total * shares
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    df = counts.size - 1
    p = float(stats.chi2.sf(chi2, df))
    status: Literal["ok", "warn", "block"] = "block" if p < block else "warn" if p < warn else "ok"
    return SrmResult(
        chi2=chi2,
        df=df,
        p_value=p,
        status=status,
        observed_shares=(counts / total).tolist(),
        expected_shares=shares.tolist(),
        expected_counts=expected.tolist(),
    )


# ------------------------------------------------------------------------------------------------------------
# CUPED
# ------------------------------------------------------------------------------------------------------------


def cuped_adjust(y: ArrayLike, x: ArrayLike, treatment: ArrayLike, alpha: float = 0.05) -> CupedResult:
    """CUPED variance reduction with a pre-experiment covariate (Deng, Xu, Kohavi & Walker 2013, WSDM).

    ``θ = cov(y, x) / var(x)`` pooled over both arms (as the paper and GrowthBook), adjusted outcome
    ``y' = y − θ(x − x̄)`` with x̄ the pooled mean; the mean difference is unchanged in expectation and its
    variance falls by about ρ². Both the unadjusted and the adjusted differences are tested with Welch's t
    (:func:`welch_t_test`), ignoring the estimation error in θ (negligible at A/B-test sizes).
    ``treatment`` is a boolean mask (True = B, False = A). ``variance_reduction`` = 1 − SE_adj²/SE_unadj², the
    share of the variance of the estimated difference removed; ``correlation`` is the pooled ρ(y, x).
    ``covariate_balance_p`` is Welch's p for a difference in x between arms: a value below 0.001 signals a
    pre-period imbalance (broken randomisation or a covariate affected by the treatment).
    The adjusted difference differs from the ANCOVA coefficient (OLS y ~ treatment + x) only through θ being
    pooled rather than within-arm: difference_ancova − difference_cuped = (θ − β_within)(x̄_B − x̄_A).
    """
    yv = _values("y", y)
    xv = _values("x", x)
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
    return CupedResult(
        theta=theta,
        correlation=corr,
        variance_reduction=1 - adj.se**2 / raw.se**2,
        unadjusted=raw,
        adjusted=adj,
        covariate_balance_p=balance.p_value,
    )


CUPED_STAT_KEYS = ("n", "sum_y", "sum_y_sq", "sum_x", "sum_x_sq", "sum_xy")


def _cuped_arm(name: str, arm: Mapping[str, float]) -> dict[str, float]:
    missing = [k for k in CUPED_STAT_KEYS if k not in arm]
    if missing:
        raise ValueError(f"{name} must give {', '.join(CUPED_STAT_KEYS)}; missing {', '.join(missing)}")
    out = {k: _finite_number(f"{name}['{k}']", arm[k]) for k in CUPED_STAT_KEYS}
    out["n"] = float(_whole(f"{name}['n']", out["n"], minimum=2))
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
    pre-period (see :func:`ecomops.abdata.cuped_arm_stats`). Arm A is the control.

    Same conventions as :func:`cuped_adjust`, so the results agree to rounding: θ is pooled over both arms
    around the pooled means, ``θ = Σ(y − ȳ)(x − x̄) / Σ(x − x̄)²`` with the sums over all N = n_A + n_B
    units; per arm the adjusted mean is ``ȳ_k − θ(x̄_k − x̄)`` and the adjusted variance
    ``s²_y,k − 2θ·s_xy,k + θ²·s²_x,k`` (ddof = 1); Welch's t on the unadjusted and adjusted values
    (:func:`welch_t_test_from_stats`) and on x for ``covariate_balance_p``. Centred sums are computed as
    Σuv − ΣuΣv/n, which loses precision only when the means are huge relative to the spread.
    """
    alpha = _open_unit("alpha", alpha)
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
    return CupedResult(
        theta=theta,
        correlation=corr,
        variance_reduction=1 - adj.se**2 / raw.se**2,
        unadjusted=raw,
        adjusted=adj,
        covariate_balance_p=balance.p_value,
    )


# ------------------------------------------------------------------------------------------------------------
# Multiple comparisons
# ------------------------------------------------------------------------------------------------------------


def _p_values(p_values: ArrayLike) -> np.ndarray:
    p = _values("p_values", p_values, min_size=1)
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"p_values must all be between 0 and 1, got {p.tolist()}")
    return p


def holm_adjust(p_values: ArrayLike) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (family-wise error rate), returned in input order.

    With p₍₁₎ ≤ … ≤ p₍ₘ₎: ``p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎)``. Use across the variants of one
    experiment on its primary metric.
    """
    p = _p_values(p_values)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.maximum.accumulate(scaled)
    return out


def benjamini_hochberg_adjust(p_values: ArrayLike) -> np.ndarray:
    """Benjamini–Hochberg (1995) adjusted p-values (false discovery rate), returned in input order.

    With p₍₁₎ ≤ … ≤ p₍ₘ₎: ``p̃₍ᵢ₎ = min_{j ≥ i} min(1, m·p₍ⱼ₎ / j)``. Use for exploratory metrics and
    segments.
    """
    p = _p_values(p_values)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, m * p[order] / np.arange(1, m + 1))
    out = np.empty(m)
    out[order] = np.minimum.accumulate(scaled[::-1])[::-1]
    return out


# ------------------------------------------------------------------------------------------------------------
# Bayesian: exact beta-binomial
# ------------------------------------------------------------------------------------------------------------

_CLOSED_FORM_MAX_TERMS = 1_000_000


def _is_whole(v: float) -> bool:
    return float(v).is_integer()


def _prob_greater_closed(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X₁ > X₂), X₁ ~ Beta(a1, b1), X₂ ~ Beta(a2, b2), for whole a1 (Evan Miller 2015, in log space):
    Σ_{i=0}^{a1−1} B(a2 + i, b1 + b2) / ((b1 + i)·B(1 + i, b1)·B(a2, b2))."""
    i = np.arange(int(a1), dtype=float)
    log_terms = (
        special.betaln(a2 + i, b1 + b2) - np.log(b1 + i) - special.betaln(1 + i, b1) - special.betaln(a2, b2)
    )
    return float(np.exp(special.logsumexp(log_terms)))


def _prob_greater_quad(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X₁ > X₂) = ∫ f₂(x)·S₁(x) dx by adaptive quadrature over the window holding all but 2e-15 of X₂'s
    mass, split at the means so the narrow posterior peaks of large samples are resolved."""
    lo, hi = stats.beta.ppf(1e-15, a2, b2), stats.beta.isf(1e-15, a2, b2)
    cuts = sorted({lo, hi, *(m for m in (a1 / (a1 + b1), a2 / (a2 + b2)) if lo < m < hi)})
    total = 0.0
    for left, right in zip(cuts[:-1], cuts[1:]):
        value, _ = integrate.quad(
            lambda t: stats.beta.pdf(t, a2, b2) * stats.beta.sf(t, a1, b1),
            left,
            right,
            epsabs=1e-13,
            epsrel=1e-11,
            limit=200,
        )
        total += value
    return float(min(1.0, max(0.0, total)))


def _prob_greater(a1: float, b1: float, a2: float, b2: float) -> tuple[float, str]:
    if _is_whole(a1) and a1 <= min(a2 if _is_whole(a2) else math.inf, _CLOSED_FORM_MAX_TERMS):
        return _prob_greater_closed(a1, b1, a2, b2), "closed_form"
    if _is_whole(a2) and a2 <= _CLOSED_FORM_MAX_TERMS:
        return 1.0 - _prob_greater_closed(a2, b2, a1, b1), "closed_form"
    return _prob_greater_quad(a1, b1, a2, b2), "quadrature"


def beta_binomial_prob_beat(
    conversions_a: int,
    users_a: int,
    conversions_b: int,
    users_b: int,
    prior_alpha: float = 1.0,
    prior_beta: float = 1.0,
) -> BayesResult:
    """Exact posterior probability that B converts better than A, and the expected loss of each choice.

    Posteriors p_A ~ Beta(α₀ + c_A, β₀ + n_A − c_A), p_B likewise (same prior for both arms; Beta(1, 1)
    uniform by default, Beta(0.5, 0.5) is Jeffreys'). ``P(p_B > p_A)`` uses Evan Miller's closed-form sum
    ("Formulas for Bayesian A/B testing", 2015) evaluated in log space when a posterior α is a whole number
    (up to 10⁶ terms), otherwise adaptive quadrature ∫ f_A(x)·P(p_B > x) dx over the region holding the
    posterior mass; both are exact to ~1e-10, also for large samples (no normal approximation).
    Expected loss (Stucchio 2014) in closed form through the same function: with A⁺ ~ Beta(α_A + 1, β_A),
    ``E[max(p_A − p_B, 0)] = μ_A·P(A⁺ > B) − μ_B·P(A > B⁺)``.
    Example: 3/20 vs 7/20 with a uniform prior gives P(B > A) = 0.9205. A Bayesian readout is not protected
    against peeking: decide the stopping rule in advance.
    """
    ca, na = _check_counts(conversions_a, users_a, "a")
    cb, nb = _check_counts(conversions_b, users_b, "b")
    a0, b0 = _positive("prior_alpha", prior_alpha), _positive("prior_beta", prior_beta)
    aa, ba = a0 + ca, b0 + na - ca
    ab, bb = a0 + cb, b0 + nb - cb
    mean_a, mean_b = aa / (aa + ba), ab / (ab + bb)
    prob_b, how = _prob_greater(ab, bb, aa, ba)
    # E[max(p_A − p_B, 0)] and E[max(p_B − p_A, 0)]
    loss_b = mean_a * _prob_greater(aa + 1, ba, ab, bb)[0] - mean_b * _prob_greater(aa, ba, ab + 1, bb)[0]
    loss_a = mean_b * _prob_greater(ab + 1, bb, aa, ba)[0] - mean_a * _prob_greater(ab, bb, aa + 1, ba)[0]
    return BayesResult(
        prob_b_beats_a=prob_b,
        expected_loss_b=max(loss_b, 0.0),
        expected_loss_a=max(loss_a, 0.0),
        mean_a=mean_a,
        mean_b=mean_b,
        posterior_a=(aa, ba),
        posterior_b=(ab, bb),
        method=how,
    )


# ------------------------------------------------------------------------------------------------------------
# Always-valid inference
# ------------------------------------------------------------------------------------------------------------


def _looks(names: Sequence[str], values: Sequence[object]) -> list[np.ndarray]:
    arrays = []
    for name, value in zip(names, values):
        arr = np.atleast_1d(np.asarray(value, dtype=float))
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
            raise ValueError(
                f"{name} must be a number or a 1-D sequence of cumulative values, one per look, got {value!r}"
            )
        arrays.append(arr)
    sizes = {a.size for a in arrays}
    if len(sizes) != 1:
        joined = ", ".join(names)
        raise ValueError(f"{joined} must have the same number of looks, got {[a.size for a in arrays]}")
    return arrays


def _sequential(
    method: str, diff: np.ndarray, var: np.ndarray, p_look: np.ndarray, half_look: np.ndarray, alpha: float
) -> SequentialResult:
    p_run = np.minimum.accumulate(p_look)
    lower = np.maximum.accumulate(diff - half_look)
    upper = np.minimum.accumulate(diff + half_look)
    empty = lower > upper  # an empty running intersection (probability <= alpha under the model)
    lower, upper = np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)
    se = math.sqrt(var[-1])
    fixed_half = _z(alpha) * se
    z = diff[-1] / se
    return SequentialResult(
        method=method,
        difference=float(diff[-1]),
        always_valid_p=float(p_run[-1]),
        always_valid_ci=(float(lower[-1]), float(upper[-1])),
        fixed_p_value=float(2 * stats.norm.sf(abs(z))),
        fixed_ci=_ci(float(diff[-1]), fixed_half),
        width_ratio=float((upper[-1] - lower[-1]) / (2 * fixed_half)),
        n_looks=int(diff.size),
        p_by_look=tuple(float(v) for v in p_run),
        ci_lower_by_look=tuple(float(v) for v in lower),
        ci_upper_by_look=tuple(float(v) for v in upper),
    )


def _proportion_looks(conversions_a, users_a, conversions_b, users_b):
    names = ("conversions_a", "users_a", "conversions_b", "users_b")
    ca, na, cb, nb = _looks(names, (conversions_a, users_a, conversions_b, users_b))
    for arm, c, n in (("a", ca, na), ("b", cb, nb)):
        if np.any(n < 1) or np.any(c < 0) or np.any(c > n):
            raise ValueError(
                f"conversions_{arm} and users_{arm} must satisfy 0 <= conversions <= users and users >= 1, "
                f"got {c.tolist()} and {n.tolist()}"
            )
    ra, rb = ca / na, cb / nb
    var = ra * (1 - ra) / na + rb * (1 - rb) / nb
    if np.any(var <= 0):
        raise ValueError(
            "conversions_a and conversions_b give a zero variance at some look (all 0 % or all 100 %); "
            "wait for conversions"
        )
    return rb - ra, var, na + nb


def msprt_two_proportions(
    conversions_a: int | Sequence[int],
    users_a: int | Sequence[int],
    conversions_b: int | Sequence[int],
    users_b: int | Sequence[int],
    tau: float = 0.01,
    alpha: float = 0.05,
    theta0: float = 0.0,
) -> SequentialResult:
    """Mixture sequential probability ratio test (mSPRT): always-valid p-value and interval for p_B − p_A.

    Johari, Koomen, Pekelis & Walsh, "Always valid inference" (2017; Operations Research 2022), normal mixing
    distribution N(θ₀, τ²) on the absolute difference. With Δ̂ = p̂_B − p̂_A and
    σ² = p̂_A(1−p̂_A)/n_A + p̂_B(1−p̂_B)/n_B, ``Λ = √(σ²/(σ² + τ²))·exp(τ²(Δ̂ − θ₀)² / (2σ²(σ² + τ²)))``; with
    n users per arm this is the familiar ``√(V/(V + nτ²))·exp(n²τ²(Δ̂ − θ₀)²/(2V(V + nτ²)))`` with
    V = p_A(1−p_A) + p_B(1−p_B). The always-valid p-value is the running minimum of min(1, 1/Λ) over the
    looks; the interval is the running intersection of {θ₀ : Λ(θ₀) < 1/α}. Pass cumulative counts at each
    look (sequences) or only the current totals. ``tau`` is on the absolute difference scale (0.01 = 1
    percentage point): choose it near the effects you expect. Example: 1000/10000 vs 1100/10000 with
    τ = 0.01 gives p = 0.268 (fixed-horizon 0.021).
    """
    alpha = _open_unit("alpha", alpha)
    tau = _positive("tau", tau)
    theta0 = _finite_number("theta0", theta0)
    diff, var, _ = _proportion_looks(conversions_a, users_a, conversions_b, users_b)
    t2 = tau * tau
    log_lambda = 0.5 * np.log(var / (var + t2)) + t2 * (diff - theta0) ** 2 / (2 * var * (var + t2))
    p_look = np.minimum(1.0, np.exp(-log_lambda))
    half = np.sqrt(2 * var * (var + t2) / t2 * (math.log(1 / alpha) + 0.5 * np.log1p(t2 / var)))
    return _sequential("msprt", diff, var, p_look, half, alpha)


def _asymptotic_cs(diff: np.ndarray, var: np.ndarray, t: np.ndarray, alpha: float, n_star: float):
    # rho² minimises the width at t = n_star (Waudby-Smith et al. 2021, eq. for the optimal rho)
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / n_star
    tr = t * rho2
    p_look = np.minimum(1.0, np.sqrt(tr + 1) * np.exp(-tr / (tr + 1) * diff**2 / var / 2))
    half = np.sqrt(var * 2 * (tr + 1) / tr * np.log(np.sqrt(tr + 1) / alpha))
    return p_look, half


def confidence_sequence_difference(
    mean_a: float | Sequence[float],
    sd_a: float | Sequence[float],
    n_a: int | Sequence[int],
    mean_b: float | Sequence[float],
    sd_b: float | Sequence[float],
    n_b: int | Sequence[int],
    alpha: float = 0.05,
    n_star: float = 5000,
) -> SequentialResult:
    """Asymptotic confidence sequence (always-valid interval and p-value) for mean_B − mean_A.

    Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2021), "Time-uniform central limit theory and asymptotic
    confidence sequences" (arXiv 2103.06476), parametrised as in GrowthBook's sequential engine.

    With t = n_A + n_B, σ² = s_A²/n_A + s_B²/n_B (the variance of the estimated difference) and
    ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*, the interval is ``Δ̂ ± √(σ²·2(tρ² + 1)/(tρ²)·ln(√(tρ² + 1)/α))`` and
    the p-value is 1/e-value, ``e = exp(tρ²/(tρ² + 1)·Δ̂²/(2σ²)) / √(tρ² + 1)``. The sequence is narrowest
    around t = N* (``n_star``, total users): set it to the planned total sample size (GrowthBook's default is
    5000). With several looks (cumulative values) the p-value is the running minimum and the interval the
    running intersection. Example: 1000/10000 vs 1100/10000 with N* = 5000 gives p = 0.434.
    """
    alpha = _open_unit("alpha", alpha)
    n_star = _positive("n_star", n_star)
    ma, sa, na, mb, sb, nb = _looks(
        ("mean_a", "sd_a", "n_a", "mean_b", "sd_b", "n_b"), (mean_a, sd_a, n_a, mean_b, sd_b, n_b)
    )
    for name, arr in (("n_a", na), ("n_b", nb)):
        if np.any(arr < 1):
            raise ValueError(f"{name} must be >= 1 at every look, got {arr.tolist()}")
    for name, arr in (("sd_a", sa), ("sd_b", sb)):
        if np.any(arr < 0):
            raise ValueError(f"{name} must be >= 0 at every look, got {arr.tolist()}")
    var = sa**2 / na + sb**2 / nb
    if np.any(var <= 0):
        raise ValueError("sd_a and sd_b must not both be 0 at any look (no sampling variance)")
    diff = mb - ma
    p_look, half = _asymptotic_cs(diff, var, na + nb, alpha, n_star)
    return _sequential("asymptotic_cs", diff, var, p_look, half, alpha)


def confidence_sequence_proportions(
    conversions_a: int | Sequence[int],
    users_a: int | Sequence[int],
    conversions_b: int | Sequence[int],
    users_b: int | Sequence[int],
    alpha: float = 0.05,
    n_star: float = 5000,
) -> SequentialResult:
    """:func:`confidence_sequence_difference` for conversion rates (per-user variance p(1 − p))."""
    alpha = _open_unit("alpha", alpha)
    n_star = _positive("n_star", n_star)
    diff, var, t = _proportion_looks(conversions_a, users_a, conversions_b, users_b)
    p_look, half = _asymptotic_cs(diff, var, t, alpha, n_star)
    return _sequential("asymptotic_cs", diff, var, p_look, half, alpha)


# ------------------------------------------------------------------------------------------------------------
# Peeking simulation
# ------------------------------------------------------------------------------------------------------------


def simulate_peeking_false_positive_rate(
    n_looks: int,
    n_per_arm_final: int,
    baseline_rate: float,
    alpha: float = 0.05,
    n_simulations: int = 10_000,
    seed: int | None = 0,
) -> float:
    """Simulated false-positive rate of A/A tests that are checked at ``n_looks`` looks (peeking).

    An A/A test (no true difference) counts as a false positive when the pooled z test of
    :func:`two_proportion_test` gives p < α at any of ``n_looks`` equally spaced looks.
    Looks are after round(k·n_per_arm_final/n_looks) users per arm, k = 1…n_looks; conversions are simulated
    as binomial increments between looks (vectorised, ``numpy.random.default_rng(seed)``, in chunks of
    simulations). With one look the rate is ≈ α; with 5 looks at α = 0.05 it is ≈ 0.142 and with 20 looks ≈
    0.25 (Armitage, McPherson & Rowe 1969). Monte Carlo standard error: √(rate·(1 − rate)/n_simulations).
    """
    k = _whole("n_looks", n_looks, minimum=1)
    n_final = _whole("n_per_arm_final", n_per_arm_final, minimum=1)
    if n_final < k:
        raise ValueError(f"n_per_arm_final must be >= n_looks ({k}), got {n_per_arm_final}")
    p = _open_unit("baseline_rate", baseline_rate)
    alpha = _open_unit("alpha", alpha)
    sims = _whole("n_simulations", n_simulations, minimum=1)
    rng = np.random.default_rng(seed)
    sizes = np.round(np.arange(1, k + 1) * n_final / k).astype(np.int64)
    increments = np.diff(sizes, prepend=0)
    z_crit = _z(alpha)
    chunk = max(1, 2_000_000 // k)
    rejected = 0
    for start in range(0, sims, chunk):
        m = min(chunk, sims - start)
        ca = np.cumsum(rng.binomial(increments, p, size=(m, k)), axis=1)
        cb = np.cumsum(rng.binomial(increments, p, size=(m, k)), axis=1)
        pooled = (ca + cb) / (2 * sizes)
        se = np.sqrt(pooled * (1 - pooled) * 2 / sizes)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, (cb - ca) / sizes / se, 0.0)
        rejected += int(np.any(np.abs(z) > z_crit, axis=1).sum())
    return rejected / sims


# ------------------------------------------------------------------------------------------------------------
# Test design tables (used by the ab_test_design template)
# ------------------------------------------------------------------------------------------------------------

SAMPLE_SIZE_METHODS = ("pooled", "evan_miller", "arcsine")


def sample_size_alternatives(
    baseline_rate: float,
    mde: float,
    mde_kind: Literal["absolute", "relative"] = "absolute",
    alpha: float = 0.05,
    power: float = 0.8,
    allocation: Sequence[float] | None = None,
    n_arms: int | None = None,
) -> dict[str, SampleSizeResult]:
    """The same design computed with each of the three sample-size formulas (see
    :func:`sample_size_two_proportions`), keyed by method name."""
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

    One row per MDE with ``mde, treatment_rate, n_per_arm_max, n_total, days, weeks``; values of the MDE that
    give an impossible treatment rate are left out.
    """
    rows = []
    for mde in mde_values:
        try:
            size = sample_size_two_proportions(baseline_rate, mde, mde_kind, alpha, power, method, allocation, n_arms)
        except ValueError:
            continue
        duration = test_duration(size.n_total, daily_visitors)
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
    """Power reached as the sample grows, for each formula: one row per (method, power) with the users per arm
    (largest arm) that the formula says give that power. Read it as a curve of power against users."""
    grid = np.linspace(0.5, 0.99, 50) if powers is None else np.asarray(powers, dtype=float)
    rows = []
    for method in SAMPLE_SIZE_METHODS:
        for power in grid:
            if power <= alpha:
                continue
            size = sample_size_two_proportions(baseline_rate, mde, mde_kind, alpha, float(power), method, allocation, n_arms)
            rows.append({"method": method, "power": float(power), "n_per_arm_max": max(size.n_per_arm_unrounded)})
    return pd.DataFrame(rows)


def design_recommendation(
    size: SampleSizeResult, duration: DurationResult, baseline_rate: float, mde: float,
    mde_kind: str, alpha: float, power: float, alternatives: dict[str, SampleSizeResult],
) -> str:
    """Plain-language design summary: users per arm, whole weeks, and what the other formulas would say."""
    change = f"{mde * 100:g} points" if mde_kind == "absolute" else f"{mde:.0%} of the baseline"
    arms = len(size.n_per_arm)
    per_arm = (
        f"{size.n_per_arm[0]:,} users per arm" if len(set(size.n_per_arm)) == 1
        else "users per arm " + " / ".join(f"{n:,}" for n in size.n_per_arm) + " (control first)"
    )
    others = ", ".join(
        f"{name.replace('_', ' ')} {max(result.n_per_arm):,}" for name, result in alternatives.items() if name != size.method
    )
    return (
        f"Run the test for {duration.weeks} whole week(s) ({duration.days_to_run} days; the traffic needs "
        f"{duration.days}) with {per_arm}, {size.n_total:,} in total over {arms} arms, to detect a change of "
        f"{change} from a baseline of {baseline_rate:.2%} with {power:.0%} power at a two-sided α of {alpha:g}"
        f"{' (Bonferroni: ' + format(size.alpha_per_comparison, '.4g') + ' per comparison)' if arms > 2 else ''}. "
        f"Formula: {size.method.replace('_', ' ')}; the other formulas would ask for {others} users in the "
        "largest arm. Decide the stopping day now and do not stop early on a good-looking p-value."
    )

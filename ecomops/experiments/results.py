"""Result types of :mod:`ecomops.experiments`: frozen dataclasses, one per kind of answer.

Arm A is the control and arm B the treatment; every difference is B − A and every interval a ``1 − alpha``
interval (see the package docstring for the conventions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
]


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

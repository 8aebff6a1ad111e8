"""Always-valid (sequential) inference, and a simulation of what peeking costs a fixed-horizon test.

A fixed-horizon p-value is valid only at the one sample size planned in advance; checking it repeatedly and
stopping at the first p < α inflates the false-positive rate (Armitage, McPherson & Rowe 1969). The mixture
sequential probability ratio test (mSPRT) and the asymptotic confidence sequence give p-values and intervals
that stay valid however often they are looked at.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import finite_number, open_unit, positive, whole_number
from ._common import interval, z_critical
from .results import SequentialResult

__all__ = [
    "msprt_two_proportions",
    "confidence_sequence_difference",
    "confidence_sequence_proportions",
    "simulate_peeking_false_positive_rate",
]


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
    fixed_half = z_critical(alpha) * se
    z = diff[-1] / se
    return SequentialResult(
        method=method,
        difference=float(diff[-1]),
        always_valid_p=float(p_run[-1]),
        always_valid_ci=(float(lower[-1]), float(upper[-1])),
        fixed_p_value=float(2 * scipy.stats.norm.sf(abs(z))),
        fixed_ci=interval(float(diff[-1]), fixed_half),
        width_ratio=float((upper[-1] - lower[-1]) / (2 * fixed_half)),
        n_looks=int(diff.size),
        p_by_look=tuple(float(v) for v in p_run),
        ci_lower_by_look=tuple(float(v) for v in lower),
        ci_upper_by_look=tuple(float(v) for v in upper),
    )


def _proportion_looks(
    conversions_a: object, users_a: object, conversions_b: object, users_b: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(difference, its variance, total users) at each look, from cumulative counts."""
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

    Parameters
    ----------
    conversions_a, users_a, conversions_b, users_b : int or sequence of int
        Cumulative counts per arm, one value per look (or only the current totals); at every look
        0 <= conversions <= users, users >= 1, and not both arms at 0 % or at 100 %.
    tau : float
        Standard deviation of the normal mixing distribution, on the absolute difference scale (> 0).
    alpha : float
        Two-sided level of the always-valid interval.
    theta0 : float
        The difference under the null hypothesis (0: no difference).

    Returns
    -------
    SequentialResult
        With ``method="msprt"``.
    """
    alpha = open_unit("alpha", alpha)
    tau = positive("tau", tau)
    theta0 = finite_number("theta0", theta0)
    diff, var, _ = _proportion_looks(conversions_a, users_a, conversions_b, users_b)
    t2 = tau * tau
    log_lambda = 0.5 * np.log(var / (var + t2)) + t2 * (diff - theta0) ** 2 / (2 * var * (var + t2))
    p_look = np.minimum(1.0, np.exp(-log_lambda))
    half = np.sqrt(2 * var * (var + t2) / t2 * (math.log(1 / alpha) + 0.5 * np.log1p(t2 / var)))
    return _sequential("msprt", diff, var, p_look, half, alpha)


def _asymptotic_cs(
    diff: np.ndarray, var: np.ndarray, t: np.ndarray, alpha: float, n_star: float
) -> tuple[np.ndarray, np.ndarray]:
    """(p-value, interval half-width) at each look of the asymptotic confidence sequence."""
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

    This is the normal-mixture boundary of Howard, Ramdas, McAuliffe & Sekhon (2021), "Time-uniform,
    nonparametric, nonasymptotic confidence sequences", Annals of Statistics 49(2), applied to the
    standardised difference: with S = t·Δ̂/s (s² = t·σ² the per-unit variance) and a N(0, ρ²) mixture,
    ``e = ∫ exp(λS − λ²t/2) dN(0, ρ²)(λ)``, which is the expression above.

    Parameters
    ----------
    mean_a, sd_a, n_a : float or sequence
        Mean, standard deviation (>= 0) and size (>= 1) of the control at each look (cumulative), or only now.
    mean_b, sd_b, n_b : float or sequence
        The same for the treatment, with as many looks.
    alpha : float
        Two-sided level.
    n_star : float
        The total sample size at which the sequence is tuned to be narrowest (> 0).

    Returns
    -------
    SequentialResult
        With ``method="asymptotic_cs"``.
    """
    alpha = open_unit("alpha", alpha)
    n_star = positive("n_star", n_star)
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
    """:func:`confidence_sequence_difference` for conversion rates (per-user variance p(1 − p)).

    Parameters
    ----------
    conversions_a, users_a, conversions_b, users_b : int or sequence of int
        Cumulative counts per look, as in :func:`msprt_two_proportions`.
    alpha, n_star
        As in :func:`confidence_sequence_difference`.

    Returns
    -------
    SequentialResult
    """
    alpha = open_unit("alpha", alpha)
    n_star = positive("n_star", n_star)
    diff, var, t = _proportion_looks(conversions_a, users_a, conversions_b, users_b)
    p_look, half = _asymptotic_cs(diff, var, t, alpha, n_star)
    return _sequential("asymptotic_cs", diff, var, p_look, half, alpha)


# ------------------------------------------------------------------------------------------------------------
# Peeking simulation


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
    :func:`~ecomops.experiments.two_proportion_test` gives p < α at any of ``n_looks`` equally spaced looks.
    Looks are after round(k·n_per_arm_final/n_looks) users per arm, k = 1…n_looks; conversions are simulated
    as binomial increments between looks (vectorised, ``numpy.random.default_rng(seed)``, in chunks of
    simulations). With one look the rate is ≈ α; with 5 looks at α = 0.05 it is ≈ 0.142 and with 20 looks ≈
    0.25 (Armitage, McPherson & Rowe 1969). Monte Carlo standard error: √(rate·(1 − rate)/n_simulations).

    Parameters
    ----------
    n_looks : int
        Number of equally spaced looks (>= 1).
    n_per_arm_final : int
        Users per arm at the last look (>= n_looks).
    baseline_rate : float
        The common conversion rate of both arms, strictly between 0 and 1.
    alpha : float
        Two-sided level of the test at each look.
    n_simulations : int
        Number of simulated A/A tests (>= 1).
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same rate.

    Returns
    -------
    float
        The share of simulated A/A tests declared significant at some look.
    """
    k = whole_number("n_looks", n_looks, minimum=1)
    n_final = whole_number("n_per_arm_final", n_per_arm_final, minimum=1)
    if n_final < k:
        raise ValueError(f"n_per_arm_final must be >= n_looks ({k}), got {n_per_arm_final}")
    p = open_unit("baseline_rate", baseline_rate)
    alpha = open_unit("alpha", alpha)
    sims = whole_number("n_simulations", n_simulations, minimum=1)
    rng = np.random.default_rng(seed)
    sizes = np.round(np.arange(1, k + 1) * n_final / k).astype(np.int64)
    increments = np.diff(sizes, prepend=0)
    z_crit = z_critical(alpha)
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

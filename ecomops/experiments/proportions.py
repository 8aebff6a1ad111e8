"""Conversion rates: the pooled two-proportion z test, Fisher's exact test, and the rule that picks between them.

Counts are taken as Python integers, so tables of 10¹² users per arm work: products of counts never overflow,
and Fisher's p-value is summed only over the tables that carry probability (never over the whole support).
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import open_unit
from ._common import check_counts, interval, z_critical
from .results import ProportionTestResult

__all__ = ["two_proportion_test", "fisher_exact_test", "recommended_proportion_test"]

# Fisher's p-value: tables within this relative tolerance of the observed probability count as ties (as R's
# fisher.test and scipy.stats.fisher_exact)
_TIE_TOLERANCE = 1e-7
# log-probabilities are summed in chunks of this many tables (bounded memory for any size of table)
_CHUNK = 1 << 18
# stop walking away from the mode once a table is this much (in log units) less likely than both the observed
# table and the mode: everything further out adds less than e^-60 relative to the p-value
_LOG_MARGIN = 60.0
# below this log-probability relative to the mode the p-value is 0 in double precision, whatever the size
_LOG_UNDERFLOW = -850.0


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

    Parameters
    ----------
    conversions_a, users_a : int
        Converted users and users of the control (0 <= conversions <= users, users >= 1).
    conversions_b, users_b : int
        The same for the treatment.
    alpha : float
        Two-sided level; the interval is a 1 − alpha interval.

    Returns
    -------
    ProportionTestResult
        With ``method="pooled_z"`` and ``ci_method="wald"``. When both arms are at 0 % (or both at 100 %) there
        is no evidence of a difference: z = 0 and p = 1.
    """
    alpha = open_unit("alpha", alpha)
    ca, na = check_counts(conversions_a, users_a, "a")
    cb, nb = check_counts(conversions_b, users_b, "b")
    ra, rb = ca / na, cb / nb
    diff = rb - ra
    pooled = (ca + cb) / (na + nb)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    if se0 == 0:  # both arms 0 % or both 100 %: no evidence of a difference
        z, p = 0.0, 1.0
    else:
        z = diff / se0
        p = float(2 * scipy.stats.norm.sf(abs(z)))
    se1 = math.sqrt(ra * (1 - ra) / na + rb * (1 - rb) / nb)
    return ProportionTestResult(
        rate_a=ra,
        rate_b=rb,
        abs_lift=diff,
        abs_ci=interval(diff, z_critical(alpha) * se1),
        z=float(z),
        p_value=p,
        method="pooled_z",
        ci_method="wald",
    )


def _wilson(c: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927) score interval for c successes in n trials at critical value z."""
    p = c / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


class _Hypergeometric:
    """X = conversions in arm A given the margins: Hypergeometric(total, converted, users_a), in log space
    relative to the mode, computed from the ratios of neighbouring probabilities (no log-factorials of huge
    numbers, whose rounding would swamp the differences that matter)."""

    def __init__(self, total: int, converted: int, users_a: int) -> None:
        self.total, self.converted, self.users_a = total, converted, users_a
        self.low = max(0, users_a - (total - converted))
        self.high = min(converted, users_a)
        mode = (users_a + 1) * (converted + 1) // (total + 2)  # exact in Python integers
        self.mode = min(max(mode, self.low), self.high)

    def _step(self, k: np.ndarray) -> np.ndarray:
        """log P(X = k + 1) − log P(X = k), for low <= k < high."""
        other = float(self.total - self.converted - self.users_a)
        return np.log((self.converted - k) / (k + 1)) + np.log((self.users_a - k) / (other + k + 1))

    def walk(self, direction: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Chunks of (k, log P(X = k) − log P(X = mode)) moving away from the mode, ``direction`` ±1."""
        level, k = 0.0, self.mode
        end = self.high if direction > 0 else self.low
        while k != end:
            size = min(_CHUNK, abs(end - k))
            offsets = np.arange(size, dtype=float)
            if direction > 0:
                steps = self._step(k + offsets)
            else:
                steps = -self._step(k - 1 - offsets)
            rel = level + np.cumsum(steps)
            yield k + direction * (offsets + 1), rel
            level, k = float(rel[-1]), k + direction * size

    def log_relative(self, x: int) -> float:
        """log P(X = x) − log P(X = mode), or -inf when it is below the underflow level."""
        if x == self.mode:
            return 0.0
        for ks, rel in self.walk(1 if x > self.mode else -1):
            hit = np.nonzero(ks == x)[0]
            if hit.size:
                return float(rel[hit[0]])
            if rel[-1] < _LOG_UNDERFLOW:  # x is further out still: its probability underflows
                return -math.inf
        raise AssertionError("x lies outside the support")  # pragma: no cover - callers check the margins


def _fisher_p_value(ca: int, na: int, cb: int, nb: int) -> float:
    """Two-sided Fisher p-value: the probability of every table no more likely than the observed one."""
    dist = _Hypergeometric(na + nb, ca + cb, na)
    observed = dist.log_relative(ca)
    if observed == -math.inf:
        return 0.0
    threshold = observed + math.log1p(_TIE_TOLERANCE)
    stop = min(observed, 0.0) - _LOG_MARGIN
    total = 1.0  # the mode, relative to itself
    tail = 1.0 if 0.0 <= threshold else 0.0
    for direction in (1, -1):
        for _, rel in dist.walk(direction):
            probs = np.exp(rel)
            total += float(probs.sum())
            tail += float(probs[rel <= threshold].sum())
            if rel[-1] < stop:
                break
    return float(min(1.0, tail / total))


def fisher_exact_test(
    conversions_a: int, users_a: int, conversions_b: int, users_b: int, alpha: float = 0.05
) -> ProportionTestResult:
    """Fisher's exact test for small samples, with Newcombe's hybrid score interval for p_B − p_A.

    The two-sided p-value sums the hypergeometric probabilities (margins fixed) of every table no more likely
    than the observed one (the "minimum likelihood" rule of R ``fisher.test`` and
    ``scipy.stats.fisher_exact``, with the same 1e-7 relative tolerance for ties). The probabilities are built
    from the ratios of neighbouring tables, walking out from the most likely table only as far as tables still
    matter, so the cost follows the spread of the distribution and not the number of users (10¹² users per arm
    take well under a second). The interval is Newcombe's (1998) method 10, built from the two Wilson score
    intervals; it behaves well for small counts where the Wald interval does not.

    Parameters
    ----------
    conversions_a, users_a, conversions_b, users_b : int
        As in :func:`two_proportion_test`.
    alpha : float
        Two-sided level of the interval.

    Returns
    -------
    ProportionTestResult
        With ``method="fisher_exact"``, ``ci_method="newcombe"`` and ``z`` NaN.
    """
    alpha = open_unit("alpha", alpha)
    ca, na = check_counts(conversions_a, users_a, "a")
    cb, nb = check_counts(conversions_b, users_b, "b")
    p = _fisher_p_value(ca, na, cb, nb)
    ra, rb = ca / na, cb / nb
    diff = rb - ra
    z = z_critical(alpha)
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
    the χ² approximation); the smallest is (smaller arm) × (smaller of converted and not converted) / total,
    compared in exact integer arithmetic.

    Parameters
    ----------
    conversions_a, users_a, conversions_b, users_b : int
        As in :func:`two_proportion_test`.
    alpha : float
        Two-sided level.

    Returns
    -------
    ProportionTestResult
        ``method`` says which test ran (``"pooled_z"`` or ``"fisher_exact"``).
    """
    ca, na = check_counts(conversions_a, users_a, "a")
    cb, nb = check_counts(conversions_b, users_b, "b")
    total, converted = na + nb, ca + cb
    if min(na, nb) * min(converted, total - converted) < 5 * total:
        return fisher_exact_test(ca, na, cb, nb, alpha)
    return two_proportion_test(ca, na, cb, nb, alpha)

"""Means: Welch's t test for metrics such as revenue per visitor, from summary statistics or raw values.

Welch's test is used always, never Student's: arms of an online test rarely have equal variances, and Welch's
test loses almost nothing when they do.
"""

from __future__ import annotations

import math

from numpy.typing import ArrayLike
import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import finite_number, non_negative, open_unit, values_array, whole_number
from ._common import interval
from .results import MeanTestResult

__all__ = ["welch_t_test_from_stats", "welch_t_test"]


def welch_t_test_from_stats(
    mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int, alpha: float = 0.05
) -> MeanTestResult:
    """Welch's t test and interval for mean_B − mean_A from summary statistics (sd with ddof = 1).

    ``se = √(s_A²/n_A + s_B²/n_B)`` and the Welch–Satterthwaite degrees of freedom (Welch 1947)
    ``df = se⁴ / ((s_A²/n_A)²/(n_A−1) + (s_B²/n_B)²/(n_B−1))``; the same as
    ``scipy.stats.ttest_ind_from_stats(..., equal_var=False)`` with the arms swapped.

    Parameters
    ----------
    mean_a, sd_a, n_a : float, float, int
        Mean, sample standard deviation (ddof = 1, >= 0) and size (>= 2) of the control.
    mean_b, sd_b, n_b : float, float, int
        The same for the treatment.
    alpha : float
        Two-sided level; the interval is a 1 − alpha interval.

    Returns
    -------
    MeanTestResult
        The difference B − A, its standard error and interval, t, the Welch df and the two-sided p-value.

    Raises
    ------
    ValueError
        For an argument out of range, or both standard deviations 0 (no variance in the difference).
    """
    alpha = open_unit("alpha", alpha)
    mean_a, mean_b = finite_number("mean_a", mean_a), finite_number("mean_b", mean_b)
    sd_a, sd_b = non_negative("sd_a", sd_a), non_negative("sd_b", sd_b)
    n_a, n_b = whole_number("n_a", n_a, minimum=2), whole_number("n_b", n_b, minimum=2)
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
        ci=interval(diff, float(scipy.stats.t.isf(alpha / 2, df)) * se),
        t=t,
        df=float(df),
        p_value=float(2 * scipy.stats.t.sf(abs(t), df)),
        method="welch_t",
    )


def welch_t_test(values_a: ArrayLike, values_b: ArrayLike, alpha: float = 0.05) -> MeanTestResult:
    """Welch's t test on raw per-user values (e.g. revenue per visitor, zeros included).

    See :func:`welch_t_test_from_stats`; same as ``scipy.stats.ttest_ind(b, a, equal_var=False)``.

    Parameters
    ----------
    values_a, values_b : array_like
        One finite value per user of the control and of the treatment (at least 2 each).
    alpha : float
        Two-sided level.

    Returns
    -------
    MeanTestResult
    """
    a, b = values_array("values_a", values_a), values_array("values_b", values_b)
    return welch_t_test_from_stats(
        float(a.mean()), float(a.std(ddof=1)), a.size, float(b.mean()), float(b.std(ddof=1)), b.size, alpha
    )

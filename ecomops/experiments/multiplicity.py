"""Multiple comparisons: Holm's step-down (family-wise error) and Benjamini–Hochberg (false discovery rate)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..checks import values_array

__all__ = ["holm_adjust", "benjamini_hochberg_adjust"]


def _p_values(p_values: ArrayLike) -> np.ndarray:
    p = values_array("p_values", p_values, min_size=1)
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"p_values must all be between 0 and 1, got {p.tolist()}")
    return p


def holm_adjust(p_values: ArrayLike) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (family-wise error rate), returned in input order.

    With p₍₁₎ ≤ … ≤ p₍ₘ₎: ``p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎)``. Use across the variants of one
    experiment on its primary metric.

    Parameters
    ----------
    p_values : array_like
        At least one p-value, each between 0 and 1.

    Returns
    -------
    numpy.ndarray
        The adjusted p-values, in the order given.
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

    Parameters
    ----------
    p_values : array_like
        At least one p-value, each between 0 and 1.

    Returns
    -------
    numpy.ndarray
        The adjusted p-values (q-values), in the order given.
    """
    p = _p_values(p_values)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, m * p[order] / np.arange(1, m + 1))
    out = np.empty(m)
    out[order] = np.minimum.accumulate(scaled[::-1])[::-1]
    return out

"""Small helpers shared by the modules of :mod:`ecomops.experiments` (not part of the public API)."""

from __future__ import annotations

import math

import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import whole_number


def z_critical(alpha: float) -> float:
    """The two-sided normal critical value z_{1−α/2}."""
    return float(scipy.stats.norm.isf(alpha / 2))


def interval(centre: float, half: float) -> tuple[float, float]:
    """``(centre − half, centre + half)`` as plain floats."""
    return (float(centre - half), float(centre + half))


def ceil_whole(x: float) -> int:
    """Round up to a whole number, ignoring floating-point noise below 1e-6."""
    return int(math.ceil(round(x, 6)))


def check_counts(conversions: object, users: object, arm: str) -> tuple[int, int]:
    """``(conversions, users)`` of one arm as Python ints, with ``0 <= conversions <= users`` and ``users >= 1``.

    Python ints have no fixed width, so products of counts (10¹² users × 10¹⁰ conversions) are exact.
    """
    n = whole_number(f"users_{arm}", users, minimum=1)
    c = whole_number(f"conversions_{arm}", conversions, minimum=0)
    if c > n:
        raise ValueError(f"conversions_{arm} must be <= users_{arm} ({n}), got {conversions}")
    return c, n

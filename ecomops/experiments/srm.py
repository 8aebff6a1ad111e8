"""Sample-ratio mismatch (SRM): are the users split between the arms as designed?

A mismatch means the assignment or the logging is broken, so the comparison of the arms cannot be trusted
whatever its p-value; check it before reading any result.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import scipy  # SciPy loads a submodule on first use, so importing this module stays cheap

from ..checks import open_unit, shares
from .results import SrmResult

__all__ = ["srm_check"]


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

    Parameters
    ----------
    observed_counts : sequence of int
        Users per arm, control first (whole numbers >= 0, not all 0; at least two arms).
    expected_shares : sequence of float, optional
        The designed share of each arm, positive and summing to 1; equal shares by default.
    block_below, warn_below : float
        p-value thresholds of the ``"block"`` and ``"warn"`` statuses, ``block_below <= warn_below``.

    Returns
    -------
    SrmResult
        χ², df, p-value, status, and the observed and designed shares with the expected counts.
    """
    try:
        counts = np.asarray(observed_counts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"observed_counts must list whole numbers, one per arm, got {observed_counts!r}") from None
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError(f"observed_counts must list at least two arm counts, got {observed_counts!r}")
    if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.floor(counts)):
        raise ValueError(f"observed_counts must be whole numbers >= 0, got {counts.tolist()}")
    total = counts.sum()
    if total <= 0:
        raise ValueError(f"observed_counts must not all be 0, got {counts.tolist()}")
    designed = shares("expected_shares", expected_shares, counts.size)
    block = open_unit("block_below", block_below)
    warn = open_unit("warn_below", warn_below)
    if block > warn:
        raise ValueError(f"block_below must be <= warn_below ({warn}), got {block}")
    expected = total * designed
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    df = counts.size - 1
    p = float(scipy.stats.chi2.sf(chi2, df))
    status: Literal["ok", "warn", "block"] = "block" if p < block else "warn" if p < warn else "ok"
    return SrmResult(
        chi2=chi2,
        df=df,
        p_value=p,
        status=status,
        observed_shares=(counts / total).tolist(),
        expected_shares=designed.tolist(),
        expected_counts=expected.tolist(),
    )

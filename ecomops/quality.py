"""Statistical process control for rates: the p-chart, which separates the noise of a daily or weekly rate from
movements worth a meeting.

Conventions (Shewhart 1931; Montgomery, *Introduction to Statistical Quality Control*, 8th ed. 2019, ch. 7)
-----------------------------------------------------------------------------------------------------------
* Each period *i* (a day, a week, a month) has ``x_i`` successes (orders, cancellations) out of ``n_i`` trials
  (sessions, invoices); its rate is ``p_i = x_i / n_i``.
* The centre line is the pooled rate ``p̄ = Σ x_i / Σ n_i`` of the periods charted, unless a centre is given (for
  example the rate of an earlier baseline period, when new periods are checked against it).
* The limits are ``p̄ ± k · √(p̄(1 − p̄) / n_i)`` with ``k = 3`` by default, cut at 0 and 1. They are wider for
  periods with fewer trials, so a small day needs a larger swing to count as a signal.
* Two signals are flagged: a point outside its limits, and a run of ``run_length`` (default 8) or more
  consecutive points on the same side of the centre line (Western Electric Company 1956, rule 4), which catches
  a shift too small for any single point to cross a limit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .checks import positive, whole_number

__all__ = ["p_chart_limits", "runs_on_one_side"]


def runs_on_one_side(rates: ArrayLike, centre: ArrayLike, run_length: int = 8) -> np.ndarray:
    """Flag the points that belong to a run of at least ``run_length`` consecutive points on one side of the centre.

    Parameters
    ----------
    rates : array_like
        The charted values in time order.
    centre : float or array_like
        The centre line (one value, or one per point).
    run_length : int
        The shortest run that counts as a signal (at least 2).

    Returns
    -------
    numpy.ndarray of bool
        True for every point of such a run. A point exactly on the centre line ends a run and starts none.
    """
    run_length = whole_number("run_length", run_length, minimum=2)
    values = np.asarray(rates, dtype=float)
    side = np.sign(values - np.broadcast_to(np.asarray(centre, dtype=float), values.shape))
    flagged = np.zeros(values.shape, dtype=bool)
    start = 0
    for i in range(1, values.size + 1):
        if i == values.size or side[i] != side[start]:
            if side[start] != 0 and i - start >= run_length:
                flagged[start:i] = True
            start = i
    return flagged


def p_chart_limits(
    successes: ArrayLike,
    trials: ArrayLike,
    centre: float | None = None,
    sigmas: float = 3.0,
    run_length: int = 8,
    index: ArrayLike | None = None,
) -> pd.DataFrame:
    """The p-chart of a rate measured in consecutive periods: centre line, limits per period and signals.

    Parameters
    ----------
    successes, trials : array_like of int
        Successes and trials per period, in time order (0 <= successes <= trials, trials >= 1).
    centre : float, optional
        The centre line, strictly between 0 and 1; by default the pooled rate of the periods given.
    sigmas : float
        How many standard errors the limits lie from the centre (3 for the usual 3σ chart).
    run_length : int
        The shortest run of points on one side of the centre that counts as a signal
        (see :func:`runs_on_one_side`).
    index : array_like, optional
        Labels of the periods (dates, month names) for the rows of the result.

    Returns
    -------
    pandas.DataFrame
        One row per period: ``successes, trials, rate, centre, sigma, lcl, ucl`` (the limits, cut at 0 and 1),
        ``beyond`` (``"above"`` or ``"below"`` the limits, else ``""``) and ``in_run`` (part of a run on one side
        of the centre).

    Raises
    ------
    ValueError
        If the counts are not whole numbers with ``0 <= successes <= trials`` and ``trials >= 1``, if their
        lengths differ, or if ``centre`` is not strictly between 0 and 1.

    Examples
    --------
    Four days with 10 of 100, 20 of 200, 22 of 100 and 3 of 100 sessions converting: the centre is
    55 / 500 = 0.11, a day of 100 sessions has σ = √(0.11 · 0.89 / 100) ≈ 0.0313, and only the third day
    (0.22 > 0.11 + 3 · 0.0313 ≈ 0.204) lies outside its limits.

    >>> p_chart_limits([10, 20, 22, 3], [100, 200, 100, 100])["beyond"].tolist()
    ['', '', 'above', '']
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if x.ndim != 1 or x.shape != n.shape or x.size == 0:
        raise ValueError(f"successes and trials must be 1-D and of the same length, got {x.shape} and {n.shape}")
    bad = ~np.isfinite(x) | ~np.isfinite(n) | (x != np.round(x)) | (n != np.round(n)) | (x < 0) | (n < 1) | (x > n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            "successes and trials must be whole numbers with 0 <= successes <= trials and trials >= 1, got "
            f"successes={x[i]:g} and trials={n[i]:g} at position {i}"
        )
    k = positive("sigmas", sigmas)
    if centre is None:
        centre = float(x.sum() / n.sum())
    elif not (isinstance(centre, (int, float)) and 0 < centre < 1):
        raise ValueError(f"centre must be a rate strictly between 0 and 1, got {centre!r}")
    rate = x / n
    sigma = np.sqrt(centre * (1 - centre) / n)
    lcl = np.clip(centre - k * sigma, 0.0, 1.0)
    ucl = np.clip(centre + k * sigma, 0.0, 1.0)
    beyond = np.where(rate > ucl, "above", np.where(rate < lcl, "below", ""))
    return pd.DataFrame(
        {
            "successes": x.astype(np.int64),
            "trials": n.astype(np.int64),
            "rate": rate,
            "centre": float(centre),
            "sigma": sigma,
            "lcl": lcl,
            "ucl": ucl,
            "beyond": beyond,
            "in_run": runs_on_one_side(rate, centre, run_length),
        },
        index=None if index is None else pd.Index(index),
    )

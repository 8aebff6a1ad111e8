"""Survey and usability scores: the System Usability Scale and t intervals for means (NPS and CSAT to come).

Conventions
-----------
* SUS (Brooke 1996): ten statements answered on 1–5; odd-numbered statements are positive, even-numbered ones
  negative. A respondent's score is ``2.5 × (Σ_odd (r − 1) + Σ_even (5 − r))``, from 0 to 100 (not a
  percentage).
* A mean over respondents is reported with the Student *t* interval ``x̄ ± t_{n−1, 1−α/2} · s / √n`` (``s``
  with ``n − 1`` in the denominator).
* Times on task are right-skewed: their typical value is the geometric mean ``exp(mean(ln t))``, with the *t*
  interval computed on the logged times and transformed back (so it is not symmetric around the estimate).
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .checks import open_unit, values_array
from .data import DataError, require_columns

__all__ = ["SUS_COLUMNS", "MeanInterval", "sus_score", "t_interval", "geometric_mean_interval", "percentile_summary"]

#: Default column names of the ten SUS answers, statement 1 to 10.
SUS_COLUMNS: tuple[str, ...] = tuple(f"q{i}" for i in range(1, 11))


class MeanInterval(NamedTuple):
    """A mean (arithmetic or geometric) with its two-sided confidence interval and the number of values."""

    estimate: float
    low: float
    high: float
    n: int


def sus_score(responses: pd.DataFrame, columns: Sequence[str] = SUS_COLUMNS) -> pd.Series:
    """System Usability Scale score of each respondent (Brooke 1996).

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per respondent; the answers to statements 1–10 in ``columns``, each a whole number from 1
        (strongly disagree) to 5 (strongly agree). Other columns are ignored.
    columns : sequence of 10 str, default ``("q1", …, "q10")``
        The answer columns in statement order: positions 1, 3, 5, 7, 9 are the positive statements.

    Returns
    -------
    pandas.Series
        ``2.5 × (Σ_odd (answer − 1) + Σ_even (5 − answer))`` per respondent, from 0 to 100, with the index of
        ``responses``, named ``"SUS"``.

    Raises
    ------
    ecomops.data.DataError
        If a column is missing, or an answer is missing, not a number or not a whole number from 1 to 5 (the
        message names the column and the row, the header being row 1).
    """
    columns = list(columns)
    if len(columns) != 10:
        raise DataError(f"SUS has 10 statements; got {len(columns)} answer column(s): {', '.join(columns)}")
    require_columns(responses, columns, "SUS answers")
    answers = responses[columns].apply(pd.to_numeric, errors="coerce")
    bad = answers.isna() | ~answers.isin([1, 2, 3, 4, 5])
    if bad.to_numpy().any():
        row, col = (int(i[0]) for i in bad.to_numpy().nonzero())
        raise DataError(
            f"SUS answers: column {columns[col]!r} must hold whole numbers from 1 to 5, but row {row + 2} has "
            f"{responses[columns[col]].iloc[row]!r} ({int(bad.to_numpy().sum())} such answer(s) in all)"
        )
    positive = answers[columns[0::2]] - 1
    negative = 5 - answers[columns[1::2]]
    return (2.5 * (positive.sum(axis=1) + negative.sum(axis=1))).rename("SUS")


def t_interval(values: ArrayLike, alpha: float = 0.05) -> MeanInterval:
    """Mean of ``values`` with its Student *t* confidence interval at level ``1 − alpha``.

    ``x̄ ± t_{n−1, 1−α/2} · s / √n`` with the sample standard deviation ``s`` (``ddof=1``); the same interval
    as :func:`scipy.stats.t.interval` with ``loc=x̄`` and ``scale=s/√n``.

    Raises ``ValueError`` unless ``values`` is 1-D with at least two values, all finite, and ``0 < alpha < 1``.
    """
    alpha = open_unit("alpha", alpha)
    array = values_array("values", values, min_size=2)
    mean = float(array.mean())
    half = float(stats.t.ppf(1 - alpha / 2, array.size - 1)) * float(array.std(ddof=1)) / math.sqrt(array.size)
    return MeanInterval(mean, mean - half, mean + half, int(array.size))


def geometric_mean_interval(values: ArrayLike, alpha: float = 0.05) -> MeanInterval:
    """Geometric mean of positive ``values`` (e.g. seconds on a task) with a *t* interval on the log scale.

    The :func:`t_interval` of ``ln(values)`` transformed back with ``exp``: estimate ``exp(mean ln t)``, limits
    ``exp(mean ln t ± t_{n−1, 1−α/2} · s_ln / √n)``. Raises ``ValueError`` as :func:`t_interval` does, and if
    a value is not positive.
    """
    array = values_array("values", values, min_size=2)
    if (array <= 0).any():
        raise ValueError(f"values must all be positive for a geometric mean, got {float(array[array <= 0][0])!r}")
    logged = t_interval(np.log(array), alpha)
    return MeanInterval(float(np.exp(logged.estimate)), float(np.exp(logged.low)), float(np.exp(logged.high)),
                        logged.n)


def percentile_summary(values: ArrayLike, percentiles: Sequence[float] = (50, 75, 95)) -> pd.Series:
    """The mean and the given percentiles of a skewed measurement, such as page-load times.

    Parameters
    ----------
    values : array_like
        The measurements (at least two, all finite), one per page view.
    percentiles : sequence of float
        Percentiles from 0 to 100, computed with NumPy's default linear interpolation.

    Returns
    -------
    pandas.Series
        ``mean`` followed by ``p50``, ``p75``, … (one entry per percentile, named by its value).
    """
    array = values_array("values", values, min_size=2)
    levels = [float(q) for q in percentiles]
    if any(not 0 <= q <= 100 for q in levels):
        raise ValueError(f"percentiles must lie between 0 and 100, got {list(percentiles)}")
    summary = {"mean": float(array.mean())}
    summary.update({f"p{q:g}": float(v) for q, v in zip(levels, np.percentile(array, levels))})
    return pd.Series(summary)

"""Survey and usability scores: the System Usability Scale, t intervals for means, NPS and CSAT.

Conventions
-----------
* SUS (Brooke 1996): ten statements answered on 1–5; odd-numbered statements are positive, even-numbered ones
  negative. A respondent's score is ``2.5 × (Σ_odd (r − 1) + Σ_even (5 − r))``, from 0 to 100 (not a
  percentage).
* A mean over respondents is reported with the Student *t* interval ``x̄ ± t_{n−1, 1−α/2} · s / √n`` (``s``
  with ``n − 1`` in the denominator).
* Times on task are right-skewed: their typical value is the geometric mean ``exp(mean(ln t))``, with the *t*
  interval computed on the logged times and transformed back (so it is not symmetric around the estimate).
* NPS (Reichheld 2003): answers 0–10 to "How likely are you to recommend …?"; promoters answer 9–10, passives
  7–8, detractors 0–6. ``NPS = 100 · (p_P − p_D)``, from −100 to +100 *points* (not a percentage). Its interval is
  the Wald interval of the difference of two shares of one multinomial sample: the variance of
  ``p̂_P − p̂_D`` is ``(p_P + p_D − (p_P − p_D)²) / n``, the same as that of the mean of a score that is +1 for a
  promoter, 0 for a passive and −1 for a detractor. Limits are clipped to [−100, 100].
* CSAT: the share of answers 4 or 5 on a 1–5 satisfaction question (top-2-box), with the Wilson interval.
* Responses needed for a target half-width ``E`` (Wald planning formula, the variance at the expected shares):
  ``n = z² · p(1 − p) / E²`` for a share, ``n = z² · (p_P + p_D − (p_P − p_D)²) / E²`` for NPS (``E`` in points
  divided by 100), rounded up.
* Unanswered questions (missing values) are dropped before scoring; the results report how many answers were used.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .checks import open_unit, positive, values_array
from .data import DataError, require_columns
from .operations import wilson_interval

__all__ = [
    "SUS_COLUMNS",
    "MeanInterval",
    "sus_score",
    "t_interval",
    "geometric_mean_interval",
    "percentile_summary",
    "NPSResult",
    "ShareResult",
    "nps_from_counts",
    "nps_score",
    "nps_table",
    "nps_difference",
    "csat_score",
    "responses_needed_for_share",
    "responses_needed_for_nps",
]

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


class NPSResult(NamedTuple):
    """Net Promoter Score in points (−100 to 100) with its Wald interval, and the counts behind it."""

    nps: float
    low: float
    high: float
    promoters: int
    passives: int
    detractors: int
    n: int


class ShareResult(NamedTuple):
    """A share (e.g. CSAT, the top-2-box share) from 0 to 1 with its Wilson interval and the counts behind it."""

    share: float
    low: float
    high: float
    successes: int
    n: int


def _answers(name: str, values: ArrayLike, lowest: int, highest: int) -> np.ndarray:
    """Non-missing answers as integers; ``DataError`` naming the first one that is not a whole number in range."""
    array = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce")
    given = pd.Series(values, dtype="object")
    unusable = array.isna() & given.notna()
    answered = array.dropna()
    bad = unusable | (array.notna() & ((array % 1 != 0) | (array < lowest) | (array > highest)))
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{name}: answers must be whole numbers from {lowest} to {highest}; answer {position + 1} "
                        f"is {given.iloc[position]!r} ({int(bad.sum())} such answer(s) in all)")
    if answered.empty:
        raise DataError(f"{name}: no answers to score (all {len(given)} missing)")
    return answered.to_numpy(dtype=int)


def nps_from_counts(promoters: int, passives: int, detractors: int, alpha: float = 0.05) -> NPSResult:
    """NPS and its Wald interval from the numbers of promoters (9–10), passives (7–8) and detractors (0–6).

    ``NPS = 100 (p_P − p_D)``; half-width ``z_{1−α/2} · 100 · √((p_P + p_D − (p_P − p_D)²) / n)``, limits
    clipped to [−100, 100]. With very few answers or all answers in one group the Wald interval is too narrow
    (zero width when everyone is a promoter): report the counts beside it.
    """
    alpha = open_unit("alpha", alpha)
    counts = np.array([promoters, passives, detractors])
    if (counts < 0).any() or (counts % 1 != 0).any() or counts.sum() == 0:
        raise ValueError(f"counts must be whole numbers ≥ 0 with at least one answer, got {counts.tolist()}")
    n = int(counts.sum())
    p_promoter, p_detractor = counts[0] / n, counts[2] / n
    score = p_promoter - p_detractor
    half = float(stats.norm.ppf(1 - alpha / 2)) * math.sqrt(max(p_promoter + p_detractor - score**2, 0.0) / n)
    return NPSResult(100 * float(score), 100 * max(float(score) - half, -1.0), 100 * min(float(score) + half, 1.0),
                     int(counts[0]), int(counts[1]), int(counts[2]), n)


def nps_score(scores: ArrayLike, alpha: float = 0.05) -> NPSResult:
    """NPS of 0–10 answers (missing values dropped) with its Wald interval; see :func:`nps_from_counts`.

    Raises :class:`ecomops.data.DataError` if an answer is not a whole number from 0 to 10, or none is given.
    """
    answers = _answers("NPS", scores, 0, 10)
    return nps_from_counts(int((answers >= 9).sum()), int(((answers >= 7) & (answers <= 8)).sum()),
                           int((answers <= 6).sum()), alpha)


def nps_table(scores: pd.Series, groups: pd.Series, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`nps_score` for each group (a week, a channel): one row per group, sorted, with the NPSResult columns.

    ``scores`` and ``groups`` are aligned Series; rows whose score is missing are dropped first, and a group left
    without answers does not appear.
    """
    answered = pd.DataFrame({"score": scores, "group": groups}).dropna(subset=["score"])
    rows = {group: nps_score(part["score"], alpha)._asdict() for group, part in answered.groupby("group", sort=True)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(groups.name)


def nps_difference(first: NPSResult, second: NPSResult, alpha: float = 0.05) -> MeanInterval:
    """Difference ``second.nps − first.nps`` (points) of two independent samples, with its Wald interval.

    The variance of a difference of independent estimates is the sum of their variances, each
    ``(p_P + p_D − (p_P − p_D)²) / n`` (in points², times 100²). Returns a :class:`MeanInterval` whose ``n``
    is the total number of answers.
    """
    alpha = open_unit("alpha", alpha)
    variances = [(r.promoters / r.n + r.detractors / r.n - (r.nps / 100) ** 2) / r.n for r in (first, second)]
    half = 100 * float(stats.norm.ppf(1 - alpha / 2)) * math.sqrt(sum(variances))
    difference = second.nps - first.nps
    return MeanInterval(difference, difference - half, difference + half, first.n + second.n)


def csat_score(answers: ArrayLike, alpha: float = 0.05, satisfied: Sequence[int] = (4, 5)) -> ShareResult:
    """CSAT: the share of 1–5 answers in ``satisfied`` (the top-2-box, 4 or 5) with its Wilson interval.

    Missing values are dropped. Raises :class:`ecomops.data.DataError` if an answer is not a whole number from
    1 to 5, or none is given.
    """
    alpha = open_unit("alpha", alpha)
    scored = _answers("CSAT", answers, 1, 5)
    hits = int(np.isin(scored, list(satisfied)).sum())
    low, high = wilson_interval(hits, scored.size, alpha)
    return ShareResult(hits / scored.size, float(low), float(high), hits, int(scored.size))


def responses_needed_for_share(expected_share: float, half_width: float, alpha: float = 0.05) -> int:
    """Answers needed for a share's interval to have about ``half_width`` (a share, e.g. 0.03 for ±3 points).

    ``⌈z² p(1 − p) / E²⌉`` at the expected share ``p`` (use 0.5 when nothing is known: the largest variance).
    """
    share = open_unit("expected_share", expected_share)
    width = positive("half_width", half_width)
    z = float(stats.norm.ppf(1 - open_unit("alpha", alpha) / 2))
    return int(math.ceil(z**2 * share * (1 - share) / width**2 - 1e-9))


def responses_needed_for_nps(
    promoter_share: float, detractor_share: float, half_width_points: float, alpha: float = 0.05
) -> int:
    """Answers needed for the NPS interval to have about ``half_width_points`` (e.g. 5 for ±5 NPS points).

    ``⌈z² (p_P + p_D − (p_P − p_D)²) / (E/100)²⌉`` at the expected promoter and detractor shares.
    """
    if not (0 <= promoter_share <= 1 and 0 <= detractor_share <= 1 and promoter_share + detractor_share <= 1):
        raise ValueError("promoter_share and detractor_share must be shares from 0 to 1 that sum to at most 1, "
                         f"got {promoter_share!r} and {detractor_share!r}")
    width = positive("half_width_points", half_width_points) / 100
    z = float(stats.norm.ppf(1 - open_unit("alpha", alpha) / 2))
    variance = promoter_share + detractor_share - (promoter_share - detractor_share) ** 2
    return int(math.ceil(z**2 * variance / width**2 - 1e-9))

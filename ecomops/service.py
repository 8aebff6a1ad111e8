"""Customer-service levels: response-time summaries, Little's law and Erlang C staffing.

Conventions
-----------
* Times are in the unit the caller passes (minutes or hours); rates are per the same unit. An arrival rate of
  ``λ`` contacts per minute with a mean handling time of ``AHT`` minutes is an *offered load* of
  ``A = λ · AHT`` erlangs (the number of agents kept busy on average).
* Erlang C (the M/M/N queue: Poisson arrivals, exponential handling times, ``N`` identical agents, nobody hangs
  up, first come first served). With ``A < N`` the probability that a contact has to wait is

  ``C(N, A) = [A^N / N! · N / (N − A)] / [Σ_{k=0}^{N−1} A^k / k! + A^N / N! · N / (N − A)]``,

  computed here through Poisson probabilities (``A^k e^{−A} / k!``) so that large ``N`` does not overflow.
  The service level within a target wait ``t`` is ``SL(t) = 1 − C · exp(−(N − A) · t / AHT)``, the mean wait
  (average speed of answer) is ``ASA = C · AHT / (N − A)`` and agent occupancy is ``A / N``. With ``A ≥ N`` the
  queue grows without limit: ``C = 1``, ``SL = 0`` and ``ASA = ∞``.
* Little's law (Little 1961): in any stable system, the average number of items in it equals the arrival rate
  times the average time each one spends in it, ``L = λ · W``. It needs no assumption about distributions.
* Response-time summaries report percentiles (NumPy's default linear interpolation) and the share of contacts
  answered within a target, because response times are right-skewed and the mean hides the slow tail.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .checks import non_negative, open_unit, positive, values_array, whole_number
from .data import require_columns
from .surveys import percentile_summary

__all__ = [
    "offered_load",
    "erlang_c_wait_probability",
    "erlang_c_service_level",
    "erlang_c_mean_wait",
    "agents_for_service_level",
    "staffing_table",
    "littles_law",
    "response_time_summary",
    "response_time_table",
    "hourly_arrival_rates",
]


def offered_load(arrival_rate: float, mean_handle_time: float) -> float:
    """Offered load ``A = λ · AHT`` in erlangs (``arrival_rate`` per time unit, ``mean_handle_time`` in it)."""
    return non_negative("arrival_rate", arrival_rate) * positive("mean_handle_time", mean_handle_time)


def erlang_c_wait_probability(arrival_rate: float, mean_handle_time: float, agents: ArrayLike) -> np.ndarray:
    """Erlang C probability that a contact waits, for each number of ``agents`` (array or scalar).

    Parameters
    ----------
    arrival_rate : float
        Contacts arriving per time unit (for example per minute), ``λ ≥ 0``.
    mean_handle_time : float
        Mean handling time per contact in the same time unit, ``AHT > 0``.
    agents : int or array of int
        Numbers of agents ``N ≥ 1``.

    Returns
    -------
    numpy.ndarray
        ``C(N, A)`` for each ``N`` (1.0 where ``N ≤ A``: the queue is unstable and everyone waits).
    """
    load = offered_load(arrival_rate, mean_handle_time)
    n = np.asarray(agents)
    if n.size == 0 or not np.issubdtype(n.dtype, np.integer) or (n < 1).any():
        raise ValueError(f"agents must be whole numbers of at least 1, got {agents!r}")
    n = n.astype(float)
    stable = n > load
    with np.errstate(divide="ignore", invalid="ignore"):
        top = stats.poisson.pmf(n, load) * n / np.where(stable, n - load, 1.0)
        below = stats.poisson.cdf(n - 1, load)
        probability = np.where(stable, top / (below + top), 1.0)
    return probability if probability.ndim else probability[()]


def erlang_c_service_level(
    arrival_rate: float, mean_handle_time: float, agents: ArrayLike, target_wait: float
) -> np.ndarray:
    """Share of contacts answered within ``target_wait`` (same time unit): ``1 − C · exp(−(N − A) t / AHT)``.

    Zero where ``N ≤ A``. Arguments as in :func:`erlang_c_wait_probability`.
    """
    target = non_negative("target_wait", target_wait)
    load = offered_load(arrival_rate, mean_handle_time)
    wait = erlang_c_wait_probability(arrival_rate, mean_handle_time, agents)
    n = np.asarray(agents, dtype=float)
    level = np.where(n > load, 1 - wait * np.exp(-(n - load) * target / mean_handle_time), 0.0)
    return level if level.ndim else level[()]


def erlang_c_mean_wait(arrival_rate: float, mean_handle_time: float, agents: ArrayLike) -> np.ndarray:
    """Average speed of answer ``ASA = C · AHT / (N − A)`` over all contacts (``inf`` where ``N ≤ A``)."""
    load = offered_load(arrival_rate, mean_handle_time)
    wait = erlang_c_wait_probability(arrival_rate, mean_handle_time, agents)
    n = np.asarray(agents, dtype=float)
    with np.errstate(divide="ignore"):
        mean_wait = np.where(n > load, wait * mean_handle_time / np.where(n > load, n - load, 1.0), np.inf)
    return mean_wait if mean_wait.ndim else mean_wait[()]


def staffing_table(
    arrival_rate: float, mean_handle_time: float, target_wait: float, agents: Sequence[int] | None = None
) -> pd.DataFrame:
    """Erlang C figures for a range of staffing levels, one row per number of agents.

    ``agents`` defaults to the smallest stable number ``⌊A⌋ + 1`` and the nine above it. Columns: ``agents``,
    ``occupancy`` (``A / N``), ``p_wait``, ``service_level`` (within ``target_wait``) and ``mean_wait`` (ASA), the
    times in the unit of ``mean_handle_time``.
    """
    load = offered_load(arrival_rate, mean_handle_time)
    counts = np.arange(int(np.floor(load)) + 1, int(np.floor(load)) + 11) if agents is None else np.asarray(agents)
    return pd.DataFrame({
        "agents": counts,
        "occupancy": load / counts,
        "p_wait": erlang_c_wait_probability(arrival_rate, mean_handle_time, counts),
        "service_level": erlang_c_service_level(arrival_rate, mean_handle_time, counts, target_wait),
        "mean_wait": erlang_c_mean_wait(arrival_rate, mean_handle_time, counts),
    })


def agents_for_service_level(
    arrival_rate: float,
    mean_handle_time: float,
    target_wait: float,
    target_service_level: float,
    max_agents: int = 10_000,
) -> int:
    """Smallest number of agents whose Erlang C service level within ``target_wait`` reaches the target.

    Parameters
    ----------
    arrival_rate, mean_handle_time, target_wait : float
        As in :func:`erlang_c_service_level` (one time unit throughout).
    target_service_level : float
        Required share of contacts answered within ``target_wait``, strictly between 0 and 1 (e.g. 0.8 for
        "80 % within 20 seconds").
    max_agents : int, default 10,000
        Search limit; a ``ValueError`` says so if even this many agents are not enough.
    """
    goal = open_unit("target_service_level", target_service_level)
    limit = whole_number("max_agents", max_agents, minimum=1)
    load = offered_load(arrival_rate, mean_handle_time)
    counts = np.arange(max(int(np.floor(load)) + 1, 1), limit + 1)
    if counts.size == 0:
        raise ValueError(f"an offered load of {load:.1f} erlangs needs more than max_agents={limit} agents")
    met = erlang_c_service_level(arrival_rate, mean_handle_time, counts, target_wait) >= goal
    if not met.any():
        raise ValueError(f"{limit} agents do not reach a service level of {goal:.0%}; raise max_agents")
    return int(counts[np.argmax(met)])


def littles_law(
    *, arrival_rate: float | None = None, time_in_system: float | None = None, in_system: float | None = None
) -> float:
    """Little's law ``L = λ · W``: give exactly two of the three quantities, get the third.

    Parameters
    ----------
    arrival_rate : float, optional
        ``λ``, items (tickets, contacts) arriving per time unit.
    time_in_system : float, optional
        ``W``, the average time an item spends in the system (for example, open until resolved), same unit.
    in_system : float, optional
        ``L``, the average number of items in the system at a time (for example, the open backlog).
    """
    given = {"arrival_rate": arrival_rate, "time_in_system": time_in_system, "in_system": in_system}
    missing = [name for name, value in given.items() if value is None]
    if len(missing) != 1:
        raise ValueError(f"give exactly two of arrival_rate, time_in_system and in_system; missing: {missing}")
    checked = {name: non_negative(name, value) for name, value in given.items() if value is not None}
    if missing[0] == "in_system":
        return checked["arrival_rate"] * checked["time_in_system"]
    if missing[0] == "time_in_system":
        return checked["in_system"] / positive("arrival_rate", checked["arrival_rate"])
    return checked["in_system"] / positive("time_in_system", checked["time_in_system"])


def response_time_summary(
    times: ArrayLike, target: float | None = None, percentiles: Sequence[float] = (50, 90, 95)
) -> pd.Series:
    """Mean, percentiles and (with a ``target``) the share within target of a set of response times.

    Returns a Series with ``n``, ``mean``, ``p50``, ``p90``, ``p95`` (or the percentiles asked for) and, if
    ``target`` is given, ``within_target``: the share of times ``≤ target``. Times must be finite and at least two.
    """
    array = values_array("times", times, min_size=2)
    summary = pd.concat([pd.Series({"n": float(array.size)}), percentile_summary(array, percentiles)])
    if target is not None:
        summary["within_target"] = float((array <= non_negative("target", target)).mean())
    return summary


def response_time_table(
    frame: pd.DataFrame, time_col: str, group_col: str, target: float | None = None,
    percentiles: Sequence[float] = (50, 90, 95),
) -> pd.DataFrame:
    """:func:`response_time_summary` for every group of ``frame[group_col]`` (rows with a missing time dropped).

    One row per group, sorted by group, with the columns of :func:`response_time_summary`.
    """
    require_columns(frame, [time_col, group_col], "response times")
    times = frame[[group_col, time_col]].dropna()
    rows = {group: response_time_summary(part[time_col], target, percentiles)
            for group, part in times.groupby(group_col, sort=True)}
    return pd.DataFrame(rows).T.rename_axis(group_col)


def hourly_arrival_rates(timestamps: pd.Series, *, by: pd.Series | None = None) -> pd.DataFrame:
    """Mean number of arrivals in each hour of the day (0–23), averaged over the calendar days observed.

    Every day between the first and the last timestamp counts, including days without arrivals, so a quiet
    hour is an average, not a missing value. With ``by`` (a grouping such as the channel, aligned with
    ``timestamps``) there is one column per group; otherwise a single column ``arrivals``.
    """
    when = pd.to_datetime(timestamps)
    days = (when.max().normalize() - when.min().normalize()).days + 1
    groups = pd.Series("arrivals", index=when.index) if by is None else by
    counts = pd.crosstab(when.dt.hour.rename("hour"), groups.rename("group"))
    counts.columns.name = None
    return counts.reindex(range(24), fill_value=0) / days

"""Reach, frequency and engagement: counting exposures with their denominators stated.

Conventions (each number's denominator is named in its column):

* **impressions** (展现量): exposures counted once per showing, so one person can contribute many;
* **reach** (触达人数): distinct people with at least one impression in the period; **reach rate** = reach ÷ the
  audience (people who could have been reached);
* **average frequency** (平均频次) = impressions ÷ reach: showings per person *reached*, not per person in the
  audience;
* **click-through rate** (CTR, 点击率) = clicks ÷ impressions;
* a **rate by group** (e.g. an engagement or conversion rate) = sessions (or people) meeting a condition ÷ all
  sessions (people) of the group, with a Wilson interval.

Reach is not additive: the reach of two channels together is at most, and usually less than, the sum of their
reaches, because some people see both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .operations import wilson_interval

__all__ = ["reach_and_frequency", "frequency_distribution", "rate_by_group"]


def _require(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c and c not in frame.columns]
    if missing:
        raise ValueError(f"table is missing column(s) {missing}; it has {list(frame.columns)}")


def reach_and_frequency(
    impressions: pd.DataFrame,
    *,
    person_column: str = "user_id",
    group_column: str | None = "channel",
    click_column: str | None = None,
    audience: int | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Impressions, reach, average frequency (and CTR, reach rate) per group and for all groups together.

    Parameters
    ----------
    impressions : pandas.DataFrame
        One row per impression.
    person_column : str
        Column identifying the person (user) who saw the impression.
    group_column : str or None
        Column to split by (channel, campaign); ``None`` for one row only. The last row, ``"all"``, counts
        every impression and every distinct person once, so its reach is *not* the sum of the groups' reaches.
    click_column : str, optional
        0/1 column marking impressions that were clicked; adds ``clicks``, ``ctr`` and its Wilson interval.
    audience : int, optional
        People who could have been reached; adds ``reach_rate`` = reach ÷ audience.
    alpha : float
        1 − confidence level of the CTR interval.

    Returns
    -------
    pandas.DataFrame
        Index: the groups and ``"all"``; columns ``impressions``, ``reach``, ``frequency`` (= impressions ÷ reach)
        and, as requested, ``reach_rate``, ``clicks``, ``ctr``, ``ctr_low``, ``ctr_high``.

    Examples
    --------
    Person 1 sees A twice and B once, person 2 sees A once: A has 3 impressions, reach 2, frequency 1.5; B has 1,
    1, 1.0; together 4 impressions reach 2 people, frequency 2.0 (reach 2, not 2 + 1).

    >>> seen = pd.DataFrame({"user_id": [1, 1, 1, 2], "channel": ["A", "A", "B", "A"]})
    >>> reach_and_frequency(seen)[["impressions", "reach", "frequency"]].to_dict("index")["all"]
    {'impressions': 4, 'reach': 2, 'frequency': 2.0}
    """
    _require(impressions, [person_column, group_column, click_column])
    if audience is not None and audience <= 0:
        raise ValueError(f"audience must be a positive number of people, got {audience}")
    everyone = impressions.assign(_all="all")
    frames = ([impressions.groupby(group_column)] if group_column else []) + [everyone.groupby("_all")]
    table = pd.concat([
        pd.DataFrame({"impressions": g.size(), "reach": g[person_column].nunique()}) for g in frames
    ])
    table["frequency"] = table["impressions"] / table["reach"]
    if audience is not None:
        if (table["reach"] > audience).any():
            raise ValueError(f"audience ({audience}) is smaller than the reach ({int(table['reach'].max())})")
        table["reach_rate"] = table["reach"] / audience
    if click_column:
        table["clicks"] = pd.concat([g[click_column].sum() for g in frames]).astype(int)
        table["ctr"] = table["clicks"] / table["impressions"]
        table["ctr_low"], table["ctr_high"] = wilson_interval(table["clicks"], table["impressions"], alpha)
    table.index.name = group_column or "group"
    return table


def frequency_distribution(impressions: pd.DataFrame, *, person_column: str = "user_id",
                           group_column: str | None = "channel", cap: int = 10) -> pd.DataFrame:
    """People by the number of impressions they saw (1, 2, …, ``cap``+), one column per group.

    The last row counts everyone who saw ``cap`` or more. Each column sums to the group's reach.

    Examples
    --------
    >>> seen = pd.DataFrame({"user_id": [1, 1, 1, 2], "channel": ["A", "A", "B", "A"]})
    >>> frequency_distribution(seen, cap=2)["A"].tolist()
    [1, 1]
    """
    _require(impressions, [person_column, group_column])
    if cap < 1:
        raise ValueError(f"cap must be at least 1, got {cap}")
    keys = [group_column, person_column] if group_column else [person_column]
    per_person = impressions.groupby(keys).size().clip(upper=cap).rename("impressions_seen").reset_index()
    labels = [str(k) for k in range(1, cap)] + [f"{cap}+"]
    per_person["impressions_seen"] = pd.Categorical(
        np.array(labels)[per_person["impressions_seen"].to_numpy() - 1], categories=labels, ordered=True)
    column = group_column if group_column else None
    if column is None:
        return per_person["impressions_seen"].value_counts(sort=False).to_frame("people")
    return pd.crosstab(per_person["impressions_seen"], per_person[column]).reindex(labels, fill_value=0)


def rate_by_group(frame: pd.DataFrame, group_column: str, success: pd.Series | str, *, alpha: float = 0.05,
                  min_count: int = 0) -> pd.DataFrame:
    """Count, share of all rows, successes and success rate with a Wilson interval, per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit (session, person).
    group_column : str
        Column to group by.
    success : pandas.Series or str
        Boolean mask aligned with ``frame`` (or the name of a 0/1 or boolean column): the numerator condition.
    alpha : float
        1 − confidence level of the interval.
    min_count : int
        Groups with fewer rows are pooled into one group named ``"other (< min_count)"``.

    Returns
    -------
    pandas.DataFrame
        Index: the groups, largest first; columns ``count``, ``share_of_rows`` (= count ÷ all rows),
        ``successes``, ``rate`` (= successes ÷ count), ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> sessions = pd.DataFrame({"source": ["a", "a", "a", "b"], "bought": [1, 0, 0, 1]})
    >>> rate_by_group(sessions, "source", "bought")[["count", "successes", "rate"]].to_dict("index")["a"]
    {'count': 3, 'successes': 1, 'rate': 0.3333333333333333}
    """
    _require(frame, [group_column])
    hit = frame[success] if isinstance(success, str) else success
    hit = pd.Series(np.asarray(hit, dtype=bool), index=frame.index)
    groups = frame[group_column].astype(str)
    sizes = groups.value_counts()
    small = sizes.index[sizes < min_count]
    if len(small):
        groups = groups.where(~groups.isin(small), f"other (< {min_count})")
    table = pd.DataFrame({"count": groups.value_counts(), "successes": hit.groupby(groups).sum().astype(int)})
    table = table.sort_values("count", ascending=False, kind="stable")
    table["share_of_rows"] = table["count"] / len(frame)
    table["rate"] = table["successes"] / table["count"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["successes"], table["count"], alpha)
    table.index.name = group_column
    return table[["count", "share_of_rows", "successes", "rate", "ci_low", "ci_high"]]

"""The warehouse side of an A/B test: the SQL query that reduces the assignment and event tables to the per-variant
sums an analysis needs (section 3.5.2), a runner for it on SQLite, and the same reduction in pandas as a check.

The query's output has one row per variant with the columns the ``ab_test_analysis`` template reads with
``data_kind: summary``: ``variant, users, conversions, revenue_sum, revenue_sum_sq, pre_revenue_sum,
pre_revenue_sum_sq, revenue_pre_revenue_sum``. Outcomes are counted per *assigned* user (users without any event
count with zeros), only for purchases after the user's own assignment and before the end of the test; the
pre-period covariate counts purchases from the start of the pre-period to the start of the test.
"""

from __future__ import annotations

import sqlite3

import pandas as pd

from .data import DataError, require_columns

__all__ = ["SUFFICIENT_STATS_QUERY", "split_event_log", "sufficient_stats_sqlite", "per_user_outcomes"]

# The book shows the query exactly as it is written here: a literalinclude of the lines after the assignment below
# up to the closing quotes (tests/test_warehouse.py checks that the page and this constant agree).
SUFFICIENT_STATS_QUERY = """\
-- Sufficient statistics per variant for one experiment.
-- Tables: assignments(user_id, variant, assigned_at) from the experiment platform,
--         events(user_id, event_time, event_type, revenue) from the tracking pipeline.
-- :test_start, :test_end and :pre_start are bind parameters (the analysis window and the start of the
-- pre-period); timestamps are compared as values of one type.
WITH per_user AS (
    SELECT
        a.variant,
        a.user_id,
        MAX(CASE WHEN e.event_type = 'purchase'
                  AND e.event_time >= a.assigned_at AND e.event_time < :test_end
                 THEN 1 ELSE 0 END)                           AS converted,
        SUM(CASE WHEN e.event_type = 'purchase'
                  AND e.event_time >= a.assigned_at AND e.event_time < :test_end
                 THEN e.revenue ELSE 0 END)                   AS revenue,
        SUM(CASE WHEN e.event_type = 'purchase'
                  AND e.event_time >= :pre_start AND e.event_time < :test_start
                 THEN e.revenue ELSE 0 END)                   AS pre_revenue
    FROM assignments AS a
    LEFT JOIN events AS e ON e.user_id = a.user_id
    WHERE a.assigned_at >= :test_start AND a.assigned_at < :test_end
    GROUP BY a.variant, a.user_id
)
SELECT
    variant,
    COUNT(*)                       AS users,
    SUM(converted)                 AS conversions,
    SUM(revenue)                   AS revenue_sum,
    SUM(revenue * revenue)         AS revenue_sum_sq,
    SUM(pre_revenue)               AS pre_revenue_sum,
    SUM(pre_revenue * pre_revenue) AS pre_revenue_sum_sq,
    SUM(revenue * pre_revenue)     AS revenue_pre_revenue_sum
FROM per_user
GROUP BY variant
ORDER BY variant;
"""

_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def split_event_log(log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a one-table event log into the two warehouse tables the query reads.

    Parameters
    ----------
    log : pandas.DataFrame
        Columns ``user_id, variant, event_type, event_time, revenue``; rows with ``event_type == "assignment"``
        record who was assigned to which variant when, every other row is an event such as a purchase.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``assignments(user_id, variant, assigned_at)`` and ``events(user_id, event_type, event_time, revenue)``,
        with the times parsed.
    """
    require_columns(log, ["user_id", "variant", "event_type", "event_time", "revenue"], "event log")
    times = pd.to_datetime(log["event_time"])
    is_assignment = (log["event_type"] == "assignment").to_numpy()
    assignments = pd.DataFrame({"user_id": log["user_id"][is_assignment], "variant": log["variant"][is_assignment],
                                "assigned_at": times[is_assignment]}).reset_index(drop=True)
    events = log.loc[~is_assignment, ["user_id", "event_type", "revenue"]].assign(event_time=times[~is_assignment])
    return assignments, events[["user_id", "event_type", "event_time", "revenue"]].reset_index(drop=True)


def sufficient_stats_sqlite(
    assignments: pd.DataFrame, events: pd.DataFrame, test_start: str, test_end: str, pre_start: str
) -> pd.DataFrame:
    """Run :data:`SUFFICIENT_STATS_QUERY` unchanged in an in-memory SQLite database and return its result.

    Parameters
    ----------
    assignments, events : pandas.DataFrame
        The two tables of :func:`split_event_log` (times as pandas timestamps).
    test_start, test_end, pre_start : str
        The bind parameters as ``"YYYY-MM-DD HH:MM:SS"``; SQLite compares the times as text in that format.

    Returns
    -------
    pandas.DataFrame
        One row per variant, in variant order, with the query's eight columns.
    """
    require_columns(assignments, ["user_id", "variant", "assigned_at"], "assignments")
    require_columns(events, ["user_id", "event_type", "event_time", "revenue"], "events")
    window = {"test_start": test_start, "test_end": test_end, "pre_start": pre_start}
    for name, value in window.items():
        try:
            parsed = pd.Timestamp(value)
        except ValueError as err:
            raise DataError(f"{name} must be a time as YYYY-MM-DD HH:MM:SS, got {value!r}") from err
        if parsed.strftime(_TIMESTAMP_FORMAT) != value:
            raise DataError(f"{name} must be a time as YYYY-MM-DD HH:MM:SS, got {value!r}")
    tables = {
        "assignments": assignments.assign(assigned_at=assignments["assigned_at"].dt.strftime(_TIMESTAMP_FORMAT)),
        "events": events.assign(event_time=events["event_time"].dt.strftime(_TIMESTAMP_FORMAT)),
    }
    with sqlite3.connect(":memory:") as db:
        for name, frame in tables.items():
            frame.to_sql(name, db, index=False)
        return pd.read_sql_query(SUFFICIENT_STATS_QUERY, db, params=window)


def per_user_outcomes(
    assignments: pd.DataFrame, events: pd.DataFrame, test_start: str, test_end: str, pre_start: str
) -> pd.DataFrame:
    """The ``per_user`` step of the query, computed in pandas: one row per assigned user, zeros included.

    The same rules as :data:`SUFFICIENT_STATS_QUERY` (purchases after the user's assignment and before
    ``test_end`` count as outcome, purchases from ``pre_start`` to ``test_start`` as the covariate), so that the
    sums of this table reproduce the query's result; it is the user-level view that the sums replace.

    Returns
    -------
    pandas.DataFrame
        ``user_id, variant, converted (0/1), revenue, pre_revenue`` for every user assigned within the window.
    """
    start, end, pre = pd.Timestamp(test_start), pd.Timestamp(test_end), pd.Timestamp(pre_start)
    users = assignments[(assignments["assigned_at"] >= start) & (assignments["assigned_at"] < end)]
    purchases = events[events["event_type"] == "purchase"].merge(users[["user_id", "assigned_at"]], on="user_id")
    during = purchases[(purchases["event_time"] >= purchases["assigned_at"]) & (purchases["event_time"] < end)]
    before = purchases[(purchases["event_time"] >= pre) & (purchases["event_time"] < start)]
    revenue = during.groupby("user_id")["revenue"].sum()
    pre_revenue = before.groupby("user_id")["revenue"].sum()
    return pd.DataFrame({
        "user_id": users["user_id"].to_numpy(),
        "variant": users["variant"].to_numpy(),
        "converted": users["user_id"].isin(during["user_id"]).astype(int).to_numpy(),
        "revenue": users["user_id"].map(revenue).fillna(0.0).to_numpy(),
        "pre_revenue": users["user_id"].map(pre_revenue).fillna(0.0).to_numpy(),
    })

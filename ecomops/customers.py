"""Customers: cohort retention (more customer-value methods are added with the CRM chapter).

Cohort convention: a customer's cohort is the calendar month of their first purchase; period *k* is the *k*-th
calendar month after it (period 0 is the acquisition month). Retention in period *k* is the share of the cohort
with at least one purchase in that month. Periods after the end of the data are left empty (NaN), never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cohort_retention"]


def cohort_retention(frame: pd.DataFrame, customer_column: str, date_column: str) -> pd.DataFrame:
    """Monthly acquisition-cohort retention matrix.

    Returns a DataFrame indexed by cohort month (``Period[M]``) with a ``cohort_size`` column followed by one
    column per period 0, 1, 2, … holding the share of the cohort active in that month. Rows with a missing
    customer or date are ignored.
    """
    for column in (customer_column, date_column):
        if column not in frame.columns:
            raise KeyError(f"column {column!r} is not in the data; columns are: {', '.join(map(str, frame.columns))}")
    data = frame[[customer_column, date_column]].dropna()
    if data.empty:
        raise ValueError(f"no rows with both {customer_column!r} and {date_column!r} present")
    months = pd.to_datetime(data[date_column]).dt.to_period("M")
    activity = pd.DataFrame({"customer": data[customer_column].to_numpy(), "month": months.to_numpy()})
    activity = activity.drop_duplicates()
    first = activity.groupby("customer")["month"].min().rename("cohort")
    activity = activity.join(first, on="customer")
    activity["period"] = (activity["month"] - activity["cohort"]).apply(lambda offset: offset.n).astype(int)
    counts = activity.pivot_table(index="cohort", columns="period", values="customer", aggfunc="nunique")
    last_month = activity["month"].max()
    max_period = (last_month - counts.index).map(lambda offset: offset.n).to_numpy()
    # One column for every period up to the end of the data, also for a period in which no cohort bought
    # (it is a 0 retention, not a missing column).
    counts = counts.reindex(columns=range(int(max_period.max()) + 1))
    sizes = counts[0]
    retention = counts.div(sizes, axis=0)
    periods = retention.columns.to_numpy()
    observed = periods[None, :] <= max_period[:, None]
    retention = retention.where(observed, np.nan).where(~observed | retention.notna(), 0.0)
    retention.insert(0, "cohort_size", sizes.astype(int))
    retention.columns.name = "period"
    return retention

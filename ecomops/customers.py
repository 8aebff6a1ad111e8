"""Customers: order-line cleaning, orders per customer and cohort retention (more with the CRM chapter).

Order-line convention (the UCI Online Retail layout, Chen 2015): one row per invoice line with ``InvoiceNo``,
``InvoiceDate``, ``Quantity`` and ``UnitPrice``. An invoice whose number starts with ``"C"`` is a cancellation
(its quantities are negative); an *order* is an invoice that is not a cancellation. Line revenue is quantity
times unit price.

Cohort convention: a customer's cohort is the calendar month of their first purchase; period *k* is the *k*-th
calendar month after it (period 0 is the acquisition month). Retention in period *k* is the share of the cohort
with at least one purchase in that month. Periods after the end of the data are left empty (NaN), never 0.

Every problem with the input (a missing column, a value that is not a number or not a date) raises
:class:`ecomops.data.DataError` naming the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import DataError, require_columns, require_numeric

__all__ = [
    "CANCELLATION_PREFIX",
    "NON_PRODUCT_STOCK_CODES",
    "RETAIL_COLUMNS",
    "is_cancellation",
    "clean_retail_transactions",
    "orders_per_customer",
    "cohort_retention",
    "last_observed",
    "pooled_retention",
    "invoice_table",
]

CANCELLATION_PREFIX = "C"
#: Stock codes of the UCI Online Retail data that are not products: postage, manual adjustment, discount and a
#: carriage charge. Product KPIs (ABC classes, sell-through) leave these lines out.
NON_PRODUCT_STOCK_CODES: tuple[str, ...] = ("POST", "M", "D", "C2")
#: Columns :func:`clean_retail_transactions` needs.
RETAIL_COLUMNS: tuple[str, ...] = ("InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice")


def is_cancellation(invoice_numbers: pd.Series) -> pd.Series:
    """Flag cancellation invoices: ``True`` where the invoice number starts with ``"C"``.

    Invoice numbers read as numbers (a file without any cancellation) are compared as text; a missing invoice
    number is not a cancellation. The result has the index of ``invoice_numbers`` and dtype ``bool``.
    """
    text = invoice_numbers.astype("string")
    return text.str.startswith(CANCELLATION_PREFIX).fillna(False).astype(bool)


def clean_retail_transactions(
    frame: pd.DataFrame, *, keep_cancellations: bool = False, source: str = "order lines"
) -> pd.DataFrame:
    """Prepare UCI Online Retail style order lines for analysis.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per invoice line with at least the columns ``InvoiceNo``, ``InvoiceDate``, ``Quantity`` and
        ``UnitPrice`` (other columns are carried through unchanged). The frame itself is not modified.
    keep_cancellations : bool, default False
        ``False`` drops every line of a cancellation invoice (``InvoiceNo`` starting with ``"C"``): the *gross*
        view, in which an order that was later cancelled still counts once at its original value. ``True``
        keeps them, so that sums of ``revenue`` are *net* of cancellations (their quantities are negative).
    source : str, default "order lines"
        How error messages name the table.

    Returns
    -------
    pandas.DataFrame
        A copy of the kept rows, in their original order and with their original index, where

        * ``InvoiceDate`` is converted to ``datetime64`` (:func:`pandas.to_datetime`);
        * ``Quantity`` and ``UnitPrice`` are numbers (booleans or TRUE/FALSE text would become 1/0);
        * a column ``revenue`` is added: ``Quantity × UnitPrice``, in the currency of ``UnitPrice``;
        * a column ``cancellation`` is added: ``True`` on lines of a cancellation invoice (all ``False`` when
          they are dropped).

        Nothing else is dropped or changed: lines with a missing customer, a zero or negative price, or a
        non-product stock code (see :data:`NON_PRODUCT_STOCK_CODES`) stay in.

    Raises
    ------
    ecomops.data.DataError
        If one of the four columns is missing (the message names it and lists the columns present), a
        quantity or price is not a number, or a date cannot be read.
    """
    require_columns(frame, RETAIL_COLUMNS, source)
    lines = require_numeric(frame, ["Quantity", "UnitPrice"], source)  # a copy
    dates = pd.to_datetime(lines["InvoiceDate"], errors="coerce")
    unreadable = dates.isna() & lines["InvoiceDate"].notna()
    if unreadable.any():
        position = int(unreadable.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{source}: column 'InvoiceDate' must hold dates, but row {position + 2} has "
            f"{lines['InvoiceDate'].iloc[position]!r} ({int(unreadable.sum())} such row(s) in all)"
        )
    lines["InvoiceDate"] = dates
    lines["revenue"] = lines["Quantity"] * lines["UnitPrice"]
    lines["cancellation"] = is_cancellation(lines["InvoiceNo"])
    if not keep_cancellations:
        lines = lines[~lines["cancellation"]].copy()
    return lines


def orders_per_customer(
    frame: pd.DataFrame, customer_column: str, invoice_column: str = "InvoiceNo"
) -> pd.Series:
    """Number of orders of each customer: distinct invoices that are not cancellations.

    Cancellation invoices (number starting with ``"C"``) are left out whether or not ``frame`` has been
    cleaned with :func:`clean_retail_transactions`; an invoice with several lines counts once. Rows without a
    customer are ignored. Returns an ``int64`` Series named ``"orders"``, indexed by customer (sorted), with
    one entry per customer who placed at least one order.

    Raises :class:`~ecomops.data.DataError` if a column is missing.
    """
    require_columns(frame, [customer_column, invoice_column])
    sales = frame.loc[~is_cancellation(frame[invoice_column]), [customer_column, invoice_column]]
    counts = sales.groupby(customer_column)[invoice_column].nunique()
    return counts.astype(np.int64).rename("orders")


def cohort_retention(frame: pd.DataFrame, customer_column: str, date_column: str) -> pd.DataFrame:
    """Monthly acquisition-cohort retention matrix.

    Returns a DataFrame indexed by cohort month (``Period[M]``) with a ``cohort_size`` column followed by one
    column per period 0, 1, 2, … holding the share of the cohort active in that month. Rows with a missing
    customer or date are ignored.

    Raises :class:`~ecomops.data.DataError` if a column is missing (naming it and the columns present) or if
    no row has both a customer and a date.
    """
    require_columns(frame, [customer_column, date_column])
    data = frame[[customer_column, date_column]].dropna()
    if data.empty:
        raise DataError(f"no rows with both {customer_column!r} and {date_column!r} present")
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


def last_observed(retention: pd.DataFrame) -> pd.Series:
    """Each cohort's retention in its most recent observed period.

    ``retention`` is a table from :func:`cohort_retention`; the ``cohort_size`` column is ignored. For each
    cohort (row) the result holds the value of its last period that is not NaN, i.e. the retention in the
    last month of the data; a row with no observed period gives NaN. The result has the table's index.
    """
    rates = retention.drop(columns="cohort_size", errors="ignore")
    return rates.apply(lambda row: row.dropna().iloc[-1] if row.notna().any() else np.nan, axis=1)


def pooled_retention(retention: pd.DataFrame, exclude: tuple = (), alpha: float = 0.05) -> pd.DataFrame:
    """Retention per period after acquisition, pooled over cohorts, with Wilson intervals.

    For each period *k* ≥ 1 the customers retained in *k* are added up over the cohorts that have been observed
    for *k* months, and divided by the customers of those cohorts: small cohorts then count with their size, and
    a period beyond the end of the data for a cohort does not count as a zero.

    Parameters
    ----------
    retention : pandas.DataFrame
        A table from :func:`cohort_retention`.
    exclude : tuple
        Cohorts (index labels) to leave out, for example a left-censored first cohort.
    alpha : float
        Two-sided level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        Indexed by period (1, 2, …, only periods observed for at least one cohort): ``retained`` (customers
        active in the period, the cohort's rate times its size rounded to whole customers), ``customers``
        (customers observed for that period), ``rate``, ``ci_low`` and ``ci_high``.
    """
    from .operations import wilson_interval

    if "cohort_size" not in retention.columns:
        raise DataError("retention must be a cohort_retention table with a 'cohort_size' column")
    kept = retention.drop(index=list(exclude))
    sizes = kept["cohort_size"]
    rates = kept.drop(columns="cohort_size")
    pooled = pd.DataFrame({
        "retained": rates.mul(sizes, axis=0).round().sum().astype(np.int64),
        "customers": rates.notna().mul(sizes, axis=0).sum().astype(np.int64),
    })
    pooled = pooled[(pooled.index >= 1) & (pooled["customers"] > 0)]
    pooled["rate"] = pooled["retained"] / pooled["customers"]
    pooled["ci_low"], pooled["ci_high"] = wilson_interval(pooled["retained"], pooled["customers"], alpha)
    return pooled


def invoice_table(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per invoice from cleaned order lines: its customer, time, cancellation flag and value.

    Parameters
    ----------
    lines : pandas.DataFrame
        Output of :func:`clean_retail_transactions` (usually with ``keep_cancellations=True``), with the columns
        ``InvoiceNo``, ``CustomerID``, ``InvoiceDate``, ``cancellation`` and ``revenue``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``InvoiceNo``: ``customer`` (the invoice's first customer ID, NaN if none), ``date`` (its
        earliest line time), ``cancellation`` and ``revenue`` (the sum of its lines; negative for a cancellation).
    """
    require_columns(lines, ["InvoiceNo", "CustomerID", "InvoiceDate", "cancellation", "revenue"], "order lines")
    return lines.groupby("InvoiceNo").agg(
        customer=("CustomerID", "first"),
        date=("InvoiceDate", "min"),
        cancellation=("cancellation", "first"),
        revenue=("revenue", "sum"),
    )

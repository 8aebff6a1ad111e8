"""Customers: order-line cleaning, orders per customer, cohort retention and RFM segments (the BTYD models and CLV
are in :mod:`ecomops.clv`).

Order-line convention (the UCI Online Retail layout, Chen 2015): one row per invoice line with ``InvoiceNo``,
``InvoiceDate``, ``Quantity`` and ``UnitPrice``. An invoice whose number starts with ``"C"`` is a cancellation
(its quantities are negative); an *order* is an invoice that is not a cancellation. Line revenue is quantity
times unit price.

Cohort convention: a customer's cohort is the calendar month of their first purchase; period *k* is the *k*-th
calendar month after it (period 0 is the acquisition month). Retention in period *k* is the share of the cohort
with at least one purchase in that month. Periods after the end of the data are left empty (NaN), never 0.

RFM convention (:func:`rfm_table`, :func:`rfm_scores`, :func:`rfm_segments`): recency is the number of days from
a customer's last purchase day to the ``as_of`` day (this RFM recency is *not* the BTYD recency of
:mod:`ecomops.clv`); frequency is the number of purchase days (several orders on one day are one purchase
occasion); monetary is the total spend. Scores are quantile bins 1…n of the ranks, 5 = best (most recent,
most frequent, highest spend). The BG/NBD and Gamma-Gamma models live in :mod:`ecomops.clv` and are re-exported
here.

Every problem with the input (a missing column, a value that is not a number or not a date) raises
:class:`ecomops.data.DataError` naming the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clv import (
    BgNbdFit,
    GammaGammaFit,
    bgnbd_expected_purchases,
    bgnbd_expected_purchases_new,
    bgnbd_log_likelihood,
    bgnbd_probability_alive,
    calibration_summary,
    discounted_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    gamma_gamma_log_likelihood,
    holdout_by_frequency,
    purchase_days,
    simulate_bgnbd_transactions,
)
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
    "RFM_SEGMENT_RULES",
    "rfm_table",
    "rfm_scores",
    "rfm_segments",
    "segment_summary",
    # BTYD models and CLV (defined in ecomops.clv)
    "BgNbdFit",
    "GammaGammaFit",
    "purchase_days",
    "calibration_summary",
    "fit_bgnbd",
    "bgnbd_log_likelihood",
    "bgnbd_expected_purchases",
    "bgnbd_probability_alive",
    "bgnbd_expected_purchases_new",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "gamma_gamma_expected_spend",
    "discounted_clv",
    "holdout_by_frequency",
    "simulate_bgnbd_transactions",
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


def _month_ordinals(dates: pd.Series) -> np.ndarray:
    """Calendar months as integers (the ``Period[M]`` ordinals: months since January 1970)."""
    return ((dates.dt.year - 1970) * 12 + dates.dt.month - 1).to_numpy(dtype=np.int64)


def cohort_retention(
    frame: pd.DataFrame,
    customer_column: str,
    date_column: str,
    end_date=None,
    counts: bool = False,
) -> pd.DataFrame:
    """Monthly acquisition-cohort retention matrix.

    Returns a DataFrame indexed by cohort month (``Period[M]``) with a ``cohort_size`` column followed by one
    column per period 0, 1, 2, … holding the share of the cohort active in that month. Rows with a missing
    customer or date are ignored.

    Parameters
    ----------
    frame : pandas.DataFrame
        Purchases (one row per order or order line).
    customer_column, date_column : str
        Column names.
    end_date : date-like, optional
        Last day of the data. A calendar month that ends after it is incomplete: its purchases are left out
        (also the cohort acquired in it), and the last *complete* month is the last observed period, even if no
        one bought in it (then its retention is a real 0). Without it, the month of the last purchase counts as
        observed, complete or not.
    counts : bool, default False
        ``True`` returns the number of active customers in each cell instead of the share (NaN where the period
        is not observed).

    Raises :class:`~ecomops.data.DataError` if a column is missing (naming it and the columns present) or if
    no row has both a customer and a date.
    """
    require_columns(frame, [customer_column, date_column])
    data = frame[[customer_column, date_column]].dropna()
    dates = pd.to_datetime(data[date_column])
    last_complete = None
    if end_date is not None:
        end = pd.Timestamp(end_date).normalize()
        end_month = (end.year - 1970) * 12 + end.month - 1
        last_complete = end_month if (end + pd.Timedelta(days=1)).month != end.month else end_month - 1
        keep = _month_ordinals(dates) <= last_complete
        data, dates = data[keep], dates[keep]
    if data.empty:
        raise DataError(f"no rows with both {customer_column!r} and {date_column!r} present")
    activity = pd.DataFrame({"customer": data[customer_column].to_numpy(), "month": _month_ordinals(dates)})
    activity = activity.drop_duplicates()
    cohort = activity.groupby("customer")["month"].transform("min").to_numpy()
    activity["cohort"] = cohort
    activity["period"] = activity["month"].to_numpy() - cohort
    table = activity.groupby(["cohort", "period"]).size().unstack("period")
    last_month = int(activity["month"].max()) if last_complete is None else int(last_complete)
    max_period = last_month - table.index.to_numpy()
    # One column for every period up to the end of the data, also for a period in which no cohort bought
    # (it is a 0 retention, not a missing column).
    table = table.reindex(columns=range(int(max_period.max()) + 1)).astype(float)
    sizes = table[0]
    values = table if counts else table.div(sizes, axis=0)
    periods = values.columns.to_numpy()
    observed = periods[None, :] <= max_period[:, None]
    values = values.where(observed, np.nan).where(~observed | values.notna(), 0.0)
    values.index = pd.PeriodIndex.from_ordinals(table.index.to_numpy(), freq="M")
    values.index.name = "cohort"
    values.insert(0, "cohort_size", sizes.astype(int).to_numpy())
    values.columns.name = "period"
    return values


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


#: The 10-segment R×F map (R and F scores 1–5): (segment, R scores, F scores). Every one of the 25 (R, F) cells
#: belongs to exactly one segment; M does not enter the segment (it is reported beside it).
RFM_SEGMENT_RULES: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("hibernating", (1, 2), (1, 2)),
    ("at_risk", (1, 2), (3, 4)),
    ("cant_lose", (1, 2), (5,)),
    ("about_to_sleep", (3,), (1, 2)),
    ("need_attention", (3,), (3,)),
    ("loyal_customers", (3, 4), (4, 5)),
    ("promising", (4,), (1,)),
    ("new_customers", (5,), (1,)),
    ("potential_loyalists", (4, 5), (2, 3)),
    ("champions", (5,), (4, 5)),
)


def rfm_table(
    transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str, as_of=None
) -> pd.DataFrame:
    """Recency, frequency and monetary value of each customer.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per order or order line; rows with a missing customer or date are ignored.
    customer_col, date_col, amount_col : str
        Column names.
    as_of : date-like, optional
        The day the table describes; purchases after it are left out. Default: the last purchase day.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted): ``recency_days`` (whole days from the last purchase day to ``as_of``),
        ``frequency`` (purchase days) and ``monetary`` (total spend), plus ``first_purchase`` and
        ``last_purchase`` (days).
    """
    days = purchase_days(transactions, customer_col, date_col, amount_col)
    if days.empty:
        raise DataError("no transactions with both a customer and a date")
    reference = days["day"].max() if as_of is None else pd.Timestamp(as_of).normalize()
    days = days[days["day"] <= reference]
    if days.empty:
        raise DataError(f"no transactions on or before {reference.date()}")
    grouped = days.groupby("customer", sort=True)
    table = pd.DataFrame({
        "recency_days": (reference - grouped["day"].max()).dt.days.astype(np.int64),
        "frequency": grouped["day"].size().astype(np.int64),
        "monetary": grouped["amount"].sum().astype(float),
        "first_purchase": grouped["day"].min(),
        "last_purchase": grouped["day"].max(),
    })
    table.index.name = "customer"
    return table


def _quantile_score(values: pd.Series, n_bins: int, ties: str) -> pd.Series:
    """Score 1 + floor(n_bins · (rank − 1) / n) of each value (rank 1 = smallest)."""
    ranks = values.rank(method=ties).to_numpy()
    return pd.Series(1 + np.floor(n_bins * (ranks - 1) / len(values)).astype(np.int64), index=values.index)


def rfm_scores(rfm: pd.DataFrame, n_bins: int = 5, ties: str = "first") -> pd.DataFrame:
    """Quantile scores 1…``n_bins`` for recency, frequency and monetary value (``n_bins`` = best).

    Each dimension is ranked (recency reversed, so the most recent customers rank highest) and the score is
    ``1 + floor(n_bins · (rank − 1) / n)`` for n customers: equal-sized bins of the ranks.

    Tie convention (``ties``):

    * ``"first"`` (default): tied values are ranked in the order of the table's index (customers sorted), so
      the bins have equal sizes but customers with the same value can get different scores (on data where most
      customers bought once, the one-time buyers spread over F = 1–3);
    * ``"min"``: tied values share their lowest rank, so equal values always get the same score (bins are then
      unequal).

    Returns a DataFrame with the index of ``rfm`` and integer columns ``R``, ``F``, ``M`` and a text column
    ``RFM`` (e.g. ``"545"``).
    """
    if ties not in ("first", "min"):
        raise ValueError("ties must be 'first' or 'min'")
    if n_bins < 2:
        raise ValueError("n_bins must be at least 2")
    require_columns(rfm, ["recency_days", "frequency", "monetary"], "RFM table")
    if rfm.empty:
        raise DataError("RFM table has no customers")
    scores = pd.DataFrame({
        "R": _quantile_score(-rfm["recency_days"].astype(float), n_bins, ties),
        "F": _quantile_score(rfm["frequency"].astype(float), n_bins, ties),
        "M": _quantile_score(rfm["monetary"].astype(float), n_bins, ties),
    }, index=rfm.index)
    scores["RFM"] = scores["R"].astype(str) + scores["F"].astype(str) + scores["M"].astype(str)
    return scores


def rfm_segments(scores: pd.DataFrame) -> pd.Series:
    """Named segment of each customer from its R and F scores (1–5), by :data:`RFM_SEGMENT_RULES`.

    ========================  =========  =========
    segment                   R          F
    ========================  =========  =========
    hibernating               1–2        1–2
    at_risk                   1–2        3–4
    cant_lose                 1–2        5
    about_to_sleep            3          1–2
    need_attention            3          3
    loyal_customers           3–4        4–5
    promising                 4          1
    new_customers             5          1
    potential_loyalists       4–5        2–3
    champions                 5          4–5
    ========================  =========  =========

    Returns a Series of segment names named ``"segment"`` with the index of ``scores``. Raises ``ValueError``
    if a score is outside 1–5 (the map is defined for five bins only).
    """
    require_columns(scores, ["R", "F"], "RFM scores")
    r, f = scores["R"].to_numpy(), scores["F"].to_numpy()
    if np.any((r < 1) | (r > 5) | (f < 1) | (f > 5)):
        raise ValueError("rfm_segments needs R and F scores from 1 to 5 (rfm_scores with n_bins=5)")
    lookup = np.empty((6, 6), dtype=object)
    for name, r_values, f_values in RFM_SEGMENT_RULES:
        lookup[np.ix_(r_values, f_values)] = name
    return pd.Series(lookup[r, f], index=scores.index, name="segment").astype(str)


def segment_summary(rfm: pd.DataFrame, segments: pd.Series, value: pd.Series | None = None) -> pd.DataFrame:
    """Size and value of each segment: ``customers``, ``share`` of customers, ``monetary`` (total spend),
    ``monetary_share``, mean ``recency_days`` and ``frequency``, and the total of ``value`` (e.g. CLV) when
    given; sorted by total spend, largest first."""
    frame = rfm[["recency_days", "frequency", "monetary"]].assign(segment=segments)
    if value is not None:
        frame["value"] = value.reindex(frame.index)
    aggregations = {"customers": ("frequency", "size"), "monetary": ("monetary", "sum"),
                    "recency_days": ("recency_days", "mean"), "frequency": ("frequency", "mean")}
    if value is not None:
        aggregations["value"] = ("value", "sum")
    table = frame.groupby("segment").agg(**aggregations)
    table.insert(1, "share", table["customers"] / table["customers"].sum())
    table.insert(3, "monetary_share", table["monetary"] / table["monetary"].sum())
    return table.sort_values("monetary", ascending=False)

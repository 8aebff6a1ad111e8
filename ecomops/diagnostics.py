"""Shop diagnostics: monthly trend and growth, seasonality, Pareto concentration, returns and geographic mix.

A transactions file of any size (one row per order or order line) is reduced by **one DuckDB query** to a few
small tables (:func:`summarise_transactions`); the pure functions below turn those tables into the diagnostic
figures. CSV and CSV.gz files get the encoding detection (UTF-8, GBK) and delimiter sniffing of
:func:`ecomops.data.load_table` (through the file handling of :mod:`ecomops.experiments.events`); Parquet is read
directly and an XLSX sheet is loaded with :func:`~ecomops.data.load_table` first.

Conventions (used everywhere in this module)

* **Line value** is ``amount`` or ``quantity × price``, in the currency of the file.
* A **cancellation line** is a line of an invoice whose number starts with ``"C"``
  (:func:`ecomops.customers.is_cancellation`, the UCI Online Retail convention); without an invoice column, a line
  with a negative value. An **order** is a distinct invoice that is not a cancellation (without an invoice
  column, each row that is not a cancellation is one order).
* **Revenue** is *net*: the sum of the values of all lines, cancellations (negative) included, and lines without a
  customer ID included. **Gross sales** are the values of the lines that are not cancellations.
* A **customer** is a distinct non-empty customer ID with at least one line that is not a cancellation; lines
  without a customer ID count in revenue and orders but not in customer figures (customers per month, Pareto by
  customer, retention).
* A calendar month is **complete** when the data cover it from its first to its last day (the first and the last
  date in the file are taken as the bounds of the data). Growth rates are computed between complete months only.

Every problem with the input (a missing column, a date or number that cannot be read, no rows left) raises
:class:`ecomops.data.DataError` naming the column, the row and the value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .customers import cohort_retention, pooled_retention
from .data import DataError, load_table, require_columns, resolve_path

__all__ = [
    "DATE_FORMATS",
    "SUMMARY_COLUMNS",
    "SUMMARY_PARTS",
    "TransactionSummary",
    "summarise_transactions",
    "summary_sql",
    "summary_from_table",
    "complete_months",
    "monthly_growth",
    "seasonality_index",
    "top_share",
    "lorenz_curve",
    "gini_coefficient",
    "return_rates",
    "geographic_mix",
    "retention_at",
]

#: Date layouts tried (in this order) after ISO 8601 (``2010-12-01 08:26:00``, ``2010-12-01``). Dates with
#: slashes are read year first or, failing that, month first (``12/1/2010 8:26``, the UCI spreadsheet and the
#: default of :func:`pandas.to_datetime`).
DATE_FORMATS: tuple[str, ...] = (
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
)
_ROLES = ("customer", "date", "amount", "quantity", "price", "product", "invoice", "country")


@dataclass
class TransactionSummary:
    """The small tables :func:`summarise_transactions` returns (all values in the file's currency).

    Attributes
    ----------
    start, end : pandas.Timestamp
        First and last date-time in the data.
    totals : dict
        ``lines``, ``revenue`` (net), ``gross_sales``, ``cancelled_value`` (positive), ``cancelled_lines``,
        ``orders``, ``invoices`` (all distinct invoices, cancellations included), ``cancelled_invoices``,
        ``customers``, ``lines_without_customer``, ``revenue_without_customer``.
    monthly : pandas.DataFrame
        Indexed by calendar month (``Period[M]``, every month from the first to the last, a month without any
        line holding zeros): ``revenue``, ``gross_sales``, ``cancelled_value``, ``lines``, ``orders``,
        ``customers``.
    customer_months : pandas.DataFrame
        One row per customer and month with a line: ``customer``, ``month`` (``Period[M]``), ``revenue`` (net),
        ``orders``.
    products : pandas.Series or None
        Net revenue per product (``None`` without a product column).
    countries : pandas.DataFrame or None
        Per country: ``revenue``, ``orders``, ``customers`` (``None`` without a country column).
    weekdays : pandas.DataFrame
        Per ISO weekday (1 = Monday … 7 = Sunday): ``revenue``, ``orders``.
    has_invoice : bool
        Whether cancellations and orders were read from an invoice column.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    totals: dict
    monthly: pd.DataFrame
    customer_months: pd.DataFrame
    products: pd.Series | None
    countries: pd.DataFrame | None
    weekdays: pd.DataFrame
    has_invoice: bool
    columns: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ the query


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(column: str) -> str:
    return f"NULLIF(TRIM(CAST({_quote(column)} AS VARCHAR)), '')"


def _date_sql(column: str) -> str:
    formats = ", ".join("'" + f + "'" for f in DATE_FORMATS)
    value = _text(column)
    return f"COALESCE(TRY_CAST({value} AS TIMESTAMP), TRY_STRPTIME({value}, [{formats}]))"


def _number_sql(column: str) -> str:
    return f"TRY_CAST({_text(column)} AS DOUBLE)"


#: the columns of the summary table (:func:`summary_sql`'s result): ``part`` says which table a row belongs to
#: (:data:`SUMMARY_PARTS`), the key columns are those of that part (empty elsewhere), then the sums
SUMMARY_COLUMNS: tuple[str, ...] = (
    "part", "month", "customer", "product", "country", "weekday", "lines", "revenue", "gross_sales",
    "cancelled_value", "cancelled_lines", "orders", "invoices", "cancelled_invoices", "customers",
    "lines_without_customer", "revenue_without_customer", "bad_dates", "bad_values", "start", "end",
)
#: the parts of the summary table: one row per month, customer and month, country, ISO weekday and product, and
#: one total row
SUMMARY_PARTS: tuple[str, ...] = ("month", "customer_month", "country", "weekday", "product", "total")


def summary_sql(raw: str, has_invoice: bool) -> str:
    """The aggregation of the order lines into the summary table, in DuckDB SQL, in two stages over one scan.

    ``raw`` is a SELECT giving one row per line with ``ts`` (timestamp), ``date_text`` (the date as written, for
    telling an empty row from an unreadable date), ``value``, ``bad_number`` (a number that could not be read),
    ``customer``, ``invoice``, ``product`` and ``country`` (text, NULL when empty or not given). The file route
    (:func:`summarise_transactions`) and the warehouse query (``ecomops sql case_study``) differ only in it.

    Stage 1 groups the lines by GROUPING SETS at the grain of an invoice (invoice, cancellation flag, customer,
    country, month, weekday; without an invoice column the same minus the invoice) and by product, with plain
    sums. Stage 2 groups that much smaller table by GROUPING SETS over month, customer × month, country, weekday
    and the total, where the distinct counts (orders, customers) are cheap. Each output row has ``part``
    (:data:`SUMMARY_PARTS`); the columns are :data:`SUMMARY_COLUMNS`. Only single-column ``GROUPING`` calls and a
    weekday computed from a day count (1900-01-01 was a Monday; the remainder is made non-negative for earlier
    days) are used, so that the query means the same in every dialect it is transpiled to.
    """
    cancelled = "COALESCE(invoice LIKE 'C%', FALSE)" if has_invoice else "COALESCE(value < 0, FALSE)"
    if has_invoice:
        orders = "COUNT(DISTINCT invoice) FILTER (WHERE NOT cancelled)"
        invoices = "COUNT(DISTINCT invoice)"
        cancelled_invoices = "COUNT(DISTINCT invoice) FILTER (WHERE cancelled)"
    else:
        orders = "COALESCE(SUM(lines) FILTER (WHERE NOT cancelled), 0)"
        invoices = cancelled_invoices = "0"
    return f"""
    WITH raw AS (
        {raw}
    ), lines AS (
        SELECT *, {cancelled} AS cancelled, date_trunc('month', ts) AS month,
               (DATE_DIFF('day', DATE '1900-01-01', CAST(ts AS DATE)) % 7 + 7) % 7 + 1 AS weekday
        FROM raw
        WHERE NOT (date_text IS NULL AND value IS NULL AND customer IS NULL AND NOT bad_number)
    ), grain AS MATERIALIZED (
        SELECT GROUPING(product) AS invoice_grain,
               invoice, cancelled, customer, country, month, weekday, product,
               COUNT(*) AS lines, SUM(value) AS value,
               COUNT(*) FILTER (WHERE customer IS NULL) AS lines_without_customer,
               COALESCE(SUM(value) FILTER (WHERE customer IS NULL), 0) AS value_without_customer,
               COUNT(*) FILTER (WHERE ts IS NULL) AS bad_dates, COUNT(*) FILTER (WHERE value IS NULL) AS bad_values,
               MIN(ts) AS first_ts, MAX(ts) AS last_ts
        FROM lines
        GROUP BY GROUPING SETS ((invoice, cancelled, customer, country, month, weekday), (product))
    ), invoices AS (
        SELECT * FROM grain WHERE invoice_grain = 1
    )
    SELECT CASE WHEN GROUPING(customer) = 0 THEN 'customer_month' WHEN GROUPING(month) = 0 THEN 'month'
                WHEN GROUPING(country) = 0 THEN 'country' WHEN GROUPING(weekday) = 0 THEN 'weekday'
                ELSE 'total' END AS part,
           month, customer, NULL AS product, country, weekday,
           SUM(lines) AS lines, SUM(value) AS revenue,
           COALESCE(SUM(value) FILTER (WHERE NOT cancelled), 0) AS gross_sales,
           COALESCE(-SUM(value) FILTER (WHERE cancelled), 0) AS cancelled_value,
           COALESCE(SUM(lines) FILTER (WHERE cancelled), 0) AS cancelled_lines,
           {orders} AS orders, {invoices} AS invoices, {cancelled_invoices} AS cancelled_invoices,
           COUNT(DISTINCT customer) FILTER (WHERE NOT cancelled) AS customers,
           SUM(lines_without_customer) AS lines_without_customer,
           SUM(value_without_customer) AS revenue_without_customer,
           SUM(bad_dates) AS bad_dates, SUM(bad_values) AS bad_values,
           MIN(first_ts) AS start, MAX(last_ts) AS "end"
    FROM invoices
    GROUP BY GROUPING SETS ((month), (customer, month), (country), (weekday), ())
    UNION ALL
    SELECT 'product', NULL, NULL, product, NULL, NULL, lines, value, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL
    FROM grain WHERE invoice_grain = 0
    ORDER BY part, month, customer, country, weekday, product
    """


def _raw_sql(columns: dict[str, str | None], table: str) -> str:
    """The file route's first stage: the text cells of ``table`` read as dates, numbers and stripped text."""
    value = (_number_sql(columns["amount"]) if columns["amount"]
             else f"{_number_sql(columns['quantity'])} * {_number_sql(columns['price'])}")
    optional = {role: _text(columns[role]) if columns[role] else "NULL" for role in ("invoice", "product", "country")}
    bad_numbers = " OR ".join(f"({_text(c)} IS NOT NULL AND {_number_sql(c)} IS NULL)"
                              for c in (columns["amount"], columns["quantity"], columns["price"]) if c)
    return (f"SELECT {_date_sql(columns['date'])} AS ts, {_text(columns['date'])} AS date_text, {value} AS value, "
            f"({bad_numbers}) AS bad_number, {_text(columns['customer'])} AS customer, "
            f"{optional['invoice']} AS invoice, {optional['product']} AS product, {optional['country']} AS country "
            f"FROM {table}")


def _resolve(present: list[str], wanted: dict[str, str | None], source: str) -> dict[str, str | None]:
    stripped = {str(name).strip(): str(name) for name in present}
    resolved: dict[str, str | None] = {}
    for role in _ROLES:
        name = wanted.get(role)
        if not name:
            resolved[role] = None
            continue
        if name.strip() not in stripped:
            raise DataError(
                f"{source}: column {name!r} ({role}_col) is missing; the columns present are "
                f"{', '.join(repr(c) for c in present)}"
            )
        resolved[role] = stripped[name.strip()]
    if not resolved["customer"] or not resolved["date"]:
        raise DataError("customer_col and date_col are required")
    if not resolved["amount"] and not (resolved["quantity"] and resolved["price"]):
        raise DataError("give amount_col, or both quantity_col and price_col")
    return resolved


def _first_bad(con, run, table: str, columns: dict[str, str | None], source: str) -> None:
    """Raise a DataError naming the first row whose date or number cannot be read."""
    numbers = [c for c in (columns["amount"], columns["quantity"], columns["price"]) if c]
    for column, check in [(columns["date"], _date_sql(columns["date"]))] + [(c, _number_sql(c)) for c in numbers]:
        empty_row = " AND ".join(f"{_text(c)} IS NULL" for c in (columns["date"], columns["customer"], *numbers))
        found = run(con, f"""SELECT * FROM (SELECT row_number() OVER () AS row_number, {_text(column)} AS v,
                             {check} AS parsed, ({empty_row}) AS empty_row FROM {table})
                             WHERE parsed IS NULL AND NOT empty_row LIMIT 1""")
        if not found.empty:
            row = int(found["row_number"].iloc[0]) + 1  # the header is row 1 of the file
            what = "dates" if column == columns["date"] else "numbers"
            shown = "an empty cell" if pd.isna(found["v"].iloc[0]) else repr(found["v"].iloc[0])
            raise DataError(f"{source}: column {column!r} must hold {what}, but row {row} has {shown}")


def _connect(duckdb):
    con = duckdb.connect(":memory:")
    try:  # no progress bar on a terminal; in Jupyter (which would need ipywidgets) DuckDB refuses the setting
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    return con


def _period_index(values: pd.Series) -> pd.PeriodIndex:
    return pd.PeriodIndex(pd.to_datetime(values), freq="M")


def _tables(stats: pd.DataFrame, columns: dict[str, str | None]) -> TransactionSummary:
    part = {name: stats[stats["part"] == name]
            for name in ("month", "customer_month", "product", "country", "weekday", "total")}
    total = part["total"].iloc[0]
    start, end = pd.Timestamp(total["start"]), pd.Timestamp(total["end"])
    monthly = part["month"].set_index(_period_index(part["month"]["month"]))
    monthly = monthly[["revenue", "gross_sales", "cancelled_value", "lines", "orders", "customers"]].sort_index()
    monthly = monthly.reindex(pd.period_range(start, end, freq="M"), fill_value=0)
    monthly.index.name = "month"
    monthly[["lines", "orders", "customers"]] = monthly[["lines", "orders", "customers"]].astype(np.int64)
    monthly = monthly.astype({c: float for c in ("revenue", "gross_sales", "cancelled_value")})
    cm = part["customer_month"]
    cm = cm[cm["customer"].notna()]
    customer_months = pd.DataFrame({
        "customer": cm["customer"].astype(str).to_numpy(), "month": _period_index(cm["month"]),
        "revenue": cm["revenue"].astype(float).to_numpy(), "orders": cm["orders"].astype(np.int64).to_numpy(),
    }).sort_values(["customer", "month"], ignore_index=True)
    products = None
    if columns["product"]:
        rows = part["product"][part["product"]["product"].notna()]
        products = rows.set_index("product")["revenue"].astype(float).rename("revenue").sort_index()
    countries = None
    if columns["country"]:
        rows = part["country"].assign(country=part["country"]["country"].fillna("(not given)"))
        countries = rows.set_index("country")[["revenue", "orders", "customers"]].sort_index()
        countries = countries.astype({"revenue": float, "orders": np.int64, "customers": np.int64})
    weekdays = part["weekday"].set_index(part["weekday"]["weekday"].astype(int))[["revenue", "orders"]]
    weekdays = weekdays.sort_index().reindex(range(1, 8), fill_value=0).astype({"revenue": float, "orders": np.int64})
    weekdays.index.name = "weekday"
    keys = ("lines", "revenue", "gross_sales", "cancelled_value", "cancelled_lines", "orders", "invoices",
            "cancelled_invoices", "customers", "lines_without_customer", "revenue_without_customer")
    totals = {k: (float(total[k]) if k in ("revenue", "gross_sales", "cancelled_value", "revenue_without_customer")
                  else int(total[k])) for k in keys}
    return TransactionSummary(start, end, totals, monthly, customer_months, products, countries, weekdays,
                              has_invoice=bool(columns["invoice"]), columns=columns)


def _summarise(con, run, table: str, present: list[str], wanted: dict, source: str) -> TransactionSummary:
    columns = _resolve(present, wanted, source)
    stats = run(con, summary_sql(_raw_sql(columns, table), bool(columns["invoice"])))
    total = stats[stats["part"] == "total"].iloc[0].fillna(0)
    if int(total["bad_dates"]) or int(total["bad_values"]):
        _first_bad(con, run, table, columns, source)
    if int(total["lines"]) == 0:
        raise DataError(f"{source}: no rows with data (only a header, or only empty rows)")
    return _tables(stats, columns)


#: the summary's number columns, and the parts whose rows must hold each (the product rows carry lines and
#: revenue only)
_SUMMARY_NUMBERS = {name: SUMMARY_PARTS if name in ("lines", "revenue") else SUMMARY_PARTS[:4] + ("total",)
                    for name in SUMMARY_COLUMNS[6:19]}
#: the summary's date columns, and the parts whose rows must hold each
_SUMMARY_DATES = {"month": ("month", "customer_month"), "start": ("total",), "end": ("total",)}


def _first_missing(values: pd.Series, needed: pd.Series, column: str, what: str, source: str) -> None:
    """Raise a DataError naming the first row (the header is row 1) where ``values`` is empty but ``needed``."""
    bad = (values.isna() & needed).to_numpy()
    if bad.any():
        position = int(bad.nonzero()[0][0])
        raise DataError(f"{source}: column {column!r} must hold {what} in its {needed.name} rows, but row "
                        f"{position + 2} has an empty or unreadable cell")


def summary_from_table(table: pd.DataFrame, *, product: bool, invoice: bool, country: bool,
                       source: str = "summary") -> TransactionSummary:
    """Check a saved summary table (the result of :func:`summary_sql`, as ``ecomops sql case_study`` prints it)
    and turn it into the :class:`TransactionSummary` the file route gives.

    Parameters
    ----------
    table : pandas.DataFrame
        The columns :data:`SUMMARY_COLUMNS`, one row per part key (:data:`SUMMARY_PARTS`).
    product, invoice, country : bool
        Whether the query read a product, an invoice and a country column (the template's ``product_col``,
        ``invoice_col`` and ``country_col`` are set).
    source : str
        The file's name, for messages.

    Returns
    -------
    TransactionSummary

    Raises
    ------
    ecomops.data.DataError
        A missing column, a part that is not one of :data:`SUMMARY_PARTS` or missing altogether, not exactly one
        total row, an empty or unreadable number or date where its part needs one (the column and the row),
        lines without a date or a value (counted by the query: the file route refuses them too), no lines, or
        an invoice count that contradicts ``invoice``.
    """
    require_columns(table, SUMMARY_COLUMNS, source)
    stats = table[list(SUMMARY_COLUMNS)].copy()
    stats["part"] = stats["part"].astype("string").str.strip()
    unknown = ~stats["part"].isin(SUMMARY_PARTS).fillna(False).to_numpy(dtype=bool)
    if unknown.any():
        row = int(unknown.nonzero()[0][0])
        raise DataError(f"{source}: column 'part' must be one of {', '.join(SUMMARY_PARTS)}, but row {row + 2} has "
                        f"{table['part'].iloc[row]!r}")
    missing = [p for p in SUMMARY_PARTS if not (stats["part"] == p).any()]
    totals = int((stats["part"] == "total").sum())
    if missing or totals != 1:
        found = f"no {missing[0]!r} rows" if missing else f"{totals} 'total' rows"
        raise DataError(f"{source}: a summary has rows of every part ({', '.join(SUMMARY_PARTS)}) and exactly one "
                        f"'total' row; this one has {found} (was the query's result saved whole?)")
    for column, parts in {**_SUMMARY_NUMBERS, "weekday": ("weekday",)}.items():
        stats[column] = pd.to_numeric(stats[column], errors="coerce")
        _first_missing(stats[column], stats["part"].isin(parts).rename(" / ".join(parts)), column, "numbers",
                       source)
    for column, parts in _SUMMARY_DATES.items():
        stats[column] = pd.to_datetime(stats[column], errors="coerce", format="mixed")
        _first_missing(stats[column], stats["part"].isin(parts).rename(" / ".join(parts)), column, "dates", source)
    total = stats[stats["part"] == "total"].iloc[0]
    for column, what in (("bad_dates", "an empty or unreadable date"), ("bad_values", "an empty or unreadable value")):
        if total[column] > 0:
            raise DataError(f"{source}: the summary counts {int(total[column]):,} line(s) with {what} ({column} of "
                            "the total row); fix or leave out those lines in the warehouse table and run the query "
                            "again")
    if total["lines"] == 0:
        raise DataError(f"{source}: the summary counts no lines (lines = 0 in the total row)")
    if invoice != (total["invoices"] > 0):
        raise DataError(f"{source}: the total row counts {int(total['invoices']):,} invoices, but invoice_col is "
                        f"{'set' if invoice else 'empty'}; use the parameters the query was printed with "
                        "(ecomops sql case_study -p)")
    return _tables(stats, {"product": product, "invoice": invoice, "country": country})


def summarise_transactions(
    data: str | Path | pd.DataFrame,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None = None,
    quantity_col: str | None = None,
    price_col: str | None = None,
    product_col: str | None = None,
    invoice_col: str | None = None,
    country_col: str | None = None,
    sheet: str | int | None = None,
) -> TransactionSummary:
    """Reduce a transactions table to the tables of :class:`TransactionSummary` with one DuckDB query.

    Parameters
    ----------
    data : path or pandas.DataFrame
        A CSV, CSV.gz or Parquet file (scanned by DuckDB, never loaded whole into pandas), an XLSX file (loaded
        with :func:`ecomops.data.load_table`) or a DataFrame. One row per order or order line.
    customer_col, date_col : str
        Customer ID and date (or date-time) columns. Empty customer IDs are allowed (see the module conventions).
    amount_col : str, optional
        The line's value; or give ``quantity_col`` and ``price_col`` (value = quantity × price).
    product_col, invoice_col, country_col : str, optional
        Product code, invoice number (a leading ``"C"`` marks a cancellation) and country columns.
    sheet : str or int, optional
        The sheet of an XLSX file (default the first).

    Returns
    -------
    TransactionSummary

    Raises
    ------
    ecomops.data.DataError
        A column missing (named, with the columns present), a date or number that cannot be read (the column,
        the row of the file, counting the header as row 1, and the value), or no rows with data. Rows whose
        customer, date and value cells are all empty (a spreadsheet's trailing rows) are skipped.
    """
    import duckdb

    from .experiments import _files

    wanted = {"customer": customer_col, "date": date_col, "amount": amount_col, "quantity": quantity_col,
              "price": price_col, "product": product_col, "invoice": invoice_col, "country": country_col}
    frame = data if isinstance(data, pd.DataFrame) else None
    file = None if frame is not None else resolve_path(data)
    if file is not None and not file.name.lower().endswith(_files.EVENT_FILE_TYPES):
        frame = load_table(file, sheet=sheet) if sheet is not None else load_table(file)
    if frame is not None:
        source = str(file) if file is not None else "transactions"
        con = _connect(duckdb)
        try:
            con.register("transactions", frame)

            def run(connection, sql: str) -> pd.DataFrame:
                return connection.execute(sql).df()

            return _summarise(con, run, "transactions", [str(c) for c in frame.columns], wanted, source)
        finally:
            con.close()

    def work(src) -> TransactionSummary:
        con = _connect(duckdb)
        try:
            present = list(_files.schema(con, src)[1])
            used = [wanted[r] for r in _ROLES if wanted[r]]
            as_text = [c for c in present if c.strip() in {u.strip() for u in used}]
            table = src.table(as_text if src.delimiter is not None else ())
            return _summarise(con, lambda connection, sql: _files.run(connection, src, sql), table, present,
                              wanted, str(src.file))
        finally:
            con.close()

    return _files.read(file, _files.file_kind(file), None, work)


# ------------------------------------------------------------------------------------------------ the figures


def complete_months(start, end) -> tuple[pd.Period, pd.Period]:
    """First and last complete calendar month of data that run from ``start`` to ``end`` (date-likes).

    A month is complete when the data cover its first and its last day: data from 2010-12-01 to 2011-12-09
    give (2010-12, 2011-11); data from 2010-12-02 to 2011-12-31 give (2011-01, 2011-12). If no month is
    complete the first is after the last.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    first = pd.Period(start, freq="M") + (0 if start.day == 1 else 1)
    last = pd.Period(end, freq="M") - (0 if (end + pd.Timedelta(days=1)).month != end.month else 1)
    return first, last


def monthly_growth(monthly: pd.DataFrame, complete: pd.Series | np.ndarray | None = None,
                   columns: tuple[str, ...] = ("revenue", "orders", "customers")) -> pd.DataFrame:
    """Month-on-month and year-on-year growth of the monthly figures.

    ``monthly`` is indexed by consecutive ``Period[M]``. For each column ``x`` the result has ``x_mom`` =
    x(m) / x(m − 1) − 1 and ``x_yoy`` = x(m) / x(m − 12) − 1 (a fraction: 0.25 is +25 %). A growth rate is NaN
    when either month is not complete (``complete`` a boolean mask, default all complete), is outside the data,
    or the earlier value is not positive. Example: revenue 100, 120, 90 gives MoM NaN, 0.20, −0.25.
    """
    flags = pd.Series(True if complete is None else np.asarray(complete, dtype=bool), index=monthly.index)
    result = pd.DataFrame(index=monthly.index)
    for column in columns:
        values = monthly[column].astype(float).where(flags)
        for suffix, lag in (("mom", 1), ("yoy", 12)):
            before = values.shift(lag)
            result[f"{column}_{suffix}"] = (values / before.where(before > 0) - 1).where(values.notna())
    return result


def seasonality_index(monthly_revenue: pd.Series) -> pd.DataFrame:
    """Month-of-year seasonality index of complete months.

    ``monthly_revenue`` is indexed by ``Period[M]`` (complete months only). For calendar month *m* (1–12) the
    index is the mean revenue of the months *m* in the data divided by the mean revenue of all months given:
    1.0 is an average month, 1.3 a month 30 % above it. With one year of data each index rests on one month
    (``months`` counts them), so it mixes the seasonal pattern with that year's trend. Example: revenue 100,
    200, 300 in January, February, March gives 0.5, 1.0, 1.5. Calendar months absent from the data are left out.
    """
    if len(monthly_revenue) == 0:
        return pd.DataFrame(columns=["months", "mean_revenue", "index"])
    overall = float(monthly_revenue.mean())
    by_month = monthly_revenue.groupby(monthly_revenue.index.month).agg(["size", "mean"])
    by_month.columns = ["months", "mean_revenue"]
    by_month.index.name = "month_of_year"
    by_month["index"] = by_month["mean_revenue"] / overall if overall > 0 else np.nan
    return by_month


#: decimals values are rounded to before they are compared with 0: a customer whose purchases were all cancelled
#: has a net revenue of 0 up to floating-point noise (±1e-13), which must not count as a positive unit
POSITIVE_DECIMALS = 6


def _positive(values: pd.Series | np.ndarray) -> np.ndarray:
    array = np.round(np.asarray(values, dtype=float), POSITIVE_DECIMALS)
    return array[np.isfinite(array) & (array > 0)]


def top_share(values: pd.Series | np.ndarray, share: float = 0.2) -> float:
    """Share of the total held by the top ``share`` of units (the Pareto "top 20 %" figure).

    Only units with a positive value count (a customer or product whose net revenue is zero or negative —
    fully cancelled — is left out of both the units and the total; values are rounded to
    :data:`POSITIVE_DECIMALS` decimals first, so that the floating-point noise of a sum is not "positive"). The top group is the
    ``k = ceil(share × n)`` largest of the ``n`` units: for 7 units and 20 %, k = 2 (rounded up, so a small
    shop still has one "top" unit). Ties at the cut do not matter: tied units have the same value, so the sum
    is the same whichever are taken. Example: values 50, 30, 10, 5, 5 → k = 1, share 50 / 100 = 0.5. NaN
    when no unit has a positive value.
    """
    positive = np.sort(_positive(values))[::-1]
    if positive.size == 0:
        return float("nan")
    k = max(1, math.ceil(round(share * positive.size, 9)))
    return float(positive[:k].sum() / positive.sum())


def lorenz_curve(values: pd.Series | np.ndarray) -> pd.DataFrame:
    """Lorenz curve of the positive values: cumulative share of units (smallest first) against share of value.

    Returns ``units_share`` and ``value_share``, both from 0 to 1, with the point (0, 0) first and one point
    per unit. Example: values 50, 30, 10, 5, 5 give units 0, 0.2, …, 1 and value 0, 0.05, 0.10, 0.20, 0.50,
    1.0. Read from the right, the curve gives the top-share figure: the top 20 % hold 1 − 0.50 = 0.50.
    """
    ordered = np.sort(_positive(values))
    total = ordered.sum()
    cumulative = np.concatenate([[0.0], np.cumsum(ordered) / total]) if ordered.size else np.array([0.0])
    units = np.arange(ordered.size + 1) / max(ordered.size, 1)
    return pd.DataFrame({"units_share": units, "value_share": cumulative})


def gini_coefficient(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient of the positive values: 1 − twice the area under the Lorenz curve (trapezoids).

    0 when every unit has the same value, near 1 when one unit has everything. Example: 50, 30, 10, 5, 5 →
    1 − 0.2 × (0.05 + 0.15 + 0.30 + 0.70 + 1.50) = 0.46. NaN without positive values.
    """
    curve = lorenz_curve(values)
    if len(curve) < 2:
        return float("nan")
    x, y = curve["units_share"].to_numpy(), curve["value_share"].to_numpy()
    return float(1.0 - np.sum(np.diff(x) * (y[1:] + y[:-1])))


def return_rates(totals: dict) -> dict[str, float]:
    """Cancellation (return) rates from :attr:`TransactionSummary.totals`.

    * ``value``: cancelled value / gross sales (the headline ``return_rate``);
    * ``lines``: cancellation lines / all lines;
    * ``invoices``: cancellation invoices / all invoices (NaN without an invoice column).

    A rate whose denominator is zero is NaN. Example: gross sales 1,000, cancelled 50 → value rate 0.05.
    """
    def ratio(numerator: float, denominator: float) -> float:
        return float(numerator / denominator) if denominator > 0 else float("nan")

    return {
        "value": ratio(totals["cancelled_value"], totals["gross_sales"]),
        "lines": ratio(totals["cancelled_lines"], totals["lines"]),
        "invoices": ratio(totals["cancelled_invoices"], totals["invoices"]),
    }


def geographic_mix(countries: pd.DataFrame, top: int = 10, other: str = "other ({count} countries)") -> pd.DataFrame:
    """Revenue, orders and customers by country, largest revenue first, with the share of revenue.

    The ``top`` countries by net revenue are listed (ties broken by name) and the rest summed into one row
    ``other`` (a pattern with ``{count}``, the number of countries summed); ``revenue_share`` is each row's revenue over the total of all countries.
    ``customers`` of the "other" row is a sum over countries (a customer buying in two countries counts twice).
    """
    ordered = countries.assign(_name=countries.index).sort_values(["revenue", "_name"], ascending=[False, True])
    ordered = ordered.drop(columns="_name")
    shown, rest = ordered.iloc[:top], ordered.iloc[top:]
    if len(rest):
        shown = pd.concat([shown, pd.DataFrame(rest.sum(numeric_only=True).to_dict(),
                                               index=[other.format(count=len(rest))])])
    total = float(countries["revenue"].sum())
    shown = shown.astype({"orders": np.int64, "customers": np.int64})
    shown["revenue_share"] = shown["revenue"] / total if total != 0 else np.nan
    shown.index.name = "country"
    return shown


def retention_at(customer_months: pd.DataFrame, end, period: int = 3) -> tuple[float, pd.DataFrame]:
    """Pooled cohort retention in month ``period`` after acquisition, and the cohort table.

    Uses :func:`ecomops.customers.cohort_retention` (acquisition month cohorts; incomplete last month left out
    via ``end_date=end``) on the customer-months with at least one order, then
    :func:`ecomops.customers.pooled_retention`: customers of all cohorts observed for ``period`` months who
    bought in that month, over the customers of those cohorts. NaN if no cohort has been observed that long.
    """
    active = customer_months[customer_months["orders"] > 0]
    frame = pd.DataFrame({"customer": active["customer"].to_numpy(),
                          "date": active["month"].dt.to_timestamp().to_numpy()})
    table = cohort_retention(frame, "customer", "date", end_date=end)
    pooled = pooled_retention(table)
    rate = float(pooled.loc[period, "rate"]) if period in pooled.index else float("nan")
    return rate, table

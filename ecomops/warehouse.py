"""The warehouse side of an A/B test: the SQL query that reduces the assignment and event tables to the per-variant
sums an analysis needs (section 3.5.2), a runner for it on SQLite, and the same reduction in pandas as a check.

The query's output has one row per variant with the columns the ``ab_test_analysis`` template reads with
``data_kind: summary``: ``variant, users, conversions, revenue_sum, revenue_sum_sq, pre_revenue_sum,
pre_revenue_sum_sq, revenue_pre_revenue_sum``. Outcomes are counted per *assigned* user (users without any event
count with zeros), only for purchases after the user's own assignment and before the end of the test; the
pre-period covariate counts purchases from the start of the pre-period to the start of the test.

The second half is the supported warehouse route for the templates whose input is large (``ecomops sql``): one
aggregation query per template, written once in DuckDB's SQL over *role* columns (``variant``, ``converted`` …),
reducing the user's raw table to the template's summary input (``data_kind: summary``). :func:`template_query`
renames the table, replaces each role by the user's own column or expression, and transpiles the query with
sqlglot to the warehouse's dialect; the printed query starts with comments naming every output column and the
template parameter that reads it. Only the DuckDB and Spark versions are executed by the tests; the other dialects
are transpiled and parsed back, not run.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from .data import DataError, require_columns

__all__ = ["SUFFICIENT_STATS_QUERY", "split_event_log", "sufficient_stats_sqlite", "per_user_outcomes",
           "DIALECTS", "SQL_TEMPLATES", "RAW_TABLE", "WarehouseQuery", "template_query", "parse_column_options",
           "funnel_stage_columns", "btyd_query", "run_duckdb", "WORKED_SUMMARIES", "worked_summary",
           "write_worked_summaries"]

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


# ------------------------------------------------------------------------------------ one query per template

#: the dialects ``ecomops sql`` prints (sqlglot's names); duckdb and spark are executed by the tests
DIALECTS = ("duckdb", "spark", "hive", "clickhouse", "doris", "starrocks", "mysql", "postgres", "trino",
            "bigquery", "snowflake")
#: the name the queries give the raw table before it is replaced by the user's
RAW_TABLE = "raw_table"


@dataclass(frozen=True)
class OutputColumn:
    """One column of a summary query's result: its name, what it holds, and the template parameter reading it."""

    name: str
    meaning: str
    read_by: str


@dataclass(frozen=True)
class WarehouseQuery:
    """A template's aggregation query over role columns, with the roles' default source columns."""

    template: str
    purpose: str
    roles: dict[str, str]  # role -> what the raw column must hold
    outputs: tuple[OutputColumn, ...]
    sql: str  # DuckDB SQL over RAW_TABLE and the role names

    def render(self, dialect: str, table: str, columns: Mapping[str, str] | None = None) -> str:
        """The commented query for ``dialect`` over ``table``, each role replaced by ``columns[role]``."""
        return _render(self, dialect, table, dict(columns or {}))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ab_query(segment_by: str = "") -> WarehouseQuery:
    """ab_test_analysis's summary input: sums per assignment day and variant, and per ``segment_by`` value too
    when it is set (the output column then has the segment column's name, as the template reads it)."""
    read_by = "data_kind: summary (per-variant sums; per date for the daily views)"
    roles = {"date": "the user's assignment day (a DATE)", "variant": "the variant the user was assigned",
             "converted": "1/TRUE when the user converted, else 0/FALSE",
             "revenue": "the user's revenue in the test (0 when none)",
             "pre_revenue": "the user's revenue in the pre-period (the CUPED covariate; 0 when none)"}
    segment = []
    if segment_by:
        roles[segment_by] = "the segment (segment_by), e.g. the user's device or country at assignment"
        segment = [OutputColumn(segment_by, "segment value", "segment_by: the per-segment comparisons")]
    keys = ", ".join(["date", *map(_quoted, [segment_by] if segment_by else []), "variant"])
    segment_select = f"    {_quoted(segment_by)} AS {_quoted(segment_by)},\n" if segment_by else ""
    return WarehouseQuery(
        template="ab_test_analysis",
        purpose="per-day" + (f", per-{segment_by}" if segment_by else "") + ", per-variant sufficient statistics "
                "of an A/B test (one raw row per randomised user)",
        roles=roles,
        outputs=(
            OutputColumn("date", "assignment day", "the daily sample-ratio and cumulative views"),
            *segment,
            OutputColumn("variant", "variant name", "control, expected_split"),
            OutputColumn("users", "users assigned (rows)", read_by),
            OutputColumn("conversions", "users who converted", read_by),
            OutputColumn("revenue_sum", "sum of revenue", read_by),
            OutputColumn("revenue_sum_sq", "sum of squared revenue", read_by),
            OutputColumn("pre_revenue_sum", "sum of pre-period revenue", read_by + "; CUPED"),
            OutputColumn("pre_revenue_sum_sq", "sum of squared pre-period revenue", "CUPED"),
            OutputColumn("revenue_pre_revenue_sum", "sum of revenue × pre-period revenue", "CUPED"),
        ),
        sql=f"""
SELECT
    date                                      AS date,
{segment_select}    variant                                   AS variant,
    COUNT(*)                                  AS users,
    SUM(CAST(converted AS INTEGER))           AS conversions,
    SUM(revenue)                              AS revenue_sum,
    SUM(revenue * revenue)                    AS revenue_sum_sq,
    SUM(pre_revenue)                          AS pre_revenue_sum,
    SUM(pre_revenue * pre_revenue)            AS pre_revenue_sum_sq,
    SUM(revenue * pre_revenue)                AS revenue_pre_revenue_sum
FROM {RAW_TABLE}
GROUP BY {keys}
ORDER BY {keys}
""")


_SQL_OPERATORS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "=", "ne": "<>"}


def _sql_literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(float(value)) if isinstance(value, float) else str(int(value))


def _stage_condition(stage: Mapping[str, Any]) -> str:
    """A stage's test in SQL, with the types the template uses: true/false as 0/1, text compared stripped."""
    column, value, op = stage.get("column"), stage["value"], _SQL_OPERATORS[stage["op"]]
    if not column:
        return "TRUE"
    name = _quoted(str(column))
    if isinstance(value, bool):
        return f"CAST({name} AS INTEGER) {op} {int(value)}"
    if isinstance(value, str):
        return f"TRIM(CAST({name} AS VARCHAR)) {op} {_sql_literal(value)}"
    return f"{name} {op} {_sql_literal(value)}"


def funnel_stage_columns(count: int) -> list[str]:
    """The names of the per-stage count columns of the kpi_funnel summary: ``stage_1`` … ``stage_<count>``."""
    return [f"stage_{k}" for k in range(1, count + 1)]


def _funnel_query(stages: list[Mapping[str, Any]], segment_by: str) -> WarehouseQuery:
    conditions = [_stage_condition(s) for s in stages]
    columns = funnel_stage_columns(len(stages))
    flags = ",\n".join(f"        CASE WHEN {' AND '.join(conditions[:k + 1])} THEN 1 ELSE 0 END AS reached_{k + 1}"
                        for k in range(len(stages)))
    counts = ",\n".join(f"    SUM(reached_{k + 1}) AS {name}" for k, name in enumerate(columns))
    segment = _quoted(segment_by) if segment_by else None
    label = (f"CASE WHEN {segment} IS NULL OR TRIM(CAST({segment} AS VARCHAR)) = '' THEN '(blank)' "
             f"ELSE CAST({segment} AS VARCHAR) END" if segment else "'all'")
    roles = {str(s["column"]): f"read by stage {s['name']!r}" for s in stages if s.get("column")}
    if segment_by:
        roles[segment_by] = "the segment (segment_by)"
    outputs = [OutputColumn("segment", "segment value ('(blank)' for an empty one)" if segment_by else "'all'",
                            "segment_by"),
               OutputColumn("table_rows", "rows of the raw table in the segment", "the report's row count")]
    outputs += [OutputColumn(name, f"rows meeting stages 1..{k + 1} (up to {s['name']!r})", f"stages[{k}]")
                for k, (name, s) in enumerate(zip(columns, stages))]
    return WarehouseQuery(
        template="kpi_funnel", purpose="rows reaching each funnel stage, per segment",
        roles=roles, outputs=tuple(outputs),
        sql=f"SELECT\n    segment,\n    COUNT(*) AS table_rows,\n{counts}\nFROM (\n    SELECT\n        {label} AS "
            f"segment,\n{flags}\n    FROM {RAW_TABLE}\n) AS stage_flags\nGROUP BY segment\nORDER BY segment\n",
    )


def _kept_purchase_lines(invoice: bool) -> str:
    """customer_value's cleaning rules as a WHERE condition: a customer and a date, no cancellation invoice (when
    there is an invoice column), no return, no zero amount."""
    cancellation = "AND (invoice IS NULL OR CAST(invoice AS VARCHAR) NOT LIKE 'C%') " if invoice else ""
    return f"customer IS NOT NULL AND purchased_at IS NOT NULL {cancellation}AND quantity >= 0 AND quantity * price <> 0"


def btyd_query(calibration_end: str, invoice: bool = True) -> WarehouseQuery:
    """Per-customer BG/NBD inputs computed in the warehouse: x, t_x and T in days, the mean repeat spend and the
    holdout counts of :func:`ecomops.clv.calibration_summary` (time unit days), for when even the customer-days are
    too many to export. The template reads the customer-day table of :func:`template_query` instead."""
    end = pd.Timestamp(calibration_end).strftime("%Y-%m-%d")
    read_by = "data_kind: summary (the BG/NBD and Gamma-Gamma fits)"
    roles = {"customer": "the customer ID", "purchased_at": "the date (and time) of the order line",
             "quantity": "quantity (negative = a return)", "price": "unit price"}
    if invoice:
        roles["invoice"] = "invoice number (C… = a cancellation)"
    return WarehouseQuery(
        template="customer_value",
        purpose="per-customer BG/NBD inputs in days (purchases counted per customer and day)",
        roles=roles,
        outputs=(
            OutputColumn("customer", "customer ID", "customer_col"),
            OutputColumn("first_day", "first purchase day", read_by),
            OutputColumn("frequency", "x: repeat purchase days up to calibration_end", read_by),
            OutputColumn("recency_days", "t_x: days from the first to the last purchase day in calibration", read_by),
            OutputColumn("age_days", "T: days from the first purchase day to calibration_end", read_by),
            OutputColumn("monetary", "mean spend per repeat purchase day (0 when x = 0)", read_by),
            OutputColumn("holdout_purchases", "purchase days after calibration_end", "the holdout check"),
            OutputColumn("holdout_amount", "their spend", "the holdout check"),
        ),
        sql=f"""
WITH lines AS (
    SELECT customer AS customer, CAST(purchased_at AS DATE) AS day, quantity * price AS amount
    FROM {RAW_TABLE}
    WHERE {_kept_purchase_lines(invoice)}
), days AS (
    SELECT customer, day, SUM(amount) AS amount,
           ROW_NUMBER() OVER (PARTITION BY customer ORDER BY day) AS day_number
    FROM lines
    GROUP BY customer, day
)
SELECT
    customer,
    MIN(day) AS first_day,
    SUM(CASE WHEN day <= DATE '{end}' THEN 1 ELSE 0 END) - 1 AS frequency,
    DATE_DIFF('day', MIN(day), MAX(CASE WHEN day <= DATE '{end}' THEN day END)) AS recency_days,
    DATE_DIFF('day', MIN(day), DATE '{end}') AS age_days,
    CASE WHEN SUM(CASE WHEN day <= DATE '{end}' THEN 1 ELSE 0 END) > 1
         THEN SUM(CASE WHEN day <= DATE '{end}' AND day_number > 1 THEN amount ELSE 0 END)
              / (SUM(CASE WHEN day <= DATE '{end}' THEN 1 ELSE 0 END) - 1)
         ELSE 0 END AS monetary,
    SUM(CASE WHEN day > DATE '{end}' THEN 1 ELSE 0 END) AS holdout_purchases,
    SUM(CASE WHEN day > DATE '{end}' THEN amount ELSE 0 END) AS holdout_amount
FROM days
GROUP BY customer
HAVING MIN(day) <= DATE '{end}'
ORDER BY customer
""")


def _case_study_query(columns: Mapping[str, str | None]) -> WarehouseQuery:
    """case_study's summary input: :func:`ecomops.diagnostics.summary_sql` (the query the template runs on a
    file) over the typed columns of a warehouse table; ``columns`` are the template's column parameters
    (``Params.columns()``), which decide the roles read (amount or quantity × price; invoice, product and
    country when given)."""
    from .diagnostics import summary_sql

    roles = {"customer": "the customer ID (empty: a line without a customer)",
             "purchased_at": "the date and time of the order line"}
    if columns.get("amount_col"):
        roles["amount"] = "the line's amount (negative on a cancellation)"
        value = "amount"
    else:
        roles["quantity"] = "quantity (negative on a cancellation)"
        roles["price"] = "unit price"
        value = "quantity * price"
    described = {"invoice": "invoice number (C… = a cancellation)", "product": "product code",
                 "country": "the customer's country or region"}
    optional = {}
    for role, meaning in described.items():
        if columns.get(f"{role}_col"):
            roles[role] = meaning
            optional[role] = f"NULLIF(TRIM(CAST({role} AS VARCHAR)), '')"
        else:
            optional[role] = "CAST(NULL AS VARCHAR)"
    raw = (f"SELECT CAST(purchased_at AS TIMESTAMP) AS ts, CAST(purchased_at AS VARCHAR) AS date_text, "
           f"{value} AS value, FALSE AS bad_number, NULLIF(TRIM(CAST(customer AS VARCHAR)), '') AS customer, "
           f"{optional['invoice']} AS invoice, {optional['product']} AS product, {optional['country']} AS country "
           f"FROM {RAW_TABLE}")
    summary = "data_kind: summary"
    return WarehouseQuery(
        template="case_study",
        purpose="monthly, customer-month, country, weekday and product sums of the order lines (one row per part)",
        roles=roles,
        outputs=(
            OutputColumn("part", "which table the row belongs to: month, customer_month, country, weekday, "
                         "product or total", summary),
            OutputColumn("month", "calendar month (its first day)", "the monthly table, growth and seasonality"),
            OutputColumn("customer", "customer ID", "customer_col: concentration and cohort retention"),
            OutputColumn("product", "product code", "product_col: product concentration"),
            OutputColumn("country", "country or region", "country_col: the geographic mix"),
            OutputColumn("weekday", "ISO weekday, 1 = Monday … 7 = Sunday", summary),
            OutputColumn("lines", "order lines", "lines_read"),
            OutputColumn("revenue", "net revenue: Σ value, cancellations included", "revenue_total, monthly"),
            OutputColumn("gross_sales", "Σ value of the lines that are not cancellations", "return_rate"),
            OutputColumn("cancelled_value", "−Σ value of the cancellation lines", "return_rate"),
            OutputColumn("cancelled_lines", "cancellation lines", "return_rate_lines"),
            OutputColumn("orders", "distinct invoices that are not cancellations", "orders, monthly"),
            OutputColumn("invoices", "distinct invoices (0 without invoice)", "invoice_col: return_rate_invoices"),
            OutputColumn("cancelled_invoices", "distinct cancellation invoices", "invoice_col: return_rate_invoices"),
            OutputColumn("customers", "distinct customers with a line that is not a cancellation",
                         "customers, monthly"),
            OutputColumn("lines_without_customer", "lines with an empty customer ID", "lines_without_customer"),
            OutputColumn("revenue_without_customer", "their net revenue", "revenue_without_customer"),
            OutputColumn("bad_dates", "lines without a date (must be 0)", summary + " (checked)"),
            OutputColumn("bad_values", "lines without a value (must be 0)", summary + " (checked)"),
            OutputColumn("start", "first date-time of the lines", "period"),
            OutputColumn("end", "last date-time of the lines", "period, complete months"),
        ),
        sql=summary_sql(raw, bool(columns.get("invoice_col"))),
    )


SQL_TEMPLATES = ("kpi_funnel", "ab_test_analysis", "customer_value", "case_study")


def template_query(template: str, params: Any = None) -> WarehouseQuery:
    """The aggregation query of ``template`` for its parameters (``None``: the template's defaults).

    kpi_funnel's query depends on ``stages`` and ``segment_by``, ab_test_analysis's on ``segment_by``,
    customer_value's on ``calibration_end`` and whether ``invoice_col`` is set, case_study's on which of its
    column parameters are set.

    Raises
    ------
    DataError
        For a template without a warehouse query.
    """
    if template not in SQL_TEMPLATES:
        raise DataError(f"no warehouse query for template {template!r}; templates with one: "
                        f"{', '.join(SQL_TEMPLATES)}")
    if params is None:
        from .playbook import get_template

        params = get_template(template).model()
    if template == "ab_test_analysis":
        return _ab_query(params.segment_by.strip())
    if template == "kpi_funnel":
        from .playbook.kpi_funnel import _stage_dicts

        return _funnel_query(_stage_dicts(params), params.segment_by.strip())
    if template == "case_study":
        return _case_study_query(params.columns())
    return _customer_days_query(bool(params.invoice_col.strip()))


def _customer_days_query(invoice: bool) -> WarehouseQuery:
    """customer_value's summary input: one row per customer and purchase day with the day's spend, after the
    template's cleaning rules (missing customer or date, cancellation invoice, return, zero amount)."""
    roles = {"customer": "the customer ID", "purchased_at": "the date (and time) of the order line",
             "quantity": "quantity (negative = a return); 1 when the table has amounts",
             "price": "unit price; the amount column when the table has amounts"}
    if invoice:
        roles["invoice"] = "invoice number (C… = a cancellation)"
    return WarehouseQuery(
        template="customer_value",
        purpose="one row per customer and purchase day with the day's spend (the template counts purchases per "
                "customer and day)",
        roles=roles,
        outputs=(
            OutputColumn("customer", "customer ID", "customer_col: customer"),
            OutputColumn("purchase_day", "calendar day of the purchases", "date_col: purchase_day"),
            OutputColumn("amount", "the day's spend: Σ quantity × price of the kept lines", "amount_col: amount"),
            OutputColumn("order_lines", "order lines summed into the day", "(not read; for checking)"),
        ),
        sql=f"""
SELECT
    customer                   AS customer,
    CAST(purchased_at AS DATE) AS purchase_day,
    SUM(quantity * price)      AS amount,
    COUNT(*)                   AS order_lines
FROM {RAW_TABLE}
WHERE {_kept_purchase_lines(invoice)}
GROUP BY customer, CAST(purchased_at AS DATE)
ORDER BY customer, purchase_day
""")


def parse_column_options(options: list[str] | None) -> dict[str, str]:
    """``["role=expression", …]`` (the ``--column`` options) as a mapping; a malformed one raises DataError."""
    mapping: dict[str, str] = {}
    for option in options or []:
        role, sep, expression = option.partition("=")
        if not sep or not role.strip() or not expression.strip():
            raise DataError(f"--column must be written name=expression (e.g. variant=experiment_group), got "
                            f"{option!r}")
        mapping[role.strip()] = expression.strip()
    return mapping


def _render(query: WarehouseQuery, dialect: str, table: str, columns: dict[str, str]) -> str:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    if dialect not in DIALECTS:
        raise DataError(f"unknown dialect {dialect!r}; choose one of: {', '.join(DIALECTS)}")
    unknown = sorted(set(columns) - set(query.roles))
    if unknown:
        raise DataError(f"--column {unknown[0]!r} is not a column the {query.template} query reads; it reads: "
                        f"{', '.join(query.roles)}")
    try:
        replacements = {role: sqlglot.parse_one(text, read=dialect) for role, text in columns.items()}
        target = exp.to_table(table, dialect=dialect)
    except (SqlglotError, ValueError) as err:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).splitlines()[0]
        raise DataError(f"cannot read a --column expression or the --table name in {dialect} SQL: {plain}") from None
    tree = sqlglot.parse_one(query.sql, read="duckdb")
    if dialect not in ("duckdb", "postgres"):  # AS MATERIALIZED is a hint only these two read
        for cte in tree.find_all(exp.CTE):
            cte.set("materialized", None)
    # the SELECTs that read the raw table, found before any table is renamed; roles are replaced only there,
    # not in later steps that read their output (whose column names may equal a role)
    readers = {id(select) for select in tree.find_all(exp.Select)
               if any(t.name == RAW_TABLE for t in (select.args.get("from") or select.args.get("from_")
                                                    or exp.Tuple()).find_all(exp.Table))}

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name == RAW_TABLE:
            return target.copy()
        if isinstance(node, exp.Column) and not node.table and node.name in replacements \
                and id(node.find_ancestor(exp.Select)) in readers:
            return replacements[node.name].copy()
        return node

    body = tree.transform(substitute, copy=False).sql(dialect=dialect, pretty=True)
    return _header(query, dialect, table, columns) + body + ";\n"


def _header(query: WarehouseQuery, dialect: str, table: str, columns: dict[str, str]) -> str:
    width = max(len(c.name) for c in query.outputs)
    lines = [f"-- ecomops sql {query.template}: {query.purpose}.",
             f"-- Dialect {dialect} (transpiled with sqlglot); reads the table {table}.",
             "-- Save the result as CSV or Parquet and run the template with data_kind: summary.",
             "-- Raw columns read (change with --column name=expression):"]
    lines += [f"--   {role} = {columns.get(role, role)}: {meaning}" for role, meaning in query.roles.items()]
    lines.append("-- Output columns (column: what it is [template parameter that reads it]):")
    lines += [f"--   {c.name:<{width}}  {c.meaning} [{c.read_by}]" for c in query.outputs]
    return "\n".join(lines) + "\n"


def run_duckdb(template: str | WarehouseQuery, table_file: str, params: Any = None,
               columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Run ``template``'s warehouse query in DuckDB over a CSV, CSV.gz or Parquet file and return the summary.

    The file is exposed to the query as the view ``raw_input``; this is how the tests and the book check the
    query on the shipped data (a warehouse runs the printed query on its own table instead).
    """
    import duckdb

    reader = "read_parquet" if str(table_file).endswith(".parquet") else "read_csv_auto"
    query = template if isinstance(template, WarehouseQuery) else template_query(template, params)
    sql = query.render("duckdb", "raw_input", dict(columns or {}))
    with duckdb.connect(":memory:") as con:
        con.execute(f"CREATE VIEW raw_input AS SELECT * FROM {reader}('{str(table_file).replace(chr(39), '')}')")
        return con.execute(sql).df()


#: the shipped summary files of the worked cases (templates/params/<template>/warehouse-summary.yaml and
#: ab_test_analysis/device-segments-summary.yaml): file name -> (template, shipped source data set, --column
#: mapping, the parameters that shape the query); each is the DuckDB query's result on the source
WORKED_SUMMARIES: dict[str, tuple[str, str, dict[str, str], dict[str, Any]]] = {
    "online_shoppers_funnel_summary.csv": ("kpi_funnel", "online_shoppers_intention", {}, {}),
    "ab_test_events_daily_summary.csv": ("ab_test_analysis", "ab_test_events", {}, {}),
    "ab_test_events_device_daily_summary.csv": ("ab_test_analysis", "ab_test_events", {},
                                                {"segment_by": "device"}),
    "online_retail_customer_days_mod10.csv": ("customer_value", "online_retail_customers_mod10", {
        "customer": "CustomerID", "purchased_at": "InvoiceDate", "quantity": "Quantity", "price": "UnitPrice",
        "invoice": "InvoiceNo"}, {}),
    "online_retail_summary_mod10.csv": ("case_study", "online_retail_customers_mod10", {
        "customer": "CAST(CustomerID AS BIGINT)", "purchased_at": "InvoiceDate", "quantity": "Quantity",
        "price": "UnitPrice", "invoice": "InvoiceNo", "product": "StockCode", "country": "Country"}, {}),
}
#: the columns of the summaries that hold counts (integers; empty where a part has no such figure)
_COUNT_COLUMNS = ("table_rows", "users", "conversions", "order_lines", "weekday", "lines", "cancelled_lines",
                  "orders", "invoices", "cancelled_invoices", "customers", "lines_without_customer", "bad_dates",
                  "bad_values")


def worked_summary(filename: str) -> pd.DataFrame:
    """A worked case's summary, recomputed by the DuckDB query from its shipped source (counts as integers)."""
    from .data import dataset_path

    from .playbook import get_template

    template, source, columns, values = WORKED_SUMMARIES[filename]
    params = get_template(template).model(**values)
    summary = run_duckdb(template, str(dataset_path(source)), params=params, columns=columns)
    counts = [c for c in summary.columns if pd.api.types.is_numeric_dtype(summary[c])
              and (c in _COUNT_COLUMNS or c == "customer" or c.startswith("stage_"))]
    sums = [c for c in summary.columns if c not in counts and pd.api.types.is_float_dtype(summary[c])]
    # sums rounded to 6 decimals: cent amounts and their squares are exact there, and DuckDB's parallel
    # summation order no longer changes the file's last digits
    return summary.astype({c: "int64" if summary[c].notna().all() else "Int64" for c in counts}).round(
        {c: 6 for c in sums})


def write_worked_summaries(folder: str) -> None:
    """Write every file of :data:`WORKED_SUMMARIES` into ``folder`` (how the shipped files were made)."""
    from pathlib import Path

    for filename in WORKED_SUMMARIES:
        worked_summary(filename).to_csv(Path(folder) / filename, index=False, lineterminator="\n")

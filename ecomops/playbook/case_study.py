"""The ``case_study`` template (chapter 7.1): a standard diagnostic of a shop from its transactions file —
the monthly trend with growth, seasonality, Pareto concentration of revenue by customers and by products, cohort
retention, the cancellation (return) rate, the geographic mix and a memo written from the numbers.

Its notebook reads the file once (:meth:`Params.load_inputs`: one DuckDB query, :func:`ecomops.diagnostics.
summarise_transactions`), then calls :func:`analyse`, the tables and figures, :func:`memo` and
:func:`build_results`. The conventions (net revenue, what an order, a customer, a cancellation and a complete
month are) are those of :mod:`ecomops.diagnostics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from .. import diagnostics as dx
from ..data import DataError, load_table, resolve_input
from ..i18n import N_, current_language, tr, translate_label
from .base import ResultPart, TemplateResults, TemplateSpec, TransactionColumns, param, styled


#: calendar months, for sentences ("September"; 9 月 in Chinese)
MONTH_NAMES = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
               N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))

__all__ = [
    "Params",
    "Inputs",
    "Analysis",
    "Results",
    "SPEC",
    "analyse",
    "load_note",
    "overview_table",
    "monthly_table",
    "concentration_table",
    "returns_table",
    "styled_overview",
    "styled_monthly",
    "styled_concentration",
    "styled_returns",
    "styled_geography",
    "memo",
    "report_tables",
    "report_summary",
    "build_results",
]

#: rows read by the cheap pre-run check (``ecomops validate`` and before a kernel starts)
CHECK_SAMPLE_ROWS = 10_000
#: the Pareto cut: the top 20 % of customers or products
TOP_SHARE = 0.2
#: the month after acquisition whose pooled retention is the headline
RETENTION_PERIOD = 3
#: countries listed before the rest are summed
TOP_COUNTRIES = 10

COLUMN_LABELS = (
    N_("figure"), N_("value"), N_("month"), N_("revenue"), N_("orders"), N_("customers"), N_("revenue_mom"),
    N_("revenue_yoy"), N_("orders_mom"), N_("customers_mom"), N_("complete"), N_("units"), N_("top20_share"),
    N_("gini"), N_("definition"), N_("rate"), N_("country"), N_("revenue_share"), N_("by customers"),
    N_("by products"), N_("share of value"), N_("share of lines"), N_("share of invoices"), N_("yes"), N_("no"),
    N_("unit"), N_("cohort"), N_("cohort_size"),
)
OVERVIEW_LABELS = (
    N_("lines read"), N_("net revenue"), N_("gross sales"), N_("cancelled value"), N_("orders"),
    N_("customers"), N_("lines without a customer ID"), N_("revenue of lines without a customer ID"),
)


class Params(TransactionColumns):
    """Parameters of the ``case_study`` template."""

    data_path: str = param(
        "datasets/online_retail_full.csv.gz", unit="file path",
        help="Transactions, one row per order line or order: CSV (UTF-8 or GBK), CSV.gz, XLSX (first sheet) or "
        "Parquet",
    )
    data_kind: Literal["transactions", "summary"] = param(
        "transactions", unit="choice",
        help="transactions: one row per order line or order; summary: the monthly, customer-month, country, "
        "weekday and product sums, as `ecomops sql case_study` computes them in a warehouse (the column "
        "parameters then only say whether products, invoices and countries were read)",
    )
    product_col: str = param(
        "StockCode", unit="column name",
        help="Column holding the product code; empty if there is none (no product concentration then)",
    )
    country_col: str = param(
        "Country", unit="column name",
        help="Column holding the customer's country or region; empty if there is none (no geographic mix then)",
    )

    def columns(self) -> dict[str, str | None]:
        """The column parameters as keyword arguments of :func:`ecomops.diagnostics.summarise_transactions`
        (an empty one is ``None``; with ``amount_col`` given, quantity and price are not used)."""
        amount = self.amount_col.strip() or None
        names = {"customer_col": self.customer_col, "date_col": self.date_col, "amount_col": amount,
                 "quantity_col": None if amount else self.quantity_col, "price_col": None if amount else self.price_col,
                 "product_col": self.product_col, "invoice_col": self.invoice_col, "country_col": self.country_col}
        return {key: (value.strip() or None) if value else None for key, value in names.items()}

    def _path(self):
        return resolve_input(self.data_path, None, Params.model_fields["data_path"].default)

    def _summary(self, path) -> dx.TransactionSummary:
        """A summary file read whole (it is small) and checked (``data_kind: summary``)."""
        columns = self.columns()
        return dx.summary_from_table(load_table(path), product=bool(columns["product_col"]),
                                     invoice=bool(columns["invoice_col"]), country=bool(columns["country_col"]),
                                     source=str(path))

    def check_inputs(self) -> None:
        """Read the header and the first rows only (a summary: the whole small file), and check them as the full
        read will."""
        path = self._path()
        if self.data_kind == "summary":
            self._summary(path)
            return
        sample = load_table(path, nrows=CHECK_SAMPLE_ROWS)
        dx.summarise_transactions(sample, **self.columns())

    def load_inputs(self) -> "Inputs":
        """Scan the whole file once with DuckDB and keep the small summary tables (or read a summary file)."""
        path = self._path()
        summary = (self._summary(path) if self.data_kind == "summary"
                   else dx.summarise_transactions(path, **self.columns()))
        if summary.totals["customers"] == 0:
            raise DataError(
                f"{path}: no rows are left for the customer figures: no line that is not a cancellation has a "
                f"customer ID in column {self.customer_col!r} ({summary.totals['lines']:,} lines read)"
            )
        if summary.totals["gross_sales"] <= 0:
            raise DataError(f"{path}: the lines that are not cancellations add up to no sales "
                            f"({summary.totals['gross_sales']:,.2f}); check amount_col or quantity_col × price_col")
        return Inputs(summary=summary, source=str(path))


@dataclass(frozen=True)
class Inputs:
    """The summary tables of the transactions file and the file's name."""

    summary: dx.TransactionSummary
    source: str


@dataclass(frozen=True)
class Analysis:
    """Every figure of the diagnostic, computed once by :func:`analyse`."""

    monthly: pd.DataFrame  # monthly figures with growth and a ``complete`` flag
    first_complete: pd.Period
    last_complete: pd.Period
    seasonality: pd.DataFrame
    customer_revenue: pd.Series
    product_revenue: pd.Series | None
    lorenz: dict[str, pd.DataFrame]
    top20_customer_share: float
    top20_product_share: float | None
    gini: dict[str, float]
    rates: dict[str, float]
    retention_month_3: float
    retention: pd.DataFrame
    geography: pd.DataFrame | None


def analyse(inputs: Inputs) -> Analysis:
    """All the diagnostic figures from the summary tables (see :mod:`ecomops.diagnostics` for each)."""
    summary = inputs.summary
    first, last = dx.complete_months(summary.start, summary.end)
    monthly = summary.monthly.copy()
    complete = (monthly.index >= first) & (monthly.index <= last)
    monthly = monthly.join(dx.monthly_growth(monthly, complete))
    monthly["complete"] = complete
    customer_revenue = summary.customer_months.groupby("customer")["revenue"].sum()
    lorenz = {N_("by customers"): dx.lorenz_curve(customer_revenue)}
    gini = {"customers": dx.gini_coefficient(customer_revenue)}
    product_share = None
    if summary.products is not None:
        lorenz[N_("by products")] = dx.lorenz_curve(summary.products)
        gini["products"] = dx.gini_coefficient(summary.products)
        product_share = dx.top_share(summary.products, TOP_SHARE)
    rate, retention = dx.retention_at(summary.customer_months, summary.end, RETENTION_PERIOD)
    geography = None if summary.countries is None else dx.geographic_mix(summary.countries, TOP_COUNTRIES,
                                                                           tr("other ({count} countries)"))
    return Analysis(
        monthly=monthly, first_complete=first, last_complete=last,
        seasonality=dx.seasonality_index(monthly.loc[complete, "revenue"]),
        customer_revenue=customer_revenue, product_revenue=summary.products, lorenz=lorenz,
        top20_customer_share=dx.top_share(customer_revenue, TOP_SHARE), top20_product_share=product_share,
        gini=gini, rates=dx.return_rates(summary.totals), retention_month_3=rate, retention=retention,
        geography=geography,
    )


# ------------------------------------------------------------------------------------------------- the tables


def load_note(inputs: Inputs, params: Params) -> str:
    """One line: lines read from which file, and the period they cover."""
    summary = inputs.summary
    return tr("{rows:,} lines from {file}, {start} to {end}", rows=summary.totals["lines"],
              file=params.data_path.replace("\\", "/").rsplit("/", 1)[-1], start=str(summary.start.date()),
              end=str(summary.end.date()))


def overview_table(inputs: Inputs) -> pd.DataFrame:
    """The totals of the file: lines, net revenue, gross sales, cancelled value, orders, customers, lines and
    revenue without a customer ID."""
    t = inputs.summary.totals
    values = [t["lines"], t["revenue"], t["gross_sales"], t["cancelled_value"], t["orders"], t["customers"],
              t["lines_without_customer"], t["revenue_without_customer"]]
    return pd.DataFrame({"figure": list(OVERVIEW_LABELS), "value": values})


def styled_overview(inputs: Inputs) -> Any:
    """The totals, formatted with thousands separators."""
    table = overview_table(inputs)
    table["value"] = [f"{v:,.0f}" if isinstance(v, int) else f"{v:,.2f}" for v in table["value"]]
    return styled(table, {})


def monthly_table(analysis: Analysis) -> pd.DataFrame:
    """Month, net revenue, orders, active customers, their month-on-month and year-on-year growth, complete."""
    columns = ["revenue", "orders", "customers", "revenue_mom", "orders_mom", "customers_mom", "revenue_yoy",
               "complete"]
    table = analysis.monthly[columns].rename_axis("month").reset_index()
    table["month"] = table["month"].astype(str)
    return table


def styled_monthly(analysis: Analysis) -> Any:
    """The monthly table with growth as signed percentages (empty where not defined) and a yes/no flag."""
    table = monthly_table(analysis)
    table["complete"] = [translate_label("yes" if flag else "no") for flag in table["complete"]]
    growth = {c: "{:+.1%}" for c in ("revenue_mom", "orders_mom", "customers_mom", "revenue_yoy")}
    return styled(table, {"revenue": "{:,.0f}", "orders": "{:,}", "customers": "{:,}", **growth})


def concentration_table(analysis: Analysis) -> pd.DataFrame:
    """Per unit type (customers, products): the units with positive net revenue, the top-20 % share and Gini."""
    rows = [{"unit": "by customers", "units": int((analysis.customer_revenue > 0).sum()),
             "top20_share": analysis.top20_customer_share, "gini": analysis.gini["customers"]}]
    if analysis.product_revenue is not None:
        rows.append({"unit": "by products", "units": int((analysis.product_revenue > 0).sum()),
                     "top20_share": analysis.top20_product_share, "gini": analysis.gini["products"]})
    return pd.DataFrame(rows)


def styled_concentration(analysis: Analysis) -> Any:
    """The concentration table, shares as percentages."""
    return styled(concentration_table(analysis), {"units": "{:,}", "top20_share": "{:.1%}", "gini": "{:.2f}"})


def returns_table(analysis: Analysis) -> pd.DataFrame:
    """The cancellation rate three ways: by value (the headline), by lines and by invoices."""
    names = {"value": "share of value", "lines": "share of lines", "invoices": "share of invoices"}
    return pd.DataFrame({"definition": list(names.values()), "rate": [analysis.rates[k] for k in names]})


def styled_returns(analysis: Analysis) -> Any:
    """The cancellation rates as percentages (empty where not defined)."""
    return styled(returns_table(analysis), {"rate": "{:.2%}"})


def styled_geography(analysis: Analysis) -> Any:
    """The geographic mix, largest revenue first; ``None`` without a country column."""
    if analysis.geography is None:
        return None
    table = analysis.geography.reset_index()
    return styled(table, {"revenue": "{:,.0f}", "orders": "{:,}", "customers": "{:,}", "revenue_share": "{:.1%}"})


# --------------------------------------------------------------------------------------------------- the memo


def _gap() -> str:
    """What separates two sentences: a space in English, nothing in Chinese."""
    return "" if current_language() == "zh" else " "


def _partial_months(analysis: Analysis) -> list[str]:
    return [str(m) for m, flag in analysis.monthly["complete"].items() if not flag]


def _trend_sentence(analysis: Analysis) -> str:
    complete = analysis.monthly[analysis.monthly["complete"]]
    if len(complete) < 2:
        return tr("There are fewer than two complete months, so no growth rate is computed.")
    last = complete.iloc[-1]
    text = ""
    if pd.notna(last["revenue_mom"]):
        text = tr("In the last complete month, {month}, net revenue was {revenue:,.0f} ({growth:+.1%} on the month "
                  "before).", month=str(complete.index[-1]), revenue=last["revenue"], growth=last["revenue_mom"])
    if pd.notna(last["revenue_yoy"]):
        text += _gap() + tr("Year on year it changed by {growth:+.1%}.", growth=last["revenue_yoy"])
    elif len(complete) < 13:
        text += _gap() + tr("The data hold fewer than 13 complete months, so there is no year-on-year comparison.")
    return text.strip()


def memo(params: Params, inputs: Inputs, analysis: Analysis) -> str:
    """The run's findings memo, written from the numbers (no sentence for a figure that is not defined)."""
    summary = inputs.summary
    t = summary.totals
    text = tr("From {start} to {end} the shop had net revenue of {revenue:,.0f} from {orders:,} orders of "
              "{customers:,} customers.", start=str(summary.start.date()), end=str(summary.end.date()),
              revenue=t["revenue"], orders=t["orders"], customers=t["customers"])
    partial = _partial_months(analysis)
    if partial:
        text += _gap() + tr("The data cover {months} only in part, so growth rates leave that month out.",
                            months=", ".join(partial))
    text += _gap() + _trend_sentence(analysis)
    season = analysis.seasonality
    if len(season) >= 6 and season["index"].notna().all():
        peak = season["index"].idxmax()
        text += _gap() + tr("The strongest month of the year is {month} at {index:.2f} times an average month.",
                            month=translate_label(MONTH_NAMES[int(peak) - 1]), index=season.loc[peak, "index"])
    text += _gap() + tr("The top 20% of customers bring {share:.0%} of the revenue from identified customers.",
                        share=analysis.top20_customer_share)
    if analysis.top20_product_share is not None and pd.notna(analysis.top20_product_share):
        text += _gap() + tr("The top 20% of products bring {share:.0%} of net product revenue.",
                            share=analysis.top20_product_share)
    if pd.notna(analysis.rates["value"]):
        text += _gap() + (tr("Cancellations take back {rate:.1%} of gross sales.", rate=analysis.rates["value"])
                          if analysis.rates["value"] > 0 else tr("The file records no cancellations."))
    if pd.notna(analysis.retention_month_3):
        text += _gap() + tr("{rate:.0%} of new customers buy again in their third month after the first purchase.",
                            rate=analysis.retention_month_3)
    if analysis.geography is not None and len(analysis.geography):
        top = analysis.geography.iloc[0]
        text += _gap() + tr("{country} brings {share:.0%} of net revenue.",
                            country=str(analysis.geography.index[0]), share=top["revenue_share"])
    if t["lines_without_customer"]:
        text += _gap() + tr("{share:.0%} of the lines have no customer ID; they count in revenue and orders but not "
                            "in the customer figures.", share=t["lines_without_customer"] / t["lines"])
    return text


# ------------------------------------------------------------------------------------------------- results


class PeriodResult(ResultPart):
    start: str = Field(description="first date-time in the data (ISO 8601)")
    end: str = Field(description="last date-time in the data (ISO 8601)")


class MonthResult(ResultPart):
    month: str = Field(description="calendar month, YYYY-MM")
    revenue: float = Field(description="net revenue of the month: Σ line value, cancellations (negative) included")
    orders: int = Field(description="orders placed in the month (distinct invoices that are not cancellations)")
    customers: int = Field(description="distinct customer IDs with at least one order line in the month")
    complete: bool = Field(description="whether the data cover the whole month (growth uses complete months only)")
    revenue_mom: float | None = Field(description="revenue growth on the month before (fraction); null if either "
                                      "month is partial or missing")
    revenue_yoy: float | None = Field(description="revenue growth on the same month a year before (fraction); "
                                      "null without it")
    orders_mom: float | None = Field(description="orders growth on the month before (fraction)")
    customers_mom: float | None = Field(description="active customers growth on the month before (fraction)")


class Results(TemplateResults):
    """``results.json`` of ``case_study``."""

    template: Literal["case_study"] = Field(description="`case_study`")
    period: PeriodResult = Field(description="first and last date-time of the transactions")
    revenue_total: float = Field(description="net revenue: Σ quantity × price (or amount) over every line, "
                                 "cancellation lines (negative) and lines without a customer ID included")
    orders: int = Field(description="distinct invoices that are not cancellations (without invoice_col: rows that "
                        "are not returns), lines without a customer ID included")
    customers: int = Field(description="distinct non-empty customer IDs with at least one line that is not a "
                           "cancellation")
    monthly: list[MonthResult] = Field(description="every calendar month from the first to the last, a partial "
                                       "first or last month flagged")
    top20_customer_share: float | None = Field(
        description="share of the net revenue of identified customers held by the top 20 % of them (k = ceil(0.2 "
        "n) of the n customers with positive net revenue; ties do not change it)")
    top20_product_share: float | None = Field(
        description="the same for products (net revenue per product_col value, all lines); null without "
        "product_col")
    return_rate: float | None = Field(
        description="cancelled value ÷ gross sales: −Σ value of cancellation lines (invoice starting with C; "
        "without invoice_col, negative lines) over Σ value of the other lines")
    return_rate_lines: float | None = Field(description="cancellation lines ÷ all lines")
    return_rate_invoices: float | None = Field(description="cancellation invoices ÷ all invoices; null without "
                                               "invoice_col")
    retention_month_3: float | None = Field(
        description="pooled cohort retention in the 3rd month after the first purchase: customers of the cohorts "
        "observed that long who bought in that month ÷ the customers of those cohorts (partial last month left "
        "out); null if no cohort is observed for 3 months")
    gross_sales: float = Field(description="Σ value of the lines that are not cancellations")
    cancelled_value: float = Field(description="−Σ value of the cancellation lines (a positive number)")
    lines_read: int = Field(description="rows of the file with data (fully empty rows skipped)")
    lines_without_customer: int = Field(description="lines with an empty customer ID")
    revenue_without_customer: float = Field(description="net revenue of the lines without a customer ID")
    partial_months: list[str] = Field(description="months the data cover only in part (YYYY-MM)")
    seasonality_index: dict[str, float | None] = Field(
        description="month of the year (1–12) → mean revenue of the complete months with that month ÷ mean "
        "revenue of all complete months")
    gini_customers: float | None = Field(description="Gini coefficient of net revenue per customer (positive "
                                         "values)")
    gini_products: float | None = Field(description="Gini coefficient of net revenue per product; null without "
                                        "product_col")
    top_country: str | None = Field(description="the country with most net revenue; null without country_col")
    top_country_share: float | None = Field(description="its share of net revenue")


def report_tables(inputs: Inputs, analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The report's tables for ``results.xlsx``."""
    tables = {
        N_("Overview"): overview_table(inputs),
        N_("Monthly"): monthly_table(analysis),
        N_("Concentration"): concentration_table(analysis),
        N_("Cancellations"): returns_table(analysis),
        N_("Cohort retention"): analysis.retention.reset_index().assign(cohort=lambda t: t["cohort"].astype(str)),
    }
    if analysis.geography is not None:
        tables[N_("Countries")] = analysis.geography.reset_index()
    return tables


def report_summary(inputs: Inputs, analysis: Analysis) -> dict[str, Any]:
    """The report's headline: net revenue, orders, customers, top-20 % customer share, cancellation rate."""
    t = inputs.summary.totals
    rate = analysis.rates["value"]
    figures = [
        {"label": tr("Net revenue"), "value": f"{t['revenue']:,.0f}"},
        {"label": tr("Orders"), "value": f"{t['orders']:,}"},
        {"label": tr("Customers"), "value": f"{t['customers']:,}"},
        {"label": tr("Share of revenue from the top 20% of customers"), "value": f"{analysis.top20_customer_share:.0%}"},
        {"label": tr("Cancelled share of gross sales"), "value": f"{rate:.1%}" if pd.notna(rate) else "–"},
    ]
    return {"key_figures": figures, "rows_used": t["lines"], "date_from": str(inputs.summary.start.date()),
            "date_to": str(inputs.summary.end.date())}


def build_results(params: Params, inputs: Inputs, analysis: Analysis, text: str) -> Results:
    """The validated ``results.json`` content of a run."""
    summary, t = inputs.summary, inputs.summary.totals
    monthly = monthly_table(analysis).to_dict("records")
    geography = analysis.geography
    return Results(
        template="case_study",
        period={"start": summary.start.isoformat(), "end": summary.end.isoformat()},
        revenue_total=t["revenue"], orders=t["orders"], customers=t["customers"], monthly=monthly,
        top20_customer_share=analysis.top20_customer_share, top20_product_share=analysis.top20_product_share,
        return_rate=analysis.rates["value"], return_rate_lines=analysis.rates["lines"],
        return_rate_invoices=analysis.rates["invoices"] if summary.has_invoice else None,
        retention_month_3=analysis.retention_month_3,
        gross_sales=t["gross_sales"], cancelled_value=t["cancelled_value"], lines_read=t["lines"],
        lines_without_customer=t["lines_without_customer"], revenue_without_customer=t["revenue_without_customer"],
        partial_months=_partial_months(analysis),
        seasonality_index={str(k): v for k, v in analysis.seasonality["index"].items()},
        gini_customers=analysis.gini["customers"], gini_products=analysis.gini.get("products"),
        top_country=None if geography is None else str(geography.index[0]),
        top_country_share=None if geography is None else geography["revenue_share"].iloc[0],
        recommendation=text,
        language=current_language(),
        summary=report_summary(inputs, analysis),
    )


SPEC = TemplateSpec(
    name="case_study",
    purpose="Monthly revenue, orders and customers with growth, seasonality, Pareto concentration, cohort "
            "retention, cancellations and geographic mix of a shop, with a findings memo",
    chapter="7.1 Success cases: a full data case",
    title="Case study: a standard diagnostic of a shop",
    question="How is the shop doing: trend, seasonality, concentration, retention, cancellations and markets?",
    params=Params,
    results=Results,
)

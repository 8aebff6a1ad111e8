"""The ``campaign_roi`` template (chapter 4.5): does a campaign pay, measured by its incremental profit against a
holdout rather than by the revenue the ad platform attributes to it?

One campaign is given by its parameters (spend, attributed revenue, the treated and holdout groups' users,
conversions and revenue, new customers, …), several by a table with one row per campaign or channel
(``data_path``; the columns are named as the parameters). Both go through the same path: the notebook reads the
campaigns once (:meth:`Params.load_inputs`, a table of one or more rows), computes them with
:func:`campaign_table` (:func:`ecomops.marketing.campaign_economics` per row), draws them with
:mod:`ecomops.plots.marketing`, and ends with :func:`recommendation` and :func:`build_results`.

``roi`` in ``results.json`` is the **margin-based** ROI of the attributed revenue, ``(R_attr·m − S)/S``; the
revenue-based one, ``(R_attr − S)/S``, is beside it as ``roi_revenue_based``, and the incremental ROI (incremental
profit / spend) is ``incremental.roi``. With several campaigns the top-level figures are the portfolio's (sums
over the campaigns; the portfolio's interval treats the campaigns' estimates as independent) and ``campaigns``
holds one entry per campaign.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from .. import marketing
from ..data import DataError, load_table, require_columns, require_numeric, resolve_input
from ..experiments._common import z_critical
from ..i18n import N_, current_language, tr, translate_label
from .base import InputFiles, ResultPart, TemplateParams, TemplateResults, TemplateSpec, interval_text, param, styled

__all__ = [
    "Params",
    "Results",
    "SPEC",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "SHIPPED_TABLE",
    "campaign_table",
    "portfolio",
    "verdict",
    "styled_views",
    "styled_customers",
    "recommendation",
    "report_tables",
    "report_summary",
    "build_results",
]

#: the shipped multi-campaign example (synthetic, with a documented ground truth)
SHIPPED_TABLE = "datasets/campaigns_synthetic.csv"
#: columns a campaign table must have (named as the template's parameters), and those it may have
REQUIRED_COLUMNS = (
    "campaign", "spend", "revenue_attributed", "gross_margin", "treated_users", "treated_conversions",
    "treated_revenue", "holdout_users", "holdout_conversions", "holdout_revenue", "new_customers",
)
OPTIONAL_COLUMNS = ("channel", "ltv_per_customer", "discount_rate", "monthly_revenue_per_customer")
_NUMERIC = REQUIRED_COLUMNS[1:]
_OPTIONAL_NUMERIC = OPTIONAL_COLUMNS[1:]
#: the verdicts of a campaign, from its iROAS interval against break-even ROAS
VERDICTS = (N_("pays"), N_("loses money"), N_("inconclusive"))
TABLE_LABELS = (
    N_("campaign"), N_("channel"), N_("spend"), N_("revenue_attributed"), N_("roas"), N_("roi_margin_based"),
    N_("iroas"), N_("iroas_ci_low"), N_("iroas_ci_high"), N_("break_even_roas"), N_("incremental_revenue"),
    N_("incremental_profit"), N_("verdict"), N_("new_customers"), N_("cac"), N_("payback_months"),
    N_("ltv_to_cac"), N_("break_even_uplift"), N_("incremental_conversions"), N_("roi_revenue_based"),
)


def _none_is_zero(value: Any) -> Any:
    """An optional amount left empty (YAML null, an empty workbook cell) means 0: not given."""
    return 0.0 if value is None or (isinstance(value, str) and not value.strip()) else value


class Params(TemplateParams):
    """Parameters of the ``campaign_roi`` template."""

    input_path_fields = InputFiles((), optional=("data_path",))  # no file: the single campaign of the parameters

    spend: float = param(
        20_000.0, unit="currency", gt=0.0, help="Campaign spend: media, fees and coupons paid, fully loaded",
    )
    revenue_attributed: float = param(
        90_000.0, unit="currency", ge=0.0, help="Revenue the ad platform (or attribution model) credits to the campaign",
    )
    gross_margin: float = param(
        0.35, unit="share of the selling price", gt=0.0, lt=1.0,
        help="Gross margin: share of the selling price left after the cost of goods",
    )
    treated_users: int = param(100_000, unit="users", ge=1, help="Users in the group the campaign reached (treated)")
    treated_conversions: int = param(2_400, unit="users", ge=0, help="Treated users who bought during the campaign")
    treated_revenue: float = param(312_000.0, unit="currency", ge=0.0, help="Revenue of the treated group")
    holdout_users: int = param(
        10_000, unit="users", ge=1, help="Users held out at random (no campaign), the comparison group",
    )
    holdout_conversions: int = param(200, unit="users", ge=0, help="Holdout users who bought in the same period")
    holdout_revenue: float = param(25_400.0, unit="currency", ge=0.0, help="Revenue of the holdout group")
    new_customers: int = param(600, unit="customers", ge=0, help="New customers the campaign acquired (for CAC)")
    ltv_per_customer: float = param(
        0.0, unit="currency per customer", ge=0.0,
        help="Lifetime value of a new customer in gross margin; 0 = not known (no LTV:CAC)",
    )
    monthly_revenue_per_customer: float = param(
        0.0, unit="currency per customer per month", ge=0.0,
        help="Revenue per customer per month, for the CAC payback period; 0 = not known (no payback)",
    )
    discount_rate: float = param(
        0.0, unit="share of the price", ge=0.0, lt=1.0,
        help="Price cut of a price promotion, for the break-even volume uplift; 0 = not a price promotion",
    )
    alpha: float = param(
        0.05, unit="probability", gt=0.0, le=0.2,
        help="1 − confidence level of the intervals (0.05 gives 95 % intervals)",
    )
    data_path: str = param(
        "", unit="file path",
        help="Campaign table (CSV, XLSX …), one row per campaign, columns named as these parameters; empty = "
        "the single campaign above",
    )
    sheet: str | int = param(
        0, unit="sheet name or position",
        help="Worksheet of an XLSX data file: its name, or its position counting from 0; ignored for other files",
    )

    @field_validator("ltv_per_customer", "monthly_revenue_per_customer", "discount_rate", mode="before")
    @classmethod
    def _empty_is_zero(cls, value: Any) -> Any:
        return _none_is_zero(value)

    @model_validator(mode="after")
    def _counts_and_discount_fit(self) -> "Params":
        for group in ("treated", "holdout"):
            users, conversions = getattr(self, f"{group}_users"), getattr(self, f"{group}_conversions")
            if conversions > users:
                raise ValueError(f"{group}_conversions ({conversions}) must be <= {group}_users ({users})")
            if conversions == 0 and getattr(self, f"{group}_revenue") > 0:
                raise ValueError(f"{group}_revenue must be 0 when {group}_conversions is 0")
        if self.discount_rate and self.discount_rate >= self.gross_margin:
            raise ValueError(
                f"discount_rate ({self.discount_rate}) must be below gross_margin ({self.gross_margin}): at or "
                "above it every unit sold at the discount loses money, so no volume uplift breaks even"
            )
        return self

    def _table_path(self) -> Path:
        return resolve_input(self.data_path, None, SHIPPED_TABLE)

    def _single_campaign(self) -> pd.DataFrame:
        row = {name: getattr(self, name) for name in _NUMERIC + _OPTIONAL_NUMERIC}
        return pd.DataFrame([{"campaign": N_("The campaign"), "channel": "", **row}])

    def check_inputs(self) -> None:
        """Check a campaign table's columns and values (the table is small, so it is read whole)."""
        if self.data_path:
            self.load_inputs()

    def load_inputs(self) -> pd.DataFrame:
        """The campaigns, one row each: the table of ``data_path`` checked, or the single campaign given."""
        if not self.data_path:
            return self._single_campaign()
        path = self._table_path()
        return prepare_table(load_table(path, sheet=self.sheet), str(path))


def prepare_table(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """A campaign table checked and in working types: every required column present (one message naming the
    first missing one), numbers where numbers belong, each row's values in range (the message names the campaign
    and the field); optional columns missing or empty become 0 (not given)."""
    source = frame.attrs.get("source", source)
    require_columns(frame, REQUIRED_COLUMNS, source)
    table = require_numeric(frame, list(_NUMERIC), source)
    for column in _OPTIONAL_NUMERIC:
        values = table[column] if column in table else pd.Series(0.0, index=table.index)
        values = values.where(values.notna() & values.astype(str).str.strip().ne(""), 0.0)
        table[column] = require_numeric(values.to_frame(column), [column], source)[column]
    table["campaign"] = table["campaign"].astype(str).str.strip()
    table["channel"] = table["channel"].fillna("").astype(str).str.strip() if "channel" in table else ""
    if table["campaign"].duplicated().any():
        twice = table.loc[table["campaign"].duplicated(), "campaign"].iloc[0]
        raise DataError(f"{source}: campaign {twice!r} appears in more than one row; give each row its own name")
    for row in table.itertuples(index=False):
        try:
            Params(**{k: getattr(row, k) for k in _NUMERIC + _OPTIONAL_NUMERIC})
        except ValueError as exc:
            raise DataError(f"{source}: campaign {row.campaign!r}: {_first_problem(exc)}") from None
    keep = ["campaign", "channel", *_NUMERIC, *_OPTIONAL_NUMERIC]
    return table[keep].reset_index(drop=True)


def _first_problem(exc: ValueError) -> str:
    """The first problem pydantic found, as "field: message"."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    error = errors()[0]
    field = ".".join(str(part) for part in error["loc"])
    text = error["msg"].removeprefix("Value error, ")
    return f"{field} = {error.get('input')!r}: {text}" if field else text


def _optional(value: float) -> float | None:
    return float(value) if value else None


def campaign_table(campaigns: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """One row per campaign: the attributed view, the incremental view with its intervals, the customer view and
    the verdict (:func:`verdict`), from :func:`ecomops.marketing.campaign_economics`."""
    rows = []
    z = z_critical(alpha)
    for row in campaigns.itertuples(index=False):
        c = marketing.campaign_economics(
            row.spend, row.revenue_attributed, row.gross_margin, int(row.treated_users),
            int(row.treated_conversions), row.treated_revenue, int(row.holdout_users), int(row.holdout_conversions),
            row.holdout_revenue, row.new_customers, ltv_per_customer=_optional(row.ltv_per_customer),
            discount_rate=_optional(row.discount_rate),
            monthly_revenue_per_customer=_optional(row.monthly_revenue_per_customer), alpha=alpha,
        )
        inc = c.incremental
        rows.append({
            "campaign": row.campaign, "channel": row.channel, "spend": c.spend,
            "revenue_attributed": c.revenue_attributed, "gross_margin": c.gross_margin, "roas": c.roas,
            "roi_revenue_based": c.roi_revenue_based, "roi_margin_based": c.roi_margin_based,
            "break_even_roas": c.break_even_roas, "attributed_profit": c.attributed_profit,
            "incremental_conversions": inc.conversions, "incremental_conversions_ci_low": inc.conversions_ci[0],
            "incremental_conversions_ci_high": inc.conversions_ci[1], "incremental_revenue": inc.revenue,
            "incremental_revenue_se": (inc.revenue_ci[1] - inc.revenue_ci[0]) / (2 * z),
            "incremental_conversions_se": (inc.conversions_ci[1] - inc.conversions_ci[0]) / (2 * z),
            "incremental_revenue_ci_low": inc.revenue_ci[0], "incremental_revenue_ci_high": inc.revenue_ci[1],
            "incremental_profit": inc.profit, "incremental_profit_ci_low": inc.profit_ci[0],
            "incremental_profit_ci_high": inc.profit_ci[1], "iroas": inc.iroas, "iroas_ci_low": inc.iroas_ci[0],
            "iroas_ci_high": inc.iroas_ci[1], "incremental_roi": inc.roi, "p_value": inc.p_value,
            "baseline_conversions": inc.baseline_conversions, "baseline_revenue": inc.baseline_revenue,
            "non_incremental_revenue": c.non_incremental_revenue, "new_customers": c.new_customers,
            "cac": c.cac if math.isfinite(c.cac) else np.nan, "payback_months": c.payback_months,
            "ltv_to_cac": c.ltv_to_cac, "break_even_uplift": c.break_even_uplift,
            "discount_rate": float(row.discount_rate), "verdict": verdict(inc.iroas_ci, c.break_even_roas),
        })
    return pd.DataFrame(rows)


def verdict(iroas_ci: tuple[float, float] | list[float], break_even: float) -> str:
    """``pays`` when the whole iROAS interval is above break-even ROAS, ``loses money`` when it is below, else
    ``inconclusive``."""
    low, high = iroas_ci
    return "pays" if low > break_even else "loses money" if high < break_even else "inconclusive"


def portfolio(table: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """The campaigns together: sums of spend, revenue, incremental conversions, revenue and profit; ROAS and
    iROAS of the sums; break-even ROAS ``1/m̄`` with m̄ the attributed-revenue-weighted margin (for one campaign,
    its own); intervals from the campaigns' standard errors added in quadrature (independent estimates). For a
    single campaign every figure is that campaign's own."""
    if len(table) == 1:
        row = table.iloc[0]
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
    z = z_critical(alpha)
    spend = float(table["spend"].sum())
    attributed = float(table["revenue_attributed"].sum())
    weights = table["revenue_attributed"] if attributed > 0 else table["spend"]
    margin = float(np.average(table["gross_margin"], weights=weights))
    revenue = float(table["incremental_revenue"].sum())
    revenue_se = float(np.sqrt((table["incremental_revenue_se"] ** 2).sum()))
    conversions = float(table["incremental_conversions"].sum())
    conversions_se = float(np.sqrt((table["incremental_conversions_se"] ** 2).sum()))
    gross = float((table["incremental_revenue"] * table["gross_margin"]).sum())
    gross_se = float(np.sqrt(((table["incremental_revenue_se"] * table["gross_margin"]) ** 2).sum()))
    customers = float(table["new_customers"].sum())
    iroas_ci = ((revenue - z * revenue_se) / spend, (revenue + z * revenue_se) / spend)
    return {
        "campaign": N_("all campaigns"), "channel": "", "spend": spend, "revenue_attributed": attributed,
        "gross_margin": margin, "roas": attributed / spend, "roi_revenue_based": attributed / spend - 1,
        "roi_margin_based": float(table["attributed_profit"].sum()) / spend, "break_even_roas": 1 / margin,
        "attributed_profit": float(table["attributed_profit"].sum()),
        "incremental_conversions": conversions, "incremental_conversions_ci_low": conversions - z * conversions_se,
        "incremental_conversions_ci_high": conversions + z * conversions_se, "incremental_revenue": revenue,
        "incremental_revenue_ci_low": revenue - z * revenue_se, "incremental_revenue_ci_high": revenue + z * revenue_se,
        "incremental_profit": gross - spend, "incremental_profit_ci_low": gross - z * gross_se - spend,
        "incremental_profit_ci_high": gross + z * gross_se - spend, "iroas": revenue / spend,
        "iroas_ci_low": iroas_ci[0], "iroas_ci_high": iroas_ci[1], "incremental_roi": (gross - spend) / spend,
        "p_value": None, "baseline_conversions": float(table["baseline_conversions"].sum()),
        "baseline_revenue": float(table["baseline_revenue"].sum()),
        "non_incremental_revenue": attributed - revenue, "new_customers": customers,
        "cac": spend / customers if customers > 0 else None, "payback_months": None, "ltv_to_cac": None,
        "break_even_uplift": None, "discount_rate": 0.0, "verdict": verdict(iroas_ci, 1 / margin),
    }


VIEW_COLUMNS = ["campaign", "spend", "revenue_attributed", "roas", "roi_margin_based", "iroas", "iroas_ci_low",
                "iroas_ci_high", "break_even_roas", "incremental_profit", "verdict"]
VIEW_FORMATS = {"spend": "{:,.0f}", "revenue_attributed": "{:,.0f}", "roas": "{:.2f}", "roi_margin_based": "{:+.0%}",
                "iroas": "{:.2f}", "iroas_ci_low": "{:.2f}", "iroas_ci_high": "{:.2f}", "break_even_roas": "{:.2f}",
                "incremental_profit": "{:+,.0f}", "incremental_revenue": "{:,.0f}", "new_customers": "{:,.0f}",
                "cac": "{:,.2f}", "payback_months": "{:.1f}", "ltv_to_cac": "{:.2f}", "break_even_uplift": "{:.0%}",
                "incremental_conversions": "{:,.0f}"}
CUSTOMER_COLUMNS = ["campaign", "incremental_conversions", "new_customers", "cac", "payback_months", "ltv_to_cac",
                    "break_even_uplift"]


def _with_total(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    if len(table) == 1:
        return table
    return pd.concat([table, pd.DataFrame([portfolio(table, alpha)])], ignore_index=True)


def styled_views(table: pd.DataFrame, alpha: float) -> Any:
    """The attributed view (ROAS, margin ROI) and the incremental view (iROAS with its interval, incremental
    profit) side by side, one row per campaign (and the total of several)."""
    return styled(_with_total(table, alpha), VIEW_FORMATS, VIEW_COLUMNS)


def styled_customers(table: pd.DataFrame, alpha: float) -> Any:
    """Customers and promotion economics per campaign: new customers, CAC, payback, LTV:CAC, break-even uplift
    (empty where an input was not given or no new customer was acquired)."""
    return styled(_with_total(table, alpha), VIEW_FORMATS, CUSTOMER_COLUMNS)


def _campaign_sentence(row: pd.Series | dict[str, Any], alpha: float) -> str:
    """What one campaign's numbers say, in one or two sentences (never nan or inf)."""
    level = f"{1 - alpha:.0%}"
    values = dict(row)
    figures = dict(
        name=translate_label(values["campaign"]), roas=values["roas"], iroas=values["iroas"],
        low=values["iroas_ci_low"], high=values["iroas_ci_high"], level=level, break_even=values["break_even_roas"],
        profit=values["incremental_profit"],
    )
    if values["verdict"] == "pays":
        text = tr("{name} pays: incremental ROAS {iroas:.2f} ({level} CI {low:.2f} to {high:.2f}) is above the "
                  "break-even ROAS of {break_even:.2f}, an incremental profit of {profit:+,.0f}.", **figures)
    elif values["verdict"] == "loses money":
        text = tr("{name} loses money: incremental ROAS {iroas:.2f} ({level} CI {low:.2f} to {high:.2f}) is below "
                  "the break-even ROAS of {break_even:.2f}, an incremental profit of {profit:+,.0f}.", **figures)
    else:
        text = tr("{name} cannot be judged yet: incremental ROAS {iroas:.2f} ({level} CI {low:.2f} to {high:.2f}) "
                  "straddles the break-even ROAS of {break_even:.2f}; a larger holdout or a longer test would "
                  "settle it.", **figures)
    if values["iroas"] > 0 and values["roas"] > values["iroas"]:
        text += tr(" ") + tr("The platform's ROAS of {roas:.2f} is {times:.1f} times the incremental one.",
                         roas=values["roas"], times=values["roas"] / values["iroas"])
    elif values["iroas"] <= 0:
        text += tr(" ") + tr("The holdout shows no incremental revenue, whatever the platform's ROAS of {roas:.2f} "
                         "suggests.", roas=values["roas"])
    return text


def _customer_sentence(values: dict[str, Any]) -> str:
    cac = values.get("cac")
    if cac is None or not np.isfinite(cac):
        return tr("It acquired no new customers, so there is no acquisition cost (CAC) to judge: it worked on "
                  "existing customers.")
    text = tr("CAC is {cac:,.2f} per new customer", cac=cac)
    if values.get("ltv_to_cac") is not None and np.isfinite(values["ltv_to_cac"]):
        text += tr(", LTV:CAC {ratio:.1f}", ratio=values["ltv_to_cac"])
    if values.get("payback_months") is not None and np.isfinite(values["payback_months"]):
        text += tr(", paid back in {months:.1f} months of gross margin", months=values["payback_months"])
    return text + tr(".")


def recommendation(table: pd.DataFrame, alpha: float) -> str:
    """The memo's recommendation, generated from the numbers: for one campaign its verdict, how far the
    platform's ROAS overstates, customers and (for a price promotion) the volume a discount needs; for several,
    the campaigns that pay, lose money or cannot be judged yet, and the portfolio."""
    if len(table) == 1:
        values = table.iloc[0].to_dict()
        text = _campaign_sentence(values, alpha) + tr(" ") + _customer_sentence(values)
        if values.get("break_even_uplift") is not None and np.isfinite(values["break_even_uplift"]):
            text += tr(" ") + tr("A price cut of {discount:.0%} at a {margin:.0%} gross margin needs {uplift:.0%} more "
                             "units sold just to keep gross profit where it was.",
                             discount=values["discount_rate"],
                             margin=values["gross_margin"], uplift=values["break_even_uplift"])
        return text
    names = {v: tr(", ").join(translate_label(c) for c in table.loc[table["verdict"] == v, "campaign"])
             for v in VERDICTS}
    counts = table["verdict"].value_counts()
    patterns = {"pays": N_("{count} pay ({names})"), "loses money": N_("{count} lose money ({names})"),
                "inconclusive": N_("{count} cannot be judged yet ({names})")}
    parts = [tr(patterns[v], count=int(counts[v]), names=names[v]) for v in VERDICTS if counts.get(v, 0)]
    total = portfolio(table, alpha)
    text = tr("Of {n} campaigns: {parts}.", n=len(table), parts=tr("; ").join(parts))
    if counts.get("loses money", 0) and counts.get("pays", 0):
        text += tr(" ") + tr("Move budget from the campaigns that lose money to those that pay, and re-test after the "
                         "change.")
    text += tr(" ") + tr("Together: spend {spend:,.0f}, platform ROAS {roas:.2f}, incremental ROAS {iroas:.2f} against "
                     "a break-even of {break_even:.2f}, incremental profit {profit:+,.0f}.", spend=total["spend"],
                     roas=total["roas"], iroas=total["iroas"], break_even=total["break_even_roas"],
                     profit=total["incremental_profit"])
    return text


def report_tables(table: pd.DataFrame, alpha: float) -> dict[str, pd.DataFrame]:
    """The report's tables for ``results.xlsx``: attributed vs incremental view, customers and promotion."""
    full = _with_total(table, alpha)
    return {N_("Attributed vs incremental"): full[VIEW_COLUMNS],
            N_("Customers and promotion"): full[CUSTOMER_COLUMNS]}


def report_summary(table: pd.DataFrame, alpha: float, campaigns: pd.DataFrame, from_file: bool) -> dict[str, Any]:
    """The headline: platform ROAS against incremental ROAS with its interval, break-even ROAS, incremental
    profit, and CAC (or the number of campaigns)."""
    total = portfolio(table, alpha)
    level = f"{1 - alpha:.0%}"
    figures = [
        {"label": tr("ROAS as the platform attributes it"), "value": f"{total['roas']:.2f}"},
        {"label": tr("Incremental ROAS (iROAS)"), "value": f"{total['iroas']:.2f}",
         "interval": tr("{level} CI {interval}", level=level,
                        interval=interval_text(total["iroas_ci_low"], total["iroas_ci_high"], ".2f"))},
        {"label": tr("Break-even ROAS (1 ÷ gross margin)"), "value": f"{total['break_even_roas']:.2f}"},
        {"label": tr("Incremental profit"), "value": f"{total['incremental_profit']:+,.0f}",
         "interval": tr("{level} CI {interval}", level=level,
                        interval=interval_text(total["incremental_profit_ci_low"],
                                               total["incremental_profit_ci_high"], "+,.0f"))},
    ]
    if len(table) > 1:
        figures.append({"label": tr("Campaigns"), "value": f"{len(table)}"})
    elif total["cac"] is not None:
        figures.append({"label": tr("CAC (spend ÷ new customers)"), "value": f"{total['cac']:,.2f}"})
    else:
        figures.append({"label": tr("CAC (spend ÷ new customers)"), "value": tr("no new customers")})
    return {"key_figures": figures, "rows_used": len(campaigns) if from_file else None}


class IncrementalPart(ResultPart):
    conversions: float = Field(description="incremental conversions: treated − holdout × (treated users ÷ holdout users)")
    conversions_ci: list[float | None] = Field(description="interval: Wald difference of rates × treated users")
    revenue: float = Field(description="incremental revenue: treated − holdout revenue scaled to the treated size")
    revenue_ci: list[float | None] = Field(description="interval of the incremental revenue (see interval_method)")
    profit: float = Field(description="incremental profit: gross margin × incremental revenue − spend")
    profit_ci: list[float | None] = Field(description="interval of the incremental profit")
    iroas: float = Field(description="incremental ROAS: incremental revenue ÷ spend")
    iroas_ci: list[float | None] = Field(description="interval of iROAS: [lo, hi]")
    roi: float = Field(description="incremental ROI (margin-based): incremental profit ÷ spend")
    p_value: float | None = Field(description="pooled z test of the conversion rates; null for a portfolio")


class CampaignResult(ResultPart):
    campaign: str = Field(description="the campaign's name")
    channel: str = Field(description="its channel, when the table gives one")
    spend: float = Field(description="spend")
    revenue_attributed: float = Field(description="revenue the platform attributes")
    gross_margin: float = Field(description="gross margin")
    roas: float = Field(description="attributed ROAS: attributed revenue ÷ spend")
    roi: float = Field(description="margin-based ROI of the attributed revenue: (revenue × margin − spend) ÷ spend")
    roi_revenue_based: float = Field(description="revenue-based ROI: (attributed revenue − spend) ÷ spend")
    roi_margin_based: float = Field(description="the same as roi")
    break_even_roas: float = Field(description="1 ÷ gross margin")
    incremental: IncrementalPart = Field(description="the holdout's view")
    new_customers: float = Field(description="new customers acquired")
    cac: float | None = Field(description="spend ÷ new customers; null when there were none")
    payback_months: float | None = Field(description="CAC ÷ (monthly revenue per customer × margin); null when unknown")
    ltv_to_cac: float | None = Field(description="LTV ÷ CAC; null when LTV is not given or CAC is undefined")
    break_even_uplift: float | None = Field(description="volume increase a price cut needs: d ÷ (m − d); null without one")
    verdict: Literal["pays", "loses money", "inconclusive"] = Field(
        description="pays / loses money when the whole iROAS interval is above / below break-even ROAS")


class Results(TemplateResults):
    """``results.json`` of ``campaign_roi``. With several campaigns, the top-level figures are the portfolio's."""

    template: Literal["campaign_roi"] = Field(description="`campaign_roi`")
    mode: Literal["single", "table"] = Field(description="single: one campaign from the parameters; table: data_path")
    alpha: float = Field(description="1 − confidence level of the intervals")
    roi: float = Field(description="margin-based ROI of the attributed revenue: (revenue × margin − spend) ÷ spend")
    roi_revenue_based: float = Field(description="revenue-based ROI: (attributed revenue − spend) ÷ spend")
    roi_margin_based: float = Field(description="the same as roi")
    roas: float = Field(description="attributed ROAS: attributed revenue ÷ spend")
    break_even_roas: float = Field(description="1 ÷ gross margin (revenue-weighted margin for a portfolio)")
    incremental: IncrementalPart = Field(description="the holdout's view")
    cac: float | None = Field(description="spend ÷ new customers; null when there were none")
    payback_months: float | None = Field(description="months of gross margin to earn back CAC; null when unknown")
    ltv_to_cac: float | None = Field(description="LTV ÷ CAC; null when unknown")
    break_even_uplift: float | None = Field(description="volume increase the price cut needs; null without one")
    verdict: Literal["pays", "loses money", "inconclusive"] = Field(description="from the iROAS interval")
    interval_method: str = Field(description="how the intervals were formed")
    campaigns: list[CampaignResult] = Field(description="one entry per campaign")


INTERVAL_METHOD = ("conversions: Wald interval of the difference in conversion rates × treated users; revenue: "
                   "delta method with revenue per conversion taken as known (ignores order-value variance); "
                   "portfolio: standard errors added in quadrature")


def _result_part(values: dict[str, Any]) -> dict[str, Any]:
    def span(name: str) -> list[Any]:
        return [values[f"{name}_ci_low"], values[f"{name}_ci_high"]]

    return {
        "roas": values["roas"], "roi": values["roi_margin_based"], "roi_revenue_based": values["roi_revenue_based"],
        "roi_margin_based": values["roi_margin_based"], "break_even_roas": values["break_even_roas"],
        "incremental": {
            "conversions": values["incremental_conversions"], "conversions_ci": span("incremental_conversions"),
            "revenue": values["incremental_revenue"], "revenue_ci": span("incremental_revenue"),
            "profit": values["incremental_profit"], "profit_ci": span("incremental_profit"),
            "iroas": values["iroas"], "iroas_ci": span("iroas"), "roi": values["incremental_roi"],
            "p_value": values["p_value"],
        },
        "cac": values["cac"], "payback_months": values["payback_months"], "ltv_to_cac": values["ltv_to_cac"],
        "break_even_uplift": values["break_even_uplift"], "verdict": values["verdict"],
    }


def build_results(params: Params, campaigns: pd.DataFrame, table: pd.DataFrame, text: str) -> Results:
    """The validated ``results.json`` content of a run."""
    rows = []
    for _, row in table.iterrows():
        values = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
        rows.append({"campaign": str(values["campaign"]), "channel": str(values["channel"]),
                     "spend": values["spend"], "revenue_attributed": values["revenue_attributed"],
                     "gross_margin": values["gross_margin"], "new_customers": values["new_customers"],
                     **_result_part(values)})
    return Results(
        template="campaign_roi", mode="table" if params.data_path else "single", alpha=params.alpha,
        **_result_part(portfolio(table, params.alpha)), interval_method=INTERVAL_METHOD, campaigns=rows,
        recommendation=text, language=current_language(),
        summary=report_summary(table, params.alpha, campaigns, bool(params.data_path)),
    )


SPEC = TemplateSpec(
    name="campaign_roi",
    purpose="Campaign ROI, ROAS and CAC as attributed and as measured against a holdout, with a profit waterfall",
    chapter="4.5 Measuring marketing effect",
    title="Campaign ROI: attributed vs incremental",
    question="Did the campaign pay for itself in incremental profit, not just in the revenue the platform credits it with?",
    params=Params,
    results=Results,
)

"""The ``customer_value`` template (chapter 5.5): who the valuable customers are, how many will come back and
what they are worth — RFM segments, cohort retention, the BG/NBD and Gamma-Gamma models checked on a holdout
period, and discounted customer lifetime value (CLV).

Its notebook reads the transactions once (:meth:`Params.load_inputs`, which cleans them by stated rules and
counts what each rule removed), then calls :func:`rfm_segmentation`, :func:`cohorts`, :func:`fit_models`, the
tables and figures, :func:`memo` and :func:`build_results`.

Model convention: both models are fitted on the calibration period (up to ``calibration_end``), the BG/NBD fit is
checked against the purchases of the holdout period after it, and CLV applies the fitted parameters to each
customer's whole history up to the last day of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from .. import clv as models
from ..customers import cohort_retention, is_cancellation, rfm_scores, rfm_segments, rfm_table, segment_summary
from ..data import DataError, load_table, pseudonymise_ids, require_columns, require_numeric, resolve_input
from ..i18n import N_, current_language, tr, translate_label
from .base import ResultPart, TemplateResults, TemplateSpec, TransactionColumns, param, rows_note, styled

__all__ = [
    "Params",
    "Inputs",
    "ModelFit",
    "Results",
    "SPEC",
    "clean_transactions",
    "rfm_segmentation",
    "cohorts",
    "fit_models",
    "holdout_table",
    "top_customers",
    "load_note",
    "holdout_label",
    "segments_with_value",
    "spend_check_note",
    "styled_cleaning",
    "styled_segments",
    "styled_parameters",
    "styled_holdout",
    "styled_top_customers",
    "clv_summary",
    "memo",
    "report_tables",
    "report_summary",
    "build_results",
]

#: how many of the most valuable customers the report lists
TOP_CUSTOMERS = 15
#: rows read by the cheap pre-run check (``ecomops validate`` and before a kernel starts)
CHECK_SAMPLE_ROWS = 10_000

#: segment names as the tables show them (the catalogue holds their Chinese)
SEGMENT_LABELS = (
    N_("hibernating"), N_("at_risk"), N_("cant_lose"), N_("about_to_sleep"), N_("need_attention"),
    N_("loyal_customers"), N_("promising"), N_("new_customers"), N_("potential_loyalists"), N_("champions"),
)
#: the cleaning rules, in the order they are applied
RULES = (
    N_("missing customer ID"),
    N_("missing date"),
    N_("cancellation invoice"),
    N_("return (negative quantity)"),
    N_("zero amount"),
)
#: column labels of the template's tables
COLUMN_LABELS = (
    N_("rule"), N_("rows_removed"), N_("rows_left"), N_("customers"), N_("share"), N_("monetary"),
    N_("monetary_share"), N_("recency_days"), N_("frequency"), N_("parameter"), N_("estimate"),
    N_("meaning"), N_("predicted"), N_("actual"), N_("customer"), N_("clv"), N_("probability_alive"),
    N_("expected_purchases"), N_("expected_spend"), N_("group"), N_("model"), N_("quantity"),
)


class Params(TransactionColumns):
    """Parameters of the ``customer_value`` template."""

    data_path: str = param(
        "datasets/online_retail_customers_mod10.csv", unit="file path",
        help="Transactions, one row per order line or order: CSV (UTF-8 or GBK), CSV.gz, XLSX (first sheet) or "
        "Parquet",
    )
    data_kind: Literal["transactions", "summary"] = param(
        "transactions", unit="choice",
        help="transactions: one row per order line or order; summary: one row per customer and purchase day with "
        "the day's amount, as `ecomops sql customer_value` computes it in a warehouse",
    )
    calibration_end: str = param(
        "2011-08-31", unit="date (YYYY-MM-DD)",
        help="Last day of the calibration period the models are fitted on; later purchases form the holdout check",
    )
    horizon_months: int = param(12, unit="months", ge=1, le=120, help="How far ahead the CLV looks")
    annual_discount_rate: float = param(
        0.10, unit="fraction per year", ge=0.0, lt=1.0,
        help="Discount rate of future value, per year (0.10 = 10 %); applied monthly",
    )
    gross_margin: float = param(
        1.0, unit="fraction of revenue", gt=0.0, le=1.0,
        help="Share of revenue kept as gross margin; 1 gives CLV as revenue",
    )
    time_unit: Literal["days", "weeks"] = param(
        "weeks", unit="choice", help="Time unit of the BG/NBD model (recency, age, alpha): days or weeks",
    )
    id_salt: str = param(
        "customer-value-report-key", unit="text (≥ 16 characters)", min_length=16,
        help="Secret key of the customer ID pseudonyms shown in the report; set your own and keep it private",
    )

    @field_validator("calibration_end")
    @classmethod
    def _is_a_date(cls, value: str) -> str:
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError):
            raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None
        return value

    @model_validator(mode="after")
    def _summary_has_amounts(self) -> "Params":
        if self.data_kind == "summary" and (not self.amount_col.strip() or self.invoice_col.strip()):
            raise ValueError("data_kind: summary reads one row per customer and day: give amount_col (e.g. amount) "
                             "and leave invoice_col empty (cancellations were removed by the query)")
        return self

    def _used_columns(self) -> list[str]:
        names = [self.customer_col, self.date_col]
        names += [self.amount_col] if self.amount_col.strip() else [self.quantity_col, self.price_col]
        if self.invoice_col.strip():
            names.append(self.invoice_col)
        return list(dict.fromkeys(name.strip() for name in names))

    def _path(self):
        return resolve_input(self.data_path, None, Params.model_fields["data_path"].default)

    def check_inputs(self) -> None:
        """Read the header and the first rows only, and clean them as the full read will."""
        path = self._path()
        sample = load_table(path, nrows=CHECK_SAMPLE_ROWS)
        self._check_summary(sample, str(path))
        clean_transactions(sample, self, str(path), check_range=False)

    def load_inputs(self) -> "Inputs":
        """Load the whole table, keep only the columns the analysis needs, clean and check it."""
        path = self._path()
        frame = self._check_summary(load_table(path), str(path))
        return clean_transactions(frame, self, str(path))

    def _check_summary(self, frame: pd.DataFrame, source: str) -> pd.DataFrame:
        """A summary must hold one row per customer and calendar day (else it is order lines, not purchase days)."""
        if self.data_kind != "summary":
            return frame
        source = frame.attrs.get("source", source)
        require_columns(frame, self._used_columns(), source)
        keys = pd.DataFrame({"customer": frame[self.customer_col],
                             "day": _dates(frame[self.date_col], self.date_col, source).dt.normalize()})
        repeated = keys.duplicated()
        if repeated.any():
            row = int(repeated.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{source}: customer {keys['customer'].iloc[row]!r} has more than one row on "
                f"{keys['day'].iloc[row].date()} (row {row + 2}); a summary has one row per customer and day — "
                "use data_kind: transactions for order lines"
            )
        return frame


@dataclass(frozen=True)
class Inputs:
    """The cleaned transactions (``customer``, ``date``, ``amount``), what each cleaning rule removed, and the
    rows read."""

    transactions: pd.DataFrame
    cleaning: pd.DataFrame
    rows_read: int
    source: str


def _dates(series: pd.Series, column: str, source: str) -> pd.Series:
    """Parse a date column; an unreadable value raises :class:`DataError` naming its row and value."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    dates = pd.to_datetime(series, errors="coerce")
    unreadable = dates.isna() & series.notna()
    if unreadable.any():  # several formats in one column: parse the rest value by value
        retried = pd.to_datetime(series.where(unreadable), errors="coerce", format="mixed")
        dates = dates.where(~unreadable, retried.where(retried.dt.year >= 1900))  # no year given: year 1
        unreadable = dates.isna() & series.notna()
    if unreadable.any():
        position = int(unreadable.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{source}: column {column!r} must hold dates, but row {position + 2} has {series.iloc[position]!r} "
            f"({int(unreadable.sum()):,} such row(s) in all); write dates as YYYY-MM-DD"
        )
    return dates


def _customer_ids(series: pd.Series) -> pd.Series:
    """Customer IDs: whole numbers stay numbers (also when read as floats, ``17850.0`` → 17850; a missing ID
    makes them nullable integers), anything else becomes stripped text with an empty cell as missing."""
    if pd.api.types.is_integer_dtype(series):
        return series
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        if (whole == np.round(whole)).all():
            return series.astype("Int64")
    return series.astype("string").str.strip().replace("", pd.NA)


def clean_transactions(frame: pd.DataFrame, params: Params, source: str = "transactions",
                       check_range: bool = True) -> Inputs:
    """Keep the columns the analysis needs and apply the cleaning rules in order, counting the rows each removes.

    Rules: (1) a missing customer ID, (2) a missing date, (3) a line of a cancellation invoice (number starting
    with ``"C"``, when ``invoice_col`` is given), (4) a return (negative quantity, when the amount is quantity ×
    price), (5) a zero amount (free items carry no value). Whatever is left must have positive amounts: a
    negative amount left after these rules stops the run with the row and value. ``check_range`` also checks that
    ``calibration_end`` lies inside the data's dates, leaving at least one day after it.
    """
    source = frame.attrs.get("source", source)
    columns = params._used_columns()
    require_columns(frame, columns, source)
    rows_read = len(frame)
    data = frame[columns]
    customer = _customer_ids(data[params.customer_col])
    dates = _dates(data[params.date_col], params.date_col, source)
    if params.amount_col.strip():
        amount = require_numeric(data, [params.amount_col], source)[params.amount_col].astype(float)
        quantity = None
    else:
        numbers = require_numeric(data, [params.quantity_col, params.price_col], source)
        quantity = numbers[params.quantity_col].astype(float)
        amount = quantity * numbers[params.price_col].astype(float)
    rules = {
        "missing customer ID": customer.isna().to_numpy(dtype=bool),
        "missing date": dates.isna().to_numpy(),
        "cancellation invoice": (is_cancellation(data[params.invoice_col]).to_numpy() if params.invoice_col.strip()
                                 else np.zeros(rows_read, bool)),
        "return (negative quantity)": (quantity < 0).to_numpy() if quantity is not None else np.zeros(rows_read, bool),
        "zero amount": (amount == 0).to_numpy(),
    }
    keep = np.ones(rows_read, bool)
    removed = []
    for rule, hit in rules.items():
        dropped = keep & hit
        keep &= ~hit
        removed.append({"rule": rule, "rows_removed": int(dropped.sum()), "rows_left": int(keep.sum())})
    cleaning = pd.DataFrame(removed)
    if not keep.any():
        raise DataError(
            f"{source}: no transactions are left after cleaning ({rows_read:,} rows read; "
            + ", ".join(f"{r['rule']}: {r['rows_removed']:,} removed" for r in removed)
            + "); check the column parameters"
        )
    negative = keep & (amount < 0).to_numpy()
    if negative.any():
        position = int(negative.nonzero()[0][0])
        raise DataError(
            f"{source}: row {position + 2} has a negative amount ({amount.iloc[position]:g}) although returns and "
            f"cancellations were excluded ({int(negative.sum()):,} such row(s)); refunds written as negative "
            "amounts need quantity_col (negative quantity = return) or invoice_col (C… = cancellation), or remove "
            "them from the file"
        )
    kept = customer[keep]
    kept = kept.astype("int64") if isinstance(kept.dtype, pd.Int64Dtype) else kept
    transactions = pd.DataFrame({"customer": kept.to_numpy(), "date": dates.to_numpy()[keep],
                                 "amount": amount.to_numpy()[keep]})
    if check_range:
        first, last = transactions["date"].min().normalize(), transactions["date"].max().normalize()
        end = pd.Timestamp(params.calibration_end).normalize()
        if not first <= end < last:
            raise DataError(
                f"calibration_end {end.date()} is outside the data range: the purchases run from {first.date()} "
                f"to {last.date()}; choose a day on or after the first and before the last, leaving a holdout "
                "period after it (often the last quarter or third of the data)"
            )
    return Inputs(transactions=transactions, cleaning=cleaning, rows_read=rows_read, source=source)


def load_note(inputs: Inputs, params: Params) -> str:
    """One line: rows read from which file, and the transactions kept after cleaning."""
    return rows_note(range(inputs.rows_read), params.data_path) + tr(
        "; {kept:,} kept after cleaning", kept=len(inputs.transactions))


def styled_cleaning(inputs: Inputs) -> Any:
    """The cleaning rules with the rows each removed and the rows left after it."""
    return styled(inputs.cleaning, {"rows_removed": "{:,}", "rows_left": "{:,}"})


# ------------------------------------------------------------------------------------------------------- RFM


def rfm_segmentation(inputs: Inputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RFM table with scores and segment per customer as of the data's last day (ties ranked "first"), and the
    :func:`ecomops.customers.segment_summary` of the segments."""
    rfm = rfm_table(inputs.transactions, "customer", "date", "amount")
    scores = rfm_scores(rfm, n_bins=5, ties="first")
    rfm = rfm.join(scores)
    rfm["segment"] = rfm_segments(scores)
    return rfm, segment_summary(rfm, rfm["segment"])


SEGMENT_FORMATS = {"customers": "{:,}", "share": "{:.1%}", "monetary": "{:,.0f}", "monetary_share": "{:.1%}",
                   "recency_days": "{:,.0f}", "frequency": "{:.1f}", "clv": "{:,.0f}"}


def styled_segments(segments: pd.DataFrame) -> Any:
    """The segments with their sizes, spend and (after :func:`fit_models`) CLV, largest spend first."""
    return styled(segments.rename_axis("segment").reset_index(), SEGMENT_FORMATS)


# --------------------------------------------------------------------------------------------------- cohorts


def cohorts(inputs: Inputs) -> pd.DataFrame:
    """Monthly cohort retention up to the last *complete* month of the data (the partial last month left out)."""
    return cohort_retention(inputs.transactions, "customer", "date", end_date=inputs.transactions["date"].max())


# ------------------------------------------------------------------------------------------------ the models


@dataclass(frozen=True)
class ModelFit:
    """The fitted models and what the notebook shows of them."""

    calibration: pd.DataFrame  # calibration_summary per customer (calibration period + holdout counts)
    bgnbd: models.BgNbdFit
    gamma_gamma: models.GammaGammaFit
    predicted_holdout: np.ndarray  # E[Y(holdout length)] per calibration customer
    customers: pd.DataFrame  # whole history per customer: x, t_x, T, monetary, P(alive), E[purchases], spend, clv
    time_unit: str
    spend_correlation: float  # corr(frequency, monetary) of the repeaters (Gamma-Gamma assumes about 0)


def fit_models(inputs: Inputs, params: Params) -> ModelFit:
    """Fit BG/NBD and Gamma-Gamma on the calibration period, predict the holdout, and compute CLV.

    Raises :class:`DataError` when there are too few repeat purchases to fit a model.
    """
    data = inputs.transactions
    calibration = models.calibration_summary(data, "customer", "date", "amount", params.calibration_end,
                                             time_unit=params.time_unit)
    repeaters = calibration[calibration["frequency"] > 0]
    if len(repeaters) < 10:
        raise DataError(
            f"only {len(repeaters)} customer(s) bought again within the calibration period (up to "
            f"{params.calibration_end}); the models need at least 10 — choose a later calibration_end"
        )
    bgnbd = models.fit_bgnbd(calibration["frequency"], calibration["recency"], calibration["T"])
    gamma_gamma = models.fit_gamma_gamma(repeaters["frequency"], repeaters["monetary"])
    if gamma_gamma.q <= 1:
        raise DataError("the Gamma-Gamma fit has q ≤ 1 (an infinite mean spend): spend is too dispersed for this "
                        "model; check for extreme amounts")
    length = float(calibration["holdout_length"].iloc[0])
    predicted = models.bgnbd_expected_purchases(bgnbd, length, calibration["frequency"], calibration["recency"],
                                                calibration["T"])
    last_day = data["date"].max().normalize()
    history = models.calibration_summary(data, "customer", "date", "amount", last_day, time_unit=params.time_unit)
    x, t_x, age, spend = (history[c].to_numpy() for c in ("frequency", "recency", "T", "monetary"))
    horizon = params.horizon_months * models.DAYS_PER_MONTH / models.TIME_UNITS[params.time_unit]
    customers = pd.DataFrame({
        "frequency": x, "recency": t_x, "T": age, "monetary": spend,
        "probability_alive": models.bgnbd_probability_alive(bgnbd, x, t_x, age),
        "expected_purchases": models.bgnbd_expected_purchases(bgnbd, horizon, x, t_x, age),
        "expected_spend": models.gamma_gamma_expected_spend(gamma_gamma, x, spend),
        "clv": models.discounted_clv(bgnbd, gamma_gamma, x, t_x, age, spend, params.horizon_months,
                                     params.annual_discount_rate, params.time_unit, margin=params.gross_margin),
    }, index=history.index)
    correlation = float(np.corrcoef(repeaters["frequency"], repeaters["monetary"])[0, 1]) if len(repeaters) > 2 \
        else float("nan")
    return ModelFit(calibration, bgnbd, gamma_gamma, np.asarray(predicted), customers, params.time_unit, correlation)


def _unit_label(model: ModelFit, length: float) -> str:
    return tr("{length:g} days", length=round(length, 1)) if model.time_unit == "days" else \
        tr("{length:g} weeks", length=round(length, 1))


def holdout_label(model: ModelFit) -> str:
    """The holdout's length as the figure's title shows it (e.g. "holdout: 14.3 weeks")."""
    return tr("holdout: {length}", length=_unit_label(model, float(model.calibration["holdout_length"].iloc[0])))


def styled_parameters(model: ModelFit) -> Any:
    """The fitted parameters with what each means, and the log-likelihoods."""
    unit = tr("per day") if model.time_unit == "days" else tr("per week")
    rows = [
        ("BG/NBD", "r", model.bgnbd.r, tr("shape of the purchase-rate distribution (gamma)")),
        ("BG/NBD", "alpha", model.bgnbd.alpha, tr("scale of the purchase rates; mean rate r/alpha = {rate:.3f} {unit}",
                                                  rate=model.bgnbd.r / model.bgnbd.alpha, unit=unit)),
        ("BG/NBD", "a", model.bgnbd.a, tr("dropout after a purchase ~ Beta(a, b): mean a/(a+b) = {p:.1%}",
                                          p=model.bgnbd.a / (model.bgnbd.a + model.bgnbd.b))),
        ("BG/NBD", "b", model.bgnbd.b, tr("second shape of the dropout distribution")),
        ("BG/NBD", "log-likelihood", model.bgnbd.log_likelihood, tr("at the estimate (calibration period)")),
        ("Gamma-Gamma", "p", model.gamma_gamma.p, tr("shape of the spend per purchase")),
        ("Gamma-Gamma", "q", model.gamma_gamma.q, tr("shape of the customers' spend levels")),
        ("Gamma-Gamma", "gamma", model.gamma_gamma.gamma, tr("scale; mean spend per purchase pγ/(q−1) = {mean:,.2f}",
                                                           mean=_population_spend(model))),
        ("Gamma-Gamma", "log-likelihood", model.gamma_gamma.log_likelihood, tr("at the estimate (repeat buyers)")),
    ]
    table = pd.DataFrame(rows, columns=["model", "parameter", "estimate", "meaning"])
    return styled(table, {"estimate": "{:,.4g}"})


def spend_check_note(model: ModelFit) -> str:
    """One line on the Gamma-Gamma assumption: the correlation of frequency and mean spend among repeat buyers."""
    return tr("corr(frequency, mean spend) of the repeat buyers: {value:.2f} (Gamma-Gamma assumes it is near 0)",
              value=model.spend_correlation)


def _population_spend(model: ModelFit) -> float:
    g = model.gamma_gamma
    return g.p * g.gamma / (g.q - 1)


def holdout_table(model: ModelFit) -> pd.DataFrame:
    """Mean predicted and actual holdout purchases per customer, by calibration frequency (0, 1, …, 7+)."""
    return models.holdout_by_frequency(model.calibration, model.predicted_holdout)


def styled_holdout(groups: pd.DataFrame) -> Any:
    """:func:`holdout_table` formatted for the notebook."""
    table = groups.rename_axis("group").reset_index()
    return styled(table, {"customers": "{:,}", "predicted": "{:.2f}", "actual": "{:.2f}"})


def clv_summary(model: ModelFit) -> dict[str, float]:
    """Total and mean CLV and the share of the total held by the top 10 % of customers (⌈n/10⌉ customers)."""
    values = np.sort(model.customers["clv"].to_numpy())[::-1]
    top = max(1, math.ceil(len(values) / 10))
    total = float(values.sum())
    return {"total": total, "mean": float(values.mean()),
            "top_decile_share": float(values[:top].sum() / total) if total > 0 else 0.0}


def top_customers(model: ModelFit, rfm: pd.DataFrame, params: Params, count: int = TOP_CUSTOMERS) -> pd.DataFrame:
    """The ``count`` customers with the highest CLV, their IDs pseudonymised
    (:func:`ecomops.data.pseudonymise_ids` keyed with ``params.id_salt``)."""
    best = model.customers.nlargest(count, "clv")
    table = best[["frequency", "monetary", "probability_alive", "expected_purchases", "expected_spend", "clv"]].copy()
    table.insert(0, "segment", rfm["segment"].reindex(best.index).to_numpy())
    table.insert(0, "customer", pseudonymise_ids(pd.Series(best.index.astype(str), index=best.index),
                                                 salt=params.id_salt, length=12).to_numpy())
    return table.reset_index(drop=True)


TOP_FORMATS = {"frequency": "{:,.0f}", "monetary": "{:,.2f}", "probability_alive": "{:.0%}",
               "expected_purchases": "{:.1f}", "expected_spend": "{:,.2f}", "clv": "{:,.0f}"}


def styled_top_customers(model: ModelFit, rfm: pd.DataFrame, params: Params) -> Any:
    """:func:`top_customers` formatted for the notebook."""
    return styled(top_customers(model, rfm, params), TOP_FORMATS)


def segments_with_value(segments: pd.DataFrame, rfm: pd.DataFrame, model: ModelFit) -> pd.DataFrame:
    """:func:`rfm_segmentation`'s segment table with each segment's total CLV added (column ``clv``)."""
    return segment_summary(rfm, rfm["segment"], model.customers["clv"]).rename(columns={"value": "clv"})


# ------------------------------------------------------------------------------------------------------ memo


def _holdout_totals(model: ModelFit) -> tuple[float, float]:
    return float(model.predicted_holdout.sum()), float(model.calibration["holdout_purchases"].sum())


def _gap() -> str:
    """What separates two sentences: a space in English, nothing in Chinese."""
    return "" if current_language() == "zh" else " "


def memo(params: Params, inputs: Inputs, segments: pd.DataFrame, model: ModelFit) -> str:
    """The run's memo, written from the numbers: the base, the segment holding most spend, the holdout check,
    the CLV concentration and where the value sits."""
    customers = len(model.customers)
    top = segments.sort_values("monetary", ascending=False).iloc[0]
    predicted, actual = _holdout_totals(model)
    summary = clv_summary(model)
    text = tr(
        "{customers:,} customers bought in the cleaned data. The RFM segment '{segment}' holds {share:.0%} of "
        "the customers and {spend:.0%} of the spend.", customers=customers, segment=translate_label(top.name),
        share=top["share"], spend=top["monetary_share"],
    )
    length = _unit_label(model, float(model.calibration["holdout_length"].iloc[0]))
    if actual > 0:
        error = predicted / actual - 1
        text += _gap() + tr(
            "In the holdout period after {end} ({length}), the BG/NBD model predicted {predicted:,.0f} purchases against "
            "{actual:,.0f} actual ({error:+.0%}).", length=length, end=params.calibration_end, predicted=predicted,
            actual=actual, error=error,
        )
        text += _gap() + (tr("That is close enough to use its forecasts for planning.") if abs(error) <= 0.2 else
                       tr("That gap is large: treat the CLV figures as rough and check the calibration period."))
    else:
        text += _gap() + tr("Nobody bought in the holdout period, so the model could not be checked.")
    text += _gap() + tr(
        "Expected {months}-month CLV totals {total:,.0f} (mean {mean:,.2f} per customer, discounted at "
        "{rate:.0%} a year); the top 10% of customers hold {top:.0%} of it, so retention effort on them is "
        "worth most.", months=params.horizon_months, total=summary["total"], mean=summary["mean"],
        rate=params.annual_discount_rate, top=summary["top_decile_share"],
    )
    bg = model.bgnbd
    if bg.a / (bg.a + bg.b) < 1e-3:
        text += _gap() + tr("The model finds almost no dropout in the calibration period (mean dropout chance per "
                         "purchase {p:.2%}), so it predicts that nearly every customer stays active.",
                         p=bg.a / (bg.a + bg.b))
    at_risk = model.customers[(model.customers["probability_alive"] < 0.5)]
    if len(at_risk):
        text += _gap() + tr(
            "{count:,} customers ({share:.0%}) are more likely gone than active (P(alive) < 50%).",
            count=len(at_risk), share=len(at_risk) / customers,
        )
    return text


# --------------------------------------------------------------------------------------------------- results


class BgNbdResult(ResultPart):
    r: float = Field(description="shape of the gamma distribution of purchase rates")
    alpha: float = Field(description="rate (scale) of that gamma distribution, in time_unit")
    a: float = Field(description="first shape of the beta distribution of dropout probabilities")
    b: float = Field(description="second shape of that beta distribution")
    log_likelihood: float = Field(description="total log-likelihood at the estimate (calibration period)")


class GammaGammaResult(ResultPart):
    p: float = Field(description="shape of the gamma distribution of spend per purchase")
    q: float = Field(description="shape of the gamma distribution of customers' spend rates")
    gamma: float = Field(description="scale of that distribution")
    log_likelihood: float | None = Field(None, description="log density of the repeaters' mean spends")


class ClvResult(ResultPart):
    total: float = Field(description="sum of the customers' discounted CLV over horizon_months")
    mean: float = Field(description="mean CLV per customer")
    top_decile_share: float = Field(description="share of the total held by the 10 % of customers with most CLV")


class HoldoutResult(ResultPart):
    predicted_purchases: float = Field(description="Σ expected purchases in the holdout, BG/NBD fitted before it")
    actual_purchases: int = Field(description="purchase days observed in the holdout (same customers)")
    length: float = Field(description="length of the holdout period, in time_unit")
    customers: int = Field(description="customers acquired by calibration_end (those the check covers)")


class CleaningResult(ResultPart):
    rule: str = Field(description="the cleaning rule")
    rows_removed: int = Field(description="rows the rule removed")
    rows_left: int = Field(description="rows left after it")


class Results(TemplateResults):
    """``results.json`` of ``customer_value``."""

    template: Literal["customer_value"] = Field(description="`customer_value`")
    n_customers: int = Field(description="customers with at least one purchase in the cleaned data")
    rfm_segments: dict[str, int] = Field(description="customers per RFM segment (10-segment R×F map)")
    bgnbd: BgNbdResult = Field(description="BG/NBD parameters fitted on the calibration period")
    gamma_gamma: GammaGammaResult = Field(description="Gamma-Gamma parameters fitted on the calibration repeaters")
    clv: ClvResult = Field(description="discounted customer lifetime value over horizon_months")
    holdout: HoldoutResult = Field(description="the BG/NBD check on the holdout period")
    time_unit: Literal["days", "weeks"] = Field(description="time unit of the BG/NBD model")
    rows_read: int = Field(description="rows of the data file")
    cleaning: list[CleaningResult] = Field(description="the cleaning rules in order, with the rows each removed")
    spend_frequency_correlation: float | None = Field(
        description="corr(frequency, mean spend) of the repeaters; Gamma-Gamma assumes it is near 0")


def report_tables(inputs: Inputs, segments: pd.DataFrame, model: ModelFit, rfm: pd.DataFrame,
                  params: Params) -> dict[str, pd.DataFrame]:
    """The report's tables for ``results.xlsx``: cleaning, segments, holdout check, most valuable customers."""
    return {
        N_("Cleaning"): inputs.cleaning,
        N_("RFM segments"): segments.rename_axis("segment").reset_index(),
        N_("Holdout check"): holdout_table(model).rename_axis("group").reset_index(),
        N_("Most valuable customers"): top_customers(model, rfm, params),
    }


def report_summary(params: Params, inputs: Inputs, model: ModelFit) -> dict[str, Any]:
    """The report's headline: customers, CLV total and concentration, the holdout check, and the data's extent."""
    summary = clv_summary(model)
    predicted, actual = _holdout_totals(model)
    dates = inputs.transactions["date"]
    figures = [
        {"label": tr("Customers"), "value": f"{len(model.customers):,}"},
        {"label": tr("{months}-month CLV, total", months=params.horizon_months), "value": f"{summary['total']:,.0f}"},
        {"label": tr("Share of CLV held by the top 10% of customers"), "value": f"{summary['top_decile_share']:.0%}"},
        {"label": tr("Holdout purchases: predicted vs actual"), "value": f"{predicted:,.0f} / {actual:,.0f}"},
        {"label": tr("Mean CLV per customer"), "value": f"{summary['mean']:,.2f}"},
    ]
    return {"key_figures": figures, "rows_used": len(inputs.transactions),
            "date_from": str(dates.min().date()), "date_to": str(dates.max().date())}


def build_results(params: Params, inputs: Inputs, rfm: pd.DataFrame, model: ModelFit, text: str) -> Results:
    """The validated ``results.json`` content of a run."""
    predicted, actual = _holdout_totals(model)
    counts = rfm["segment"].value_counts()
    return Results(
        template="customer_value",
        n_customers=len(model.customers),
        rfm_segments={str(k): int(v) for k, v in counts.sort_index().items()},
        bgnbd=model.bgnbd.to_dict(),
        gamma_gamma=model.gamma_gamma.to_dict(),
        clv=clv_summary(model),
        holdout={"predicted_purchases": predicted, "actual_purchases": int(actual),
                 "length": float(model.calibration["holdout_length"].iloc[0]), "customers": len(model.calibration)},
        time_unit=params.time_unit,
        rows_read=inputs.rows_read,
        cleaning=inputs.cleaning.to_dict("records"),
        spend_frequency_correlation=model.spend_correlation,
        recommendation=text,
        language=current_language(),
        summary=report_summary(params, inputs, model),
    )


SPEC = TemplateSpec(
    name="customer_value",
    purpose="RFM segments, cohort retention, BG/NBD + Gamma-Gamma CLV checked on a holdout, the most valuable "
            "customers",
    chapter="5.5 Customer lifecycle and value",
    title="Customer value: RFM, retention and lifetime value",
    question="Who are the valuable customers, how many will come back, and what are they worth?",
    params=Params,
    results=Results,
)

"""The ``kpi_funnel`` template (chapter 1.4): where a conversion funnel leaks, per segment, and which step is
worth fixing first.

Its notebook reads the table once (:meth:`Params.load_inputs`), builds the funnel tables with
:func:`funnel_tables`, draws them with :mod:`ecomops.plots`, and ends with :func:`recommendation` and
:func:`build_results`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import operations
from ..data import DataError, load_table, require_columns, require_numeric, resolve_input
from ..i18n import N_, current_language, tr, translate_label
from ..warehouse import funnel_stage_columns
from .base import ResultPart, TemplateParams, TemplateResults, TemplateSpec, interval_text, param, styled

__all__ = [
    "FunnelStageParam",
    "Params",
    "Results",
    "SPEC",
    "funnel_tables",
    "kpi_tree_from_funnel",
    "segment_rates",
    "styled_funnel",
    "styled_segment_rates",
    "uplift_table",
    "styled_uplift",
    "recommendation",
    "funnel_recommendation",
    "report_tables",
    "report_summary",
    "build_results",
    "BLANK_SEGMENT",
]

#: label of the rows whose segment cell is empty (they are kept, not silently dropped)
BLANK_SEGMENT = "(blank)"
#: rows read by the cheap pre-run check (``ecomops validate`` and before a kernel starts)
CHECK_SAMPLE_ROWS = 10_000


class FunnelStageParam(BaseModel):
    """One funnel step: rows where ``column op value`` holds (``column`` empty or null = every row)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="label shown in tables and figures")
    column: str | None = Field(None, description="column tested; null for the entry step (every row)")
    op: Literal["gt", "ge", "lt", "le", "eq", "ne"] = Field(
        "ge", description="comparison: gt >, ge >=, lt <, le <=, eq ==, ne != (the symbols are accepted too)"
    )
    value: bool | int | float | str = Field(1, description="value compared with")

    @field_validator("op", mode="before")
    @classmethod
    def _symbol_to_name(cls, op: Any) -> Any:
        return operations.OPERATOR_ALIASES.get(op, op) if isinstance(op, str) else op

    @field_validator("column", mode="before")
    @classmethod
    def _empty_is_none(cls, column: Any) -> Any:
        return None if isinstance(column, str) and not column.strip() else column


DEFAULT_FUNNEL_STAGES: list[dict[str, Any]] = [
    {"name": N_("Session"), "column": None, "op": "ge", "value": 1},
    {"name": N_("Viewed a product page"), "column": "ProductRelated", "op": "ge", "value": 1},
    {"name": N_("Reached a page with value"), "column": "PageValues", "op": "gt", "value": 0},
    {"name": N_("Purchased"), "column": "Revenue", "op": "eq", "value": True},
]


class Params(TemplateParams):
    """Parameters of the ``kpi_funnel`` template."""

    input_path_fields = ("data_path",)

    data_path: str = param(
        "datasets/online_shoppers_intention.csv", unit="file path",
        help="Table with one row per session (or user): CSV (UTF-8 or GBK), CSV.gz, XLSX or Parquet",
    )
    sheet: str | int = param(
        0, unit="sheet name or position",
        help="Worksheet of an XLSX data file: its name, or its position counting from 0; ignored for other files",
    )
    data_kind: Literal["rows", "summary"] = param(
        "rows", unit="choice",
        help="rows: one row per session; summary: one row per segment with table_rows and stage_1 … stage_k "
        "counts, as `ecomops sql kpi_funnel` computes them in a warehouse",
    )
    stages: list[FunnelStageParam] = param(
        unit="list of {name, column, op, value}",
        help="Ordered funnel steps; the first with column null counts every row",
        default_factory=lambda: [FunnelStageParam(**s) for s in DEFAULT_FUNNEL_STAGES],
    )
    segment_by: str = param(
        "VisitorType", unit="column name",
        help="Column whose values split the funnel into segments; empty for no segments",
    )
    alpha: float = param(
        0.05, unit="probability", gt=0.0, le=0.2,
        help="1 − confidence level of the Wilson intervals (0.05 gives 95 % intervals)",
    )
    average_order_value: float = param(
        0.0, unit="currency per order", ge=0.0,
        help="Average order value for the KPI tree's GMV; 0 = unknown (GMV not computed)",
    )
    uplift_points: float = param(
        1.0, unit="percentage points", gt=0.0, lt=50.0,
        help="Size of the what-if improvement applied to each step's conversion rate",
    )

    @field_validator("stages")
    @classmethod
    def _at_least_two_stages(cls, stages: list[FunnelStageParam]) -> list[FunnelStageParam]:
        if len(stages) < 2:
            raise ValueError(f"a funnel needs at least 2 stages, got {len(stages)}")
        names = [s.name for s in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        return stages

    def _used_columns(self) -> list[str]:
        used = [s.column for s in self.stages if s.column]
        if self.segment_by:
            used.append(self.segment_by)
        return list(dict.fromkeys(used))

    def _prepare(self, frame: pd.DataFrame, source: str) -> pd.DataFrame:
        source = frame.attrs.get("source", source)
        require_columns(frame, self._used_columns(), source)
        # data minimisation (chapter 3.3): only the columns the analysis needs enter the notebook, so customer
        # identifiers or contact details in an export never reach the report
        frame = frame[self._used_columns()].copy()
        for stage in self.stages:
            if stage.column:
                frame[stage.column] = _stage_column(frame[stage.column], stage, source)
        if self.segment_by:
            segment = frame[self.segment_by]
            blank = segment.isna() | segment.astype(str).str.strip().eq("")
            frame[self.segment_by] = segment.astype(object).where(~blank, BLANK_SEGMENT).astype(str)
        return frame

    def _check_summary(self, frame: pd.DataFrame, source: str) -> pd.DataFrame:
        """The per-segment stage counts of a summary, checked: whole non-negative counts, never rising along
        the funnel, at most ``table_rows``; one row per segment."""
        source = frame.attrs.get("source", source)
        counts = [*funnel_stage_columns(len(self.stages))]
        require_columns(frame, ["segment", "table_rows", *counts], source)
        numbers = require_numeric(frame, ["table_rows", *counts], source)
        values = numbers[["table_rows", *counts]].to_numpy(dtype=float)
        if (values < 0).any() or (values != np.round(values)).any():
            raise DataError(f"{source}: table_rows and the stage counts must be whole numbers of at least 0")
        if (np.diff(values, axis=1) > 0).any():
            raise DataError(f"{source}: a stage count exceeds the count of the stage before it (or table_rows); "
                            f"each of table_rows, {', '.join(counts)} counts rows meeting every earlier stage too")
        segments = frame["segment"].astype(str)
        if segments.duplicated().any():
            raise DataError(f"{source}: segment {segments[segments.duplicated()].iloc[0]!r} appears more than once")
        summary = pd.DataFrame({"segment": segments.to_numpy()}).join(
            pd.DataFrame(values.astype(np.int64), columns=["table_rows", *counts]))
        summary.attrs = {**frame.attrs, "summary": True}
        return summary.sort_values("segment", kind="stable").reset_index(drop=True)

    def check_inputs(self) -> None:
        """Read the header and the first rows only, and check them as the full read will."""
        path = resolve_input(self.data_path, None, Params.model_fields["data_path"].default)
        if self.data_kind == "summary":
            self._check_summary(load_table(path, sheet=self.sheet), str(path))
            return
        sample = load_table(path, sheet=self.sheet, nrows=CHECK_SAMPLE_ROWS)
        self._prepare(sample, str(path))

    def load_inputs(self) -> pd.DataFrame:
        """Load the whole table, keep only the columns the stages and the segmentation use, and check them (or,
        with ``data_kind: summary``, the per-segment stage counts)."""
        path = resolve_input(self.data_path, None, Params.model_fields["data_path"].default)
        if self.data_kind == "summary":
            return self._check_summary(load_table(path, sheet=self.sheet), str(path))
        return self._prepare(load_table(path, sheet=self.sheet), str(path))


def _stage_column(series: pd.Series, stage: FunnelStageParam, source: str) -> pd.Series:
    """The column a stage compares, in the type its value needs (numbers, 0/1 for true/false, or text)."""
    column = stage.column
    if isinstance(stage.value, bool):
        numbers = require_numeric(series.to_frame(), [column], source)[column]
        values = set(numbers.unique().tolist())
        if not values <= {0, 1}:
            raise DataError(
                f"{source}: column {column!r} is compared with true/false in stage {stage.name!r}, so it must hold "
                f"only 0/1 or TRUE/FALSE; found {sorted(values, key=str)[:5]}"
            )
        return numbers.astype(bool)
    if isinstance(stage.value, str):
        try:
            float(stage.value)
        except ValueError:  # a text value: compare as text (eq / ne only make sense)
            if stage.op not in ("eq", "ne"):
                raise DataError(
                    f"stage {stage.name!r} compares column {column!r} with the text {stage.value!r} using "
                    f"{stage.op!r}; text can only be compared with eq or ne, or give a number as value"
                ) from None
            return series.astype(str).str.strip()
    return require_numeric(series.to_frame(), [column], source)[column]


def _stage_dicts(params: Params) -> list[dict[str, Any]]:
    stages = []
    for stage in params.stages:
        record = stage.model_dump()
        if isinstance(stage.value, str):
            try:
                record["value"] = float(stage.value)  # "1" written in quotes is the number 1
            except ValueError:
                record["value"] = stage.value.strip()
        stages.append(record)
    return stages


def funnel_tables(frame: pd.DataFrame, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overall funnel and the funnel per segment (empty when ``segment_by`` is empty).

    Both are :func:`ecomops.operations.funnel_table` output at the parameters' ``alpha``.
    """
    if params.data_kind == "summary":
        return _funnel_tables_from_counts(frame, params)
    stages = _stage_dicts(params)
    overall = operations.funnel_table(frame, stages, segment_by=None, alpha=params.alpha)
    if overall["count"].iloc[0] == 0:
        first = params.stages[0]
        raise DataError(
            f"no row of the data meets the first stage {first.name!r} ({first.column} {first.op} {first.value!r}), "
            "so there is no funnel to analyse; make the first stage count every row (column: null) or check its "
            "column and value"
        )
    if not params.segment_by:
        return overall, overall.iloc[0:0]
    by_segment = operations.funnel_table(frame, stages, segment_by=params.segment_by, alpha=params.alpha)
    return overall, by_segment


def _counts_table(segment: str, names: list[str], counts: np.ndarray, alpha: float) -> pd.DataFrame:
    """The columns of :func:`ecomops.operations.funnel_table` for one segment, from its stage counts."""
    previous = np.concatenate([[counts[0]], counts[:-1]]).astype(float)
    low, high = operations.wilson_interval(counts, previous, alpha)
    start_low, start_high = operations.wilson_interval(counts, np.full_like(previous, counts[0]), alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "segment": segment, "stage": names, "step": np.arange(1, len(names) + 1), "count": counts.astype(int),
            "rate_from_previous": counts / previous, "ci_low": low, "ci_high": high,
            "rate_from_start": counts / float(counts[0]), "start_ci_low": start_low, "start_ci_high": start_high,
        })


def _funnel_tables_from_counts(summary: pd.DataFrame, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`funnel_tables` from a checked summary (per-segment counts): the same tables as from the rows."""
    names = [s.name for s in params.stages]
    counts = summary[funnel_stage_columns(len(names))].to_numpy(dtype=float)
    if counts[:, 0].sum() == 0:
        raise DataError(f"no row of the data meets the first stage {params.stages[0].name!r}, so there is no funnel "
                        "to analyse")
    overall = _counts_table("all", names, counts.sum(axis=0), params.alpha)
    if not params.segment_by:
        return overall, overall.iloc[0:0]
    parts = [_counts_table(str(seg), names, row, params.alpha)
             for seg, row, rows in zip(summary["segment"], counts, summary["table_rows"]) if rows > 0]
    return overall, pd.concat(parts, ignore_index=True)


def table_rows(frame: pd.DataFrame) -> int:
    """Rows of the analysed table: the session rows read, or a summary's ``table_rows`` total."""
    return int(frame["table_rows"].sum()) if frame.attrs.get("summary") else len(frame)


def segment_rates(by_segment: pd.DataFrame) -> pd.DataFrame:
    """Step conversion rates with one column per segment, stages in funnel order."""
    table = by_segment.pivot(index="stage", columns="segment", values="rate_from_previous")
    return table.loc[list(dict.fromkeys(by_segment["stage"]))]


def kpi_tree_from_funnel(funnel: pd.DataFrame, average_order_value: float = 0.0) -> dict[str, Any]:
    """Read the KPI tree off a single-segment funnel table: entries × Π(step rates) = orders; × AOV = GMV.

    ``funnel`` is one segment of :func:`ecomops.operations.funnel_table` output, its last stage being the
    purchase. With ``average_order_value`` 0 (unknown) GMV is ``None``.
    """
    if funnel["segment"].nunique() != 1:
        raise ValueError("kpi_tree_from_funnel needs the rows of exactly one segment")
    rows = funnel.sort_values("step")
    entries = int(rows["count"].iloc[0])
    orders = int(rows["count"].iloc[-1])
    known_value = average_order_value > 0
    return {
        "entries": entries,
        "step_rates": {str(s): float(r) for s, r in zip(rows["stage"].iloc[1:], rows["rate_from_previous"].iloc[1:])},
        "conversion_rate": orders / entries if entries else None,
        "orders": orders,
        "average_order_value": float(average_order_value) if known_value else None,
        "gmv": float(orders * average_order_value) if known_value else None,
    }


def _first_segment(funnel: pd.DataFrame) -> pd.DataFrame:
    segment = "all" if (funnel["segment"] == "all").any() else funnel["segment"].iloc[0]
    return funnel[funnel["segment"] == segment]


def styled_funnel(overall: pd.DataFrame) -> Any:
    """The overall funnel as the notebook shows it: counts, step rates with intervals, rate from the start."""
    return styled(overall, FUNNEL_FORMATS, ["stage", "count", "rate_from_previous", "ci_low", "ci_high",
                                            "rate_from_start"])


def styled_segment_rates(by_segment: pd.DataFrame) -> Any:
    """Step rates per segment, or a note when no segmentation was asked for."""
    if by_segment.empty:
        from IPython.display import Markdown

        return Markdown(tr("No segments requested (`segment_by` is empty)."))
    rates = segment_rates(by_segment)
    return (rates.style.format("{:.1%}", na_rep="").format_index(translate_label, axis="index")
            .format_index(translate_label, axis="columns"))


def uplift_table(overall: pd.DataFrame, params: Params) -> pd.DataFrame:
    """What a gain of ``uplift_points`` at each step would add in final conversions."""
    return operations.step_uplift_impact(overall, params.uplift_points / 100)


def styled_uplift(overall: pd.DataFrame, params: Params) -> Any:
    """:func:`uplift_table` formatted for the notebook."""
    return styled(uplift_table(overall, params), UPLIFT_FORMATS)


FUNNEL_FORMATS = {"count": "{:,}", "rate_from_previous": "{:.1%}", "ci_low": "{:.1%}", "ci_high": "{:.1%}",
                  "rate_from_start": "{:.1%}"}
UPLIFT_FORMATS = {"rate_from_previous": "{:.1%}", "new_rate": "{:.1%}", "extra_conversions": "{:,.0f}",
                  "extra_conversions_pct": "{:+.1%}"}


def recommendation(params: Params, overall: pd.DataFrame, by_segment: pd.DataFrame) -> str:
    """The run's recommendation (see :func:`funnel_recommendation`) from the overall and per-segment funnels."""
    return funnel_recommendation(pd.concat([overall, by_segment], ignore_index=True), params.alpha, params.uplift_points / 100)


def funnel_recommendation(funnel: pd.DataFrame, alpha: float = 0.05, uplift_absolute: float = 0.01) -> str:
    """Plain-language recommendation from a funnel table: the weakest step, what a gain there is worth, and
    (with segments) the step where segments differ most.

    The weakest step and the impact are read from the ``"all"`` segment when present, else the first segment.
    A step nobody reached is named as such (no rate can be computed after it).
    """
    level = f"{1 - alpha:.0%}"
    funnel = funnel.reset_index(drop=True)
    overall = _first_segment(funnel).sort_values("step")
    empty = overall[(overall["step"] > 1) & (overall["count"] == 0)]
    if len(empty):
        first = empty.iloc[0]
        previous = overall.loc[overall["step"] == first["step"] - 1].iloc[0]
        return tr(
            "Nobody reached '{stage}': none of the {count:,} rows at '{previous}' went on. Check the step's column "
            "and value first (a wrong column or threshold gives an empty step); if they are right, this step is "
            "where the funnel breaks.", stage=translate_label(first["stage"]), count=int(previous["count"]),
            previous=translate_label(previous["stage"]),
        )
    weak = operations.weakest_step(overall)
    previous = overall.loc[overall["step"] == weak["step"] - 1, "stage"].iloc[0]
    impact = operations.step_uplift_impact(overall, uplift_absolute).set_index("stage")
    gain = impact.loc[weak["stage"]]
    text = tr(
        "Focus on the step into '{stage}': only {rate:.1%} of those at '{previous}' go on ({level} CI {low:.1%} "
        "to {high:.1%}), the lowest rate in the funnel. Raising it by {points:g} point(s) would add about "
        "{extra:,.0f} final conversions ({extra_pct:+.1%}), more than the same gain at any other step.",
        stage=translate_label(weak["stage"]), rate=weak["rate_from_previous"], previous=translate_label(previous),
        level=level, low=weak["ci_low"], high=weak["ci_high"], points=uplift_absolute * 100,
        extra=gain["extra_conversions"], extra_pct=gain["extra_conversions_pct"],
    )
    segmented = funnel[(funnel["segment"] != "all") & (funnel["step"] > 1)].dropna(subset=["rate_from_previous"])
    if segmented["segment"].nunique() > 1:
        spread = segmented.groupby("stage", sort=False)["rate_from_previous"].agg(["min", "max"])
        stage = (spread["max"] - spread["min"]).idxmax()
        rows = segmented[segmented["stage"] == stage]
        best, worst = rows.loc[rows["rate_from_previous"].idxmax()], rows.loc[rows["rate_from_previous"].idxmin()]
        separated = worst["ci_high"] < best["ci_low"]
        text += tr(
            " Segments differ most at '{stage}': {best} {best_rate:.1%} vs {worst} {worst_rate:.1%}",
            stage=translate_label(stage), best=translate_label(best["segment"]), best_rate=best["rate_from_previous"],
            worst=translate_label(worst["segment"]), worst_rate=worst["rate_from_previous"],
        ) + (tr(" (the intervals do not overlap).") if separated
             else tr(" (the intervals overlap: the gap may be noise)."))
    return text


class StageResult(ResultPart):
    name: str = Field(description="the step's label")
    count: int = Field(description="rows reaching the step (and every earlier step)")
    rate_from_previous: float | None = Field(description="count ÷ count at the previous step")
    ci_low: float | None = Field(description="lower end of the Wilson interval of rate_from_previous")
    ci_high: float | None = Field(description="upper end of the Wilson interval of rate_from_previous")
    rate_from_start: float | None = Field(description="count ÷ count at the first step")


class SegmentResult(ResultPart):
    stages: list[StageResult] = Field(description="the segment's steps, as in `stages`")
    overall_conversion: float | None = Field(description="last step ÷ first step in the segment")
    overall_ci: list[float | None] = Field(description="Wilson interval of overall_conversion")


class KpiTreeResult(ResultPart):
    entries: int = Field(description="rows at the first step")
    step_rates: dict[str, float | None] = Field(description="rate from the previous step, by step name")
    conversion_rate: float | None = Field(description="orders ÷ entries")
    orders: int = Field(description="rows at the last step")
    average_order_value: float | None = Field(description="as given; null when unknown")
    gmv: float | None = Field(description="orders × average_order_value; null when the order value is unknown")


class UpliftResult(ResultPart):
    stage: str = Field(description="the step whose rate is raised")
    rate_from_previous: float | None = Field(description="its rate today")
    new_rate: float | None = Field(description="its rate after the what-if gain of uplift_points")
    extra_conversions: float | None = Field(description="extra final conversions, other steps unchanged")
    extra_conversions_pct: float | None = Field(description="extra_conversions ÷ final conversions today")


class Results(TemplateResults):
    """``results.json`` of ``kpi_funnel``."""

    template: Literal["kpi_funnel"] = Field(description="`kpi_funnel`")
    alpha: float = Field(description="1 − confidence level of the intervals")
    rows: int = Field(description="rows of the table analysed")
    stages: list[StageResult] = Field(description="one entry per step of the overall funnel")
    overall_conversion: float | None = Field(description="last step ÷ first step")
    overall_ci: list[float | None] = Field(description="Wilson interval of overall_conversion")
    segments: dict[str, SegmentResult] = Field(description="per value of segment_by: the same funnel")
    weakest_step: str = Field(description="name of the step with the lowest rate from the previous step")
    kpi_tree: KpiTreeResult = Field(description="entries × conversion = orders; orders × AOV = GMV")
    uplift_impact: list[UpliftResult] = Field(description="per step: what a gain of uplift_points is worth")


def _stage_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    keep = ["stage", "count", "rate_from_previous", "ci_low", "ci_high", "rate_from_start"]
    return table[keep].rename(columns={"stage": "name"}).to_dict("records")


def _segment_summary(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "stages": _stage_records(table),
        "overall_conversion": table["rate_from_start"].iloc[-1],
        "overall_ci": [table["start_ci_low"].iloc[-1], table["start_ci_high"].iloc[-1]],
    }


def report_tables(overall: pd.DataFrame, by_segment: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    """The report's main tables for ``results.xlsx``: the funnel, step rates by segment, what a gain is worth."""
    tables = {N_("Funnel"): overall[["stage", "count", "rate_from_previous", "ci_low", "ci_high", "rate_from_start"]]}
    if not by_segment.empty:
        tables[N_("Step rates by segment")] = segment_rates(by_segment).rename(index=translate_label).reset_index()
    tables[N_("What a gain is worth")] = uplift_table(overall, params)
    return tables


def report_summary(params: Params, frame: pd.DataFrame, overall: pd.DataFrame, weakest: str) -> dict[str, Any]:
    """The report's headline: entries, overall conversion with its interval, the weakest step and its rate,
    and orders (with GMV when the order value is known); and the rows of the data."""
    level = f"{1 - params.alpha:.0%}"
    last, weak = overall.iloc[-1], overall.set_index("stage").loc[weakest]
    figures = [
        {"label": tr("Entries ({stage})", stage=translate_label(overall["stage"].iloc[0])),
         "value": f"{int(overall['count'].iloc[0]):,}"},
        {"label": tr("Overall conversion"), "value": f"{last['rate_from_start']:.2%}",
         "interval": tr("{level} CI {interval}", level=level,
                        interval=interval_text(last["start_ci_low"], last["start_ci_high"], ".2%"))},
        {"label": tr("Weakest step: {stage}", stage=translate_label(weakest)),
         "value": f"{weak['rate_from_previous']:.1%}",
         "interval": tr("{level} CI {interval}", level=level, interval=interval_text(weak["ci_low"], weak["ci_high"], ".1%"))},
        {"label": tr("Final conversions ({stage})", stage=translate_label(last["stage"])),
         "value": f"{int(last['count']):,}"},
    ]
    if params.average_order_value > 0:
        figures.append({"label": tr("GMV (orders × average order value)"),
                        "value": f"{int(last['count']) * params.average_order_value:,.0f}"})
    return {"key_figures": figures, "rows_used": table_rows(frame)}


def build_results(
    params: Params, frame: pd.DataFrame, overall: pd.DataFrame, by_segment: pd.DataFrame, text: str
) -> Results:
    """The validated ``results.json`` content of a run."""
    impact = uplift_table(overall, params)
    rates = overall.loc[overall["step"] > 1, "rate_from_previous"].to_numpy(dtype=float)
    weakest = overall.loc[overall["step"] > 1, "stage"].iloc[int(np.nanargmin(rates))] if np.isfinite(
        rates).any() else overall["stage"].iloc[1]
    return Results(
        template="kpi_funnel",
        alpha=params.alpha,
        rows=table_rows(frame),
        **_segment_summary(overall),
        segments={str(name): _segment_summary(part) for name, part in by_segment.groupby("segment", sort=True)},
        weakest_step=str(weakest),
        kpi_tree=kpi_tree_from_funnel(overall, params.average_order_value),
        uplift_impact=impact.to_dict("records"),
        recommendation=text,
        language=current_language(),
        summary=report_summary(params, frame, overall, str(weakest)),
    )


SPEC = TemplateSpec(
    name="kpi_funnel",
    purpose="Conversion funnel by step and segment with Wilson intervals, the KPI tree, the weakest step",
    chapter="1.4 Data analysis and optimisation",
    title="Conversion funnel and KPI tree",
    question="Where do visitors drop out on the way to a purchase, and which step is worth improving first?",
    params=Params,
    results=Results,
)

"""Parameter models of the playbook templates and the template registry.

Each template has one pydantic model here: the single source of truth for its parameters' names, types, units,
ranges, defaults and help text. The notebook's ``parameters`` cell repeats the defaults (papermill needs them
there) and a test checks that the two agree. Unknown keys are errors (papermill alone only warns).

Units and ranges are recorded in each field's ``json_schema_extra`` (``unit``) and constraints (``ge``/``gt``/…),
so ``ecomops show`` and ``ecomops new`` can document them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Mapping, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .operations import OPERATOR_ALIASES
from .data import PROJECT_ROOT, DataError, load_table, require_columns, require_numeric, resolve_path

__all__ = [
    "ParamError",
    "TemplateParams",
    "FunnelStageParam",
    "KpiFunnelParams",
    "AbTestDesignParams",
    "AbTestAnalysisParams",
    "TemplateSpec",
    "TEMPLATES",
    "get_template",
    "validate_params",
    "field_table",
]

TEMPLATES_DIR = PROJECT_ROOT / "templates"


class ParamError(ValueError):
    """Invalid template parameters: the message names the parameter, the value given and what is allowed."""


class TemplateParams(BaseModel):
    """Fields every template has."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    output_dir: str = Field(
        "",
        description="Folder to write results.json into; empty writes no file (as when the book is built)",
        json_schema_extra={"unit": "folder path"},
    )

    #: names of fields holding paths of input files, resolved relative to the parameter file's folder
    input_path_fields: ClassVar[tuple[str, ...]] = ()

    def load_inputs(self, base_dir: str | Path | None = None) -> Any:
        """Read and check the template's input data (overridden by templates that read files)."""
        return None


class FunnelStageParam(BaseModel):
    """One funnel step: rows where ``column op value`` holds (``column`` empty or null = every row)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="label shown in tables and figures")
    column: str | None = Field(None, description="column tested; null for the entry step (every row)")
    op: Literal["gt", "ge", "lt", "le", "eq", "ne"] = Field(
        "ge", description="comparison: gt >, ge >=, lt <, le <=, eq ==, ne != (the symbols are accepted too)"
    )
    value: bool | float | str = Field(1, description="value compared with")

    @field_validator("op", mode="before")
    @classmethod
    def _symbol_to_name(cls, op: Any) -> Any:
        return OPERATOR_ALIASES.get(op, op) if isinstance(op, str) else op


DEFAULT_FUNNEL_STAGES: list[dict[str, Any]] = [
    {"name": "Session", "column": None, "op": "ge", "value": 1},
    {"name": "Viewed a product page", "column": "ProductRelated", "op": "ge", "value": 1},
    {"name": "Reached a page with value", "column": "PageValues", "op": "gt", "value": 0},
    {"name": "Purchased", "column": "Revenue", "op": "eq", "value": True},
]


class KpiFunnelParams(TemplateParams):
    """Parameters of the ``kpi_funnel`` template (chapter 1.4)."""

    input_path_fields: ClassVar[tuple[str, ...]] = ("data_path",)

    data_path: str = Field(
        "datasets/online_shoppers_intention.csv",
        description="Table with one row per session (or user): CSV (UTF-8 or GBK), CSV.gz, XLSX or Parquet",
        json_schema_extra={"unit": "file path"},
    )
    stages: list[FunnelStageParam] = Field(
        default_factory=lambda: [FunnelStageParam(**s) for s in DEFAULT_FUNNEL_STAGES],
        description="Ordered funnel steps; the first with column null counts every row",
        json_schema_extra={"unit": "list of {name, column, op, value}"},
    )
    segment_by: str = Field(
        "VisitorType",
        description="Column whose values split the funnel into segments; empty for no segments",
        json_schema_extra={"unit": "column name"},
    )
    alpha: float = Field(
        0.05,
        gt=0.0,
        le=0.2,
        description="1 − confidence level of the Wilson intervals (0.05 gives 95 % intervals)",
        json_schema_extra={"unit": "probability"},
    )
    average_order_value: float = Field(
        0.0,
        ge=0.0,
        description="Average order value for the KPI tree's GMV; 0 = unknown (GMV not computed)",
        json_schema_extra={"unit": "currency per order"},
    )
    uplift_points: float = Field(
        1.0,
        gt=0.0,
        lt=50.0,
        description="Size of the what-if improvement applied to each step's conversion rate",
        json_schema_extra={"unit": "percentage points"},
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

    def load_inputs(self, base_dir: str | Path | None = None) -> Any:
        """Load the table, keep only the columns the stages and the segmentation use, and check them."""
        frame = load_table(self.data_path, base_dir=base_dir)
        source = str(resolve_path(self.data_path, base_dir))
        used = [s.column for s in self.stages if s.column]
        if self.segment_by:
            used.append(self.segment_by)
        require_columns(frame, used, source)
        # data minimisation (chapter 3.3): only the columns the analysis needs enter the notebook, so customer
        # identifiers or contact details in an export never reach the report
        frame = frame[list(dict.fromkeys(used))]
        numeric = [s.column for s in self.stages if s.column and not isinstance(s.value, (bool, str))]
        boolean = [s.column for s in self.stages if s.column and isinstance(s.value, bool)]
        frame = require_numeric(frame, sorted(set(numeric + boolean)), source)
        for column in set(boolean):
            values = set(frame[column].unique().tolist())
            if not values <= {0, 1}:
                raise DataError(
                    f"{source}: column {column!r} is compared with true/false, so it must hold only 0/1 or "
                    f"TRUE/FALSE; found {sorted(values)[:5]}"
                )
            frame[column] = frame[column].astype(bool)
        return frame


class AbTestDesignParams(TemplateParams):
    """Parameters of the ``ab_test_design`` template (chapter 3.5)."""

    baseline_rate: float = Field(
        0.20, gt=0.0, lt=1.0, description="Conversion rate of the control today",
        json_schema_extra={"unit": "probability"},
    )
    mde: float = Field(
        0.05, gt=0.0, lt=10.0,
        description="Smallest change worth detecting: points of rate (absolute) or a share of the baseline (relative)",
        json_schema_extra={"unit": "probability (absolute) or fraction of baseline (relative)"},
    )
    mde_kind: Literal["absolute", "relative"] = Field(
        "absolute", description="absolute: 0.05 means +5 points; relative: 0.05 means +5 % of the baseline",
        json_schema_extra={"unit": "choice"},
    )
    alpha: float = Field(
        0.05, gt=0.0, le=0.2, description="Two-sided false-positive rate of each test",
        json_schema_extra={"unit": "probability"},
    )
    power: float = Field(
        0.8, ge=0.5, lt=1.0, description="Chance of detecting a true effect of size mde",
        json_schema_extra={"unit": "probability"},
    )
    method: Literal["pooled", "evan_miller", "arcsine"] = Field(
        "pooled",
        description="Sample-size formula: pooled (R power.prop.test), evan_miller (baseline variance under the "
        "null) or arcsine (Cohen's h)",
        json_schema_extra={"unit": "choice"},
    )
    n_arms: int = Field(
        2, ge=2, le=10, description="Number of arms, control included (Bonferroni across treatment-vs-control)",
        json_schema_extra={"unit": "arms"},
    )
    allocation: list[float] = Field(
        default_factory=list,
        description="Share of traffic per arm, control first, summing to 1; empty for an equal split",
        json_schema_extra={"unit": "shares"},
    )
    daily_visitors: float = Field(
        1000.0, gt=0.0, description="Eligible visitors per day entering the test, all arms together",
        json_schema_extra={"unit": "users per day"},
    )

    @model_validator(mode="after")
    def _allocation_fits_arms(self) -> "AbTestDesignParams":
        if self.allocation:
            if len(self.allocation) != self.n_arms:
                raise ValueError(
                    f"allocation has {len(self.allocation)} shares but n_arms is {self.n_arms}; give one share per arm"
                )
            if any(share <= 0 for share in self.allocation) or abs(sum(self.allocation) - 1) > 1e-6:
                raise ValueError(f"allocation shares must be positive and sum to 1, got {self.allocation}")
        treatment = self.baseline_rate + self.mde if self.mde_kind == "absolute" else self.baseline_rate * (1 + self.mde)
        if not 0 < treatment < 1:
            raise ValueError(
                f"baseline_rate {self.baseline_rate} with mde {self.mde} ({self.mde_kind}) gives a treatment rate of "
                f"{treatment:g}, outside (0, 1)"
            )
        return self


class AbTestAnalysisParams(TemplateParams):
    """Parameters of the ``ab_test_analysis`` template (chapter 3.5)."""

    input_path_fields: ClassVar[tuple[str, ...]] = ("data_path",)

    data_path: str = Field(
        "datasets/ab_test_events.csv.gz",
        description="Events (one row per user: variant, converted 0/1, optional revenue, pre_revenue, date) or a "
        "summary (one row per variant: variant, users, conversions, optional revenue_sum, revenue_sum_sq); "
        "CSV, CSV.gz, Parquet (XLSX for summaries)",
        json_schema_extra={"unit": "file path"},
    )
    data_kind: Literal["events", "summary"] = Field(
        "events", description="events: one row per user; summary: one row per variant",
        json_schema_extra={"unit": "choice"},
    )
    control: str = Field(
        "control", min_length=1, description="Name of the control variant as written in the data",
        json_schema_extra={"unit": "variant name"},
    )
    alpha: float = Field(
        0.05, gt=0.0, le=0.2, description="Two-sided false-positive rate; intervals are 1 − alpha",
        json_schema_extra={"unit": "probability"},
    )
    expected_split: list[float] = Field(
        default_factory=list,
        description="Designed share of users per variant, in the data's variant order (sorted by name); "
        "empty for an equal split",
        json_schema_extra={"unit": "shares"},
    )
    segment_by: str = Field(
        "", description="Column of the event data to break results down by (exploratory); empty for none",
        json_schema_extra={"unit": "column name"},
    )

    @field_validator("expected_split")
    @classmethod
    def _shares_sum_to_one(cls, shares: list[float]) -> list[float]:
        if shares and (any(s <= 0 for s in shares) or abs(sum(shares) - 1) > 1e-6):
            raise ValueError(f"shares must be positive and sum to 1, got {shares}")
        return shares

    @model_validator(mode="after")
    def _segments_need_events(self) -> "AbTestAnalysisParams":
        if self.segment_by and self.data_kind != "events":
            raise ValueError("segment_by needs data_kind: events (a summary has no rows to break down)")
        return self

    def load_inputs(self, base_dir: str | Path | None = None) -> dict[str, Any]:
        """Reduce the data to per-variant sufficient statistics (DuckDB for events) and check them.

        Returns ``{"summary": …, "by_date": … or None, "by_segment": … or None, "source": path}``.
        """
        from . import abdata

        path = resolve_path(self.data_path, base_dir)
        source = str(path)
        by_date = by_segment = None
        if self.data_kind == "summary":
            summary = abdata.load_summary(path)
        else:
            summary = abdata.summarise_events(path)
            columns = abdata.event_columns(path)
            if "date" in columns:
                by_date = abdata.summarise_events_by(path, "date", revenue_column=None, pre_revenue_column=None)
            if self.segment_by:
                if self.segment_by not in columns:
                    raise DataError(f"{source}: segment_by column {self.segment_by!r} is missing; columns present: "
                                    f"{', '.join(columns)}")
                by_segment = abdata.summarise_events_by(path, self.segment_by, revenue_column=None,
                                                        pre_revenue_column=None)
        summary = abdata.validate_summary(summary, source, self.control)
        if self.expected_split and len(self.expected_split) != len(summary):
            raise DataError(
                f"{source}: expected_split has {len(self.expected_split)} shares but the data have "
                f"{len(summary)} variants ({', '.join(map(str, summary['variant']))})"
            )
        return {"summary": summary, "by_date": by_date, "by_segment": by_segment, "source": source}


@dataclass(frozen=True)
class TemplateSpec:
    """A playbook template: its notebook, parameter model, purpose and chapter."""

    name: str
    purpose: str
    chapter: str
    model: type[TemplateParams]

    @property
    def notebook(self) -> Path:
        return TEMPLATES_DIR / f"{self.name}.ipynb"

    @property
    def params_dir(self) -> Path:
        return TEMPLATES_DIR / "params" / self.name


TEMPLATES: dict[str, TemplateSpec] = {
    spec.name: spec
    for spec in [
        TemplateSpec(
            name="kpi_funnel",
            purpose="Conversion funnel by step and segment with Wilson intervals, the KPI tree, the weakest step",
            chapter="1.4 Data analysis and optimisation",
            model=KpiFunnelParams,
        ),
        TemplateSpec(
            name="ab_test_design",
            purpose="Users per arm and whole weeks an A/B test needs, with three sample-size formulas compared",
            chapter="3.5 Continuous optimisation",
            model=AbTestDesignParams,
        ),
        TemplateSpec(
            name="ab_test_analysis",
            purpose="A/B test readout: SRM gate, lifts with intervals, Holm across variants, Bayesian view, decision",
            chapter="3.5 Continuous optimisation",
            model=AbTestAnalysisParams,
        ),
    ]
}


def get_template(name: str) -> TemplateSpec:
    """Look a template up by name; unknown names raise :class:`ParamError` listing the templates."""
    if name not in TEMPLATES:
        close = difflib.get_close_matches(name, list(TEMPLATES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ParamError(f"unknown template {name!r}{hint}; templates are: {', '.join(sorted(TEMPLATES))}")
    return TEMPLATES[name]


def _public_fields(model: type[TemplateParams]) -> dict[str, Any]:
    fields = dict(model.model_fields)
    fields["output_dir"] = fields.pop("output_dir")  # shown last: it is about where results go, not the analysis
    return fields


def _allowed(field: Any) -> str:
    """Human description of what a field accepts: its type and numeric bounds."""
    parts = []
    if get_origin(field.annotation) is Literal:
        parts.append("one of " + ", ".join(repr(v) for v in get_args(field.annotation)))
    else:
        parts.append(getattr(field.annotation, "__name__", None) or str(field.annotation).replace("typing.", ""))
    for meta in field.metadata:
        for attr, symbol in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            bound = getattr(meta, attr, None)
            if bound is not None:
                parts.append(f"{symbol} {bound}")
    return ", ".join(parts)


def field_table(model: type[TemplateParams]) -> list[dict[str, Any]]:
    """One dict per public parameter: name, type and range, default, unit, help."""
    rows = []
    for name, field in _public_fields(model).items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, list):
            default = [d.model_dump() if isinstance(d, BaseModel) else d for d in default]
        extra = field.json_schema_extra or {}
        rows.append(
            {
                "name": name,
                "allowed": _allowed(field),
                "default": default,
                "unit": extra.get("unit", ""),
                "help": field.description or "",
            }
        )
    return rows


def _format_validation_error(template: str, model: type[TemplateParams], exc: ValidationError) -> str:
    messages = []
    fields = _public_fields(model)
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        top = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
            close = difflib.get_close_matches(top, list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            messages.append(
                f"{location!r} is not a parameter of {template}{hint}; parameters are: {', '.join(fields)}"
            )
            continue
        text = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a rule that ties several parameters together
            messages.append(text)
            continue
        allowed = f" (allowed: {_allowed(fields[top])})" if top in fields and len(error["loc"]) == 1 else ""
        given = error.get("input")
        messages.append(f"parameter {location!r} = {given!r} is not valid: {text}{allowed}")
    return f"{template}: " + "; ".join(messages)


def validate_params(template: str, values: Mapping[str, Any]) -> TemplateParams:
    """Validate a mapping of parameter values against the template's model; raise :class:`ParamError`.

    Only keys that are parameters are taken when ``values`` is a notebook namespace (``globals()``) — pass
    the user's own mapping to get unknown keys reported.
    """
    spec = get_template(template)
    try:
        return spec.model(**dict(values))
    except ValidationError as exc:
        raise ParamError(_format_validation_error(template, spec.model, exc)) from None


def params_from_namespace(template: str, namespace: Mapping[str, Any]) -> TemplateParams:
    """Validate the parameter variables found in a notebook's namespace (the parameters cell's names)."""
    spec = get_template(template)
    names = _public_fields(spec.model)
    return validate_params(template, {k: namespace[k] for k in names if k in namespace})

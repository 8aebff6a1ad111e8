"""What every playbook template shares: the parameter and results base models, the field helper, the template
spec, readable validation messages and strict-JSON conversion.

A template module (``ecomops/playbook/<name>.py``) defines a ``Params`` model (subclass of
:class:`TemplateParams`), a ``Results`` model (subclass of :class:`TemplateResults`), the functions its notebook
calls, and ``SPEC = TemplateSpec(...)``. This module never imports a template module (the registry in
``ecomops.playbook`` does), so there is no import circle.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, ClassVar, Literal, Mapping, get_args, get_origin

from pandas.api.types import is_numeric_dtype
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..i18n import N_, tr, translate_label
from ..resources import templates_dir

__all__ = [
    "ParamError",
    "TemplateParams",
    "TransactionColumns",
    "TemplateResults",
    "ResultPart",
    "KeyFigure",
    "ReportSummary",
    "TemplateSpec",
    "param",
    "to_jsonable",
    "format_validation_error",
    "field_table",
    "allowed_values",
    "public_fields",
    "write_json_atomically",
    "write_atomically",
    "RESULTS_FILE",
    "styled",
    "rows_note",
    "interval_text",
]

RESULTS_FILE = "results.json"

#: column names and categories the templates' tables show, marked for translation (a ``zh`` report shows the
#: catalogue's Chinese for each; in English they stay as they are in ``results.json``)
TABLE_LABELS = (
    N_("variant"),
    N_("users"),
    N_("conversions"),
    N_("conversion_rate"),
    N_("revenue_per_user"),
    N_("revenue_sd"),
    N_("observed share"),
    N_("designed share"),
    N_("control_value"),
    N_("variant_value"),
    N_("abs_lift"),
    N_("abs_ci"),
    N_("rel_lift"),
    N_("rel_ci"),
    N_("p_value"),
    N_("p_value_adjusted"),
    N_("p_value_bh"),
    N_("test"),
    N_("metric"),
    N_("prob_beat_control"),
    N_("expected_loss"),
    N_("analysis"),
    N_("difference"),
    N_("se"),
    N_("ci_low"),
    N_("ci_high"),
    N_("variance_removed"),
    N_("segment"),
    N_("stage"),
    N_("step"),
    N_("count"),
    N_("rate_from_previous"),
    N_("rate_from_start"),
    N_("start_ci_low"),
    N_("start_ci_high"),
    N_("new_rate"),
    N_("extra_conversions"),
    N_("extra_conversions_pct"),
    N_("arm"),
    N_("mde"),
    N_("treatment_rate"),
    N_("n_per_arm_max"),
    N_("n_total"),
    N_("days"),
    N_("weeks"),
    N_("power"),
    N_("method"),
    N_("date"),
    N_("chi2"),
    N_("status"),
    N_("ok"),
    N_("warn"),
    N_("block"),
    N_("ship"),
    N_("keep control"),
    N_("inconclusive"),
    N_("blocked"),
    N_("unadjusted"),
    N_("pooled"),
    N_("evan_miller"),
    N_("arcsine"),
    N_("all"),
)


class ParamError(ValueError):
    """Invalid template parameters: the message names the parameter, the value given and what is allowed."""


def param(default: Any = ..., *, unit: str, help: str, **constraints: Any) -> Any:
    """A model field with its unit and help text recorded for ``ecomops show`` and ``ecomops new``.

    Parameters
    ----------
    default
        The default value; pass ``default_factory=`` in ``constraints`` for a mutable default.
    unit
        Unit or kind of value, e.g. ``"probability"``, ``"file path"``, ``"users per day"``.
    help
        One sentence saying what the parameter means.
    **constraints
        Passed to :func:`pydantic.Field` (``gt``, ``ge``, ``lt``, ``le``, ``min_length``, ``default_factory`` …).
    """
    if "default_factory" in constraints:
        return Field(description=help, json_schema_extra={"unit": unit}, **constraints)
    return Field(default, description=help, json_schema_extra={"unit": unit}, **constraints)


class TemplateParams(BaseModel):
    """Fields every template has, and the two ways of reading its inputs."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    language: Literal["en", "zh"] = param(
        "en", unit="choice", help="Language of the report: en (English) or zh (simplified Chinese)",
    )
    output_dir: str = param(
        "", unit="folder path",
        help="Folder to write results.json into; empty writes no file (as when the book is built)",
    )

    #: names of fields holding paths of input files, resolved relative to the parameter file's folder (an
    #: :class:`InputFiles` when some files are optional)
    input_path_fields: ClassVar[tuple[str, ...]] = ()

    def used_input_fields(self, candidates: tuple[str, ...]) -> tuple[str, ...]:
        """The input-path fields among ``candidates`` that this run reads: those that name a file (not empty).
        A template whose files depend on other parameters overrides this."""
        return tuple(field for field in candidates if str(getattr(self, field)).strip())

    def check_inputs(self) -> None:
        """Check the inputs cheaply before a run: headers, types and a bounded sample, never the whole file.

        Raises :class:`~ecomops.data.DataError`. Templates without input files have nothing to check.
        """

    def load_inputs(self) -> Any:
        """Read and check the template's input data in full (once per run, in the notebook)."""
        return None


class InputFiles:
    """``input_path_fields`` of a template with optional input files.

    On the class (the shipped examples a default run reads, named in the "using the shipped example" notes and
    the default case) it is ``shipped``; on parameters it is the files this run reads, among ``shipped`` and
    ``optional``, as :meth:`TemplateParams.used_input_fields` decides. The runner resolves, checks and
    fingerprints exactly those files, so the report's data block lists every file the run read.
    """

    def __init__(self, shipped: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
        self.shipped = shipped
        self.optional = optional

    def __get__(self, instance: Any, owner: type) -> tuple[str, ...]:
        if instance is None:
            return self.shipped
        return instance.used_input_fields(self.shipped + self.optional)


class TransactionColumns(TemplateParams):
    """The parameters of a template that reads a transactions table (one row per order line or order): the file,
    its kind, and the columns holding the customer, the date, the amount or quantity and price, the invoice."""

    input_path_fields = ("data_path",)

    # declared here for their place at the top of the parameter list; each template gives its default and help
    data_path: str
    data_kind: Literal["transactions", "summary"]

    customer_col: str = param("CustomerID", unit="column name", help="Column holding the customer ID")
    date_col: str = param("InvoiceDate", unit="column name", help="Column holding the date (and time) of the purchase")
    amount_col: str = param(
        "", unit="column name",
        help="Column holding the line's or order's amount; empty to use quantity_col × price_col",
    )
    quantity_col: str = param(
        "Quantity", unit="column name",
        help="Column holding the quantity (negative = a return); used for the amount when amount_col is empty",
    )
    price_col: str = param(
        "UnitPrice", unit="column name", help="Column holding the unit price; used when amount_col is empty",
    )
    invoice_col: str = param(
        "InvoiceNo", unit="column name",
        help="Column holding the invoice number (one starting with C is a cancellation); empty if there is none",
    )

    @model_validator(mode="after")
    def _amount_or_quantity_and_price(self) -> "TransactionColumns":
        if not self.amount_col.strip() and not (self.quantity_col.strip() and self.price_col.strip()):
            raise ValueError("give amount_col, or both quantity_col and price_col (amount = quantity × price)")
        return self


class ResultPart(BaseModel):
    """A part of a results model (a row, a sub-table): unknown keys are errors, numbers become plain Python
    numbers and NaN/inf become ``null``."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _plain_values(cls, values: Any) -> Any:
        return to_jsonable(values)


class KeyFigure(ResultPart):
    """One figure of a report's headline, as the report shows it (in the run's language)."""

    label: str = Field(description="what the figure is")
    value: str = Field(description="the figure, formatted")
    interval: str | None = Field(None, description="its interval, formatted; null when it has none")


class ReportSummary(ResultPart):
    """What a report opens with, besides the recommendation: the key figures and the extent of the data."""

    key_figures: list[KeyFigure] = Field(min_length=1, max_length=5,
                                         description="the three to five figures a manager needs first")
    rows_used: int | None = Field(None, description="rows of data the analysis used; null without a data file")
    date_from: str | None = Field(None, description="first date in the data (ISO), when the data have dates")
    date_to: str | None = Field(None, description="last date in the data (ISO), when the data have dates")


class TemplateResults(ResultPart):
    """Base of every template's ``results.json`` model (its single source of truth)."""

    template: str = Field(description="name of the template that produced the results")
    language: Literal["en", "zh"] = Field("en", description="language of the texts: en or zh")
    recommendation: str = Field(description="the recommendation in words")
    summary: ReportSummary = Field(description="the report's headline figures and the extent of the data")

    def to_json(self) -> str:
        """The strict-JSON text of ``results.json`` (UTF-8, Chinese kept readable)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars and arrays, pandas timestamps and NA, dates and tuples to plain JSON values.

    Non-finite floats become ``None``. Mappings and sequences are converted recursively; keys become text.
    """
    if isinstance(value, BaseModel):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (str, bool, int)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    module = type(value).__module__
    if module.startswith("pandas"):
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
        if isinstance(value, (pd.Series, pd.Index)):
            return to_jsonable(value.tolist())
        if isinstance(value, pd.DataFrame):
            return to_jsonable(value.to_dict("records"))
    if isinstance(value, (dt.datetime, dt.date)):  # pandas.Timestamp is a datetime
        return value.isoformat()
    if module.startswith("numpy"):
        if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
            return to_jsonable(value.tolist())
        if str(getattr(value, "dtype", "")).startswith("datetime64"):
            import pandas as pd

            return to_jsonable(pd.Timestamp(value).to_pydatetime() if not pd.isna(value) else None)
        return to_jsonable(value.item())
    return value


def write_json_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file in the same folder, then rename it into place.

    A reader never sees a half-written file, and an existing file is replaced only once the new one is complete.
    """
    write_atomically(target, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary_path)`` for a temporary file beside ``target``, then rename it into place (the
    temporary file is removed if anything fails, so ``target`` is either the old file or the complete new one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process's file-creation mask (read without changing it for longer than an instant)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class TemplateSpec:
    """A playbook template: its name, purpose, chapter, models and the module that holds its logic."""

    name: str
    purpose: str
    chapter: str
    params: type[TemplateParams]
    results: type[TemplateResults]
    module: ModuleType | None = None
    title: str = ""
    """The report's title (English; translated through the catalogue)."""
    question: str = ""
    """The question the report answers, in one sentence (English; translated through the catalogue)."""

    @property
    def model(self) -> type[TemplateParams]:
        """The parameter model (alias of ``params``)."""
        return self.params

    @property
    def notebook(self) -> Path:
        return templates_dir() / f"{self.name}.ipynb"

    @property
    def params_dir(self) -> Path:
        return templates_dir() / "params" / self.name


def public_fields(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields in display order (``output_dir`` last: it is about where results go)."""
    fields = dict(model.model_fields)
    if "output_dir" in fields:
        fields["output_dir"] = fields.pop("output_dir")
    return fields


def allowed_values(field: Any) -> str:
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


def field_table(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One dict per public parameter: ``name``, ``allowed`` (type and range), ``default``, ``unit``, ``help``."""
    rows = []
    for name, field in public_fields(model).items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, list):
            default = [d.model_dump() if isinstance(d, BaseModel) else d for d in default]
        elif isinstance(default, dict):
            default = {k: d.model_dump() if isinstance(d, BaseModel) else d for k, d in default.items()}
        extra = field.json_schema_extra or {}
        rows.append(
            {
                "name": name,
                "allowed": allowed_values(field),
                "default": default,
                "unit": extra.get("unit", ""),
                "help": field.description or "",
            }
        )
    return rows


def format_validation_error(
    template: str, model: type[BaseModel], exc: ValidationError, locations: Mapping[str, str] | None = None
) -> str:
    """One readable message for every problem pydantic found: the parameter, the value and what is allowed.

    ``locations`` maps parameter names to where they were written (``"cell B5"`` of a workbook); a message
    about such a parameter names that place."""
    places = dict(locations or {})

    def place(loc: tuple[Any, ...]) -> str:  # the most precise place known: "stages.2.op", else "stages", …
        parts = [str(part) for part in loc]
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in places:
                return f" ({places['.'.join(parts[:end])]})"
        return ""

    messages = []
    fields = public_fields(model)
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        top = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
            close = difflib.get_close_matches(top, list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            messages.append(
                f"{location!r}{place(error['loc'])} is not a parameter of {template}{hint}; parameters are: {', '.join(fields)}"
            )
            continue
        text = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a rule that ties several parameters together
            messages.append(text)
            continue
        allowed = f" (allowed: {allowed_values(fields[top])})" if top in fields and len(error["loc"]) == 1 else ""
        given = error.get("input")
        messages.append(f"parameter {location!r}{place(error['loc'])} = {given!r} is not valid: {text}{allowed}")
    return f"{template}: " + "; ".join(messages)


def styled(table: Any, formats: Mapping[str, str], columns: list[str] | None = None) -> Any:
    """A table ready to show in a notebook: the given columns, each formatted if a format is given, no index,
    headers and text categories in the run's language (:func:`ecomops.i18n.translate_label`).

    ``formats`` maps column names to format strings (``"{:.1%}"``); columns not in the table are ignored.
    """
    shown = table if columns is None else table[[c for c in columns if c in table.columns]]
    formatters: dict[Any, Any] = {k: v for k, v in formats.items() if k in shown.columns}
    for column in shown.columns:
        if column not in formatters and not is_numeric_dtype(shown[column]):  # text (object or str dtype)
            formatters[column] = translate_label
    style = shown.style.format(formatters, na_rep="").hide(axis="index")
    return style.format_index(translate_label, axis="columns")


def rows_note(frame: Any, path: str | Path) -> str:
    """One line saying how many rows were read from which file, and how many fully empty rows were dropped."""
    dropped = int(getattr(frame, "attrs", {}).get("dropped_empty_rows", 0))
    note = tr("{rows:,} rows from {file}", rows=len(frame), file=Path(str(path)).name)
    if dropped:
        note += tr(" ({dropped:,} fully empty row(s) dropped)", dropped=dropped)
    return note


def interval_text(low: float, high: float, spec: str = "+.1%") -> str:
    """An interval as ``"+1.2% to +8.4%"`` (format ``spec`` applied to both ends)."""
    return tr("{low} to {high}", low=format(low, spec), high=format(high, spec))

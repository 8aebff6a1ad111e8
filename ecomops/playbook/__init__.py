"""The playbook: one module per template, and the registry built from them.

Each template module (``kpi_funnel``, ``ab_test_design``, ``ab_test_analysis``) holds its ``Params`` and
``Results`` models, its input loading, the tables and text its notebook shows, and ``SPEC``. This module
collects the specs and offers what the notebooks, the runner and the CLI share: validation with readable
messages, ``results.json`` writing checked against the template's ``Results`` model, and the results reference.
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import Any, Literal, Mapping, get_args, get_origin

from pydantic import BaseModel, ValidationError

from . import ab_test_analysis, ab_test_design, campaign_roi, customer_value, kpi_funnel, market_sizing
from . import risk_assessment
from . import case_study
from ..i18n import use_language
from ..report import RESULTS_WORKBOOK, write_results_workbook
from .base import (
    RESULTS_FILE,
    ParamError,
    TemplateParams,
    TemplateResults,
    TemplateSpec,
    field_table,
    format_validation_error,
    public_fields,
    write_atomically,
    write_json_atomically,
)

__all__ = [
    "TEMPLATES",
    "ParamError",
    "TemplateParams",
    "TemplateResults",
    "TemplateSpec",
    "get_template",
    "validate_params",
    "params_from_namespace",
    "write_results",
    "results_schema",
    "results_reference",
    "results_reference_markdown",
    "field_table",
]

_MODULES = (kpi_funnel, ab_test_design, ab_test_analysis, market_sizing, campaign_roi, customer_value,
            risk_assessment, case_study)


def _register() -> dict[str, TemplateSpec]:
    specs = {}
    for module in _MODULES:
        spec = module.SPEC
        specs[spec.name] = dataclasses.replace(spec, module=module)
    return specs


TEMPLATES: dict[str, TemplateSpec] = _register()


def get_template(name: str) -> TemplateSpec:
    """Look a template up by name; unknown names raise :class:`ParamError` listing the templates."""
    if name not in TEMPLATES:
        close = difflib.get_close_matches(name, list(TEMPLATES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ParamError(f"unknown template {name!r}{hint}; templates are: {', '.join(sorted(TEMPLATES))}")
    return TEMPLATES[name]


def validate_params(
    template: str, values: Mapping[str, Any], locations: Mapping[str, str] | None = None
) -> TemplateParams:
    """Validate a mapping of parameter values against the template's model; raise :class:`ParamError`.

    Keys that are not text (YAML's ``1: x``) are reported as unknown parameters, not as a Python error.
    ``locations`` (parameter name → ``"cell B5"``) puts where each value was written into the messages.
    """
    spec = get_template(template)
    bad_keys = [k for k in values if not isinstance(k, str)]
    if bad_keys:
        names = ", ".join(public_fields(spec.params))
        raise ParamError(f"{template}: {bad_keys[0]!r} is not a parameter name (names are text); parameters are: "
                         f"{names}")
    try:
        return spec.params(**dict(values))
    except ValidationError as exc:
        raise ParamError(format_validation_error(template, spec.params, exc, locations)) from None


def params_from_namespace(template: str, namespace: Mapping[str, Any]) -> TemplateParams:
    """Validate the parameter variables found in a notebook's namespace (the parameters cell's names), and
    make their ``language`` the run's (:func:`ecomops.i18n.use_language`)."""
    names = public_fields(get_template(template).params)
    params = validate_params(template, {k: namespace[k] for k in names if k in namespace})
    use_language(params.language)
    return params


def write_results(
    output_dir: str | Path,
    results: TemplateResults | Mapping[str, Any],
    tables: Mapping[str, Any] | None = None,
    params: TemplateParams | None = None,
) -> Path | None:
    """Validate ``results`` against the template's ``Results`` model and write ``results.json`` and
    ``results.xlsx`` into ``output_dir`` (each atomically); with an empty ``output_dir`` write nothing and
    return None.

    ``results.xlsx`` has a sheet with the headline (recommendation and key figures), one sheet per table of
    ``tables`` (sheet name → DataFrame or Styler, as the report shows them, in the run's language) and one with
    the parameters. A plain mapping must carry a ``template`` key naming the template whose model checks it.
    """
    if not isinstance(results, TemplateResults):
        results = get_template(str(results.get("template", ""))).results.model_validate(dict(results))
    if not output_dir:
        return None
    target = Path(output_dir) / RESULTS_FILE
    write_json_atomically(target, results.to_json())
    parameters = {} if params is None else params.model_dump(mode="json", exclude={"output_dir"})
    write_atomically(Path(output_dir) / RESULTS_WORKBOOK,
                     lambda path: write_results_workbook(path, results.model_dump(mode="json"), tables or {},
                                                         parameters))
    return target


def results_schema(template: str) -> dict[str, Any]:
    """The JSON Schema of a template's ``results.json``."""
    return get_template(template).results.model_json_schema()


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``Model``, ``list[Model]`` or ``dict[str, Model]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _nested_model(argument)
        if found is not None:
            return found
    return None


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return "object" if issubclass(annotation, BaseModel) else annotation.__name__
    origin = get_origin(annotation)
    if origin in (list, dict):
        inner = [_type_name(a) for a in get_args(annotation)]
        return f"list of {inner[0]}" if origin is list else f"mapping of {inner[0]} to {inner[-1]}"
    if origin is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(annotation))
    names = [_type_name(a) for a in get_args(annotation) if a is not type(None)]
    if names:
        return " or ".join(names) + (" (or null)" if type(None) in get_args(annotation) else "")
    return str(annotation)


def results_reference(template: str) -> list[dict[str, str]]:
    """One row per top-level key of ``results.json``: ``key``, ``type`` and ``meaning``, read from the template's
    ``Results`` model; keys holding objects list their own keys in the meaning."""
    rows = []
    for name, field in get_template(template).results.model_fields.items():
        meaning = field.description or ""
        nested = _nested_model(field.annotation)
        if nested is not None:
            parts = [f"`{k}` ({f.description})" for k, f in nested.model_fields.items()]
            each = "each with" if get_origin(field.annotation) in (list, dict) else "with"
            meaning += f"; {each} " + ", ".join(parts)
        rows.append({"key": name, "type": _type_name(field.annotation), "meaning": meaning})
    return rows


def results_reference_markdown(template: str) -> str:
    """:func:`results_reference` as a Markdown table (the book's playbook page shows it)."""
    lines = ["| key | type | meaning |", "|---|---|---|"]
    for row in results_reference(template):
        cells = (f"`{row['key']}`", row["type"], row["meaning"])
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines)

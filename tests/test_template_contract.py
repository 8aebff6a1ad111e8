"""Every template keeps the contract in DESIGN.md: registered, clean, documented, and its parameters cell
agrees with its pydantic model."""

from __future__ import annotations

import ast

import nbformat
import papermill
import pytest

from conftest import TEMPLATES
from ecomops.params import TEMPLATES as REGISTRY
from ecomops.params import field_table, validate_params
from ecomops.runner import load_params_file

NOTEBOOKS = sorted(TEMPLATES.glob("*.ipynb"))


def parameters_cell(notebook):
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    return cells[0]


def test_every_notebook_is_registered_and_every_registered_template_has_a_notebook():
    assert {p.stem for p in NOTEBOOKS} == set(REGISTRY)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit templates without outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_a_titled_description(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    lines = first.source.splitlines()
    assert lines[0].startswith("# ") and any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]), "English + 中文 title"
    for heading in ("When to use it", "Inputs", "Outputs", "Course chapter"):
        assert heading in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_matches_the_model(path):
    name = path.stem
    source = parameters_cell(nbformat.read(path, as_version=4)).source
    namespace: dict = {}
    exec(compile(source, f"{name} parameters", "exec"), namespace)  # the cell holds only literal assignments
    assigned = {n.target.id for n in ast.parse(source).body if isinstance(n, ast.AnnAssign)}
    model_fields = {row["name"] for row in field_table(REGISTRY[name].model)}
    assert assigned == model_fields
    from_cell = validate_params(name, {k: namespace[k] for k in assigned}).model_dump()
    assert from_cell == REGISTRY[name].model().model_dump()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_documents_every_parameter(path):
    inferred = papermill.inspect_notebook(str(path))
    assert set(inferred) == {row["name"] for row in field_table(REGISTRY[path.stem].model)}
    for name, info in inferred.items():
        assert info["inferred_type_name"] != "None", f"{name} needs a type hint"
        assert info["help"].strip(), f"{name} needs a trailing comment with unit and range"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_worked_cases_exist_and_default_yaml_equals_the_defaults(name):
    cases = sorted(REGISTRY[name].params_dir.glob("*.yaml"))
    assert len(cases) >= 2 and cases[0].parent.joinpath("default.yaml") in cases
    for case in cases:
        validate_params(name, load_params_file(case))
    default = load_params_file(REGISTRY[name].params_dir / "default.yaml")
    model = REGISTRY[name].model
    path_fields = set(model.input_path_fields)
    from_yaml = validate_params(name, default).model_dump(exclude=path_fields)
    assert from_yaml == model().model_dump(exclude=path_fields)
    for field in path_fields:  # same file, written relative to the YAML's folder
        resolved = (REGISTRY[name].params_dir / default[field]).resolve()
        assert resolved == (TEMPLATES.parent / getattr(model(), field)).resolve()

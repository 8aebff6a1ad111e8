"""Every template keeps the contract in DESIGN.md: registered, clean, documented, and its parameters cell
agrees with its pydantic model."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill
import pytest

from conftest import ROOT, TEMPLATES
from ecomops.playbook import TEMPLATES as REGISTRY
from ecomops.playbook import field_table, validate_params
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


# ------------------------------------------------------------------------------ the playbook-core shape (DESIGN)

MAX_CODE_CELL_LINES = 15


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_template_is_one_module_with_params_results_and_cases(name):
    from ecomops.playbook.base import TemplateParams, TemplateResults

    spec = REGISTRY[name]
    module_file = ROOT / "ecomops" / "playbook" / f"{name}.py"
    assert module_file.is_file(), f"{name} needs its module ecomops/playbook/{name}.py"
    assert spec.module is not None and Path(spec.module.__file__).resolve() == module_file.resolve()
    assert spec.module.Params is spec.params and issubclass(spec.params, TemplateParams)
    assert spec.module.Results is spec.results and issubclass(spec.results, TemplateResults)
    assert spec.results.model_fields["template"].annotation.__args__ == (name,), "template: Literal[<name>]"
    for field in spec.params.model_fields.values():  # every parameter is documented for show / new
        assert field.description and (field.json_schema_extra or {}).get("unit"), field
    assert len(sorted(spec.params_dir.glob("*.yaml"))) >= 2


def cell_problems(source: str, written: str | None = None) -> list[str]:
    """Why a code cell breaks the thin-notebook rule: too long, or it defines a function or class.

    The lines counted are the non-blank lines of ``written`` (the cell as a page shows it, cell options
    included) when given, else of ``source``."""
    problems = []
    lines = [line for line in (source if written is None else written).splitlines() if line.strip()]
    if len(lines) > MAX_CODE_CELL_LINES:
        problems.append(f"{len(lines)} lines (at most {MAX_CODE_CELL_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            problems.append(f"defines a {type(node).__name__}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_cells_are_short_and_define_nothing(path):
    """The ``parameters`` cell is exempt from the line limit (one literal assignment per parameter, nothing else);
    every other code cell is short and defines nothing."""
    notebook = nbformat.read(path, as_version=4)
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            statements = ast.parse(cell.source).body
            assert all(isinstance(s, (ast.Assign, ast.AnnAssign)) and isinstance(s.value, ast.expr) and
                       _is_literal(s.value) for s in statements), f"cell {number}: only literal assignments"
            continue
        assert cell_problems(cell.source) == [], f"cell {number}: move the logic to ecomops/playbook/{path.stem}.py"


def _is_literal(node: ast.expr) -> bool:
    """Whether ``node`` is a literal papermill can replace: a constant, or a list/dict/tuple/set of literals."""
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def test_the_cell_rule_catches_a_fat_cell():
    assert cell_problems("x = 1\nprint(x)") == []
    fat = "def helper(x):\n    return x\n" + "\n".join(f"a{i} = {i}" for i in range(20))
    assert cell_problems(fat) == ["22 lines (at most 15)", "defines a FunctionDef"]
    assert cell_problems("f = lambda v: v") == ["defines a Lambda"]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_results_schema_is_available(name):
    from ecomops.playbook import results_reference, results_schema

    schema = results_schema(name)
    assert {"template", "recommendation"} <= set(schema["properties"]) and schema["additionalProperties"] is False
    assert [row["key"] for row in results_reference(name)] == list(REGISTRY[name].results.model_fields)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_template_has_a_report_title_question_summary_and_tables(name):
    """The report contract: a title and a question, the headline (``report_summary``) in results.json, the
    tables results.xlsx holds (``report_tables``), and the analyst's opening cell kept out of the report."""
    spec = REGISTRY[name]
    assert spec.title and spec.question.endswith("?")
    assert callable(getattr(spec.module, "report_tables", None)), f"{name}: report_tables() for results.xlsx"
    assert "summary" in spec.results.model_fields and "language" in spec.results.model_fields
    notebook = nbformat.read(spec.notebook, as_version=4)
    assert "analyst" in notebook.cells[0].metadata.get("tags", []), "tag the opening cell 'analyst'"
    assert "language" in spec.params.model_fields


def test_every_markdown_cell_and_every_message_has_its_chinese_text():
    """Each template's markdown cells (by cell id) and every sentence, label and parameter help written in the
    package are in the zh catalogue (templates/text/*.zh.yaml), with the same {fields}."""
    from ecomops.i18n import missing_translations

    assert missing_translations("zh") == []


def test_every_marked_short_name_has_an_english_display_label(tmp_path):
    """Column names and categories marked with N_ read as words in an English run (templates/text/labels.en.yaml),
    and the check names a short name that has no label."""
    from ecomops.i18n import translate_label, unlabelled_names

    assert unlabelled_names() == []
    assert translate_label("rows_removed", "en") == "Rows removed"
    assert translate_label("new_checkout", "en") == "new_checkout"  # a name from the user's data stays as it is
    module = tmp_path / "pkg" / "fake.py"
    module.parent.mkdir()
    module.write_text('from ecomops.i18n import N_\nx = N_("never_labelled")\ny = N_("a sentence, not a name")\n',
                      encoding="utf-8")
    assert unlabelled_names(module.parent) == ["label 'never_labelled' (pkg/fake.py:2) has no English display label"]


def test_the_translation_check_finds_an_untranslated_message(tmp_path):
    from ecomops.i18n import message_sources

    module = tmp_path / "pkg" / "fake.py"
    module.parent.mkdir()
    module.write_text('from ecomops.i18n import N_, tr\nx = tr("Never translated {n}", n=1)\ny = N_("a label")\n'
                      'z = param(1, unit="days", help="How long")\n', encoding="utf-8")
    found = message_sources(module.parent)
    assert set(found) == {"Never translated {n}", "a label", "days", "How long"}
    assert found["a label"] == ["pkg/fake.py:3"]

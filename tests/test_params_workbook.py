"""Parameter workbooks (ecomops/params_workbook.py): written with the model's defaults, read back into what
validation accepts, edits and mistakes reported with the cell they are in, labels through the translation
catalogue, written atomically, and tied to their template."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import openpyxl
import pytest

from conftest import run_cli, sha256
from ecomops.params_workbook import load_params_workbook, workbook_template, write_params_workbook
from ecomops.playbook import TEMPLATES, ParamError, validate_params
from ecomops.playbook.base import public_fields
from ecomops.playbook.kpi_funnel import FunnelStageParam

PARAMETER_SHEET = 0  # the parameter sheet is the first sheet


def written(tmp_path: Path, template: str, name: str = "params.xlsx", language: str = "en") -> Path:
    return write_params_workbook(template, tmp_path / name, language)


def value_cell(sheet: Any, name: str) -> str:
    """The coordinate of the value of parameter ``name``, found by reading column A."""
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == name:
            return f"B{row}"
    raise AssertionError(f"no row names {name!r}")


def edit(path: Path, changes: dict[tuple[str | int, str], Any]) -> None:
    """Set cells with openpyxl: (sheet title or position, coordinate) → value; save in place."""
    workbook = openpyxl.load_workbook(path)
    for (sheet, coordinate), value in changes.items():
        target = workbook.worksheets[sheet] if isinstance(sheet, int) else workbook[sheet]
        target[coordinate] = value
    workbook.save(path)


def parameter_sheet(path: Path) -> Any:
    return openpyxl.load_workbook(path).worksheets[PARAMETER_SHEET]


def choice_fields(template: str) -> dict[str, tuple[Any, ...]]:
    return {name: get_args(field.annotation) for name, field in TEMPLATES[template].params.model_fields.items()
            if get_origin(field.annotation) is Literal}


# ------------------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_the_default_workbook_reads_back_as_the_models_defaults(tmp_path, template, language):
    path = written(tmp_path, template, language=language)
    values, locations = load_params_workbook(path)
    defaults = TEMPLATES[template].params().model_dump()
    assert validate_params(template, values, locations).model_dump() == defaults
    # the plain values themselves are the defaults, as a YAML file gives them; output_dir is chosen with -o
    assert set(values) == set(public_fields(TEMPLATES[template].params)) - {"output_dir"}
    for name, value in values.items():
        assert value == defaults[name], name
        assert type(value).__module__ == "builtins", (name, type(value))
    assert workbook_template(path) == template


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_one_row_per_parameter_in_the_models_order_with_unit_and_meaning(tmp_path, template):
    sheet = parameter_sheet(written(tmp_path, template))
    fields = {k: v for k, v in public_fields(TEMPLATES[template].params).items() if k != "output_dir"}
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == list(fields)
    for row in rows:
        field = fields[row[0]]
        assert row[2] == field.json_schema_extra["unit"]
        assert row[4] == field.description
    assert [c.value for c in sheet[1]] == ["Name", "Value", "Unit", "Allowed values", "Meaning"]


def test_the_sheet_is_readable_bold_frozen_header_wrapped_meanings_text_cells(tmp_path):
    sheet = parameter_sheet(written(tmp_path, "ab_test_analysis"))
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert all(sheet.cell(row, 5).alignment.wrap_text for row in range(2, sheet.max_row + 1))
    assert sheet.column_dimensions["E"].width >= 60
    assert sheet.column_dimensions["A"].width >= len("expected_split")
    assert sheet.column_dimensions["B"].width >= len("datasets/ab_test_events.csv.gz")
    # a text parameter's cell is formatted as text (Excel keeps a typed 2024 as text), a number's is not
    assert sheet[value_cell(sheet, "control")].number_format == "@"
    assert sheet[value_cell(sheet, "alpha")].number_format != "@"


def test_lists_and_mappings_have_their_own_sheet_named_in_the_value_cell(tmp_path):
    funnel = openpyxl.load_workbook(written(tmp_path, "kpi_funnel"))
    main = funnel.worksheets[PARAMETER_SHEET]
    assert "'stages'" in main[value_cell(main, "stages")].value
    stages = funnel["stages"]
    assert [c.value for c in stages[1]] == ["name", "column", "op", "value"]
    assert [c.value for c in stages["A"][1:]] == ["Session", "Viewed a product page", "Reached a page with value",
                                                   "Purchased"]
    assert stages["B2"].value is None and stages["D5"].value is True
    design = openpyxl.load_workbook(written(tmp_path, "ab_test_design", "design.xlsx"))
    assert design["allocation"].max_row == 1  # header only: the default is an empty list
    analysis = openpyxl.load_workbook(written(tmp_path, "ab_test_analysis", "analysis.xlsx"))
    assert [c.value for c in analysis["expected_split"][1]] == ["Key", "Value"]
    assert analysis["expected_split"].max_row == 1


# ------------------------------------------------------------------------------------------------- edits


def test_an_added_funnel_stage_and_a_cleared_column_round_trip(tmp_path):
    path = written(tmp_path, "kpi_funnel")
    workbook = openpyxl.load_workbook(path)
    stages = workbook["stages"]
    stages.insert_rows(4)
    for column, value in zip("ABCD", ["Added to cart", "ProductRelated", "ge", 3]):
        stages[f"{column}4"] = value
    stages["B3"] = None  # "Viewed a product page" now counts every row
    workbook.save(path)
    values, locations = load_params_workbook(path)
    params = validate_params("kpi_funnel", values, locations)
    assert [s.name for s in params.stages] == ["Session", "Viewed a product page", "Added to cart",
                                               "Reached a page with value", "Purchased"]
    assert params.stages[2] == FunnelStageParam(name="Added to cart", column="ProductRelated", op="ge", value=3)
    assert params.stages[1].column is None
    assert locations["stages.2.op"] == "sheet 'stages' cell C4"
    assert locations["stages.4"] == "sheet 'stages' row 6"


def test_a_split_share_edited_on_its_sheet_is_read_and_checked(tmp_path):
    path = written(tmp_path, "ab_test_analysis")
    edit(path, {("expected_split", "A2"): "control", ("expected_split", "B2"): 0.5,
                ("expected_split", "A3"): "treatment", ("expected_split", "B3"): 0.5})
    assert validate_params("ab_test_analysis", *load_params_workbook(path)).expected_split == {
        "control": 0.5, "treatment": 0.5}
    edit(path, {("expected_split", "B3"): 0.25, ("expected_split", "B2"): 0.75})
    assert validate_params("ab_test_analysis", *load_params_workbook(path)).expected_split == {
        "control": 0.75, "treatment": 0.25}
    edit(path, {("expected_split", "B3"): 0.4})
    with pytest.raises(ParamError, match=r"'expected_split' \(sheet 'expected_split'\).*sum to 1"):
        validate_params("ab_test_analysis", *load_params_workbook(path))


def test_allocation_rows_become_a_list_in_order(tmp_path):
    path = written(tmp_path, "ab_test_design")
    edit(path, {("allocation", "A2"): 0.3, ("allocation", "A3"): 0.7})
    assert validate_params("ab_test_design", *load_params_workbook(path)).allocation == [0.3, 0.7]


def test_an_empty_value_cell_is_empty_text(tmp_path):
    path = written(tmp_path, "kpi_funnel")
    edit(path, {(PARAMETER_SHEET, value_cell(parameter_sheet(path), "segment_by")): None})
    values, _ = load_params_workbook(path)
    assert values["segment_by"] == ""


# ------------------------------------------------------------------------------------------------- mistakes


@pytest.mark.parametrize(
    "template, name, bad, fragments",
    [
        ("kpi_funnel", "alpha", 0.9, ["0.9", "less than or equal to 0.2", "≤ 0.2"]),
        ("ab_test_design", "daily_visitors", "lots", ["'lots'", "valid number", "> 0.0"]),
        ("ab_test_design", "method", "fastest", ["'fastest'", "'pooled', 'evan_miller', 'arcsine'"]),
        ("ab_test_analysis", "data_kind", "daily", ["'daily'", "'events', 'summary'"]),
    ],
    ids=["out-of-range", "text-in-number", "unknown-choice", "unknown-choice-analysis"],
)
def test_a_bad_value_is_named_with_its_cell_and_what_is_allowed(tmp_path, template, name, bad, fragments):
    path = written(tmp_path, template)
    cell = value_cell(parameter_sheet(path), name)
    edit(path, {(PARAMETER_SHEET, cell): bad})
    with pytest.raises(ParamError) as caught:
        validate_params(template, *load_params_workbook(path))
    message = str(caught.value)
    assert f"parameter {name!r} (sheet 'Parameters' cell {cell})" in message
    for fragment in fragments:
        assert fragment in message


def test_files_that_are_not_parameter_workbooks_are_refused(tmp_path):
    cases = {
        tmp_path / "params.yaml": r"params\.yaml.*must be an \.xlsx file",
        tmp_path / "absent.xlsx": r"absent\.xlsx.*not found.*ecomops new",
        tmp_path / "damaged.xlsx": r"damaged\.xlsx.*not a readable \.xlsx workbook",
        tmp_path / "folder.xlsx": r"folder\.xlsx.*is a folder",
    }
    (tmp_path / "params.yaml").write_text("alpha: 0.1\n", encoding="utf-8")
    (tmp_path / "damaged.xlsx").write_bytes(b"PK\x03\x04 not really a zip archive")
    (tmp_path / "folder.xlsx").mkdir()
    for path, pattern in cases.items():
        with pytest.raises(ParamError, match=pattern):
            load_params_workbook(path)
        with pytest.raises(ParamError, match=pattern):
            workbook_template(path)


def test_a_value_without_a_name_is_named_with_file_sheet_and_cell(tmp_path):
    path = written(tmp_path, "kpi_funnel")
    row = value_cell(parameter_sheet(path), "alpha")[1:]
    edit(path, {(PARAMETER_SHEET, f"A{row}"): None})
    with pytest.raises(ParamError, match=rf"params\.xlsx: sheet 'Parameters' cell A{row} is empty, but B{row} holds "
                                         rf"0\.05; write the parameter's name in A{row}"):
        load_params_workbook(path)


def test_a_name_given_twice_is_named_with_both_cells(tmp_path):
    path = written(tmp_path, "kpi_funnel")
    sheet = parameter_sheet(path)
    first, second = value_cell(sheet, "alpha")[1:], value_cell(sheet, "uplift_points")[1:]
    edit(path, {(PARAMETER_SHEET, f"A{second}"): "alpha"})
    with pytest.raises(ParamError, match=rf"params\.xlsx: sheet 'Parameters' cell A{second} names 'alpha', which "
                                         rf"A{first} already names"):
        load_params_workbook(path)


def test_a_value_typed_over_a_list_pointer_is_refused(tmp_path):
    path = written(tmp_path, "ab_test_design")
    cell = value_cell(parameter_sheet(path), "allocation")
    edit(path, {(PARAMETER_SHEET, cell): "0.5, 0.5"})
    with pytest.raises(ParamError, match=rf"params\.xlsx: sheet 'Parameters' cell {cell} holds '0\.5, 0\.5', but "
                                         r"allocation is read from sheet 'allocation'"):
        load_params_workbook(path)


@pytest.mark.parametrize(
    "template, changes, pattern",
    [
        ("kpi_funnel", {("stages", "F3"): "oops"},
         r"params\.xlsx: sheet 'stages' cell F3 holds 'oops' outside the sheet's columns"),
        ("kpi_funnel", {("stages", "E1"): "limit"},
         r"params\.xlsx: sheet 'stages' cell E1 names the column 'limit'.*columns are: name, column, op, value"),
        ("kpi_funnel", {("stages", "C1"): "opp"}, r"sheet 'stages' cell C1 names the column 'opp' \(did you mean 'op'"),
        ("kpi_funnel", {("stages", "E1"): "op"}, r"sheet 'stages' cell E1 names the column 'op', which C1 already"),
        ("ab_test_analysis", {("expected_split", "B2"): 0.5},
         r"params\.xlsx: sheet 'expected_split' cell A2 is empty, but B2 holds 0\.5"),
        ("ab_test_analysis", {("expected_split", "A2"): "control", ("expected_split", "B2"): 0.5,
                              ("expected_split", "A3"): "control", ("expected_split", "B3"): 0.5},
         r"params\.xlsx: sheet 'expected_split' cell A3 gives 'control' again \(as does A2\)"),
        ("ab_test_design", {("allocation", "A2"): 0.5, ("allocation", "B2"): 0.5},
         r"params\.xlsx: sheet 'allocation' cell B2 holds 0\.5 outside.*one value per row, in column A"),
    ],
    ids=["stray-cell", "unknown-column", "misspelt-column", "column-twice", "key-missing", "key-twice",
         "two-values-in-a-row"],
)
def test_a_malformed_list_sheet_row_is_named_with_file_sheet_and_cell(tmp_path, template, changes, pattern):
    path = written(tmp_path, template)
    edit(path, changes)
    with pytest.raises(ParamError, match=pattern):
        load_params_workbook(path)


def test_the_parameter_sheet_is_found_after_a_sheet_is_moved_before_it_or_it_is_renamed(tmp_path):
    path = written(tmp_path, "kpi_funnel")
    workbook = openpyxl.load_workbook(path)
    notes = workbook.create_sheet("Notes", 0)
    notes["A1"] = "alpha"  # a sheet of the user's own, first: not read as parameters
    notes["B1"] = 0.5
    workbook.save(path)
    values, locations = load_params_workbook(path)
    assert values["alpha"] == 0.05 and locations["alpha"].startswith("sheet 'Parameters' cell B")
    workbook = openpyxl.load_workbook(path)
    del workbook["Notes"]
    workbook.worksheets[PARAMETER_SHEET].title = "My funnel"
    workbook.save(path)
    values, locations = load_params_workbook(path)
    assert values["alpha"] == 0.05 and locations["alpha"].startswith("sheet 'My funnel' cell B")


def test_a_list_sheet_renamed_away_is_named(tmp_path):
    path = written(tmp_path, "kpi_funnel")
    workbook = openpyxl.load_workbook(path)
    workbook["stages"].title = "funnel"
    workbook.save(path)
    cell = value_cell(parameter_sheet(path), "stages")
    with pytest.raises(ParamError, match=rf"stages \(sheet 'Parameters' cell {cell}\) is read from a sheet named "
                                         r"'stages', which the workbook does not have.*'funnel'"):
        load_params_workbook(path)


# ------------------------------------------------------------------------------------------------- drop-downs


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_choice_has_a_drop_down_of_exactly_its_allowed_values(tmp_path, template):
    sheet = parameter_sheet(written(tmp_path, template))
    lists = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list" and validation.showErrorMessage
        for cell_range in validation.sqref.ranges:
            lists[cell_range.coord] = validation.formula1
    expected = {value_cell(sheet, name): '"' + ",".join(choices) + '"'
                for name, choices in choice_fields(template).items()}
    assert lists == expected


def test_the_stage_operator_column_has_a_drop_down(tmp_path):
    stages = openpyxl.load_workbook(written(tmp_path, "kpi_funnel"))["stages"]
    (validation,) = stages.data_validations.dataValidation
    operators = get_args(FunnelStageParam.model_fields["op"].annotation)
    assert validation.formula1 == '"' + ",".join(operators) + '"'
    (cells,) = validation.sqref.ranges  # the op column below the header, rows still to be added included
    assert (cells.min_col, cells.max_col, cells.min_row) == (3, 3, 2) and cells.max_row >= 100


# ------------------------------------------------------------------------------------------------- languages


def test_labels_units_and_meanings_go_through_the_catalogue(tmp_path, monkeypatch):
    import ecomops.i18n

    alpha = TEMPLATES["kpi_funnel"].params.model_fields["alpha"]
    chinese = {"Parameters": "参数", "Name": "名称", "Value": "取值", "Unit": "单位", "Allowed values": "允许的值",
               "Meaning": "含义", "probability": "概率", alpha.description: "威尔逊区间的 1 − 置信水平",
               "see sheet '{sheet}'": "见工作表 '{sheet}'"}
    monkeypatch.setattr(ecomops.i18n, "catalogue_messages", lambda language: chinese if language == "zh" else {})
    path = written(tmp_path, "kpi_funnel", language="zh")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[PARAMETER_SHEET]
    assert sheet.title == "参数"
    assert [c.value for c in sheet[1]] == ["名称", "取值", "单位", "允许的值", "含义"]
    row = int(value_cell(sheet, "alpha")[1:])
    assert (sheet.cell(row, 3).value, sheet.cell(row, 5).value) == ("概率", "威尔逊区间的 1 − 置信水平")
    stages_row = int(value_cell(sheet, "stages")[1:])
    assert sheet.cell(stages_row, 2).value == "见工作表 'stages'"
    # text without a translation stays English
    segment_by = TEMPLATES["kpi_funnel"].params.model_fields["segment_by"]
    assert sheet.cell(int(value_cell(sheet, "segment_by")[1:]), 5).value == segment_by.description
    # the Chinese workbook reads back like the English one, its locations naming its own sheet
    values, locations = load_params_workbook(path)
    assert validate_params("kpi_funnel", values, locations).model_dump() == TEMPLATES["kpi_funnel"].params().model_dump()
    assert locations["alpha"] == f"sheet '参数' cell B{row}"
    # and an English workbook is untouched by the Chinese catalogue
    assert [c.value for c in parameter_sheet(written(tmp_path, "kpi_funnel", "en.xlsx"))[1]][:2] == ["Name", "Value"]


def test_an_unknown_language_or_a_name_without_xlsx_is_refused(tmp_path):
    with pytest.raises(ParamError, match="language must be one of en, zh, got 'fr'"):
        write_params_workbook("kpi_funnel", tmp_path / "p.xlsx", "fr")
    with pytest.raises(ParamError, match=r"p\.yaml: a parameter workbook must be an \.xlsx file.*p\.xlsx"):
        write_params_workbook("kpi_funnel", tmp_path / "p.yaml")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------------- safety


def test_a_failed_write_leaves_the_existing_workbook_untouched(tmp_path, monkeypatch):
    path = written(tmp_path, "kpi_funnel")
    before = sha256(path)

    def fail_halfway(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", fail_halfway)
    with pytest.raises(OSError, match="disk full"):
        write_params_workbook("ab_test_design", path)
    assert sha256(path) == before
    assert [p.name for p in tmp_path.iterdir()] == ["params.xlsx"]  # no temporary file left behind
    monkeypatch.undo()
    assert workbook_template(path) == "kpi_funnel"


def test_a_workbook_for_another_template_is_refused(tmp_path):
    path = written(tmp_path, "ab_test_design", "design.xlsx")
    assert workbook_template(path) == "ab_test_design"
    with pytest.raises(ParamError, match=r"design\.xlsx is a parameter workbook for ab_test_design, not kpi_funnel; "
                                         r"write one for kpi_funnel with: ecomops new kpi_funnel -o design\.xlsx"):
        load_params_workbook(path, "kpi_funnel")
    values, _ = load_params_workbook(path, "ab_test_design")
    assert values["method"] == "pooled"


def test_a_workbook_that_does_not_record_its_template(tmp_path):
    path = written(tmp_path, "ab_test_design")
    workbook = openpyxl.load_workbook(path)
    del workbook["_ecomops"]
    workbook.save(path)
    assert workbook_template(path) is None
    with pytest.raises(ParamError, match=r"sheet 'allocation' holds a list, but the workbook does not say which "
                                         r"template it is for"):
        load_params_workbook(path)
    values, locations = load_params_workbook(path, "ab_test_design")
    assert validate_params("ab_test_design", values, locations).model_dump() == TEMPLATES["ab_test_design"].params().model_dump()


def test_the_command_line_writes_validates_and_refuses_a_workbook_for_another_template(tmp_path):
    path = tmp_path / "design.xlsx"
    assert run_cli("new", "ab_test_design", "-o", str(path)).returncode == 0
    assert workbook_template(path) == "ab_test_design"
    assert run_cli("validate", "ab_test_design", "-p", str(path)).returncode == 0
    refused = run_cli("validate", "kpi_funnel", "-p", str(path))
    assert refused.returncode == 2
    assert "for ab_test_design, not kpi_funnel" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.slow
def test_a_workbook_runs_like_a_yaml_file_and_a_bad_stage_operator_names_its_cell(tmp_path):
    """The whole route a non-programmer takes: new -o .xlsx, edit in Excel, run with -p .xlsx."""
    book_path = tmp_path / "funnel.xlsx"
    assert run_cli("new", "kpi_funnel", "-o", str(book_path), "--lang", "zh").returncode == 0
    book = openpyxl.load_workbook(book_path)
    stages = book["stages"]
    header = [c.value for c in stages[1]]
    stages.cell(row=3, column=header.index("op") + 1, value="bigger")
    book.save(book_path)
    bad = run_cli("validate", "kpi_funnel", "-p", str(book_path))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "'stages'" in bad.stderr and f"{chr(ord('A') + header.index('op'))}3" in bad.stderr
    assert "bigger" in bad.stderr
    book = openpyxl.load_workbook(book_path)
    book["stages"].cell(row=3, column=header.index("op") + 1, value="ge")
    book.save(book_path)
    report = tmp_path / "report"
    good = run_cli("run", "kpi_funnel", "-p", str(book_path), "-o", str(report), "-q", "--lang", "zh")
    assert good.returncode == 0, good.stderr
    assert (report / "results.xlsx").is_file() and (report / "report.html").is_file()

"""The ecomops command: every kind of bad input gets one readable message and the right exit code, never a
traceback, and never a changed input file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import DATASETS, ROOT, run_cli, sha256

SHOPPERS = DATASETS / "online_shoppers_intention.csv"
STAGES = [
    {"name": "Visit", "column": None, "op": "ge", "value": 1},
    {"name": "Browsed", "column": "pages", "op": "ge", "value": 1},
    {"name": "Bought", "column": "bought", "op": "eq", "value": True},
]


def write_yaml(folder: Path, values: dict, name: str = "params.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    return path


def small_sessions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pages": [0, 1, 3, 5, 2, 0, 4, 1],
            "bought": [False, False, True, True, False, False, True, False],
            "渠道": ["搜索", "直播", "搜索", "直播", "搜索", "直播", "搜索", "直播"],
        }
    )


def assert_one_clear_message(result, exit_code: int, *fragments: str) -> None:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    message = result.stderr.strip()
    assert message.startswith("error: "), message
    assert "\n\n" not in message, "the message must be one paragraph"
    for fragment in fragments:
        assert fragment in message.replace("\n", " "), (fragment, message)


def test_list_names_every_template():
    result = run_cli("list")
    assert result.returncode == 0
    assert "kpi_funnel" in result.stdout


def test_help_explains_the_workflow_and_exit_codes():
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("list", "show", "new", "validate", "run", "exit codes"):
        assert word in result.stdout


def test_show_lists_each_parameter_with_unit_and_range():
    result = run_cli("show", "kpi_funnel")
    assert result.returncode == 0
    for fragment in ("data_path", "stages", "segment_by", "alpha", "≤ 0.2", "probability", "output_dir"):
        assert fragment in result.stdout


def test_new_writes_a_file_that_validates_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "funnel.yaml"
    assert run_cli("new", "kpi_funnel", "-o", str(target)).returncode == 0
    text = target.read_text(encoding="utf-8")
    assert text.count("# ") >= 6  # every parameter carries its help as a comment
    assert run_cli("validate", "kpi_funnel", "-p", str(target), cwd=ROOT).returncode == 0
    before = sha256(target)
    again = run_cli("new", "kpi_funnel", "-o", str(target))
    assert_one_clear_message(again, 4, "already exists", "--force")
    assert sha256(target) == before


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    params = write_yaml(tmp_path, {"alhpa": 0.1})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 2, "'alhpa'", "not a parameter", "did you mean 'alpha'")


def test_wrong_type_names_field_value_and_allowed(tmp_path):
    params = write_yaml(tmp_path, {"alpha": "five percent"})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 2, "'alpha'", "'five percent'", "allowed: float")


def test_value_out_of_range_names_the_bounds(tmp_path):
    params = write_yaml(tmp_path, {"alpha": 0.9})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 2, "'alpha'", "0.9", "≤ 0.2")


def test_bad_stage_operator_names_the_stage_field(tmp_path):
    params = write_yaml(tmp_path, {"stages": [STAGES[0], {**STAGES[1], "op": "=>"}]})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 2, "stages.1.op", "'=>'")


def test_invalid_yaml_names_the_line(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("alpha: 0.05\nstages: [unclosed\n", encoding="utf-8")
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 2, "not valid YAML", "line")


def test_unknown_template_suggests_the_closest():
    result = run_cli("show", "kpi_funel")
    assert_one_clear_message(result, 2, "unknown template", "did you mean 'kpi_funnel'")


def test_missing_data_file_is_named(tmp_path):
    params = write_yaml(tmp_path, {"data_path": "exports/no-such-file.csv"})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 3, "no-such-file.csv", "not found")


def test_missing_column_is_named_with_the_columns_present(tmp_path):
    data = tmp_path / "sessions.csv"
    small_sessions().to_csv(data, index=False)
    params = write_yaml(tmp_path, {"data_path": "sessions.csv", "stages": STAGES, "segment_by": "channel"})
    before = sha256(data)
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 3, "'channel'", "is missing", "pages, bought")
    assert sha256(data) == before


def test_misnamed_column_gets_a_suggestion(tmp_path):
    data = tmp_path / "sessions.csv"
    small_sessions().to_csv(data, index=False)
    stages = [STAGES[0], {**STAGES[1], "column": "page"}, STAGES[2]]
    params = write_yaml(tmp_path, {"data_path": "sessions.csv", "stages": stages, "segment_by": ""})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 3, "'page'", "did you mean 'pages'")


def test_empty_file_is_reported(tmp_path):
    data = tmp_path / "empty.csv"
    data.write_bytes(b"")
    params = write_yaml(tmp_path, {"data_path": "empty.csv", "stages": STAGES, "segment_by": ""})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 3, "empty.csv", "empty")


def test_non_numeric_value_in_a_numeric_column_names_row_and_value(tmp_path):
    frame = small_sessions()
    frame["pages"] = frame["pages"].astype(str)
    frame.loc[3, "pages"] = "five"
    data = tmp_path / "sessions.csv"
    frame.to_csv(data, index=False)
    params = write_yaml(tmp_path, {"data_path": "sessions.csv", "stages": STAGES, "segment_by": ""})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert_one_clear_message(result, 3, "'pages'", "must be numeric", "row 5", "'five'")


def test_run_checks_data_before_starting_a_kernel(tmp_path):
    data = tmp_path / "empty.csv"
    data.write_bytes(b"pages,bought\n")
    params = write_yaml(tmp_path, {"data_path": "empty.csv", "stages": STAGES, "segment_by": ""})
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(tmp_path / "report"), "-q")
    assert_one_clear_message(result, 3, "no data rows")
    assert not (tmp_path / "report").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_existing_output_folder_is_kept_without_force(tmp_path):
    report = tmp_path / "report"
    report.mkdir()
    (report / "notes.txt").write_text("my notes", encoding="utf-8")
    result = run_cli("run", "kpi_funnel", "-o", str(report), "-q")
    assert_one_clear_message(result, 4, "already exists", "--force")
    assert [p.name for p in report.iterdir()] == ["notes.txt"]
    assert (report / "notes.txt").read_text(encoding="utf-8") == "my notes"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_chinese_excel_csv_exports_load(tmp_path, encoding):
    data = tmp_path / "导出.csv"
    small_sessions().to_csv(data, index=False, encoding=encoding)
    before = sha256(data)
    params = write_yaml(tmp_path, {"data_path": "导出.csv", "stages": STAGES, "segment_by": "渠道"})
    result = run_cli("validate", "kpi_funnel", "-p", str(params))
    assert result.returncode == 0, result.stderr
    assert sha256(data) == before


def test_xlsx_export_runs_end_to_end(tmp_path):
    data = tmp_path / "sessions.xlsx"
    small_sessions().to_excel(data, index=False)
    before = sha256(data)
    params = write_yaml(tmp_path, {"data_path": "sessions.xlsx", "stages": STAGES, "segment_by": "渠道"})
    report = tmp_path / "out"
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(report), "-q")
    assert result.returncode == 0, result.stderr
    results = yaml.safe_load((report / "results.json").read_text(encoding="utf-8"))
    # counted by hand from small_sessions(): 8 visits, 6 with pages >= 1, 3 bought
    assert [s["count"] for s in results["stages"]] == [8, 6, 3]
    # 搜索 is rows 0, 2, 4, 6: pages 0, 3, 2, 4 and bought at rows 2 and 6
    assert [s["count"] for s in results["segments"]["搜索"]["stages"]] == [4, 3, 2]
    assert sha256(data) == before


def test_force_replaces_the_report_and_keeps_nothing_stale(tmp_path):
    report = tmp_path / "report"
    assert run_cli("run", "kpi_funnel", "-o", str(report), "-q").returncode == 0
    # a file an earlier version of the tool wrote (listed in the manifest) but the new run does not write
    (report / "stale.txt").write_text("old", encoding="utf-8")
    manifest = report / ".ecomops-report.json"
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**recorded, "files": recorded["files"] + ["stale.txt"]}), encoding="utf-8")
    result = run_cli("run", "kpi_funnel", "-o", str(report), "--force", "-q")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in report.iterdir()) == [".ecomops-report.json", "kpi_funnel.ipynb", "report.html",
                                                        "results.json", "results.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "Focus on the step" in html and "params_from_namespace" not in html  # code hidden


def test_failing_notebook_reports_the_cell_and_keeps_the_notebook(tmp_path, monkeypatch):
    # a notebook whose second cell divides by zero stands in for a template with a bug
    import nbformat

    from ecomops import runner
    from ecomops.playbook.base import TemplateSpec

    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    notebook.cells = [nbformat.v4.new_code_cell("output_dir = ''"), nbformat.v4.new_code_cell("1 / 0")]
    notebook.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(notebook, broken)
    monkeypatch.setattr(TemplateSpec, "notebook", property(lambda spec: broken))
    with pytest.raises(runner.RunError, match="failed in cell [0-9]+: ZeroDivisionError.*kept for inspection"):
        runner.run_template("ab_test_design", {}, tmp_path / "report", progress=False)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("report-failed-")]
    assert len(kept) == 1 and (kept[0] / "ab_test_design.ipynb").is_file()
    assert not (tmp_path / "report").exists()


def test_an_entry_stage_nobody_meets_is_a_data_problem(tmp_path):
    data = tmp_path / "sessions.csv"
    small_sessions().to_csv(data, index=False)
    stages = [{"name": "Visit", "column": "pages", "op": "gt", "value": 100}, STAGES[2]]
    params = write_yaml(tmp_path, {"data_path": "sessions.csv", "stages": stages, "segment_by": ""})
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(tmp_path / "report"), "-q")
    assert_one_clear_message(result, 3, "no row of the data meets the first stage 'Visit'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml", "sessions.csv"]


# --- ab_test_analysis: every bad summary or event file gets one clear message ---------------------------------


def summary_file(tmp_path: Path, rows: list[dict], name: str = "summary.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


GOOD_ROWS = [{"variant": "control", "users": 1000, "conversions": 50},
             {"variant": "b", "users": 1010, "conversions": 61}]


@pytest.mark.parametrize(
    ("rows", "fragments"),
    [
        ([GOOD_ROWS[0], {**GOOD_ROWS[1], "users": 0, "conversions": 0}], ["'b'", "users = 0"]),
        ([GOOD_ROWS[0], {**GOOD_ROWS[1], "conversions": 2000}], ["'b'", "conversions = 2000", "cannot exceed"]),
        ([GOOD_ROWS[0]], ["found 1 variant", "at least 2"]),
        ([{"variant": "a", "users": 5, "conversions": 1}, {"variant": "b", "users": 5, "conversions": 2}],
         ["control variant 'control' not found", "a, b"]),
        ([{"variant": "control", "visitors": 10, "conversions": 1}, {"variant": "b", "visitors": 10, "conversions": 2}],
         ["'users' is missing"]),
    ],
    ids=["zero-users", "conversions-above-users", "single-variant", "unknown-control", "missing-column"],
)
def test_ab_summary_errors_are_named(tmp_path, rows, fragments):
    data = summary_file(tmp_path, rows)
    before = sha256(data)
    params = write_yaml(tmp_path, {"data_path": "summary.csv", "data_kind": "summary", "control": "control"})
    result = run_cli("validate", "ab_test_analysis", "-p", str(params))
    assert_one_clear_message(result, 3, "summary.csv", *fragments)
    assert sha256(data) == before


def test_ab_events_with_a_bad_converted_value_are_named(tmp_path):
    events = pd.DataFrame({"variant": ["control", "b"] * 5, "converted": [0, 1, 0, 0, 1, 0, 0, 0, 2, 0]})
    events.to_csv(tmp_path / "events.csv", index=False)
    params = write_yaml(tmp_path, {"data_path": "events.csv"})
    result = run_cli("validate", "ab_test_analysis", "-p", str(params))
    assert_one_clear_message(result, 3, "events.csv", "'converted'", "0 or 1", "'2'")


def test_ab_expected_split_must_match_the_variants(tmp_path):
    summary_file(tmp_path, GOOD_ROWS)
    params = write_yaml(tmp_path, {"data_path": "summary.csv", "data_kind": "summary", "expected_split": {"control": 0.2, "b": 0.3, "c": 0.5}})
    result = run_cli("validate", "ab_test_analysis", "-p", str(params))
    assert_one_clear_message(result, 3, "expected_split does not match the variants", "'c' not in the data")


def test_ab_design_allocation_must_fit_the_arms(tmp_path):
    params = write_yaml(tmp_path, {"n_arms": 3, "allocation": [0.5, 0.5]})
    result = run_cli("validate", "ab_test_design", "-p", str(params))
    assert_one_clear_message(result, 2, "allocation has 2 shares but n_arms is 3")


def test_funnel_report_never_contains_columns_it_does_not_need(tmp_path):
    """Data minimisation: a phone-number column in the export must not reach the executed notebook."""
    frame = small_sessions()
    frame["phone"] = [f"1380013800{i}" for i in range(len(frame))]
    frame.to_csv(tmp_path / "export.csv", index=False)
    params = write_yaml(tmp_path, {"data_path": "export.csv", "stages": STAGES, "segment_by": ""})
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(tmp_path / "report"), "-q")
    assert result.returncode == 0, result.stderr
    for name in ("report.html", "kpi_funnel.ipynb", "results.json"):
        assert "13800138" not in (tmp_path / "report" / name).read_text(encoding="utf-8")
    from ecomops.playbook import validate_params

    loaded = validate_params("kpi_funnel", {"data_path": str(tmp_path / "export.csv"), "stages": STAGES,
                                            "segment_by": ""}).load_inputs()
    assert list(loaded.columns) == ["pages", "bought"]

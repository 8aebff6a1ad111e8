"""Safe runs on real users' files: nothing of the user's is lost, no traceback reaches the terminal, and no
silently wrong answer. Each test is one case a new analyst met with their own exports."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, run_cli, sha256
from test_cli import STAGES, assert_one_clear_message, small_sessions, write_yaml


def funnel_folder(folder: Path, name: str = "漏斗.yaml", **extra) -> tuple[Path, Path]:
    """A user's folder holding their export and their parameter file, as in `cd 双11复盘`."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "sessions.csv"
    small_sessions().to_csv(data, index=False)
    params = write_yaml(folder, {"data_path": "sessions.csv", "stages": STAGES, "segment_by": "渠道", **extra}, name)
    return data, params


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------------ data loss


def test_force_into_the_working_folder_is_refused_and_deletes_nothing(tmp_path):
    folder = tmp_path / "双11复盘"
    funnel_folder(folder)
    before = snapshot(folder)
    result = run_cli("run", "kpi_funnel", "-p", "漏斗.yaml", "-o", ".", "--force", "-q", cwd=folder)
    assert_one_clear_message(result, 4, "is the working folder")
    assert snapshot(folder) == before


def test_force_into_an_ancestor_of_the_working_folder_is_refused(tmp_path):
    folder = tmp_path / "review" / "nov"
    funnel_folder(folder)
    result = run_cli("run", "kpi_funnel", "-p", "漏斗.yaml", "-o", str(tmp_path / "review"), "--force", "-q",
                     cwd=folder)
    assert_one_clear_message(result, 4, "contains the working folder")
    assert (folder / "sessions.csv").is_file()


def test_force_into_the_folder_holding_the_input_is_refused(tmp_path):
    data, _ = funnel_folder(tmp_path / "data", name="params.yaml")
    params = write_yaml(tmp_path, {"data_path": "data/sessions.csv", "stages": STAGES, "segment_by": ""})
    before = snapshot(tmp_path / "data")
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", "data", "--force", "-q", cwd=tmp_path)
    assert_one_clear_message(result, 4, "holds an input of this run", "sessions.csv")
    assert snapshot(tmp_path / "data") == before


def test_force_never_replaces_a_folder_the_tool_did_not_write(tmp_path):
    _, params = funnel_folder(tmp_path)
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "计划.txt").write_text("my plan", encoding="utf-8")
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(mine), "--force", "-q", cwd=tmp_path)
    assert_one_clear_message(result, 4, "was not written by ecomops", "--force replaces only")
    assert (mine / "计划.txt").read_text(encoding="utf-8") == "my plan"


@pytest.mark.slow
def test_force_replaces_an_earlier_report_but_not_one_holding_other_files(tmp_path):
    """Also: the report folder is readable by colleagues (normal umask, not 700), and a run on the shipped
    example says so."""
    _, params = funnel_folder(tmp_path)
    report = tmp_path / "reports" / "funnel"
    first = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(report), "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    manifest = json.loads((report / ".ecomops-report.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"report.html", "results.json", "results.xlsx", "kpi_funnel.ipynb"}
    old_umask = os.umask(0)
    os.umask(old_umask)
    assert stat.S_IMODE(report.stat().st_mode) == 0o777 & ~old_umask
    again = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(report), "--force", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in report.parent.iterdir()] == ["funnel"]  # nothing left beside it
    (report / "slides.pptx").write_bytes(b"the user's own file")
    third = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(report), "--force", "-q", cwd=tmp_path)
    assert_one_clear_message(third, 4, "also holds other files", "slides.pptx")
    assert (report / "slides.pptx").read_bytes() == b"the user's own file"
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    demo = run_cli("run", "kpi_funnel", "-p", str(empty), "-o", str(tmp_path / "demo"), "-q", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "no data_path given: using the shipped example data set" in demo.stdout


def test_an_interrupted_replace_keeps_the_old_report(tmp_path, monkeypatch):
    from ecomops import runner

    old, new = tmp_path / "report", tmp_path / ".report.partial"
    old.mkdir()
    (old / "results.json").write_text("old", encoding="utf-8")
    new.mkdir()
    (new / "results.json").write_text("new", encoding="utf-8")
    real_rename = Path.rename

    def crash_on_second_rename(self, target):
        if self == new:
            raise OSError("disk full")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", crash_on_second_rename)
    with pytest.raises(OSError, match="disk full"):
        runner._move_into_place(new, old)
    assert (old / "results.json").read_text(encoding="utf-8") == "old"


def test_new_writes_through_a_temporary_file_and_explains_folders(tmp_path):
    target = tmp_path / "p.yaml"
    assert run_cli("new", "kpi_funnel", "-o", str(target)).returncode == 0
    assert [p.name for p in tmp_path.iterdir()] == ["p.yaml"]
    folder = tmp_path / "folder"
    folder.mkdir()
    assert_one_clear_message(run_cli("new", "kpi_funnel", "-o", str(folder), "--force"), 4, "is a folder")
    note = tmp_path / "笔记.txt"
    note.write_text("x", encoding="utf-8")
    assert_one_clear_message(run_cli("new", "kpi_funnel", "-o", str(note / "p.yaml")), 4, "is a file, not a folder")


# ----------------------------------------------------------------------------------------------- tracebacks


def test_output_below_a_file_is_one_message(tmp_path):
    _, params = funnel_folder(tmp_path)
    (tmp_path / "笔记.txt").write_text("notes", encoding="utf-8")
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", "笔记.txt/报告", "-q", cwd=tmp_path)
    assert_one_clear_message(result, 4, "笔记.txt is a file, not a folder")


def test_output_in_a_read_only_folder_is_one_message(tmp_path, monkeypatch, capsys):
    # Tests may run as root, for whom chmod does not bite: simulate the refusal the operating system gives.
    import tempfile

    from ecomops import cli

    _, params = funnel_folder(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["run", "kpi_funnel", "-p", str(params), "-o", "shared/report", "-q"])
    err = capsys.readouterr().err
    assert code == 4 and "no permission to write" in err and "Traceback" not in err


def test_keys_that_are_not_text_are_named(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("1: x\nalpha: 0.05\n", encoding="utf-8")
    assert_one_clear_message(run_cli("validate", "kpi_funnel", "-p", str(params)), 2, "1", "not a parameter name")


def test_full_width_colon_is_named_with_its_line(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("alpha: 0.05\nsegment_by：VisitorType\n", encoding="utf-8")
    assert_one_clear_message(run_cli("validate", "kpi_funnel", "-p", str(params)), 2,
                             "line 2 uses a full-width colon '：'", "type ':'")


def test_full_width_colon_inside_quotes_is_fine(tmp_path):
    from ecomops.runner import load_params_file

    params = tmp_path / "p.yaml"
    params.write_text('stages:\n  - {name: "浏览：商品页", column: null}\n', encoding="utf-8")
    assert load_params_file(params)["stages"][0]["name"] == "浏览：商品页"


def test_kernel_failures_and_export_failures_are_one_message(tmp_path, monkeypatch):
    import papermill
    from nbclient.exceptions import DeadKernelError

    from ecomops import runner

    def dead(*args, **kwargs):
        raise DeadKernelError("Kernel died")

    monkeypatch.setattr(papermill, "execute_notebook", dead)
    with pytest.raises(runner.RunError, match="kernel stopped unexpectedly"):
        runner.run_template("ab_test_design", {}, tmp_path / "r1", progress=False)

    def broken_export(*args, **kwargs):
        raise ValueError("template not found")

    monkeypatch.undo()
    monkeypatch.setattr(runner, "build_report", broken_export)
    with pytest.raises(runner.RunError, match="report could not be written.*template not found"):
        runner.run_template("ab_test_design", {}, tmp_path / "r2", progress=False)
    assert not (tmp_path / "r2").exists() and any(p.name.startswith("r2-failed-") for p in tmp_path.iterdir())


def test_an_unexpected_error_becomes_one_message_and_a_log(monkeypatch, capsys):
    from ecomops import cli

    def bug(args):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(cli, "_dispatch", bug)
    code = cli.main(["list"])
    err = capsys.readouterr().err
    assert code == 1 and "internal error in ecomops list (TypeError: unsupported operand)" in err
    assert "Traceback" not in err
    log = Path(err.split("log at ")[1].split()[0])
    assert "Traceback" in log.read_text(encoding="utf-8") and "unsupported operand" in log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_long_home_folder_does_not_break_the_kernel(tmp_path):
    home = tmp_path / ("h" * 120)
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    result = subprocess.run([sys.executable, "-m", "ecomops.cli", "run", "ab_test_design", "-o", str(tmp_path / "r"),
                             "-q"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r" / "report.html").is_file()


@pytest.mark.slow
def test_ctrl_c_during_a_run_prints_one_message(tmp_path):
    for attempt in range(2):
        process = subprocess.Popen([sys.executable, "-m", "ecomops.cli", "run", "kpi_funnel", "-o",
                                    str(tmp_path / f"r{attempt}"), "-q"], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(2.5 + attempt)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 130, err
        assert "Traceback" not in err and "ZMQError" not in err, err
        assert "interrupted; no report was written" in err
        assert not (tmp_path / f"r{attempt}").exists()


# ------------------------------------------------------------------------------------ silently wrong answers


def run_funnel(tmp_path: Path, frame_text: str, stages: list[dict], segment_by: str = "") -> dict:
    data = tmp_path / "export.csv"
    data.write_text(frame_text, encoding="utf-8")
    params = write_yaml(tmp_path, {"data_path": "export.csv", "stages": stages, "segment_by": segment_by})
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(tmp_path / "r"), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))


FOUR_STAGES = [{"name": "Visit", "column": None}, {"name": "Viewed", "column": "viewed", "op": "ge", "value": 1},
               {"name": "Carted", "column": "carted", "op": "ge", "value": 1},
               {"name": "Paid", "column": "paid", "op": "ge", "value": 1}]


@pytest.mark.slow
def test_excel_trailing_empty_rows_are_not_counted_as_sessions(tmp_path):
    rows = ["1,1,1"] * 3 + ["1,1,0"] * 2 + ["1,0,0"] * 5 + ["0,0,0"] * 10
    text = "viewed,carted,paid\n" + "\n".join(rows) + "\n" + ",,\n" * 3
    results = run_funnel(tmp_path, text, FOUR_STAGES)
    assert [s["count"] for s in results["stages"]] == [20, 10, 5, 3]


@pytest.mark.slow
def test_blank_segment_cells_are_kept_as_a_blank_segment(tmp_path):
    text = "viewed,carted,paid,channel\n1,1,1,app\n1,0,0,app\n1,1,0,\n0,0,0,\n1,1,1,web\n"
    results = run_funnel(tmp_path, text, FOUR_STAGES, segment_by="channel")
    assert set(results["segments"]) == {"app", "web", "(blank)"}
    assert results["segments"]["(blank)"]["stages"][0]["count"] == 2
    assert sum(s["stages"][0]["count"] for s in results["segments"].values()) == results["stages"][0]["count"]


@pytest.mark.slow
def test_a_number_in_quotes_is_the_number_and_nobody_at_the_end_gives_no_nan(tmp_path):
    stages = [{"name": "Visit", "column": None}, {"name": "Viewed", "column": "viewed", "op": "ge", "value": "1"},
              {"name": "Paid", "column": "paid", "op": "ge", "value": "1"}]
    params = write_yaml(tmp_path, {"data_path": "export.csv", "stages": stages, "segment_by": ""})
    (tmp_path / "export.csv").write_text("viewed,paid\n1,0\n2,0\n0,0\n", encoding="utf-8")
    assert run_cli("validate", "kpi_funnel", "-p", str(params), cwd=tmp_path).returncode == 0
    results = run_funnel(tmp_path, "viewed,paid\n1,0\n2,0\n0,0\n", stages)
    assert [s["count"] for s in results["stages"]] == [3, 2, 0]
    assert "Nobody reached 'Paid'" in results["recommendation"]
    report = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    text_only = report.split("<body", 1)[1]
    for word in (" nan ", "nan%", "+nan", " inf "):
        assert word not in text_only


def test_text_compared_with_a_number_step_is_named(tmp_path):
    stages = [{"name": "Visit", "column": None}, {"name": "Viewed", "column": "viewed", "op": "ge", "value": "many"}]
    params = write_yaml(tmp_path, {"data_path": "export.csv", "stages": stages, "segment_by": ""})
    (tmp_path / "export.csv").write_text("viewed\n1\n2\n", encoding="utf-8")
    assert_one_clear_message(run_cli("validate", "kpi_funnel", "-p", str(params), cwd=tmp_path), 3,
                             "stage 'Viewed'", "'many'", "eq or ne")


def test_a_relative_path_matching_a_shipped_file_is_not_read_from_the_package(tmp_path):
    params = write_yaml(tmp_path, {"data_path": "datasets/asos_digital_experiments.csv"})
    assert_one_clear_message(run_cli("validate", "kpi_funnel", "-p", str(params), cwd=tmp_path), 3, "not found")


@pytest.mark.parametrize("total", ["合计", "Total", " 小计 "])
def test_a_totals_row_in_a_summary_is_refused_with_its_row(tmp_path, total):
    rows = "variant,users,conversions\ncontrol,1000,50\nb,1010,61\n" + f"{total},2010,111\n"
    (tmp_path / "summary.csv").write_text(rows, encoding="utf-8")
    params = write_yaml(tmp_path, {"data_path": "summary.csv", "data_kind": "summary"})
    result = run_cli("validate", "ab_test_analysis", "-p", str(params), cwd=tmp_path)
    assert_one_clear_message(result, 3, "row 4", total.strip(), "totals row")


@pytest.mark.slow
def test_counts_near_a_trillion_per_arm_work(tmp_path):
    rows = "variant,users,conversions\ncontrol,1000000000000,20000000000\nb,1000000000000,20000100000\n"
    (tmp_path / "summary.csv").write_text(rows, encoding="utf-8")
    params = write_yaml(tmp_path, {"data_path": "summary.csv", "data_kind": "summary"})
    result = run_cli("run", "ab_test_analysis", "-p", str(params), "-o", str(tmp_path / "r"), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    comparison = json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))["comparisons"][0]
    assert comparison["test"].startswith("pooled") and 0 <= comparison["p_value"] <= 1


def test_event_variant_names_are_stripped_as_in_summaries(tmp_path):
    text = "variant,converted\ncontrol ,0\ncontrol,1\n b,1\nb,0\n"
    (tmp_path / "events.csv").write_text(text, encoding="utf-8")
    params = write_yaml(tmp_path, {"data_path": "events.csv"})
    assert run_cli("validate", "ab_test_analysis", "-p", str(params), cwd=tmp_path).returncode == 0
    from ecomops.experiments import summarise_events

    assert sorted(summarise_events(tmp_path / "events.csv")["variant"]) == ["b", "control"]


# ---------------------------------------------------------------------------------- inputs as they really come


def test_xlsx_data_on_a_named_second_sheet(tmp_path):
    path = tmp_path / "导出.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"说明": ["本表由后台导出"]}).to_excel(writer, sheet_name="说明", index=False)
        small_sessions().to_excel(writer, sheet_name="数据", index=False)
    base = {"data_path": "导出.xlsx", "stages": STAGES, "segment_by": "渠道"}
    first = run_cli("validate", "kpi_funnel", "-p", str(write_yaml(tmp_path, base)), cwd=tmp_path)
    assert_one_clear_message(first, 3, "sheet number 1", "'pages' is missing")
    named = run_cli("validate", "kpi_funnel", "-p", str(write_yaml(tmp_path, {**base, "sheet": "数据"})), cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    wrong = run_cli("validate", "kpi_funnel", "-p", str(write_yaml(tmp_path, {**base, "sheet": "Data"})), cwd=tmp_path)
    assert_one_clear_message(wrong, 3, "no sheet 'Data'", "说明, 数据")


def test_gbk_and_gzip_event_files_are_read_like_plain_csv(tmp_path):
    import gzip

    text = "variant;converted;渠道\ncontrol;0;搜索\ncontrol;1;直播\nb;1;搜索\nb;0;直播\n"
    (tmp_path / "events.csv").write_bytes(text.encode("gb18030"))
    with gzip.open(tmp_path / "events.csv.gz", "wb") as handle:
        handle.write(text.encode("gb18030"))
    for name in ("events.csv", "events.csv.gz"):
        params = write_yaml(tmp_path, {"data_path": name, "segment_by": "渠道"})
        result = run_cli("validate", "ab_test_analysis", "-p", str(params), cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr)


def test_validate_reads_only_a_sample_and_the_run_reports_a_late_bad_value_the_same_way(tmp_path):
    from ecomops.playbook import kpi_funnel

    rows = ["1,1"] * (kpi_funnel.CHECK_SAMPLE_ROWS + 50) + ["abc,1"]
    (tmp_path / "export.csv").write_text("viewed,paid\n" + "\n".join(rows) + "\n", encoding="utf-8")
    stages = [{"name": "Visit", "column": None}, {"name": "Viewed", "column": "viewed", "op": "ge", "value": 1}]
    params = write_yaml(tmp_path, {"data_path": "export.csv", "stages": stages, "segment_by": ""})
    assert run_cli("validate", "kpi_funnel", "-p", str(params), cwd=tmp_path).returncode == 0
    bad_row = kpi_funnel.CHECK_SAMPLE_ROWS + 52  # spreadsheet numbering: the header is row 1
    result = run_cli("run", "kpi_funnel", "-p", str(params), "-o", str(tmp_path / "r"), "-q", cwd=tmp_path)
    assert_one_clear_message(result, 3, "'viewed'", f"row {bad_row}", "'abc'")
    assert not (tmp_path / "r").exists()

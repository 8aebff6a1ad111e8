"""The pieces of report.html and results.xlsx, without running a template."""

from __future__ import annotations

import hashlib

import openpyxl
import pandas as pd

from ecomops import report


def notebook(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def markdown(text: str, tags: tuple[str, ...] = ()) -> dict:
    return {"cell_type": "markdown", "source": text, "metadata": {"tags": list(tags)}}


def code(*outputs: dict) -> dict:
    return {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": list(outputs)}


def test_formulas_become_mathml_and_no_tex_is_left():
    page = report.markdown_to_html("The estimate $\\hat\\theta = \\bar y$ and\n\n$$\\sqrt{n}$$\n")
    assert page.count("<math") == 2 and 'display="block"' in page
    assert "$" not in page and "\\hat" not in page


def test_sections_start_at_the_first_heading_and_leave_out_the_analyst_and_printed_lines():
    cells = [
        markdown("# Title\n\nWhen to use it: run `ecomops new`.", ("analyst",)),
        code({"output_type": "stream", "name": "stdout", "text": "results written to /tmp/x"}),
        markdown("## Check the parameters", ("analyst",)),
        markdown("## 1. The funnel\n\nText with **bold**."),
        code({"output_type": "display_data", "data": {"text/html": "<table><tr><td>7</td></tr></table>"}},
             {"output_type": "stream", "name": "stdout", "text": "debug line"}),
        code({"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}}),
    ]
    page = report.build_report(notebook(*cells), "Funnel", "Where?", {"recommendation": "Fix step 2.",
                                                                   "summary": {"key_figures": []}}, {"alpha": 0.05})
    assert "When to use it" not in page and "Check the parameters" not in page
    assert "debug line" not in page and "results written" not in page
    assert page.index("Fix step 2.") < page.index("1. The funnel") < page.index("<td>7</td>")
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in page
    assert page.count("<h1>") == 1 and "<script" not in page


def test_the_data_block_gives_each_file_with_its_sha256(tmp_path):
    data = tmp_path / "orders.csv"
    data.write_bytes(b"a,b\n1,2\n")
    results = {"recommendation": "ok", "summary": {"key_figures": [{"label": "Rows", "value": "1"}],
                                                   "rows_used": 1, "date_from": "2024-01-01", "date_to": "2024-01-31"}}
    page = report.summary_html("T", "Q?", results, [data])
    assert hashlib.sha256(b"a,b\n1,2\n").hexdigest() in page
    assert "orders.csv" in page and "2024-01-01 to 2024-01-31" in page and "Rows used: 1." in page


def test_results_workbook_sheets(tmp_path):
    path = tmp_path / "results.xlsx"
    tables = {"Funnel: all/segments?": pd.DataFrame({"stage": ["a"], "count": [3]}),
              "Funnel: all/segments!": pd.DataFrame({"stage": ["b"], "count": [4]})}
    results = {"recommendation": "Do it.", "summary": {"key_figures": [{"label": "Users", "value": "3",
                                                                        "interval": "1 to 5"}]}}
    report.write_results_workbook(path, results, tables, {"alpha": 0.05, "stages": [{"name": "a"}]})
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == 4 and len(set(n.lower() for n in book.sheetnames)) == 4
    assert all(not set(n) & set("[]:*?/\\") and len(n) <= 31 for n in book.sheetnames)
    headline = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert headline[1][:2] == ("Recommendation", "Do it.") and headline[2] == ("Users", "3", "1 to 5")
    assert [c.value for c in book[book.sheetnames[1]][1]] == ["Stage", "Count"]  # labels.en.yaml
    params = {row[0]: row[1] for row in book[book.sheetnames[-1]].iter_rows(min_row=2, values_only=True)}
    assert params == {"alpha": 0.05, "stages": '[{"name": "a"}]'}

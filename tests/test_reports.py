"""The report a manager reads: every template's report.html in English and Chinese opens with the summary, ends
with the parameters and versions, loads nothing from anywhere (checked in headless Chromium with every request
other than file: blocked), and a Chinese report is Chinese; results.xlsx holds the same tables.

Each template runs once per language (module fixture), through the command line as a user runs it."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

from ecomops.playbook import TEMPLATES, get_template

pytestmark = pytest.mark.slow

LANGUAGES = ("en", "zh")
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("reports")
    folders = {}
    for template in TEMPLATES:
        for language in LANGUAGES:
            folder = out / f"{template}-{language}"
            result = run_cli("run", template, "-o", str(folder), "-q", "--lang", language, cwd=out)
            assert result.returncode == 0, result.stderr
            folders[template, language] = folder
    return folders


def visible_text(page: str, drop_parameters: bool = False) -> str:
    """The text a reader sees: no style, no formulas' MathML markup, no tags; optionally without the
    parameters table (the user's own values, written as they wrote them)."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    if drop_parameters:
        page = re.sub(r'<table class="parameters">.*?</table>', " ", page, flags=re.S)
        page = re.sub(r"<footer>.*?</footer>", " ", page, flags=re.S)
    page = re.sub(r"<(code|pre|math)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_report_opens_with_the_summary_and_ends_with_parameters_and_versions(reports, template, language):
    folder = reports[template, language]
    page = (folder / "report.html").read_text(encoding="utf-8")
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert results["language"] == language
    text = visible_text(page)
    recommendation = results["recommendation"]
    first_section = re.search(r"<h2>(?:\d+\. )?(?!Data|数据|Recommendation|建议)", page)
    assert page.index(html.escape(recommendation)) < first_section.start()
    for figure in results["summary"]["key_figures"]:
        assert html.escape(figure["label"]) in page[: first_section.start()]
    # the analyst's instructions stay in the notebook
    assert "When to use it" not in text and "ecomops new" not in text
    # the data block names each input with its sha256, computed here independently
    spec = get_template(template)
    executed = json.loads((folder / f"{template}.ipynb").read_text(encoding="utf-8"))
    injected = next("".join(c["source"]) for c in executed["cells"]
                    if "injected-parameters" in c["metadata"].get("tags", []))
    for field in spec.params.input_path_fields:
        path = Path(re.search(rf'{field} = "([^"]+)"', injected).group(1))
        assert hashlib.sha256(path.read_bytes()).hexdigest() in page
        assert path.name in text
    # the end: parameters used and versions
    tail = page[page.rindex('<table class="parameters">'):]
    for name in spec.params.model_fields:  # every parameter the run was given is listed, under its own name
        if name != "output_dir":
            assert f">{name}<" in tail, name
    for name in ("ecomops", "Python", "pandas", "statsmodels"):
        assert name in tail


@pytest.mark.parametrize("template", TEMPLATES)
def test_report_loads_nothing_from_another_host(reports, template):
    for language in LANGUAGES:
        page = (reports[template, language] / "report.html").read_text(encoding="utf-8")
        assert "<script" not in page
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
        assert "@import" not in page and "url(http" not in page
        assert re.search(r'<img [^>]*src="data:image/png;base64,', page)


def test_a_chinese_report_has_no_english_sentence(reports):
    """Four English words in a row outside code, formulas and the user's own parameter values mean an
    untranslated sentence, heading, header or label."""
    sentence = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:()]+[A-Za-z][A-Za-z'’-]*){3,}")
    for template in TEMPLATES:
        text = visible_text((reports[template, "zh"] / "report.html").read_text(encoding="utf-8"), True)
        english = sentence.findall(text)
        assert english == [], (template, english[:10])
        assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 200, template


def test_an_english_report_shows_no_name_written_as_code(reports):
    """Column headers and categories of an English report read as words ("Rows removed"), not as the short names
    of the code and results.json (``rows_removed``); only the parameters table lists parameters by their names."""
    import openpyxl

    code_name = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.)")  # not a file name in the data block
    for template in TEMPLATES:
        folder = reports[template, "en"]
        page = (folder / "report.html").read_text(encoding="utf-8")
        page = re.sub(r'<table class="parameters">.*?</table>', " ", page, flags=re.S)
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", page, re.S)]
        assert [c for c in cells if code_name.search(c)] == [], template
        book = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)
        for name in book.sheetnames[:-1]:  # the last sheet is the parameters
            header = next(book[name].iter_rows(max_row=1, values_only=True))
            assert [h for h in header if h and code_name.search(str(h))] == [], (template, name, header)


def test_results_workbook_has_the_headline_every_table_and_the_parameters(reports):
    import openpyxl

    for (template, language), folder in reports.items():
        book = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)
        names = book.sheetnames
        assert len(names) >= 3, names
        headline = [row for row in book[names[0]].iter_rows(values_only=True)]
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert headline[1][1] == results["recommendation"]
        assert [r[0] for r in headline[2:]] == [f["label"] for f in results["summary"]["key_figures"]]
        parameters = {row[0]: row[1] for row in book[names[-1]].iter_rows(min_row=2, values_only=True)}
        assert parameters["language"] == language
        if language == "zh":
            for name in names:
                first_row = next(book[name].iter_rows(max_row=1, values_only=True))
                assert any(re.search(r"[\u4e00-\u9fff]", str(h)) for h in first_row if h), (template, name, first_row)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run) for the browser tests")
        pytest.skip("BROWSER TESTS NOT RUN: /usr/bin/chromium is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.mark.browser
@pytest.mark.parametrize("template", TEMPLATES)
def test_report_renders_offline_in_a_browser(reports, browser, template):
    for language in LANGUAGES:
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        def route(request_route):
            url = request_route.request.url
            if url.startswith(("file:", "data:")):
                request_route.continue_()
            else:
                problems.append(f"request to {url}")
                request_route.abort()

        page.route("**/*", route)
        page.goto((reports[template, language] / "report.html").as_uri(), wait_until="load")
        shown = page.inner_text("body")
        assert problems == [], (template, language, problems)
        assert not re.search(r"\$[^$\s][^$]*\$|\\(?:frac|sqrt|hat|bar|alpha|sum)\b", shown), (template, language)
        assert page.locator("h1").count() == 1
        widths = page.locator("img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
        assert widths and min(widths) > 0, (template, language)  # every embedded figure decodes
        page.close()


def test_zh_figures_use_a_font_that_has_every_glyph():
    """Every figure of the templates, drawn in Chinese, uses a font with every character it shows; with the
    default (Latin) font alone the same figure would show boxes, which is what the check detects."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ecomops import experiments, i18n, plots
    from ecomops.playbook import ab_test_design, kpi_funnel

    i18n.use_language("zh")
    try:
        plots.use_house_style("zh")
        params = kpi_funnel.Params(data_path=str(ROOT / "datasets" / "online_shoppers_intention.csv"))
        overall, by_segment = kpi_funnel.funnel_tables(params.load_inputs(), params)
        design_params = ab_test_design.Params()
        figures = [
            plots.funnel_figure(by_segment),
            plots.kpi_tree_figure(kpi_funnel.kpi_tree_from_funnel(overall)),
            plots.power_curve_figure(experiments.power_curve_table(**design_params.design_arguments()), 0.8),
            plots.mde_weeks_figure(ab_test_design.mde_trade_off(design_params), 0.05, "absolute"),
        ]
        for figure in figures:
            figure.canvas.draw()
            assert plots.missing_glyphs(figure) == []
        plots.use_house_style("en")
        latin = plots.funnel_figure(overall.assign(stage=[f"第{i}步" for i in range(len(overall))]))  # Chinese names
        assert plots.missing_glyphs(latin) != []  # the check can fail: Chinese labels in a Latin font
        plt.close("all")
    finally:
        i18n.use_language("en")
        plots.use_house_style("en")

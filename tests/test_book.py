"""The book builds strictly (warnings are errors) from a clean cache, and the built site is complete and
self-contained: every chapter page is there, no page shows a traceback, no page loads anything from another host."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.slow


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc.get("parts", []))
    return files


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return out / "_build" / "html"


def test_every_toc_entry_is_a_page(site):
    for file in toc_files():
        assert (site / f"{file}.html").is_file(), file


def test_chapter_one_is_complete(site):
    chapter = site / "book" / "01-operations-foundations"
    pages = sorted(p.name for p in chapter.glob("*.html"))
    assert "index.html" in pages and len(pages) == 6
    for page in pages:
        html = (chapter / page).read_text(encoding="utf-8")
        if page != "index.html" and page != "05-process-and-team.html":
            assert html.count('class="exercise') >= 3, f"{page}: at least three exercises"
            assert "solution" in html


def test_glossary_data_cards_and_template_pages_exist(site):
    glossary = (site / "book" / "appendices" / "glossary.html").read_text(encoding="utf-8")
    assert "转化率" in glossary
    cards = (site / "book" / "appendices" / "data-cards.html").read_text(encoding="utf-8")
    assert "CC BY 4.0" in cards and "Online Shoppers" in cards
    funnel = (site / "templates" / "kpi_funnel.html").read_text(encoding="utf-8")
    assert "Focus on the step" in funnel and "<img" in funnel


def test_no_page_shows_a_traceback_or_an_error_output(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in html, page
        assert 'class="output traceback' not in html, page


def test_no_page_loads_anything_from_another_host(site):
    remote = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?(?:src|href)=["'](?:https?:)?//""", re.I)
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        hits = [m.group(0) for m in remote.finditer(html) if "rel=\"canonical\"" not in m.group(0)]
        assert hits == [], f"{page.relative_to(site)} loads {hits[:3]}"
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_search_index_has_chinese_terms(site):
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    terms = set(index["terms"])
    assert {"转化", "转化率"} & terms, "jieba should split Chinese terms into searchable words"
    assert "funnel" in terms

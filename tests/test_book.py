"""The book builds strictly (warnings are errors) from a clean cache, and the built site is complete and
self-contained: every chapter page is there, no page shows a traceback, no page loads anything from another host."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

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


CHAPTERS = sorted(p.name for p in (ROOT / "book").glob("[0-9][0-9]-*") if p.is_dir())


def test_chapters_one_and_three_are_there():
    assert {"01-operations-foundations", "03-platform-building"} <= set(CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_is_complete(site, chapter):
    """An index and five sections; every section has learning objectives, common mistakes and at least three
    exercises with solutions."""
    folder = site / "book" / chapter
    pages = sorted(p.name for p in folder.glob("*.html"))
    assert "index.html" in pages and len(pages) == 6, pages
    for page in pages:
        if page == "index.html":
            continue
        html = (folder / page).read_text(encoding="utf-8")
        assert html.count('class="exercise') >= 3, f"{page}: at least three exercises"
        assert html.count('class="solution') >= 3 and "dropdown" in html, f"{page}: hidden solutions"
        assert "Learning objectives" in html and "Common mistakes" in html, page


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


LINK = re.compile(r"""<(?:a|link|img|script)\b[^>]*?\b(?:href|src)=["']([^"']+)["']""", re.I)
ANCHOR = re.compile(r"""\bid=["']([^"']+)["']""")


def broken_internal_links(site: Path) -> list[str]:
    """Every link or anchor between pages of the built site that leads nowhere: ``page -> target``."""
    anchors: dict[Path, set[str]] = {}
    broken = []
    pages = [page for page in site.rglob("*.html") if "_static" not in page.relative_to(site).parts]  # theme macros
    for page in sorted(pages):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            parts = urlsplit(unescape(target))
            if parts.scheme or parts.netloc or target.startswith(("mailto:", "javascript:", "data:")):
                continue
            file = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                broken.append(f"{page.relative_to(site)} -> {target}")
            elif parts.fragment and file.suffix == ".html":
                if file not in anchors:
                    anchors[file] = set(ANCHOR.findall(file.read_text(encoding="utf-8")))
                if unquote(parts.fragment) not in anchors[file]:
                    broken.append(f"{page.relative_to(site)} -> {target}")
    return broken


def test_no_internal_link_or_anchor_is_broken(site):
    assert broken_internal_links(site) == []


def test_the_link_check_finds_a_broken_link_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#here">b</a> <a href="b.html#gone">x</a> <a href="c.html">c</a>'
                                     ' <a href="https://example.org/">out</a> <a href="#top">top</a> <p id="top"></p>')
    (tmp_path / "b.html").write_text('<h1 id="here">B</h1>')
    assert broken_internal_links(tmp_path) == ["a.html -> b.html#gone", "a.html -> c.html"]


def test_every_executed_page_offers_its_notebook_and_every_data_set_is_downloadable(site):
    import nbformat

    from ecomops.data import DATASETS

    executed = [name for name in toc_files() if name.startswith("templates/")
                or "{code-cell}" in (ROOT / f"{name}.md").read_text(encoding="utf-8")]
    assert len(executed) >= 15
    for name in executed:
        page = (site / name).with_suffix(".html")
        notebook = f"_sources/{name}.ipynb"
        assert notebook in page.read_text(encoding="utf-8"), f"{name} offers no .ipynb download"
        assert nbformat.validate(nbformat.read(site / notebook, as_version=4)) is None
    cards = (site / "book" / "appendices" / "data-cards.html").read_text(encoding="utf-8")
    for dataset in DATASETS.values():
        link = f"_downloads/datasets/{dataset.filename}"
        assert f'href="../../{link}"' in cards, dataset.filename
        assert (site / link).read_bytes() == dataset.path.read_bytes()


def test_the_build_status_page_lists_every_executed_page_and_the_versions(site):
    status = (site / "book" / "appendices" / "build-status.html").read_text(encoding="utf-8")
    for name in ("jupyter-book", "myst-nb", "statsmodels", "04-data-analysis-and-funnels", "kpi_funnel"):
        assert name in status, name
    assert "Traceback" not in status and status.count("<tr") > 10


def search_index(site: Path) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


GLOSSARY_PAGE = "book/appendices/glossary"


def article(site: Path, name: str) -> str:
    """The main text of a built page (without the head, whose keywords repeat the page's Chinese terms)."""
    html = (site / f"{name}.html").read_text(encoding="utf-8")
    return html[html.index("<article"):]


TERM_LINK = re.compile(r"""href=["'][^"']*glossary\.html#([^"']+)["']""")


def teaching_pages(site: Path) -> dict[str, set[str]]:
    """The pages that teach each glossary term (by its Chinese line): every page but the glossary that links it."""
    from test_glossary import ENTRIES

    chinese = {name.lower(): entry["chinese"] for entry in ENTRIES for name in (entry["english"], entry["chinese"])}
    index = search_index(site)
    glossary = index["docnames"].index(GLOSSARY_PAGE)
    anchors = {anchor: chinese[name] for name, places in index["indexentries"].items()  # each term is an index entry
               for doc, anchor, _ in places if doc == glossary and name in chinese}
    pages: dict[str, set[str]] = {entry["chinese"]: set() for entry in ENTRIES}
    for name in toc_files():
        if name != GLOSSARY_PAGE:
            for anchor in TERM_LINK.findall(article(site, name)):
                pages[anchors[unquote(anchor)]].add(name)
    return pages


def test_search_index_has_chinese_terms(site):
    terms = search_index(site)["terms"]
    assert "转化率" in terms and "funnel" in terms, "jieba should index Chinese terms whole, next to English words"


def test_every_page_that_teaches_a_term_shows_and_indexes_its_chinese(site):
    """Each page that links a glossary term shows the term's Chinese words and is indexed under them."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from glossary_zh import CJK, WORD, search_words

    index = search_index(site)
    teaching = teaching_pages(site)
    assert [term for term, pages in teaching.items() if not pages] == []
    assert "book/01-operations-foundations/04-data-analysis-and-funnels" in teaching["转化率"]
    assert "book/06-risk-control/02-data-security-and-privacy" in teaching["预期损失"]
    missing = []
    for term, pages in teaching.items():
        for name in sorted(pages):
            text = article(site, name)
            number = index["docnames"].index(name)
            for word in filter(CJK.search, WORD.findall(term)):
                if word not in text:
                    missing.append(f"{name} does not show {word}")
            for word in filter(CJK.search, search_words(term)):
                found = [index[kind].get(word, []) for kind in ("terms", "titleterms")]  # a title's words: titleterms
                if number not in {doc for docs in found for doc in (docs if isinstance(docs, list) else [docs])}:
                    missing.append(f"{name} is not indexed under {word}")
    assert missing == []


# --- the printed handbook (scripts/build_pdf.py: the single-page build printed by Chromium) ------------------


@pytest.fixture(scope="module")
def handbook(site) -> dict:
    """The PDF printed into the site's build folder (so the execution cache is reused): its text, its image count
    and the script's output; ``normalise`` makes a string comparable with the text.

    Chromium's text layer gives each glyph the lowest code point the font maps to it: where Noto Sans CJK SC draws
    风 and the radical ⻛ with one glyph, the PDF's text says ⻛. ``normalise`` folds every character the same way
    (read from the font's own cmap), then applies NFKC (ligatures and Kangxi radicals become letters) and drops
    white space (line breaks)."""
    import unicodedata

    from fontTools.ttLib import TTCollection
    from pypdf import PdfReader

    if not CHROMIUM.is_file():
        pytest.skip("HANDBOOK NOT PRINTED: /usr/bin/chromium is missing (apt-get install chromium)")
    out = site.parent.parent
    pdf = out / "handbook.pdf"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pdf.py"), "--path-output", str(out),
                             "-o", str(pdf)], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    reader = PdfReader(pdf)
    text = "".join(page.extract_text() for page in reader.pages)
    font = subprocess.run(["fc-match", "-f", "%{file}:%{index}", "Noto Sans CJK SC"], capture_output=True, text=True)
    path, index = font.stdout.rsplit(":", 1)
    cmap = TTCollection(path, lazy=True)[int(index)].getBestCmap()
    lowest: dict[str, int] = {}
    for code in sorted(cmap):
        lowest.setdefault(cmap[code], code)
    fold = {code: lowest[glyph] for code, glyph in cmap.items()}

    def normalise(value: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value.translate(fold)))

    def images(resources) -> int:
        count = 0
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                count += 1
            elif xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                count += images(xobject["/Resources"].get_object())
        return count

    return {"text": normalise(text), "raw_text": text, "normalise": normalise, "output": result.stdout,
            "images": sum(images(page["/Resources"].get_object()) for page in reader.pages),
            "executed": (result.stdout + result.stderr).count("Executing notebook")}


def test_the_handbook_reuses_the_execution_cache_and_sets_chinese_in_noto_cjk(handbook):
    assert handbook["executed"] == 0
    assert re.search(r"Chinese set in [^:]*Noto (?:Sans|Serif) CJK", handbook["output"]), handbook["output"][-500:]


def test_the_handbook_has_every_chapter_title_and_chinese_glossary_terms(handbook):
    from test_glossary import glossary_entries

    titles = [next(line[2:] for line in (ROOT / "book" / chapter / "index.md").read_text(encoding="utf-8")
                   .splitlines() if line.startswith("# ")) for chapter in CHAPTERS]
    assert len(titles) == 8
    missing = [title for title in titles if handbook["normalise"](title) not in handbook["text"]]
    assert missing == []
    entries = glossary_entries((ROOT / "book" / "appendices" / "glossary.md").read_text(encoding="utf-8"))
    chinese = [entry["chinese"] for entry in entries if entry["chinese"]]
    assert len(chinese) >= 100
    assert [term for term in chinese if handbook["normalise"](term) not in handbook["text"]] == []


def test_the_handbook_has_no_raw_tex_and_keeps_figures_and_tables(handbook, site):
    from ecomops.data import DATASETS

    raw = re.findall(r".{0,30}(?:\$[^$\n]{1,60}\$|\\frac|\\\(|\\\)|\\text\{).{0,30}", handbook["raw_text"])
    assert raw == [], raw[:5]
    assert handbook["images"] >= len(list((site / "_images").iterdir())) > 40
    assert [name for name in (d.filename for d in DATASETS.values()) if name not in handbook["text"]] == []  # a table


# --- the built site in a real browser (headless Chromium driven by Playwright) ------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser_page(site):
    """A Chromium page on the built site served from 127.0.0.1; records console errors and off-host requests."""
    import functools
    import http.server
    import os
    import threading

    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run) for the browser tests")
        pytest.skip("BROWSER TESTS NOT RUN: /usr/bin/chromium is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a page's thirty files come over a few connections

        def log_message(self, *args):  # quiet
            pass

    handler = functools.partial(Handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page()
        page.console_errors = []
        page.off_host = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))

        def route(request_route):
            url = request_route.request.url
            if url.startswith(base) or url.startswith("data:") or url.startswith("blob:"):
                request_route.continue_()
            else:
                page.off_host.append(url)
                request_route.abort()

        page.route("**/*", route)
        page.base = base
        yield page
        browser.close()
    server.shutdown()


@pytest.mark.browser
def test_pages_render_without_console_errors_or_off_host_requests(browser_page):
    for path in ["book/intro.html", "book/01-operations-foundations/04-data-analysis-and-funnels.html",
                 "templates/kpi_funnel.html", "book/appendices/glossary.html"]:
        browser_page.goto(f"{browser_page.base}/{path}", wait_until="networkidle")
        assert browser_page.locator("article h1").count() == 1, path
        assert browser_page.locator("main img, article img").count() >= (1 if "kpi_funnel" in path else 0)
    browser_page.goto(f"{browser_page.base}/book/01-operations-foundations/01-what-is-ecommerce-operations.html",
                      wait_until="networkidle")
    browser_page.wait_for_selector("mjx-container", timeout=15_000)  # formulas typeset by the bundled MathJax
    assert browser_page.console_errors == []
    assert browser_page.off_host == []


@pytest.mark.browser
def test_navigation_from_the_home_page_reaches_chapter_one(browser_page):
    browser_page.goto(f"{browser_page.base}/index.html", wait_until="networkidle")
    browser_page.locator("nav.bd-links a", has_text="E-commerce operations foundations").first.click()
    browser_page.wait_for_load_state("networkidle")
    assert "01-operations-foundations/index.html" in browser_page.url
    browser_page.locator("nav.bd-links a", has_text="1.4 Data analysis").first.click()
    browser_page.wait_for_load_state("networkidle")
    assert "04-data-analysis-and-funnels" in browser_page.url
    assert "1.4 Data analysis" in browser_page.locator("article h1").inner_text()
    browser_page.locator("a.right-next").first.click()
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.url.endswith("templates/kpi_funnel.html")


@pytest.mark.browser
@pytest.mark.parametrize(("query", "expected_page"), [
    ("漏斗", "04-data-analysis-and-funnels"), ("转化率", "04-data-analysis-and-funnels"),
    ("转化率", "glossary"), ("safety stock", "03-listing-and-inventory")])
def test_search_finds_english_and_chinese_terms_and_lists_each_page_once(browser_page, query, expected_page):
    browser_page.goto(f"{browser_page.base}/search.html?q={query}", wait_until="load")
    browser_page.wait_for_function("() => Search.status && Search.status.innerText !== ''", timeout=20_000)
    links = browser_page.locator("#search-results ul.search li a").evaluate_all("els => els.map(e => e.href)")
    assert any(expected_page in link for link in links), links
    pages = [link.split("#")[0] for link in links]
    assert len(pages) == len(set(pages)), f"a page is listed twice: {links}"


@pytest.mark.browser
def test_searching_each_glossary_term_in_chinese_finds_every_page_that_teaches_it(browser_page, site):
    """Sphinx's own search code, on the built search page, for the Chinese line of every glossary entry."""
    teaching = teaching_pages(site)
    browser_page.goto(f"{browser_page.base}/search.html", wait_until="load")
    browser_page.wait_for_function("() => Search.hasIndex()", timeout=20_000)
    found = browser_page.evaluate("""queries => Object.fromEntries(queries.map(query => [query,
        Search._performSearch(...Search._parseQuery(query)).map(result => result[0])]))""", sorted(teaching))
    missed = {term: sorted(pages - set(found[term])) for term, pages in teaching.items() if pages - set(found[term])}
    assert missed == {}, f"search for the Chinese term misses these pages: {missed}"
    twice = {term: docs for term, docs in found.items() if len(docs) != len(set(docs))}
    assert twice == {}, f"a page is found twice: {twice}"


def artifacts_folder() -> Path:
    """Where the browser tests save screenshots: $ECOMOPS_ARTIFACTS, by default test-artifacts/ in the repository."""
    import os

    folder = Path(os.environ.get("ECOMOPS_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.browser
def test_every_page_opens_without_a_console_error_or_a_failed_request(browser_page):
    """Every page of the table of contents, in one browser page; the home page and each chapter are screenshotted."""
    page, base = browser_page, browser_page.base
    failed: list[str] = []

    def on_failed(request):  # ERR_ABORTED: a late font load cut short by going to the next page (a 404 is a response)
        if request.url.startswith(base) and request.failure != "net::ERR_ABORTED":
            failed.append(f"{request.url}: {request.failure}")

    def on_response(response):
        if response.url.startswith(base) and response.status >= 400:
            failed.append(f"{response.url}: HTTP {response.status}")

    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    folder, pages = artifacts_folder(), toc_files()
    errors, shots = [], []
    try:
        for name in pages:
            seen = len(page.console_errors)
            page.goto(f"{base}/{name}.html", wait_until="load")
            errors += [f"{name}: {error}" for error in page.console_errors[seen:]]
            if name == pages[0] or re.fullmatch(r"book/\d\d-[^/]+/index", name):
                shots.append("home" if name == pages[0] else name.split("/")[1])
                page.screenshot(path=str(folder / f"{shots[-1]}.png"))
    finally:
        page.remove_listener("requestfailed", on_failed)
        page.remove_listener("response", on_response)
    assert failed == []
    assert errors == []
    assert shots == ["home", *CHAPTERS] and all((folder / f"{shot}.png").stat().st_size > 0 for shot in shots)

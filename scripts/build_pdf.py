"""Print the course as one PDF handbook: the book on a single HTML page, printed by the system Chromium.

    python scripts/build_pdf.py                   # -> _build/pdf/ecommerce-operations-playbook.pdf
    python scripts/build_pdf.py --edition student # every solution removed -> ...-student.pdf

The single page is built by Jupyter Book's ``singlehtml`` builder into the same output folder as the site
(``--path-output``, default the book's root as for ``jupyter-book build .``), so the execution cache of an earlier
HTML build is reused and no notebook runs again. The page is served from 127.0.0.1 and opened in headless Chromium
(``/usr/bin/chromium``, driven by Playwright); once MathJax has typeset every formula and every image has loaded,
Chromium prints it on A4 with page numbers and an outline (bookmarks) of the chapters and sections, using the print
rules of ``book/_static/print.css`` (no sidebars, buttons or navigation; solutions shown open; tables, code and
figures kept within the page). Chinese text is set in the system's Noto CJK fonts (Debian: ``fonts-noto-cjk``).
The PDF is written to a temporary file and renamed when complete, so an earlier handbook is never left
half-written.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_edition import EDITIONS, ROOT, build  # noqa: E402

from ecomops.playbook.base import write_atomically  # noqa: E402  (a temporary file, renamed when complete)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PDF_NAME = "ecommerce-operations-playbook"
TYPESET_TIMEOUT_MS = 180_000
FOOTER = ('<div style="width:100%; font-size:8px; color:#555; padding:0 14mm; display:flex;'
          ' justify-content:space-between; font-family:sans-serif"><span>E-commerce Operations Playbook ·'
          ' 电商运营与市场拓展实战手册</span><span><span class="pageNumber"></span> / <span class="totalPages"></span>'
          "</span></div>")
# Open every solution and exercise toggle (they are collapsed on the site), wait for MathJax, the images and
# the fonts, mark the first Chinese paragraph for chinese_fonts(), and report what is left untypeset or unloaded.
PREPARE = """async () => {
  document.querySelectorAll('details.toggle-details, .solution details, .exercise details')
    .forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('img').forEach(img => { img.loading = 'eager'; });
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await Promise.all([...document.images].map(img => img.complete ? null :
    new Promise(done => { img.onload = img.onerror = done; })));
  await document.fonts.ready;
  const chinese = [...document.querySelectorAll('article p, article td')].find(e => /[\u4e00-\u9fff]/.test(e.textContent));
  if (chinese) { chinese.setAttribute('data-chinese-probe', ''); }
  const raw = [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'));
  return {formulas: document.querySelectorAll('mjx-container').length, untypeset: raw.length,
          sample: raw.slice(0, 3).map(e => e.textContent.slice(0, 80)),
          broken_images: [...document.images].filter(img => !img.naturalWidth).map(img => img.src).slice(0, 5)};
}"""


class PrintError(RuntimeError):
    """The single page could not be printed as it should (missing Chromium, formulas left untypeset, …)."""


def handbook_page(site: Path) -> Path:
    """The whole book as ``handbook.html`` at the root of the ``singlehtml`` folder ``site``.

    The builder writes the page under the root document's name (``book/intro.html``) while its links to
    ``_static/`` and ``_images/`` are relative to the folder's root, so the page only works from there; its links
    to its own sections (``book/intro.html#…``) become ``#…`` so that they stay inside the PDF.
    """
    root = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    text = (site / f"{root}.html").read_text(encoding="utf-8")
    page = site / "handbook.html"
    page.write_text(text.replace(f'href="{root}.html#', 'href="#'), encoding="utf-8")
    return page


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no line per request
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free port of 127.0.0.1 for the duration of the block; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def chinese_fonts(page) -> list[str]:
    """The system fonts Chromium actually draws the page's first Chinese paragraph with (``PREPARE`` marks it)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-chinese-probe]"})["nodeId"]
    if not node:
        return []
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [font["familyName"] for font in fonts]


def print_pdf(site: Path, target: Path, chromium: Path = CHROMIUM) -> dict:
    """Print the single-page book in ``site`` (a ``singlehtml`` build) to ``target`` as an A4 PDF.

    Parameters
    ----------
    site : Path
        The ``singlehtml`` output folder (holding ``index.html`` and ``_static/``).
    target : Path
        The PDF to write; written to a temporary file in the same folder and renamed when complete.
    chromium : Path
        The Chromium executable Playwright drives.

    Returns
    -------
    dict
        ``formulas``: how many formulas MathJax typeset; ``chinese_fonts``: the fonts of the first Chinese
        paragraph (``untypeset`` and ``broken_images`` are empty).

    Raises
    ------
    PrintError
        When Chromium is missing or fails, a formula is left as raw TeX, or an image does not load.
    """
    if not chromium.is_file():
        raise PrintError(f"{chromium} is missing: install Chromium (Debian: apt-get install chromium)")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    options = {"format": "A4", "print_background": True, "outline": True, "tagged": True,
               "display_header_footer": True, "header_template": "<span></span>", "footer_template": FOOTER,
               "margin": {"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}}
    try:
        with serve(site) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_default_timeout(TYPESET_TIMEOUT_MS)
                page.goto(f"{base}/{handbook_page(site).name}", wait_until="networkidle")
                page.emulate_media(media="print")
                state = page.evaluate(PREPARE)
                if state["untypeset"]:
                    raise PrintError(f"{state['untypeset']} formulas were not typeset by MathJax, e.g. "
                                     f"{state['sample']}")
                if state["broken_images"]:
                    raise PrintError(f"images did not load: {state['broken_images']}")
                state["chinese_fonts"] = chinese_fonts(page)
                if not any("CJK" in name for name in state["chinese_fonts"]):
                    raise PrintError(f"Chinese text is set in {state['chinese_fonts'] or 'no font'}, not a Noto CJK "
                                     "font: install one (Debian: apt-get install fonts-noto-cjk)")
                write_atomically(target, lambda partial: page.pdf(path=partial, **options))
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PrintError(f"Chromium could not print {site}: {exc.message.splitlines()[0]}") from exc
    return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", choices=EDITIONS, default="full",
                        help="full (default): with solutions; student: every solution removed")
    parser.add_argument("--path-output", type=Path, default=None,
                        help="the build folder (default: the book's root for the full edition, as for "
                             "`jupyter-book build .`, and _build/student for the student edition)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help=f"the PDF (default _build/pdf/{PDF_NAME}.pdf, or {PDF_NAME}-student.pdf)")
    args = parser.parse_args(argv)
    out = args.path_output or (ROOT if args.edition == "full" else ROOT / "_build" / args.edition)
    suffix = "" if args.edition == "full" else f"-{args.edition}"
    target = (args.output or ROOT / "_build" / "pdf" / f"{PDF_NAME}{suffix}.pdf").resolve()
    code = build(args.edition, out, builder="singlehtml")
    if code != 0:
        print(f"the single-page build failed (exit code {code}); see the messages above", file=sys.stderr)
        return code
    try:
        state = print_pdf(out / "_build" / "singlehtml", target)
    except PrintError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.edition} handbook ({state['formulas']} formulas typeset; Chinese set in "
          f"{', '.join(state['chinese_fonts'])}): {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Serve MathJax from the built site itself, so pages render formulas on an intranet with no internet.

Sphinx loads MathJax from a CDN by default. This extension points ``mathjax_path`` at ``_static/mathjax`` and, after
an HTML build, copies the MathJax 3 browser bundle that the ``django-static-mathjax`` wheel ships (no Django needed)
into that folder.
"""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

from sphinx.application import Sphinx

BUNDLE = "mathjax/static/mathjax/es5"
ENTRY_SCRIPT = "mathjax/tex-chtml.js"
SKIPPED = shutil.ignore_patterns("sre", "*full*", "*svg*", "node-main.js", "*.map")


def bundle_folder() -> Path:
    """Folder of the installed MathJax es5 bundle."""
    folder = Path(metadata.distribution("django-static-mathjax").locate_file(BUNDLE))
    if not (folder / "tex-chtml.js").is_file():
        raise FileNotFoundError(f"MathJax bundle not found at {folder}; run: pip install -r requirements.txt")
    return folder


def _copy_bundle(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        shutil.copytree(bundle_folder(), Path(app.outdir) / "_static" / "mathjax", ignore=SKIPPED, dirs_exist_ok=True)


def setup(app: Sphinx) -> dict:
    app.config.mathjax_path = ENTRY_SCRIPT
    app.connect("build-finished", _copy_bundle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

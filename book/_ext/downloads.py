"""Downloads for learners without internet: every executed page's notebook and every data set.

* A chapter page written as a MyST notebook (``.md``) is executed by myst-nb into ``jupyter_execute/``; that
  executed notebook is copied to ``_sources/<page>.ipynb`` and offered by the theme's download button as
  ``.ipynb`` (the theme itself does this only when a launch service is configured). Template pages are notebooks
  already and offer their ``.ipynb`` source.
* Every data set of ``ecomops.data.DATASETS`` is copied to ``_downloads/datasets/``; the directive
  ``{dataset-downloads}`` (used by the data cards appendix) renders a table linking each file, so a page's data
  can be fetched from the same site.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

DATASETS_FOLDER = "_downloads/datasets"


def _offer_executed_notebook(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is None or not str(context.get("sourcename", "")).endswith((".md", ".md.txt")):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _copy_datasets(app, exception: Exception | None) -> None:
    if exception is not None:
        return
    from ecomops.data import DATASETS

    folder = Path(app.outdir) / DATASETS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for dataset in DATASETS.values():
        shutil.copy2(dataset.path, folder / dataset.filename)


def dataset_links(relative_root: str) -> str:
    """An HTML table linking every shipped data set, for a page ``relative_root`` (e.g. ``../..``) below the
    site's root."""
    from ecomops.data import DATASETS

    rows = []
    for name in sorted(DATASETS):
        dataset = DATASETS[name]
        file = html.escape(dataset.filename)
        rows.append(f'<tr><td><a href="{relative_root}/{DATASETS_FOLDER}/{file}" download>{file}</a></td>'
                    f"<td>{html.escape(dataset.title)}</td><td>{html.escape(dataset.licence)}</td></tr>")
    return ('<table class="table"><thead><tr><th>file</th><th>data set</th><th>licence</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


class DatasetDownloads(SphinxDirective):
    """``{dataset-downloads}``: the table of :func:`dataset_links` for the page it is on."""

    def run(self) -> list[nodes.Node]:
        depth = self.env.docname.count("/")
        return [nodes.raw("", dataset_links("/".join([".."] * depth) or "."), format="html")]


def setup(app) -> dict:
    app.add_directive("dataset-downloads", DatasetDownloads)
    app.connect("html-page-context", _offer_executed_notebook, priority=500)  # before the theme's buttons (501)
    app.connect("build-finished", _copy_datasets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""``report.html``: one self-contained page a manager reads, summary first, in the run's language.

The page is built from the executed notebook and its ``results.json``:

1. the title and the question the template answers;
2. the data: each input file's name, the rows used, the date range and the file's SHA-256;
3. the headline: the recommendation and the key figures with their intervals (``results.json``'s ``summary``);
4. the sections of the notebook (from its first ``##`` heading on), their text and outputs, without code, the
   opening "when to use it / how to run it" cell or anything the notebook printed for the analyst;
5. the parameters used and the versions of the software, so that a result can be reproduced.

It loads nothing from anywhere: the style is inline, figures are embedded as data URIs, and formulas are
converted to MathML (which browsers draw without a script). Chinese text uses the reader's installed CJK fonts.
"""

from __future__ import annotations

import hashlib
import html
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping, Sequence

from .i18n import tr

__all__ = ["build_report", "summary_html", "file_sha256", "software_versions", "markdown_to_html", "write_results_workbook",
           "RESULTS_WORKBOOK"]

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",
"PingFang SC","SimHei",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1.2rem;color:#1f2933;line-height:1.55}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #d9dee3}
.question{font-size:1.1rem;color:#52606d;margin-top:0}
.headline{background:#f0f4f8;border-left:.35rem solid #2f6690;padding:.8rem 1.1rem;margin:1rem 0}
.headline p{margin:.3rem 0 .7rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #d9dee3;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f5f7fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto}code{font-size:.9em;background:#f5f7fa;padding:0 .2em}
blockquote{border-left:.25rem solid #9fb3c8;margin:.6rem 0;padding:.1rem .9rem;color:#334e68}
footer{margin-top:2.5rem;font-size:.85rem;color:#52606d}
"""

_SECTION = re.compile(r"^\s*##\s")


def file_sha256(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """The SHA-256 of a file, read in chunks (hex digits)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def software_versions() -> dict[str, str]:
    """Versions of ecomops, Python and the libraries whose methods the numbers come from."""
    versions = {"ecomops": _version("ecomops"), "Python": platform.python_version()}
    for name in ("pandas", "numpy", "scipy", "statsmodels", "duckdb"):
        versions[name] = _version(name)
    return versions


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _math_to_mathml(tex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    return convert(tex, display="block" if display else "inline")


def markdown_to_html(text: str) -> str:
    """Markdown (CommonMark with tables and ``$…$`` / ``$$…$$`` formulas) as HTML, formulas as MathML."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    md.add_render_rule("math_inline", lambda self, tokens, idx, options, env: _math_to_mathml(tokens[idx].content, False))
    md.add_render_rule("math_block", lambda self, tokens, idx, options, env: _math_to_mathml(tokens[idx].content, True))
    md.add_render_rule("math_inline_double",
                       lambda self, tokens, idx, options, env: _math_to_mathml(tokens[idx].content, True))
    return md.render(text)


def _output_html(output: Mapping[str, Any]) -> str:
    """One code-cell output as HTML: a figure, a table, Markdown text; plain text only as a last resort."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return ""  # printed lines (stdout) are for the analyst; errors stop the run before a report exists
    data = output.get("data", {})
    if "image/png" in data:
        return f'<figure><img alt="figure" src="data:image/png;base64,{"".join(data["image/png"]).strip()}"/></figure>'
    if "text/html" in data:
        return "".join(data["text/html"])
    if "text/markdown" in data:
        return markdown_to_html("".join(data["text/markdown"]))
    if "text/plain" in data:
        text = "".join(data["text/plain"])
        return "" if text.startswith("<Figure") else f"<pre>{html.escape(text)}</pre>"
    return ""


def _sections(cells: Sequence[Mapping[str, Any]]) -> str:
    """The notebook from its first section heading on, without cells tagged ``analyst``: markdown cells
    rendered, code cells' outputs only."""
    parts: list[str] = []
    started = False
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if "analyst" in cell.get("metadata", {}).get("tags", []):
            continue  # the analyst's instructions (when to use it, how to run it) stay in the notebook
        if cell.get("cell_type") == "markdown":
            started = started or bool(_SECTION.match(source))
            if started:
                parts.append(markdown_to_html(source))
        elif started and cell.get("cell_type") == "code":
            parts += [_output_html(output) for output in cell.get("outputs", [])]
    return "\n".join(p for p in parts if p)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], css_class: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    opening = f'<table class="{css_class}">' if css_class else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _data_block(summary: Mapping[str, Any], inputs: Sequence[Path]) -> str:
    rows = []
    for path in inputs:
        rows.append((path.name, file_sha256(path)))
    used = summary.get("rows_used")
    lines = []
    if used is not None:
        lines.append(tr("Rows used: {rows:,}.", rows=int(used)))
    if summary.get("date_from") and summary.get("date_to"):
        lines.append(tr("Dates: {start} to {end}.", start=summary["date_from"], end=summary["date_to"]))
    if not inputs:
        lines.append(tr("No data file: the inputs are the parameters below."))
    table = _table([tr("File"), tr("SHA-256")], rows) if rows else ""
    return f"<h2>{html.escape(tr('Data'))}</h2>{table}<p>{html.escape(' '.join(lines))}</p>"


def _headline(recommendation: str, summary: Mapping[str, Any]) -> str:
    figures = summary.get("key_figures", [])
    rows = [(f["label"], f["value"], f.get("interval") or "") for f in figures]
    table = _table([tr("Key figure"), tr("Value"), tr("Interval")], rows) if rows else ""
    return (f'<section class="headline"><h2>{html.escape(tr("Recommendation"))}</h2>'
            f"<p>{html.escape(recommendation)}</p>{table}</section>")


def _value_text(value: Any) -> str:
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def summary_html(
    title: str, question: str, results: Mapping[str, Any], inputs: Sequence[Path] = (), title_tag: str = "h1"
) -> str:
    """The report's first screen: title, question, the data block and the headline (HTML fragment).
    ``title_tag`` is the title's element (``strong`` where the fragment sits inside another page)."""
    summary = results.get("summary", {})
    return "\n".join([
        f"<header><{title_tag}>{html.escape(title)}</{title_tag}><p class=\"question\">{html.escape(question)}</p>"
        "</header>",
        _data_block(summary, inputs),
        _headline(str(results.get("recommendation", "")), summary),
    ])


def build_report(
    notebook: Mapping[str, Any],
    title: str,
    question: str,
    results: Mapping[str, Any],
    parameters: Mapping[str, Any],
    inputs: Sequence[Path] = (),
    language: str = "en",
) -> str:
    """The HTML text of ``report.html``.

    Parameters
    ----------
    notebook : mapping
        The executed notebook (nbformat 4, as a dict).
    title, question : str
        The template's title and question, already in the report's language.
    results : mapping
        The run's ``results.json`` content: its ``recommendation`` and ``summary`` open the report.
    parameters : mapping
        The parameters used (shown in a table at the end).
    inputs : sequence of Path
        The input files, named with their SHA-256 in the data block.
    language : str
        ``en`` or ``zh``: the page's ``lang`` attribute.
    """
    body = "\n".join([
        summary_html(title, question, results, inputs),
        _sections(notebook.get("cells", [])),
        f"<h2>{html.escape(tr('Parameters used'))}</h2>",
        _table([tr("Parameter"), tr("Value")], [(k, _value_text(v)) for k, v in parameters.items()], "parameters"),
        f"<footer><p>{html.escape(tr('Software'))}: "
        + html.escape(", ".join(f"{k} {v}" for k, v in software_versions().items())) + "</p></footer>",
    ])
    lang = "zh-Hans" if language == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"/>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n")


RESULTS_WORKBOOK = "results.xlsx"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    base = _SHEET_FORBIDDEN.sub(" ", name).strip()[:31] or "Sheet"
    candidate, k = base, 2
    while candidate.lower() in taken:
        candidate = f"{base[:28]} {k}"
        k += 1
    taken.add(candidate.lower())
    return candidate


def _plain_table(table: Any) -> Any:
    """A DataFrame of what a report table shows: a Styler's data without hidden columns, headers and text
    categories translated."""
    import pandas as pd

    from .i18n import translate_label

    frame = getattr(table, "data", table)
    frame = frame.reset_index(drop=True) if getattr(frame.index, "name", None) is None else frame.reset_index()
    frame = frame.rename(columns=lambda c: translate_label(str(c)))
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):  # text (object or str dtype)
            frame[column] = frame[column].map(
                lambda v: translate_label(v) if isinstance(v, str) else (_value_text(v) if isinstance(v, (list, tuple, dict)) else v))
    return frame


def write_results_workbook(
    path: str | Path, results: Mapping[str, Any], tables: Mapping[str, Any], parameters: Mapping[str, Any]
) -> None:
    """Write ``results.xlsx``: the headline, one sheet per table (same headers as the report) and the
    parameters, every label in the run's language.

    Parameters
    ----------
    path : str or Path
        The file to write (the caller makes the write atomic).
    results : mapping
        ``results.json`` content (its ``recommendation`` and ``summary``).
    tables : mapping
        Sheet title (English, translated here) → DataFrame or pandas Styler.
    parameters : mapping
        The parameters used.
    """
    import pandas as pd

    taken: set[str] = set()
    figures = results.get("summary", {}).get("key_figures", [])
    headline = pd.DataFrame(
        [(tr("Recommendation"), results.get("recommendation", ""), "")]
        + [(f["label"], f["value"], f.get("interval") or "") for f in figures],
        columns=[tr("Key figure"), tr("Value"), tr("Interval")],
    )
    params_table = pd.DataFrame([(k, _value_text(v) if isinstance(v, (list, dict)) else v)
                                 for k, v in parameters.items()],
                                columns=[tr("Parameter"), tr("Value")])
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        sheets = [(tr("Headline"), headline), *((tr(title), _plain_table(t)) for title, t in tables.items()),
                  (tr("Parameters used"), params_table)]
        for title, frame in sheets:
            name = _sheet_name(title, taken)
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for column in sheet.columns:
                width = max(len(str(cell.value or "")) for cell in column[:200])
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))

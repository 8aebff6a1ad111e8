"""No block of code is written twice: across book pages, template notebooks and the ``ecomops`` package.

Duplicate-code checkers for Python read ``.py`` files only, so this test extracts the code itself: the MyST
``{code-cell}`` blocks of every page in ``book/``, the code cells of every notebook in ``templates/`` and every
module of ``ecomops/``. Each line is normalised: surrounding white space is removed, and what is not logic is
dropped, as pylint's duplicate-code check does by default: blank lines, comments, docstrings, import statements
and the signature lines of a ``def`` (shared keyword parameters are not shared logic), and also lines without a
letter or digit, such as a lone ``)``. The test fails when the same run of at least ``MIN_LINES`` consecutive
normalised lines appears

* in two different pages or notebooks,
* in a page or notebook and in the package, or
* twice in the package (in two modules, or twice in one module),

naming both places with their line numbers. A page that needs the logic of another page, or of the package,
imports a package function instead (README: "calls ecomops functions rather than defining its own").
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

import pytest

from conftest import ROOT, TEMPLATES

MIN_LINES = 6

PAGE, NOTEBOOK, PACKAGE = "page", "notebook", "package"


@dataclass
class Source:
    """The normalised code lines of one file, each with the place it came from (for messages)."""

    name: str
    kind: str  # PAGE, NOTEBOOK or PACKAGE
    lines: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # "line 12" or "cell 3, line 4", one per normalised line


# ----------------------------------------------------------------------------------------------- normalising


CODE_CELL_OPEN = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")


def _not_logic(code: str) -> set[int]:
    """0-based numbers of the lines of ``code`` that hold imports, docstrings or ``def`` signatures.

    Code that does not parse (an IPython magic, say) gets no exclusions beyond those of :func:`_normalised`.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    skip: set[int] = set()

    def span(first: int, last: int) -> None:
        skip.update(range(first - 1, last))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            span(node.lineno, node.end_lineno)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                span(first.lineno, first.end_lineno)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body[0].lineno > node.lineno:
            span(node.lineno, node.body[0].lineno - 1)  # from ``def`` to the line before the body
    return skip


def _normalised(raw_lines: list[str]) -> list[tuple[int, str]]:
    """(index into raw_lines, normalised text) for the lines that carry logic."""
    skip = _not_logic("\n".join(raw_lines))
    kept = []
    for number, raw in enumerate(raw_lines):
        line = raw.strip()
        if number in skip or not line or line.startswith("#") or not re.search(r"\w", line):
            continue
        kept.append((number, line))
    return kept


def _add(source: Source, raw_lines: list[str], place) -> None:
    for number, line in _normalised(raw_lines):
        source.lines.append(line)
        source.places.append(place(number))


def _closes(line: str, fence: str) -> bool:
    """A closing fence: only the opening fence's character, at least as many of them."""
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def source_from_markdown(name: str, text: str) -> Source:
    """The code of the MyST ``{code-cell}`` blocks of a page; places are line numbers of the ``.md`` file.

    Cell options (``:tags: …`` lines and a ``---`` … ``---`` block right after the opening fence) are not code
    and are skipped.
    """
    source = Source(name, PAGE)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = CODE_CELL_OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        fence = opening.group(1)
        i += 1
        if i < len(lines) and lines[i].strip() == "---":  # YAML options block
            i += 1
            while i < len(lines) and lines[i].strip() != "---":
                i += 1
            i += 1
        while i < len(lines) and re.match(r"^:\w[\w-]*:", lines[i]):  # short-form options
            i += 1
        start = i
        while i < len(lines) and not _closes(lines[i], fence):
            i += 1
        _add(source, lines[start:i], lambda n, start=start: f"line {start + n + 1}")
        i += 1
    return source


def source_from_notebook(name: str, notebook: dict) -> Source:
    """The code cells of a notebook (nbformat 4 JSON); places are ``cell k, line j`` (both from 1)."""
    source = Source(name, NOTEBOOK)
    for k, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        _add(source, text.splitlines(), lambda n, k=k: f"cell {k}, line {n + 1}")
    return source


def source_from_python(name: str, text: str) -> Source:
    source = Source(name, PACKAGE)
    _add(source, text.splitlines(), lambda n: f"line {n + 1}")
    return source


# ------------------------------------------------------------------------------------------------- detecting


def _counts(a: Source, b: Source) -> bool:
    """Whether a block shared by ``a`` and ``b`` is a duplicate under the rules in the module docstring."""
    if a.kind == PACKAGE and b.kind == PACKAGE:
        return True  # also a == b: twice in one module
    return a is not b


def find_duplicates(sources: list[Source], min_lines: int = MIN_LINES) -> list[str]:
    """One message per maximal duplicated block: both places, first and last line, and its length."""
    where: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for s, source in enumerate(sources):
        for i in range(len(source.lines) - min_lines + 1):
            where.setdefault(tuple(source.lines[i:i + min_lines]), []).append((s, i))
    pairs = set()
    for spots in where.values():
        for x in range(len(spots)):
            for y in range(x + 1, len(spots)):
                (s, i), (t, j) = spots[x], spots[y]
                if s == t and abs(i - j) < min_lines:
                    continue  # overlapping windows of one run of repeated lines
                if _counts(sources[s], sources[t]):
                    pairs.add((s, i, t, j))
    messages = []
    for s, i, t, j in sorted(pairs):
        if (s, i - 1, t, j - 1) in pairs:
            continue  # not the start of a block: reported with the window it continues
        length = min_lines
        while (s, i + length - min_lines + 1, t, j + length - min_lines + 1) in pairs:
            length += 1
        a, b = sources[s], sources[t]
        messages.append(
            f"{length} lines duplicated: {a.name} {a.places[i]} to {a.places[i + length - 1]} and "
            f"{b.name} {b.places[j]} to {b.places[j + length - 1]}, starting {a.lines[i]!r}"
        )
    return messages


# ------------------------------------------------------------------------------------------------ the project


def project_sources() -> list[Source]:
    sources = []
    for path in sorted((ROOT / "book").rglob("*.md")):
        sources.append(source_from_markdown(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted(TEMPLATES.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        sources.append(source_from_notebook(str(path.relative_to(ROOT)), notebook))
    for path in sorted((ROOT / "ecomops").rglob("*.py")):
        sources.append(source_from_python(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return sources


def test_the_scan_reads_pages_notebooks_and_package():
    sources = project_sources()
    kinds = {kind: [s for s in sources if s.kind == kind and s.lines] for kind in (PAGE, NOTEBOOK, PACKAGE)}
    assert len(kinds[PAGE]) >= 8 and len(kinds[NOTEBOOK]) >= 3 and len(kinds[PACKAGE]) >= 8
    names = {s.name for s in sources}
    assert "book/03-platform-building/05-continuous-optimisation.md" in names
    assert "ecomops/customers.py" in names


def test_no_block_of_code_is_written_twice():
    duplicates = find_duplicates(project_sources())
    assert not duplicates, (
        "the same code appears in two places; move it into an ecomops function and call that:\n"
        + "\n".join(duplicates)
    )


# ---------------------------------------------------------------------------------- the checker checks itself


BLOCK = """\
sales = lines[~lines["cancellation"]]
monthly = sales.groupby("month").agg(gmv=("revenue", "sum"), orders=("InvoiceNo", "nunique"))
monthly["aov"] = monthly["gmv"] / monthly["orders"]
monthly = monthly.loc[: pd.Period("2011-11", "M")]
best = monthly["gmv"].idxmax()
share = monthly.loc[best, "gmv"] / monthly["gmv"].sum()
"""


def page(code: str, before: str = "x = 1\n") -> str:
    return (
        "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n# A page\n\nSome prose.\n\n"
        f"```{{code-cell}} ipython3\n{before}```\n\nMore prose.\n\n"
        f"```{{code-cell}} ipython3\n:tags: [remove-input]\n\n{code}```\n"
    )


def test_checker_finds_a_block_planted_in_two_pages_and_names_both_places():
    # the second copy differs only in indentation, blank lines and comments: still the same code
    noisy = "\n".join(f"    {line}  " + ("\n# a comment" if k == 2 else "") for k, line in
                      enumerate(BLOCK.splitlines())) + "\n\n"
    found = find_duplicates([source_from_markdown("a.md", page(BLOCK)),
                             source_from_markdown("b.md", page(noisy, before="import numpy as np\ny = 2\nz = 3\n"))])
    assert len(found) == 1
    # a.md: the block starts on line 20 (after the front matter, prose, the first cell, the :tags: line and a
    # blank line); in b.md the first cell is two lines longer, and a comment line sits inside the block
    assert found[0].startswith("6 lines duplicated: a.md line 20 to line 25 and b.md line 22 to line 28")


def test_checker_finds_a_page_block_in_the_package_and_a_block_twice_in_the_package():
    module = "def helper(lines, pd):\n" + "".join(f"    {line}\n" for line in BLOCK.splitlines()) + "    return share\n"
    found = find_duplicates([source_from_markdown("page.md", page(BLOCK)), source_from_python("pkg/mod.py", module)])
    assert len(found) == 1 and "page.md line 20" in found[0] and "pkg/mod.py line 2 to line 7" in found[0]
    twice = find_duplicates([source_from_python("pkg/twice.py", module + "\n\n" + module.replace("helper", "other"))])
    assert len(twice) == 1
    assert twice[0].startswith("7 lines duplicated: pkg/twice.py line 2 to line 8 and pkg/twice.py line 12 to line 18")


def test_checker_reads_notebooks_and_reports_the_longest_block_once():
    longer = BLOCK + 'print(f"{best}: {share:.1%}")\n'
    notebook = {"cells": [{"cell_type": "markdown", "source": "# Template\n"},
                          {"cell_type": "code", "source": ["a = 1\n", "b = 2\n"]},
                          {"cell_type": "code", "source": longer}]}
    found = find_duplicates([source_from_notebook("t.ipynb", notebook), source_from_markdown("p.md", page(longer))])
    assert found == [
        "7 lines duplicated: t.ipynb cell 3, line 1 to cell 3, line 7 and p.md line 20 to line 26, starting "
        "'sales = lines[~lines[\"cancellation\"]]'"
    ]


@pytest.mark.parametrize(
    "sources",
    [
        # five shared lines are below the threshold
        lambda: [source_from_markdown("a.md", page("\n".join(BLOCK.splitlines()[:5]) + "\n", before="u = 0\n")),
                 source_from_markdown("b.md", page("\n".join(BLOCK.splitlines()[:5]) + "\nother = 0\n"))],
        # the same block twice in one page is not a duplicate between places
        lambda: [source_from_markdown("a.md", page(BLOCK, before=BLOCK))],
        # imports, lone brackets and comments are not logic that could be shared
        lambda: [source_from_markdown(name, page("import numpy as np\nimport pandas as pd\nfrom x import (\n"
                                                 "    a,\n    b,\n)\nvalues = [\n    1,\n]\n# c\n# d\n"))
                 for name in ("a.md", "b.md")],
        # nor are docstrings and the signature lines of a def
        lambda: [source_from_python(name, 'def f(\n    a,\n    b=1,\n    c=2,\n) -> int:\n    """Doc.\n\n'
                                          '    More doc,\n    on lines.\n    """\n    return a + b\n')
                 for name in ("a.py", "b.py")],
        # markdown outside code cells is not code
        lambda: [source_from_markdown(name, "```python\n" + BLOCK + "```\n") for name in ("a.md", "b.md")],
    ],
)
def test_checker_ignores_what_is_not_a_duplicate(sources):
    assert find_duplicates(sources()) == []

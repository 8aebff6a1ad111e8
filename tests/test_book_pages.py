"""The chapter pages keep the thin-cell rule of the templates, and the introduction lists the chapters that exist.

Every code cell of a chapter page (``book/NN-*/**/*.md``) has at most ``MAX_CODE_CELL_LINES`` non-blank lines, the
rule ``tests/test_template_contract.py`` applies to the template notebooks, and defines no function, lambda or
class: longer or reusable logic belongs in a package function with its own tests. A hands-on solution writes the
method as a few straight-line NumPy expressions and compares them with the package function.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
import yaml

from conftest import ROOT
from test_template_contract import MAX_CODE_CELL_LINES, cell_problems

CHAPTER_PAGES = sorted((ROOT / "book").rglob("*.md"))  # chapters, intro, playbook and appendices


def long_code_cells(page: Path) -> list[str]:
    """One message per code cell of ``page`` that is too long or defines a function, lambda or class."""
    notebook = jupytext.read(page, fmt="md:myst")
    messages = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        too_long = cell_problems(cell.source)
        if too_long:
            first = next(line for line in cell.source.splitlines() if line.strip())
            messages.append(f"cell {number} ({first.strip()[:50]!r}): {', '.join(too_long)}")
    return messages


def test_the_scan_finds_the_chapter_pages():
    names = {str(page.relative_to(ROOT)) for page in CHAPTER_PAGES}
    assert "book/01-operations-foundations/05-process-and-team.md" in names
    assert "book/03-platform-building/05-continuous-optimisation/02-reading-a-test.md" in names
    assert "book/appendices/claims-audit.md" in names and "book/playbook.md" in names


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=lambda page: str(page.relative_to(ROOT / "book")))
def test_chapter_code_cells_are_short(page):
    assert long_code_cells(page) == [], "move the logic into an ecomops function with a unit test"


PAGE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page

```{{code-cell}} ipython3
:tags: [remove-cell]

{first}
```

Some prose.

```{{code-cell}} ipython3
---
mystnb:
  figure:
    name: fig-x
---
{second}
```
"""


def test_the_rule_counts_code_lines_only_and_forbids_functions(tmp_path):
    fifteen = "\n".join(f"a{i} = {i}" for i in range(15))
    page = tmp_path / "ok.md"
    page.write_text(PAGE.format(first=fifteen, second="x = 1"), encoding="utf-8")
    assert long_code_cells(page) == []  # cell options and blank lines do not count
    page = tmp_path / "long.md"
    page.write_text(PAGE.format(first=fifteen + "\nextra = 1", second="x = 1"), encoding="utf-8")
    assert long_code_cells(page) == [f"cell 1 ('a0 = 0'): 16 lines (at most {MAX_CODE_CELL_LINES})"]
    helper = "def twice(x):\n    return 2 * x\n\n\ny = twice(2)"
    page = tmp_path / "function.md"
    page.write_text(PAGE.format(first="x = 1", second=helper), encoding="utf-8")
    assert long_code_cells(page) == ["cell 3 ('def twice(x):'): defines a FunctionDef"]


def test_the_introduction_links_exactly_the_chapters_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    course = next(part for part in toc["parts"] if part["caption"] == "Course")
    in_toc = {Path(chapter["file"]).parent.name for chapter in course["chapters"]}
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((\d\d-[a-z-]+)/index\.md\)", intro))
    assert linked == in_toc, "the chapter table of book/intro.md links the chapters that are in the book"

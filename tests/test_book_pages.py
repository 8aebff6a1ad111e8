"""The chapter pages keep the thin-cell rule of the templates, and the introduction lists the chapters that exist.

Every code cell of a chapter page (``book/NN-*/**/*.md``) has at most ``MAX_CODE_CELL_LINES`` non-blank lines, the
rule ``tests/test_template_contract.py`` applies to the template notebooks, and defines no function, lambda or
class: longer or reusable logic belongs in a package function with its own tests. A page's lines are counted as a
reader of the page counts them: every non-blank line inside the ``{code-cell}`` fence, the cell options (tags, a
figure's caption and name) included. A hands-on solution writes the
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


CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)  # the cell as written


def long_code_cells(page: Path) -> list[str]:
    """One message per code cell of ``page`` (numbered from 1 among the code cells) that is too long, counting
    the cell as written in the page, or defines a function, lambda or class (read from its code)."""
    written = CODE_CELL.findall(page.read_text(encoding="utf-8"))
    sources = [cell.source for cell in jupytext.read(page, fmt="md:myst").cells if cell.cell_type == "code"]
    assert len(written) == len(sources), f"{page.name}: a code cell fence the scan does not recognise"
    messages = []
    for number, (block, source) in enumerate(zip(written, sources), start=1):
        problems = cell_problems(source, written=block)
        if problems:
            first = next(line for line in source.splitlines() if line.strip())
            messages.append(f"cell {number} ({first.strip()[:50]!r}): {', '.join(problems)}")
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
{caption}    name: fig-x
---
{second}
```
"""

CAPTION = "    caption: A caption long enough to be folded over\n      two lines.\n"


def lines(n: int, start: int = 0) -> str:
    """``n`` lines of code with a blank line between each two (blank lines do not count)."""
    return "\n\n".join(f"a{i} = {i}" for i in range(start, start + n))


def write(tmp_path: Path, first: str, second: str, caption: str = "") -> Path:
    page = tmp_path / "page.md"
    page.write_text(PAGE.format(first=first, second=second, caption=caption), encoding="utf-8")
    return page


def test_the_rule_counts_the_cell_as_written_and_forbids_functions(tmp_path):
    limit = MAX_CODE_CELL_LINES
    assert long_code_cells(write(tmp_path, lines(limit - 1), "x = 1")) == []  # 14 lines of code + the tags line
    assert long_code_cells(write(tmp_path, lines(limit), "x = 1")) == [f"cell 1 ('a0 = 0'): 16 lines (at most {limit})"]
    assert long_code_cells(write(tmp_path, "x = 1", lines(8), CAPTION)) == []  # 8 lines of code + 7 of options
    assert long_code_cells(write(tmp_path, "x = 1", lines(10), CAPTION)) == [
        f"cell 2 ('a0 = 0'): 17 lines (at most {limit})"  # 10 lines of code + the 7-line option block
    ]
    helper = "def twice(x):\n    return 2 * x\n\n\ny = twice(2)"
    assert long_code_cells(write(tmp_path, "x = 1", helper)) == ["cell 2 ('def twice(x):'): defines a FunctionDef"]


def test_the_introduction_links_exactly_the_chapters_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    course = next(part for part in toc["parts"] if part["caption"] == "Course")
    in_toc = {Path(chapter["file"]).parent.name for chapter in course["chapters"]}
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((\d\d-[a-z-]+)/index\.md\)", intro))
    assert linked == in_toc, "the chapter table of book/intro.md links the chapters that are in the book"

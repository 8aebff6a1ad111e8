"""The student edition: its source filter removes every solution and keeps everything else (fast tests here; the
built edition is checked in tests/test_book.py)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))

from editions import edition, solution_blocks, strip_solutions  # noqa: E402

PAGE = """# A page

```{exercise} Count them
:label: ex-count

How many?
```

```{solution} ex-count
:class: dropdown

Three, because $1 + 2 = 3$.
```

Between the exercises.

```{exercise-start} Compute it
:label: ex-compute
```

Compute the sum.

```{exercise-end}
```

```{solution-start} ex-compute
:class: dropdown
```

```{code-cell} ipython3
total = 1 + 2
```

The sum is three.

```{solution-end}
```

:::{solution} ex-count
With colons: still three.
:::

The end.
"""


def test_both_solution_forms_are_found_and_removed():
    assert len(solution_blocks(PAGE)) == 3
    student = strip_solutions(PAGE)
    for text in ("Three, because", "total = 1 + 2", "The sum is three", "solution", "With colons"):
        assert text not in student
    for text in ("# A page", "How many?", "Between the exercises.", "Compute the sum.", "exercise-end", "The end."):
        assert text in student
    assert student.count("```{exercise}") == 1 and student.count("```{exercise-start}") == 1


def test_a_page_without_solutions_is_unchanged():
    text = "# Title\n\n```{code-cell} ipython3\nx = 1\n```\n\nNo solutions here.\n"
    assert strip_solutions(text) == text


def test_an_unfinished_solution_is_an_error_not_a_silent_cut():
    with pytest.raises(ValueError, match="line 1: solution-start without a solution-end"):
        strip_solutions("```{solution-start} ex\n```\nthe rest of the page\n")
    with pytest.raises(ValueError, match="never closed"):
        strip_solutions("```{solution} ex\nno closing fence\n")


def test_every_book_page_parses_and_loses_all_its_solutions():
    pages = sorted((ROOT / "book").rglob("*.md"))
    total = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        stripped = strip_solutions(text)
        total += len(solution_blocks(text))
        assert "{solution" not in stripped, page
        assert stripped.count("{exercise") == text.count("{exercise"), page
    assert total >= 60  # chapters 1 and 3 alone have more than sixty solutions


def test_the_edition_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("ECOMOPS_EDITION", raising=False)
    assert edition() == "full"
    monkeypatch.setenv("ECOMOPS_EDITION", "student")
    assert edition() == "student"
    monkeypatch.setenv("ECOMOPS_EDITION", "teacher")
    with pytest.raises(ValueError, match="the editions are full, student"):
        edition()

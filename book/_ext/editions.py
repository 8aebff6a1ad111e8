"""Editions of the book: the full course, and a student edition with every solution removed.

The edition is chosen by the environment variable ``ECOMOPS_EDITION`` (``full`` when unset, or ``student``);
``scripts/build_edition.py student`` sets it and builds into ``_build/student``. In the student edition each page's
MyST source loses its solutions before Sphinx parses it (``source-read``), so neither the page nor the notebook
that myst-nb executes holds them, and the page sources copied to ``_sources/`` for download are stripped the same
way when the build finishes. Exercises stay.

A solution is either one directive, ```` ```{solution} label ```` … ```` ``` ````, or everything from
```` ```{solution-start} label ```` to the end of the matching ```` ```{solution-end} ```` block (the form whose
solution holds executable cells). Colon fences (``:::{solution}``) are recognised too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

EDITION_VARIABLE = "ECOMOPS_EDITION"
EDITIONS = ("full", "student")

_FENCE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>solution|solution-start|solution-end)\}")


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a block opened with ``fence`` (the same character, at least as many of them)."""
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def solution_blocks(text: str) -> list[tuple[int, int]]:
    """Line ranges ``(first, end)`` (end exclusive) of every solution in a MyST page.

    Raises
    ------
    ValueError
        When a ``solution-start`` has no ``solution-end``, or a solution fence is never closed.
    """
    lines = text.splitlines()
    blocks, number = [], 0
    while number < len(lines):
        match = _FENCE.match(lines[number].lstrip())
        if not match or match["name"] == "solution-end":
            number += 1
            continue
        first, target = number, "solution" if match["name"] == "solution" else "solution-end"
        if target == "solution-end":  # skip to the solution-end directive, then past its own closing fence
            number += 1
            while number < len(lines) and not (
                (end := _FENCE.match(lines[number].lstrip())) and end["name"] == "solution-end"
            ):
                number += 1
            if number == len(lines):
                raise ValueError(f"line {first + 1}: solution-start without a solution-end")
            match = end
        fence = match["fence"]
        number += 1
        while number < len(lines) and not _closes(lines[number], fence):
            number += 1
        if number == len(lines):
            raise ValueError(f"line {first + 1}: the solution's fence {fence} is never closed")
        blocks.append((first, number + 1))
        number += 1
    return blocks


def strip_solutions(text: str) -> str:
    """``text`` without its solutions (see :func:`solution_blocks`); every other line is kept as it was."""
    lines = text.splitlines(keepends=True)
    for first, end in reversed(solution_blocks(text)):
        del lines[first:end]
    return "".join(lines)


def edition() -> str:
    """The edition being built, from ``ECOMOPS_EDITION``."""
    name = os.environ.get(EDITION_VARIABLE, "full") or "full"
    if name not in EDITIONS:
        raise ValueError(f"{EDITION_VARIABLE}={name!r}: the editions are {', '.join(EDITIONS)}")
    return name


def _strip_source(app, docname: str, source: list[str]) -> None:
    source[0] = strip_solutions(source[0])


def _strip_copied_sources(app, exception: Exception | None) -> None:
    if exception is not None:
        return
    for path in Path(app.outdir, "_sources").rglob("*.md*"):
        text = path.read_text(encoding="utf-8")
        stripped = strip_solutions(text)
        if stripped != text:
            path.write_text(stripped, encoding="utf-8")


def setup(app) -> dict:
    if edition() == "student":
        app.connect("source-read", _strip_source)
        app.connect("build-finished", _strip_copied_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

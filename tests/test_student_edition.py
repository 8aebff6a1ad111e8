"""The student edition, built as the README says (``python scripts/build_edition.py student``): every exercise of
every page is there, and no solution is, neither on the pages nor in their downloadable sources."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))

from editions import solution_blocks  # noqa: E402

pytestmark = pytest.mark.slow

PROSE = re.compile(r"^[A-Za-z][A-Za-z ,.;'’-]{39,}$")  # a plain sentence that renders as written


@pytest.fixture(scope="module")
def student_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_edition.py"), "student", "--path-output", str(out)],
        capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    return out / "_build" / "html"


def chapter_pages() -> list[Path]:
    return [page for page in sorted((ROOT / "book").rglob("*.md")) if "{solution" in page.read_text(encoding="utf-8")]


def solution_sentences(page: Path) -> list[str]:
    """Plain sentences of the page's solutions, as a reader would see them on the page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found = []
    for first, end in solution_blocks("\n".join(lines)):
        found += [line.strip() for line in lines[first:end] if PROSE.match(line.strip())]
    return found


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_pages_with_solutions_are_checked():
    assert len(chapter_pages()) >= 12 and sum(len(solution_sentences(p)) for p in chapter_pages()) >= 20


@pytest.mark.parametrize("page", chapter_pages(), ids=lambda page: str(page.relative_to(ROOT / "book")))
def test_every_exercise_stays_and_every_solution_goes(student_site, page):
    relative = page.relative_to(ROOT).with_suffix("")
    built = (student_site / relative).with_suffix(".html").read_text(encoding="utf-8")
    source = page.read_text(encoding="utf-8")
    exercises = len(re.findall(r"^(?:`{3,}|:{3,})\{exercise(?:-start)?\}", source, flags=re.M))
    assert built.count('class="exercise') >= exercises
    assert 'class="solution' not in built
    downloads = [p for p in (student_site / "_sources" / relative.parent).glob(relative.name + ".*")]
    assert downloads, f"no downloadable source of {relative}"
    text = visible_text(built)
    for sentence in solution_sentences(page):
        assert sentence not in text, f"{relative}: a solution sentence is on the page"
        for download in downloads:
            assert sentence not in download.read_text(encoding="utf-8"), f"{download.name} holds a solution"

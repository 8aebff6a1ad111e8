"""The glossary is complete: every entry has an English term, a Chinese term and a definition, and is linked
with {term} from at least one course page (book/0*/)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "appendices" / "glossary.md"
CJK = re.compile(r"[\u4e00-\u9fff]")
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")


def glossary_entries(text: str) -> list[dict[str, str]]:
    """Entries of the ``{glossary}`` directive: the term lines (English first, then 中文) and the definition."""
    body = re.search(r":::\{glossary\}\n(.*?)\n:::", text, re.S)
    assert body, "no {glossary} directive found"
    entries = []
    for block in re.split(r"\n\s*\n", body.group(1).strip("\n")):
        lines = block.split("\n")
        terms = [line for line in lines if line and not line[0].isspace()]
        definition = " ".join(line.strip() for line in lines if line[:1].isspace())
        entries.append({"english": terms[0] if terms else "", "chinese": terms[1] if len(terms) > 1 else "",
                        "definition": definition})
    return entries


def linked_terms(texts: list[str]) -> set[str]:
    """The glossary terms named by {term} roles (``{term}`text <Term>``` or ``{term}`Term```), lower case."""
    found = set()
    for text in texts:
        for role in TERM_ROLE.findall(text):
            target = re.search(r"<([^>]+)>\s*$", role)
            found.add((target.group(1) if target else role).strip().lower())
    return found


def course_pages() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "book").glob("0*/**/*.md"))]


ENTRIES = glossary_entries(GLOSSARY.read_text(encoding="utf-8"))


def test_the_glossary_has_entries():
    assert len(ENTRIES) > 100


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["english"] for e in ENTRIES])
def test_entry_has_chinese_term_and_definition(entry):
    assert entry["english"] and not CJK.search(entry["english"][:1]), entry
    assert CJK.search(entry["chinese"]), f"{entry['english']}: the second line must be the Chinese term"
    assert len(entry["definition"].split()) >= 5, f"{entry['english']}: a one-line definition"


def test_no_two_entries_share_a_term():
    """Each name leads to one entry (the book shows and searches a term by its Chinese, as by its English)."""
    names = [name.lower() for entry in ENTRIES for name in (entry["english"], entry["chinese"])]
    assert sorted({name for name in names if names.count(name) > 1}) == []


def test_every_term_is_linked_from_a_course_page():
    linked = linked_terms(course_pages())
    unlinked = [e["english"] for e in ENTRIES if e["english"].lower() not in linked]
    assert unlinked == [], f"glossary terms no course page links with {{term}}: {unlinked}"


def test_the_check_catches_an_unlinked_term_and_a_missing_chinese_line():
    text = (":::{glossary}\nKPI tree\n指标树\n  A tree of drivers that multiply to the top figure.\n\n"
            "Orphan term\n孤立术语\n  A term that no page links to at all.\n\nNo Chinese\n"
            "  An entry whose second line is missing entirely.\n:::\n")
    entries = glossary_entries(text)
    linked = linked_terms(["See the {term}`tree <KPI tree>` and {term}`No Chinese`."])
    assert [e["english"] for e in entries if e["english"].lower() not in linked] == ["Orphan term"]
    assert [e["english"] for e in entries if not CJK.search(e["chinese"])] == ["No Chinese"]

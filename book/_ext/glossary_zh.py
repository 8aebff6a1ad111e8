"""Show each glossary term's Chinese on the pages that teach it, and let the search find those pages by it.

A page *teaches* a glossary term when it links the term with ``{term}``; every page of the book except the glossary
itself counts. On such a page the term's Chinese (the second line of its glossary entry) is put in parentheses
right after the first link to the term, unless each Chinese word of it is already in the same paragraph (as in
"the conversion rate, 转化率"). The page also gets a ``keywords`` meta tag with the searchable Chinese words of every
term it links, which Sphinx's search index stores whole, and jieba, which splits Chinese text for that index, gets
the glossary's Chinese words as a user dictionary, so prose that uses them is indexed under the same words.

On the search page, ``_static/search_results.js`` applies the same rule to the query (see :func:`search_words`) and
lists each page once.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

GLOSSARY = "book/appendices/glossary"
STATIC = Path(__file__).resolve().parents[1] / "_static"
SEARCH_SCRIPT = "search_results.js"
DICTIONARY = "glossary-zh.dict"
WORD = re.compile(r"\w+")  # the words the search page splits a query into
CJK = re.compile(r"[\u4e00-\u9fff]")
SHORTEST = 2  # Sphinx's Chinese search index drops shorter words


def search_words(chinese: str) -> list[str]:
    """The words of a term that the search index can hold, as the search page looks them up.

    Parameters
    ----------
    chinese : str
        A glossary entry's Chinese line, such as ``A/B 测试`` or ``采用曲线（S 曲线）``.

    Returns
    -------
    list of str
        Its words of two characters or more (``["测试"]``, ``["采用曲线", "曲线"]``); when it has none, all its
        words joined (``p 值`` gives ``["p值"]``).
    """
    words = WORD.findall(chinese)
    return [word for word in words if len(word) >= SHORTEST] or ["".join(words)]


def _configure(app: Sphinx, config: Config) -> None:
    if all((Path(app.confdir) / folder).resolve() != STATIC for folder in config.html_static_path):
        config.html_static_path = [*config.html_static_path, str(STATIC)]
    config.html_search_options = {**config.html_search_options, "dict": str(Path(app.doctreedir) / DICTIONARY)}


def _read_glossary(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Map each glossary term's anchor to its entry's Chinese and write the jieba dictionary.

    When a Chinese term has changed since the last build, every page is written again (they show the terms).
    """
    before = getattr(env, "glossary_chinese", None)
    chinese: dict[str, str] = {}
    if GLOSSARY in env.all_docs:
        for item in env.get_doctree(GLOSSARY).findall(nodes.definition_list_item):
            terms = [child for child in item.children if isinstance(child, nodes.term)]
            if len(terms) > 1:
                for term in terms:
                    chinese.update(dict.fromkeys(term["ids"], terms[1].astext()))
    env.glossary_chinese = chinese
    words = {word for term in chinese.values() for word in search_words(term) if CJK.search(word)}
    path = Path(app.config.html_search_options["dict"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{word}\n" for word in sorted(words)), encoding="utf-8")
    return sorted(env.found_docs) if before is not None and before != chinese else []


def _block(node: nodes.Node) -> nodes.Node:
    """The paragraph (or title, caption, …) an inline node sits in."""
    while isinstance(node.parent, nodes.Inline):
        node = node.parent
    return node.parent


def _add_chinese(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    chinese: dict[str, str] = getattr(app.env, "glossary_chinese", {})
    if docname == GLOSSARY or not chinese:
        return
    done: set[str] = set()
    for ref in list(doctree.findall(nodes.reference)):
        if not any("std-term" in child.get("classes", []) for child in ref.children if isinstance(child, nodes.Element)):
            continue
        term = chinese.get(ref.get("refuri", "").partition("#")[2] or ref.get("refid", ""))
        if term is None or term in done:
            continue
        done.add(term)
        text = _block(ref).astext()
        if not all(word in text for word in WORD.findall(term) if CJK.search(word)):
            ref.parent.insert(ref.parent.index(ref) + 1,
                              nodes.inline("", f" ({term})", classes=["glossary-zh", "language-zh"]))
    if done and app.builder.format == "html":
        keywords = dict.fromkeys(word for term in sorted(done) for word in search_words(term))
        doctree.append(nodes.meta(name="keywords", content=", ".join(keywords)))


def _search_page_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    if pagename == "search":
        app.add_js_file(SEARCH_SCRIPT, defer="defer")  # runs after searchtools.js, before the query


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    app.connect("env-updated", _read_glossary)
    app.connect("doctree-resolved", _add_chinese)
    app.connect("html-page-context", _search_page_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

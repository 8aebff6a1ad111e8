"""Reports in English or simplified Chinese: the translation catalogues and the two calls that use them.

English is written where it is used (in the notebooks' markdown cells and in the package's code), so the
English notebook stays readable on its own. The Chinese text lives beside the templates, one reviewed YAML file
per template plus one shared file, in ``templates/text/<name>.zh.yaml``::

    cells:            # a notebook's markdown cells by cell id, each the whole cell in Chinese
      52409764: |
        ## 1. 预注册摘要
        …
    messages:         # sentences, labels and headers: the English text (a str.format pattern) → Chinese
      "Ship {variant}": "上线 {variant}"

Every catalogue's messages are merged into one lookup, so a message is translated once wherever it appears.

Column names and categories are short names in the code and in ``results.json`` (``rows_removed``); an English
run shows them as ``templates/text/labels.en.yaml`` writes them ("Rows removed"), so no report table has a
header in snake case.

* :func:`use_language` sets the language of a run (the notebook's validation cell does it, from the
  ``language`` parameter), so that every table, figure and sentence of that run follows it;
* :func:`tr` turns an English pattern into the run's language and fills in its ``{fields}``;
* :func:`N_` marks English text that is translated later (a table's column labels), so that the contract test
  finds it;
* :func:`missing_translations` lists what has no Chinese yet (``python -m ecomops.i18n`` prints it).

Terms follow the book's glossary (转化率, 客单价, 置信区间, 样本比例失衡 …).
"""

from __future__ import annotations

import ast
import re
import string
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from .resources import templates_dir

__all__ = ["LANGUAGES", "Language", "use_language", "current_language", "tr", "N_", "translate_label", "notebook_cells", "catalogue_messages",
           "message_sources", "missing_translations", "unlabelled_names", "format_fields"]

Language = Literal["en", "zh"]
LANGUAGES: tuple[str, ...] = ("en", "zh")
"""``en`` (English, the default) and ``zh`` (简体中文)."""

_PACKAGE = Path(__file__).resolve().parent
_CURRENT = {"language": "en"}


def _text_dir() -> Path:
    return templates_dir() / "text"


@lru_cache(maxsize=None)
def _catalogue(name: str, language: str) -> dict[str, Any]:
    path = _text_dir() / f"{name}.{language}.yaml"
    if not path.is_file():
        return {"cells": {}, "messages": {}}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"cells": {str(k): v for k, v in (loaded.get("cells") or {}).items()},
            "messages": dict(loaded.get("messages") or {})}


@lru_cache(maxsize=None)
def catalogue_messages(language: str) -> dict[str, str]:
    """Every message of every catalogue of ``language``: English pattern → translation."""
    merged: dict[str, str] = {}
    for path in sorted(_text_dir().glob(f"*.{language}.yaml")):
        merged.update(_catalogue(path.name.split(".")[0], language)["messages"])
    return merged


def notebook_cells(template: str, language: str) -> dict[str, str]:
    """The translated markdown cells of a template's notebook, by cell id."""
    return _catalogue(template, language)["cells"]


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")


def use_language(language: str) -> None:
    """Make ``language`` the default of :func:`tr` and :func:`translate_label` (one run, one language)."""
    _check_language(language)
    _CURRENT["language"] = language


def current_language() -> str:
    """The language set by :func:`use_language` (``en`` until then)."""
    return _CURRENT["language"]


def tr(text: str, language: str | None = None, /, **values: Any) -> str:
    """``text`` (an English ``str.format`` pattern) in ``language`` (default: the run's), with its fields
    filled in.

    A message without a translation falls back to English (the contract test keeps that from happening for
    every message written in the package).
    """
    language = language or current_language()
    _check_language(language)
    pattern = text if language == "en" else catalogue_messages(language).get(text, text)
    return pattern.format(**values) if values else pattern


def N_(text: str) -> str:
    """Mark English text for translation where it is defined; :func:`translate_label` translates it later."""
    return text


def translate_label(label: Any, language: str | None = None) -> Any:
    """A table's column label or a category as shown in ``language`` (default: the run's).

    The package marks short names such as ``rows_removed`` with :func:`N_`; an English run shows them as written
    in ``templates/text/labels.en.yaml`` ("Rows removed"), a Chinese run as in the zh catalogues. Labels that are
    not text, or have no entry (a variant name from the data), are returned unchanged.
    """
    language = language or current_language()
    _check_language(language)
    if not isinstance(label, str):
        return label
    return catalogue_messages(language).get(label, label)


def unlabelled_names(root: Path = _PACKAGE) -> list[str]:
    """Short names marked with :func:`N_` (lower-case words joined by ``_``) that have no English display label
    in ``templates/text/labels.en.yaml``, or whose label still shows an underscore; one line each."""
    labels = catalogue_messages("en")
    problems = []
    for name, places in message_sources(root, calls=("N_",)).items():
        if not SHORT_NAME.fullmatch(name):
            continue
        if name not in labels:
            problems.append(f"label {name!r} ({places[0]}) has no English display label")
        elif "_" in labels[name]:
            problems.append(f"label {name!r}: its English display label {labels[name]!r} shows an underscore")
    return problems


SHORT_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
"""A column name or category written as code (``rows_removed``), as opposed to a sentence."""


def format_fields(pattern: str) -> set[str]:
    """The ``{field}`` names of a ``str.format`` pattern."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(pattern) if name}


# calls whose keyword arguments are English text shown to users: a parameter's help and unit, a template's
# title and question
_DESCRIBED = {"param": ("help", "unit"), "TemplateSpec": ("title", "question", "purpose")}


def message_sources(root: Path = _PACKAGE, calls: tuple[str, ...] = ("tr", "N_", *_DESCRIBED)) -> dict[str, list[str]]:
    """English messages written in the package, with the places (``file:line``) that use them: the literal first
    argument of every ``tr(...)`` and ``N_(...)`` call, and the help and unit of every ``param(...)`` and the
    title and question of every ``TemplateSpec(...)`` (only the kinds of call named in ``calls``)."""
    found: dict[str, list[str]] = {}
    for file in sorted(root.rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if called not in calls:
                continue
            texts = []
            if called in ("tr", "N_") and node.args:
                texts.append(node.args[0])
            if called in _DESCRIBED:
                texts += [k.value for k in node.keywords if k.arg in _DESCRIBED[called]]
            for text in texts:
                if isinstance(text, ast.Constant) and isinstance(text.value, str):
                    found.setdefault(text.value, []).append(f"{file.relative_to(root.parent)}:{node.lineno}")
    return found


def missing_translations(language: str = "zh") -> list[str]:
    """What has no ``language`` text yet: package messages and templates' markdown cells, one line each."""
    import nbformat

    problems = []
    messages = catalogue_messages(language)
    for text, places in message_sources().items():
        if text not in messages:
            problems.append(f"message {text!r} ({places[0]})")
        elif format_fields(messages[text]) != format_fields(text):
            problems.append(f"message {text!r}: the translation's fields {sorted(format_fields(messages[text]))} "
                            f"differ from {sorted(format_fields(text))}")
    for notebook in sorted(templates_dir().glob("*.ipynb")):
        cells = notebook_cells(notebook.stem, language)
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "markdown" and str(cell.get("id")) not in cells:
                problems.append(f"cell {cell.get('id')} of {notebook.name} ({cell.source.splitlines()[0][:60]!r})")
    return problems


if __name__ == "__main__":  # python -m ecomops.i18n [language]: what still needs translating
    language = sys.argv[1] if len(sys.argv) > 1 else "zh"
    missing = unlabelled_names() if language == "en" else missing_translations(language)
    print("\n".join(missing) if missing else "everything is translated")
    sys.exit(1 if missing else 0)

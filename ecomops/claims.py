"""The audit of the manual's claims (book appendix): the table as the book shows it."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["VERDICT_COLOURS", "link_addresses", "styled_claims_audit"]

#: background colour of each verdict in the audit table
VERDICT_COLOURS = {"confirmed": "#dcefe1", "wrong": "#f6d6d3", "unsupported": "#fbe8c8", "not checkable": "#e8e8e8"}

_ADDRESS = re.compile(r"(https?://\S+?)(?=[.,;:)]*(?:\s|$))")  # an address, without the punctuation after it


def link_addresses(text: Any) -> str:
    """Every web address in ``text`` (already HTML-escaped) as a link; the punctuation after it stays text."""
    return _ADDRESS.sub(r'<a href="\1">\1</a>', str(text))


def styled_claims_audit(audit: pd.DataFrame) -> Any:
    """The audit (``claims-audit.csv``) as one wide table: id, section, claim, verdict coloured, evidence linked."""
    table = audit.rename(columns={"chapter.section": "section"})[["id", "section", "claim (en)", "verdict", "evidence"]]
    widths = {"th:nth-child(1)": "3em", "th:nth-child(2)": "5em", "th:nth-child(3)": "24%", "th:nth-child(4)": "6.5em"}
    styles = [{"selector": "th, td", "props": "white-space: normal; vertical-align: top; text-align: left;"},
              {"selector": "td", "props": "font-size: 0.85em;"},
              {"selector": "td:nth-child(5)", "props": "overflow-wrap: anywhere;"}]
    styles += [{"selector": selector, "props": f"width: {width};"} for selector, width in widths.items()]
    return (
        table.style.hide(axis="index")
        .format(escape="html")
        .format(link_addresses, subset=["evidence"], escape="html")
        .map(lambda verdict: f"background-color: {VERDICT_COLOURS[verdict]}", subset=["verdict"])
        .set_uuid("claims")
        .set_table_attributes('style="width: 100%; table-layout: fixed;"')
        .set_table_styles(styles)
    )

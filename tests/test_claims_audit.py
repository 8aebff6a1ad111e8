"""The verdict counts typed into the introduction agree with the claims-audit table the appendix renders."""

from __future__ import annotations

import re

import pandas as pd

from conftest import ROOT

VERDICT_ROWS = {
    "confirmed": "confirmed by a source",
    "wrong": "contradicted by a source (wrong)",
    "unsupported": "could not be traced to any source",
    "not checkable": "not checkable (opinion, forecast, or an unnamed company)",
}


def test_intro_counts_match_the_audit_table():
    audit = pd.read_csv(ROOT / "book" / "appendices" / "claims-audit.csv")
    assert audit["id"].is_unique and set(audit["verdict"]) == set(VERDICT_ROWS)
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    for verdict, label in VERDICT_ROWS.items():
        typed = re.search(rf"^\| {re.escape(label)} \| (\d+) \|$", intro, re.M)
        assert typed, label
        assert int(typed.group(1)) == int((audit["verdict"] == verdict).sum()), verdict
    assert f"**{len(audit)}**" in intro


def test_addresses_become_links_without_the_punctuation_after_them():
    from ecomops.claims import link_addresses

    text = "See https://www.stats.gov.cn/sj/zxfb/. Also (https://ir.jd.com/x), done"
    assert link_addresses(text) == ('See <a href="https://www.stats.gov.cn/sj/zxfb/">https://www.stats.gov.cn/sj/zxfb/</a>. '
                                    'Also (<a href="https://ir.jd.com/x">https://ir.jd.com/x</a>), done')

"""ecomops.feedback: jieba segmentation, keyword categories (with the tie rule), weekly counts, top terms."""

from __future__ import annotations

import jieba
import pandas as pd
import pytest

from ecomops import feedback as fb


def test_segmentation_reproduces_jieba_s_published_example():
    """jieba's README (precise mode): 我来到北京清华大学 → 我 / 来到 / 北京 / 清华大学."""
    assert fb.segment(["我来到北京清华大学"]).iloc[0] == ["我", "来到", "北京", "清华大学"]


def test_extra_words_are_kept_whole_and_the_global_tokenizer_is_untouched():
    text = "这款云朵拖鞋很舒服"
    before = jieba.lcut(text)
    assert "云朵拖鞋" in fb.segment([text], extra_words=["云朵拖鞋"]).iloc[0]
    assert jieba.lcut(text) == before  # the private tokenizer did not change jieba's default one


def test_missing_texts_give_empty_token_lists_and_the_index_is_kept():
    tokens = fb.segment(pd.Series(["快递很快", None], index=[10, 11]))
    assert list(tokens.index) == [10, 11] and tokens.loc[11] == []


def test_categorise_hand_labelled_texts_and_the_tie_rule():
    """Hand-labelled by reading: 1 logistics (快递, 物流), 2 quality (破损 … but also 快递: 1 vs 2 → 质量 wins by
    count), 3 a tie between 物流 (发货) and 退换货 (退款): the earlier category in the map, 物流, 4 no keyword."""
    texts = pd.Series([
        "快递三天还没到，物流信息也不更新",
        "快递送来的杯子破损了，质量太差",
        "发货太慢，我要退款",
        "整体还可以",
    ], index=["a", "b", "c", "d"])
    labels = fb.categorise(texts)
    assert labels.to_dict() == {"a": "物流", "b": "质量", "c": "物流", "d": fb.OTHER}
    reordered = {"退换货": fb.DEFAULT_CATEGORY_KEYWORDS["退换货"], "物流": fb.DEFAULT_CATEGORY_KEYWORDS["物流"]}
    assert fb.categorise(texts, reordered).loc["c"] == "退换货"  # the map's order is the priority order


def test_keyword_hits_counts_every_occurrence():
    tokens = fb.segment(["快递快递，客服态度差", "没问题"], extra_words=["快递"])
    hits = fb.keyword_hits(tokens)
    assert list(hits.columns) == list(fb.DEFAULT_CATEGORY_KEYWORDS)
    assert hits.loc[0, "物流"] == 2 and hits.loc[0, "客服"] == 2 and hits.loc[1].sum() == 0
    with pytest.raises(ValueError, match="non-empty list"):
        fb.keyword_hits(tokens, {"物流": "快递"})  # a bare string is not a list of keywords


def test_weekly_counts_label_weeks_by_monday_and_keep_empty_weeks():
    """2026-03-02 is a Monday. Items on Mon 2 Mar and Sun 8 Mar fall in the week of 2 Mar; nothing in the week
    of 9 Mar; one item on Wed 18 Mar in the week of 16 Mar."""
    dates = pd.Series(pd.to_datetime(["2026-03-02 10:00", "2026-03-08 23:59", "2026-03-18 08:00"]))
    categories = pd.Series(["物流", "质量", "物流"])
    table = fb.weekly_category_counts(dates, categories)
    assert list(table.index.strftime("%Y-%m-%d")) == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert table.loc["2026-03-02", "物流"] == 1 and table.loc["2026-03-02", "质量"] == 1
    assert table.loc["2026-03-09"].sum() == 0 and table.loc["2026-03-16", "物流"] == 1


def test_top_terms_drop_stop_tokens_and_break_ties_by_first_appearance():
    tokens = pd.Series([["快递", "的", "太慢"], ["太慢", "，", "快递"], ["包装", "3"]])
    terms = fb.top_terms(tokens, n=3)
    assert terms.to_dict() == {"快递": 2, "太慢": 2, "包装": 1}
    assert list(terms.index) == ["快递", "太慢", "包装"]


def test_categorise_tokens_reuses_a_segmentation():
    texts = pd.Series(["尺码不合适想换", "快递没到"])
    tokens = fb.segment(texts, extra_words=["快递"])
    assert fb.categorise_tokens(tokens).tolist() == [fb.OTHER, "物流"]
    assert fb.categorise_tokens(tokens, {"退换货": ["想换"], "物流": ["快递"]}).tolist() == ["退换货", "物流"]
    assert fb.categorise(texts).tolist() == fb.categorise_tokens(tokens).tolist()

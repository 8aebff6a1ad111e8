"""Customer feedback: segmenting Chinese text with jieba, keyword categories and weekly trends.

Conventions
-----------
* Segmentation (分词) uses jieba's precise mode with its bundled dictionary, in a private ``jieba.Tokenizer`` (the
  global tokenizer is never changed), so results are deterministic and need no network. The keywords of the
  category map are added to that tokenizer's dictionary, so that a keyword is kept as one token.
* Categorising: each text gets the category whose keywords occur most often among its tokens (a token counts
  once per occurrence). **Ties go to the category listed first in the map**, so the order of the map is a
  priority order; a text with no keyword gets the ``other`` label. This is a transparent rule, not a trained
  classifier: measure its agreement with hand-labelled texts before trusting the counts.
* Weeks run Monday to Sunday and are labelled by their Monday (``week_start``).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Mapping, Sequence

import jieba
import pandas as pd

__all__ = [
    "DEFAULT_CATEGORY_KEYWORDS",
    "OTHER",
    "segment",
    "categorise",
    "categorise_tokens",
    "keyword_hits",
    "weekly_category_counts",
    "top_terms",
]

#: Default keyword map for e-commerce service feedback, in priority order (ties go to the earlier category).
#: The keywords are this book's choice for its synthetic examples, not a standard list.
DEFAULT_CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "物流": ("快递", "物流", "发货", "配送", "送货", "包裹", "签收", "派送", "到货"),
    "质量": ("质量", "破损", "坏了", "瑕疵", "做工", "掉色", "起球", "假货", "异味"),
    "退换货": ("退货", "换货", "退款", "退回", "换一件", "七天无理由"),
    "客服": ("客服", "态度", "回复", "不理", "敷衍", "电话"),
    "价格": ("价格", "降价", "优惠券", "差价", "贵", "满减", "保价"),
}
#: Label of texts that contain no keyword.
OTHER = "其他"

#: Tokens that carry no meaning for counting terms: punctuation and common function words (this book's list).
STOP_TOKENS: frozenset[str] = frozenset(
    "， 。 ！ ？ 、 ； ： “ ” ‘ ’ （ ） , . ! ? ; : ( ) 的 了 是 我 你 他 她 它 们 在 也 都 就 还 很 吗 呢 吧 啊 和 "
    "与 及 把 被 给 让 这 那 有 没 不 又 再 才 请 一个 一下 什么 怎么 为什么 已经 一直 谢谢 你好 您好".split()
)


@lru_cache(maxsize=8)
def _tokenizer(extra_words: tuple[str, ...]) -> jieba.Tokenizer:
    """A private jieba tokenizer with ``extra_words`` added to its dictionary (cached per word list)."""
    jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict…" at DEBUG/INFO level
    tokenizer = jieba.Tokenizer()
    for word in extra_words:
        tokenizer.add_word(word)
    return tokenizer


def _keyword_list(keyword_map: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    if not keyword_map or any(isinstance(words, str) or not words for words in keyword_map.values()):
        raise ValueError("keyword_map must map each category to a non-empty list of keywords")
    return tuple(sorted({word for words in keyword_map.values() for word in words}))


def segment(texts: Sequence[str] | pd.Series, extra_words: Sequence[str] = ()) -> pd.Series:
    """Split each text into words with jieba (precise mode); missing texts give an empty list.

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        Chinese (or mixed) texts, one per feedback item.
    extra_words : sequence of str
        Words to keep whole (product names, brand terms), added to a private copy of jieba's dictionary.

    Returns
    -------
    pandas.Series
        One list of tokens per text, with the index of ``texts`` (0, 1, … for a plain sequence). White space
        tokens are dropped.
    """
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype="object")
    tokenizer = _tokenizer(tuple(sorted(set(extra_words))))
    distinct = series.dropna().astype(str).unique()  # feedback repeats itself: segment each distinct text once
    tokens_of = {text: [t for t in tokenizer.lcut(text) if t.strip()] for text in distinct}
    return series.map(lambda text: list(tokens_of[str(text)]) if pd.notna(text) else [])


def keyword_hits(tokens: pd.Series, keyword_map: Mapping[str, Sequence[str]] = DEFAULT_CATEGORY_KEYWORDS
                 ) -> pd.DataFrame:
    """Number of keyword tokens of each category in each text: one row per text, one column per category.

    Columns follow the order of ``keyword_map``; a keyword listed under two categories counts for both.
    """
    _keyword_list(keyword_map)
    category_of = pd.DataFrame([(word, category) for category, words in keyword_map.items() for word in words],
                               columns=["token", "category"])
    exploded = tokens.explode().dropna().rename("token").rename_axis("text").reset_index()
    matched = exploded.merge(category_of, on="token", how="inner")
    counts = pd.crosstab(matched["text"], matched["category"])
    return counts.reindex(index=tokens.index, columns=list(keyword_map), fill_value=0).rename_axis(tokens.index.name)


def categorise(
    texts: Sequence[str] | pd.Series,
    keyword_map: Mapping[str, Sequence[str]] = DEFAULT_CATEGORY_KEYWORDS,
    other: str = OTHER,
) -> pd.Series:
    """Category of each text by keyword counts (ties to the earlier category; no keyword: ``other``).

    Returns a Series of category labels with the index of ``texts`` (0, 1, … for a plain sequence).
    """
    tokens = segment(texts, extra_words=_keyword_list(keyword_map))
    return categorise_tokens(tokens, keyword_map, other)


def categorise_tokens(
    tokens: pd.Series,
    keyword_map: Mapping[str, Sequence[str]] = DEFAULT_CATEGORY_KEYWORDS,
    other: str = OTHER,
) -> pd.Series:
    """:func:`categorise` for texts already segmented (one list of tokens per text, as :func:`segment` returns).

    Segment once and try several keyword maps on the same tokens; a keyword that the segmentation splits (not
    added as an extra word when segmenting) is never found.
    """
    hits = keyword_hits(tokens, keyword_map)
    best = hits.idxmax(axis=1)  # idxmax returns the first column among equal maxima: the priority order
    return best.where(hits.max(axis=1) > 0, other).rename("category")


def weekly_category_counts(dates: pd.Series, categories: pd.Series) -> pd.DataFrame:
    """Number of feedback items per week (rows, labelled by the Monday) and category (columns).

    ``dates`` and ``categories`` are aligned Series (same index). Every week from the first to the last is a row,
    weeks without feedback included (zeros).
    """
    when = pd.to_datetime(dates)
    week_start = (when.dt.normalize() - pd.to_timedelta(when.dt.day_of_week, unit="D")).rename("week_start")
    counts = pd.crosstab(week_start, categories.rename("category"))
    weeks = pd.date_range(week_start.min(), week_start.max(), freq="7D", name="week_start")
    return counts.reindex(weeks, fill_value=0)


def top_terms(tokens: pd.Series, n: int = 10, stop_tokens: frozenset[str] = STOP_TOKENS) -> pd.Series:
    """The ``n`` most frequent tokens (ties in order of first appearance), without stop tokens and numbers."""
    words = tokens.explode().dropna()
    words = words[~words.isin(stop_tokens) & ~words.str.fullmatch(r"[\d.]+")]
    counts = words.value_counts(sort=False)  # keeps the order of first appearance
    return counts.sort_values(ascending=False, kind="stable").head(n).rename("count").rename_axis("term")

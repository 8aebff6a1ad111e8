"""Tests for comparing intervals and funnel segments (ecomops.operations), against statsmodels and sums by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from ecomops.data import DataError
from ecomops.operations import compare_funnel_segments, funnel_table, interval_relation


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ((0.64, 0.965), (0.492, 0.532), "lies entirely above"),  # section 1.4: "Other" against returning visitors
        ((0.64, 0.965), (0.825, 0.894), "overlaps"),  # "Other" against new visitors
        ((0.10, 0.20), (0.30, 0.40), "lies entirely below"),
        ((0.10, 0.30), (0.30, 0.40), "overlaps"),  # touching ends overlap
        ((0.2, 0.2), (0.1, 0.3), "overlaps"),  # a point inside an interval
    ],
)
def test_interval_relation(first, second, expected):
    assert interval_relation(first, second) == expected


@pytest.mark.parametrize("bad", [(0.3, 0.1), (0.1,), (0.1, float("nan")), (0.1, 0.2, 0.3)])
def test_interval_relation_rejects_what_is_not_an_interval(bad):
    with pytest.raises(ValueError, match="first must be an interval"):
        interval_relation(bad, (0.0, 1.0))


def _two_segment_funnel() -> pd.DataFrame:
    """1,000 sessions in A and 800 in B; steps: viewed (A 600, B 520), bought (A 60, B 70)."""
    rows = []
    for segment, counts in (("A", (1000, 600, 60)), ("B", (800, 520, 70))):
        for k, count in enumerate(counts):
            rows += [{"segment": segment, "viewed": k >= 1, "bought": k >= 2}] * (count - (counts[k + 1] if k < 2 else 0))
    return pd.DataFrame(rows)


def test_compare_funnel_segments_against_statsmodels():
    stages = [{"name": "entry"}, {"name": "viewed", "column": "viewed", "op": "eq", "value": True},
              {"name": "bought", "column": "bought", "op": "eq", "value": True}]
    funnel = funnel_table(_two_segment_funnel(), stages, segment_by="segment")
    assert funnel.set_index(["segment", "stage"])["count"].to_dict() == {
        ("A", "entry"): 1000, ("A", "viewed"): 600, ("A", "bought"): 60,
        ("B", "entry"): 800, ("B", "viewed"): 520, ("B", "bought"): 70,
    }
    table = compare_funnel_segments(funnel, "A", "B")
    assert list(table.index) == ["viewed", "bought"]
    # rates by hand: viewed 600/1000 and 520/800; bought 60/600 and 70/520
    np.testing.assert_allclose(table["rate_a"], [0.6, 0.1])
    np.testing.assert_allclose(table["rate_b"], [0.65, 70 / 520])
    np.testing.assert_allclose(table["difference"], [0.05, 70 / 520 - 0.1])
    p = [proportions_ztest([520, 600], [800, 1000])[1], proportions_ztest([70, 60], [520, 600])[1]]
    np.testing.assert_allclose(table["p_value"], p, rtol=1e-10)
    np.testing.assert_allclose(table["p_holm"], multipletests(p, method="holm")[1], rtol=1e-10)
    # Wald half-width of the viewed step: 1.96 × √(0.6·0.4/1000 + 0.65·0.35/800)
    half = 1.959963984540054 * np.sqrt(0.6 * 0.4 / 1000 + 0.65 * 0.35 / 800)
    assert table.loc["viewed", "ci_low"] == pytest.approx(0.05 - half)
    assert table.loc["viewed", "ci_high"] == pytest.approx(0.05 + half)
    # Wilson intervals by hand: viewed A 0.569–0.630, B 0.616–0.682; bought A 0.079–0.127, B 0.108–0.167
    assert list(table["intervals"]) == ["overlaps", "overlaps"]


def test_compare_funnel_segments_names_a_missing_segment():
    stages = [{"name": "entry"}, {"name": "viewed", "column": "viewed", "op": "eq", "value": True}]
    funnel = funnel_table(_two_segment_funnel(), stages, segment_by="segment")
    with pytest.raises(DataError, match=r"segment 'C' is not in the funnel; segments are \['A', 'B'\]"):
        compare_funnel_segments(funnel, "A", "C")

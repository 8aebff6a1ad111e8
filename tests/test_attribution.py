"""Attribution rules (ecomops.attribution) and reach/frequency counts (ecomops.reach), against hand-worked examples.

The rules are the five of Google Analytics' attribution menu (Google Analytics Help, "Attribution modeling
overview", https://support.google.com/analytics/answer/1662518): last interaction, first interaction, linear, time
decay (default half-life 7 days) and position-based (40 % first, 40 % last, 20 % spread over the middle).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecomops.attribution import ATTRIBUTION_RULES, channel_credits, compare_attribution_rules, touch_credits
from ecomops.reach import frequency_distribution, rate_by_group, reach_and_frequency

PATH = pd.DataFrame({"user_id": 1, "channel": list("ABCD"), "hour": [0, 24, 48, 72]})


def test_the_five_rules_on_one_path_of_four_touches():
    """Path A → B → C → D at hours 0, 24, 48, 72, converting at 72.

    last 0,0,0,1; first 1,0,0,0; linear 1/4 each; position-based 0.4, (1 − 0.8)/2 = 0.1, 0.1, 0.4.
    Time decay, half-life 24 h: weights 2^-3, 2^-2, 2^-1, 2^0 = 0.125, 0.25, 0.5, 1 (sum 1.875), so
    credits 0.125/1.875 = 1/15, 2/15, 4/15, 8/15.
    """
    assert touch_credits(PATH, "last_touch").tolist() == [0, 0, 0, 1]
    assert touch_credits(PATH, "first_touch").tolist() == [1, 0, 0, 0]
    assert touch_credits(PATH, "linear").tolist() == [0.25] * 4
    np.testing.assert_allclose(touch_credits(PATH, "position_based"), [0.4, 0.1, 0.1, 0.4])
    np.testing.assert_allclose(touch_credits(PATH, "time_decay", half_life=24), np.array([1, 2, 4, 8]) / 15)


def test_time_decay_counts_from_the_conversion_time_and_default_half_life_is_seven_days():
    """Touches at hours 0 and 168 of a path converting at hour 336 (days 0, 7, 14), half-life 168 h:
    weights 2^-2 = 0.25 and 2^-1 = 0.5, credits 1/3 and 2/3 — the same as if the conversion were at the last
    touch, since only the ratio of the weights matters (2^-1 between touches 7 days apart)."""
    path = pd.DataFrame({"user_id": 7, "channel": ["A", "B"], "hour": [0, 168], "converted_at": 336})
    np.testing.assert_allclose(touch_credits(path, "time_decay", conversion_time_column="converted_at"),
                               [1 / 3, 2 / 3])
    np.testing.assert_allclose(touch_credits(path, "time_decay"), [1 / 3, 2 / 3])
    late = path.assign(converted_at=100)
    with pytest.raises(ValueError, match="after its path's conversion"):
        touch_credits(late, "time_decay", conversion_time_column="converted_at")


def test_short_paths_under_position_based_and_a_custom_end_share():
    """One touch: 100 %. Two touches: 50 % each. Five touches with end_share 0.3: 0.3, 0.4/3 × 3, 0.3."""
    one = pd.DataFrame({"user_id": 1, "channel": ["A"], "hour": [5]})
    two = pd.DataFrame({"user_id": 1, "channel": ["A", "B"], "hour": [5, 6]})
    five = pd.DataFrame({"user_id": 1, "channel": list("ABCDE"), "hour": range(5)})
    assert touch_credits(one, "position_based").tolist() == [1.0]
    assert touch_credits(two, "position_based").tolist() == [0.5, 0.5]
    np.testing.assert_allclose(touch_credits(five, "position_based", end_share=0.3),
                               [0.3, 0.4 / 3, 0.4 / 3, 0.4 / 3, 0.3])


def test_rows_in_any_order_and_ties_keep_table_order():
    """Shuffled rows of two paths give the same credit per row; at equal times the later row is the last touch."""
    paths = pd.DataFrame({"user_id": [2, 1, 2, 1], "channel": ["X", "B", "Y", "A"], "hour": [3, 9, 3, 1]})
    # path 1: A (1) → B (9); path 2: X (3) then Y (3), a tie kept in table order, so Y is last
    assert touch_credits(paths, "last_touch").tolist() == [0, 1, 1, 0]
    assert touch_credits(paths, "first_touch").tolist() == [1, 0, 0, 1]


def test_channel_totals_sum_to_the_converting_paths():
    """Paths A → B, B, A → A → C: last touch B 2, C 1; first touch A 2, B 1;
    linear A 1/2 + 2/3, B 1/2 + 1, C 1/3."""
    paths = pd.DataFrame({
        "user_id": [1, 1, 2, 3, 3, 3], "channel": ["A", "B", "B", "A", "A", "C"], "hour": [0, 1, 0, 0, 1, 2],
    })
    table = compare_attribution_rules(paths)
    assert list(table.columns) == list(ATTRIBUTION_RULES)
    np.testing.assert_allclose(table.sum(), 3.0)
    assert table.loc[["A", "B", "C"], "last_touch"].tolist() == [0, 2, 1]
    assert table.loc[["A", "B", "C"], "first_touch"].tolist() == [2, 1, 0]
    np.testing.assert_allclose(table.loc[["A", "B", "C"], "linear"], [1 / 2 + 2 / 3, 1.5, 1 / 3])
    assert channel_credits(paths, "linear").sum() == pytest.approx(3.0)


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="rule must be one of"):
        touch_credits(PATH, "shapley")
    with pytest.raises(ValueError, match="missing column"):
        touch_credits(PATH.drop(columns="hour"), "linear")
    with pytest.raises(ValueError, match="half_life"):
        touch_credits(PATH, "time_decay", half_life=0)


SEEN = pd.DataFrame({
    "user_id": [1, 1, 1, 2, 3, 3, 3, 3],
    "channel": ["A", "A", "B", "A", "B", "B", "B", "A"],
    "clicked": [0, 1, 0, 0, 0, 0, 1, 0],
})


def test_reach_and_frequency_by_hand():
    """A: users 1 (2), 2 (1), 3 (1) → 4 impressions, reach 3, frequency 4/3, 1 click, CTR 1/4.
    B: users 1 (1), 3 (3) → 4 impressions, reach 2, frequency 2, 1 click. All: 8 impressions, reach 3 (not 3 + 2),
    frequency 8/3; audience 10 → reach rates 0.3, 0.2, 0.3."""
    table = reach_and_frequency(SEEN, click_column="clicked", audience=10)
    assert table["impressions"].to_dict() == {"A": 4, "B": 4, "all": 8}
    assert table["reach"].to_dict() == {"A": 3, "B": 2, "all": 3}
    np.testing.assert_allclose(table["frequency"], [4 / 3, 2, 8 / 3])
    np.testing.assert_allclose(table["reach_rate"], [0.3, 0.2, 0.3])
    assert table["clicks"].tolist() == [1, 1, 2] and table.loc["all", "ctr"] == 0.25
    # Wilson interval of 1 of 4 (statsmodels proportion_confint(1, 4, method="wilson")): 0.0456, 0.6994
    np.testing.assert_allclose(table.loc["A", ["ctr_low", "ctr_high"]].astype(float), [0.045587, 0.699358],
                               atol=1e-6)
    with pytest.raises(ValueError, match="audience"):
        reach_and_frequency(SEEN, audience=2)


def test_frequency_distribution_sums_to_reach():
    """A: user 1 saw 2, users 2 and 3 saw 1 → [2 people at 1, 1 at 2]; B: user 1 saw 1, user 3 saw 3 → with cap
    2: [1 at 1, 1 at 2+]."""
    dist = frequency_distribution(SEEN, cap=2)
    assert dist.index.tolist() == ["1", "2+"]
    assert dist["A"].tolist() == [2, 1] and dist["B"].tolist() == [1, 1]
    assert dist.sum().to_dict() == {"A": 3, "B": 2}


def test_rate_by_group_with_pooling_of_small_groups():
    """Groups a (3 rows, 1 success), b (2 rows, 2), c (1 row, 0); min_count 2 pools c alone into 'other (< 2)'."""
    frame = pd.DataFrame({"g": list("aaabbc"), "ok": [1, 0, 0, 1, 1, 0]})
    table = rate_by_group(frame, "g", "ok", min_count=2)
    assert table.index.tolist() == ["a", "b", "other (< 2)"]
    assert table["successes"].tolist() == [1, 2, 0]
    np.testing.assert_allclose(table["rate"], [1 / 3, 1, 0])
    np.testing.assert_allclose(table["share_of_rows"], [0.5, 1 / 3, 1 / 6])
    assert table.loc["b", "ci_high"] == 1.0 and table.loc["other (< 2)", "ci_low"] == 0.0

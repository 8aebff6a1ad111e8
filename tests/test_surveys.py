"""Tests for ecomops.surveys: SUS scores worked out by hand, t intervals against scipy.stats.t.interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ecomops.data import DataError
from ecomops.surveys import (
    SUS_COLUMNS,
    MeanInterval,
    csat_score,
    geometric_mean_interval,
    nps_difference,
    nps_from_counts,
    nps_score,
    nps_table,
    percentile_summary,
    responses_needed_for_nps,
    responses_needed_for_share,
    sus_score,
    t_interval,
)


def answers(*rows: list[int]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(SUS_COLUMNS))


# --------------------------------------------------------------------------------------------------------- SUS


def test_sus_score_by_hand():
    # 4 2 5 1 4 2 4 3 5 2: odd (4-1)+(5-1)+(4-1)+(4-1)+(5-1) = 17, even (5-2)+(5-1)+(5-2)+(5-3)+(5-2) = 15,
    # 2.5 × 32 = 80
    # best possible (5 on odd, 1 on even) = 100; worst (1 on odd, 5 on even) = 0; all 3s: 2.5 × (10 + 10) = 50;
    # all 5s: 2.5 × (20 + 0) = 50
    frame = answers(
        [4, 2, 5, 1, 4, 2, 4, 3, 5, 2],
        [5, 1, 5, 1, 5, 1, 5, 1, 5, 1],
        [1, 5, 1, 5, 1, 5, 1, 5, 1, 5],
        [3] * 10,
        [5] * 10,
    )
    frame.index = pd.Index(["p1", "p2", "p3", "p4", "p5"], name="participant")
    scores = sus_score(frame)
    assert scores.tolist() == [80.0, 100.0, 0.0, 50.0, 50.0]
    assert scores.name == "SUS" and scores.index.equals(frame.index)


def test_sus_score_with_other_column_names_and_extra_columns():
    frame = pd.DataFrame([[4, 2, 5, 1, 4, 2, 4, 3, 5, 2]], columns=[f"S{i:02d}" for i in range(1, 11)])
    frame["comment"] = "ok"
    assert sus_score(frame, columns=[f"S{i:02d}" for i in range(1, 11)]).tolist() == [80.0]


def test_sus_score_rejects_bad_answers():
    with pytest.raises(DataError, match=r"column 'q10' is missing"):
        sus_score(answers([3] * 10).drop(columns="q10"))
    with pytest.raises(DataError, match=r"10 statements; got 9"):
        sus_score(answers([3] * 10), columns=SUS_COLUMNS[:9])
    frame = answers([3] * 10, [3] * 10)
    frame["q4"] = frame["q4"].astype(object)
    frame.loc[1, "q4"] = 6
    with pytest.raises(DataError, match=r"column 'q4' must hold whole numbers from 1 to 5, but row 3 has 6"):
        sus_score(frame)
    frame.loc[1, "q4"] = None
    with pytest.raises(DataError, match=r"'q4'.*row 3 has None"):
        sus_score(frame)
    frame.loc[1, "q4"] = 2.5
    with pytest.raises(DataError, match=r"'q4'.*row 3 has 2.5"):
        sus_score(frame)


# ---------------------------------------------------------------------------------------------------- t intervals


@pytest.mark.parametrize("alpha", [0.05, 0.10, 0.01])
@pytest.mark.parametrize("n", [2, 5, 12, 200])
def test_t_interval_agrees_with_scipy(alpha, n):
    values = np.random.default_rng(n).normal(70, 12, n)
    result = t_interval(values, alpha=alpha)
    mean, sem = values.mean(), stats.sem(values)  # sem: s / sqrt(n) with ddof=1
    low, high = stats.t.interval(1 - alpha, n - 1, loc=mean, scale=sem)
    assert isinstance(result, MeanInterval) and result.n == n
    assert result.estimate == pytest.approx(mean, rel=1e-14)
    assert result.low == pytest.approx(low, rel=1e-12) and result.high == pytest.approx(high, rel=1e-12)


def test_t_interval_by_hand():
    # 2, 4, 6: mean 4, s = 2, s/√3 = 1.1547; t(0.975, 2) = 4.302653 → 4 ± 4.968275
    result = t_interval(pd.Series([2.0, 4.0, 6.0]))
    assert result.estimate == 4.0
    assert result.high - result.estimate == pytest.approx(4.302653 * 2 / np.sqrt(3), rel=1e-6)
    assert result.low == pytest.approx(4 - 4.968275, abs=1e-6)


def test_geometric_mean_interval_is_the_t_interval_of_the_logs():
    seconds = np.array([61.0, 95.0, 120.0, 88.0, 150.0, 73.0, 104.0])
    result = geometric_mean_interval(seconds)
    logs = np.log(seconds)
    low, high = stats.t.interval(0.95, logs.size - 1, loc=logs.mean(), scale=stats.sem(logs))
    assert result.estimate == pytest.approx(stats.gmean(seconds), rel=1e-12)
    assert result.low == pytest.approx(np.exp(low), rel=1e-12)
    assert result.high == pytest.approx(np.exp(high), rel=1e-12)
    assert result.low < result.estimate < result.high and result.n == 7
    # skewed: the interval reaches further above the estimate than below it
    assert result.high - result.estimate > result.estimate - result.low


def test_intervals_reject_unusable_input():
    with pytest.raises(ValueError, match=r"at least 2 values, got 1"):
        t_interval([3.0])
    with pytest.raises(ValueError, match=r"finite"):
        t_interval([3.0, np.nan, 4.0])
    with pytest.raises(ValueError, match=r"positive for a geometric mean, got 0.0"):
        geometric_mean_interval([10.0, 0.0, 12.0])
    with pytest.raises(ValueError, match=r"alpha must be strictly between 0 and 1, got 1.5"):
        t_interval([1.0, 2.0], alpha=1.5)


def test_percentile_summary_by_hand():
    # 1, 2, 3, 4, 10: mean 4; linear interpolation: p50 at position 2 → 3; p75 at 3 → 4; p95 at 3.8 → 4 + 0.8 × 6
    summary = percentile_summary([10, 2, 3, 1, 4])
    assert summary.index.tolist() == ["mean", "p50", "p75", "p95"]
    np.testing.assert_allclose(summary, [4.0, 3.0, 4.0, 8.8])
    assert percentile_summary([1.0, 3.0], percentiles=[25, 99.5]).index.tolist() == ["mean", "p25", "p99.5"]
    with pytest.raises(ValueError, match="percentiles must lie between 0 and 100"):
        percentile_summary([1.0, 2.0], percentiles=[101])


# ---------------------------------------------------------------------------------------------- NPS and CSAT


def test_nps_by_hand():
    """50 promoters, 30 passives, 20 detractors: NPS = 100 (0.5 − 0.2) = 30 points. Variance of p̂_P − p̂_D:
    (0.5 + 0.2 − 0.3²) / 100 = 0.0061, standard error 0.078102, half-width 1.959964 × 7.8102 = 15.308 points:
    interval 14.69 to 45.31."""
    result = nps_from_counts(50, 30, 20)
    assert result.nps == pytest.approx(30.0)
    assert result.low == pytest.approx(30 - 15.3076, abs=1e-3) and result.high == pytest.approx(30 + 15.3076, abs=1e-3)
    assert (result.promoters, result.passives, result.detractors, result.n) == (50, 30, 20, 100)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nps_interval_is_the_z_interval_of_the_plus_one_zero_minus_one_score(seed):
    """Independent route: score every answer +1 (9–10), 0 (7–8) or −1 (0–6); NPS/100 is its mean and the
    multinomial variance of p̂_P − p̂_D is its population variance over n (numpy, ddof = 0)."""
    answers = np.random.default_rng(seed).integers(0, 11, size=257)
    plus_minus = np.select([answers >= 9, answers <= 6], [1.0, -1.0], 0.0)
    half = stats.norm.ppf(0.95) * plus_minus.std(ddof=0) / np.sqrt(answers.size)  # 90 % interval
    result = nps_score(answers, alpha=0.10)
    assert result.nps == pytest.approx(100 * plus_minus.mean())
    assert (result.low, result.high) == pytest.approx((100 * (plus_minus.mean() - half), 100 * (plus_minus.mean() + half)))


def test_nps_drops_missing_answers_and_rejects_bad_ones():
    result = nps_score(pd.Series([10, 9, None, 7, 3, np.nan]))
    assert (result.promoters, result.passives, result.detractors, result.n) == (2, 1, 1, 4)
    assert result.nps == pytest.approx(25.0)
    with pytest.raises(DataError, match="answer 2 is 11"):
        nps_score([10, 11, 5])
    with pytest.raises(DataError, match="answer 1 is 'great'"):
        nps_score(["great", 9])
    with pytest.raises(DataError, match="no answers"):
        nps_score([None, None])
    assert nps_from_counts(10, 0, 0).low == 100.0  # the Wald interval collapses: limits clipped, counts reported


def test_csat_is_the_top_two_box_share_with_the_wilson_interval():
    """Counts 20, 10, 40, 80, 50 of 1–5 answers: 130 of 200 are 4 or 5, CSAT 65 %; interval as statsmodels'
    proportion_confint(130, 200, method="wilson")."""
    from statsmodels.stats.proportion import proportion_confint

    answers = np.repeat([1, 2, 3, 4, 5], [20, 10, 40, 80, 50])
    result = csat_score(np.append(answers.astype(float), np.nan))
    assert (result.successes, result.n) == (130, 200) and result.share == pytest.approx(0.65)
    assert (result.low, result.high) == pytest.approx(proportion_confint(130, 200, method="wilson"))
    with pytest.raises(DataError, match="from 1 to 5"):
        csat_score([0, 4])


def test_responses_needed():
    """Share: ±3 points at an expected 50 % needs ⌈1.959964² × 0.25 / 0.03²⌉ = ⌈1067.07⌉ = 1,068 answers, at 80 %
    ⌈682.9⌉ = 683. NPS with 50 % promoters and 20 % detractors, ±5 points: ⌈1.959964² × 0.61 / 0.05²⌉ =
    ⌈937.31⌉ = 938; with that many answers the interval's half-width is indeed at most 5 points."""
    assert responses_needed_for_share(0.5, 0.03) == 1068
    assert responses_needed_for_share(0.8, 0.03) == 683
    needed = responses_needed_for_nps(0.5, 0.2, 5)
    assert needed == 938
    at_needed = nps_from_counts(round(0.5 * needed), round(0.3 * needed), round(0.2 * needed))
    assert at_needed.high - at_needed.nps <= 5.0 + 1e-2
    with pytest.raises(ValueError, match="sum to at most 1"):
        responses_needed_for_nps(0.7, 0.4, 5)


def test_nps_table_is_nps_score_per_group():
    scores = pd.Series([10, 9, 3, None, 8, 0, 10], name="nps")
    weeks = pd.Series([1, 1, 1, 1, 2, 2, 3], name="week")
    table = nps_table(scores, weeks)
    assert list(table.index) == [1, 2, 3] and table.index.name == "week"
    assert table.loc[1, "nps"] == pytest.approx(nps_score([10, 9, 3]).nps) and table.loc[1, "n"] == 3
    assert table.loc[2, "nps"] == pytest.approx(-50.0) and table.loc[3, "nps"] == pytest.approx(100.0)


def test_nps_difference_by_hand():
    """Sample 1: 50/30/20 of 100 (NPS 30, variance 0.0061); sample 2: 40/30/30 of 200 (NPS 10, variance
    (0.7 − 0.01)/200 = 0.00345). Difference −20 points, standard error 100·√0.00955 = 9.7724, half-width
    1.959964 × 9.7724 = 19.154 points."""
    difference = nps_difference(nps_from_counts(50, 30, 20), nps_from_counts(80, 60, 60))
    assert difference.estimate == pytest.approx(-20.0)
    assert difference.high - difference.estimate == pytest.approx(19.1535, abs=1e-3) and difference.n == 300

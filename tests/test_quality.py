"""Tests for the p-chart (ecomops.quality) against limits worked out by hand, and for the course figures
(ecomops.plots.course): each draws exactly the numbers it is given."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecomops.customers import cohort_retention, pooled_retention  # noqa: E402
from ecomops.operations import funnel_table  # noqa: E402
from ecomops.plots.course import (  # noqa: E402
    cohort_heatmap_figure,
    lift_and_p_value_figure,
    p_chart_figure,
    pooled_retention_figure,
    rate_intervals_figure,
    rates_and_distributions_figure,
    segment_step_rates_figure,
)
from ecomops.quality import p_chart_limits, runs_on_one_side  # noqa: E402


def test_p_chart_limits_by_hand():
    # 10/100, 20/200, 22/100, 3/100: centre 55/500 = 0.11
    chart = p_chart_limits([10, 20, 22, 3], [100, 200, 100, 100], index=["Mon", "Tue", "Wed", "Thu"])
    assert list(chart.index) == ["Mon", "Tue", "Wed", "Thu"]
    assert chart["centre"].tolist() == pytest.approx([0.11] * 4)
    # σ = √(0.11 · 0.89 / n): n = 100 → √0.000979 = 0.0312890; n = 200 → √0.0004895 = 0.0221246
    np.testing.assert_allclose(chart["sigma"], [0.0312890, 0.0221246, 0.0312890, 0.0312890], atol=1e-7)
    np.testing.assert_allclose(chart["ucl"], [0.2038669, 0.1763738, 0.2038669, 0.2038669], atol=1e-6)
    np.testing.assert_allclose(chart["lcl"], [0.0161331, 0.0436262, 0.0161331, 0.0161331], atol=1e-6)
    np.testing.assert_allclose(chart["rate"], [0.10, 0.10, 0.22, 0.03])
    assert chart["beyond"].tolist() == ["", "", "above", ""]  # 0.22 > 0.2039; 0.03 > 0.0161
    assert chart["in_run"].tolist() == [False] * 4
    assert chart["successes"].tolist() == [10, 20, 22, 3] and chart["trials"].tolist() == [100, 200, 100, 100]


def test_lower_limit_is_cut_at_zero_and_a_point_below_is_flagged():
    # centre 0.11 with n = 10: 0.11 − 3·√(0.11·0.89/10) = 0.11 − 0.2968 < 0, so the lower limit is 0
    chart = p_chart_limits([1, 0, 30], [10, 10, 100], centre=0.11)
    assert chart["lcl"].iloc[0] == 0.0 and chart["lcl"].iloc[1] == 0.0
    assert chart["ucl"].iloc[0] == pytest.approx(0.11 + 3 * math.sqrt(0.11 * 0.89 / 10))
    assert chart["beyond"].tolist() == ["", "", "above"]  # 0 is not below a limit of 0; 0.30 > 0.2039
    low = p_chart_limits([2], [100], centre=0.2)  # 0.02 < 0.2 − 3·0.04 = 0.08
    assert low["beyond"].tolist() == ["below"] and low["lcl"].iloc[0] == pytest.approx(0.08)


def test_a_given_centre_and_other_widths():
    chart = p_chart_limits([50, 50], [1000, 250], centre=0.05, sigmas=2.0)
    assert chart["centre"].tolist() == [0.05, 0.05]
    # 2σ limits: 0.05 ± 2·√(0.0475/1000) = 0.05 ± 0.0137840; n = 250: 0.05 ± 0.0275681
    np.testing.assert_allclose(chart["ucl"], [0.0637840, 0.0775681], atol=1e-6)
    assert chart["beyond"].tolist() == ["", "above"]  # 50/250 = 0.2


def test_runs_on_one_side():
    centre = 0.10
    eight_above = [0.11] * 8 + [0.09]
    assert runs_on_one_side(eight_above, centre).tolist() == [True] * 8 + [False]
    seven_above = [0.09] + [0.11] * 7 + [0.09]
    assert not runs_on_one_side(seven_above, centre).any()
    on_the_line = [0.11] * 4 + [0.10] + [0.11] * 4  # a point on the centre breaks the run
    assert not runs_on_one_side(on_the_line, centre).any()
    assert runs_on_one_side([0.05, 0.05, 0.2], centre, run_length=2).tolist() == [True, True, False]
    below = p_chart_limits([9] * 8 + [30], [100] * 9, centre=0.1)  # eight days at 9 % under a centre of 10 %
    assert below["in_run"].tolist() == [True] * 8 + [False] and below["beyond"].iloc[-1] == "above"
    with pytest.raises(ValueError, match="run_length"):
        runs_on_one_side([0.1, 0.2], centre, run_length=1)


@pytest.mark.parametrize(
    ("successes", "trials", "kwargs", "message"),
    [
        ([5, 11], [10, 10], {}, "at position 1"),
        ([1.5], [10], {}, "whole numbers"),
        ([1], [0], {}, "trials >= 1"),
        ([1, 2], [10], {}, "same length"),
        ([1], [10], {"centre": 1.0}, "centre must be a rate"),
        ([1], [10], {"sigmas": 0}, "sigmas"),
    ],
)
def test_bad_input_is_named(successes, trials, kwargs, message):
    with pytest.raises(ValueError, match=message):
        p_chart_limits(successes, trials, **kwargs)


def test_p_chart_figure_draws_the_chart_it_is_given():
    chart = p_chart_limits([10, 20, 22, 3, 12], [100, 200, 100, 100, 100], index=list("abcde"))
    fig = p_chart_figure(chart, ylabel="conversion rate")
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["rate"].get_ydata(), chart["rate"])
    np.testing.assert_allclose(lines["centre line"].get_ydata(), chart["centre"])
    np.testing.assert_allclose(lines["outside the limits"].get_ydata(), [0.22])
    assert "run on one side of the centre" not in lines
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcde")
    assert ax.get_ylabel() == "conversion rate"
    plt.close(fig)
    long = p_chart_limits(np.full(40, 5), np.full(40, 50), index=pd.RangeIndex(40))
    fig = p_chart_figure(long, ylabel="share", max_ticks=10)
    assert len(fig.axes[0].get_xticks()) == 10  # every 4th of 40 periods
    plt.close(fig)


def test_rate_intervals_figure_draws_each_rate_with_its_interval():
    rates = pd.DataFrame({"rate": [0.2, 0.6], "low": [0.1, 0.5], "high": [0.35, 0.7]}, index=["first", "second"])
    fig = rate_intervals_figure(rates, xlabel="rate")
    ax = fig.axes[0]
    (container,) = ax.containers
    np.testing.assert_allclose(np.asarray(container.lines[0].get_xdata(), dtype=float), [0.2, 0.6])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["first", "second"]
    bars = container.lines[2][0].get_segments()  # the horizontal error bars, low to high
    np.testing.assert_allclose([np.asarray(s, dtype=float)[:, 0] for s in bars], [[0.1, 0.35], [0.5, 0.7]])
    assert ax.get_xlim() == (0.0, 1.0) and ax.yaxis_inverted()
    plt.close(fig)


def test_segment_step_rates_figure_draws_one_series_per_segment():
    frame = pd.DataFrame({"segment": ["A"] * 4 + ["B"] * 4, "viewed": [True, True, False, False] * 2,
                          "bought": [True, False, False, False, True, True, False, False]})
    stages = [{"name": "entry"}, {"name": "viewed", "column": "viewed", "op": "eq", "value": True},
              {"name": "bought", "column": "bought", "op": "eq", "value": True}]
    funnel = funnel_table(frame, stages, segment_by="segment")
    fig = segment_step_rates_figure(funnel, legend_title="segment")
    ax = fig.axes[0]
    assert [c.get_label() for c in ax.containers] == ["a", "b"]
    xs, ys = ([np.asarray(getattr(c.lines[0], f"get_{axis}data")(), dtype=float) for c in ax.containers]
              for axis in "xy")
    # A: viewed 2/4, bought 1/2; B: viewed 2/4, bought 2/2; steps 2 and 3, A shifted left and B right by 0.075
    np.testing.assert_allclose(ys[0], [0.5, 0.5])
    np.testing.assert_allclose(ys[1], [0.5, 1.0])
    np.testing.assert_allclose(xs[0], [1.925, 2.925])
    np.testing.assert_allclose(xs[1], [2.075, 3.075])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["viewed", "bought"]
    plt.close(fig)


def test_lift_and_p_value_figure_draws_both_series():
    day, lift, p = np.array([0.5, 1.0, 2.0]), np.array([-0.02, -0.01, 0.001]), np.array([0.001, 0.04, 0.7])
    fig = lift_and_p_value_figure(day, lift, p)
    top, bottom = fig.axes
    np.testing.assert_allclose(top.get_lines()[0].get_ydata(), lift)
    np.testing.assert_allclose(bottom.get_lines()[0].get_ydata(), p)
    np.testing.assert_allclose(bottom.get_lines()[0].get_xdata(), day)
    assert bottom.get_yscale() == "log" and bottom.get_lines()[1].get_ydata()[0] == 0.05
    plt.close(fig)


def test_cohort_figures_draw_the_table_they_are_given():
    orders = pd.DataFrame({"customer": ["a", "a", "b", "b", "c", "a"],
                           "date": ["2024-01-05", "2024-02-05", "2024-01-10", "2024-03-01", "2024-02-02", "2024-03-09"]})
    retention = cohort_retention(orders, "customer", "date")  # Jan: a, b (2); Feb: c (1)
    fig = cohort_heatmap_figure(retention)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2024-01 (n=2)", "2024-02 (n=1)"]
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["0%", "100%", "50%"]  # Jan: a in Feb (50%), a and b in Mar (100%); Feb: nobody in Mar (0%)
    plt.close(fig)
    pooled = pooled_retention(retention)
    reference = retention.drop(columns="cohort_size").iloc[0, 1:]
    fig = pooled_retention_figure(pooled, reference, "pooled", "January")
    ax = fig.axes[0]
    (container,) = ax.containers
    np.testing.assert_allclose(np.asarray(container.lines[0].get_ydata(), dtype=float), pooled["rate"])
    lines = [line for line in ax.get_lines() if line.get_label() == "January"]
    np.testing.assert_allclose(np.asarray(lines[0].get_ydata(), dtype=float), [0.5, 1.0])
    plt.close(fig)


def test_rates_and_distributions_figure():
    rates = pd.DataFrame({"rate": [0.3, 0.1], "low": [0.2, 0.05], "high": [0.4, 0.2]}, index=["low band", "high band"])
    fig = rates_and_distributions_figure(rates, {"buyers": [3.0, 1.0, 2.0], "others": [1.0, 4.0]},
                                         "band", "share", "minutes")
    left, right = fig.axes
    (container,) = left.containers
    np.testing.assert_allclose(np.asarray(container.lines[0].get_ydata(), dtype=float), [0.3, 0.1])
    assert [t.get_text() for t in left.get_xticklabels()] == ["low band", "high band"]
    buyers, others = right.get_lines()
    np.testing.assert_allclose(buyers.get_xdata(), [1.0, 2.0, 3.0])  # sorted values
    np.testing.assert_allclose(buyers.get_ydata(), [1 / 3, 2 / 3, 1.0])  # the empirical distribution
    np.testing.assert_allclose(others.get_ydata(), [0.5, 1.0])
    assert right.get_xscale() == "log" and buyers.get_label() == "buyers"
    plt.close(fig)
